//! Personal data: encrypted at rest, found by blind index, shown masked, revealed with an audit row.

use crate::prelude::*;

const ZHAO_ID: &str = "14010519750615004X";
const ZHAO_PHONE: &str = "13911112222";

/// Every stored byte (SQLite: the database file and its WAL) or every row as text (PostgreSQL).
async fn everything_stored(h: &H) -> anyhow::Result<String> {
    match h.backend {
        Backend::Sqlite => {
            let path = h.url.strip_prefix("sqlite:").ok_or_else(|| anyhow!("url"))?;
            let mut all = Vec::new();
            for suffix in ["", "-wal"] {
                if let Ok(bytes) = std::fs::read(format!("{path}{suffix}")) {
                    all.extend(bytes);
                }
            }
            Ok(String::from_utf8_lossy(&all).into_owned())
        }
        Backend::Postgres => {
            let tables = h.raw.texts("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'").await?;
            let mut all = String::new();
            for t in tables {
                for row in h.raw.texts(&format!("SELECT CAST(t AS TEXT) FROM {t} t")).await? {
                    all.push_str(&row);
                    all.push('\n');
                }
            }
            Ok(all)
        }
    }
}

both!(id_and_phone_numbers_are_encrypted_at_rest, |h| async move {
    let clerk = h.actor("clerk").await;
    let input =
        reg().petitioners(vec![person("李明").id(LI_MING_ID).phone(LI_MING_PHONE), person("赵强").id(ZHAO_ID)]).build();
    let (a, _) = h.store.register_case(&clerk, &input, None).await?;
    let (b, _) = h.store.register_case(&clerk, &reg().build(), None).await?;
    let rows = h
        .raw
        .rows(&format!(
            "SELECT id_cipher, id_index, id_masked, phone_cipher, phone_index, phone_masked, name, name_norm \
             FROM petitioners WHERE case_id IN ({}, {}) ORDER BY case_id, ord",
            a.id, b.id
        ))
        .await?;
    assert_eq!(rows.len(), 3);
    for row in &rows {
        for col in row.iter().flatten() {
            for secret in [LI_MING_ID, LI_MING_PHONE, ZHAO_ID, "19800101123", "1234567"] {
                assert!(!col.contains(secret), "plaintext {secret} stored in {col}");
            }
        }
    }
    let s = |r: usize, c: usize| rows[r][c].clone().unwrap_or_default();
    assert!(s(0, 0).starts_with("v1:"), "ciphertext: {}", s(0, 0));
    assert!(s(0, 1).len() == 64 && s(0, 1).bytes().all(|b| b.is_ascii_hexdigit()), "blind index: {}", s(0, 1));
    assert_eq!((s(0, 2), s(0, 5)), ("140***********1233".to_string(), "139****5678".to_string()));
    assert_eq!(rows[1][3], None, "赵强 gave no phone");
    // The same number twice: different ciphertexts (random nonce), one blind index.
    assert_ne!(s(0, 0), s(2, 0));
    assert_eq!(s(0, 1), s(2, 1));
    assert_ne!(s(0, 1), s(1, 1));
    // Nowhere else either: not in the timeline, the audit log, or any page of the database.
    let all = everything_stored(&h).await?;
    assert!(all.contains("李明"), "the scan reads the data");
    for secret in [LI_MING_ID, LI_MING_PHONE, ZHAO_ID] {
        assert!(!all.contains(secret), "plaintext {secret} found in the database");
    }
    Ok(())
});

both!(revealing_is_scoped_by_role_and_case_and_audited, |h| async move {
    let [clerk, leader, s121, s105, analyst] = h.actors(["clerk", "leader", "s140121", "s140105", "analyst"]).await;
    let input = reg().petitioners(vec![person("李明").id(LI_MING_ID).phone(LI_MING_PHONE), person("王芳")]).build();
    let (v, _) = h.store.register_case(&clerk, &input, None).await?;
    let (other, _) = h.store.register_case(&clerk, &reg().build(), None).await?;
    let (li, wang) = (v.petitioners[0].id, v.petitioners[1].id);

    assert_eq!(h.store.reveal_personal_data(&clerk, v.id, li, "id_number").await?, LI_MING_ID);
    assert_eq!(h.store.reveal_personal_data(&leader, v.id, li, "phone").await?, LI_MING_PHONE);
    // Unit staff: only once the case is theirs.
    assert_eq!(err_code(h.store.reveal_personal_data(&s121, v.id, li, "id_number").await), "not_found");
    h.store.act(&clerk, v.id, &assign("140121", &[])).await?;
    assert_eq!(h.store.reveal_personal_data(&s121, v.id, li, "id_number").await?, LI_MING_ID);
    assert_eq!(h.count("audit_log WHERE action = 'personal_data.reveal'").await, 3);
    let last = &h.store.audit_entries(Some(("petitioner", &li.to_string())), 10).await?;
    assert_eq!(last.len(), 3);
    assert_eq!((last[0].actor_name.as_str(), last[0].action.as_str()), ("s140121", "personal_data.reveal"));
    assert_eq!(last[0].detail, serde_json::json!({"case_id": v.id, "field": "id_number"}));
    assert_eq!(last[1].detail, serde_json::json!({"case_id": v.id, "field": "phone"}));

    // Refusals reveal nothing and are not counted as reveals.
    for (actor, case, pid, field, expected) in [
        (&analyst, v.id, li, "id_number", "forbidden"),
        (&s105, v.id, li, "id_number", "not_found"),
        (&clerk, v.id, li, "name", "invalid:bad_field"),
        (&clerk, other.id, li, "id_number", "not_found"),
        (&clerk, v.id, wang, "id_number", "not_found"),
        (&clerk, 999_999, li, "phone", "not_found"),
    ] {
        let r = h.store.reveal_personal_data(actor, case, pid, field).await;
        assert_eq!(err_code(r), expected, "{} {field} of {pid} on {case}", actor.username);
    }
    assert_eq!(h.count("audit_log WHERE action = 'personal_data.reveal'").await, 3);
    Ok(())
});

/// Four cases: k1 and k2 of 赵强 (one registered by 140105), k3 of someone on 赵强's phone, k4 of 李明.
async fn people(h: &H) -> anyhow::Result<[i64; 4]> {
    let [clerk, s105] = h.actors(["clerk", "s140105"]).await;
    // Typed as people type them; stored normalised (X upper-case, +86 and spaces dropped).
    let k1 = reg().petitioners(vec![person("赵强").id("14010519750615004x").phone("+86 139 1111 2222")]).build();
    let k2 = reg().county("140105").petitioners(vec![person("赵强").id(ZHAO_ID).phone("13933334444")]).build();
    let k3 = reg().petitioners(vec![person("赵大嫂").phone(ZHAO_PHONE)]).build();
    let k1 = h.store.register_case(&clerk, &k1, None).await?.0.id;
    let k2 = h.store.register_case(&s105, &k2, None).await?.0.id;
    let k3 = h.store.register_case(&clerk, &k3, None).await?.0.id;
    let k4 = h.store.register_case(&clerk, &reg().build(), None).await?.0.id;
    Ok([k1, k2, k3, k4])
}

async fn found(h: &H, actor: &Actor, id: Option<&str>, phone: Option<&str>) -> anyhow::Result<Vec<i64>> {
    let mut ids: Vec<i64> = h.store.cases_of_person(actor, id, phone).await?.iter().map(|c| c.id).collect();
    ids.sort();
    Ok(ids)
}

both!(cases_of_person_finds_earlier_cases_within_scope, |h| async move {
    let [k1, k2, k3, k4] = people(&h).await?;
    let [clerk, s105, analyst, admin] = h.actors(["clerk", "s140105", "analyst", "admin"]).await;
    assert_eq!(found(&h, &clerk, Some(ZHAO_ID), None).await?, [k1, k2]);
    assert_eq!(found(&h, &clerk, None, Some(ZHAO_PHONE)).await?, [k1, k3]);
    assert_eq!(found(&h, &clerk, Some(ZHAO_ID), Some(ZHAO_PHONE)).await?, [k1, k2, k3]);
    assert_eq!(found(&h, &clerk, Some(LI_MING_ID), None).await?, [k4]);
    assert_eq!(found(&h, &clerk, None, None).await?, Vec::<i64>::new());
    assert_eq!(found(&h, &clerk, Some("110105194912310029"), None).await?, Vec::<i64>::new());
    // An ID number is not a phone number: the blind indexes are kept apart.
    assert_eq!(found(&h, &clerk, None, Some(ZHAO_ID)).await?, Vec::<i64>::new());
    // Within scope only.
    assert_eq!(found(&h, &s105, Some(ZHAO_ID), Some(ZHAO_PHONE)).await?, [k2]);
    assert_eq!(found(&h, &admin, Some(ZHAO_ID), None).await?, Vec::<i64>::new());
    // Analysts find them, with the names masked.
    let rows = h.store.cases_of_person(&analyst, Some(ZHAO_ID), None).await?;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.petitioner.as_deref() == Some("赵*")), "{rows:?}");
    let summary = h.store.cases_of_person(&clerk, None, Some("13933334444")).await?;
    assert_eq!(summary.len(), 1);
    assert_eq!((summary[0].id, summary[0].petitioner.as_deref()), (k2, Some("赵强")));
    assert_eq!(summary[0].state, "registered");
    Ok(())
});

both!(cases_of_person_normalises_what_is_typed, |h| async move {
    let [k1, k2, k3, _] = people(&h).await?;
    let clerk = h.actor("clerk").await;
    // The forms registration itself accepts for the same numbers.
    assert_eq!(found(&h, &clerk, Some("14010519750615004x"), None).await?, [k1, k2]);
    assert_eq!(found(&h, &clerk, None, Some("+86 139 1111 2222")).await?, [k1, k3]);
    Ok(())
});

both!(another_master_key_neither_decrypts_nor_matches, |h| async move {
    let [k1, _, _, _] = people(&h).await?;
    let clerk = h.actor("clerk").await;
    let pid = h.store.get_case(&clerk, k1).await?.petitioners[0].id;
    assert_eq!(h.store.reveal_personal_data(&clerk, k1, pid, "id_number").await?, ZHAO_ID);
    let other = h.other_store([9u8; 32]).await?;
    other.migrate().await?;
    let r = other.reveal_personal_data(&clerk, k1, pid, "id_number").await;
    assert_eq!(err_code(r), "crypto");
    assert!(other.cases_of_person(&clerk, Some(ZHAO_ID), Some(ZHAO_PHONE)).await?.is_empty());
    // A failed decryption is not recorded as a reveal.
    assert_eq!(h.count("audit_log WHERE action = 'personal_data.reveal'").await, 1);
    other.close().await;
    Ok(())
});

both!(opening_a_case_is_on_record, |h| async move {
    let [clerk, other] = h.actors(["clerk", "s140105"]).await;
    let case = h.store.register_case(&clerk, &reg().build(), None).await?.0;
    let before = h.count("audit_log WHERE action = 'case.view'").await;
    let v = h.store.open_case(&clerk, case.id).await?;
    assert_eq!(v.id, case.id);
    assert_eq!(h.count("audit_log WHERE action = 'case.view'").await, before + 1);
    assert_eq!(err_code(h.store.open_case(&other, case.id).await), "not_found");
    assert_eq!(h.count("audit_log WHERE action = 'case.view'").await, before + 1, "nothing opened, nothing recorded");
    assert!(h.store.verify_audit().await?.ok());
    Ok(())
});
