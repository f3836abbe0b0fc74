//! Figures of small histories, counted here by hand.
//!
//! Dates are 2026, away from holidays except where said. Weekdays: 2026-01-01 is a Thursday.
//! 受理告知 15 days, 办理 60 days (calendar days, starting the day after), evaluated on 2026-10-01.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

use super::*;
use crate::case::{self, PetitionType};
use crate::lifecycle::{Event, EventKind, Finding, Outcome, RatingStage};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).expect("a valid date")
}

fn cst(s: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("yyyy-mm-dd hh:mm");
    case::china_offset().from_local_datetime(&naive).single().expect("no DST").with_timezone(&Utc)
}

/// A history: the registration, then events at China times.
struct History(Vec<Event>);

fn registered(at: &str, channel: Channel, category: &str, county: Option<&str>) -> History {
    History(vec![ev(
        at,
        EventKind::Registered {
            channel,
            petition_type: PetitionType::Grievance,
            category: category.into(),
            received_at: cst(at),
            place_county: county.map(Into::into),
            accused_unit: None,
            registered_by_unit: "xfj".into(),
            headcount: 1,
            group: false,
            leader_reception: false,
            repeat_of: None,
            bypass: false,
            money_claimed: 0,
            money_paid: 0,
        },
    )])
}

fn ev(at: &str, kind: EventKind) -> Event {
    Event { at: cst(at), actor_user_id: 1, actor_unit: "xfj".into(), kind }
}

impl History {
    fn then(mut self, at: &str, kind: EventKind) -> History {
        self.0.push(ev(at, kind));
        self
    }
    fn tweak(mut self, f: impl FnOnce(&mut EventKind)) -> History {
        f(&mut self.0[0].kind);
        self
    }
    fn input(&self, as_of: NaiveDate) -> CaseFigureInput {
        let facts = CaseFacts::from_events(&self.0).expect("a registration first");
        CaseFigureInput::new(&facts, &Calendar::shipped(), &Policy::default(), as_of)
    }
}

fn assigned(lead: &str) -> EventKind {
    EventKind::Assigned { lead: lead.into(), assisting: vec![], note: None }
}
fn forwarded(unit: &str) -> EventKind {
    EventKind::Forwarded { unit: unit.into(), note: None }
}
fn accepted(unit: &str) -> EventKind {
    EventKind::Accepted { unit: unit.into(), note: None }
}
fn replied() -> EventKind {
    EventKind::Replied {
        finding: Finding::True,
        outcome: Outcome::Support,
        opinion: "已解决".into(),
        basis: None,
        mediation_agreement: None,
    }
}
fn rated(stage: RatingStage, rating: Rating) -> EventKind {
    EventKind::Rated { stage, rating, reason: Some("理由".into()) }
}

const AS_OF: (u32, u32) = (10, 1);

/// The six cases of July–September plus one of June (see each for the hand count).
fn histories() -> Vec<History> {
    vec![
        // A: received Wed 07-01; assigned 07-02, so 受理告知 due 07-17 (Fri); accepted 07-06 —
        // on time; 办理 due 07-06 + 60 = 09-04 (Fri); replied 08-20 — on time, 50 days after
        // receipt. Rated: unit satisfied, bureau basically satisfied. Resolved at the first visit.
        registered("2026-07-01 09:00", Channel::Visit, "expropriation", Some("140121"))
            .then("2026-07-02 09:00", assigned("140121"))
            .then("2026-07-06 09:00", accepted("140121"))
            .then("2026-08-20 09:00", replied())
            .then("2026-08-21 09:00", rated(RatingStage::Unit, Rating::Satisfied))
            .then("2026-08-21 09:01", rated(RatingStage::Bureau, Rating::BasicallySatisfied)),
        // B: received 07-01 by letter; forwarded 07-02 (due 07-17); accepted 07-20 — late;
        // extended 20 days: 办理 due 07-20 + 80 = 10-08 (Thu); replied 09-20 — on time, 81 days
        // after receipt (30 + 31 + 20). A repeat visit on 08-01; 5 000 fen recovered; unit rated
        // dissatisfied.
        registered("2026-07-01 10:00", Channel::Letter, "labor", None)
            .then("2026-07-02 09:00", forwarded("rsj"))
            .then("2026-07-20 09:00", accepted("rsj"))
            .then("2026-07-25 09:00", EventKind::Extended { days: 20, approver: "局长".into(), reason: "复杂".into() })
            .then("2026-08-01 09:00", EventKind::VisitRecorded { note: None })
            .then("2026-09-10 09:00", EventKind::MoneyRecorded { claimed: 9_000, paid: 0, recovered: 5_000 })
            .then("2026-09-20 09:00", replied())
            .then("2026-09-21 09:00", rated(RatingStage::Unit, Rating::Dissatisfied)),
        // C: received Fri 07-03 on the web, a group of 6 bypassing the county; 受理告知 due 07-18,
        // a Saturday, so 07-20; not accepted by the bureau 07-10 — on time. Bureau rated
        // dissatisfied. Never replied.
        registered("2026-07-03 09:00", Channel::Web, "law", Some("140105"))
            .tweak(|k| {
                if let EventKind::Registered { headcount, group, bypass, .. } = k {
                    (*headcount, *group, *bypass) = (6, true, true);
                }
            })
            .then(
                "2026-07-10 09:00",
                EventKind::Rejected {
                    unit: "xfj".into(),
                    reason: "诉讼".into(),
                    legal_route: "起诉".into(),
                    separation: None,
                },
            )
            .then("2026-07-11 09:00", rated(RatingStage::Bureau, Rating::Dissatisfied)),
        // D: received Sun 07-05 by phone; 受理告知 due 07-20 (Mon); never decided — late.
        registered("2026-07-05 09:00", Channel::Phone, "expropriation", Some("140105")),
        // E: received Fri 07-10, the repeat of an earlier case; accepted by the bureau the same day —
        // on time; 办理 due 09-08 (Tue); not replied by 10-01 — late.
        registered("2026-07-10 09:00", Channel::Visit, "urban", None)
            .tweak(|k| {
                if let EventKind::Registered { repeat_of, .. } = k {
                    *repeat_of = Some("XF2026000001".into());
                }
            })
            .then("2026-07-10 11:00", accepted("xfj")),
        // F: received Mon 09-28; 受理告知 due 10-13, still open on 10-01: not counted yet.
        registered("2026-09-28 09:00", Channel::Visit, "urban", Some("140121")),
        // G: received 06-30, in the previous period; accepted 07-01 on time (due 07-15); 办理 due
        // 08-30, a Sunday, so 08-31; never replied — late.
        registered("2026-06-30 09:00", Channel::Video, "civil", Some("140121"))
            .then("2026-07-01 09:00", accepted("xfj")),
    ]
}

fn inputs() -> Vec<CaseFigureInput> {
    histories().iter().map(|h| h.input(day(AS_OF.0, AS_OF.1))).collect()
}

fn r(num: i64, den: i64) -> Ratio {
    Ratio::new(num, den)
}

#[test]
fn each_case_is_classified_as_counted_by_hand() {
    let c = inputs();
    let timely: Vec<_> = c.iter().map(|c| c.acceptance_timely).collect();
    assert_eq!(timely, [Some(true), Some(false), Some(true), Some(false), Some(true), None, Some(true)]);
    let on_time: Vec<_> = c.iter().map(|c| c.reply_on_time).collect();
    assert_eq!(on_time, [Some(true), Some(true), None, None, Some(false), None, Some(false)]);
    let days: Vec<_> = c.iter().map(|c| c.handling_days).collect();
    assert_eq!(days, [Some(50), Some(81), None, None, None, None, None]);
    let keys: Vec<_> = c.iter().map(|c| group_key(c, GroupBy::Unit)).collect();
    assert_eq!(keys, ["140121", "rsj", "xfj", "none", "xfj", "none", "xfj"]);
}

#[test]
fn the_figures_of_a_quarter() {
    let s = stats(&inputs(), day(7, 1), day(9, 30), None, day(10, 1));
    let f = &s.current.whole;
    assert_eq!(f.cases, 6);
    assert_eq!(f.timely_acceptance, r(3, 5), "A, C, E on time; B, D late; F not yet due");
    assert_eq!(f.on_time_reply, r(2, 3), "A, B on time; E late");
    assert_eq!(f.rating_participation, r(2, 2), "A and B replied, both rated");
    assert_eq!(f.bureau_satisfaction, r(1, 2), "A basically satisfied, C dissatisfied");
    assert_eq!(f.unit_satisfaction, r(1, 2), "A satisfied, B dissatisfied");
    assert_eq!(f.resolved_first_time, r(1, 2), "A; B came again");
    assert_eq!(f.repeat_rate, r(2, 6), "B visited again, E is a repeat");
    assert_eq!((f.group_visits, f.group_headcount, f.bypass_visits), (1, 6, 1));
    assert_eq!(f.money_recovered, 5_000);
    assert_eq!(f.average_handling_days, r(131, 2));
    assert_eq!(f.average_handling_days.value, Some(65.5));
    assert_eq!(f.timely_acceptance.percent(), "60.0%");

    // 环比: 2026-03-31..06-30 (92 days) holds G only; 同比: 2025-07-01..09-30 holds nothing.
    assert_eq!((s.previous.from, s.previous.to), (day(3, 31), day(6, 30)));
    assert_eq!(s.previous.whole.cases, 1);
    assert_eq!(s.previous.whole.timely_acceptance, r(1, 1));
    assert_eq!(s.previous.whole.on_time_reply, r(0, 1), "G's 办理 (due 08-30, a Sunday: 08-31) is late");
    let ly = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
    assert_eq!((s.last_year.from, s.last_year.to), (ly, NaiveDate::from_ymd_opt(2025, 9, 30).unwrap()));
    assert_eq!(s.last_year.whole, figures(&[]));
    assert_eq!(s.last_year.whole.timely_acceptance.value, None);
}

#[test]
fn breakdowns_add_up_to_the_whole() {
    let s = stats(&inputs(), day(7, 1), day(9, 30), Some(GroupBy::Unit), day(10, 1));
    let keys: Vec<_> = s.current.groups.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(keys, ["140121", "none", "rsj", "xfj"]);
    let xfj = &s.current.groups[3].figures;
    assert_eq!((xfj.cases, xfj.timely_acceptance, xfj.on_time_reply), (2, r(2, 2), r(0, 1)));
    let none = &s.current.groups[1].figures;
    assert_eq!((none.cases, none.timely_acceptance), (2, r(0, 1)), "D late, F not yet due");
    assert_eq!(s.current.groups.iter().map(|g| g.figures.cases).sum::<i64>(), 6);

    let by_region = breakdown(&inputs()[..6], GroupBy::Region);
    let counts: Vec<_> = by_region.iter().map(|g| (g.key.as_str(), g.figures.cases)).collect();
    assert_eq!(counts, [("140105", 2), ("140121", 2), ("none", 2)]);
    let by_channel = breakdown(&inputs()[..6], GroupBy::Channel);
    let counts: Vec<_> = by_channel.iter().map(|g| (g.key.as_str(), g.figures.cases)).collect();
    assert_eq!(counts, [("letter", 1), ("phone", 1), ("visit", 3), ("web", 1)]);
    let by_category = breakdown(&inputs()[..6], GroupBy::Category);
    let law = by_category.iter().find(|g| g.key == "law").unwrap();
    assert_eq!((law.figures.group_visits, law.figures.group_headcount), (1, 6));
}

#[test]
fn re_handling_and_review_are_not_resolved_at_the_first_visit() {
    let base = || {
        registered("2026-07-01 09:00", Channel::Visit, "urban", None)
            .then("2026-07-01 10:00", accepted("xfj"))
            .then("2026-07-10 09:00", replied())
    };
    let as_of = day(10, 1);
    let once = base().input(as_of);
    assert!(once.answered && once.resolved_first_time);
    // Re-handled after a dissatisfied rating and replied again on 08-20: the reply that stands
    // is the second one, 50 days after receipt, due 07-20 + 60 = 09-18.
    let again = base()
        .then("2026-07-15 09:00", rated(RatingStage::Unit, Rating::Dissatisfied))
        .then("2026-07-20 09:00", EventKind::Rehandled { reason: "重新办理".into() })
        .then("2026-08-20 09:00", replied())
        .input(as_of);
    assert!(again.answered && !again.resolved_first_time);
    assert_eq!((again.reply_on_time, again.handling_days, again.unit_rating), (Some(true), Some(50), None));
    let reviewed = base().then("2026-07-20 09:00", EventKind::ReviewRequested { reason: "不服".into() }).input(as_of);
    assert!(reviewed.answered && !reviewed.resolved_first_time);
    let f = figures(&[once, again, reviewed]);
    assert_eq!(f.resolved_first_time, r(1, 3));
    assert_eq!(f.rating_participation, r(0, 3), "the dissatisfied rating was of a round that was re-handled");
    assert_eq!(f.average_handling_days, r(9 + 50 + 9, 3));
}

#[test]
fn periods_of_equal_length_and_last_year() {
    assert_eq!(previous_period(day(7, 1), day(7, 31)), (day(5, 31), day(6, 30)));
    assert_eq!(previous_period(day(3, 1), day(3, 1)), (day(2, 28), day(2, 28)));
    let leap = |m, d| NaiveDate::from_ymd_opt(2028, m, d).unwrap();
    assert_eq!(
        same_period_last_year(leap(2, 1), leap(2, 29)),
        (NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(), NaiveDate::from_ymd_opt(2027, 2, 28).unwrap())
    );
    assert_eq!(GroupBy::from_code("region"), Some(GroupBy::Region));
    assert_eq!(GroupBy::from_code("county"), None);
    assert_eq!(DEFINITIONS.len(), 13);
}
