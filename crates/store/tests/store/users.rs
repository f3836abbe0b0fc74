//! Users, logins and tokens.

use crate::prelude::*;

both!(add_user_checks_name_unit_and_password, |h| async move {
    let clerk = h.actor("clerk").await;
    let users = h.count("users").await;
    let r = h.store.add_user(None, "clerk", "另一个", Role::Clerk, "xfj", PASSWORD).await;
    match r {
        Err(StoreError::Conflict { code, message_zh, .. }) => {
            assert_eq!(code, "username_taken");
            assert!(message_zh.contains("clerk"), "{message_zh}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let r = h.store.add_user(None, " clerk ", "另一个", Role::Clerk, "xfj", PASSWORD).await;
    assert_eq!(err_code(r), "conflict:username_taken", "names are trimmed before the check");
    let r = h.store.add_user(None, "newbie", "新人", Role::UnitStaff, "nowhere", PASSWORD).await;
    assert_eq!(err_code(r), "invalid:unknown_unit");
    let r = h.store.add_user(None, "newbie", "新人", Role::UnitStaff, "rsj", "short").await;
    assert_eq!(err_code(r), "invalid:password_too_short");
    let r = h.store.add_user(None, "new bie", "新人", Role::UnitStaff, "rsj", PASSWORD).await;
    assert_eq!(err_code(r), "invalid:bad_username");
    let r = h.store.add_user(None, "", "新人", Role::UnitStaff, "rsj", PASSWORD).await;
    assert_eq!(err_code(r), "invalid:bad_username");
    assert_eq!(h.count("users").await, users, "nothing added");

    // Seven characters are too few, eight enough; counted in characters, not bytes.
    let r = h.store.add_user(Some(&clerk), "newbie", "新人", Role::UnitStaff, "rsj", "信访信访信访信").await;
    assert_eq!(err_code(r), "invalid:password_too_short");
    let id = h.store.add_user(Some(&clerk), "newbie", " 新人 ", Role::UnitStaff, "rsj", "信访信访信访信访").await?;
    let list = h.store.list_users().await?;
    let u = list.iter().find(|u| u.id == id).ok_or_else(|| anyhow!("listed"))?;
    assert_eq!(
        (u.username.as_str(), u.display_name.as_str(), u.role.as_str(), u.unit_code.as_str()),
        ("newbie", "新人", "unit_staff", "rsj")
    );
    assert!(u.active);
    let a = h.store.actor_by_username("newbie").await?;
    assert_eq!((a.user_id, a.role, a.unit_code.as_str()), (id, Role::UnitStaff, "rsj"));
    assert!(h.store.user_exists("newbie").await?);
    assert!(!h.store.user_exists("nobody").await?);
    assert_eq!(err_code(h.store.actor_by_username("nobody").await), "not_found");
    let audit = h.store.audit_entries(Some(("user", &id.to_string())), 5).await?;
    assert_eq!((audit[0].action.as_str(), audit[0].actor_name.as_str()), ("user.create", "clerk"));
    assert_eq!(audit[0].detail, serde_json::json!({"username": "newbie", "role": "unit_staff", "unit": "rsj"}));
    let stored = h.raw.text(&format!("SELECT password_hash FROM users WHERE id = {id}")).await?.unwrap_or_default();
    assert!(stored.starts_with("$argon2id$") && !stored.contains("信访"), "{stored}");
    Ok(())
});

both!(login_issues_a_token_until_revoked, |h| async move {
    let clerk = h.actor("clerk").await;
    let issued = h.store.login("clerk", PASSWORD).await?;
    assert_eq!(issued.actor, clerk);
    let hours = (issued.expires_at - Utc::now()).num_minutes();
    assert!((11 * 60..=12 * 60).contains(&hours), "expires in {hours} minutes");
    assert_eq!(h.store.actor_for_token(&issued.token).await?, Some(clerk.clone()));
    assert_eq!(h.store.actor_for_token("not-a-token").await?, None);
    // Only a hash of the token is stored.
    assert_eq!(h.count(&format!("api_tokens WHERE token_hash = '{}'", issued.token)).await, 0);
    assert_eq!(h.count("api_tokens").await, 1);
    assert_eq!(h.store.audit_entries(None, 1).await?[0].action, "auth.login");

    let second = h.store.login("clerk", PASSWORD).await?;
    assert_ne!(second.token, issued.token);
    h.store.revoke_token(&clerk, &issued.token).await?;
    assert_eq!(h.store.actor_for_token(&issued.token).await?, None);
    assert_eq!(h.store.actor_for_token(&second.token).await?, Some(clerk.clone()), "only that token");
    assert_eq!(h.store.audit_entries(None, 1).await?[0].action, "auth.logout");
    Ok(())
});

both!(wrong_passwords_are_refused_and_audited, |h| async move {
    h.actor("clerk").await;
    let before = h.count("audit_log WHERE action = 'auth.login_failed'").await;
    assert_eq!(err_code(h.store.login("clerk", "wrong-password").await), "unauthenticated");
    assert_eq!(err_code(h.store.login("clerk", &PASSWORD.to_uppercase()).await), "unauthenticated");
    assert_eq!(err_code(h.store.login("nobody", PASSWORD).await), "unauthenticated");
    assert_eq!(h.count("audit_log WHERE action = 'auth.login_failed'").await, before + 3);
    let failed = h.store.audit_entries(Some(("user", "clerk")), 5).await?;
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().all(|e| e.action == "auth.login_failed" && e.actor_name == "system"));
    assert_eq!(failed[0].detail, serde_json::json!({"known_user": true}));
    let unknown = h.store.audit_entries(Some(("user", "nobody")), 5).await?;
    assert_eq!(unknown[0].detail, serde_json::json!({"known_user": false}));
    assert_eq!(h.count("api_tokens").await, 0, "no token for a failed login");
    // The password is never written to the log.
    let details = h.raw.texts("SELECT detail FROM audit_log").await?;
    assert!(details.iter().all(|d| !d.contains("wrong-password")));
    // A deactivated user cannot log in and their tokens stop working.
    let token = h.store.login("clerk", PASSWORD).await?.token;
    match h.backend {
        Backend::Sqlite => h.raw.exec("UPDATE users SET active = 0 WHERE username = 'clerk'").await?,
        Backend::Postgres => h.raw.exec("UPDATE users SET active = FALSE WHERE username = 'clerk'").await?,
    };
    assert_eq!(err_code(h.store.login("clerk", PASSWORD).await), "unauthenticated");
    assert_eq!(h.store.actor_for_token(&token).await?, None);
    Ok(())
});
