//! The audit log: hash-chained (an edited or deleted row is found) and append-only.

use crate::prelude::*;

/// A little history: registrations, commands, a reveal, logins.
async fn history(h: &H) -> anyhow::Result<()> {
    let [clerk, s121] = h.actors(["clerk", "s140121"]).await;
    let (v, _) = h.store.register_case(&clerk, &reg().build(), None).await?;
    h.store.act(&clerk, v.id, &assign("140121", &["ghzy"])).await?;
    h.store.act(&s121, v.id, &accept()).await?;
    h.store.reveal_personal_data(&clerk, v.id, v.petitioners[0].id, "phone").await?;
    h.store.register_case(&clerk, &reg().category("labor").build(), None).await?;
    let _ = h.store.login("clerk", "wrong password").await;
    h.store.set_setting("hall.name", "太原市人民来访接待中心").await?;
    Ok(())
}

async fn allow_tampering(h: &H) -> anyhow::Result<()> {
    match h.backend {
        Backend::Sqlite => h.raw.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;").await?,
        Backend::Postgres => h.raw.exec("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only").await?,
    };
    Ok(())
}

async fn id_of(h: &H, action: &str) -> anyhow::Result<i64> {
    h.raw.int(&format!("SELECT MIN(id) FROM audit_log WHERE action = '{action}'")).await
}

both!(the_chain_verifies_and_finds_an_edited_row, |h| async move {
    history(&h).await?;
    let rows = h.count("audit_log").await;
    let report = h.store.verify_audit().await?;
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.rows, rows as u64);

    allow_tampering(&h).await?;
    let k = id_of(&h, "case.assign").await?;
    let position = h.count(&format!("audit_log WHERE id <= {k}")).await as u64;
    let original = h.raw.text(&format!("SELECT detail FROM audit_log WHERE id = {k}")).await?.unwrap_or_default();
    for (column, value) in [("detail", "'{\"state\":\"closed\"}'"), ("actor_name", "'leader'"), ("target_id", "'999'")]
    {
        let saved = h.raw.text(&format!("SELECT {column} FROM audit_log WHERE id = {k}")).await?.unwrap_or_default();
        h.raw.exec(&format!("UPDATE audit_log SET {column} = {value} WHERE id = {k}")).await?;
        let report = h.store.verify_audit().await?;
        let (at, why) = report.broken.clone().ok_or_else(|| anyhow!("edited {column} not detected"))?;
        assert_eq!(at, k, "{column}");
        assert!(why.contains("被修改过"), "{why}");
        assert_eq!(report.rows, position);
        // Put it back exactly: the chain verifies again, so the check is about content.
        h.raw.exec(&format!("UPDATE audit_log SET {column} = '{}' WHERE id = {k}", saved.replace('\'', "''"))).await?;
        assert!(h.store.verify_audit().await?.ok(), "{column} restored");
    }
    assert_eq!(
        h.raw.text(&format!("SELECT detail FROM audit_log WHERE id = {k}")).await?.unwrap_or_default(),
        original
    );
    // A forger who also recomputes the edited row's hash is caught one row later: the next
    // row's prev_hash names the original.
    let e = h.store.audit_entries(None, 1000).await?.into_iter().find(|e| e.id == k).ok_or_else(|| anyhow!("row"))?;
    let prev = h.raw.text(&format!("SELECT prev_hash FROM audit_log WHERE id = {k}")).await?.unwrap_or_default();
    let forged = "{\"number\":\"forged\"}";
    let uid = e.actor_user_id.map(|i| i.to_string()).unwrap_or_default();
    let at = e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let hash = chain_hash(&[&prev, &at, &uid, &e.actor_name, &e.action, &e.target_kind, &e.target_id, forged]);
    let original_hash = h.raw.text(&format!("SELECT hash FROM audit_log WHERE id = {k}")).await?.unwrap_or_default();
    assert_eq!(
        chain_hash(&[&prev, &at, &uid, &e.actor_name, &e.action, &e.target_kind, &e.target_id, &original]),
        original_hash,
        "the forger's hash function is the store's"
    );
    h.raw.exec(&format!("UPDATE audit_log SET detail = '{forged}', hash = '{hash}' WHERE id = {k}")).await?;
    let next = h.raw.int(&format!("SELECT MIN(id) FROM audit_log WHERE id > {k}")).await?;
    let report = h.store.verify_audit().await?;
    let (at, why) = report.broken.ok_or_else(|| anyhow!("forged row not detected"))?;
    assert_eq!(at, next);
    assert!(why.contains("前序哈希"), "{why}");
    Ok(())
});

/// The chain's hash: SHA-256 over each part prefixed by its length (u64, big-endian).
fn chain_hash(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

both!(the_chain_finds_a_deleted_row, |h| async move {
    history(&h).await?;
    allow_tampering(&h).await?;
    let k = id_of(&h, "case.accept").await?;
    let next = h.raw.int(&format!("SELECT MIN(id) FROM audit_log WHERE id > {k}")).await?;
    h.raw.exec(&format!("DELETE FROM audit_log WHERE id = {k}")).await?;
    let report = h.store.verify_audit().await?;
    let (at, why) = report.broken.ok_or_else(|| anyhow!("deleted row not detected"))?;
    assert_eq!(at, next, "the row after the gap no longer links");
    assert!(why.contains("删除或修改"), "{why}");
    Ok(())
});

both!(audit_log_and_timeline_refuse_updates_and_deletes, |h| async move {
    history(&h).await?;
    let (audit, events) = (h.count("audit_log").await, h.count("case_events").await);
    for sql in [
        "UPDATE audit_log SET detail = '{}'",
        "DELETE FROM audit_log",
        "UPDATE case_events SET data = '{}'",
        "DELETE FROM case_events",
        "UPDATE audit_log SET actor_name = 'x' WHERE id = (SELECT MAX(id) FROM audit_log)",
    ] {
        let e = h.raw.exec(sql).await.err().ok_or_else(|| anyhow!("{sql} was allowed"))?;
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    assert_eq!((h.count("audit_log").await, h.count("case_events").await), (audit, events));
    assert!(h.store.verify_audit().await?.ok());
    Ok(())
});

both!(audit_entries_read_newest_first_by_target, |h| async move {
    let clerk = h.actor("clerk").await;
    let (v, _) = h.store.register_case(&clerk, &reg().build(), None).await?;
    h.store.act(&clerk, v.id, &assign("140121", &[])).await?;
    h.store.act(&clerk, v.id, &Command::RecordVisit { note: Some("又来了".into()) }).await?;
    let entries = h.store.audit_entries(Some(("case", &v.id.to_string())), 10).await?;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["case.record_visit", "case.assign", "case.register"]);
    assert!(entries.iter().all(|e| e.actor_name == "clerk" && e.actor_user_id == Some(clerk.user_id)));
    assert_eq!(entries[2].detail["number"], v.number.as_str());
    assert_eq!(h.store.audit_entries(None, 2).await?.len(), 2);
    // System entries (seeding) have no actor.
    let seed = h.store.audit_entries(Some(("calendar", "shipped")), 10).await?;
    assert_eq!(seed.len(), 1);
    assert_eq!((seed[0].actor_user_id, seed[0].actor_name.as_str()), (None, "system"));
    assert_eq!(seed[0].detail, serde_json::json!({"years": [2024, 2025, 2026]}));
    Ok(())
});
