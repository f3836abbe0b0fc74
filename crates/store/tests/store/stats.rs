//! 统计 Figures of a small history built through the real commands at chosen times, compared
//! figure by figure (numerator and denominator) with a count made by hand.
//!
//! 受理告知 15 days and 办理 60 days, counted from the day after; evaluated on 2026-10-01.
//! 2026-01-01 is a Thursday; no holiday falls on a due date below except where said.

use xinfang_core::figures::{Figures, GroupBy, Ratio};

use crate::prelude::*;

fn r(num: i64, den: i64) -> Ratio {
    Ratio::new(num, den)
}

fn rate(stage: RatingStage, rating: Rating) -> Command {
    Command::Rate { stage, rating, reason: Some("信访人的理由".into()) }
}

/// Register at `at` (received then) and return the case id.
async fn case_at(h: &H, clerk: &Actor, r: Reg, at: &str) -> anyhow::Result<(i64, String)> {
    let v = register_at(h, clerk, r.received(at).build(), at).await?;
    Ok((v.id, v.number))
}

both!(figures_of_a_quarter_counted_by_hand, |h| async move {
    let [clerk, leader, analyst, s121, rsj, admin] =
        h.actors(["clerk", "leader", "analyst", "s140121", "srsj", "admin"]).await;
    let act = |who: &Actor, id: i64, cmd: Command, at: &'static str| {
        let (store, who) = (h.store.clone(), who.clone());
        async move { store.act_at(&who, id, &cmd, t(at)).await.with_context(|| format!("{} at {at}", cmd.action())) }
    };

    // G (previous period): received 06-30, accepted by the bureau 07-01 (due 07-15, on time);
    // 办理 due 08-30, a Sunday, so 08-31; never replied — late.
    let (g, _) = case_at(&h, &clerk, reg().channel("video").category("civil"), "2026-06-30T09:00:00+08:00").await?;
    act(&clerk, g, accept(), "2026-07-01T09:00:00+08:00").await?;

    // A: received Wed 07-01, assigned to 140121 on 07-02 (受理告知 due 07-17); accepted 07-06 —
    // on time; 办理 due 09-04; replied 08-20 — on time, 50 days after receipt. Unit stage
    // satisfied, bureau stage basically satisfied; resolved at the first visit.
    let (a, a_number) = case_at(&h, &clerk, reg(), "2026-07-01T09:00:00+08:00").await?;
    act(&clerk, a, assign("140121", &[]), "2026-07-02T09:00:00+08:00").await?;
    act(&s121, a, accept(), "2026-07-06T09:00:00+08:00").await?;
    act(&s121, a, reply(), "2026-08-20T09:00:00+08:00").await?;
    act(&clerk, a, rate(RatingStage::Unit, Rating::Satisfied), "2026-08-21T09:00:00+08:00").await?;
    act(&clerk, a, rate(RatingStage::Bureau, Rating::BasicallySatisfied), "2026-08-21T09:01:00+08:00").await?;

    // B: a letter received 07-01 about wages, no county; forwarded to rsj 07-02 (due 07-17);
    // accepted 07-20 — late; extended 20 days: 办理 due 07-20 + 80 = 10-08; replied 09-20 — on
    // time, 81 days after receipt. A repeat visit 08-01; 5 000 fen recovered; unit dissatisfied.
    let b_reg = reg().channel("letter").category("labor").no_county();
    let (b, _) = case_at(&h, &clerk, b_reg, "2026-07-01T10:00:00+08:00").await?;
    act(&clerk, b, forward("rsj"), "2026-07-02T09:00:00+08:00").await?;
    act(&rsj, b, accept(), "2026-07-20T09:00:00+08:00").await?;
    act(
        &rsj,
        b,
        Command::Extend { days: 20, approver: "人社局局长".into(), reason: "涉及多家用工单位".into() },
        "2026-07-25T09:00:00+08:00",
    )
    .await?;
    act(&clerk, b, Command::RecordVisit { note: Some("再次来访询问进展".into()) }, "2026-08-01T09:00:00+08:00").await?;
    act(
        &rsj,
        b,
        Command::RecordMoney { claimed: Some(9_000), paid: None, recovered: Some(5_000) },
        "2026-09-10T09:00:00+08:00",
    )
    .await?;
    act(&rsj, b, reply(), "2026-09-20T09:00:00+08:00").await?;
    act(&clerk, b, rate(RatingStage::Unit, Rating::Dissatisfied), "2026-09-21T09:00:00+08:00").await?;

    // C: received Fri 07-03 on the web, a group of 6 that bypassed the county; 受理告知 due 07-18,
    // a Saturday, so 07-20; not accepted by the bureau 07-10 — on time. Bureau stage dissatisfied.
    let (c, _) = case_at(
        &h,
        &clerk,
        reg().channel("web").category("law").county("140105").headcount(6).bypass(),
        "2026-07-03T09:00:00+08:00",
    )
    .await?;
    act(&clerk, c, reject(), "2026-07-10T09:00:00+08:00").await?;
    act(&clerk, c, rate(RatingStage::Bureau, Rating::Dissatisfied), "2026-07-11T09:00:00+08:00").await?;

    // D: a phone call received Sun 07-05 from 140105; 受理告知 due 07-20; never decided — late.
    case_at(&h, &clerk, reg().channel("phone").county("140105"), "2026-07-05T09:00:00+08:00").await?;

    // E: received Fri 07-10 as the repeat of A, no county; accepted by the bureau the same day
    // — on time; 办理 due 09-08; not replied by 10-01 — late.
    let e_reg = reg().category("urban").repeat_of(&a_number).no_county();
    let (e, _) = case_at(&h, &clerk, e_reg, "2026-07-10T09:00:00+08:00").await?;
    act(&clerk, e, accept(), "2026-07-10T11:00:00+08:00").await?;

    // F: received Mon 09-28; 受理告知 due 10-13, still open on 10-01: not counted yet.
    case_at(&h, &clerk, reg().category("urban"), "2026-09-28T09:00:00+08:00").await?;

    let (from, to, as_of) = (d(2026, 7, 1), d(2026, 9, 30), d(2026, 10, 1));
    let expected = Figures {
        cases: 6,
        timely_acceptance: r(3, 5),    // A, C, E on time; B, D late; F not yet due
        on_time_reply: r(2, 3),        // A, B on time; E late
        rating_participation: r(2, 2), // A and B replied, both rated
        bureau_satisfaction: r(1, 2),  // A basically satisfied; C dissatisfied
        unit_satisfaction: r(1, 2),    // A satisfied; B dissatisfied
        resolved_first_time: r(1, 2),  // A; B came again
        repeat_rate: r(2, 6),          // B visited again; E is a repeat of A
        group_visits: 1,               // C
        group_headcount: 6,
        bypass_visits: 1,       // C
        money_recovered: 5_000, // B
        average_handling_days: r(50 + 81, 2),
    };
    for who in [&analyst, &leader, &clerk] {
        let s = h.store.stats_as_of(who, from, to, Some(GroupBy::Unit), as_of).await?;
        assert_eq!(s.current.whole, expected, "{}", who.username);
        let groups: Vec<(&str, i64)> = s.current.groups.iter().map(|g| (g.key.as_str(), g.figures.cases)).collect();
        assert_eq!(groups, [("140121", 1), ("none", 2), ("rsj", 1), ("xfj", 2)]);
        let xfj = &s.current.groups[3].figures;
        assert_eq!((xfj.timely_acceptance, xfj.on_time_reply, xfj.group_headcount), (r(2, 2), r(0, 1), 6));

        // 环比 2026-03-31..06-30 holds G; 同比 2025-07-01..09-30 holds nothing.
        assert_eq!((s.previous.from, s.previous.to), (d(2026, 3, 31), d(2026, 6, 30)));
        let p = &s.previous.whole;
        assert_eq!((p.cases, p.timely_acceptance, p.on_time_reply), (1, r(1, 1), r(0, 1)));
        assert_eq!((s.last_year.from, s.last_year.to), (d(2025, 7, 1), d(2025, 9, 30)));
        assert_eq!(s.last_year.whole, Figures::default());
    }

    let s = h.store.stats_as_of(&analyst, from, to, Some(GroupBy::Region), as_of).await?;
    let groups: Vec<(&str, i64)> = s.current.groups.iter().map(|g| (g.key.as_str(), g.figures.cases)).collect();
    assert_eq!(groups, [("140105", 2), ("140121", 2), ("none", 2)]);
    let s = h.store.stats_as_of(&analyst, from, to, Some(GroupBy::Channel), as_of).await?;
    let groups: Vec<(&str, i64)> = s.current.groups.iter().map(|g| (g.key.as_str(), g.figures.cases)).collect();
    assert_eq!(groups, [("letter", 1), ("phone", 1), ("visit", 3), ("web", 1)]);
    let s = h.store.stats_as_of(&analyst, from, to, Some(GroupBy::Category), as_of).await?;
    let labor = s.current.groups.iter().find(|g| g.key == "labor").expect("labor");
    assert_eq!((labor.figures.cases, labor.figures.money_recovered, labor.figures.on_time_reply), (1, 5_000, r(1, 1)));

    // A unit sees only its own cases: 140121 holds A, rsj holds B; the administrator none.
    let s = h.store.stats_as_of(&s121, from, to, None, as_of).await?;
    assert_eq!((s.current.whole.cases, s.current.whole.on_time_reply), (1, r(1, 1)));
    assert!(s.current.groups.is_empty());
    let s = h.store.stats_as_of(&rsj, from, to, None, as_of).await?;
    assert_eq!(
        (s.current.whole.cases, s.current.whole.timely_acceptance, s.current.whole.repeat_rate),
        (1, r(0, 1), r(1, 1))
    );
    let s = h.store.stats_as_of(&admin, from, to, None, as_of).await?;
    assert_eq!(s.current.whole.cases, 0);

    // Evaluated today (after 10-13), F's decision is late too.
    let s = h.store.stats(&analyst, from, to, None).await?;
    assert_eq!(s.current.whole.timely_acceptance, r(3, 6));
    assert_eq!(err_code(h.store.stats(&analyst, to, from, None).await), "invalid:period_reversed");
    Ok(())
});
