//! Administration: units, users, categories and the calendar — administrators only, every change
//! audited.

use xinfang_core::calendar::{Calendar, NamedDay};
use xinfang_core::case::CategorySpec;
use xinfang_core::unit::{UnitKind, UnitSpec};

use crate::prelude::*;

fn township(code: &str, parent: &str) -> UnitSpec {
    UnitSpec {
        code: code.into(),
        name: "清源镇".into(),
        kind: UnitKind::Township,
        parent: Some(parent.into()),
        stationed: false,
    }
}

fn category(code: &str, name: &str, unit: Option<&str>) -> CategorySpec {
    CategorySpec { code: code.into(), name: name.into(), default_unit: unit.map(Into::into) }
}

both!(only_administrators_change_the_configuration, |h| async move {
    let [admin, clerk, leader, staff] = h.actors(["admin", "clerk", "leader", "s140121"]).await;
    let audit = h.count("audit_log").await;
    let (units, users, cats) = (h.count("units").await, h.count("users").await, h.count("categories").await);
    for a in [&clerk, &leader, &staff] {
        assert_eq!(err_code(h.store.admin_upsert_unit(a, &township("qingyuan", "140121")).await), "forbidden");
        let r = h.store.admin_add_user(a, "newbie", "新人", Role::Admin, "xfj", PASSWORD).await;
        assert_eq!(err_code(r), "forbidden");
        assert_eq!(err_code(h.store.set_user_active(a, admin.user_id, false).await), "forbidden");
        assert_eq!(err_code(h.store.reset_password(a, admin.user_id, "new-password-1").await), "forbidden");
        assert_eq!(err_code(h.store.upsert_category(a, &category("labor", "劳动", None)).await), "forbidden");
        assert_eq!(err_code(h.store.add_category(a, &category("water", "水利", None)).await), "forbidden");
        let y = xinfang_core::calendar::derive_year(2031);
        assert_eq!(err_code(h.store.admin_import_holiday_year(a, &y).await), "forbidden");
    }
    match h.store.admin_upsert_unit(&clerk, &township("qingyuan", "140121")).await {
        Err(StoreError::Domain(e)) => assert!(e.message(xinfang_core::Lang::Zh).contains("只有系统管理员"), "{e}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(h.count("audit_log").await, audit, "nothing refused is audited as done");
    assert_eq!(
        (h.count("units").await, h.count("users").await, h.count("categories").await),
        (units, users, cats),
        "nothing changed"
    );
    assert_eq!(h.count("holiday_years WHERE year = 2031").await, 0);
    // The administrator's own password still works.
    h.store.login("admin", PASSWORD).await?;
    Ok(())
});

both!(units_form_a_tree, |h| async move {
    let admin = h.actor("admin").await;
    assert!(h.store.admin_upsert_unit(&admin, &township("qingyuan", "140121")).await?);
    let mut renamed = township("qingyuan", "140121");
    renamed.name = "清源镇人民政府".into();
    renamed.stationed = true;
    assert!(!h.store.admin_upsert_unit(&admin, &renamed).await?, "updated, not created");
    let u = h.store.list_units().await?.into_iter().find(|u| u.code == "qingyuan").ok_or_else(|| anyhow!("listed"))?;
    assert_eq!(
        (u.name.as_str(), u.kind.as_str(), u.parent_code.as_deref(), u.stationed),
        ("清源镇人民政府", "township", Some("140121"), true)
    );
    let audit = h.store.audit_entries(Some(("unit", "qingyuan")), 5).await?;
    assert_eq!(audit.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["unit.update", "unit.create"]);
    assert!(audit.iter().all(|e| e.actor_name == "admin"));

    // A unit cannot be its own parent, nor sit under its own sub-unit; the parent must exist.
    let r = h.store.admin_upsert_unit(&admin, &township("qingyuan", "qingyuan")).await;
    assert_eq!(err_code(r), "invalid:unit_parent_cycle");
    let county = UnitSpec {
        code: "140121".into(),
        name: "清徐县".into(),
        kind: UnitKind::County,
        parent: Some("qingyuan".into()),
        stationed: true,
    };
    assert_eq!(err_code(h.store.admin_upsert_unit(&admin, &county).await), "invalid:unit_parent_cycle");
    assert_eq!(err_code(h.store.admin_upsert_unit(&admin, &township("x1", "nowhere")).await), "invalid:unknown_unit");
    // UnitSpec's own checks come first.
    let mut bad = township("Bad Code", "140121");
    assert_eq!(err_code(h.store.admin_upsert_unit(&admin, &bad).await), "invalid:unit_bad_code");
    bad.code = "ok".into();
    bad.name = "  ".into();
    assert_eq!(err_code(h.store.admin_upsert_unit(&admin, &bad).await), "invalid:unit_name_required");
    let u = h.store.list_units().await?.into_iter().find(|u| u.code == "140121").ok_or_else(|| anyhow!("140121"))?;
    assert_eq!(u.parent_code.as_deref(), Some("xfj"), "the county did not move");
    Ok(())
});

both!(deactivated_users_lose_their_sessions, |h| async move {
    let admin = h.actor("admin").await;
    let id = h.store.admin_add_user(&admin, "wangwu", "王五", Role::Clerk, "xfj", "first-password").await?;
    let audit = h.store.audit_entries(Some(("user", &id.to_string())), 1).await?;
    assert_eq!((audit[0].action.as_str(), audit[0].actor_name.as_str()), ("user.create", "admin"));
    let t1 = h.store.login("wangwu", "first-password").await?.token;
    let t2 = h.store.login("wangwu", "first-password").await?.token;
    assert!(h.store.actor_for_token(&t1).await?.is_some());

    h.store.set_user_active(&admin, id, false).await?;
    assert_eq!(h.store.actor_for_token(&t1).await?, None);
    assert_eq!(h.store.actor_for_token(&t2).await?, None);
    assert_eq!(h.count(&format!("api_tokens WHERE user_id = {id} AND revoked_at IS NULL")).await, 0, "revoked");
    assert_eq!(err_code(h.store.login("wangwu", "first-password").await), "unauthenticated");
    let u = h.store.list_users().await?.into_iter().find(|u| u.id == id).ok_or_else(|| anyhow!("listed"))?;
    assert!(!u.active);
    let audit = h.store.audit_entries(Some(("user", &id.to_string())), 5).await?;
    assert_eq!(audit[0].action, "user.deactivate");
    assert_eq!(audit[0].detail, serde_json::json!({"username": "wangwu", "tokens_revoked": 2}));

    // Reactivated: they log in again; the old tokens stay revoked.
    h.store.set_user_active(&admin, id, true).await?;
    let t3 = h.store.login("wangwu", "first-password").await?.token;
    assert!(h.store.actor_for_token(&t3).await?.is_some());
    assert_eq!(h.store.actor_for_token(&t1).await?, None);
    let audit = h.store.audit_entries(Some(("user", &id.to_string())), 5).await?;
    assert_eq!(
        audit.iter().map(|e| e.action.as_str()).take(3).collect::<Vec<_>>(),
        ["auth.login", "user.activate", "user.deactivate"]
    );

    // No one deactivates themselves; unknown users are not found.
    assert_eq!(err_code(h.store.set_user_active(&admin, admin.user_id, false).await), "forbidden");
    assert!(h.store.list_users().await?.iter().any(|u| u.id == admin.user_id && u.active));
    assert_eq!(err_code(h.store.set_user_active(&admin, 999_999, false).await), "not_found");
    Ok(())
});

both!(password_reset_ends_sessions_and_is_audited, |h| async move {
    let [admin, clerk] = h.actors(["admin", "clerk"]).await;
    let token = h.store.login("clerk", PASSWORD).await?.token;
    let r = h.store.reset_password(&admin, clerk.user_id, "short").await;
    assert_eq!(err_code(r), "invalid:password_too_short");
    assert!(h.store.actor_for_token(&token).await?.is_some(), "a refused reset changes nothing");
    h.store.reset_password(&admin, clerk.user_id, "brand-new-password").await?;
    assert_eq!(h.store.actor_for_token(&token).await?, None, "signed out everywhere");
    assert_eq!(err_code(h.store.login("clerk", PASSWORD).await), "unauthenticated");
    h.store.login("clerk", "brand-new-password").await?;
    let audit = h.store.audit_entries(Some(("user", &clerk.user_id.to_string())), 5).await?;
    let reset = audit.iter().find(|e| e.action == "user.password_reset").ok_or_else(|| anyhow!("audited"))?;
    assert_eq!(reset.actor_name, "admin");
    assert_eq!(reset.detail, serde_json::json!({"username": "clerk", "tokens_revoked": 1}));
    let details = h.raw.texts("SELECT detail FROM audit_log").await?;
    assert!(details.iter().all(|d| !d.contains("brand-new-password")), "the password is never logged");
    assert_eq!(err_code(h.store.reset_password(&admin, 999_999, "brand-new-password").await), "not_found");
    assert!(h.store.verify_audit().await?.ok());
    Ok(())
});

both!(categories_and_their_routing, |h| async move {
    let admin = h.actor("admin").await;
    let find = |code: &'static str| {
        let store = h.store.clone();
        async move { store.list_categories().await.map(|l| l.into_iter().find(|c| c.code == code)) }
    };
    assert_eq!(find("rural").await?.and_then(|c| c.default_unit), None, "属地 by default");

    // Edit: a new name and default unit; back to 属地 with none.
    assert!(!h.store.upsert_category(&admin, &category("rural", " 农业农村（含宅基地） ", Some("ghzy"))).await?);
    assert_eq!(find("rural").await?, Some(category("rural", "农业农村（含宅基地）", Some("ghzy"))));
    assert!(!h.store.upsert_category(&admin, &category("rural", "农业农村", None)).await?);
    assert_eq!(find("rural").await?, Some(category("rural", "农业农村", None)));
    let audit = h.store.audit_entries(Some(("category", "rural")), 5).await?;
    assert_eq!(audit[0].action, "category.update");
    assert_eq!(audit[0].detail, serde_json::json!({"name": "农业农村", "default_unit": null}));
    assert_eq!(audit[1].detail, serde_json::json!({"name": "农业农村（含宅基地）", "default_unit": "ghzy"}));

    // Add: a new code is created; an existing one is refused; bad input is named by field.
    let cats = h.count("categories").await;
    h.store.add_category(&admin, &category("water_2", "水利水务", Some("140121"))).await?;
    assert_eq!(h.count("categories").await, cats + 1);
    assert_eq!(h.store.audit_entries(Some(("category", "water_2")), 1).await?[0].action, "category.create");
    let r = h.store.add_category(&admin, &category("water_2", "水利", None)).await;
    assert_eq!(err_code(r), "conflict:category_taken");
    assert_eq!(find("water_2").await?.map(|c| c.name), Some("水利水务".into()), "not overwritten");
    for bad in ["Water", "water-2", "", "水利", &"x".repeat(33)] {
        let r = h.store.add_category(&admin, &category(bad, "水利", None)).await;
        assert_eq!(err_code(r), "invalid:category_bad_code", "{bad:?}");
    }
    let r = h.store.add_category(&admin, &category("water3", " ", None)).await;
    assert_eq!(err_code(r), "invalid:category_name_required");
    let r = h.store.add_category(&admin, &category("water3", &"水".repeat(33), None)).await;
    assert_eq!(err_code(r), "invalid:category_name_too_long");
    let r = h.store.add_category(&admin, &category("water3", "水利", Some("nowhere"))).await;
    match r {
        Err(StoreError::Domain(DomainError::Invalid(f))) => assert_eq!(f[0].field, "default_unit"),
        other => panic!("expected an invalid default unit, got {other:?}"),
    }
    assert_eq!(h.count("categories").await, cats + 1);

    // Registration accepts the new category at once.
    let clerk = h.actor("clerk").await;
    let case = register_at(&h, &clerk, reg().category("water_2").build(), "2026-04-20T09:10:00+08:00").await?;
    assert_eq!(case.category, "water_2");
    Ok(())
});

both!(calendar_imports_are_administrators_and_recompute, |h| async move {
    let [admin, clerk] = h.actors(["admin", "clerk"]).await;
    // Received Monday 04-20; 15 days end in 劳动节 → 05-06.
    let a = register_at(&h, &clerk, reg().received("2026-04-20T09:00:00+08:00").build(), "2026-04-20T09:10:00+08:00")
        .await?;
    assert_eq!(a.deadlines.get("decide_by"), Some(&d(2026, 5, 6)));
    let mut y2026 = Calendar::shipped_years().into_iter().find(|y| y.year == 2026).ok_or_else(|| anyhow!("2026"))?;
    y2026.holidays.push(NamedDay::new(d(2026, 5, 6), "劳动节"));
    assert_eq!(h.store.admin_import_holiday_year(&admin, &y2026).await?, 1);
    assert_eq!(h.store.get_case(&clerk, a.id).await?.deadlines.get("decide_by"), Some(&d(2026, 5, 7)));
    let audit = h.store.audit_entries(Some(("calendar", "2026")), 1).await?;
    assert_eq!((audit[0].action.as_str(), audit[0].actor_name.as_str()), ("calendar.import", "admin"));
    Ok(())
});
