//! Tests of the lifecycle, deadlines and access rules: the two stories of the article walked end to
//! end, every command refused for the right reason, the confidentiality of accusations, and
//! property tests over random histories.
//!
//! Every expected date is counted here by hand from the 2026 State Council notice
//! (国办发明电〔2025〕7号), not copied from the code's output. Weekdays: 2026-01-01 is a Thursday, so
//! the weekday of a date is Thursday + (day of the year − 1) mod 7. Holidays used below:
//! 劳动节 05-01..05-05 (Saturday 05-09 worked), 端午节 06-19..06-21, 国庆节 10-01..10-07 (Sunday
//! 09-20 and Saturday 10-10 worked).

use chrono::{DateTime, Days, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use proptest::prelude::*;

use crate::access::{self, CaseScope};
use crate::calendar::Calendar;
use crate::case::{self, default_categories, Accused, Place, RegisterInput, Registry};
use crate::deadline::{self, Deadline, DeadlineKind, Policy};
use crate::error::{DomainError, Lang};
use crate::lifecycle::*;
use crate::petitioner::PetitionerInput;
use crate::unit::{taiyuan_demo_units, UnitKind};
use crate::user::{Actor, Role};

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

const BUREAU: &str = "xfj";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// A moment written in China time (UTC+8), e.g. `cst("2026-04-20 09:30")`.
fn cst(s: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("yyyy-mm-dd hh:mm");
    case::china_offset().from_local_datetime(&naive).single().expect("no DST in China").with_timezone(&Utc)
}

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 time")
}

/// An actor of a demo unit; the unit kind is the demo unit's kind (xfj = Bureau, the GB/T 2260
/// codes = County, the departments = Department).
fn actor(role: Role, unit: &str) -> Actor {
    let units = taiyuan_demo_units();
    let idx = units.iter().position(|u| u.code == unit).expect("a demo unit");
    let r = Role::ALL.iter().position(|x| *x == role).expect("a role") as i64;
    Actor {
        user_id: 1000 * (idx as i64 + 1) + r,
        username: format!("{}.{unit}", role.code()),
        role,
        unit_id: idx as i64 + 1,
        unit_code: unit.to_string(),
        unit_kind: units[idx].kind,
    }
}

fn clerk() -> Actor {
    actor(Role::Clerk, BUREAU)
}
fn leader() -> Actor {
    actor(Role::Leader, BUREAU)
}
fn supervisor() -> Actor {
    actor(Role::Supervisor, BUREAU)
}
fn analyst() -> Actor {
    actor(Role::Analyst, BUREAU)
}
fn admin() -> Actor {
    actor(Role::Admin, BUREAU)
}
fn duty_staff() -> Actor {
    actor(Role::DutyStaff, BUREAU)
}
/// 进驻单位工作人员 of a county (140121, 140105) or department (rsj, zjj, ghzy).
fn staff(unit: &str) -> Actor {
    actor(Role::UnitStaff, unit)
}

/// The calendar, policy and units every decision runs against.
struct World {
    cal: Calendar,
    policy: Policy,
    units: Vec<String>,
}

impl World {
    fn new() -> Self {
        World {
            cal: Calendar::shipped(),
            policy: Policy::default(),
            units: taiyuan_demo_units().into_iter().map(|u| u.code).collect(),
        }
    }

    fn ctx(&self, now: DateTime<Utc>) -> Context<'_> {
        Context { now, calendar: &self.cal, policy: &self.policy, bureau: BUREAU, units: &self.units }
    }

    fn registry(&self) -> Registry {
        let demo = taiyuan_demo_units();
        Registry {
            categories: default_categories(),
            units: demo.iter().map(|u| u.code.clone()).collect(),
            counties: demo.iter().filter(|u| u.kind == UnitKind::County).map(|u| u.code.clone()).collect(),
        }
    }
}

fn petitioner(name: &str, representative: bool) -> PetitionerInput {
    PetitionerInput { name: name.into(), representative, ..Default::default() }
}

/// A one-person grievance (申诉求决) received at the hall.
fn simple_input(category: &str, county: &str) -> RegisterInput {
    RegisterInput {
        channel: "visit".into(),
        received_at: None,
        petition_type: "grievance".into(),
        category: category.into(),
        statement: "反映的问题（测试用口述内容）".into(),
        demands: None,
        place: Place { county: Some(county.into()), address: None },
        petitioners: vec![petitioner("测试甲", false)],
        headcount: None,
        people_affected: None,
        accused: Accused::default(),
        money_claimed: None,
        money_paid: None,
        leader_reception: false,
        leader_name: None,
        repeat_of: None,
        bypass: false,
    }
}

/// Article story 1: ten farmers of 清徐县 on demolition compensation, five representatives,
/// received on a leader reception day. (Invented names.)
fn farmers_input() -> RegisterInput {
    RegisterInput {
        statement: "清徐县某村十户村民反映：房屋征收拆迁补偿款至今未足额发放，过渡费已停发半年。".into(),
        demands: Some("按征收补偿协议足额发放补偿款和过渡费".into()),
        place: Place { county: Some("140121".into()), address: Some("清徐县某镇某村".into()) },
        petitioners: ["赵甲", "钱乙", "孙丙", "李丁", "周戊"].iter().map(|n| petitioner(n, true)).collect(),
        headcount: Some(10),
        people_affected: Some(10),
        leader_reception: true,
        leader_name: Some("值班局领导（虚构）".into()),
        ..simple_input("expropriation", "140121")
    }
}

/// Article story 2: fifteen migrant workers owed wages on a construction site in 小店区.
/// 340万元 claimed, 160万元 already paid (in fen).
fn workers_input() -> RegisterInput {
    RegisterInput {
        statement: "某工地十五名农民工反映：工程完工后劳务费拖欠未付。".into(),
        demands: Some("结清拖欠的工资".into()),
        place: Place { county: Some("140105".into()), address: Some("小店区某工地".into()) },
        petitioners: vec![petitioner("吴一", true), petitioner("郑二", true), petitioner("王三", true)],
        headcount: Some(15),
        people_affected: Some(15),
        money_claimed: Some(YUAN_WAN * 340),
        money_paid: Some(YUAN_WAN * 160),
        ..simple_input("labor", "140105")
    }
}

/// 1 万元 in fen.
const YUAN_WAN: i64 = 10_000 * 100;

/// A case and its timeline, walked command by command at chosen times.
#[derive(Debug, Clone)]
struct Case {
    facts: CaseFacts,
    events: Vec<Event>,
}

/// Register through the same path as the store: who may register, input validation, the facts.
fn register(w: &World, input: &RegisterInput, by: &Actor, at: DateTime<Utc>) -> Case {
    check_register(by).expect("this actor may register");
    let reg = input.validate(at, &w.registry()).unwrap_or_else(|e| panic!("registration refused: {e:?}"));
    let (facts, kind) = CaseFacts::registered(&reg, &by.unit_code);
    let event = Event { at, actor_user_id: by.user_id, actor_unit: by.unit_code.clone(), kind };
    Case { facts, events: vec![event] }
}

impl Case {
    /// Decide without applying.
    fn attempt(&self, w: &World, by: &Actor, at: DateTime<Utc>, cmd: &Command) -> Result<EventKind, DomainError> {
        decide(&self.facts, by, cmd, &w.ctx(at))
    }

    /// Decide and, when legal, append the event and fold it into the facts.
    fn try_run(&mut self, w: &World, by: &Actor, at: DateTime<Utc>, cmd: &Command) -> Result<&Event, DomainError> {
        let kind = self.attempt(w, by, at, cmd)?;
        let event = Event { at, actor_user_id: by.user_id, actor_unit: by.unit_code.clone(), kind };
        self.facts.apply(&event);
        self.events.push(event);
        Ok(self.events.last().expect("just pushed"))
    }

    /// A step of the story that must succeed.
    fn run(&mut self, w: &World, by: &Actor, at: DateTime<Utc>, cmd: Command) -> &mut Self {
        if let Err(e) = self.try_run(w, by, at, &cmd) {
            panic!("{} by {} at {at} refused: {}", cmd.action(), by.username, e.message(Lang::Zh));
        }
        self
    }

    fn last_at(&self) -> DateTime<Utc> {
        self.events.last().expect("registered").at
    }

    fn deadlines(&self, w: &World) -> Vec<Deadline> {
        deadline::compute(&self.facts, &w.cal, &w.policy)
    }

    fn dl(&self, w: &World, name: &str) -> Deadline {
        self.deadlines(w)
            .into_iter()
            .find(|d| d.name == name)
            .unwrap_or_else(|| panic!("no deadline {name} in state {:?}", self.facts.state))
    }

    fn has_dl(&self, w: &World, name: &str) -> bool {
        self.deadlines(w).iter().any(|d| d.name == name)
    }

    fn next_due(&self, w: &World) -> Option<&'static str> {
        deadline::next_due(&self.deadlines(w), self.facts.state).map(|d| d.name)
    }

    fn allowed(&self, w: &World, by: &Actor, at: DateTime<Utc>) -> Vec<&'static str> {
        allowed_actions(&self.facts, by, &w.ctx(at))
    }
}

// Commands with valid input, short to write.

fn accept() -> Command {
    Command::Accept { note: None }
}
fn reject(reason: &str, legal_route: &str) -> Command {
    Command::Reject { reason: reason.into(), legal_route: legal_route.into(), separation: None }
}
fn forward(unit: &str) -> Command {
    Command::Forward { unit: unit.into(), note: None }
}
fn assign(lead: &str, assisting: &[&str]) -> Command {
    Command::Assign { lead: lead.into(), assisting: assisting.iter().map(|s| s.to_string()).collect(), note: None }
}
fn object(reason: &str) -> Command {
    Command::Object { reason: reason.into() }
}
fn extend(days: u32) -> Command {
    Command::Extend {
        days, approver: "县信访联席会议办公室主任".into(), reason: "涉及人数多，需补充评估".into()
    }
}
fn reply(finding: Finding, outcome: Outcome) -> Command {
    let mediation_agreement = (outcome == Outcome::Mediation).then(|| "双方自愿达成调解协议".to_string());
    Command::Reply {
        finding, outcome, opinion: "经核实，作出如下处理意见。".into(), basis: None, mediation_agreement
    }
}
fn rate(stage: RatingStage, rating: Rating, reason: Option<&str>) -> Command {
    Command::Rate { stage, rating, reason: reason.map(Into::into) }
}
fn rehandle() -> Command {
    Command::Rehandle { reason: "信访人对处理意见不满意，责成重新办理".into() }
}
fn request_review() -> Command {
    Command::RequestReview { reason: "不服处理意见，申请复查".into() }
}
fn decide_review(decision: ReviewDecision) -> Command {
    Command::DecideReview { decision, opinion: "复查意见".into() }
}
fn request_rereview() -> Command {
    Command::RequestRereview { reason: "不服复查意见，申请复核".into() }
}
fn decide_rereview(decision: ReviewDecision) -> Command {
    Command::DecideRereview { decision, opinion: "复核意见".into() }
}
fn close() -> Command {
    Command::Close { reason: None }
}
fn record_money(claimed: Option<i64>, paid: Option<i64>, recovered: Option<i64>) -> Command {
    Command::RecordMoney { claimed, paid, recovered }
}
fn record_visit() -> Command {
    Command::RecordVisit { note: None }
}
fn instruct(text: &str) -> Command {
    Command::Instruct { text: text.into() }
}
fn supervise() -> Command {
    Command::Supervise { note: "请于30日内书面报告办理情况".into() }
}
fn answer_supervision() -> Command {
    Command::AnswerSupervision { answer: "已召开协调会，明确责任人".into() }
}

/// A command with valid input for every action.
fn summon_meeting() -> Command {
    Command::SummonMeeting { units: vec!["140121".into()], arrive_by: None, place: "三楼会议室".into() }
}
fn hold_meeting(days: u32) -> Command {
    Command::HoldMeeting {
        chair: "赵建国".into(),
        attendees: "村民代表五人、县征收办、镇政府、信访局".into(),
        discussion: "经分析认定反映问题属实".into(),
        decisions: vec![DecisionInput {
            unit: "140121".into(),
            implementer: "分管副县长".into(),
            days,
            content: "拿出补偿款发放方案并给群众答复".into(),
        }],
    }
}
fn complete_task(task: u32) -> Command {
    Command::CompleteTask { task, note: "补偿款已发放".into() }
}

fn sample(action: &str) -> Command {
    match action {
        "accept" => accept(),
        "reject" => reject("不属于信访事项受理范围", "向人民法院提起诉讼"),
        "forward" => forward("140105"),
        "assign" => assign("140121", &["ghzy"]),
        "object" => object("不属本单位职权范围"),
        "extend" => extend(30),
        "reply" => reply(Finding::PartlyTrue, Outcome::Explain),
        "rate" => rate(RatingStage::Bureau, Rating::Satisfied, None),
        "rehandle" => rehandle(),
        "request_review" => request_review(),
        "decide_review" => decide_review(ReviewDecision::Uphold),
        "request_rereview" => request_rereview(),
        "decide_rereview" => decide_rereview(ReviewDecision::Uphold),
        "close" => close(),
        "record_money" => record_money(None, None, Some(0)),
        "record_visit" => record_visit(),
        "instruct" => instruct("请清徐县主要负责同志牵头，60日内解决"),
        "supervise" => supervise(),
        "answer_supervision" => answer_supervision(),
        "summon_meeting" => summon_meeting(),
        "hold_meeting" => hold_meeting(60),
        "complete_task" => complete_task(1),
        other => panic!("no sample for {other}"),
    }
}

// ---- canonical histories: story 1, continued to every state ----------------------------------
//
// registered  2026-04-20 09:30 clerk registers (received then); 10:00 the leader instructs
// routed      2026-04-21 09:00 clerk assigns lead 140121, assisting ghzy
// accepted    2026-04-21 15:00 140121 accepts
// replied     2026-06-10 10:00 140121 replies (partly true, explained)
// review_req. 2026-06-20 10:00 clerk records the request for review
// reviewed    2026-07-10 10:00 leader decides the review (uphold)
// rereview_r. 2026-07-20 10:00 clerk records the request for re-review
// closed      2026-08-10 10:00 leader decides the re-review
// rejected    from routed: 2026-04-22 10:00 140121 does not accept

fn registered(w: &World) -> Case {
    let mut c = register(w, &farmers_input(), &clerk(), cst("2026-04-20 09:30"));
    c.run(w, &leader(), cst("2026-04-20 10:00"), instruct("请清徐县主要负责同志牵头，60日内解决"));
    c
}
fn routed(w: &World) -> Case {
    let mut c = registered(w);
    c.run(w, &clerk(), cst("2026-04-21 09:00"), assign("140121", &["ghzy"]));
    c
}
fn accepted(w: &World) -> Case {
    let mut c = routed(w);
    c.run(w, &staff("140121"), cst("2026-04-21 15:00"), accept());
    c
}
fn replied(w: &World) -> Case {
    let mut c = accepted(w);
    c.run(w, &staff("140121"), cst("2026-06-10 10:00"), reply(Finding::PartlyTrue, Outcome::Explain));
    c
}
fn review_requested(w: &World) -> Case {
    let mut c = replied(w);
    c.run(w, &clerk(), cst("2026-06-20 10:00"), request_review());
    c
}
fn reviewed(w: &World) -> Case {
    let mut c = review_requested(w);
    c.run(w, &leader(), cst("2026-07-10 10:00"), decide_review(ReviewDecision::Uphold));
    c
}
fn rereview_requested(w: &World) -> Case {
    let mut c = reviewed(w);
    c.run(w, &clerk(), cst("2026-07-20 10:00"), request_rereview());
    c
}
fn closed(w: &World) -> Case {
    let mut c = rereview_requested(w);
    c.run(w, &leader(), cst("2026-08-10 10:00"), decide_rereview(ReviewDecision::Uphold));
    c
}
fn rejected(w: &World) -> Case {
    let mut c = routed(w);
    c.run(w, &staff("140121"), cst("2026-04-22 10:00"), reject("已进入诉讼程序", "依法向人民法院起诉"));
    c
}

fn case_in(w: &World, state: State) -> Case {
    let c = match state {
        State::Registered => registered(w),
        State::Routed => routed(w),
        State::Rejected => rejected(w),
        State::Accepted => accepted(w),
        State::Replied => replied(w),
        State::ReviewRequested => review_requested(w),
        State::Reviewed => reviewed(w),
        State::RereviewRequested => rereview_requested(w),
        State::Closed => closed(w),
    };
    assert_eq!(c.facts.state, state);
    c
}

/// Every state, with the actions the lifecycle allows in it (by hand, from product.md).
fn expected_actions(state: State) -> Vec<&'static str> {
    match state {
        State::Registered => {
            vec![
                "accept",
                "reject",
                "forward",
                "assign",
                "record_money",
                "record_visit",
                "instruct",
                "summon_meeting",
                "hold_meeting",
                "complete_task",
            ]
        }
        State::Routed => vec![
            "accept",
            "reject",
            "object",
            "record_money",
            "record_visit",
            "instruct",
            "supervise",
            "answer_supervision",
            "summon_meeting",
            "hold_meeting",
            "complete_task",
        ],
        State::Rejected => vec!["rate", "record_visit"],
        State::Accepted => vec![
            "extend",
            "reply",
            "rate",
            "record_money",
            "record_visit",
            "instruct",
            "supervise",
            "answer_supervision",
            "summon_meeting",
            "hold_meeting",
            "complete_task",
        ],
        State::Replied => vec![
            "rate",
            "rehandle",
            "request_review",
            "close",
            "record_money",
            "record_visit",
            "instruct",
            "answer_supervision",
            "summon_meeting",
            "hold_meeting",
            "complete_task",
        ],
        State::ReviewRequested => {
            vec![
                "rate",
                "decide_review",
                "record_money",
                "record_visit",
                "instruct",
                "answer_supervision",
                "summon_meeting",
                "hold_meeting",
                "complete_task",
            ]
        }
        State::Reviewed => {
            vec![
                "rate",
                "request_rereview",
                "close",
                "record_money",
                "record_visit",
                "instruct",
                "answer_supervision",
                "summon_meeting",
                "hold_meeting",
                "complete_task",
            ]
        }
        State::RereviewRequested => {
            vec![
                "rate",
                "decide_rereview",
                "record_money",
                "record_visit",
                "instruct",
                "answer_supervision",
                "summon_meeting",
                "hold_meeting",
                "complete_task",
            ]
        }
        State::Closed => vec!["rate", "record_visit", "complete_task"],
    }
}

const ALL_STATES: [State; 9] = [
    State::Registered,
    State::Routed,
    State::Rejected,
    State::Accepted,
    State::Replied,
    State::ReviewRequested,
    State::Reviewed,
    State::RereviewRequested,
    State::Closed,
];

// ---- assertions on errors --------------------------------------------------------------------

fn field_codes(r: Result<EventKind, DomainError>) -> Vec<(String, &'static str)> {
    match r {
        Err(DomainError::Invalid(errs)) => errs.into_iter().map(|e| (e.field, e.code)).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn fields(list: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    list.iter().map(|(f, c)| (f.to_string(), *c)).collect()
}

#[track_caller]
fn assert_forbidden<T: std::fmt::Debug>(r: Result<T, DomainError>) {
    assert!(matches!(r, Err(DomainError::Forbidden { .. })), "expected forbidden, got {r:?}");
}

#[track_caller]
fn assert_window_closed<T: std::fmt::Debug>(r: Result<T, DomainError>) -> String {
    match r {
        Err(e @ DomainError::WindowClosed { .. }) => e.message(Lang::Zh),
        other => panic!("expected window closed, got {other:?}"),
    }
}

#[track_caller]
fn assert_not_allowed<T: std::fmt::Debug>(r: Result<T, DomainError>, state: State) {
    match r {
        Err(DomainError::NotAllowedInState { state: s, allowed, .. }) => {
            assert_eq!(s, state.code());
            assert_eq!(allowed, expected_actions(state));
        }
        other => panic!("expected not allowed in state {state:?}, got {other:?}"),
    }
}

#[track_caller]
fn assert_deadline(
    d: &Deadline,
    from: NaiveDate,
    days: u32,
    due: NaiveDate,
    moved_from: Option<NaiveDate>,
    completed_on: Option<NaiveDate>,
) {
    assert_eq!(
        (d.from, d.days, d.due, d.moved_from, d.completed_on),
        (from, days, due, moved_from, completed_on),
        "{d:?}"
    );
    assert!(!d.provisional, "2026 is loaded from the notice: {d:?}");
}

// ---------------------------------------------------------------------------------------------
// 1. Builders and the China date
// ---------------------------------------------------------------------------------------------

#[test]
fn builders_make_the_demo_actors_and_context() {
    assert_eq!(clerk().unit_kind, UnitKind::Bureau);
    for a in [clerk(), leader(), supervisor(), analyst(), admin(), duty_staff()] {
        assert_eq!(a.unit_code, "xfj");
        assert!(a.is_bureau());
    }
    for c in ["140121", "140105"] {
        assert_eq!(staff(c).unit_kind, UnitKind::County);
        assert!(!staff(c).is_bureau());
    }
    for d in ["rsj", "zjj", "ghzy"] {
        assert_eq!(staff(d).unit_kind, UnitKind::Department);
    }
    let w = World::new();
    let ctx = w.ctx(utc("2026-04-19T17:00:00Z"));
    assert_eq!(ctx.today(), day(2026, 4, 20), "17:00 UTC is 01:00 the next day in Beijing");
    assert_eq!(ctx.units.len(), 22);
    assert!(ctx.units.iter().any(|u| u == "xfj"));
}

#[test]
fn who_may_register() {
    for a in [clerk(), leader(), staff("140121"), staff("rsj")] {
        assert!(check_register(&a).is_ok(), "{}", a.username);
    }
    for a in [supervisor(), analyst(), admin(), duty_staff()] {
        assert_forbidden(check_register(&a));
    }
}

#[test]
fn registration_late_in_the_utc_evening_counts_from_the_china_date() {
    let w = World::new();
    // 2026-04-19 17:00 UTC = 2026-04-20 01:00 in Beijing: the clock counts from 04-20.
    let c = register(&w, &simple_input("urban", "140105"), &clerk(), utc("2026-04-19T17:00:00Z"));
    assert_eq!(c.facts.received_on, day(2026, 4, 20));
    assert_deadline(&c.dl(&w, "decide_by"), day(2026, 4, 20), 15, day(2026, 5, 6), Some(day(2026, 5, 5)), None);

    // One minute before midnight in Beijing it is still 04-19: 04-19 + 15 = 05-04, inside 劳动节
    // (05-01..05-05), so 05-06 as well, moved from 05-04.
    let c = register(&w, &simple_input("urban", "140105"), &clerk(), utc("2026-04-19T15:59:00Z"));
    assert_eq!(c.facts.received_on, day(2026, 4, 19));
    assert_deadline(&c.dl(&w, "decide_by"), day(2026, 4, 19), 15, day(2026, 5, 6), Some(day(2026, 5, 4)), None);
}

#[test]
fn a_letter_received_before_registration_runs_from_its_receipt() {
    let w = World::new();
    let mut input = simple_input("urban", "140105");
    input.channel = "letter".into();
    // Received Friday 04-17 (Beijing), registered Monday 04-20: 04-17 + 15 = 05-02 (劳动节) → 05-06.
    input.received_at = Some(case::china_offset().with_ymd_and_hms(2026, 4, 17, 16, 0, 0).unwrap());
    let c = register(&w, &input, &clerk(), cst("2026-04-20 09:00"));
    assert_eq!(c.facts.received_on, day(2026, 4, 17));
    assert_deadline(&c.dl(&w, "triage_by"), day(2026, 4, 17), 15, day(2026, 5, 6), Some(day(2026, 5, 2)), None);
}

// ---------------------------------------------------------------------------------------------
// 2. The statutory worked example
// ---------------------------------------------------------------------------------------------

#[test]
fn worked_example_received_0420_decided_by_0506() {
    let w = World::new();
    let c = register(&w, &simple_input("urban", "140105"), &clerk(), cst("2026-04-20 10:00"));
    assert_eq!(c.facts.state, State::Registered);
    // 04-20 + 15 days = 05-05 (Tuesday, inside 劳动节 05-01..05-05) → Wednesday 05-06.
    let d = c.dl(&w, "decide_by");
    assert_deadline(&d, day(2026, 4, 20), 15, day(2026, 5, 6), Some(day(2026, 5, 5)), None);
    assert_eq!(d.kind, DeadlineKind::Duty);
    assert!(!d.working_days);
    assert_eq!(d.label_zh, "受理告知");
    let zh = d.rule_zh();
    for part in ["受理告知", "15 日", "2026-04-20", "2026-05-05", "顺延至 2026-05-06"] {
        assert!(zh.contains(part), "{zh} lacks {part}");
    }
    assert!(!zh.contains("工作日"), "a calendar-day period: {zh}");
    let en = d.rule_en();
    for part in ["decide_by", "15 days", "2026-04-20", "2026-05-05", "2026-05-06"] {
        assert!(en.contains(part), "{en} lacks {part}");
    }
    // The triage period is the same 15 days from receipt.
    assert_deadline(&c.dl(&w, "triage_by"), day(2026, 4, 20), 15, day(2026, 5, 6), Some(day(2026, 5, 5)), None);
    // Only these two clocks run after registration.
    let names: Vec<&str> = c.deadlines(&w).iter().map(|d| d.name).collect();
    assert_eq!(names, ["triage_by", "decide_by"]);
    // Both end the same day; the first listed is the nearest.
    assert_eq!(c.next_due(&w), Some("triage_by"));
    assert!(!d.is_overdue(day(2026, 5, 6)));
    assert!(d.is_overdue(day(2026, 5, 7)));
    assert_eq!(d.met(), None);
}

#[test]
fn a_period_ending_in_an_unpublished_year_is_provisional() {
    let w = World::new();
    // 2026-12-20 + 15 = 2027-01-04, a Monday; 2027's notice is not shipped, so it may still move.
    let c = register(&w, &simple_input("urban", "140105"), &clerk(), cst("2026-12-20 10:00"));
    let d = c.dl(&w, "decide_by");
    assert_eq!((d.due, d.moved_from, d.provisional), (day(2027, 1, 4), None, true));
    assert!(d.rule_zh().contains("尚未公布"), "{}", d.rule_zh());
    assert!(d.rule_en().contains("provisional"));
}

// ---------------------------------------------------------------------------------------------
// 3. Article story 1: ten farmers of 清徐县, demolition compensation
// ---------------------------------------------------------------------------------------------

#[test]
fn story1_group_registration() {
    let w = World::new();
    let reg = farmers_input().validate(cst("2026-04-20 09:30"), &w.registry()).unwrap();
    assert!(reg.is_group());
    assert_eq!(reg.headcount, 10);
    assert_eq!(reg.petitioners.iter().filter(|p| p.representative).count(), 5);

    // A sixth representative is one too many.
    let mut six = farmers_input();
    six.petitioners.push(petitioner("吴己", true));
    let err = six.validate(cst("2026-04-20 09:30"), &w.registry()).unwrap_err();
    assert_eq!(err.fields()[0].code, "too_many_representatives");

    let c = register(&w, &farmers_input(), &clerk(), cst("2026-04-20 09:30"));
    let f = &c.facts;
    assert_eq!(f.state, State::Registered);
    assert!(f.group);
    assert_eq!(f.headcount, 10);
    assert!(f.leader_reception);
    assert_eq!(f.place_county.as_deref(), Some("140121"));
    assert_eq!(f.category, "expropriation");
    assert_eq!(f.registered_by_unit, "xfj");
    assert_eq!(f.lead_unit, None);
    match &c.events[0].kind {
        EventKind::Registered { headcount, group, leader_reception, received_at, .. } => {
            assert_eq!((*headcount, *group, *leader_reception), (10, true, true));
            assert_eq!(*received_at, cst("2026-04-20 09:30"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn story1_instruct_assign_accept() {
    let w = World::new();
    let (cl, ld, sv) = (clerk(), leader(), supervisor());
    let (qx, xd, gh) = (staff("140121"), staff("140105"), staff("ghzy"));

    // --- registered 2026-04-20 09:30 ---
    let mut c = register(&w, &farmers_input(), &cl, cst("2026-04-20 09:30"));
    let t = cst("2026-04-20 09:40");
    assert_eq!(c.allowed(&w, &cl, t), ["accept", "reject", "forward", "assign", "record_money", "record_visit"]);
    assert_eq!(
        c.allowed(&w, &ld, t),
        [
            "accept",
            "reject",
            "forward",
            "assign",
            "record_money",
            "record_visit",
            "instruct",
            "summon_meeting",
            "hold_meeting"
        ]
    );
    assert_eq!(c.allowed(&w, &sv, t), ["accept", "reject", "forward", "assign", "record_money", "record_visit"]);
    for nobody in [analyst(), admin(), duty_staff(), qx.clone(), xd.clone()] {
        assert!(c.allowed(&w, &nobody, t).is_empty(), "{}", nobody.username);
    }
    // triage_by and decide_by: 04-20 + 15 = 05-05 (劳动节) → 05-06.
    assert_deadline(&c.dl(&w, "triage_by"), day(2026, 4, 20), 15, day(2026, 5, 6), Some(day(2026, 5, 5)), None);
    assert_deadline(&c.dl(&w, "decide_by"), day(2026, 4, 20), 15, day(2026, 5, 6), Some(day(2026, 5, 5)), None);

    // --- the leader on duty instructs; the state does not change ---
    assert_forbidden(c.attempt(&w, &cl, t, &instruct("批示")));
    assert_forbidden(c.attempt(&w, &sv, t, &instruct("批示")));
    c.run(&w, &ld, cst("2026-04-20 10:00"), instruct("请清徐县主要负责同志牵头，60日内解决"));
    assert_eq!(c.facts.state, State::Registered);
    assert!(matches!(&c.events[1].kind, EventKind::Instructed { text } if text.contains("60日内")));

    // --- 2026-04-21 09:00 the clerk assigns: lead 清徐县, assisting 市规划和自然资源局 ---
    let ev = c.try_run(&w, &cl, cst("2026-04-21 09:00"), &assign("140121", &["ghzy"])).unwrap().clone();
    assert_eq!(ev.kind, EventKind::Assigned { lead: "140121".into(), assisting: vec!["ghzy".into()], note: None });
    assert_eq!(ev.actor_unit, "xfj");
    let f = &c.facts;
    assert_eq!(f.state, State::Routed);
    assert_eq!(f.lead_unit.as_deref(), Some("140121"));
    assert_eq!(f.assisting_units, ["ghzy"]);
    assert_eq!(f.route, Some(RouteKind::Assign));
    assert_eq!(f.routed_on, Some(day(2026, 4, 21)));

    let t = cst("2026-04-21 10:00");
    assert_eq!(c.allowed(&w, &qx, t), ["accept", "reject", "object", "record_money", "record_visit"]);
    assert!(c.allowed(&w, &gh, t).is_empty(), "the assisting unit does not decide acceptance");
    assert!(c.allowed(&w, &xd, t).is_empty());
    assert_eq!(c.allowed(&w, &cl, t), ["record_money", "record_visit"]);
    assert_eq!(
        c.allowed(&w, &ld, t),
        ["record_money", "record_visit", "instruct", "supervise", "summon_meeting", "hold_meeting"]
    );
    assert_eq!(c.allowed(&w, &sv, t), ["record_money", "record_visit", "supervise"]);

    // triage done on 04-21, within its period.
    let triage = c.dl(&w, "triage_by");
    assert_deadline(&triage, day(2026, 4, 20), 15, day(2026, 5, 6), Some(day(2026, 5, 5)), Some(day(2026, 4, 21)));
    assert_eq!(triage.met(), Some(true));
    // The unit's 15 days run from the day it received the case: 04-21 + 15 = 05-06, a Wednesday.
    assert_deadline(&c.dl(&w, "decide_by"), day(2026, 4, 21), 15, day(2026, 5, 6), None, None);
    // 5 working days after Tuesday 04-21: 22, 23, 24, (weekend), 27, 28 → 04-28.
    let obj = c.dl(&w, "object_by");
    assert_deadline(&obj, day(2026, 4, 21), 5, day(2026, 4, 28), None, None);
    assert!(obj.working_days);
    assert_eq!(obj.kind, DeadlineKind::Window);
    assert!(obj.rule_zh().contains("5 个工作日"), "{}", obj.rule_zh());
    // Result report of an assignment: 04-21 + 90 = 07-20, a Monday.
    let report = c.dl(&w, "report_by");
    assert_deadline(&report, day(2026, 4, 21), 90, day(2026, 7, 20), None, None);
    assert_eq!(report.kind, DeadlineKind::Duty);
    assert_eq!(c.next_due(&w), Some("decide_by"));

    // --- 2026-04-21 15:00 清徐县 accepts ---
    assert_forbidden(c.attempt(&w, &xd, cst("2026-04-21 15:00"), &accept()));
    assert_forbidden(c.attempt(&w, &gh, cst("2026-04-21 15:00"), &accept()));
    assert_forbidden(c.attempt(&w, &cl, cst("2026-04-21 15:00"), &accept()));
    let ev = c.try_run(&w, &qx, cst("2026-04-21 15:00"), &accept()).unwrap().clone();
    assert_eq!(ev.kind, EventKind::Accepted { unit: "140121".into(), note: None });
    let f = &c.facts;
    assert_eq!(f.state, State::Accepted);
    assert_eq!(f.accepted_on, Some(day(2026, 4, 21)));
    assert_eq!(f.handling_started_on, Some(day(2026, 4, 21)));
    assert_eq!(f.lead_unit.as_deref(), Some("140121"));
    assert_eq!(f.assisting_units, ["ghzy"]);

    let t = cst("2026-04-22 09:00");
    assert_eq!(c.allowed(&w, &qx, t), ["extend", "reply", "rate", "record_money", "record_visit"]);
    assert_eq!(c.allowed(&w, &cl, t), ["rate", "record_money", "record_visit"]);
    assert_eq!(
        c.allowed(&w, &ld, t),
        ["rate", "record_money", "record_visit", "instruct", "supervise", "summon_meeting", "hold_meeting"]
    );
    assert_eq!(c.allowed(&w, &sv, t), ["rate", "record_money", "record_visit", "supervise"]);
    assert!(c.allowed(&w, &gh, t).is_empty());
    assert!(c.allowed(&w, &xd, t).is_empty());

    assert!(!c.has_dl(&w, "object_by"), "no objection once accepted");
    let decide = c.dl(&w, "decide_by");
    assert_eq!((decide.completed_on, decide.met()), (Some(day(2026, 4, 21)), Some(true)));
    // 60 days from acceptance: 04-21 + 9 = 04-30, + 31 = 05-31 (40), + 20 = 06-20, a Saturday
    // inside 端午节 (06-19..06-21) → Monday 06-22.
    let handle = c.dl(&w, "handle_by");
    assert_deadline(&handle, day(2026, 4, 21), 60, day(2026, 6, 22), Some(day(2026, 6, 20)), None);
    assert_eq!(handle.label_zh, "办理");
    assert!(handle.rule_zh().contains("顺延至 2026-06-22"));
    assert_deadline(&c.dl(&w, "report_by"), day(2026, 4, 21), 90, day(2026, 7, 20), None, None);
    assert_eq!(c.next_due(&w), Some("handle_by"));

    // A supervision order: 30 days from 05-06 = 06-05 (Friday); only then may the unit answer it.
    c.run(&w, &sv, cst("2026-05-06 09:00"), supervise());
    assert_eq!(c.facts.supervision_count, 1);
    assert_deadline(&c.dl(&w, "supervision_answer_by"), day(2026, 5, 6), 30, day(2026, 6, 5), None, None);
    assert_eq!(c.next_due(&w), Some("supervision_answer_by"));
    assert_eq!(
        c.allowed(&w, &qx, cst("2026-05-07 09:00")),
        ["extend", "reply", "rate", "record_money", "record_visit", "answer_supervision"]
    );
    assert_forbidden(c.attempt(&w, &gh, cst("2026-05-07 09:00"), &answer_supervision()));
    c.run(&w, &qx, cst("2026-05-20 09:00"), answer_supervision());
    assert_eq!(c.facts.supervised_on, None);
    assert!(!c.has_dl(&w, "supervision_answer_by"));
    assert_eq!(c.next_due(&w), Some("handle_by"));
}

// ---------------------------------------------------------------------------------------------
// 4. Article story 2: fifteen migrant workers owed wages
// ---------------------------------------------------------------------------------------------

#[test]
fn story2_wage_arrears_to_a_satisfied_close() {
    let w = World::new();
    let (cl, ld, rsj, xd, zjj) = (clerk(), leader(), staff("rsj"), staff("140105"), staff("zjj"));

    // Monday 2026-06-01 09:00.
    let mut c = register(&w, &workers_input(), &cl, cst("2026-06-01 09:00"));
    let f = &c.facts;
    assert!(f.group);
    assert_eq!(f.headcount, 15);
    assert_eq!(f.money_claimed, 340_000_000, "340万元 in fen");
    assert_eq!(f.money_paid, 160_000_000, "160万元 in fen");
    assert_eq!(f.money_claimed - f.money_paid, 180_000_000, "180万元 outstanding");
    assert_eq!(f.money_recovered, 0);
    // 06-01 + 15 = 06-16, a Tuesday.
    assert_deadline(&c.dl(&w, "triage_by"), day(2026, 6, 1), 15, day(2026, 6, 16), None, None);

    // Assigned jointly: 人社局 leads, 小店区 and 住建局 assist.
    c.run(&w, &cl, cst("2026-06-01 14:00"), assign("rsj", &["140105", "zjj"]));
    assert_eq!(c.facts.lead_unit.as_deref(), Some("rsj"));
    assert_eq!(c.facts.assisting_units, ["140105", "zjj"]);
    // Monday 06-01 + 5 working days: 02, 03, 04, 05, 08 → 06-08.
    assert_deadline(&c.dl(&w, "object_by"), day(2026, 6, 1), 5, day(2026, 6, 8), None, None);
    // 06-01 + 90: + 29 = 06-30, + 31 = 07-31 (60), + 30 = 08-30, a Sunday → 08-31.
    assert_deadline(&c.dl(&w, "report_by"), day(2026, 6, 1), 90, day(2026, 8, 31), Some(day(2026, 8, 30)), None);

    c.run(&w, &rsj, cst("2026-06-02 10:00"), accept());
    assert_eq!(c.facts.state, State::Accepted);
    // 06-02 + 60: + 28 = 06-30, + 31 = 07-31 (59), + 1 = 08-01, a Saturday → Monday 08-03.
    assert_deadline(&c.dl(&w, "handle_by"), day(2026, 6, 2), 60, day(2026, 8, 3), Some(day(2026, 8, 1)), None);

    // 110万元 recovered; only the lead unit and the bureau record money.
    let recovered = record_money(None, None, Some(YUAN_WAN * 110));
    assert_forbidden(c.attempt(&w, &xd, cst("2026-07-10 10:00"), &recovered));
    assert_forbidden(c.attempt(&w, &zjj, cst("2026-07-10 10:00"), &recovered));
    let ev = c.try_run(&w, &rsj, cst("2026-07-10 10:00"), &recovered).unwrap().clone();
    assert_eq!(
        ev.kind,
        EventKind::MoneyRecorded { claimed: 340_000_000, paid: 160_000_000, recovered: 110_000_000 },
        "unset amounts keep their recorded values"
    );
    let f = &c.facts;
    assert_eq!((f.money_claimed, f.money_paid, f.money_recovered), (340_000_000, 160_000_000, 110_000_000));
    assert_eq!(f.money_claimed - f.money_paid, 180 * YUAN_WAN);
    assert_eq!(f.money_claimed - f.money_paid - f.money_recovered, 70 * YUAN_WAN, "still unpaid after recovery");

    // The reply: finding true, demands supported.
    c.run(&w, &rsj, cst("2026-07-20 10:00"), reply(Finding::True, Outcome::Support));
    let f = &c.facts;
    assert_eq!(f.state, State::Replied);
    assert_eq!(f.outcome, Some(Outcome::Support));
    assert_eq!(f.replied_on, Some(day(2026, 7, 20)));
    assert_eq!(c.dl(&w, "handle_by").met(), Some(true));
    assert_eq!(c.dl(&w, "report_by").completed_on, Some(day(2026, 7, 20)));
    // 07-20 + 30 = 08-19, a Wednesday.
    let window = c.dl(&w, "review_request_by");
    assert_deadline(&window, day(2026, 7, 20), 30, day(2026, 8, 19), None, None);
    assert_eq!(window.kind, DeadlineKind::Window);
    assert_eq!(c.next_due(&w), None, "nothing is owed by staff once replied");

    // No closing before the petitioner is satisfied or the review window lapses.
    let msg = assert_window_closed(c.attempt(&w, &ld, cst("2026-07-21 09:00"), &close()));
    assert!(msg.contains("2026-08-19"), "{msg}");

    // Ratings, kept per stage.
    c.run(&w, &cl, cst("2026-07-21 10:00"), rate(RatingStage::Unit, Rating::Satisfied, None));
    c.run(&w, &cl, cst("2026-07-21 10:05"), rate(RatingStage::Bureau, Rating::Satisfied, None));
    assert_eq!((c.facts.unit_rating, c.facts.bureau_rating), (Some(Rating::Satisfied), Some(Rating::Satisfied)));
    let again = c.attempt(&w, &cl, cst("2026-07-21 10:10"), &rate(RatingStage::Unit, Rating::Dissatisfied, Some("x")));
    assert_window_closed(again);
    let again = c.attempt(&w, &cl, cst("2026-07-21 10:10"), &rate(RatingStage::Bureau, Rating::Satisfied, None));
    assert_window_closed(again);

    // Closed the same day, because the petitioners are satisfied.
    assert_forbidden(c.attempt(&w, &cl, cst("2026-07-21 11:00"), &close()));
    assert_forbidden(c.attempt(&w, &rsj, cst("2026-07-21 11:00"), &close()));
    c.run(&w, &ld, cst("2026-07-21 11:00"), close());
    assert_eq!(c.facts.state, State::Closed);
    assert_eq!(c.facts.closed_on, Some(day(2026, 7, 21)));
    assert_eq!(c.next_due(&w), None);
    assert_eq!(c.allowed(&w, &cl, cst("2026-07-22 09:00")), ["rate", "record_visit"]);
    assert_eq!(c.allowed(&w, &rsj, cst("2026-07-22 09:00")), ["rate", "record_visit"]);
    assert!(c.allowed(&w, &xd, cst("2026-07-22 09:00")).is_empty());
    assert_not_allowed(c.attempt(&w, &cl, cst("2026-07-22 09:00"), &request_review()), State::Closed);

    // The timeline is the source of truth: folding it again gives the same facts.
    assert_eq!(CaseFacts::from_events(&c.events).as_ref(), Some(&c.facts));
    let kinds: Vec<&str> = c.events.iter().map(|e| e.kind.code()).collect();
    assert_eq!(kinds, ["registered", "assigned", "accepted", "money_recorded", "replied", "rated", "rated", "closed"]);
}

#[test]
fn basically_satisfied_also_allows_closing_but_dissatisfied_does_not() {
    let w = World::new();
    let t = cst("2026-06-11 10:00");
    let mut c = replied(&w);
    c.run(&w, &clerk(), t, rate(RatingStage::Unit, Rating::BasicallySatisfied, None));
    assert!(c.attempt(&w, &leader(), t, &close()).is_ok());
    assert!(c.attempt(&w, &supervisor(), t, &close()).is_ok());

    let mut c = replied(&w);
    c.run(&w, &clerk(), t, rate(RatingStage::Unit, Rating::Dissatisfied, Some("补偿标准过低")));
    assert_window_closed(c.attempt(&w, &leader(), t, &close()));
    // A satisfied bureau stage does not stand for the handling unit.
    let mut c = replied(&w);
    c.run(&w, &clerk(), t, rate(RatingStage::Bureau, Rating::Satisfied, None));
    assert_window_closed(c.attempt(&w, &leader(), t, &close()));
}

// ---------------------------------------------------------------------------------------------
// 5. Every command: state, role, input and windows
// ---------------------------------------------------------------------------------------------

#[test]
fn the_actions_of_each_state() {
    for state in ALL_STATES {
        assert_eq!(actions_in_state(state), expected_actions(state), "{state:?}");
        for action in expected_actions(state) {
            assert!(states_for(action).contains(&state));
        }
    }
    assert!(states_for("no_such_action").is_empty());
    assert!(State::Rejected.is_final() && State::Closed.is_final());
    assert_eq!(ALL_STATES.iter().filter(|s| s.is_final()).count(), 2);
}

#[test]
fn every_action_is_refused_outside_its_states() {
    let w = World::new();
    for state in ALL_STATES {
        let c = case_in(&w, state);
        let t = c.last_at() + Duration::hours(1);
        for action in ACTIONS {
            // The bureau leader has the widest powers: the state is what refuses.
            let res = c.attempt(&w, &leader(), t, &sample(action));
            if expected_actions(state).contains(&action) {
                assert!(!matches!(res, Err(DomainError::NotAllowedInState { .. })), "{action} in {state:?}: {res:?}");
            } else {
                match &res {
                    Err(DomainError::NotAllowedInState { action: a, .. }) => assert_eq!(*a, action),
                    other => panic!("{action} in {state:?}: {other:?}"),
                }
                let err = res.unwrap_err();
                assert_eq!(err.code(), "action_not_allowed_in_state");
                let zh = err.message(Lang::Zh);
                assert!(zh.contains(&format!("「{}」", state.label_zh())), "{zh}");
                assert!(zh.contains(&format!("不能执行「{}」", action_label_zh(action))), "{zh}");
                for allowed in expected_actions(state) {
                    assert!(zh.contains(action_label_zh(allowed)), "{zh} lacks {allowed}");
                }
                assert_not_allowed(Err::<(), _>(err.clone()), state);
                let en = err.message(Lang::En);
                assert!(en.contains(state.code()) && en.contains(action), "{en}");
                // Unit staff are told the same: the state is checked first.
                let as_unit = c.attempt(&w, &staff("140121"), t, &sample(action));
                assert_eq!(as_unit.unwrap_err(), err);
            }
        }
    }
}

#[test]
fn not_allowed_message_in_full() {
    let w = World::new();
    let c = registered(&w);
    let err = c.attempt(&w, &leader(), cst("2026-04-20 11:00"), &reply(Finding::True, Outcome::Support)).unwrap_err();
    assert_eq!(
        err.message(Lang::Zh),
        "案件当前状态为「已登记待分流」，不能执行「出具处理意见」。当前可执行：受理、不予受理、转送、交办、记录金额、记录重复来访、领导批示、召集协调会、召开协调会、落实协调会决定"
    );
    assert_eq!(
        err.message(Lang::En),
        "The case is in state 'registered'; 'reply' is not allowed now. Allowed now: accept, reject, forward, assign, record_money, record_visit, instruct, summon_meeting, hold_meeting, complete_task"
    );
    let c = closed(&w);
    let err = c.attempt(&w, &leader(), cst("2026-08-11 09:00"), &close()).unwrap_err();
    assert_eq!(
        err.message(Lang::Zh),
        "案件当前状态为「已终结」，不能执行「终结」。当前可执行：满意度评价、记录重复来访、落实协调会决定"
    );
}

#[test]
fn analyst_admin_and_duty_staff_may_do_nothing() {
    let w = World::new();
    for state in ALL_STATES {
        let c = case_in(&w, state);
        let t = c.last_at() + Duration::hours(1);
        for who in [analyst(), admin(), duty_staff()] {
            for action in expected_actions(state) {
                assert_forbidden(check(action, &c.facts, &who, &w.ctx(t)));
                assert_forbidden(c.attempt(&w, &who, t, &sample(action)));
            }
            assert!(c.allowed(&w, &who, t).is_empty());
        }
    }
}

#[test]
fn units_not_leading_the_case_may_do_nothing() {
    let w = World::new();
    // Routed to 清徐县 (140121) with 规划和自然资源局 assisting: 小店区 (140105), the assisting unit
    // and an unrelated department cannot act, in any state.
    for state in ALL_STATES {
        let c = case_in(&w, state);
        let t = c.last_at() + Duration::hours(1);
        for who in [staff("140105"), staff("ghzy"), staff("rsj"), actor(Role::Leader, "140105")] {
            for action in expected_actions(state) {
                assert_forbidden(c.attempt(&w, &who, t, &sample(action)));
            }
        }
    }
}

#[test]
fn forbidden_names_the_role_and_the_unit() {
    let w = World::new();
    let c = routed(&w);
    let err = c.attempt(&w, &staff("140105"), cst("2026-04-21 10:00"), &accept()).unwrap_err();
    assert_eq!(err.code(), "forbidden");
    assert_eq!(err.message(Lang::Zh), "您（进驻单位工作人员，140105）无权对本案执行「受理」");
    assert_eq!(err.message(Lang::En), "You (unit_staff, unit 140105) may not 'accept' this case");
}

#[test]
fn the_bureau_cannot_act_for_the_unit_it_routed_to() {
    let w = World::new();
    let c = routed(&w);
    let t = cst("2026-04-21 10:00");
    for who in [clerk(), leader(), supervisor()] {
        for cmd in [accept(), reject("x", "y"), object("不属本单位职权")] {
            assert_forbidden(c.attempt(&w, &who, t, &cmd));
        }
    }
    let c = accepted(&w);
    let t = cst("2026-04-22 10:00");
    for who in [clerk(), leader(), supervisor()] {
        for cmd in [extend(10), reply(Finding::True, Outcome::Support), answer_supervision()] {
            assert_forbidden(c.attempt(&w, &who, t, &cmd));
        }
    }
}

#[test]
fn bureau_only_actions_are_forbidden_to_the_lead_unit() {
    let w = World::new();
    let qx = staff("140121");
    let c = registered(&w);
    let t = cst("2026-04-20 11:00");
    for cmd in [accept(), reject("x", "y"), forward("140121"), assign("140121", &[]), instruct("x"), record_visit()] {
        assert_forbidden(c.attempt(&w, &qx, t, &cmd));
    }
    let c = routed(&w);
    assert_forbidden(c.attempt(&w, &qx, cst("2026-04-21 10:00"), &supervise()));
    assert_forbidden(c.attempt(&w, &qx, cst("2026-04-21 10:00"), &instruct("x")));
    let c = replied(&w);
    let t = cst("2026-06-11 10:00");
    for cmd in [rehandle(), close()] {
        assert_forbidden(c.attempt(&w, &qx, t, &cmd));
    }
    // The lead unit records what the petitioner says: rating and requests.
    assert!(c.attempt(&w, &qx, t, &rate(RatingStage::Unit, Rating::Satisfied, None)).is_ok());
    assert!(c.attempt(&w, &qx, t, &request_review()).is_ok());
    assert!(c.attempt(&w, &qx, t, &record_visit()).is_ok());
    let c = review_requested(&w);
    assert_forbidden(c.attempt(&w, &qx, cst("2026-06-21 10:00"), &decide_review(ReviewDecision::Uphold)));
    let c = rereview_requested(&w);
    assert_forbidden(c.attempt(&w, &qx, cst("2026-07-21 10:00"), &decide_rereview(ReviewDecision::Uphold)));
}

#[test]
fn only_a_bureau_leader_decides_reviews_and_instructs() {
    let w = World::new();
    let c = review_requested(&w);
    let t = cst("2026-06-21 10:00");
    for who in [clerk(), supervisor()] {
        assert_forbidden(c.attempt(&w, &who, t, &decide_review(ReviewDecision::Revoke)));
        assert_forbidden(c.attempt(&w, &who, t, &instruct("x")));
    }
    assert!(c.attempt(&w, &leader(), t, &decide_review(ReviewDecision::Revoke)).is_ok());
    // A leader of a county is not the bureau's leader.
    assert_forbidden(c.attempt(&w, &actor(Role::Leader, "140121"), t, &decide_review(ReviewDecision::Revoke)));
    let c = rereview_requested(&w);
    let t = cst("2026-07-21 10:00");
    for who in [clerk(), supervisor(), actor(Role::Leader, "140121")] {
        assert_forbidden(c.attempt(&w, &who, t, &decide_rereview(ReviewDecision::Change)));
    }
}

#[test]
fn rehandle_close_and_supervise_need_bureau_leadership() {
    let w = World::new();
    let c = accepted(&w);
    let t = cst("2026-04-22 10:00");
    assert_forbidden(c.attempt(&w, &clerk(), t, &supervise()));
    assert!(c.attempt(&w, &leader(), t, &supervise()).is_ok());
    assert!(c.attempt(&w, &supervisor(), t, &supervise()).is_ok());

    let mut c = replied(&w);
    c.run(&w, &clerk(), cst("2026-06-11 10:00"), rate(RatingStage::Unit, Rating::Dissatisfied, Some("不服")));
    let t = cst("2026-06-12 10:00");
    assert_forbidden(c.attempt(&w, &clerk(), t, &rehandle()));
    assert_forbidden(c.attempt(&w, &staff("140121"), t, &rehandle()));
    assert!(c.attempt(&w, &leader(), t, &rehandle()).is_ok());
    assert!(c.attempt(&w, &supervisor(), t, &rehandle()).is_ok());
}

#[test]
fn a_county_leader_acts_for_the_county() {
    let w = World::new();
    let c = routed(&w);
    let t = cst("2026-04-21 10:00");
    let boss = actor(Role::Leader, "140121");
    assert_eq!(c.allowed(&w, &boss, t), ["accept", "reject", "object", "record_money", "record_visit"]);
}

#[test]
fn the_bureau_may_handle_a_case_itself() {
    let w = World::new();
    let mut c = register(&w, &simple_input("other", "140105"), &clerk(), cst("2026-04-20 10:00"));
    c.run(&w, &clerk(), cst("2026-04-20 11:00"), accept());
    assert_eq!(c.facts.state, State::Accepted);
    assert_eq!(c.facts.lead_unit.as_deref(), Some("xfj"));
    assert_eq!(c.facts.route, None);
    assert!(!c.has_dl(&w, "report_by"));
    // Accepted directly: the triage duty is done by the decision.
    assert_eq!(c.dl(&w, "triage_by").completed_on, Some(day(2026, 4, 20)));
    // 04-20 + 60: + 10 = 04-30, + 31 = 05-31 (41), + 19 = 06-19, 端午节 → 06-22.
    assert_deadline(&c.dl(&w, "handle_by"), day(2026, 4, 20), 60, day(2026, 6, 22), Some(day(2026, 6, 19)), None);
    let t = cst("2026-04-21 10:00");
    assert_eq!(c.allowed(&w, &clerk(), t), ["extend", "reply", "rate", "record_money", "record_visit"]);
    assert!(c.allowed(&w, &staff("140105"), t).is_empty());
    c.run(&w, &supervisor(), cst("2026-04-21 10:00"), reply(Finding::NotTrue, Outcome::NotSupported));
    assert_eq!(c.facts.state, State::Replied);
}

// ---- input ----

#[test]
fn reject_needs_reason_and_legal_route() {
    let w = World::new();
    let c = routed(&w);
    let t = cst("2026-04-22 10:00");
    let qx = staff("140121");
    assert_eq!(field_codes(c.attempt(&w, &qx, t, &reject("已起诉", "  "))), fields(&[("legal_route", "required")]));
    assert_eq!(
        field_codes(c.attempt(&w, &qx, t, &reject("", ""))),
        fields(&[("reason", "required"), ("legal_route", "required")])
    );
    let cmd = Command::Reject {
        reason: " 属于劳动争议 ".into(),
        legal_route: "向劳动人事争议仲裁委员会申请仲裁".into(),
        separation: Some(Separation::Arbitration),
    };
    assert_eq!(
        c.attempt(&w, &qx, t, &cmd).unwrap(),
        EventKind::Rejected {
            unit: "140121".into(),
            reason: "属于劳动争议".into(),
            legal_route: "向劳动人事争议仲裁委员会申请仲裁".into(),
            separation: Some(Separation::Arbitration),
        }
    );
    // The bureau rejecting at registration rejects in its own name.
    let c = registered(&w);
    assert_eq!(
        c.attempt(&w, &clerk(), cst("2026-04-20 11:00"), &reject("x", "y")).unwrap(),
        EventKind::Rejected { unit: "xfj".into(), reason: "x".into(), legal_route: "y".into(), separation: None }
    );
}

#[test]
fn rejected_is_final_and_done() {
    let w = World::new();
    let c = rejected(&w);
    assert_eq!(c.facts.rejected_on, Some(day(2026, 4, 22)));
    assert_eq!(c.facts.lead_unit.as_deref(), Some("140121"));
    assert_eq!(c.next_due(&w), None);
    assert_eq!(c.dl(&w, "decide_by").completed_on, Some(day(2026, 4, 22)));
    assert_eq!(c.dl(&w, "report_by").completed_on, Some(day(2026, 4, 22)), "the rejection is the result");
    let t = cst("2026-04-23 10:00");
    assert_eq!(c.allowed(&w, &staff("140121"), t), ["rate", "record_visit"]);
    // The unit stage cannot be rated: nothing was handled.
    assert_window_closed(c.attempt(&w, &clerk(), t, &rate(RatingStage::Unit, Rating::Satisfied, None)));
    assert!(c.attempt(&w, &clerk(), t, &rate(RatingStage::Bureau, Rating::Satisfied, None)).is_ok());
}

#[test]
fn extension_days_must_be_1_to_30() {
    let w = World::new();
    let c = accepted(&w);
    let t = cst("2026-05-20 10:00");
    let qx = staff("140121");
    for days in [0, 31, 365] {
        assert_eq!(
            field_codes(c.attempt(&w, &qx, t, &extend(days))),
            fields(&[("days", "bad_extension_days")]),
            "{days}"
        );
    }
    for days in [1, 30] {
        assert!(c.attempt(&w, &qx, t, &extend(days)).is_ok(), "{days}");
    }
    let all_bad = Command::Extend { days: 0, approver: " ".into(), reason: "".into() };
    assert_eq!(
        field_codes(c.attempt(&w, &qx, t, &all_bad)),
        fields(&[("days", "bad_extension_days"), ("approver", "required"), ("reason", "required")])
    );
}

#[test]
fn extension_adds_its_days_to_handle_by_once() {
    let w = World::new();
    let qx = staff("140121");
    let mut c = accepted(&w);
    c.run(&w, &qx, cst("2026-06-01 10:00"), extend(30));
    assert_eq!(c.facts.extension_days, Some(30));
    assert_eq!(c.facts.state, State::Accepted);
    // 04-21 + 90: + 9 = 04-30, + 31 = 05-31 (40), + 30 = 06-30 (70), + 20 = 07-20, a Monday.
    let d = c.dl(&w, "handle_by");
    assert_deadline(&d, day(2026, 4, 21), 90, day(2026, 7, 20), None, None);
    assert_eq!(d.label_zh, "办理（含延期）");
    // Only once, even a valid request.
    let msg = assert_window_closed(c.attempt(&w, &qx, cst("2026-06-02 10:00"), &extend(5)));
    assert!(msg.contains("延期过一次"), "{msg}");
    // ... and checked before the input: a second bad request is refused for the window.
    assert_window_closed(c.attempt(&w, &qx, cst("2026-06-02 10:00"), &extend(0)));

    // 10 days: 04-21 + 70 = 06-30, a Tuesday.
    let mut c = accepted(&w);
    c.run(&w, &qx, cst("2026-05-20 10:00"), extend(10));
    assert_deadline(&c.dl(&w, "handle_by"), day(2026, 4, 21), 70, day(2026, 6, 30), None, None);
}

#[test]
fn extension_is_refused_once_the_handling_period_is_over() {
    let w = World::new();
    let qx = staff("140121");
    let c = accepted(&w);
    // handle_by is 06-22 (see story 1): on that day still possible, the next day not.
    assert!(c.attempt(&w, &qx, cst("2026-06-22 23:59"), &extend(30)).is_ok());
    let msg = assert_window_closed(c.attempt(&w, &qx, cst("2026-06-23 00:00"), &extend(30)));
    assert!(msg.contains("2026-06-22"), "{msg}");
    // A late reply is still possible, and is recorded as late.
    let mut c = c;
    c.run(&w, &qx, cst("2026-06-24 10:00"), reply(Finding::True, Outcome::Support));
    let d = c.dl(&w, "handle_by");
    assert_eq!((d.completed_on, d.met()), (Some(day(2026, 6, 24)), Some(false)));
    assert!(!d.is_overdue(day(2026, 7, 1)), "done, if late");
}

#[test]
fn mediation_needs_the_agreement_and_reply_needs_an_opinion() {
    let w = World::new();
    let c = accepted(&w);
    let t = cst("2026-05-20 10:00");
    let qx = staff("140121");
    let cmd = |opinion: &str, agreement: Option<&str>| Command::Reply {
        finding: Finding::PartlyTrue,
        outcome: Outcome::Mediation,
        opinion: opinion.into(),
        basis: None,
        mediation_agreement: agreement.map(Into::into),
    };
    assert_eq!(
        field_codes(c.attempt(&w, &qx, t, &cmd("经调解", None))),
        fields(&[("mediation_agreement", "required")])
    );
    assert_eq!(
        field_codes(c.attempt(&w, &qx, t, &cmd("经调解", Some("   ")))),
        fields(&[("mediation_agreement", "required")])
    );
    assert_eq!(
        field_codes(c.attempt(&w, &qx, t, &cmd(" ", None))),
        fields(&[("opinion", "required"), ("mediation_agreement", "required")])
    );
    match c.attempt(&w, &qx, t, &cmd("经调解", Some(" 补偿款分两期支付 "))).unwrap() {
        EventKind::Replied { outcome, mediation_agreement, .. } => {
            assert_eq!(outcome, Outcome::Mediation);
            assert_eq!(mediation_agreement.as_deref(), Some("补偿款分两期支付"));
        }
        other => panic!("{other:?}"),
    }
    // Other outcomes need no agreement.
    let support = Command::Reply {
        finding: Finding::True,
        outcome: Outcome::Support,
        opinion: "支持".into(),
        basis: Some("《国有土地上房屋征收与补偿条例》".into()),
        mediation_agreement: None,
    };
    assert!(c.attempt(&w, &qx, t, &support).is_ok());
}

#[test]
fn a_dissatisfied_rating_needs_the_reason() {
    let w = World::new();
    let c = replied(&w);
    let t = cst("2026-06-11 10:00");
    for stage in [RatingStage::Unit, RatingStage::Bureau] {
        for reason in [None, Some(""), Some("  ")] {
            assert_eq!(
                field_codes(c.attempt(&w, &clerk(), t, &rate(stage, Rating::Dissatisfied, reason))),
                fields(&[("reason", "required")])
            );
        }
        assert!(c.attempt(&w, &clerk(), t, &rate(stage, Rating::Dissatisfied, Some("补偿太少"))).is_ok());
        assert!(c.attempt(&w, &clerk(), t, &rate(stage, Rating::BasicallySatisfied, None)).is_ok());
    }
    // The unit stage only after a reply.
    let c = accepted(&w);
    let msg = assert_window_closed(c.attempt(
        &w,
        &clerk(),
        cst("2026-05-01 10:00"),
        &rate(RatingStage::Unit, Rating::Satisfied, None),
    ));
    assert!(msg.contains("出具处理意见后"), "{msg}");
}

#[test]
fn assign_checks_every_unit() {
    let w = World::new();
    let c = registered(&w);
    let t = cst("2026-04-20 11:00");
    let cl = clerk();
    let try_assign = |lead: &str, assisting: &[&str]| field_codes(c.attempt(&w, &cl, t, &assign(lead, assisting)));
    assert_eq!(try_assign("140121", &["ghzy", "140121"]), fields(&[("assisting[1]", "duplicate_unit")]));
    assert_eq!(try_assign("140121", &["ghzy", "ghzy"]), fields(&[("assisting[1]", "duplicate_unit")]));
    assert_eq!(try_assign("140121", &[" ghzy", "ghzy "]), fields(&[("assisting[1]", "duplicate_unit")]));
    assert_eq!(try_assign("140121", &["nope"]), fields(&[("assisting[0]", "unknown_unit")]));
    assert_eq!(try_assign("nope", &[]), fields(&[("lead", "unknown_unit")]));
    assert_eq!(try_assign(" ", &[]), fields(&[("lead", "required")]));
    assert_eq!(try_assign("xfj", &[]), fields(&[("lead", "route_to_self")]));
    // Every problem at once.
    assert_eq!(
        try_assign("nope", &["ghzy", "zzz", "ghzy"]),
        fields(&[("lead", "unknown_unit"), ("assisting[1]", "unknown_unit"), ("assisting[2]", "duplicate_unit")])
    );
    // Codes are trimmed.
    assert_eq!(
        c.attempt(&w, &cl, t, &assign(" 140121 ", &[" ghzy "])).unwrap(),
        EventKind::Assigned { lead: "140121".into(), assisting: vec!["ghzy".into()], note: None }
    );
}

#[test]
fn forward_checks_the_unit() {
    let w = World::new();
    let c = registered(&w);
    let t = cst("2026-04-20 11:00");
    let cl = clerk();
    let try_forward = |unit: &str| field_codes(c.attempt(&w, &cl, t, &forward(unit)));
    assert_eq!(try_forward("xfj"), fields(&[("unit", "route_to_self")]));
    assert_eq!(try_forward(" xfj "), fields(&[("unit", "route_to_self")]));
    assert_eq!(try_forward(""), fields(&[("unit", "required")]));
    assert_eq!(try_forward("nope"), fields(&[("unit", "unknown_unit")]));
    let cmd = Command::Forward { unit: "zfw".into(), note: Some("  ".into()) };
    assert_eq!(c.attempt(&w, &cl, t, &cmd).unwrap(), EventKind::Forwarded { unit: "zfw".into(), note: None });

    // A forward after an assignment would replace the assisting units: forwarding clears them.
    let mut c = registered(&w);
    c.run(&w, &cl, t, forward("140121"));
    assert_eq!(c.facts.route, Some(RouteKind::Forward));
    assert!(c.facts.assisting_units.is_empty());
    assert!(!c.has_dl(&w, "report_by"), "a forwarded case owes no result report");
}

#[test]
fn texts_that_are_required() {
    let w = World::new();
    let t_routed = cst("2026-04-21 10:00");
    let cases: Vec<(Case, Actor, Command, &str)> = vec![
        (routed(&w), staff("140121"), object(" "), "reason"),
        (registered(&w), leader(), instruct(""), "text"),
        (accepted(&w), supervisor(), Command::Supervise { note: "".into() }, "note"),
        (replied(&w), clerk(), Command::RequestReview { reason: "\t".into() }, "reason"),
        (
            review_requested(&w),
            leader(),
            Command::DecideReview { decision: ReviewDecision::Uphold, opinion: "".into() },
            "opinion",
        ),
        (reviewed(&w), clerk(), Command::RequestRereview { reason: "".into() }, "reason"),
        (
            rereview_requested(&w),
            leader(),
            Command::DecideRereview { decision: ReviewDecision::Uphold, opinion: "".into() },
            "opinion",
        ),
    ];
    for (c, who, cmd, field) in cases {
        let t = c.last_at().max(t_routed) + Duration::hours(1);
        let res = c.attempt(&w, &who, t, &cmd);
        assert_eq!(field_codes(res), fields(&[(field, "required")]), "{}", cmd.action());
    }
    // answer_supervision and rehandle need their text too.
    let mut c = accepted(&w);
    c.run(&w, &leader(), cst("2026-05-06 09:00"), supervise());
    let res =
        c.attempt(&w, &staff("140121"), cst("2026-05-07 09:00"), &Command::AnswerSupervision { answer: "".into() });
    assert_eq!(field_codes(res), fields(&[("answer", "required")]));
    let mut c = replied(&w);
    c.run(&w, &clerk(), cst("2026-06-11 10:00"), rate(RatingStage::Unit, Rating::Dissatisfied, Some("不服")));
    let res = c.attempt(&w, &leader(), cst("2026-06-12 10:00"), &Command::Rehandle { reason: " ".into() });
    assert_eq!(field_codes(res), fields(&[("reason", "required")]));
}

#[test]
fn money_amounts_are_checked() {
    let w = World::new();
    let mut c = register(&w, &workers_input(), &clerk(), cst("2026-06-01 09:00"));
    let t = cst("2026-06-01 10:00");
    let cl = clerk();
    // Paid above claimed: with claimed unchanged (340万) and 341万 paid.
    let res = c.attempt(&w, &cl, t, &record_money(None, Some(341 * YUAN_WAN), None));
    assert_eq!(field_codes(res), fields(&[("paid", "paid_exceeds_claimed")]));
    let res = c.attempt(&w, &cl, t, &record_money(None, None, Some(341 * YUAN_WAN)));
    assert_eq!(field_codes(res), fields(&[("recovered", "recovered_exceeds_claimed")]));
    let res = c.attempt(&w, &cl, t, &record_money(Some(-1), None, None));
    assert_eq!(field_codes(res), fields(&[("claimed", "negative_money")]));
    // Lowering the claim below what was paid is refused as well.
    let res = c.attempt(&w, &cl, t, &record_money(Some(100 * YUAN_WAN), None, None));
    assert_eq!(field_codes(res), fields(&[("paid", "paid_exceeds_claimed")]));
    // Exactly the claim is fine.
    c.run(&w, &cl, t, record_money(None, Some(340 * YUAN_WAN), Some(0)));
    assert_eq!(c.facts.money_paid, c.facts.money_claimed);
    assert_eq!(c.facts.state, State::Registered);
}

#[test]
fn negative_money_is_reported_under_the_field_that_is_negative() {
    let w = World::new();
    let c = register(&w, &workers_input(), &clerk(), cst("2026-06-01 09:00"));
    let t = cst("2026-06-01 10:00");
    let res = c.attempt(&w, &clerk(), t, &record_money(None, Some(-1), None));
    assert_eq!(field_codes(res), fields(&[("paid", "negative_money")]));
    let res = c.attempt(&w, &clerk(), t, &record_money(None, None, Some(-1)));
    assert_eq!(field_codes(res), fields(&[("recovered", "negative_money")]));
}

#[test]
fn repeat_visits_are_counted_even_after_the_end() {
    let w = World::new();
    let mut c = closed(&w);
    c.run(&w, &clerk(), cst("2026-09-01 10:00"), record_visit());
    c.run(&w, &staff("140121"), cst("2026-09-02 10:00"), Command::RecordVisit { note: Some("又来访".into()) });
    assert_eq!(c.facts.repeat_visits, 2);
    assert_eq!(c.facts.state, State::Closed);
    assert_forbidden(c.attempt(&w, &staff("140105"), cst("2026-09-03 10:00"), &record_visit()));
}

// ---- windows ----

#[test]
fn objection_within_5_working_days_only() {
    let w = World::new();
    let c = routed(&w);
    let qx = staff("140121");
    // object_by is Tuesday 04-28 (story 1).
    assert!(c.attempt(&w, &qx, cst("2026-04-28 23:59"), &object("不属本县职权")).is_ok());
    // 2026-04-28 17:00 UTC is already 04-29 in Beijing.
    let msg = assert_window_closed(c.attempt(&w, &qx, utc("2026-04-28T17:00:00Z"), &object("不属本县职权")));
    assert!(msg.contains("5 个工作日") && msg.contains("2026-04-28"), "{msg}");
    // Late, the unit can still accept or reject.
    let late = cst("2026-04-30 10:00");
    assert_eq!(c.allowed(&w, &qx, late), ["accept", "reject", "record_money", "record_visit"]);
    // The assisting unit never objects.
    assert_forbidden(c.attempt(&w, &staff("ghzy"), cst("2026-04-22 10:00"), &object("x")));
}

#[test]
fn objection_window_skips_the_labour_day_holiday() {
    let w = World::new();
    let mut c = registered(&w);
    // Assigned on Friday 04-24: working days 27, 28, 29, 30, (05-01..05 holiday), 05-06 → 05-06.
    c.run(&w, &clerk(), cst("2026-04-24 10:00"), assign("140105", &[]));
    assert_deadline(&c.dl(&w, "object_by"), day(2026, 4, 24), 5, day(2026, 5, 6), None, None);
    // Its decision period: 04-24 + 15 = 05-09, a Saturday worked in lieu (调休上班): no move.
    assert_deadline(&c.dl(&w, "decide_by"), day(2026, 4, 24), 15, day(2026, 5, 9), None, None);
    assert!(c.attempt(&w, &staff("140105"), cst("2026-05-06 18:00"), &object("x")).is_ok());
    assert_window_closed(c.attempt(&w, &staff("140105"), cst("2026-05-07 08:00"), &object("x")));
}

#[test]
fn objection_returns_the_case_to_the_bureau() {
    let w = World::new();
    let qx = staff("140121");
    let mut c = routed(&w);
    let ev = c.try_run(&w, &qx, cst("2026-04-23 10:00"), &object("征收主体为市级部门，不属本县")).unwrap();
    assert_eq!(ev.kind, EventKind::Objected { unit: "140121".into(), reason: "征收主体为市级部门，不属本县".into() });
    let f = &c.facts;
    assert_eq!(f.state, State::Registered);
    assert_eq!(f.lead_unit, None);
    assert!(f.assisting_units.is_empty());
    assert_eq!((f.route, f.routed_on), (None, None));
    // The clocks are the bureau's again, from receipt.
    assert!(!c.has_dl(&w, "object_by"));
    assert!(!c.has_dl(&w, "report_by"));
    assert_deadline(&c.dl(&w, "triage_by"), day(2026, 4, 20), 15, day(2026, 5, 6), Some(day(2026, 5, 5)), None);
    assert_deadline(&c.dl(&w, "decide_by"), day(2026, 4, 20), 15, day(2026, 5, 6), Some(day(2026, 5, 5)), None);
    // The unit no longer has the case.
    assert!(!access::can_see(&qx, f));
    assert!(!access::can_see(&staff("ghzy"), f));
    assert!(c.allowed(&w, &qx, cst("2026-04-23 11:00")).is_empty());
    assert_eq!(
        c.allowed(&w, &clerk(), cst("2026-04-23 11:00")),
        ["accept", "reject", "forward", "assign", "record_money", "record_visit"]
    );
    // Re-routed to the competent department.
    c.run(&w, &clerk(), cst("2026-04-23 15:00"), assign("ghzy", &["140121"]));
    assert_eq!(c.facts.state, State::Routed);
    assert_eq!(c.facts.lead_unit.as_deref(), Some("ghzy"));
    assert_eq!(c.dl(&w, "triage_by").completed_on, Some(day(2026, 4, 23)));
    // 04-23 + 15 = 05-08, a Friday.
    assert_deadline(&c.dl(&w, "decide_by"), day(2026, 4, 23), 15, day(2026, 5, 8), None, None);
    assert!(access::can_see(&qx, &c.facts), "assisting again");
}

/// Forwarded to 城管局 07-02, accepted 07-06, replied Tuesday 09-01.
fn replied_on_0901(w: &World) -> Case {
    let mut c = register(w, &simple_input("urban", "140105"), &clerk(), cst("2026-07-01 10:00"));
    c.run(w, &clerk(), cst("2026-07-02 09:00"), forward("cgj"));
    c.run(w, &staff("cgj"), cst("2026-07-06 10:00"), accept());
    // 07-06 + 60: + 25 = 07-31, + 31 = 08-31 (56), + 4 = 09-04, a Friday.
    assert_deadline(&c.dl(w, "handle_by"), day(2026, 7, 6), 60, day(2026, 9, 4), None, None);
    c.run(w, &staff("cgj"), cst("2026-09-01 10:00"), reply(Finding::NotTrue, Outcome::Explain));
    c
}

#[test]
fn review_may_be_requested_within_30_days_of_the_reply() {
    let w = World::new();
    let c = replied_on_0901(&w);
    // 09-01 + 30 = 10-01, 国庆节 (10-01..10-07) → Thursday 10-08.
    let d = c.dl(&w, "review_request_by");
    assert_deadline(&d, day(2026, 9, 1), 30, day(2026, 10, 8), Some(day(2026, 10, 1)), None);
    assert!(c.attempt(&w, &clerk(), cst("2026-10-08 23:59"), &request_review()).is_ok());
    let msg = assert_window_closed(c.attempt(&w, &clerk(), cst("2026-10-09 00:00"), &request_review()));
    assert!(msg.contains("2026-10-08") && msg.contains("30 日"), "{msg}");
}

#[test]
fn close_waits_for_the_review_window_to_lapse() {
    let w = World::new();
    let c = replied_on_0901(&w);
    let msg = assert_window_closed(c.attempt(&w, &leader(), cst("2026-10-08 18:00"), &close()));
    assert!(msg.contains("2026-10-08"), "{msg}");
    let mut c = c;
    c.run(&w, &leader(), cst("2026-10-09 09:00"), Command::Close { reason: Some("复查期限届满".into()) });
    assert_eq!(c.facts.state, State::Closed);
    assert_eq!(c.facts.closed_on, Some(day(2026, 10, 9)));
    assert!(matches!(&c.events.last().unwrap().kind, EventKind::Closed { reason: Some(r) } if r == "复查期限届满"));

    // In Reviewed, the re-review window counts: decided 07-10, + 30 = 08-09 (Sunday) → 08-10.
    let c = reviewed(&w);
    let d = c.dl(&w, "rereview_request_by");
    assert_deadline(&d, day(2026, 7, 10), 30, day(2026, 8, 10), Some(day(2026, 8, 9)), None);
    assert_window_closed(c.attempt(&w, &leader(), cst("2026-08-10 18:00"), &close()));
    assert!(c.attempt(&w, &leader(), cst("2026-08-11 09:00"), &close()).is_ok());
}

#[test]
fn rehandle_only_after_a_dissatisfied_unit_rating() {
    let w = World::new();
    let ld = leader();
    let t = cst("2026-06-12 10:00");
    let c = replied(&w);
    let msg = assert_window_closed(c.attempt(&w, &ld, t, &rehandle()));
    assert!(msg.contains("不满意"), "{msg}");
    for rating in [Rating::Satisfied, Rating::BasicallySatisfied] {
        let mut c = replied(&w);
        c.run(&w, &clerk(), cst("2026-06-11 10:00"), rate(RatingStage::Unit, rating, None));
        assert_window_closed(c.attempt(&w, &ld, t, &rehandle()));
    }
    // A dissatisfied bureau stage is not about the handling unit.
    let mut c = replied(&w);
    c.run(&w, &clerk(), cst("2026-06-11 10:00"), rate(RatingStage::Bureau, Rating::Dissatisfied, Some("排队太久")));
    assert_window_closed(c.attempt(&w, &ld, t, &rehandle()));
    assert!(!c.allowed(&w, &ld, t).contains(&"rehandle"));
}

#[test]
fn rehandle_restarts_handle_by_from_the_rehandle_date() {
    let w = World::new();
    let (qx, ld, cl) = (staff("140121"), leader(), clerk());
    let mut c = accepted(&w);
    c.run(&w, &qx, cst("2026-05-20 10:00"), extend(10));
    assert_deadline(&c.dl(&w, "handle_by"), day(2026, 4, 21), 70, day(2026, 6, 30), None, None);
    c.run(&w, &qx, cst("2026-06-10 10:00"), reply(Finding::PartlyTrue, Outcome::Explain));
    c.run(&w, &cl, cst("2026-06-11 10:00"), rate(RatingStage::Unit, Rating::Dissatisfied, Some("补偿标准过低")));
    assert_eq!(c.allowed(&w, &ld, cst("2026-06-12 10:00")).iter().filter(|a| **a == "rehandle").count(), 1);

    // Re-handling ordered Wednesday 07-01.
    c.run(&w, &ld, cst("2026-07-01 10:00"), rehandle());
    let f = &c.facts;
    assert_eq!(f.state, State::Accepted);
    assert_eq!(f.rehandle_count, 1);
    assert_eq!(f.handling_started_on, Some(day(2026, 7, 1)));
    assert_eq!(f.accepted_on, Some(day(2026, 4, 21)), "the acceptance stays");
    assert_eq!((f.replied_on, f.extension_days), (None, None));
    // 07-01 + 60: + 30 = 07-31, + 30 = 08-30, a Sunday → Monday 08-31; the old extension is gone.
    let d = c.dl(&w, "handle_by");
    assert_deadline(&d, day(2026, 7, 1), 60, day(2026, 8, 31), Some(day(2026, 8, 30)), None);
    assert_eq!(d.label_zh, "办理");
    assert!(!c.has_dl(&w, "review_request_by"));
    assert_eq!(d.completed_on, None);
    // (What happens to report_by here: see rehandle_does_not_reopen_the_result_report.)
    // A new round may be extended again: 07-01 + 90 = 09-29, a Tuesday.
    c.run(&w, &qx, cst("2026-07-10 10:00"), extend(30));
    assert_deadline(&c.dl(&w, "handle_by"), day(2026, 7, 1), 90, day(2026, 9, 29), None, None);

    // The second reply, Thursday 08-20: the unit is rated afresh.
    c.run(&w, &qx, cst("2026-08-20 10:00"), reply(Finding::True, Outcome::Support));
    assert_eq!(c.facts.unit_rating, None);
    assert_eq!(c.dl(&w, "handle_by").completed_on, Some(day(2026, 8, 20)));
    // 08-20 + 30 = 09-19, a Saturday; Sunday 09-20 is worked (国庆 调休) → 09-20.
    assert_deadline(
        &c.dl(&w, "review_request_by"),
        day(2026, 8, 20),
        30,
        day(2026, 9, 20),
        Some(day(2026, 9, 19)),
        None,
    );
    // The old dissatisfied rating no longer blocks or allows anything.
    assert_window_closed(c.attempt(&w, &ld, cst("2026-08-21 10:00"), &rehandle()));
    assert_window_closed(c.attempt(&w, &ld, cst("2026-08-21 10:00"), &close()));
    c.run(&w, &cl, cst("2026-08-21 10:00"), rate(RatingStage::Unit, Rating::Satisfied, None));
    c.run(&w, &ld, cst("2026-08-21 11:00"), close());
    assert_eq!(c.facts.state, State::Closed);
    assert_eq!(CaseFacts::from_events(&c.events).as_ref(), Some(&c.facts));
}

#[test]
fn rehandle_does_not_reopen_the_result_report() {
    let w = World::new();
    let mut c = replied(&w);
    // Assigned 04-21, replied 06-10: the result report was made, on time (due 07-20).
    let report = c.dl(&w, "report_by");
    assert_eq!((report.due, report.completed_on, report.met()), (day(2026, 7, 20), Some(day(2026, 6, 10)), Some(true)));
    c.run(&w, &clerk(), cst("2026-06-11 10:00"), rate(RatingStage::Unit, Rating::Dissatisfied, Some("补偿标准过低")));
    c.run(&w, &leader(), cst("2026-07-01 10:00"), rehandle());
    // The re-handling round runs to 08-31 (see rehandle_restarts_handle_by_from_the_rehandle_date),
    // yet report_by is open again with its old due date 07-20: the unit is overdue on 07-21 for a
    // report it made on time, 19 days into a 60-day round, and report_by is what the inbox shows.
    let report = c.dl(&w, "report_by");
    assert!(!report.is_overdue(day(2026, 7, 21)), "{report:?}");
    assert_eq!(c.next_due(&w), Some("handle_by"));
}

#[test]
fn rating_the_unit_during_rehandling_waits_for_the_new_reply() {
    let w = World::new();
    let mut c = replied(&w);
    c.run(&w, &clerk(), cst("2026-06-11 10:00"), rate(RatingStage::Unit, Rating::Dissatisfied, Some("不服")));
    c.run(&w, &leader(), cst("2026-07-01 10:00"), rehandle());
    // The new round has no reply yet, so it cannot be rated; the refusal says it was rated already
    // (the last round's 不满意 is still in unit_rating).
    let msg = assert_window_closed(c.attempt(
        &w,
        &clerk(),
        cst("2026-07-02 10:00"),
        &rate(RatingStage::Unit, Rating::Satisfied, None),
    ));
    assert!(msg.contains("出具处理意见后"), "{msg}");
}

#[test]
fn review_and_rereview_then_closed_for_good() {
    let w = World::new();
    let (cl, ld, sv) = (clerk(), leader(), supervisor());
    let mut c = replied(&w);
    // Replied 06-10: 06-10 + 30 = 07-10, a Friday.
    assert_deadline(&c.dl(&w, "review_request_by"), day(2026, 6, 10), 30, day(2026, 7, 10), None, None);

    c.run(&w, &cl, cst("2026-06-20 10:00"), request_review());
    assert_eq!(c.facts.state, State::ReviewRequested);
    assert_eq!(c.dl(&w, "review_request_by").completed_on, Some(day(2026, 6, 20)));
    // 06-20 + 30 = 07-20, a Monday.
    let d = c.dl(&w, "review_by");
    assert_deadline(&d, day(2026, 6, 20), 30, day(2026, 7, 20), None, None);
    assert_eq!(d.kind, DeadlineKind::Duty);
    assert_eq!(c.next_due(&w), Some("review_by"));
    assert_eq!(
        c.allowed(&w, &ld, cst("2026-06-21 10:00")),
        ["rate", "decide_review", "record_money", "record_visit", "instruct", "summon_meeting", "hold_meeting"]
    );
    assert_forbidden(c.attempt(&w, &sv, cst("2026-07-10 10:00"), &decide_review(ReviewDecision::Uphold)));

    c.run(&w, &ld, cst("2026-07-10 10:00"), decide_review(ReviewDecision::Uphold));
    assert_eq!(c.facts.state, State::Reviewed);
    assert_eq!(c.facts.reviewed_on, Some(day(2026, 7, 10)));
    assert_eq!(c.dl(&w, "review_by").met(), Some(true));
    assert_eq!(c.next_due(&w), None, "only the petitioner's window is open");
    // 07-10 + 30 = 08-09, a Sunday → 08-10.
    assert_deadline(
        &c.dl(&w, "rereview_request_by"),
        day(2026, 7, 10),
        30,
        day(2026, 8, 10),
        Some(day(2026, 8, 9)),
        None,
    );
    assert_window_closed(c.attempt(&w, &cl, cst("2026-08-11 09:00"), &request_rereview()));

    c.run(&w, &cl, cst("2026-07-20 10:00"), request_rereview());
    assert_eq!(c.facts.state, State::RereviewRequested);
    // 07-20 + 30 = 08-19, a Wednesday.
    assert_deadline(&c.dl(&w, "rereview_by"), day(2026, 7, 20), 30, day(2026, 8, 19), None, None);
    assert_eq!(c.next_due(&w), Some("rereview_by"));

    c.run(&w, &ld, cst("2026-08-10 10:00"), decide_rereview(ReviewDecision::Change));
    let f = &c.facts;
    assert_eq!(f.state, State::Closed);
    assert_eq!(f.closed_on, Some(day(2026, 8, 10)));
    assert_eq!(c.dl(&w, "rereview_by").completed_on, Some(day(2026, 8, 10)));
    assert_eq!(c.next_due(&w), None);
    // Closed for good: nothing but ratings and counting visits.
    let t = cst("2026-08-11 10:00");
    for cmd in [request_review(), request_rereview(), rehandle(), close(), decide_rereview(ReviewDecision::Revoke)] {
        assert_not_allowed(c.attempt(&w, &ld, t, &cmd), State::Closed);
    }
    assert_eq!(c.allowed(&w, &ld, t), ["rate", "record_visit"]);
    assert_eq!(c.allowed(&w, &staff("140121"), t), ["rate", "record_visit"]);
}

#[test]
fn answer_supervision_needs_an_open_order() {
    let w = World::new();
    let c = accepted(&w);
    let msg = assert_window_closed(c.attempt(&w, &staff("140121"), cst("2026-05-01 10:00"), &answer_supervision()));
    assert!(msg.contains("督办"), "{msg}");
    let mut c = c;
    c.run(&w, &leader(), cst("2026-05-06 09:00"), supervise());
    c.run(&w, &staff("140121"), cst("2026-05-07 09:00"), answer_supervision());
    assert_window_closed(c.attempt(&w, &staff("140121"), cst("2026-05-08 10:00"), &answer_supervision()));
}

#[test]
fn an_open_supervision_order_can_still_be_answered_after_a_review_request() {
    let w = World::new();
    let qx = staff("140121");
    let mut c = accepted(&w);
    c.run(&w, &supervisor(), cst("2026-05-06 09:00"), supervise());
    c.run(&w, &qx, cst("2026-06-03 10:00"), reply(Finding::True, Outcome::Support));
    c.run(&w, &clerk(), cst("2026-06-04 10:00"), request_review());
    // The order of 05-06 is still an open duty, due 06-05, and is what the inbox shows first ...
    let sup = c.dl(&w, "supervision_answer_by");
    assert_eq!((sup.due, sup.completed_on), (day(2026, 6, 5), None));
    assert_eq!(c.next_due(&w), Some("supervision_answer_by"));
    // ... so the supervised unit must be able to answer it (it cannot: not allowed in 复查中),
    // or the order must no longer be open.
    let res = c.attempt(&w, &qx, cst("2026-06-05 10:00"), &answer_supervision());
    assert!(res.is_ok(), "an open duty nobody can discharge: {res:?}");
}

#[test]
fn an_objection_does_not_leave_an_unanswerable_supervision_order() {
    let w = World::new();
    let mut c = routed(&w);
    c.run(&w, &supervisor(), cst("2026-04-22 09:00"), supervise());
    c.run(&w, &staff("140121"), cst("2026-04-23 10:00"), object("不属本县职权"));
    assert_eq!(c.facts.state, State::Registered);
    // Back at the bureau, nobody may answer the order (answer_supervision is not allowed in
    // 已登记待分流) and 140121, which received it, no longer has the case; yet it stays an open duty
    // that becomes overdue on 05-22 and is then answered by whichever unit gets the case next.
    let open: Vec<&str> = c
        .deadlines(&w)
        .iter()
        .filter(|d| d.kind == DeadlineKind::Duty && d.completed_on.is_none())
        .map(|d| d.name)
        .collect();
    let answerable = [clerk(), leader(), supervisor(), staff("140121")]
        .iter()
        .any(|a| c.attempt(&w, a, cst("2026-04-24 10:00"), &answer_supervision()).is_ok());
    assert!(!open.contains(&"supervision_answer_by") || answerable, "open duties: {open:?}");
}

// ---------------------------------------------------------------------------------------------
// 6. Confidentiality of accusations (检举控告)
// ---------------------------------------------------------------------------------------------

/// An accusation against 小店区 (140105), received 2026-05-11.
fn accusation_against(w: &World, accused: &str) -> Case {
    let input = RegisterInput {
        petition_type: "accusation".into(),
        statement: "反映某街道办工作人员在拆迁中违规操作。".into(),
        accused: Accused { unit: Some(accused.into()), person: Some("某街道办工作人员".into()) },
        ..simple_input("expropriation", "140105")
    };
    register(w, &input, &clerk(), cst("2026-05-11 10:00"))
}

#[test]
fn an_accusation_never_goes_to_the_accused_unit() {
    let w = World::new();
    let c = accusation_against(&w, "140105");
    assert_eq!(c.facts.accused_unit.as_deref(), Some("140105"));
    let t = cst("2026-05-11 11:00");
    let cl = clerk();
    assert_eq!(field_codes(c.attempt(&w, &cl, t, &forward("140105"))), fields(&[("unit", "route_to_accused")]));
    assert_eq!(
        field_codes(c.attempt(&w, &cl, t, &assign("140105", &["140121"]))),
        fields(&[("lead", "route_to_accused")])
    );
    assert_eq!(
        field_codes(c.attempt(&w, &cl, t, &assign("140121", &["ghzy", "140105"]))),
        fields(&[("assisting[1]", "route_to_accused")])
    );
    let err = c.attempt(&w, &cl, t, &forward("140105")).unwrap_err();
    assert!(err.message(Lang::Zh).contains("检举控告"), "{}", err.message(Lang::Zh));
    // To anyone else it may go.
    assert!(c.attempt(&w, &cl, t, &forward("jw")).is_ok());
    assert!(c.attempt(&w, &cl, t, &assign("140121", &["ghzy"])).is_ok());

    // A grievance that merely names a unit may go to that unit.
    let input = RegisterInput {
        accused: Accused { unit: Some("140105".into()), person: None },
        ..simple_input("expropriation", "140105")
    };
    let g = register(&w, &input, &cl, cst("2026-05-11 10:00"));
    assert!(g.attempt(&w, &cl, t, &forward("140105")).is_ok());
}

#[test]
fn the_accused_unit_cannot_see_the_accusation() {
    let w = World::new();
    let mut c = accusation_against(&w, "140105");
    c.run(&w, &clerk(), cst("2026-05-11 11:00"), assign("140121", &["ghzy"]));
    let f = &c.facts;
    let xd = staff("140105");
    assert!(!access::can_see(&xd, f));
    assert!(!access::can_see(&actor(Role::Leader, "140105"), f));
    assert!(access::can_see(&staff("140121"), f), "the lead unit");
    assert!(access::can_see(&staff("ghzy"), f), "the assisting unit");
    assert!(!access::can_see(&staff("rsj"), f), "an unrelated unit");

    // Even where the facts (built by hand: decide never produces them) name the accused unit as
    // lead, assisting and registering unit, it sees nothing.
    let mut worst = f.clone();
    worst.lead_unit = Some("140105".into());
    worst.assisting_units = vec!["140105".into()];
    worst.registered_by_unit = "140105".into();
    assert!(!access::can_see(&xd, &worst));
    // The same facts as a grievance are visible to it.
    let mut grievance = worst.clone();
    grievance.petition_type = crate::case::PetitionType::Grievance;
    assert!(access::can_see(&xd, &grievance));
}

#[test]
fn who_sees_which_case() {
    let w = World::new();
    let c = routed(&w);
    let f = &c.facts;
    for a in [clerk(), leader(), supervisor(), analyst()] {
        assert_eq!(access::case_scope(&a), CaseScope::All);
        assert!(access::can_see(&a, f), "{}", a.username);
    }
    for a in [admin(), duty_staff(), actor(Role::Admin, "140121"), actor(Role::DutyStaff, "140121")] {
        assert_eq!(access::case_scope(&a), CaseScope::None);
        assert!(!access::can_see(&a, f), "{}", a.username);
    }
    assert_eq!(access::case_scope(&staff("140121")), CaseScope::Unit("140121".into()));
    // An analyst posted to a county is scoped to it.
    assert_eq!(access::case_scope(&actor(Role::Analyst, "140121")), CaseScope::Unit("140121".into()));
    assert!(access::can_see(&staff("140121"), f));
    assert!(access::can_see(&staff("ghzy"), f));
    assert!(!access::can_see(&staff("140105"), f));
    assert!(!access::can_see(&staff("rsj"), f));

    // A unit sees the cases it registered itself in the hall.
    let c = register(&w, &simple_input("labor", "140105"), &staff("140105"), cst("2026-04-20 10:00"));
    assert_eq!(c.facts.registered_by_unit, "140105");
    assert!(access::can_see(&staff("140105"), &c.facts));
    assert!(!access::can_see(&staff("rsj"), &c.facts));
    // ... but registering it does not make it the handler.
    assert!(c.allowed(&w, &staff("140105"), cst("2026-04-20 11:00")).is_empty());

    // Personal data: analysts see figures, not people.
    for a in [clerk(), leader(), supervisor(), staff("140121")] {
        assert!(access::can_reveal_personal_data(&a), "{}", a.username);
    }
    for a in [analyst(), admin(), duty_staff()] {
        assert!(!access::can_reveal_personal_data(&a), "{}", a.username);
    }
}

// ---------------------------------------------------------------------------------------------
// 7. Property tests over random histories
// ---------------------------------------------------------------------------------------------

fn actor_pool() -> Vec<Actor> {
    vec![
        clerk(),
        leader(),
        supervisor(),
        analyst(),
        admin(),
        duty_staff(),
        staff("140121"),
        staff("140105"),
        staff("rsj"),
        staff("zjj"),
        staff("ghzy"),
        actor(Role::Leader, "140121"),
    ]
}

/// Routing targets: stationed units, the bureau itself, an outside organ and a unit that does not
/// exist.
const TARGETS: [&str; 8] = ["140121", "140105", "rsj", "zjj", "ghzy", "xfj", "jw", "nope"];

/// A command for `action`; `v` picks the input, one time in five an invalid one.
fn command_for(action: &str, v: u8) -> Command {
    let bad = v.is_multiple_of(5);
    let text = |s: &str| if bad { " ".to_string() } else { s.to_string() };
    let pick = |k: u8| TARGETS[usize::from(k) % TARGETS.len()].to_string();
    match action {
        "accept" => Command::Accept { note: v.is_multiple_of(2).then(|| "受理".into()) },
        "reject" => Command::Reject {
            reason: text("理由"),
            legal_route: text("向人民法院起诉"),
            separation: Separation::ALL.get(usize::from(v) % 6).copied(),
        },
        "forward" => Command::Forward { unit: pick(v / 5), note: None },
        "assign" => {
            let assisting = match v % 3 {
                0 => vec![],
                1 => vec![pick(v / 3 + 1)],
                _ => vec![pick(v / 3 + 1), pick(v / 7 + 2)],
            };
            Command::Assign { lead: pick(v / 5), assisting, note: None }
        }
        "object" => Command::Object { reason: text("不属本单位职权") },
        "extend" => Command::Extend {
            days: [0, 1, 10, 30, 31][usize::from(v / 5) % 5],
            approver: text("主任"),
            reason: text("复杂"),
        },
        "reply" => Command::Reply {
            finding: Finding::ALL[usize::from(v) % 3],
            outcome: Outcome::ALL[usize::from(v / 3) % 4],
            opinion: text("处理意见"),
            basis: None,
            mediation_agreement: (!v.is_multiple_of(7)).then(|| "调解协议".into()),
        },
        "rate" => Command::Rate {
            stage: RatingStage::ALL[usize::from(v) % 2],
            rating: Rating::ALL[usize::from(v / 2) % 3],
            reason: (!v.is_multiple_of(4)).then(|| "理由".into()),
        },
        "rehandle" => Command::Rehandle { reason: text("重新办理") },
        "request_review" => Command::RequestReview { reason: text("申请复查") },
        "decide_review" => {
            Command::DecideReview { decision: ReviewDecision::ALL[usize::from(v) % 3], opinion: text("意见") }
        }
        "request_rereview" => Command::RequestRereview { reason: text("申请复核") },
        "decide_rereview" => {
            Command::DecideRereview { decision: ReviewDecision::ALL[usize::from(v) % 3], opinion: text("意见") }
        }
        "close" => Command::Close { reason: v.is_multiple_of(2).then(|| "终结".into()) },
        "record_money" => {
            let amount = |k: u8| if bad { -i64::from(k) } else { i64::from(k) * 10_000 };
            Command::RecordMoney {
                claimed: (!v.is_multiple_of(3)).then(|| amount(v) + 2_000_000),
                paid: v.is_multiple_of(2).then(|| amount(v / 2)),
                recovered: (v % 4 == 1).then(|| amount(v / 4)),
            }
        }
        "record_visit" => Command::RecordVisit { note: None },
        "instruct" => Command::Instruct { text: text("批示") },
        "supervise" => Command::Supervise { note: text("督办") },
        "answer_supervision" => Command::AnswerSupervision { answer: text("回复") },
        "summon_meeting" => {
            Command::SummonMeeting { units: vec![pick(v / 3)], arrive_by: None, place: text("会议室") }
        }
        "hold_meeting" => Command::HoldMeeting {
            chair: text("局领导"),
            attendees: text("信访群众、县相关部门负责人"),
            discussion: text("认定属实"),
            decisions: vec![DecisionInput {
                unit: pick(v / 3),
                implementer: text("副县长"),
                days: [0, 15, 60, 400][usize::from(v) % 4],
                content: text("拿出方案"),
            }],
        },
        "complete_task" => Command::CompleteTask { task: u32::from(v % 3), note: text("已落实") },
        other => panic!("unknown action {other}"),
    }
}

/// What a case's state is after a legal `action` taken in `before`.
fn state_after(action: &str, before: State) -> State {
    match action {
        "accept" | "rehandle" => State::Accepted,
        "reject" => State::Rejected,
        "forward" | "assign" => State::Routed,
        "object" => State::Registered,
        "reply" => State::Replied,
        "request_review" => State::ReviewRequested,
        "decide_review" => State::Reviewed,
        "request_rereview" => State::RereviewRequested,
        "decide_rereview" | "close" => State::Closed,
        _ => before,
    }
}

#[derive(Debug, Clone)]
struct Step {
    who: usize,
    guided: bool,
    pick: usize,
    variant: u8,
    minutes: i64,
}

#[derive(Debug, Clone)]
struct Story {
    start_minutes: i64,
    petition_type: usize,
    accused: usize,
    category: usize,
    steps: Vec<Step>,
}

fn story_strategy() -> impl Strategy<Value = Story> {
    let step = (
        0..actor_pool().len(),
        any::<bool>(),
        any::<usize>(),
        any::<u8>(),
        prop_oneof![0i64..180, 0i64..4 * 1440, 0i64..45 * 1440],
    )
        .prop_map(|(who, guided, pick, variant, minutes)| Step { who, guided, pick, variant, minutes });
    // Registered between 2024-01-01 and 2026-06-30; the history runs on into 2027.
    (0i64..912 * 1440, 0usize..3, 0usize..4, 0usize..3, prop::collection::vec(step, 1..40)).prop_map(
        |(start_minutes, petition_type, accused, category, steps)| Story {
            start_minutes,
            petition_type,
            accused,
            category,
            steps,
        },
    )
}

/// One attempted command of a random history.
struct Turn {
    before: CaseFacts,
    actor: Actor,
    at: DateTime<Utc>,
    command: Command,
    result: Result<EventKind, DomainError>,
    after: CaseFacts,
}

/// Plays a story: register, then each step, guided (an action the chosen actor — or the next
/// actor who has any — may take now) or not (any action, any actor).
fn play(w: &World, story: &Story) -> (Case, Vec<Turn>) {
    let pool = actor_pool();
    let mut input = simple_input(["expropriation", "labor", "discipline"][story.category], "140121");
    input.petition_type = ["grievance", "accusation", "suggestion"][story.petition_type].into();
    input.accused.unit = [None, Some("140121"), Some("rsj"), Some("140105")][story.accused].map(Into::into);
    let mut at = utc("2024-01-01T00:00:00Z") + Duration::minutes(story.start_minutes);
    let end = utc("2027-12-31T12:00:00Z");
    let mut case = register(w, &input, &clerk(), at);
    let mut turns = Vec::new();
    for s in &story.steps {
        at = (at + Duration::minutes(s.minutes)).min(end);
        let ctx = w.ctx(at);
        let (actor, action) = if s.guided {
            // Mostly an action that moves the case on, so that deep states are reached: one time
            // in four any allowed action, one in four one that changes the state (not a
            // rejection), else anything but the bookkeeping ones.
            let tier = s.pick % 4;
            let wanted = |x: &str| match tier {
                0 => true,
                1 => x != "reject" && state_after(x, case.facts.state) != case.facts.state,
                _ => !["record_money", "record_visit", "instruct", "reject"].contains(&x),
            };
            let found = (0..pool.len()).map(|k| &pool[(s.who + k) % pool.len()]).find_map(|a| {
                let allowed: Vec<&'static str> =
                    allowed_actions(&case.facts, a, &ctx).into_iter().filter(|x| wanted(x)).collect();
                (!allowed.is_empty()).then(|| (a.clone(), allowed[(s.pick / 4) % allowed.len()]))
            });
            found.unwrap_or_else(|| (pool[s.who].clone(), ACTIONS[s.pick % ACTIONS.len()]))
        } else {
            (pool[s.who].clone(), ACTIONS[s.pick % ACTIONS.len()])
        };
        let command = command_for(action, s.variant);
        let before = case.facts.clone();
        let result = case.try_run(w, &actor, at, &command).map(|e| e.kind.clone());
        turns.push(Turn { before, actor, at, command, result, after: case.facts.clone() });
    }
    (case, turns)
}

fn check_deadlines(w: &World, f: &CaseFacts) -> Result<(), TestCaseError> {
    let dls = deadline::compute(f, &w.cal, &w.policy);
    for d in &dls {
        prop_assert!(w.cal.is_working_day(d.due), "{d:?} ends on a rest day");
        let plain = d.from + Days::new(u64::from(d.days));
        prop_assert!(d.due >= plain, "{d:?} ends before from + days");
        if d.working_days {
            prop_assert_eq!(w.cal.working_days_between(d.from, d.due), d.days, "{:?}", d);
            prop_assert!(d.moved_from.is_none(), "a working-day period never moves: {:?}", d);
        } else {
            // Moved only off rest days and holidays, to the first working day after them.
            prop_assert_eq!(d.moved_from, (d.due != plain).then_some(plain), "{:?}", d);
            let mut x = plain;
            while x < d.due {
                prop_assert!(!w.cal.is_working_day(x), "{d:?} skipped working day {x}");
                x = x.succ_opt().unwrap();
            }
        }
        if let Some(done) = d.completed_on {
            prop_assert!(done >= d.from, "{d:?} completed before it started");
        }
    }
    let open: Vec<&Deadline> =
        dls.iter().filter(|d| d.kind == DeadlineKind::Duty && d.completed_on.is_none()).collect();
    match deadline::next_due(&dls, f.state) {
        None => prop_assert!(f.state.is_final() || open.is_empty(), "{:?} has open duties {open:?}", f.state),
        Some(d) => {
            prop_assert!(!f.state.is_final());
            prop_assert_eq!(d.kind, DeadlineKind::Duty);
            prop_assert!(d.completed_on.is_none());
            prop_assert_eq!(Some(d.due), open.iter().map(|d| d.due).min());
        }
    }
    Ok(())
}

fn check_invariants(f: &CaseFacts) -> Result<(), TestCaseError> {
    match f.state {
        State::Registered => {
            prop_assert!(f.lead_unit.is_none() && f.assisting_units.is_empty());
            prop_assert!(f.route.is_none() && f.routed_on.is_none());
        }
        State::Routed => {
            prop_assert!(f.lead_unit.is_some() && f.lead_unit.as_deref() != Some(BUREAU));
            prop_assert!(f.route.is_some() && f.routed_on.is_some());
        }
        State::Accepted => {
            prop_assert!(f.lead_unit.is_some() && f.handling_started_on.is_some() && f.replied_on.is_none());
        }
        State::Replied => prop_assert!(f.replied_on.is_some() && f.outcome.is_some()),
        State::ReviewRequested => prop_assert!(f.review_requested_on.is_some()),
        State::Reviewed => prop_assert!(f.reviewed_on.is_some()),
        State::RereviewRequested => prop_assert!(f.rereview_requested_on.is_some()),
        State::Rejected => prop_assert!(f.rejected_on.is_some() && f.lead_unit.is_some()),
        State::Closed => prop_assert!(f.closed_on.is_some()),
    }
    if f.petition_type == crate::case::PetitionType::Accusation {
        if let Some(accused) = &f.accused_unit {
            prop_assert!(!f.involves_unit(accused), "accusation routed to the accused {accused}");
        }
    }
    if let Some(lead) = &f.lead_unit {
        prop_assert!(!f.assisting_units.contains(lead));
    }
    let mut units = f.assisting_units.clone();
    units.sort();
    units.dedup();
    prop_assert_eq!(units.len(), f.assisting_units.len());
    prop_assert!(0 <= f.money_paid && f.money_paid <= f.money_claimed);
    prop_assert!(0 <= f.money_recovered && f.money_recovered <= f.money_claimed);
    prop_assert!(f.extension_days.is_none_or(|d| (1..=30).contains(&d)));
    Ok(())
}

proptest! {
    /// (a) A legal command leads to the state its action names; the deadlines are well formed;
    /// the timeline folds back to the same facts and survives JSON.
    #[test]
    fn prop_decided_commands_lead_where_they_say(story in story_strategy()) {
        let w = World::new();
        let (case, turns) = play(&w, &story);
        check_deadlines(&w, &case_after_registration(&case))?;
        for turn in &turns {
            let action = turn.command.action();
            match &turn.result {
                Ok(kind) => {
                    prop_assert!(states_for(action).contains(&turn.before.state));
                    prop_assert_eq!(turn.after.state, state_after(action, turn.before.state), "{}", action);
                    prop_assert_eq!(kind_action(kind), action);
                    check_deadlines(&w, &turn.after)?;
                    check_invariants(&turn.after)?;
                }
                Err(_) => prop_assert_eq!(&turn.after, &turn.before, "a refused command changes nothing"),
            }
        }
        let folded = CaseFacts::from_events(&case.events);
        prop_assert_eq!(folded.as_ref(), Some(&case.facts));
        for e in &case.events {
            let json = serde_json::to_string(e).unwrap();
            prop_assert_eq!(&serde_json::from_str::<Event>(&json).unwrap(), e);
        }
    }
}

proptest! {
    /// (b) The buttons shown are exactly the actions check() allows, and check() is what decide()
    /// says about state and role.
    #[test]
    fn prop_allowed_actions_are_exactly_the_checked_ones(story in story_strategy()) {
        let w = World::new();
        let pool = actor_pool();
        let (_, turns) = play(&w, &story);
        for (i, turn) in turns.iter().enumerate() {
            let ctx = w.ctx(turn.at);
            for actor in [&turn.actor, &pool[i % pool.len()]] {
                let allowed = allowed_actions(&turn.before, actor, &ctx);
                let checked: Vec<&str> =
                    ACTIONS.into_iter().filter(|a| check(a, &turn.before, actor, &ctx).is_ok()).collect();
                prop_assert_eq!(&allowed, &checked);
                for action in ACTIONS {
                    let decided = decide(&turn.before, actor, &sample(action), &ctx);
                    match check(action, &turn.before, actor, &ctx) {
                        Ok(()) => prop_assert!(
                            !matches!(decided, Err(DomainError::NotAllowedInState { .. } | DomainError::Forbidden { .. })),
                            "{} allowed but decide says {:?}", action, decided
                        ),
                        Err(e) => {
                            prop_assert_eq!(decided, Err(e));
                        }
                    }
                }
            }
        }
    }

    /// (c) Nobody scoped to a unit ever acts on a case that scope hides from them.
    #[test]
    fn prop_unit_actors_only_act_on_cases_they_can_see(story in story_strategy()) {
        let w = World::new();
        let (_, turns) = play(&w, &story);
        for turn in &turns {
            if turn.result.is_ok() {
                match access::case_scope(&turn.actor) {
                    CaseScope::Unit(_) => prop_assert!(
                        access::can_see(&turn.actor, &turn.before),
                        "{} did {} on a case it cannot see", turn.actor.username, turn.command.action()
                    ),
                    CaseScope::None => {
                        return Err(TestCaseError::fail(format!("{} acted without any scope", turn.actor.username)))
                    }
                    CaseScope::All => {}
                }
            }
            // Whatever the outcome, unit scope and action rights agree on every actor.
            let ctx = w.ctx(turn.at);
            for a in actor_pool() {
                if !access::can_see(&a, &turn.before) {
                    prop_assert!(allowed_actions(&turn.before, &a, &ctx).is_empty(), "{} acts unseen", a.username);
                }
            }
        }
    }
}

/// The facts right after registration (the first event alone).
fn case_after_registration(case: &Case) -> CaseFacts {
    CaseFacts::from_events(&case.events[..1]).expect("a registration")
}

/// The action an event records.
fn kind_action(kind: &EventKind) -> &'static str {
    match kind.code() {
        "accepted" => "accept",
        "rejected" => "reject",
        "forwarded" => "forward",
        "assigned" => "assign",
        "objected" => "object",
        "extended" => "extend",
        "replied" => "reply",
        "rated" => "rate",
        "rehandled" => "rehandle",
        "review_requested" => "request_review",
        "review_decided" => "decide_review",
        "rereview_requested" => "request_rereview",
        "rereview_decided" => "decide_rereview",
        "closed" => "close",
        "money_recorded" => "record_money",
        "visit_recorded" => "record_visit",
        "instructed" => "instruct",
        "supervised" => "supervise",
        "supervision_answered" => "answer_supervision",
        "meeting_summoned" => "summon_meeting",
        "meeting_held" => "hold_meeting",
        "task_completed" => "complete_task",
        other => panic!("no action records {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// 8. Serde: the API's JSON
// ---------------------------------------------------------------------------------------------

/// Every action in the API's JSON, with the command it means.
fn api_examples() -> Vec<(&'static str, Command)> {
    vec![
        (r#"{"action":"accept","note":"当场受理"}"#, Command::Accept { note: Some("当场受理".into()) }),
        (
            r#"{"action":"reject","reason":"已起诉","legal_route":"等待法院判决","separation":"litigation"}"#,
            Command::Reject {
                reason: "已起诉".into(),
                legal_route: "等待法院判决".into(),
                separation: Some(Separation::Litigation),
            },
        ),
        (r#"{"action":"forward","unit":"rsj"}"#, Command::Forward { unit: "rsj".into(), note: None }),
        (r#"{"action":"assign","lead":"140121","assisting":["ghzy"]}"#, assign("140121", &["ghzy"])),
        (r#"{"action":"object","reason":"不属本单位"}"#, object("不属本单位")),
        (
            r#"{"action":"extend","days":30,"approver":"主任","reason":"复杂"}"#,
            Command::Extend { days: 30, approver: "主任".into(), reason: "复杂".into() },
        ),
        (
            r#"{"action":"reply","finding":"partly_true","outcome":"mediation","opinion":"意见","basis":"依据","mediation_agreement":"协议"}"#,
            Command::Reply {
                finding: Finding::PartlyTrue,
                outcome: Outcome::Mediation,
                opinion: "意见".into(),
                basis: Some("依据".into()),
                mediation_agreement: Some("协议".into()),
            },
        ),
        (
            r#"{"action":"rate","stage":"unit","rating":"dissatisfied","reason":"太慢"}"#,
            rate(RatingStage::Unit, Rating::Dissatisfied, Some("太慢")),
        ),
        (r#"{"action":"rehandle","reason":"重办"}"#, Command::Rehandle { reason: "重办".into() }),
        (r#"{"action":"request_review","reason":"不服"}"#, Command::RequestReview { reason: "不服".into() }),
        (
            r#"{"action":"decide_review","decision":"revoke","opinion":"撤销"}"#,
            Command::DecideReview { decision: ReviewDecision::Revoke, opinion: "撤销".into() },
        ),
        (r#"{"action":"request_rereview","reason":"不服"}"#, Command::RequestRereview { reason: "不服".into() }),
        (
            r#"{"action":"decide_rereview","decision":"change","opinion":"变更"}"#,
            Command::DecideRereview { decision: ReviewDecision::Change, opinion: "变更".into() },
        ),
        (r#"{"action":"close"}"#, close()),
        (
            r#"{"action":"record_money","claimed":340000000,"paid":160000000,"recovered":110000000}"#,
            record_money(Some(340_000_000), Some(160_000_000), Some(110_000_000)),
        ),
        (r#"{"action":"record_visit"}"#, record_visit()),
        (r#"{"action":"instruct","text":"批示"}"#, instruct("批示")),
        (r#"{"action":"supervise","note":"督办"}"#, Command::Supervise { note: "督办".into() }),
        (r#"{"action":"answer_supervision","answer":"回复"}"#, Command::AnswerSupervision { answer: "回复".into() }),
        (
            r#"{"action":"summon_meeting","units":["140121"],"place":"三楼会议室"}"#,
            Command::SummonMeeting { units: vec!["140121".into()], arrive_by: None, place: "三楼会议室".into() },
        ),
        (
            r#"{"action":"hold_meeting","chair":"赵建国","attendees":"村民代表、县征收办","discussion":"属实","decisions":[{"unit":"140121","implementer":"副县长","days":60,"content":"拿出方案"}]}"#,
            Command::HoldMeeting {
                chair: "赵建国".into(),
                attendees: "村民代表、县征收办".into(),
                discussion: "属实".into(),
                decisions: vec![DecisionInput {
                    unit: "140121".into(),
                    implementer: "副县长".into(),
                    days: 60,
                    content: "拿出方案".into(),
                }],
            },
        ),
        (
            r#"{"action":"complete_task","task":1,"note":"已发放"}"#,
            Command::CompleteTask { task: 1, note: "已发放".into() },
        ),
    ]
}

#[test]
fn command_json_round_trips_for_every_action() {
    let examples = api_examples();
    let actions: Vec<&str> = examples.iter().map(|(_, c)| c.action()).collect();
    assert_eq!(actions, ACTIONS, "one example per action, in order");
    for (json, cmd) in &examples {
        let parsed: Command = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(&parsed, cmd, "{json}");
        let value = serde_json::to_value(cmd).unwrap();
        assert_eq!(value["action"], cmd.action());
        // Every field given in the example comes back under the same name.
        let given: serde_json::Value = serde_json::from_str(json).unwrap();
        for (k, v) in given.as_object().unwrap() {
            assert_eq!(&value[k.as_str()], v, "{json}: field {k}");
        }
        assert_eq!(serde_json::from_value::<Command>(value).unwrap(), *cmd);
        assert_ne!(action_label_zh(cmd.action()), "未知操作");
    }
    assert_eq!(action_label_zh("fly"), "未知操作");
    // Fields left out take their defaults.
    assert_eq!(
        serde_json::from_str::<Command>(r#"{"action":"assign","lead":"140121"}"#).unwrap(),
        assign("140121", &[])
    );
    assert_eq!(
        serde_json::from_str::<Command>(r#"{"action":"extend"}"#).unwrap(),
        Command::Extend { days: 0, approver: String::new(), reason: String::new() }
    );
}

#[test]
fn command_json_is_strict() {
    for json in [
        r#"{"action":"accept","bogus":1}"#,
        r#"{"action":"assign","lead":"140121","assistant":["ghzy"]}"#,
        r#"{"action":"forward","unit":"rsj","lead":"rsj"}"#,
        r#"{"action":"approve"}"#,
        r#"{"unit":"rsj"}"#,
        r#"{"action":"reply","outcome":"support","opinion":"x"}"#,
        r#"{"action":"reply","finding":"true","outcome":"maybe","opinion":"x"}"#,
        r#"{"action":"rate","stage":"unit"}"#,
        r#"{"action":"extend","days":-1}"#,
        r#"{"action":"Accept"}"#,
    ] {
        assert!(serde_json::from_str::<Command>(json).is_err(), "{json} was accepted");
    }
}

#[test]
fn events_serialise_with_kind() {
    let kind = EventKind::Assigned { lead: "140121".into(), assisting: vec!["ghzy".into()], note: None };
    assert_eq!(
        serde_json::to_value(&kind).unwrap(),
        serde_json::json!({"kind": "assigned", "lead": "140121", "assisting": ["ghzy"], "note": null})
    );
    let event = Event { at: utc("2026-04-21T01:00:00Z"), actor_user_id: 7, actor_unit: "xfj".into(), kind };
    let value = serde_json::to_value(&event).unwrap();
    assert_eq!(value["kind"], "assigned");
    assert_eq!(value["actor_unit"], "xfj");
    assert_eq!(value["lead"], "140121");
    assert_eq!(serde_json::from_value::<Event>(value).unwrap(), event);

    // Every event of a whole story, each code being its kind.
    let w = World::new();
    let mut c = closed(&w);
    c.run(&w, &clerk(), cst("2026-08-11 10:00"), rate(RatingStage::Bureau, Rating::Satisfied, None));
    for e in &c.events {
        let v = serde_json::to_value(e).unwrap();
        assert_eq!(v["kind"], e.kind.code());
        assert_eq!(&serde_json::from_value::<Event>(v).unwrap(), e);
    }
    let v = serde_json::to_value(&c.events[0]).unwrap();
    assert_eq!(v["kind"], "registered");
    assert_eq!(v["headcount"], 10);
    assert_eq!(v["place_county"], "140121");
    assert_eq!(v["group"], true);
    assert_eq!(
        serde_json::to_value(EventKind::Closed { reason: None }).unwrap(),
        serde_json::json!({"kind": "closed", "reason": null})
    );
}

#[test]
fn one_open_supervision_order_at_a_time() {
    let w = World::new();
    let mut c = accepted(&w);
    c.run(&w, &supervisor(), cst("2026-05-06 09:00"), supervise());
    let res = c.attempt(&w, &supervisor(), cst("2026-05-07 09:00"), &supervise());
    assert_window_closed(res);
    c.run(&w, &staff("140121"), cst("2026-05-08 09:00"), answer_supervision());
    assert!(c.attempt(&w, &supervisor(), cst("2026-05-09 09:00"), &supervise()).is_ok());
}

#[test]
fn the_bureau_is_not_an_assisting_unit() {
    let w = World::new();
    let c = register(&w, &farmers_input(), &clerk(), cst("2026-04-20 09:00"));
    let res = c.attempt(&w, &clerk(), cst("2026-04-20 10:00"), &assign("140121", &["xfj"]));
    assert_eq!(field_codes(res), fields(&[("assisting[0]", "route_to_self")]));
}

#[test]
fn coordination_meeting_decisions_become_tracked_tasks() {
    // Story 1: the leader summons the county, holds the meeting the same morning and fixes who is
    // responsible, who carries it out and by when (60 days).
    let w = World::new();
    let mut c = registered(&w);
    c.run(&w, &leader(), cst("2026-04-20 10:05"), summon_meeting());
    let res = c.attempt(
        &w,
        &leader(),
        cst("2026-04-20 10:10"),
        &Command::HoldMeeting {
            chair: "赵建国".into(),
            attendees: " ".into(),
            discussion: "x".into(),
            decisions: vec![],
        },
    );
    assert_eq!(field_codes(res), fields(&[("attendees", "required"), ("decisions", "required")]));
    let res = c.attempt(
        &w,
        &leader(),
        cst("2026-04-20 10:10"),
        &Command::HoldMeeting {
            chair: "赵建国".into(),
            attendees: "村民".into(),
            discussion: "属实".into(),
            decisions: vec![DecisionInput {
                unit: "nope".into(),
                implementer: "".into(),
                days: 0,
                content: "x".into(),
            }],
        },
    );
    assert_eq!(
        field_codes(res),
        fields(&[
            ("decisions[0].unit", "unknown_unit"),
            ("decisions[0].implementer", "required"),
            ("decisions[0].days", "bad_days")
        ])
    );
    assert_forbidden(c.attempt(&w, &clerk(), cst("2026-04-20 10:10"), &hold_meeting(60)));
    c.run(&w, &leader(), cst("2026-04-20 11:00"), hold_meeting(60));
    assert_eq!(c.facts.meetings_held, 1);
    assert_eq!(c.facts.state, State::Registered, "a meeting does not change the state");
    // 04-20 + 60 days = 06-19, the 端午 holiday (06-19..06-21) → Monday 06-22.
    let task = c.dl(&w, "task_by");
    assert_deadline(&task, day(2026, 4, 20), 60, day(2026, 6, 22), Some(day(2026, 6, 19)), None);
    // The county made responsible now works on the case and sees it.
    assert!(c.facts.involves_unit("140121"));
    assert_eq!(c.facts.working_units(), ["140121"]);
    assert!(access::can_see(&staff("140121"), &c.facts));
    assert!(!access::can_see(&staff("140105"), &c.facts));
    // Only that county (or the bureau) records it done; another unit is told whose task it is.
    let res = c.attempt(&w, &staff("140105"), cst("2026-05-01 10:00"), &complete_task(1));
    assert_forbidden(res);
    let res = c.attempt(&w, &staff("140121"), cst("2026-05-01 10:00"), &complete_task(2));
    assert_eq!(field_codes(res), fields(&[("task", "unknown_task")]));
    c.run(&w, &staff("140121"), cst("2026-06-10 10:00"), complete_task(1));
    assert_eq!(c.dl(&w, "task_by").completed_on, Some(day(2026, 6, 10)));
    assert_window_closed(c.attempt(&w, &clerk(), cst("2026-06-11 10:00"), &complete_task(1)));
}

/// The petitioner acting online (网上信访): the bureau's system account with the public role.
fn public() -> Actor {
    Actor {
        user_id: 9,
        username: "@portal".into(),
        role: Role::Public,
        unit_id: 1,
        unit_code: BUREAU.into(),
        unit_kind: UnitKind::Bureau,
    }
}

#[test]
fn the_petitioner_online_files_rates_and_asks_for_review_and_nothing_else() {
    let w = World::new();
    let p = public();
    assert_eq!(access::case_scope(&p), CaseScope::None, "no case by query, only by query code");
    assert!(!access::can_reveal_personal_data(&p));
    let t0 = cst("2026-03-02 09:00");
    let mut c = register(&w, &simple_input("labor", "140105"), &p, t0);
    assert!(!access::can_see(&p, &c.facts));
    // Staff decisions are not the petitioner's, even on the bureau's own case.
    for cmd in [accept(), assign("rsj", &[]), record_visit(), instruct("批示")] {
        let e = c.attempt(&w, &p, t0 + Duration::hours(1), &cmd).unwrap_err();
        assert!(matches!(e, DomainError::Forbidden { .. }), "{cmd:?} gave {e:?}");
    }
    c.run(&w, &clerk(), t0 + Duration::hours(1), accept());
    c.run(&w, &p, t0 + Duration::hours(2), rate(RatingStage::Bureau, Rating::Satisfied, None));
    c.run(&w, &clerk(), t0 + Duration::days(3), reply(Finding::True, Outcome::Support));
    c.run(&w, &p, t0 + Duration::days(4), rate(RatingStage::Unit, Rating::Dissatisfied, Some("赔偿太少")));
    let allowed = c.allowed(&w, &p, t0 + Duration::days(4));
    assert!(allowed.contains(&"request_review"), "{allowed:?}");
    assert!(allowed.iter().all(|a| ["rate", "request_review", "request_rereview"].contains(a)), "{allowed:?}");
    c.run(&w, &p, t0 + Duration::days(5), request_review());
    assert_eq!(c.facts.state, State::ReviewRequested);
    // After the window the petitioner is told it closed, like staff would be.
    let mut late = register(&w, &simple_input("labor", "140105"), &p, t0);
    late.run(&w, &clerk(), t0 + Duration::hours(1), accept());
    late.run(&w, &clerk(), t0 + Duration::days(2), reply(Finding::True, Outcome::Support));
    let e = late.attempt(&w, &p, t0 + Duration::days(60), &request_review()).unwrap_err();
    assert_eq!(e.code(), "window_closed");
}
