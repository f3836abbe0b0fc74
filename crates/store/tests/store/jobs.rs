//! Background jobs and reminders: leased so each job runs once across nodes, retried after a
//! lease runs out, and the deadline scan reminding each unit once per duty.

use chrono::Duration;

use crate::prelude::*;

/// No messages are queued in these tests.
fn nothing_to_send(m: &xinfang_store::outbox::Outgoing) -> Result<xinfang_store::outbox::Delivered, String> {
    Err(format!("unexpected message {}", m.id))
}

both!(a_job_runs_once_across_workers, |h| async move {
    let now = t("2026-12-01T09:00:00+08:00");
    assert!(h.store.enqueue_job("deadline_scan", "{}", now, Some("k1")).await?);
    assert!(!h.store.enqueue_job("deadline_scan", "{}", now, Some("k1")).await?, "the same key is queued once");
    h.store.enqueue_job("deadline_scan", "{}", now + Duration::hours(1), None).await?;
    // Two workers lease at once: the due job goes to exactly one of them.
    let (a, b) = tokio::join!(h.store.lease_jobs("node-a", 10, now), h.store.lease_jobs("node-b", 10, now));
    let (a, b) = (a?, b?);
    assert_eq!(a.len() + b.len(), 1, "one due job, one taker: {a:?} {b:?}");
    // Its node dies: once the lease runs out another node takes it again.
    assert!(h.store.lease_jobs("node-b", 10, now + Duration::seconds(10)).await?.is_empty());
    let retaken =
        h.store.lease_jobs("node-b", 10, now + Duration::seconds(xinfang_store::jobs::LEASE_SECONDS + 1)).await?;
    assert_eq!(retaken.len(), 1);
    assert_eq!(retaken[0].attempts, 2);
    // run_jobs completes what it takes; the later job waits for its time.
    assert_eq!(h.store.run_jobs("node-a", now + Duration::hours(2), &nothing_to_send).await?, 2);
    assert_eq!(h.count("jobs WHERE done_at IS NULL").await, 0);
    assert_eq!(h.store.run_jobs("node-a", now + Duration::hours(3), &nothing_to_send).await?, 0);
    // One scan an hour whoever asks.
    assert!(h.store.schedule_deadline_scan(now).await?);
    assert!(!h.store.schedule_deadline_scan(now + Duration::minutes(30)).await?);
    assert!(h.store.schedule_deadline_scan(now + Duration::minutes(61)).await?);
    Ok(())
});

both!(units_are_reminded_once_per_duty, |h| async move {
    let [clerk, county, other] = h.actors(["clerk", "s140121", "s140105"]).await;
    // Received Mon 2026-04-20 → decide_by 05-06 (劳动节). Assigned to 140121 the same day.
    let case =
        register_at(&h, &clerk, reg().received("2026-04-20T09:00:00+08:00").build(), "2026-04-20T09:30:00+08:00")
            .await?;
    h.store.act_at(&clerk, case.id, &assign("140121", &[]), t("2026-04-20T10:00:00+08:00")).await?;
    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    // decide_by runs from the assignment: 04-20 + 15 = 05-05, in the 劳动节 holiday → 05-06.
    // 05-02 is 4 days before it: no reminder yet; 05-03 is 3 days before: one due-soon reminder
    // to the county, and the next days add nothing new.
    assert_eq!(h.store.scan_deadlines(day("2026-04-30")).await?, 0);
    assert_eq!(h.store.scan_deadlines(day("2026-05-02")).await?, 0);
    assert_eq!(h.store.scan_deadlines(day("2026-05-03")).await?, 1);
    assert_eq!(h.store.scan_deadlines(day("2026-05-04")).await?, 0);
    let notes = h.store.notifications(&county, true, 10).await?;
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].kind, "due_soon");
    assert!(notes[0].message.contains(&case.number) && notes[0].message.contains("受理告知"), "{}", notes[0].message);
    assert!(h.store.notifications(&other, true, 10).await?.is_empty(), "another unit is not told");
    // 05-06 is the last day (still due soon, already told); on 05-07 it is overdue, once.
    // (The bureau's triage was done by the assignment, so the bureau is not reminded.)
    assert_eq!(h.store.scan_deadlines(day("2026-05-06")).await?, 0);
    assert_eq!(h.store.scan_deadlines(day("2026-05-07")).await?, 1);
    assert_eq!(h.store.scan_deadlines(day("2026-05-08")).await?, 0);
    assert_eq!(h.store.unread_notifications(&county).await?, 2);
    assert_eq!(h.store.mark_notifications_read(&county, None).await?, 2);
    assert_eq!(h.store.unread_notifications(&county).await?, 0);
    assert_eq!(h.store.notifications(&county, false, 10).await?.len(), 2);
    // Accepted: the duty is done, and handle_by is far away.
    h.store.act_at(&county, case.id, &accept(), t("2026-05-08T09:00:00+08:00")).await?;
    assert_eq!(h.store.scan_deadlines(day("2026-05-09")).await?, 0);
    Ok(())
});

both!(meeting_tasks_remind_their_own_unit, |h| async move {
    let [clerk, leader, county, ghzy] = h.actors(["clerk", "leader", "s140121", "sghzy"]).await;
    let case = register_at(&h, &clerk, reg().build(), "2026-06-01T09:00:00+08:00").await?;
    h.store.act_at(&clerk, case.id, &assign("140121", &[]), t("2026-06-01T10:00:00+08:00")).await?;
    h.store.act_at(&county, case.id, &accept(), t("2026-06-01T11:00:00+08:00")).await?;
    let decision = |unit: &str, days: u32| xinfang_core::lifecycle::DecisionInput {
        unit: unit.into(),
        implementer: "科长".into(),
        days,
        content: format!("{unit} 落实"),
    };
    let meeting = Command::HoldMeeting {
        chair: "赵建国".into(),
        attendees: "双方".into(),
        discussion: "属实".into(),
        decisions: vec![decision("140121", 30), decision("ghzy", 10)],
    };
    h.store.act_at(&leader, case.id, &meeting, t("2026-06-02T09:00:00+08:00")).await?;
    // ghzy's task: 06-02 + 10 = 06-12 (Friday). On 06-09 it is 3 days away: ghzy alone is told,
    // by the task's number; the county's 30-day task is far off.
    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    assert_eq!(h.store.scan_deadlines(day("2026-06-08")).await?, 0);
    assert_eq!(h.store.scan_deadlines(day("2026-06-09")).await?, 1);
    let notes = h.store.notifications(&ghzy, true, 10).await?;
    assert_eq!(notes.len(), 1);
    assert!(notes[0].message.contains("第 2 项决定「ghzy 落实」将于 2026-06-12 到期"), "{}", notes[0].message);
    assert!(h.store.notifications(&county, true, 10).await?.is_empty());
    // Done on time: no overdue reminder afterwards.
    h.store
        .act_at(
            &ghzy,
            case.id,
            &Command::CompleteTask { task: 2, note: "已核实".into() },
            t("2026-06-11T09:00:00+08:00"),
        )
        .await?;
    assert_eq!(h.store.scan_deadlines(day("2026-06-15")).await?, 0);
    Ok(())
});
