//! The schema: migrations, the shipped calendar, indexes on foreign keys.

use crate::prelude::*;

/// (table, columns) of every foreign key, and (table, index, columns) of every index.
async fn foreign_keys_and_indexes(
    raw: &Raw,
) -> anyhow::Result<(BTreeMap<(String, String), Vec<String>>, Vec<(String, Vec<String>)>)> {
    let (fk_rows, ix_rows) = match raw {
        Raw::Sqlite(_) => (
            raw.rows(
                "SELECT m.name, CAST(f.id AS TEXT), f.\"from\" FROM sqlite_master m \
                 JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq",
            )
            .await?,
            raw.rows(
                "SELECT m.name, il.name, ii.name FROM sqlite_master m JOIN pragma_index_list(m.name) il \
                 JOIN pragma_index_info(il.name) ii WHERE m.type = 'table' ORDER BY m.name, il.name, ii.seqno",
            )
            .await?,
        ),
        Raw::Postgres(_) => (
            raw.rows(
                "SELECT t.relname::text, c.conname::text, a.attname::text FROM pg_constraint c \
                 JOIN pg_class t ON t.oid = c.conrelid \
                 CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
                 WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace \
                 ORDER BY t.relname, c.conname, k.ord",
            )
            .await?,
            raw.rows(
                "SELECT t.relname::text, ic.relname::text, a.attname::text FROM pg_index i \
                 JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid \
                 CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                 WHERE t.relnamespace = 'public'::regnamespace ORDER BY t.relname, ic.relname, k.ord",
            )
            .await?,
        ),
    };
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut fks: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in &fk_rows {
        fks.entry((s(&r[0]), s(&r[1]))).or_default().push(s(&r[2]));
    }
    let mut ix: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in &ix_rows {
        ix.entry((s(&r[0]), s(&r[1]))).or_default().push(s(&r[2]));
    }
    Ok((fks, ix.into_iter().map(|((table, _), cols)| (table, cols)).collect()))
}

both!(every_foreign_key_has_an_index, |h| async move {
    let (fks, indexes) = foreign_keys_and_indexes(&h.raw).await?;
    // An index serves a foreign key when the key's columns are the index's leading columns.
    let covered = |table: &str, cols: &[String]| {
        indexes.iter().any(|(t, ic)| {
            t == table && ic.len() >= cols.len() && {
                let lead: BTreeSet<&String> = ic[..cols.len()].iter().collect();
                lead == cols.iter().collect()
            }
        })
    };
    let missing: Vec<String> = fks
        .iter()
        .filter(|((table, _), cols)| !covered(table, cols))
        .map(|((table, _), cols)| format!("{table}({})", cols.join(", ")))
        .collect();
    assert!(missing.is_empty(), "foreign keys without an index: {missing:?}");
    // Not vacuous: the foreign keys of version 1 of the schema are all seen.
    let seen: BTreeSet<(String, String)> =
        fks.iter().filter(|(_, c)| c.len() == 1).map(|((t, _), c)| (t.clone(), c[0].clone())).collect();
    for (table, col) in [
        ("units", "parent_id"),
        ("users", "unit_id"),
        ("api_tokens", "user_id"),
        ("categories", "default_unit_id"),
        ("holiday_days", "year"),
        ("cases", "category"),
        ("cases", "accused_unit_id"),
        ("cases", "lead_unit_id"),
        ("cases", "registered_by"),
        ("cases", "registered_by_unit_id"),
        ("case_assisting_units", "case_id"),
        ("case_assisting_units", "unit_id"),
        ("petitioners", "case_id"),
        ("case_events", "case_id"),
        ("case_events", "actor_user_id"),
        ("case_events", "actor_unit_id"),
        ("idempotency_keys", "user_id"),
        ("idempotency_keys", "case_id"),
        ("audit_log", "actor_user_id"),
    ] {
        assert!(seen.contains(&(table.to_string(), col.to_string())), "foreign key {table}.{col} not found: {seen:?}");
    }
    Ok(())
});

both!(migrating_twice_is_harmless, |h| async move {
    let migrations = h.count("_sqlx_migrations").await;
    let audit = h.count("audit_log").await;
    let days = h.count("holiday_days").await;
    h.store.migrate().await?;
    h.store.migrate().await?;
    assert_eq!(h.count("_sqlx_migrations").await, migrations);
    assert_eq!(h.count("audit_log").await, audit, "a second migrate writes nothing");
    assert_eq!(h.count("holiday_days").await, days);
    assert_eq!(h.count("audit_log WHERE action = 'calendar.seed'").await, 1);
    // Loading the demo configuration again adds nothing.
    assert_eq!(h.store.ensure_categories(&xinfang_core::case::default_categories()).await?, 0);
    assert_eq!(h.count("audit_log").await, audit, "no categories added, nothing audited");
    assert_eq!(h.store.list_categories().await?.len(), 14);
    let units = xinfang_core::unit::taiyuan_demo_units();
    assert!(!h.store.upsert_unit(None, &units[1]).await?, "an existing unit is updated, not created");
    assert_eq!(h.store.list_units().await?.len(), 22);
    let audit = h.count("audit_log").await;
    // A second node starting on the same database.
    let other = h.other_store(crate::harness::KEY).await?;
    other.migrate().await?;
    other.close().await;
    assert_eq!(h.count("audit_log").await, audit);
    assert!(h.store.verify_audit().await?.ok());
    Ok(())
});

both!(shipped_calendar_years_are_present, |h| async move {
    let years = h.store.holiday_years().await?;
    for y in [2024, 2025, 2026] {
        let s = years.iter().find(|s| s.year == y).unwrap_or_else(|| panic!("{y} missing: {years:?}"));
        assert_eq!(s.source, "notice", "{y}");
        assert!(s.title.as_deref().is_some_and(|t| t.contains(&format!("{y}年"))), "{s:?}");
    }
    // 2026 (国办发明电〔2025〕7号): 3 + 9 + 3 + 5 + 3 + 3 + 7 days off, 6 swapped working days.
    let y2026 = years.iter().find(|s| s.year == 2026).ok_or_else(|| anyhow!("2026"))?;
    assert_eq!((y2026.holidays, y2026.workdays), (33, 6));
    assert_eq!(h.count("holiday_days WHERE year = 2026 AND kind = 'holiday'").await, 33);
    assert_eq!(h.count("holiday_days WHERE year = 2026 AND kind = 'workday'").await, 6);
    assert_eq!(h.count("holiday_years WHERE year IN (2024, 2025, 2026) AND source = 'notice'").await, 3);
    // The loaded calendar is the stored one: 2026-05-05 劳动节, 2026-05-09 a swapped working day.
    let cal = h.store.calendar();
    assert!(!cal.is_working_day(d(2026, 5, 5)));
    assert!(cal.is_working_day(d(2026, 5, 9)));
    Ok(())
});

both!(sqlite_runs_in_wal_mode_postgres_has_the_triggers, |h| async move {
    match h.backend {
        Backend::Sqlite => {
            assert_eq!(h.raw.text("PRAGMA journal_mode").await?.as_deref(), Some("wal"));
            let triggers = h.raw.texts("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").await?;
            assert_eq!(
                triggers,
                [
                    "audit_log_no_delete",
                    "audit_log_no_update",
                    "case_events_no_delete",
                    "case_events_no_update",
                    "documents_no_delete",
                    "documents_no_update"
                ]
            );
        }
        Backend::Postgres => {
            let triggers =
                h.raw.texts("SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname").await?;
            assert_eq!(triggers, ["audit_log_append_only", "case_events_append_only", "documents_append_only"]);
        }
    }
    Ok(())
});

/// An empty database next to the test's own (removed by the caller with `drop_fresh`).
async fn fresh_database(h: &H, tag: &str) -> anyhow::Result<String> {
    match h.backend {
        Backend::Sqlite => Ok(format!("{}-{tag}", h.url)),
        Backend::Postgres => {
            let name = format!("{}_{tag}", h.url.rsplit('/').next().unwrap_or("x").split('?').next().unwrap_or("x"));
            h.raw.exec(&format!("CREATE DATABASE {name}")).await?;
            Ok(crate::harness::with_database(&h.url, &name))
        }
    }
}

async fn drop_fresh(h: &H, url: &str) {
    match h.backend {
        Backend::Sqlite => {
            let path = url.trim_start_matches("sqlite:");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
        Backend::Postgres => {
            let name = url.rsplit('/').next().unwrap_or_default();
            let _ = h.raw.exec(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        }
    }
}

both!(two_nodes_starting_on_a_fresh_database_both_migrate, |h| async move {
    for round in 0..3 {
        let url = fresh_database(&h, &format!("fresh{round}")).await?;
        let vault = || xinfang_store::Vault::from_master_key(&crate::harness::KEY);
        let (a, b) = (Store::connect(&url, vault()).await?, Store::connect(&url, vault()).await?);
        let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
        let years_a = a.holiday_years().await?.len();
        a.close().await;
        b.close().await;
        let check = Store::connect(&url, vault()).await?;
        let seeds = check.audit_entries(Some(("calendar", "shipped")), 10).await.map(|e| e.len());
        let chain = check.verify_audit().await.map(|r| r.ok());
        check.close().await;
        drop_fresh(&h, &url).await;
        assert!(ra.is_ok() && rb.is_ok(), "round {round}: {:?} / {:?}", ra.err(), rb.err());
        assert_eq!(years_a, 3);
        assert_eq!(seeds?, 1, "round {round}: the shipped years are seeded once");
        assert!(chain?, "round {round}: the chain verifies");
    }
    Ok(())
});

#[tokio::test]
async fn unsupported_database_urls_are_explained() {
    let vault = || xinfang_store::Vault::from_master_key(&crate::harness::KEY);
    for url in ["mysql://localhost/xinfang", "xinfang.db", "postgres://[bad"] {
        match Store::connect(url, vault()).await {
            Err(StoreError::Config(msg)) => assert!(msg.contains("数据库地址"), "{url}: {msg}"),
            Err(e) => panic!("{url}: expected a configuration error, got {e:?}"),
            Ok(_) => panic!("{url}: accepted"),
        }
    }
}
