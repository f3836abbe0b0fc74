//! A corrected holiday calendar recomputes the deadlines of open cases.

use xinfang_core::calendar::{Calendar, NamedDay};

use crate::prelude::*;

both!(a_corrected_year_moves_open_deadlines, |h| async move {
    let clerk = h.actor("clerk").await;
    // A: received Monday 04-20; 15 days end in 劳动节 (05-01..05-05) → Wednesday 05-06.
    let a = register_at(&h, &clerk, reg().received("2026-04-20T09:00:00+08:00").build(), "2026-04-20T09:10:00+08:00")
        .await?;
    // B: not accepted (final): nothing is due, so it is not recomputed.
    let b = register_at(&h, &clerk, reg().received("2026-04-21T09:00:00+08:00").build(), "2026-04-21T09:10:00+08:00")
        .await?;
    h.store.act_at(&clerk, b.id, &reject(), t("2026-04-21T10:00:00+08:00")).await?;
    // C: received 07-06, decide by 07-21: untouched by a May correction.
    let c = register_at(&h, &clerk, reg().received("2026-07-06T09:00:00+08:00").build(), "2026-07-06T09:10:00+08:00")
        .await?;
    // E: forwarded on Thursday 04-30; objections within 5 working days: 05-06, 05-07, 05-08,
    // Saturday 05-09 (调休 working day), Monday 05-11.
    let e = register_at(&h, &clerk, reg().received("2026-04-30T09:00:00+08:00").build(), "2026-04-30T09:10:00+08:00")
        .await?;
    h.store.act_at(&clerk, e.id, &forward("140121"), t("2026-04-30T10:00:00+08:00")).await?;
    assert_eq!(h.store.get_case(&clerk, e.id).await?.deadlines.get("object_by"), Some(&d(2026, 5, 11)));
    assert_eq!(a.deadlines.get("decide_by"), Some(&d(2026, 5, 6)));
    let due_on = |id: i64| {
        let raw = h.raw.clone();
        let sql = format!("SELECT next_due_name, CAST(next_due_on AS TEXT) FROM cases WHERE id = {id}");
        async move { raw.rows(&sql).await }
    };
    assert_eq!(due_on(a.id).await?[0], [Some("triage_by".into()), Some("2026-05-06".into())]);

    // The correction: 05-06 becomes a holiday too.
    let mut y2026 = Calendar::shipped_years().into_iter().find(|y| y.year == 2026).ok_or_else(|| anyhow!("2026"))?;
    y2026.holidays.push(NamedDay::new(d(2026, 5, 6), "劳动节"));
    let recomputed = h.store.import_holiday_year(None, &y2026).await?;
    assert_eq!(recomputed, 3, "A, C and E are open; B is final");

    assert_eq!(due_on(a.id).await?[0], [Some("triage_by".into()), Some("2026-05-07".into())]);
    assert_eq!(due_on(b.id).await?[0], [None, None]);
    assert_eq!(due_on(c.id).await?[0], [Some("triage_by".into()), Some("2026-07-21".into())]);
    // E: decide 15 days from the forwarding (05-15, a Friday) is unchanged.
    assert_eq!(due_on(e.id).await?[0], [Some("decide_by".into()), Some("2026-05-15".into())]);
    let av = h.store.get_case(&clerk, a.id).await?;
    assert_eq!(av.deadlines.get("decide_by"), Some(&d(2026, 5, 7)));
    assert_eq!(av.deadlines.get("triage_by"), Some(&d(2026, 5, 7)));
    let rule = &av.deadline_details.iter().find(|x| x.name == "decide_by").ok_or_else(|| anyhow!("decide_by"))?.rule;
    assert_eq!(rule, "受理告知 15 日，自 2026-04-20 起算；2026-05-05 为休息日或法定节假日，顺延至 2026-05-07");
    // A working-day window counts the new holiday out: 05-07, 05-08, 05-09, 05-11, 05-12.
    assert_eq!(h.store.get_case(&clerk, e.id).await?.deadlines.get("object_by"), Some(&d(2026, 5, 12)));
    // Lists sort by the stored date.
    let f = CaseFilter { sort: Some("due".into()), ..Default::default() };
    assert_eq!(listed(&h, &clerk, f).await?, [a.id, e.id, c.id, b.id]);

    let years = h.store.holiday_years().await?;
    let s = years.iter().find(|y| y.year == 2026).ok_or_else(|| anyhow!("2026 listed"))?;
    assert_eq!((s.holidays, s.workdays, s.source.as_str()), (34, 6, "notice"));
    assert_eq!(h.count("holiday_days WHERE year = 2026").await, 40);
    let audit = h.store.audit_entries(Some(("calendar", "2026")), 5).await?;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].detail, serde_json::json!({"holidays": 34, "workdays": 6}));

    // Starting again never overwrites the administrator's correction with the shipped year …
    h.store.migrate().await?;
    assert!(!h.store.calendar().is_working_day(d(2026, 5, 6)));
    assert_eq!(h.store.get_case(&clerk, a.id).await?.deadlines.get("decide_by"), Some(&d(2026, 5, 7)));
    // … and another node reads the corrected calendar from the database.
    let other = h.other_store(crate::harness::KEY).await?;
    other.migrate().await?;
    assert!(!other.calendar().is_working_day(d(2026, 5, 6)));
    assert_eq!(other.get_case(&clerk, a.id).await?.deadlines.get("decide_by"), Some(&d(2026, 5, 7)));
    other.close().await;
    Ok(())
});

both!(importing_a_new_year_lists_it, |h| async move {
    let y2030 = xinfang_core::calendar::derive_year(2030);
    let holidays = y2030.holidays.len();
    assert!(holidays >= 11, "at least the statutory days off");
    assert!(!h.store.holiday_years().await?.iter().any(|y| y.year == 2030));
    assert_eq!(h.store.import_holiday_year(None, &y2030).await?, 0, "no open cases");
    let years = h.store.holiday_years().await?;
    let s = years.iter().find(|y| y.year == 2030).ok_or_else(|| anyhow!("2030 listed"))?;
    assert_eq!((s.source.as_str(), s.title.as_deref(), s.holidays, s.workdays), ("derived", None, holidays, 0));
    let listed: Vec<i64> = years.iter().map(|y| y.year).collect();
    assert!(listed.windows(2).all(|w| w[0] < w[1]) && listed.ends_with(&[2030]), "{listed:?}");
    assert_eq!(h.count("holiday_days WHERE year = 2030").await, holidays as i64);
    Ok(())
});

both!(a_correction_reaches_every_node, |h| async move {
    let clerk = h.actor("clerk").await;
    // Node B is up before the correction is imported on node A.
    let node_b = h.other_store(crate::harness::KEY).await?;
    node_b.migrate().await?;
    let a = register_at(&h, &clerk, reg().received("2026-04-20T09:00:00+08:00").build(), "2026-04-20T09:10:00+08:00")
        .await?;
    let mut y2026 = Calendar::shipped_years().into_iter().find(|y| y.year == 2026).ok_or_else(|| anyhow!("2026"))?;
    y2026.holidays.push(NamedDay::new(d(2026, 5, 6), "劳动节"));
    h.store.import_holiday_year(None, &y2026).await?;
    // Node B shows the stored deadline, and a command on node B keeps it.
    let shown = node_b.get_case(&clerk, a.id).await?.deadlines.get("decide_by").copied();
    node_b.act_at(&clerk, a.id, &Command::RecordVisit { note: None }, t("2026-04-21T09:00:00+08:00")).await?;
    let stored = h.raw.text(&format!("SELECT CAST(next_due_on AS TEXT) FROM cases WHERE id = {}", a.id)).await?;
    node_b.close().await;
    // (What node B shows, what its command stores.)
    assert_eq!((shown, stored.as_deref()), (Some(d(2026, 5, 7)), Some("2026-05-07")));
    Ok(())
});
