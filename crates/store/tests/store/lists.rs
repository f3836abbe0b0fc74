//! Case lists: filters, China dates, sorting, paging, overdue.

use crate::prelude::*;

/// Six cases at fixed moments (see each line), returned in registration order L1..L6.
async fn six_cases(h: &H) -> anyhow::Result<Vec<i64>> {
    let [clerk, srsj] = h.actors(["clerk", "srsj"]).await;
    // L1 visit/expropriation, Monday 03-02; assigned to 140121 (+ghzy) → decide by 03-17.
    let l1 = register_at(h, &clerk, reg().received("2026-03-02T09:00:00+08:00").build(), "2026-03-02T09:10:00+08:00")
        .await?
        .id;
    h.store.act_at(&clerk, l1, &assign("140121", &["ghzy"]), t("2026-03-02T11:00:00+08:00")).await?;
    // L2 letter/labor, 03-10; assigned to rsj (+zjj), accepted 03-11 → handle by 05-10, a
    // Sunday → 05-11.
    let l2 = reg().channel("letter").category("labor").county("140105").received("2026-03-10T10:00:00+08:00");
    let l2 = register_at(h, &clerk, l2.build(), "2026-03-10T10:10:00+08:00").await?.id;
    h.store.act_at(&clerk, l2, &assign("rsj", &["zjj"]), t("2026-03-10T11:00:00+08:00")).await?;
    h.store.act_at(&srsj, l2, &accept(), t("2026-03-11T09:00:00+08:00")).await?;
    // L3 phone/urban, 23:30 on 03-31 China time → triage by 04-15.
    let l3 = reg().channel("phone").category("urban").county("140107").received("2026-03-31T23:30:00+08:00");
    let l3 = register_at(h, &clerk, l3.build(), "2026-03-31T23:40:00+08:00").await?.id;
    // L4 web/other, 00:10 on 04-01 China time — still 03-31 in UTC → triage by 04-16.
    let l4 = reg().channel("web").category("other").county("140105").received("2026-04-01T00:10:00+08:00");
    let l4 = register_at(h, &clerk, l4.build(), "2026-04-01T00:20:00+08:00").await?.id;
    // L5 visit/labor, Friday 05-08 → 05-23 is a Saturday → 05-25.
    let l5 = reg().category("labor").received("2026-05-08T09:00:00+08:00");
    let l5 = register_at(h, &clerk, l5.build(), "2026-05-08T09:10:00+08:00").await?.id;
    // L6 video/other, 02-02, not accepted → nothing due.
    let l6 = reg().channel("video").category("other").received("2026-02-02T09:00:00+08:00");
    let l6 = register_at(h, &clerk, l6.build(), "2026-02-02T09:10:00+08:00").await?.id;
    h.store.act_at(&clerk, l6, &reject(), t("2026-02-03T09:00:00+08:00")).await?;
    Ok(vec![l1, l2, l3, l4, l5, l6])
}

both!(filters_combine_and_dates_are_china_dates, |h| async move {
    let l = six_cases(&h).await?;
    let (l1, l2, l3, l4, l5, l6) = (l[0], l[1], l[2], l[3], l[4], l[5]);
    let clerk = h.actor("clerk").await;
    let f = CaseFilter::default;
    let s = |v: &str| Some(v.to_string());
    let checks: Vec<(&str, CaseFilter, Vec<i64>)> = vec![
        ("all, newest first", f(), vec![l5, l4, l3, l2, l1, l6]),
        ("state registered", CaseFilter { state: s("registered"), ..f() }, vec![l5, l4, l3]),
        ("state routed", CaseFilter { state: s("routed"), ..f() }, vec![l1]),
        ("state accepted", CaseFilter { state: s("accepted"), ..f() }, vec![l2]),
        ("state rejected", CaseFilter { state: s("rejected"), ..f() }, vec![l6]),
        ("lead 140121", CaseFilter { unit: s("140121"), ..f() }, vec![l1]),
        ("assisting ghzy", CaseFilter { unit: s("ghzy"), ..f() }, vec![l1]),
        ("lead rsj", CaseFilter { unit: s("rsj"), ..f() }, vec![l2]),
        ("assisting zjj", CaseFilter { unit: s("zjj"), ..f() }, vec![l2]),
        ("the place is not the unit", CaseFilter { unit: s("140105"), ..f() }, vec![]),
        ("bureau as lead", CaseFilter { unit: s("xfj"), ..f() }, vec![l6]),
        ("category labor", CaseFilter { category: s("labor"), ..f() }, vec![l5, l2]),
        ("channel letter", CaseFilter { channel: s("letter"), ..f() }, vec![l2]),
        ("channel visit", CaseFilter { channel: s("visit"), ..f() }, vec![l5, l1]),
        ("from 04-01", CaseFilter { from: Some(d(2026, 4, 1)), ..f() }, vec![l5, l4]),
        ("to 03-31", CaseFilter { to: Some(d(2026, 3, 31)), ..f() }, vec![l3, l2, l1, l6]),
        ("03-10..03-31", CaseFilter { from: Some(d(2026, 3, 10)), to: Some(d(2026, 3, 31)), ..f() }, vec![l3, l2]),
        ("04-01 only", CaseFilter { from: Some(d(2026, 4, 1)), to: Some(d(2026, 4, 1)), ..f() }, vec![l4]),
        ("to before from", CaseFilter { from: Some(d(2026, 4, 1)), to: Some(d(2026, 3, 31)), ..f() }, vec![]),
        ("labor + registered", CaseFilter { category: s("labor"), state: s("registered"), ..f() }, vec![l5]),
        ("rsj + accepted", CaseFilter { unit: s("rsj"), state: s("accepted"), ..f() }, vec![l2]),
        ("rsj + routed", CaseFilter { unit: s("rsj"), state: s("routed"), ..f() }, vec![]),
        ("unknown state", CaseFilter { state: s("lost"), ..f() }, vec![]),
        // Nearest deadline first: 03-17, 04-15, 04-16, 05-11, 05-25; nothing due last.
        ("sort due", CaseFilter { sort: s("due"), ..f() }, vec![l1, l3, l4, l2, l5, l6]),
        ("sort due, registered", CaseFilter { sort: s("due"), state: s("registered"), ..f() }, vec![l3, l4, l5]),
    ];
    for (what, filter, expected) in checks {
        let page = h.store.list_cases(&clerk, &CaseFilter { per_page: Some(200), ..filter }).await?;
        let ids: Vec<i64> = page.items.iter().map(|c| c.id).collect();
        assert_eq!(ids, expected, "{what}");
        assert_eq!(page.total, expected.len() as i64, "{what}: total");
    }
    // What a row says.
    let page = h.store.list_cases(&clerk, &CaseFilter { sort: s("due"), ..f() }).await?;
    let row = |id: i64| page.items.iter().find(|c| c.id == id).cloned().ok_or_else(|| anyhow!("row {id}"));
    let r2 = row(l2)?;
    assert_eq!(
        (r2.state.as_str(), r2.state_label.as_str(), r2.lead_unit.as_deref()),
        ("accepted", "已受理办理中", Some("rsj"))
    );
    assert_eq!((r2.next_due_name.as_deref(), r2.next_due_on), (Some("handle_by"), Some(d(2026, 5, 11))));
    assert_eq!(
        (r2.channel.as_str(), r2.category.as_str(), r2.petitioner.as_deref()),
        ("letter", "labor", Some("李明"))
    );
    let r4 = row(l4)?;
    assert_eq!(r4.received_at, t("2026-03-31T16:10:00Z"));
    assert_eq!((r4.next_due_name.as_deref(), r4.next_due_on), (Some("triage_by"), Some(d(2026, 4, 16))));
    let r5 = row(l5)?;
    assert_eq!(r5.next_due_on, Some(d(2026, 5, 25)));
    let r6 = row(l6)?;
    assert_eq!((r6.next_due_name.clone(), r6.next_due_on, r6.overdue), (None, None, false));
    assert_eq!(row(l1)?.next_due_on, Some(d(2026, 3, 17)));
    assert_eq!(row(l3)?.next_due_on, Some(d(2026, 4, 15)));
    Ok(())
});

both!(paging_counts_clamps_and_ends, |h| async move {
    let l = six_cases(&h).await?;
    let clerk = h.actor("clerk").await;
    let newest_first = [l[4], l[3], l[2], l[1], l[0], l[5]];
    let page = |p: Option<u32>, per: Option<u32>| {
        let store = h.store.clone();
        let clerk = clerk.clone();
        async move { store.list_cases(&clerk, &CaseFilter { page: p, per_page: per, ..Default::default() }).await }
    };
    for (p, chunk) in newest_first.chunks(2).enumerate() {
        let r = page(Some(p as u32 + 1), Some(2)).await?;
        assert_eq!(r.items.iter().map(|c| c.id).collect::<Vec<_>>(), chunk, "page {}", p + 1);
        assert_eq!((r.total, r.page, r.per_page), (6, p as u32 + 1, 2));
    }
    let beyond = page(Some(4), Some(2)).await?;
    assert!(beyond.items.is_empty());
    assert_eq!((beyond.total, beyond.page), (6, 4));
    let far = page(Some(1000), Some(200)).await?;
    assert!(far.items.is_empty());
    assert_eq!(far.total, 6);
    // per_page is clamped to 1..=200, page 0 is page 1; the default is 50.
    let big = page(None, Some(1000)).await?;
    assert_eq!((big.per_page, big.items.len()), (200, 6));
    let zero = page(Some(0), Some(0)).await?;
    assert_eq!((zero.page, zero.per_page, zero.items.len()), (1, 1, 1));
    assert_eq!(zero.items[0].id, newest_first[0]);
    let default = page(None, None).await?;
    assert_eq!((default.page, default.per_page, default.total), (1, 50, 6));
    // Paging a filtered, sorted list.
    let f = CaseFilter { sort: Some("due".into()), page: Some(2), per_page: Some(4), ..Default::default() };
    let r = h.store.list_cases(&clerk, &f).await?;
    assert_eq!(r.items.iter().map(|c| c.id).collect::<Vec<_>>(), [l[4], l[5]]);
    Ok(())
});

both!(overdue_means_the_nearest_duty_has_passed, |h| async move {
    let clerk = h.actor("clerk").await;
    // Received 2024-01-02: triage and decision were due 2024-01-17.
    let old = register_at(&h, &clerk, reg().build(), "2024-01-02T09:00:00+08:00").await?;
    assert_eq!(old.deadlines.get("decide_by"), Some(&d(2024, 1, 17)));
    // Also old, but not accepted: nothing is due, so never overdue.
    let done = register_at(&h, &clerk, reg().build(), "2024-01-03T09:00:00+08:00").await?;
    h.store.act_at(&clerk, done.id, &reject(), t("2024-01-04T09:00:00+08:00")).await?;
    // Received now: due in 15 days.
    let (fresh, _) = h.store.register_case(&clerk, &reg().build(), None).await?;
    let overdue = CaseFilter { overdue: Some(true), ..Default::default() };
    let on_time = CaseFilter { overdue: Some(false), ..Default::default() };
    assert_eq!(listed(&h, &clerk, overdue).await?, [old.id]);
    assert_eq!(listed(&h, &clerk, on_time).await?, [fresh.id, done.id]);
    let page = h.store.list_cases(&clerk, &CaseFilter::default()).await?;
    let flags: BTreeMap<i64, bool> = page.items.iter().map(|c| (c.id, c.overdue)).collect();
    assert_eq!(flags, BTreeMap::from([(old.id, true), (done.id, false), (fresh.id, false)]));
    let v = h.store.get_case(&clerk, old.id).await?;
    assert!(v.overdue);
    assert!(v.next_due.as_ref().is_some_and(|n| n.overdue && n.due == d(2024, 1, 17)));
    let v = h.store.get_case(&clerk, fresh.id).await?;
    assert!(!v.overdue);
    let today = xinfang_core::case::local_date(Utc::now());
    assert!(v.next_due.as_ref().is_some_and(|n| n.due >= today + chrono::Duration::days(15)));
    Ok(())
});

both!(supervised_and_leader_reception_filters, |h| async move {
    let [clerk, supervisor, county] = h.actors(["clerk", "supervisor", "s140121"]).await;
    let a = h.store.register_case(&clerk, &reg().build(), None).await?.0;
    let mut leader_input = reg().build();
    leader_input.leader_reception = true;
    leader_input.leader_name = Some("赵建国".into());
    let b = h.store.register_case(&clerk, &leader_input, None).await?.0;
    h.store.act(&clerk, a.id, &assign("140121", &[])).await?;
    h.store.act(&supervisor, a.id, &Command::Supervise { note: "请书面回复".into() }).await?;
    let supervised = CaseFilter { supervised: Some(true), ..Default::default() };
    assert_eq!(listed(&h, &clerk, supervised.clone()).await?, [a.id]);
    assert_eq!(listed(&h, &clerk, CaseFilter { supervised: Some(false), ..Default::default() }).await?, [b.id]);
    assert_eq!(listed(&h, &clerk, CaseFilter { leader_reception: Some(true), ..Default::default() }).await?, [b.id]);
    // Answered: off the list.
    h.store.act(&county, a.id, &Command::AnswerSupervision { answer: "已整改".into() }).await?;
    assert!(listed(&h, &clerk, supervised).await?.is_empty());
    Ok(())
});
