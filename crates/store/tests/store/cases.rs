//! Registration and reading back: fields, numbers, deadlines, the first event, idempotency.

use crate::prelude::*;

both!(registers_and_reads_back, |h| async move {
    let clerk = h.actor("clerk").await;
    let input = reg()
        .received("2026-04-20T09:00:00+08:00")
        .statement("  村里房屋征收后补偿款一直没有发放  ")
        .money(500_000, 100_000)
        .headcount(6)
        .people_affected(20)
        .accused_person("某镇人民政府")
        .petitioners(vec![
            person("李明")
                .id(LI_MING_ID)
                .phone(LI_MING_PHONE)
                .address("清徐县某村 3 号")
                .region("140121")
                .representative(),
            person("王芳").phone("0351-7654321"),
            person("赵强").id("14010519750615004x"),
            person("孙老汉").id("140105450615004"),
        ])
        .build();
    let (v, created) = h.store.register_case_at(&clerk, &input, None, t("2026-04-20T09:10:00+08:00")).await?;
    assert!(created);
    assert_eq!(v.number, "2026-000001");
    assert_eq!((v.state.as_str(), v.state_label.as_str()), ("registered", "已登记待分流"));
    assert_eq!(
        (v.channel.as_str(), v.petition_type.as_str(), v.category.as_str()),
        ("visit", "grievance", "expropriation")
    );
    assert_eq!(v.statement, "村里房屋征收后补偿款一直没有发放", "trimmed");
    assert_eq!(v.demands.as_deref(), Some("尽快发放补偿款"));
    assert_eq!(v.place.county.as_deref(), Some("140121"));
    assert_eq!(v.place.address.as_deref(), Some("清徐县某镇某村"));
    assert_eq!(v.accused.unit, None);
    assert_eq!(v.accused.person.as_deref(), Some("某镇人民政府"));

    let p: Vec<_> = v.petitioners.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(p, ["李明", "王芳", "赵强", "孙老汉"], "in the order registered");
    let li = &v.petitioners[0];
    assert_eq!(li.id_number_masked.as_deref(), Some("140***********1233"));
    assert_eq!(li.phone_masked.as_deref(), Some("139****5678"));
    assert_eq!(li.address.as_deref(), Some("清徐县某村 3 号"));
    assert_eq!(li.region.as_deref(), Some("140121"));
    assert!(li.representative && !li.id_number_legacy);
    let wang = &v.petitioners[1];
    assert_eq!(wang.id_number_masked, None);
    assert_eq!(wang.phone_masked.as_deref(), Some("0351-***4321"), "landline: area code and last four");
    assert!(!wang.representative);
    let zhao = &v.petitioners[2];
    assert_eq!(zhao.id_number_masked.as_deref(), Some("140***********004X"), "lower-case x normalised");
    let sun = &v.petitioners[3];
    assert_eq!(sun.id_number_masked.as_deref(), Some("140********5004"));
    assert!(sun.id_number_legacy, "a first-generation 15-digit number is flagged");

    assert_eq!((v.headcount, v.people_affected, v.group), (6, Some(20), true));
    assert_eq!((v.money.claimed, v.money.paid, v.money.recovered, v.money.outstanding), (500_000, 100_000, 0, 400_000));
    assert_eq!(v.lead_unit, None);
    assert!(v.assisting_units.is_empty());
    assert_eq!(v.registered_by_unit, "xfj");
    assert!(!v.leader_reception && !v.bypass);
    assert_eq!((v.repeat_of.as_deref(), v.repeat_visits), (None, 0));
    assert_eq!(v.received_at, t("2026-04-20T01:00:00Z"));
    assert_eq!(v.registered_at, t("2026-04-20T09:10:00+08:00"));

    // 15 days from 04-20 end on 05-05, inside 劳动节 (05-01..05-05): moved to Wednesday 05-06.
    let expected: BTreeMap<String, NaiveDate> =
        [("triage_by".to_string(), d(2026, 5, 6)), ("decide_by".to_string(), d(2026, 5, 6))].into();
    assert_eq!(v.deadlines, expected);
    let decide = v.deadline_details.iter().find(|x| x.name == "decide_by").ok_or_else(|| anyhow!("decide_by"))?;
    assert_eq!(decide.rule, "受理告知 15 日，自 2026-04-20 起算；2026-05-05 为休息日或法定节假日，顺延至 2026-05-06");
    assert_eq!((decide.kind.as_str(), decide.provisional, decide.completed_on), ("duty", false, None));
    let next = v.next_due.as_ref().ok_or_else(|| anyhow!("next due"))?;
    assert_eq!((next.name.as_str(), next.due), ("triage_by", d(2026, 5, 6)));

    assert_eq!(v.events.len(), 1);
    let e = &v.events[0];
    assert_eq!((e.seq, e.kind.as_str(), e.actor.as_str(), e.actor_unit.as_str()), (1, "registered", "clerk", "xfj"));
    assert_eq!(e.at, t("2026-04-20T09:10:00+08:00"));
    assert_eq!(e.data["channel"], "visit");
    assert_eq!(e.data["headcount"], 6);
    assert_eq!(e.data["received_at"], serde_json::json!(t("2026-04-20T01:00:00Z")));
    assert!(v.allowed_actions.iter().any(|a| a == "assign"), "{:?}", v.allowed_actions);

    // Read back: the same view; the stored row carries the next deadline for lists.
    let again = h.store.get_case(&clerk, v.id).await?;
    // Read back it is the same case, except that the query code is only ever in the answer to
    // the registration that made it.
    assert!(v.query_code.is_some() && again.query_code.is_none());
    assert_eq!(again, CaseView { query_code: None, ..v });
    assert_eq!(h.store.case_id_by_number(&clerk, "2026-000001").await?, v.id);
    let row = h
        .raw
        .rows(&format!("SELECT state, next_due_name, CAST(next_due_on AS TEXT) FROM cases WHERE id = {}", v.id))
        .await?;
    assert_eq!(row[0], [Some("registered".into()), Some("triage_by".into()), Some("2026-05-06".into())]);
    assert_eq!(h.count(&format!("petitioners WHERE case_id = {}", v.id)).await, 4);
    assert_eq!(h.count(&format!("case_events WHERE case_id = {}", v.id)).await, 1);
    assert_eq!(h.count(&format!("audit_log WHERE action = 'case.register' AND target_id = '{}'", v.id)).await, 1);
    Ok(())
});

both!(group_flag_follows_the_headcount_threshold, |h| async move {
    let clerk = h.actor("clerk").await;
    for (n, group) in [(1, false), (4, false), (5, true), (12, true)] {
        let (v, _) = h.store.register_case(&clerk, &reg().headcount(n).build(), None).await?;
        assert_eq!((v.headcount, v.group), (i64::from(n), group), "headcount {n}");
    }
    Ok(())
});

both!(leader_reception_repeat_and_anonymous_accusation_round_trip, |h| async move {
    let clerk = h.actor("clerk").await;
    let (first, _) = h.store.register_case(&clerk, &reg().build(), None).await?;
    let input = reg().leader("赵建国").repeat_of(&first.number).bypass().build();
    let (v, _) = h.store.register_case(&clerk, &input, None).await?;
    assert!(v.leader_reception && v.bypass);
    assert_eq!(v.leader_name.as_deref(), Some("赵建国"));
    assert_eq!(v.repeat_of.as_deref(), Some(first.number.as_str()));

    let cases = h.count("cases").await;
    let r = h.store.register_case(&clerk, &reg().repeat_of("2026-999999").build(), None).await;
    assert_eq!(err_code(r), "invalid:unknown_case");
    assert_eq!(h.count("cases").await, cases, "nothing written");

    let anon = reg().accusation_against("zjj").accused_person("某科长").anonymous().build();
    let (a, _) = h.store.register_case(&clerk, &anon, None).await?;
    assert!(a.petitioners.is_empty());
    assert_eq!((a.petition_type.as_str(), a.accused.unit.as_deref()), ("accusation", Some("zjj")));
    assert_eq!(a.headcount, 1);
    let page = h.store.list_cases(&clerk, &CaseFilter::default()).await?;
    let row = page.items.iter().find(|c| c.id == a.id).ok_or_else(|| anyhow!("listed"))?;
    assert_eq!(row.petitioner, None);
    Ok(())
});

both!(invalid_registration_writes_nothing, |h| async move {
    let [clerk, analyst] = h.actors(["clerk", "analyst"]).await;
    let before = (h.count("cases").await, h.count("audit_log").await, h.count("case_counters").await);
    let bad = reg().channel("pigeon").category("nope").county("999999").money(100, 200).build();
    let r = h.store.register_case(&clerk, &bad, None).await;
    assert_eq!(err_code(r), "invalid:bad_channel,bad_category,bad_county,paid_exceeds_claimed");
    let bad_id = reg().petitioners(vec![person("李明").id("140121198001011234")]).build();
    assert_eq!(err_code(h.store.register_case(&clerk, &bad_id, None).await), "invalid:id_number_bad_check_digit");
    assert_eq!(err_code(h.store.register_case(&analyst, &reg().build(), None).await), "forbidden");
    let future = reg().received("2099-01-01T00:00:00+08:00").build();
    assert_eq!(err_code(h.store.register_case(&clerk, &future, None).await), "invalid:received_in_future");
    assert_eq!(
        (h.count("cases").await, h.count("audit_log").await, h.count("case_counters").await),
        before,
        "a refused registration leaves no case, no audit row and no used number"
    );
    let (v, _) = h.store.register_case(&clerk, &reg().build(), None).await?;
    assert!(v.number.ends_with("-000001"), "{}", v.number);
    Ok(())
});

both!(numbers_are_sequential_per_china_year, |h| async move {
    let clerk = h.actor("clerk").await;
    let mut numbers = Vec::new();
    for now in [
        "2026-04-20T09:00:00+08:00",
        "2026-04-20T09:05:00+08:00",
        // 23:59 on 31 December in China is still 2025 …
        "2025-12-31T23:59:00+08:00",
        // … and 16:00 UTC that day is already 2026-01-01 in China.
        "2025-12-31T16:00:00Z",
        "2026-04-21T10:00:00+08:00",
    ] {
        numbers.push(register_at(&h, &clerk, reg().build(), now).await?.number);
    }
    assert_eq!(numbers, ["2026-000001", "2026-000002", "2025-000001", "2026-000003", "2026-000004"]);
    let counters = h.raw.rows("SELECT CAST(year AS TEXT), CAST(last AS TEXT) FROM case_counters ORDER BY year").await?;
    assert_eq!(counters, [[Some("2025".into()), Some("1".into())], [Some("2026".into()), Some("4".into())]]);
    Ok(())
});

both!(concurrent_registrations_get_distinct_numbers_and_one_chain, |h| async move {
    let clerk = h.actor("clerk").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (store, clerk) = (h.store.clone(), clerk.clone());
        let input = reg().statement(&format!("并发登记 {i}")).build();
        tasks.spawn(async move { store.register_case(&clerk, &input, None).await.map(|(v, _)| v.number) });
    }
    let mut numbers = Vec::new();
    while let Some(r) = tasks.join_next().await {
        numbers.push(r??);
    }
    numbers.sort();
    let year = xinfang_core::case::local_date(Utc::now()).format("%Y").to_string();
    let expected: Vec<String> = (1..=8).map(|n| format!("{year}-{n:06}")).collect();
    assert_eq!(numbers, expected);
    let report = h.store.verify_audit().await?;
    assert!(report.ok(), "concurrent appends keep one hash chain: {report:?}");
    Ok(())
});

both!(idempotency_key_returns_the_first_case, |h| async move {
    let [clerk, leader] = h.actors(["clerk", "leader"]).await;
    let input = reg().build();
    let (a, created_a) = h.store.register_case(&clerk, &input, Some("form-1")).await?;
    let (b, created_b) = h.store.register_case(&clerk, &input, Some("form-1")).await?;
    assert!(created_a && !created_b);
    assert_eq!(a.id, b.id);
    assert_eq!(h.count("cases").await, 1);
    assert_eq!(h.count("audit_log WHERE action = 'case.register'").await, 1);
    // Even a changed form under the same key is the same submission.
    let (c, created_c) = h.store.register_case(&clerk, &reg().statement("改过的内容").build(), Some("form-1")).await?;
    assert!(!created_c);
    assert_eq!((c.id, c.statement.as_str()), (a.id, a.statement.as_str()));
    // Another user's key is another submission.
    let (other, created) = h.store.register_case(&leader, &input, Some("form-1")).await?;
    assert!(created);
    assert_ne!(other.id, a.id);
    // Another key of the same user too.
    let (third, created) = h.store.register_case(&clerk, &input, Some("form-2")).await?;
    assert!(created);
    assert_eq!(h.count("cases").await, 3);
    assert_eq!(h.count("idempotency_keys").await, 3);
    assert_eq!(third.number.split('-').nth(1), Some("000003"));
    Ok(())
});

both!(concurrent_double_submit_makes_one_case, |h| async move {
    let clerk = h.actor("clerk").await;
    let input = reg().build();
    for round in 0..5 {
        let key = format!("double-{round}");
        let (r1, r2) = tokio::join!(
            h.store.register_case(&clerk, &input, Some(&key)),
            h.store.register_case(&clerk, &input, Some(&key))
        );
        let ((a, ca), (b, cb)) = (r1?, r2?);
        assert_eq!(a.id, b.id, "round {round}: both answers name the same case");
        assert!(ca ^ cb, "round {round}: exactly one created it ({ca}, {cb})");
        assert_eq!(h.count("cases").await, round + 1, "round {round}");
    }
    // The loser's number was rolled back with it: no gaps.
    let numbers = h.raw.texts("SELECT number FROM cases ORDER BY number").await?;
    let tails: Vec<&str> = numbers.iter().filter_map(|n| n.split('-').nth(1)).collect();
    assert_eq!(tails, ["000001", "000002", "000003", "000004", "000005"]);
    assert_eq!(h.count("audit_log WHERE action = 'case.register'").await, 5);
    Ok(())
});
