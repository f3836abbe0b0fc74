//! The hall queue: numbers by day, calls to the platform and to unit windows, routing by triage,
//! the board the display shows, and who may do what.

use xinfang_core::hall::HallAction;

use crate::prelude::*;

both!(numbers_calls_and_windows, |h| async move {
    let [clerk, county, other, analyst] = h.actors(["clerk", "s140121", "s140105", "analyst"]).await;
    let a = h.store.issue_ticket(&clerk, false, 1, Some("李德顺")).await?;
    let b = h.store.issue_ticket(&clerk, true, 10, Some("王守田")).await?;
    let c = h.store.issue_ticket(&clerk, false, 1, None).await?;
    assert_eq!((a.number.as_str(), b.number.as_str(), c.number.as_str()), ("A001", "B002", "A003"));
    assert_eq!(b.headcount, 10);
    assert_eq!(
        err_code(h.store.issue_ticket(&clerk, false, 3, None).await),
        "invalid:bad_headcount",
        "one person is one"
    );
    assert_eq!(err_code(h.store.issue_ticket(&analyst, false, 1, None).await), "forbidden");
    assert_eq!(err_code(h.store.issue_ticket(&county, false, 1, None).await), "forbidden");

    // The platform calls in order of arrival.
    let first = h.store.call_next(&clerk).await?.expect("a waiting number");
    assert_eq!(first.number, "A001");
    assert_eq!(first.status, "called");
    assert!(first.waited_minutes().is_some());
    let board = h.store.hall_board().await?;
    assert_eq!(board.calls[0].number, "A001");
    assert_eq!(board.calls[0].place, "登记分流台");
    assert_eq!(board.calls[0].name.as_deref(), Some("李**"), "names are masked on the display");
    assert_eq!(board.waiting, 2);
    assert_eq!(board.last_call, h.store.last_call_id().await?);

    // Registered and assigned to the county: the number moves to the county's window by itself.
    let case = h.store.register_case(&clerk, &reg().build(), None).await?.0;
    h.store.link_ticket(&clerk, first.id, case.id).await?;
    h.store.act(&clerk, case.id, &assign("140121", &[])).await?;
    let routed = h.store.ticket(first.id).await?;
    assert_eq!((routed.status.as_str(), routed.unit.as_deref()), ("routed", Some("140121")));
    assert_eq!(routed.case_id, Some(case.id));

    // Another county's window has nobody to call; the county's window calls it.
    assert!(h.store.call_at_window(&other).await?.is_none());
    let at_window = h.store.call_at_window(&county).await?.expect("the routed number");
    assert_eq!(at_window.id, first.id);
    assert_eq!(at_window.status, "at_window");
    let board = h.store.hall_board().await?;
    assert_eq!(board.calls[0].place, "清徐县窗口");
    assert_eq!(board.calls.len(), 2);
    assert!(h.store.call_at_window(&county).await?.is_none(), "nobody else is routed there");
    // Units see only their own tickets; another unit cannot move this one.
    assert_eq!(h.store.tickets_today(&county).await?.len(), 1);
    assert!(h.store.tickets_today(&other).await?.is_empty());
    assert_eq!(err_code(h.store.move_ticket(&other, first.id, HallAction::Finish, None).await), "not_found");
    let done = h.store.move_ticket(&county, first.id, HallAction::Finish, None).await?;
    assert_eq!(done.status, "done");
    assert_eq!(err_code(h.store.move_ticket(&clerk, first.id, HallAction::Finish, None).await), "window_closed");

    // Routing by hand from the platform, and an unknown unit.
    let second = h.store.call_next(&clerk).await?.expect("B002");
    assert_eq!(second.number, "B002");
    assert_eq!(
        err_code(h.store.move_ticket(&clerk, second.id, HallAction::Route, Some("nowhere")).await),
        "invalid:unknown_unit"
    );
    let r = h.store.move_ticket(&clerk, second.id, HallAction::Route, Some("140105")).await?;
    assert_eq!(r.status, "routed");
    assert_eq!(
        err_code(h.store.move_ticket(&clerk, c.id, HallAction::Route, Some("140105")).await),
        "window_closed",
        "a waiting number is called first"
    );
    // 3 numbers issued, 3 calls, 1 link, 2 moves (the routing by triage is audited as the case's assignment).
    assert_eq!(h.count("audit_log WHERE action LIKE 'hall.%'").await, 9);
    Ok(())
});

both!(duty_rota_on_the_display, |h| async move {
    let today = xinfang_core::case::local_date(xinfang_store::now());
    h.store.set_duty(None, today, "leader", &["赵建国".into()]).await?;
    h.store.set_duty(None, today, "lawyer", &["吴涛".into(), "郑律".into()]).await?;
    h.store.set_duty(None, today, "lawyer", &["吴涛".into()]).await?;
    assert_eq!(err_code(h.store.set_duty(None, today, "chef", &["x".into()]).await), "invalid:bad_duty");
    let board = h.store.hall_board().await?;
    assert_eq!(board.duty[0], ("值班局领导".to_string(), vec!["赵建国".to_string()]));
    assert_eq!(board.duty[1], ("值班律师".to_string(), vec!["吴涛".to_string()]), "setting a duty replaces its names");
    assert!(board.duty[2].1.is_empty());
    assert!(board.calls.is_empty());
    assert_eq!(board.last_call, 0);
    Ok(())
});

both!(concurrent_calls_never_take_the_same_number, |h| async move {
    let clerk = h.actor("clerk").await;
    for _ in 0..6 {
        h.store.issue_ticket(&clerk, false, 1, None).await?;
    }
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (store, clerk) = (h.store.clone(), clerk.clone());
        tasks.push(tokio::spawn(async move { store.call_next(&clerk).await }));
    }
    let mut numbers = BTreeSet::new();
    for t in tasks {
        let called = t.await??.expect("one number each");
        assert!(numbers.insert(called.number), "a number was called twice");
    }
    assert_eq!(numbers.len(), 6);
    assert!(h.store.call_next(&clerk).await?.is_none());
    Ok(())
});
