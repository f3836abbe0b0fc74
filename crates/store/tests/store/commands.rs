//! Commands: one event, one audit row and the new state in one transaction — or nothing.

use crate::prelude::*;

/// Everything a command may change about one case, as text.
async fn snapshot(h: &H, id: i64) -> anyhow::Result<(i64, i64, Vec<Option<String>>, Vec<String>)> {
    let row = h
        .raw
        .rows(&format!(
            "SELECT state, CAST(lead_unit_id AS TEXT), next_due_name, CAST(next_due_on AS TEXT), \
             CAST(updated_at AS TEXT), CAST(money_claimed AS TEXT), CAST(money_paid AS TEXT), \
             CAST(money_recovered AS TEXT), CAST(repeat_visits AS TEXT) FROM cases WHERE id = {id}"
        ))
        .await?;
    let assisting = h
        .raw
        .texts(&format!("SELECT CAST(unit_id AS TEXT) FROM case_assisting_units WHERE case_id = {id} ORDER BY unit_id"))
        .await?;
    Ok((
        h.count(&format!("case_events WHERE case_id = {id}")).await,
        h.count("audit_log").await,
        row.into_iter().next().ok_or_else(|| anyhow!("case {id} missing"))?,
        assisting,
    ))
}

both!(a_command_writes_one_event_one_audit_row_and_the_state, |h| async move {
    let [clerk, s121] = h.actors(["clerk", "s140121"]).await;
    let v = register_at(&h, &clerk, reg().received("2026-04-20T09:00:00+08:00").build(), "2026-04-20T09:10:00+08:00")
        .await?;
    let (events, audit, _, _) = snapshot(&h, v.id).await?;
    assert_eq!(events, 1);

    let a = h.store.act_at(&clerk, v.id, &assign("140121", &["ghzy"]), t("2026-04-21T10:00:00+08:00")).await?;
    let (events2, audit2, row, assisting) = snapshot(&h, v.id).await?;
    assert_eq!((events2, audit2), (2, audit + 1));
    let lead = h.unit_id("140121").await.to_string();
    assert_eq!(
        row[..4],
        [Some("routed".into()), Some(lead.clone()), Some("decide_by".into()), Some("2026-05-06".into())]
    );
    assert_eq!(assisting, [h.unit_id("ghzy").await.to_string()]);
    let last = h.store.audit_entries(None, 1).await?;
    assert_eq!((last[0].action.as_str(), last[0].actor_name.as_str()), ("case.assign", "clerk"));
    assert_eq!((last[0].target_kind.as_str(), last[0].target_id.clone()), ("case", v.id.to_string()));
    assert_eq!(last[0].detail, serde_json::json!({"number": v.number, "state": "routed"}));

    assert_eq!(a.state, "routed");
    assert_eq!(a.lead_unit.as_deref(), Some("140121"));
    assert_eq!(a.assisting_units, ["ghzy"]);
    // Routed on Tuesday 04-21: decide 15 days from routing (05-06); object within 5 working
    // days (04-22, 04-23, 04-24, 04-27, 04-28); result report 90 days (07-20).
    let dl: BTreeMap<&str, NaiveDate> = a.deadlines.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        dl,
        BTreeMap::from([
            ("triage_by", d(2026, 5, 6)),
            ("decide_by", d(2026, 5, 6)),
            ("object_by", d(2026, 4, 28)),
            ("report_by", d(2026, 7, 20)),
        ])
    );
    let triage = a.deadline_details.iter().find(|x| x.name == "triage_by").ok_or_else(|| anyhow!("triage"))?;
    assert_eq!(triage.completed_on, Some(d(2026, 4, 21)));
    let e = a.events.last().ok_or_else(|| anyhow!("event"))?;
    assert_eq!((e.seq, e.kind.as_str(), e.actor.as_str()), (2, "assigned", "clerk"));
    assert_eq!(
        (e.data["lead"].clone(), e.data["assisting"].clone()),
        (serde_json::json!("140121"), serde_json::json!(["ghzy"]))
    );
    assert_eq!(a, h.store.get_case(&clerk, v.id).await?, "act answers with the case as now stored");

    // The county accepts on 04-22: handling 60 days ends 06-21, a Sunday inside 端午节 → 06-22.
    let b = h.store.act_at(&s121, v.id, &accept(), t("2026-04-22T09:00:00+08:00")).await?;
    let (events3, audit3, row, assisting) = snapshot(&h, v.id).await?;
    assert_eq!((events3, audit3), (3, audit + 2));
    assert_eq!(row[..4], [Some("accepted".into()), Some(lead), Some("handle_by".into()), Some("2026-06-22".into())]);
    assert_eq!(assisting.len(), 1, "the assisting unit stays");
    assert_eq!(b.deadlines.get("handle_by"), Some(&d(2026, 6, 22)));
    assert!(!b.deadlines.contains_key("object_by"), "the objection window closes with acceptance");
    let e = b.events.last().ok_or_else(|| anyhow!("event"))?;
    assert_eq!((e.kind.as_str(), e.actor.as_str(), e.actor_unit.as_str()), ("accepted", "s140121", "140121"));
    assert_eq!(e.data["unit"], "140121");
    assert_eq!(h.store.audit_entries(None, 1).await?[0].action, "case.accept");
    Ok(())
});

both!(refused_commands_change_nothing, |h| async move {
    let [clerk, s121, sghzy, s105, analyst] = h.actors(["clerk", "s140121", "sghzy", "s140105", "analyst"]).await;
    let v = register_at(&h, &clerk, reg().received("2026-04-20T09:00:00+08:00").build(), "2026-04-20T09:10:00+08:00")
        .await?;
    h.store.act_at(&clerk, v.id, &assign("140121", &["ghzy"]), t("2026-04-21T10:00:00+08:00")).await?;
    h.store.act_at(&s121, v.id, &accept(), t("2026-04-22T09:00:00+08:00")).await?;
    let before = snapshot(&h, v.id).await?;
    let at = t("2026-04-23T09:00:00+08:00");
    let refusals: Vec<(&Actor, Command, &str)> = vec![
        // Wrong state: it was assigned already.
        (&clerk, assign("rsj", &[]), "action_not_allowed_in_state"),
        (&s121, accept(), "action_not_allowed_in_state"),
        (&clerk, Command::RequestReview { reason: "不服".into() }, "action_not_allowed_in_state"),
        // Wrong role: only the lead unit replies; analysts act on nothing.
        (&sghzy, reply(), "forbidden"),
        (&analyst, reply(), "forbidden"),
        (&clerk, Command::Instruct { text: "批示".into() }, "forbidden"),
        // Invalid input.
        (
            &s121,
            Command::Reply {
                finding: Finding::True,
                outcome: Outcome::Support,
                opinion: "  ".into(),
                basis: None,
                mediation_agreement: None,
            },
            "invalid:required",
        ),
        (
            &s121,
            Command::Extend { days: 45, approver: "县长".into(), reason: "情况复杂".into() },
            "invalid:bad_extension_days",
        ),
        (
            &s121,
            Command::RecordMoney { claimed: Some(100), paid: Some(200), recovered: None },
            "invalid:paid_exceeds_claimed",
        ),
        // Not visible at all.
        (&s105, reply(), "not_found"),
    ];
    for (actor, cmd, expected) in refusals {
        let r = h.store.act_at(actor, v.id, &cmd, at).await;
        assert_eq!(err_code(r), expected, "{} by {}", cmd.action(), actor.username);
        assert_eq!(snapshot(&h, v.id).await?, before, "{} by {} changed something", cmd.action(), actor.username);
    }
    // A moment before the last event is refused too.
    let r = h.store.act_at(&s121, v.id, &reply(), t("2026-04-21T12:00:00+08:00")).await;
    assert_eq!(err_code(r), "conflict:time_before_last_event");
    assert_eq!(snapshot(&h, v.id).await?, before);
    // Unknown case.
    assert_eq!(err_code(h.store.act(&clerk, 999_999, &accept()).await), "not_found");
    // The refusals did not disturb the chain, and the legal command still goes through.
    h.store.act_at(&s121, v.id, &reply(), at).await?;
    assert_eq!(snapshot(&h, v.id).await?.0, before.0 + 1);
    assert!(h.store.verify_audit().await?.ok());
    Ok(())
});

both!(invalid_routing_is_refused_with_field_codes, |h| async move {
    let clerk = h.actor("clerk").await;
    let (v, _) = h.store.register_case(&clerk, &reg().build(), None).await?;
    let before = snapshot(&h, v.id).await?;
    for (cmd, expected) in [
        (assign("nope", &[]), "invalid:unknown_unit"),
        (assign("xfj", &[]), "invalid:route_to_self"),
        (assign("140121", &["140121"]), "invalid:duplicate_unit"),
        (assign("", &[]), "invalid:required"),
        (forward("xfj"), "invalid:route_to_self"),
        (Command::Reject { reason: "".into(), legal_route: "".into(), separation: None }, "invalid:required,required"),
    ] {
        assert_eq!(err_code(h.store.act(&clerk, v.id, &cmd).await), expected, "{cmd:?}");
        assert_eq!(snapshot(&h, v.id).await?, before);
    }
    Ok(())
});

both!(concurrent_commands_on_one_case_are_serialised, |h| async move {
    let [clerk, s121] = h.actors(["clerk", "s140121"]).await;
    let v = register_at(&h, &clerk, reg().build(), "2026-04-20T09:00:00+08:00").await?;
    h.store.act_at(&clerk, v.id, &assign("140121", &[]), t("2026-04-20T10:00:00+08:00")).await?;
    // The same moment for every concurrent command, so only the row lock decides the order.
    let at = t("2026-04-21T09:00:00+08:00");
    // Two clicks on 受理 at once: one wins, the other finds the case accepted.
    let cmd = accept();
    let (a, b) = tokio::join!(h.store.act_at(&s121, v.id, &cmd, at), h.store.act_at(&s121, v.id, &cmd, at));
    let mut outcomes =
        vec![a.map(|v| v.state).unwrap_or_else(|e| code(&e)), b.map(|v| v.state).unwrap_or_else(|e| code(&e))];
    outcomes.sort();
    assert_eq!(outcomes, ["accepted", "action_not_allowed_in_state"]);
    // Ten visits recorded at once: none is lost, the timeline has no gap.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (store, clerk) = (h.store.clone(), clerk.clone());
        tasks.spawn(
            async move { store.act_at(&clerk, v.id, &Command::RecordVisit { note: None }, at).await.map(|_| ()) },
        );
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    let v = h.store.get_case(&clerk, v.id).await?;
    assert_eq!(v.repeat_visits, 10);
    let seqs: Vec<i64> = v.events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=13).collect::<Vec<i64>>());
    assert_eq!(h.raw.int(&format!("SELECT repeat_visits FROM cases WHERE id = {}", v.id)).await?, 10);
    assert!(h.store.verify_audit().await?.ok());
    Ok(())
});

both!(concurrent_live_commands_are_not_refused_for_their_time, |h| async move {
    let clerk = h.actor("clerk").await;
    let (v, _) = h.store.register_case(&clerk, &reg().build(), None).await?;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (store, clerk) = (h.store.clone(), clerk.clone());
        tasks.spawn(async move { store.act(&clerk, v.id, &Command::RecordVisit { note: None }).await.map(|_| ()) });
    }
    let mut refused = Vec::new();
    while let Some(r) = tasks.join_next().await {
        if let Err(e) = r? {
            refused.push(code(&e));
        }
    }
    assert!(refused.is_empty(), "legal commands refused: {refused:?}");
    assert_eq!(h.store.get_case(&clerk, v.id).await?.repeat_visits, 10);
    Ok(())
});

/// Make every audit append fail (a full disk, a lost connection) from now on.
async fn break_audit_inserts(h: &H) -> anyhow::Result<()> {
    match h.backend {
        Backend::Sqlite => {
            h.raw
                .exec(
                    "CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_log \
                     BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END;",
                )
                .await?;
        }
        Backend::Postgres => {
            h.raw
                .exec(
                    "CREATE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN RAISE EXCEPTION 'audit unavailable'; END; $$; \
                     CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_log \
                     FOR EACH ROW EXECUTE FUNCTION test_fail_audit();",
                )
                .await?;
        }
    }
    Ok(())
}

async fn repair_audit_inserts(h: &H) -> anyhow::Result<()> {
    match h.backend {
        Backend::Sqlite => h.raw.exec("DROP TRIGGER test_fail_audit").await?,
        Backend::Postgres => h.raw.exec("DROP TRIGGER test_fail_audit ON audit_log").await?,
    };
    Ok(())
}

both!(a_failing_audit_append_rolls_the_whole_command_back, |h| async move {
    let clerk = h.actor("clerk").await;
    let (v, _) = h.store.register_case(&clerk, &reg().build(), None).await?;
    let before = snapshot(&h, v.id).await?;
    let counts = (h.count("cases").await, h.count("petitioners").await, h.count("case_counters").await);
    let last_counter = h.raw.int("SELECT MAX(last) FROM case_counters").await?;
    break_audit_inserts(&h).await?;

    let r = h.store.act(&clerk, v.id, &assign("140121", &["ghzy"])).await;
    assert_eq!(err_code(r), "database");
    assert_eq!(snapshot(&h, v.id).await?, before, "no event, no new state, no assisting unit without the audit row");
    let r = h.store.register_case(&clerk, &reg().build(), Some("k")).await;
    assert_eq!(err_code(r), "database");
    assert_eq!(
        (h.count("cases").await, h.count("petitioners").await, h.count("case_counters").await),
        counts,
        "no case, no petitioner without the audit row"
    );
    assert_eq!(h.raw.int("SELECT MAX(last) FROM case_counters").await?, last_counter, "the number was not used up");
    assert_eq!(h.count("idempotency_keys").await, 0);

    repair_audit_inserts(&h).await?;
    let a = h.store.act(&clerk, v.id, &assign("140121", &["ghzy"])).await?;
    assert_eq!(a.state, "routed");
    let (_, created) = h.store.register_case(&clerk, &reg().build(), Some("k")).await?;
    assert!(created, "the failed attempt did not keep the idempotency key");
    assert!(h.store.verify_audit().await?.ok());
    Ok(())
});

both!(an_objection_is_answered_with_success, |h| async move {
    let [clerk, s121] = h.actors(["clerk", "s140121"]).await;
    let (v, _) = h.store.register_case(&clerk, &reg().build(), None).await?;
    h.store.act(&clerk, v.id, &forward("140121")).await?;
    let events = h.count(&format!("case_events WHERE case_id = {}", v.id)).await;
    let r = h.store.act(&s121, v.id, &object()).await;
    // The objection is committed whatever act() answers …
    assert_eq!(h.count(&format!("case_events WHERE case_id = {}", v.id)).await, events + 1);
    assert_eq!(h.store.get_case(&clerk, v.id).await?.state, "registered");
    // … so act() must not report a failure: the caller would retry or show an error.
    assert!(r.is_ok(), "committed objection answered with {:?}", r.err());
    Ok(())
});

both!(recorded_money_never_leaves_a_negative_outstanding_amount, |h| async move {
    let clerk = h.actor("clerk").await;
    let (v, _) = h.store.register_case(&clerk, &reg().category("labor").money(10_000, 0).build(), None).await?;
    let r = h
        .store
        .act(&clerk, v.id, &Command::RecordMoney { claimed: None, paid: Some(8_000), recovered: Some(5_000) })
        .await;
    let outstanding = h.store.get_case(&clerk, v.id).await?.money.outstanding;
    assert!(r.is_err() && outstanding >= 0, "accepted: outstanding = 10000 − 8000 − 5000 = {outstanding}");
    Ok(())
});
