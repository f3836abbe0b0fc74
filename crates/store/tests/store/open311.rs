//! Open311: API keys (hashed, audited, revocable, rate-limited) and what the public may read —
//! only requests posted through Open311, never an accusation, and no personal data.

use xinfang_core::open311::{PublicStatus, ServiceRequestForm};
use xinfang_store::open311::RequestQuery;

use crate::prelude::*;

/// A request as a client would post it (the specification's fields), mapped to a registration.
fn posted(pairs: &[(&str, &str)]) -> (RegisterInput, Option<f64>, Option<f64>) {
    let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let m = ServiceRequestForm::from_pairs(&pairs).to_register_input().expect("a valid request");
    (m.input, m.lat, m.long)
}

fn street_light() -> (RegisterInput, Option<f64>, Option<f64>) {
    posted(&[
        ("service_code", "urban"),
        ("lat", "37.85"),
        ("long", "112.56"),
        ("address_string", "小店区某路 5 号"),
        ("last_name", "诸葛"),
        ("first_name", "明月"),
        ("phone", "13700001111"),
        ("description", "路灯损坏多日"),
        ("attribute[county]", "140105"),
    ])
}

fn everything() -> RequestQuery {
    RequestQuery { start: Some(t("2000-01-01T00:00:00Z")), end: Some(t("2100-01-01T00:00:00Z")), ..Default::default() }
}

both!(keys_are_kept_hashed_audited_and_revocable, |h| async move {
    let [admin, clerk] = h.actors(["admin", "clerk"]).await;
    assert_eq!(err_code(h.store.add_open311_key(Some(&clerk), "app").await), "forbidden");
    assert_eq!(err_code(h.store.add_open311_key(Some(&admin), "  ").await), "invalid:key_name_required");
    let (made, key) = h.store.add_open311_key(Some(&admin), "城市服务 App").await?;
    assert_eq!(key.len(), 64);
    assert_eq!(made.created_by.as_deref(), Some("admin"));
    let (cli, _) = h.store.add_open311_key(None, "热线平台").await?;
    assert_eq!(cli.created_by, None, "made on the command line");
    // Only the hash is stored.
    let stored = h.raw.texts("SELECT key_hash FROM open311_keys").await?;
    assert!(stored.iter().all(|s| s != &key && s.len() == 64), "{stored:?}");
    let listed = h.store.list_open311_keys().await?;
    assert_eq!(listed.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["热线平台", "城市服务 App"]);

    assert_eq!(h.store.open311_key_for_post(&key, 10).await?, made.id);
    assert_eq!(h.store.open311_key_for_post(&format!(" {key}\n"), 10).await?, made.id, "surrounding spaces");
    assert_eq!(err_code(h.store.open311_key_for_post("0123", 10).await), "unauthenticated");
    assert_eq!(err_code(h.store.revoke_open311_key(Some(&clerk), made.id).await), "forbidden");
    let revoked = h.store.revoke_open311_key(Some(&admin), made.id).await?;
    assert!(revoked.revoked_at.is_some());
    assert_eq!(err_code(h.store.open311_key_for_post(&key, 10).await), "unauthenticated");
    assert_eq!(err_code(h.store.revoke_open311_key(Some(&admin), made.id).await), "not_found");
    let actions = h.raw.texts("SELECT action FROM audit_log WHERE target_kind = 'open311_key' ORDER BY id").await?;
    assert_eq!(actions, ["open311.key.add", "open311.key.add", "open311.key.revoke"]);
    assert!(h.store.verify_audit().await?.ok());
    Ok(())
});

both!(a_posted_request_is_a_web_case_of_the_open311_account, |h| async move {
    let [admin, clerk] = h.actors(["admin", "clerk"]).await;
    let (key, secret) = h.store.add_open311_key(Some(&admin), "app").await?;
    let key_id = h.store.open311_key_for_post(&secret, 10).await?;
    let (input, lat, long) = street_light();
    let p = h.store.post_open311_request(key_id, &input, lat, long).await?;
    assert!(!p.query_code.is_empty() && p.token.len() == 32);
    let case = h.store.get_case(&clerk, p.case.id).await?;
    assert_eq!((case.channel.as_str(), case.category.as_str()), ("web", "urban"));
    assert_eq!(case.events[0].actor, "@open311");
    assert_eq!(case.petitioners[0].name, "诸葛明月");
    assert_eq!(case.petitioners[0].phone_masked.as_deref(), Some("137****1111"));
    assert_eq!(h.raw.text("SELECT lat FROM open311_requests").await?.as_deref(), Some("37.85"));
    assert_eq!(h.store.open311_token(&p.token).await?, case.number);
    // The key's use is audited with the case, and recorded as its last use.
    assert_eq!(h.count(&format!("audit_log WHERE action = 'open311.key.use' AND target_id = '{}'", key.id)).await, 1);
    assert!(h.store.list_open311_keys().await?[0].last_used_at.is_some());
    // Registration's rules apply: a county outside the jurisdiction is refused, nothing recorded.
    let mut bad = input.clone();
    bad.place.county = Some("999999".into());
    assert_eq!(err_code(h.store.post_open311_request(key_id, &bad, None, None).await), "invalid:bad_county");
    assert_eq!(h.count("open311_requests").await, 1);
    Ok(())
});

both!(posts_per_key_are_limited_per_hour, |h| async move {
    let admin = h.actor("admin").await;
    let (_, secret) = h.store.add_open311_key(Some(&admin), "app").await?;
    let (input, _, _) = street_light();
    for _ in 0..2 {
        let id = h.store.open311_key_for_post(&secret, 2).await?;
        h.store.post_open311_request(id, &input, None, None).await?;
    }
    assert_eq!(err_code(h.store.open311_key_for_post(&secret, 2).await), "conflict:open311_rate_limited");
    // Another key is not held back by it.
    let (_, other) = h.store.add_open311_key(Some(&admin), "other").await?;
    h.store.open311_key_for_post(&other, 2).await?;
    Ok(())
});

both!(the_public_reads_only_open311_requests_and_never_accusations, |h| async move {
    let [admin, clerk] = h.actors(["admin", "clerk"]).await;
    let (_, secret) = h.store.add_open311_key(Some(&admin), "app").await?;
    let key = h.store.open311_key_for_post(&secret, 100).await?;
    let (input, _, _) = street_light();
    let ours = h.store.post_open311_request(key, &input, None, None).await?;
    let accusation = posted(&[
        ("service_code", "discipline"),
        ("address_string", "某局"),
        ("description", "举报某干部收受礼金"),
        ("attribute[petition_type]", "accusation"),
    ])
    .0;
    let hidden = h.store.post_open311_request(key, &accusation, None, None).await?;
    // A web petition registered by staff is not an Open311 request.
    h.store.register_case(&clerk, &reg().channel("web").build(), None).await?;

    let all = h.store.open311_requests(&everything()).await?;
    assert_eq!(all.iter().map(|r| r.number.as_str()).collect::<Vec<_>>(), [ours.case.number.as_str()]);
    let r = &all[0];
    assert_eq!(
        (r.category.as_str(), r.category_name.as_str(), r.county.as_deref()),
        ("urban", "城市管理", Some("小店区"))
    );
    assert!(r.next_due_on.is_some(), "the statutory clock runs");
    assert_eq!(err_code(h.store.open311_request(&hidden.case.number).await), "not_found");
    assert_eq!(err_code(h.store.open311_token(&hidden.token).await), "not_found");
    let by_id = RequestQuery { ids: vec![hidden.case.number.clone(), ours.case.number.clone()], ..Default::default() };
    assert_eq!(h.store.open311_requests(&by_id).await?.len(), 1);

    // Filters: service code and status (open/closed from the core's mapping).
    let q = |codes: &[&str], statuses: &[PublicStatus]| RequestQuery {
        service_codes: codes.iter().map(|s| s.to_string()).collect(),
        statuses: statuses.to_vec(),
        ..everything()
    };
    assert_eq!(h.store.open311_requests(&q(&["labor"], &[])).await?.len(), 0);
    assert_eq!(h.store.open311_requests(&q(&["labor", "urban"], &[PublicStatus::Open])).await?.len(), 1);
    assert_eq!(h.store.open311_requests(&q(&[], &[PublicStatus::Closed])).await?.len(), 0);
    let window = RequestQuery {
        start: Some(t("2000-01-01T00:00:00Z")),
        end: Some(t("2000-02-01T00:00:00Z")),
        ..Default::default()
    };
    assert_eq!(h.store.open311_requests(&window).await?.len(), 0);

    h.store.act(&clerk, ours.case.id, &accept()).await?;
    h.store.act(&clerk, ours.case.id, &reply()).await?;
    let r = h.store.open311_request(&ours.case.number).await?;
    assert_eq!(xinfang_core::open311::status(r.state()?), PublicStatus::Closed);
    assert_eq!(r.next_due_on, None);
    assert_eq!(h.store.open311_requests(&q(&[], &[PublicStatus::Closed])).await?.len(), 1);

    // The updates: one per change of state, never of the accusation.
    let updates = h.store.open311_updates(t("2000-01-01T00:00:00Z"), t("2100-01-01T00:00:00Z")).await?;
    let states: Vec<(&str, &str)> = updates.iter().map(|u| (u.number.as_str(), u.state.code())).collect();
    let n = ours.case.number.as_str();
    assert_eq!(states, [(n, "registered"), (n, "accepted"), (n, "replied")]);
    assert_eq!(updates[0].update_id, format!("{n}-1"));
    Ok(())
});
