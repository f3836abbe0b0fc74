//! 办理流程 The case lifecycle: states, commands, events, and the one function that decides whether
//! a command is legal now, for this actor, and what it produces.
//!
//! A case changes only through [`decide`]; the store appends the events it returns and the case's
//! new state in one transaction. [`CaseFacts::apply`] folds events into the facts every rule reads,
//! so the timeline is the single source of truth.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::case::{code_enum, local_date, Channel, PetitionType, Registration};
use crate::deadline::{self, Policy};
use crate::error::{DomainError, Errors};
use crate::user::{Actor, Role};

code_enum! {
    /// 案件状态 where a case stands.
    State {
        /// 已登记 registered, awaiting the bureau's triage or decision.
        Registered = "registered" / "已登记待分流",
        /// 已转送/交办 routed to a unit that must decide whether to accept.
        Routed = "routed" / "已转送交办待受理",
        /// 不予受理 not accepted (with reason and legal route).
        Rejected = "rejected" / "不予受理",
        /// 办理中 accepted and being handled.
        Accepted = "accepted" / "已受理办理中",
        /// 已答复 the 处理意见书 has been issued.
        Replied = "replied" / "已出具处理意见",
        /// 复查中 review requested at the next-higher organ.
        ReviewRequested = "review_requested" / "复查中",
        /// 已复查 review decided.
        Reviewed = "reviewed" / "已复查",
        /// 复核中 re-review requested.
        RereviewRequested = "rereview_requested" / "复核中",
        /// 已终结 closed for good.
        Closed = "closed" / "已终结",
    }
}

impl State {
    /// No further handling: nothing is due.
    pub fn is_final(self) -> bool {
        matches!(self, State::Rejected | State::Closed)
    }
}

code_enum! {
    /// 核实认定 what verification found.
    Finding { True = "true" / "属实", PartlyTrue = "partly_true" / "部分属实", NotTrue = "not_true" / "不属实" }
}

code_enum! {
    /// 处理意见 the outcome of handling.
    Outcome {
        Support = "support" / "支持",
        Explain = "explain" / "解释说明",
        NotSupported = "not_supported" / "不予支持",
        /// 调解 settled by a mediation agreement (调解协议).
        Mediation = "mediation" / "调解结案",
    }
}

code_enum! {
    /// 满意度 the petitioner's rating.
    Rating { Satisfied = "satisfied" / "满意", BasicallySatisfied = "basically_satisfied" / "基本满意", Dissatisfied = "dissatisfied" / "不满意" }
}

code_enum! {
    /// Which stage a rating is about: the bureau's acceptance stage or the handling unit.
    RatingStage { Bureau = "bureau" / "受理环节（信访部门）", Unit = "unit" / "办理环节（责任单位）" }
}

code_enum! {
    /// 诉访分离 the legal procedure a matter belongs to instead of petition handling.
    Separation {
        Litigation = "litigation" / "诉讼",
        Arbitration = "arbitration" / "仲裁",
        Reconsideration = "reconsideration" / "行政复议",
        Police = "police" / "公安机关处理",
    }
}

code_enum! {
    /// 复查/复核 decision.
    ReviewDecision { Uphold = "uphold" / "维持", Revoke = "revoke" / "撤销", Change = "change" / "变更" }
}

/// A command: something a person asks to happen to a case. JSON `{"action": "...", ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// 受理
    Accept {
        #[serde(default)]
        note: Option<String>,
    },
    /// 不予受理 (reason and legal route required)
    Reject {
        #[serde(default)]
        reason: String,
        #[serde(default)]
        legal_route: String,
        #[serde(default)]
        separation: Option<Separation>,
    },
    /// 转送 to the competent unit
    Forward {
        #[serde(default)]
        unit: String,
        #[serde(default)]
        note: Option<String>,
    },
    /// 交办 to a lead unit with assisting units, result report due
    Assign {
        #[serde(default)]
        lead: String,
        #[serde(default)]
        assisting: Vec<String>,
        #[serde(default)]
        note: Option<String>,
    },
    /// 异议 the receiving unit says it is not competent
    Object {
        #[serde(default)]
        reason: String,
    },
    /// 延期 one extension of at most 30 days, approved
    Extend {
        #[serde(default)]
        days: u32,
        #[serde(default)]
        approver: String,
        #[serde(default)]
        reason: String,
    },
    /// 答复 issue the 处理意见书
    Reply {
        finding: Finding,
        outcome: Outcome,
        #[serde(default)]
        opinion: String,
        #[serde(default)]
        basis: Option<String>,
        #[serde(default)]
        mediation_agreement: Option<String>,
    },
    /// 评价 satisfaction rating, per stage
    Rate {
        stage: RatingStage,
        rating: Rating,
        #[serde(default)]
        reason: Option<String>,
    },
    /// 重新办理 after a dissatisfied rating
    Rehandle {
        #[serde(default)]
        reason: String,
    },
    /// 申请复查
    RequestReview {
        #[serde(default)]
        reason: String,
    },
    /// 复查决定
    DecideReview {
        decision: ReviewDecision,
        #[serde(default)]
        opinion: String,
    },
    /// 申请复核
    RequestRereview {
        #[serde(default)]
        reason: String,
    },
    /// 复核决定 — the matter is then closed for good
    DecideRereview {
        decision: ReviewDecision,
        #[serde(default)]
        opinion: String,
    },
    /// 终结
    Close {
        #[serde(default)]
        reason: Option<String>,
    },
    /// 记录金额 claimed / paid / recovered, in fen
    RecordMoney {
        #[serde(default)]
        claimed: Option<i64>,
        #[serde(default)]
        paid: Option<i64>,
        #[serde(default)]
        recovered: Option<i64>,
    },
    /// 重复来访 another visit on this matter, counted against the case
    RecordVisit {
        #[serde(default)]
        note: Option<String>,
    },
    /// 领导批示
    Instruct {
        #[serde(default)]
        text: String,
    },
    /// 督办 supervision order; the unit answers in writing within 30 days
    Supervise {
        #[serde(default)]
        note: String,
    },
    /// 督办回复
    AnswerSupervision {
        #[serde(default)]
        answer: String,
    },
    /// 召集协调会 the leader summons the responsible units' heads, with a time to arrive
    SummonMeeting {
        #[serde(default)]
        units: Vec<String>,
        #[serde(default)]
        arrive_by: Option<DateTime<chrono::FixedOffset>>,
        #[serde(default)]
        place: String,
    },
    /// 召开协调会 attendees, discussion and decisions; each decision becomes a task on the case
    HoldMeeting {
        #[serde(default)]
        chair: String,
        #[serde(default)]
        attendees: String,
        #[serde(default)]
        discussion: String,
        #[serde(default)]
        decisions: Vec<DecisionInput>,
    },
    /// 落实 a decision of a coordination meeting carried out
    CompleteTask {
        /// 1-based number of the task on the case
        #[serde(default)]
        task: u32,
        #[serde(default)]
        note: String,
    },
}

/// One decision of a coordination meeting: who is responsible (责任单位), who carries it out
/// (落实人), what, and within how many days (counted by the statutory clock from the meeting).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionInput {
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub implementer: String,
    #[serde(default)]
    pub days: u32,
    #[serde(default)]
    pub content: String,
}

/// A decision as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub unit: String,
    pub implementer: String,
    pub days: u32,
    pub content: String,
}

/// A task from a coordination meeting, tracked on the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    pub unit: String,
    pub implementer: String,
    pub content: String,
    pub from: NaiveDate,
    pub days: u32,
    pub done_on: Option<NaiveDate>,
}

/// Longest period a meeting may give a task.
pub const MAX_TASK_DAYS: u32 = 365;

/// Every action, in the order the lifecycle offers them.
pub const ACTIONS: [&str; 22] = [
    "accept",
    "reject",
    "forward",
    "assign",
    "object",
    "extend",
    "reply",
    "rate",
    "rehandle",
    "request_review",
    "decide_review",
    "request_rereview",
    "decide_rereview",
    "close",
    "record_money",
    "record_visit",
    "instruct",
    "supervise",
    "answer_supervision",
    "summon_meeting",
    "hold_meeting",
    "complete_task",
];

/// The Chinese name of an action, for messages and buttons.
pub fn action_label_zh(action: &str) -> &'static str {
    match action {
        "accept" => "受理",
        "reject" => "不予受理",
        "forward" => "转送",
        "assign" => "交办",
        "object" => "提出异议",
        "extend" => "延期",
        "reply" => "出具处理意见",
        "rate" => "满意度评价",
        "rehandle" => "重新办理",
        "request_review" => "申请复查",
        "decide_review" => "复查决定",
        "request_rereview" => "申请复核",
        "decide_rereview" => "复核决定",
        "close" => "终结",
        "record_money" => "记录金额",
        "record_visit" => "记录重复来访",
        "instruct" => "领导批示",
        "supervise" => "督办",
        "answer_supervision" => "督办回复",
        "summon_meeting" => "召集协调会",
        "hold_meeting" => "召开协调会",
        "complete_task" => "落实协调会决定",
        _ => "未知操作",
    }
}

impl Command {
    pub fn action(&self) -> &'static str {
        match self {
            Command::Accept { .. } => "accept",
            Command::Reject { .. } => "reject",
            Command::Forward { .. } => "forward",
            Command::Assign { .. } => "assign",
            Command::Object { .. } => "object",
            Command::Extend { .. } => "extend",
            Command::Reply { .. } => "reply",
            Command::Rate { .. } => "rate",
            Command::Rehandle { .. } => "rehandle",
            Command::RequestReview { .. } => "request_review",
            Command::DecideReview { .. } => "decide_review",
            Command::RequestRereview { .. } => "request_rereview",
            Command::DecideRereview { .. } => "decide_rereview",
            Command::Close { .. } => "close",
            Command::RecordMoney { .. } => "record_money",
            Command::RecordVisit { .. } => "record_visit",
            Command::Instruct { .. } => "instruct",
            Command::Supervise { .. } => "supervise",
            Command::AnswerSupervision { .. } => "answer_supervision",
            Command::SummonMeeting { .. } => "summon_meeting",
            Command::HoldMeeting { .. } => "hold_meeting",
            Command::CompleteTask { .. } => "complete_task",
        }
    }
}

/// What happened, as recorded on the timeline. Serialised as `{"kind": "...", ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    Registered {
        channel: Channel,
        petition_type: PetitionType,
        category: String,
        received_at: DateTime<Utc>,
        place_county: Option<String>,
        accused_unit: Option<String>,
        registered_by_unit: String,
        headcount: u32,
        group: bool,
        leader_reception: bool,
        repeat_of: Option<String>,
        bypass: bool,
        money_claimed: i64,
        money_paid: i64,
    },
    Accepted {
        unit: String,
        note: Option<String>,
    },
    Rejected {
        unit: String,
        reason: String,
        legal_route: String,
        separation: Option<Separation>,
    },
    Forwarded {
        unit: String,
        note: Option<String>,
    },
    Assigned {
        lead: String,
        assisting: Vec<String>,
        note: Option<String>,
    },
    Objected {
        unit: String,
        reason: String,
    },
    Extended {
        days: u32,
        approver: String,
        reason: String,
    },
    Replied {
        finding: Finding,
        outcome: Outcome,
        opinion: String,
        basis: Option<String>,
        mediation_agreement: Option<String>,
    },
    Rated {
        stage: RatingStage,
        rating: Rating,
        reason: Option<String>,
    },
    Rehandled {
        reason: String,
    },
    ReviewRequested {
        reason: String,
    },
    ReviewDecided {
        decision: ReviewDecision,
        opinion: String,
    },
    RereviewRequested {
        reason: String,
    },
    RereviewDecided {
        decision: ReviewDecision,
        opinion: String,
    },
    Closed {
        reason: Option<String>,
    },
    MoneyRecorded {
        claimed: i64,
        paid: i64,
        recovered: i64,
    },
    VisitRecorded {
        note: Option<String>,
    },
    Instructed {
        text: String,
    },
    Supervised {
        note: String,
    },
    SupervisionAnswered {
        answer: String,
    },
    MeetingSummoned {
        units: Vec<String>,
        arrive_by: Option<DateTime<Utc>>,
        place: String,
    },
    MeetingHeld {
        chair: String,
        attendees: String,
        discussion: String,
        decisions: Vec<Decision>,
    },
    TaskCompleted {
        task: u32,
        note: String,
    },
}

impl EventKind {
    pub fn code(&self) -> &'static str {
        match self {
            EventKind::Registered { .. } => "registered",
            EventKind::Accepted { .. } => "accepted",
            EventKind::Rejected { .. } => "rejected",
            EventKind::Forwarded { .. } => "forwarded",
            EventKind::Assigned { .. } => "assigned",
            EventKind::Objected { .. } => "objected",
            EventKind::Extended { .. } => "extended",
            EventKind::Replied { .. } => "replied",
            EventKind::Rated { .. } => "rated",
            EventKind::Rehandled { .. } => "rehandled",
            EventKind::ReviewRequested { .. } => "review_requested",
            EventKind::ReviewDecided { .. } => "review_decided",
            EventKind::RereviewRequested { .. } => "rereview_requested",
            EventKind::RereviewDecided { .. } => "rereview_decided",
            EventKind::Closed { .. } => "closed",
            EventKind::MoneyRecorded { .. } => "money_recorded",
            EventKind::VisitRecorded { .. } => "visit_recorded",
            EventKind::Instructed { .. } => "instructed",
            EventKind::Supervised { .. } => "supervised",
            EventKind::SupervisionAnswered { .. } => "supervision_answered",
            EventKind::MeetingSummoned { .. } => "meeting_summoned",
            EventKind::MeetingHeld { .. } => "meeting_held",
            EventKind::TaskCompleted { .. } => "task_completed",
        }
    }
}

/// One entry of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub actor_user_id: i64,
    pub actor_unit: String,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// How the case was routed by the bureau.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    Forward,
    Assign,
}

/// Everything the rules need to know about a case, folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseFacts {
    pub state: State,
    pub channel: Channel,
    pub petition_type: PetitionType,
    pub category: String,
    pub received_at: DateTime<Utc>,
    pub received_on: NaiveDate,
    pub place_county: Option<String>,
    pub accused_unit: Option<String>,
    pub registered_by_unit: String,
    pub headcount: u32,
    pub group: bool,
    pub leader_reception: bool,
    pub bypass: bool,
    pub repeat_of: Option<String>,
    pub lead_unit: Option<String>,
    pub assisting_units: Vec<String>,
    pub route: Option<RouteKind>,
    pub routed_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    pub rejected_on: Option<NaiveDate>,
    /// Start of the current handling round: acceptance, or the re-handling order.
    pub handling_started_on: Option<NaiveDate>,
    pub extension_days: Option<u32>,
    pub replied_on: Option<NaiveDate>,
    /// First reply since the case was assigned: the 交办 result report (not reopened by re-handling).
    pub reported_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    pub bureau_rating: Option<Rating>,
    pub unit_rating: Option<Rating>,
    pub rehandle_count: u32,
    pub review_requested_on: Option<NaiveDate>,
    pub reviewed_on: Option<NaiveDate>,
    pub rereview_requested_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub money_claimed: i64,
    pub money_paid: i64,
    pub money_recovered: i64,
    /// Visits on this matter after the first (最多访一次 counts them).
    pub repeat_visits: u32,
    /// 督办 issued and not yet answered: the date it was issued.
    pub supervised_on: Option<NaiveDate>,
    pub supervision_count: u32,
    /// Tasks decided by coordination meetings, numbered from 1 in order.
    pub tasks: Vec<Task>,
    pub meetings_held: u32,
}

impl CaseFacts {
    /// The facts right after registration.
    pub fn registered(reg: &Registration, registered_by_unit: &str) -> (CaseFacts, EventKind) {
        let kind = EventKind::Registered {
            channel: reg.channel,
            petition_type: reg.petition_type,
            category: reg.category.clone(),
            received_at: reg.received_at,
            place_county: reg.place.county.clone(),
            accused_unit: reg.accused.unit.clone(),
            registered_by_unit: registered_by_unit.to_string(),
            headcount: reg.headcount,
            group: reg.is_group(),
            leader_reception: reg.leader_reception,
            repeat_of: reg.repeat_of.clone(),
            bypass: reg.bypass,
            money_claimed: reg.money_claimed,
            money_paid: reg.money_paid,
        };
        let facts = CaseFacts::from_registered(&kind).expect("a Registered event");
        (facts, kind)
    }

    fn from_registered(kind: &EventKind) -> Option<CaseFacts> {
        let EventKind::Registered {
            channel,
            petition_type,
            category,
            received_at,
            place_county,
            accused_unit,
            registered_by_unit,
            headcount,
            group,
            leader_reception,
            repeat_of,
            bypass,
            money_claimed,
            money_paid,
        } = kind
        else {
            return None;
        };
        Some(CaseFacts {
            state: State::Registered,
            channel: *channel,
            petition_type: *petition_type,
            category: category.clone(),
            received_at: *received_at,
            received_on: local_date(*received_at),
            place_county: place_county.clone(),
            accused_unit: accused_unit.clone(),
            registered_by_unit: registered_by_unit.clone(),
            headcount: *headcount,
            group: *group,
            leader_reception: *leader_reception,
            bypass: *bypass,
            repeat_of: repeat_of.clone(),
            lead_unit: None,
            assisting_units: vec![],
            route: None,
            routed_on: None,
            accepted_on: None,
            rejected_on: None,
            handling_started_on: None,
            extension_days: None,
            replied_on: None,
            reported_on: None,
            outcome: None,
            bureau_rating: None,
            unit_rating: None,
            rehandle_count: 0,
            review_requested_on: None,
            reviewed_on: None,
            rereview_requested_on: None,
            closed_on: None,
            money_claimed: *money_claimed,
            money_paid: *money_paid,
            money_recovered: 0,
            repeat_visits: 0,
            supervised_on: None,
            supervision_count: 0,
            tasks: vec![],
            meetings_held: 0,
        })
    }

    /// Fold a whole timeline. The first event must be the registration.
    pub fn from_events(events: &[Event]) -> Option<CaseFacts> {
        let (first, rest) = events.split_first()?;
        let mut facts = CaseFacts::from_registered(&first.kind)?;
        for e in rest {
            facts.apply(e);
        }
        Some(facts)
    }

    /// Apply one event. Total: every event is accepted, because [`decide`] only ever produces
    /// legal ones and the log is never edited.
    pub fn apply(&mut self, event: &Event) {
        let on = local_date(event.at);
        match &event.kind {
            EventKind::Registered { .. } => {}
            EventKind::Accepted { unit, .. } => {
                self.state = State::Accepted;
                self.lead_unit = Some(unit.clone());
                self.accepted_on = Some(on);
                self.handling_started_on = Some(on);
            }
            EventKind::Rejected { unit, .. } => {
                self.state = State::Rejected;
                self.lead_unit = Some(unit.clone());
                self.rejected_on = Some(on);
            }
            EventKind::Forwarded { unit, .. } => {
                self.state = State::Routed;
                self.lead_unit = Some(unit.clone());
                self.assisting_units.clear();
                self.route = Some(RouteKind::Forward);
                self.routed_on = Some(on);
            }
            EventKind::Assigned { lead, assisting, .. } => {
                self.state = State::Routed;
                self.lead_unit = Some(lead.clone());
                self.assisting_units = assisting.clone();
                self.route = Some(RouteKind::Assign);
                self.routed_on = Some(on);
                self.reported_on = None;
            }
            EventKind::Objected { .. } => {
                self.state = State::Registered;
                self.lead_unit = None;
                self.assisting_units.clear();
                self.route = None;
                self.routed_on = None;
                // A supervision order addressed the unit that has just handed the case back.
                self.supervised_on = None;
            }
            EventKind::Extended { days, .. } => self.extension_days = Some(*days),
            EventKind::Replied { outcome, .. } => {
                self.state = State::Replied;
                self.replied_on = Some(on);
                self.reported_on.get_or_insert(on);
                self.outcome = Some(*outcome);
                self.unit_rating = None;
            }
            EventKind::Rated { stage, rating, .. } => match stage {
                RatingStage::Bureau => self.bureau_rating = Some(*rating),
                RatingStage::Unit => self.unit_rating = Some(*rating),
            },
            EventKind::Rehandled { .. } => {
                self.state = State::Accepted;
                self.handling_started_on = Some(on);
                self.extension_days = None;
                self.replied_on = None;
                self.unit_rating = None;
                self.rehandle_count += 1;
            }
            EventKind::ReviewRequested { .. } => {
                self.state = State::ReviewRequested;
                self.review_requested_on = Some(on);
            }
            EventKind::ReviewDecided { .. } => {
                self.state = State::Reviewed;
                self.reviewed_on = Some(on);
            }
            EventKind::RereviewRequested { .. } => {
                self.state = State::RereviewRequested;
                self.rereview_requested_on = Some(on);
            }
            EventKind::RereviewDecided { .. } | EventKind::Closed { .. } => {
                self.state = State::Closed;
                self.closed_on = Some(on);
            }
            EventKind::MoneyRecorded { claimed, paid, recovered } => {
                self.money_claimed = *claimed;
                self.money_paid = *paid;
                self.money_recovered = *recovered;
            }
            EventKind::VisitRecorded { .. } => self.repeat_visits += 1,
            EventKind::Instructed { .. } => {}
            EventKind::Supervised { .. } => {
                self.supervised_on = Some(on);
                self.supervision_count += 1;
            }
            EventKind::SupervisionAnswered { .. } => self.supervised_on = None,
            EventKind::MeetingSummoned { .. } => {}
            EventKind::MeetingHeld { decisions, .. } => {
                self.meetings_held += 1;
                for d in decisions {
                    self.tasks.push(Task {
                        unit: d.unit.clone(),
                        implementer: d.implementer.clone(),
                        content: d.content.clone(),
                        from: on,
                        days: d.days,
                        done_on: None,
                    });
                }
            }
            EventKind::TaskCompleted { task, .. } => {
                if let Some(t) = (*task as usize).checked_sub(1).and_then(|i| self.tasks.get_mut(i)) {
                    t.done_on = Some(on);
                }
            }
        }
    }

    /// Units the case currently involves: lead, assisting, or responsible for a meeting's decision.
    pub fn involves_unit(&self, unit: &str) -> bool {
        self.lead_unit.as_deref() == Some(unit)
            || self.assisting_units.iter().any(|u| u == unit)
            || self.tasks.iter().any(|t| t.unit == unit)
    }

    /// Every unit working on the case besides the lead: assisting units, then units a
    /// coordination meeting made responsible for a decision (in that order, without repeats).
    pub fn working_units(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for u in self.assisting_units.iter().chain(self.tasks.iter().map(|t| &t.unit)) {
            if self.lead_unit.as_deref() != Some(u.as_str()) && !out.contains(u) {
                out.push(u.clone());
            }
        }
        out
    }

    /// The unit that must act now: the lead unit once routed or decided, else the bureau.
    pub fn handler_unit(&self) -> Option<&str> {
        self.lead_unit.as_deref()
    }
}

/// The context of a decision: the clock, the calendar, the policy, and the unit codes that exist.
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub calendar: &'a Calendar,
    pub policy: &'a Policy,
    /// Code of the petition bureau (the unit that triages).
    pub bureau: &'a str,
    /// Every unit code that exists.
    pub units: &'a [String],
}

impl Context<'_> {
    pub fn today(&self) -> NaiveDate {
        local_date(self.now)
    }
}

/// Who may register a petition: the bureau's clerks and leaders, stationed unit staff receiving
/// in the hall, and the petitioner filing online (the public actor; always the web channel).
pub fn check_register(actor: &Actor) -> Result<(), DomainError> {
    let ok = matches!(actor.role, Role::Clerk | Role::Leader | Role::UnitStaff | Role::Public);
    if ok {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            format!("您的角色（{}）不能登记信访事项", actor.role.label_zh()),
            format!("Your role ({}) may not register petitions", actor.role.code()),
        ))
    }
}

/// 回避 Recusal: staff of the unit an accusation is about may not register it (its material and
/// the reporter's identity must never reach the accused); the bureau's clerks register it.
pub fn check_recusal(actor: &Actor, reg: &Registration) -> Result<(), DomainError> {
    if reg.petition_type == PetitionType::Accusation && reg.accused.unit.as_deref() == Some(actor.unit_code.as_str()) {
        return Err(DomainError::forbidden(
            "本单位是被检举控告的单位，按回避规定不能登记此事项；请交信访局登记员登记",
            "Your unit is the one accused: by the recusal rule you may not register this; the bureau's clerks will",
        ));
    }
    Ok(())
}

fn is_bureau_staff(actor: &Actor) -> bool {
    actor.is_bureau() && matches!(actor.role, Role::Clerk | Role::Leader | Role::Supervisor)
}

fn is_bureau_leadership(actor: &Actor) -> bool {
    actor.is_bureau() && matches!(actor.role, Role::Leader | Role::Supervisor)
}

/// Staff who act for the unit now responsible for the case: the lead unit's staff once routed,
/// the bureau's clerks and leaders while it is still at the bureau or handled by the bureau itself.
fn is_handler(actor: &Actor, facts: &CaseFacts, bureau: &str) -> bool {
    match facts.handler_unit() {
        Some(unit) if unit != bureau => actor.unit_code == unit && matches!(actor.role, Role::UnitStaff | Role::Leader),
        _ => is_bureau_staff(actor),
    }
}

/// States in which an action can be taken (regardless of who asks).
pub fn states_for(action: &str) -> &'static [State] {
    use State::*;
    match action {
        "accept" | "reject" => &[Registered, Routed],
        "forward" | "assign" => &[Registered],
        "object" => &[Routed],
        "extend" | "reply" => &[Accepted],
        "rate" => &[Rejected, Accepted, Replied, ReviewRequested, Reviewed, RereviewRequested, Closed],
        "rehandle" | "request_review" => &[Replied],
        "decide_review" => &[ReviewRequested],
        "request_rereview" => &[Reviewed],
        "decide_rereview" => &[RereviewRequested],
        "close" => &[Replied, Reviewed],
        "record_money" | "instruct" => {
            &[Registered, Routed, Accepted, Replied, ReviewRequested, Reviewed, RereviewRequested]
        }
        "record_visit" => {
            &[Registered, Routed, Rejected, Accepted, Replied, ReviewRequested, Reviewed, RereviewRequested, Closed]
        }
        "supervise" => &[Routed, Accepted],
        "summon_meeting" | "hold_meeting" => {
            &[Registered, Routed, Accepted, Replied, ReviewRequested, Reviewed, RereviewRequested]
        }
        "complete_task" => {
            &[Registered, Routed, Accepted, Replied, ReviewRequested, Reviewed, RereviewRequested, Closed]
        }
        "answer_supervision" => &[Routed, Accepted, Replied, ReviewRequested, Reviewed, RereviewRequested],
        _ => &[],
    }
}

/// The actions legal in a state, for messages.
pub fn actions_in_state(state: State) -> Vec<&'static str> {
    ACTIONS.into_iter().filter(|a| states_for(a).contains(&state)).collect()
}

/// Whether this actor may take this action on this case now (state, role and time windows;
/// not the command's own input). `Ok` means a button can be shown.
pub fn check(action: &'static str, facts: &CaseFacts, actor: &Actor, ctx: &Context) -> Result<(), DomainError> {
    if !states_for(action).contains(&facts.state) {
        return Err(DomainError::NotAllowedInState {
            action,
            state: facts.state.code(),
            allowed: actions_in_state(facts.state),
        });
    }
    let handler = is_handler(actor, facts, ctx.bureau);
    let allowed = match action {
        "accept" | "reject" | "extend" | "reply" => handler,
        "forward" | "assign" => is_bureau_staff(actor),
        "object" => handler && facts.lead_unit.as_deref() != Some(ctx.bureau),
        "rate" | "request_review" | "request_rereview" => {
            is_bureau_staff(actor) || handler || actor.role == Role::Public
        }
        "record_visit" => is_bureau_staff(actor) || handler,
        "rehandle" | "close" | "supervise" => is_bureau_leadership(actor),
        "decide_review" | "decide_rereview" | "instruct" => actor.is_bureau() && actor.role == Role::Leader,
        "record_money" => is_bureau_staff(actor) || handler,
        "answer_supervision" => handler,
        "summon_meeting" | "hold_meeting" => actor.is_bureau() && actor.role == Role::Leader,
        "complete_task" => {
            is_bureau_staff(actor)
                || (actor.role == Role::UnitStaff
                    && facts.tasks.iter().any(|t| t.done_on.is_none() && t.unit == actor.unit_code))
        }
        _ => false,
    };
    if !allowed {
        return Err(forbidden(action, actor));
    }
    let today = ctx.today();
    let dl = deadline::compute(facts, ctx.calendar, ctx.policy);
    let window = |name: &str| dl.iter().find(|d| d.name == name).map(|d| d.due);
    match action {
        "object" => {
            if let Some(due) = window("object_by") {
                if today > due {
                    return Err(window_closed(
                        format!(
                            "提出异议的期限（{} 个工作日）已于 {due} 届满，只能受理或不予受理",
                            ctx.policy.object_working_days
                        ),
                        format!(
                            "The {}-working-day window to object ended on {due}; accept or reject instead",
                            ctx.policy.object_working_days
                        ),
                    ));
                }
            }
        }
        "extend" => {
            if facts.extension_days.is_some() {
                return Err(window_closed(
                    "本轮办理已经延期过一次，不能再次延期".to_string(),
                    "The handling period has already been extended once".to_string(),
                ));
            }
            if let Some(due) = window("handle_by") {
                if today > due {
                    return Err(window_closed(
                        format!("办理期限已于 {due} 届满，不能再延期；请尽快出具处理意见"),
                        format!("The handling period ended on {due}; it can no longer be extended"),
                    ));
                }
            }
        }
        "rehandle" if facts.unit_rating != Some(Rating::Dissatisfied) => {
            return Err(window_closed(
                "只有信访人对办理环节评价为「不满意」时才能重新办理".to_string(),
                "Re-handling needs a 'dissatisfied' rating of the handling unit".to_string(),
            ));
        }
        "request_review" | "request_rereview" => {
            let name = if action == "request_review" { "review_request_by" } else { "rereview_request_by" };
            if let Some(due) = window(name) {
                if today > due {
                    return Err(window_closed(
                        format!(
                            "申请期限已于 {due} 届满（收到意见之日起 {} 日内），不再受理该申请",
                            ctx.policy.review_request_days
                        ),
                        format!("The {}-day window to request this ended on {due}", ctx.policy.review_request_days),
                    ));
                }
            }
        }
        "close" => {
            let satisfied = facts.state == State::Replied
                && matches!(facts.unit_rating, Some(Rating::Satisfied | Rating::BasicallySatisfied));
            let name = if facts.state == State::Replied { "review_request_by" } else { "rereview_request_by" };
            let lapsed = window(name).is_some_and(|due| today > due);
            if !(satisfied || lapsed) {
                let due = window(name).map(|d| d.to_string()).unwrap_or_default();
                return Err(window_closed(
                    format!("信访人申请复查/复核的期限至 {due} 届满，期满或信访人表示满意后才能终结"),
                    format!("The petitioner may still ask for review until {due}; close after that or once they are satisfied"),
                ));
            }
        }
        "supervise" if facts.supervised_on.is_some() => {
            return Err(window_closed(
                "本案已有一份督办尚未回复，请先等待书面回复".to_string(),
                "A supervision order on this case is still unanswered".to_string(),
            ));
        }
        "complete_task" if facts.tasks.iter().all(|t| t.done_on.is_some()) => {
            return Err(window_closed(
                "本案没有待落实的协调会决定".to_string(),
                "There is no open task from a coordination meeting".to_string(),
            ));
        }
        "answer_supervision" if facts.supervised_on.is_none() => {
            return Err(window_closed(
                "本案没有待回复的督办".to_string(),
                "There is no open supervision order to answer".to_string(),
            ));
        }
        _ => {}
    }
    Ok(())
}

fn forbidden(action: &str, actor: &Actor) -> DomainError {
    DomainError::forbidden(
        format!("您（{}，{}）无权对本案执行「{}」", actor.role.label_zh(), actor.unit_code, action_label_zh(action)),
        format!("You ({}, unit {}) may not '{}' this case", actor.role.code(), actor.unit_code, action),
    )
}

fn window_closed(zh: String, en: String) -> DomainError {
    DomainError::WindowClosed { message_zh: zh, message_en: en }
}

/// The actions this actor may take on this case now.
pub fn allowed_actions(facts: &CaseFacts, actor: &Actor, ctx: &Context) -> Vec<&'static str> {
    ACTIONS.into_iter().filter(|a| check(a, facts, actor, ctx).is_ok()).collect()
}

fn required(e: &mut Errors, field: &str, value: &str, zh: &str, en: &str) -> String {
    let v = value.trim();
    if v.is_empty() {
        e.add(field, "required", format!("请填写{zh}"), format!("{en} is required"));
    }
    v.to_string()
}

fn opt(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Decide a command: refuse it with a reason, or return the event it produces.
pub fn decide(facts: &CaseFacts, actor: &Actor, cmd: &Command, ctx: &Context) -> Result<EventKind, DomainError> {
    let action = cmd.action();
    check(action, facts, actor, ctx)?;
    let mut e = Errors::default();
    let unit_exists = |e: &mut Errors, field: &str, code: &str| {
        if !ctx.units.iter().any(|u| u == code) {
            e.add(field, "unknown_unit", format!("单位「{code}」不存在"), format!("Unit '{code}' does not exist"));
        }
    };
    // 检举控告 confidentiality: the accused unit never receives the accusation.
    let not_accused = |e: &mut Errors, field: &str, code: &str| {
        if facts.petition_type == PetitionType::Accusation && facts.accused_unit.as_deref() == Some(code) {
            e.add(
                field,
                "route_to_accused",
                format!("检举控告事项不得转送或交办给被反映单位「{code}」"),
                format!("An accusation may not be routed to the accused unit '{code}'"),
            );
        }
    };
    let handling_unit = || facts.lead_unit.clone().unwrap_or_else(|| ctx.bureau.to_string());
    let kind = match cmd {
        Command::Accept { note } => EventKind::Accepted { unit: handling_unit(), note: opt(note) },
        Command::Reject { reason, legal_route, separation } => {
            let reason = required(&mut e, "reason", reason, "不予受理的理由", "The reason");
            let legal_route = required(
                &mut e,
                "legal_route",
                legal_route,
                "信访人可以选择的途径（如向人民法院起诉）",
                "The legal route",
            );
            EventKind::Rejected { unit: handling_unit(), reason, legal_route, separation: *separation }
        }
        Command::Forward { unit, note } => {
            let unit = required(&mut e, "unit", unit, "转送单位", "The unit");
            if !unit.is_empty() {
                unit_exists(&mut e, "unit", &unit);
                not_accused(&mut e, "unit", &unit);
                if unit == ctx.bureau {
                    e.add(
                        "unit",
                        "route_to_self",
                        "不能转送给信访局本身；由本局办理请直接受理",
                        "Cannot forward to the bureau itself; accept it instead",
                    );
                }
            }
            EventKind::Forwarded { unit, note: opt(note) }
        }
        Command::Assign { lead, assisting, note } => {
            let lead = required(&mut e, "lead", lead, "主办单位", "The lead unit");
            if !lead.is_empty() {
                unit_exists(&mut e, "lead", &lead);
                not_accused(&mut e, "lead", &lead);
                if lead == ctx.bureau {
                    e.add(
                        "lead",
                        "route_to_self",
                        "不能交办给信访局本身；由本局办理请直接受理",
                        "Cannot assign to the bureau itself; accept it instead",
                    );
                }
            }
            let mut seen = Vec::new();
            for (i, a) in assisting.iter().enumerate() {
                let a = a.trim().to_string();
                let field = format!("assisting[{i}]");
                unit_exists(&mut e, &field, &a);
                not_accused(&mut e, &field, &a);
                if a == ctx.bureau {
                    e.add(
                        &field,
                        "route_to_self",
                        "信访局本身不能作为协办单位",
                        "The bureau itself cannot be an assisting unit",
                    );
                }
                if a == lead || seen.contains(&a) {
                    e.add(
                        &field,
                        "duplicate_unit",
                        format!("协办单位「{a}」重复或与主办单位相同"),
                        format!("Assisting unit '{a}' is repeated or is the lead"),
                    );
                }
                seen.push(a);
            }
            EventKind::Assigned { lead, assisting: seen, note: opt(note) }
        }
        Command::Object { reason } => {
            let reason = required(&mut e, "reason", reason, "异议理由（为何本单位无权处理）", "The reason");
            EventKind::Objected { unit: handling_unit(), reason }
        }
        Command::Extend { days, approver, reason } => {
            if *days == 0 || *days > ctx.policy.max_extension_days {
                e.add(
                    "days",
                    "bad_extension_days",
                    format!("延长期限应为 1 至 {} 日，填写的是 {days} 日", ctx.policy.max_extension_days),
                    format!("An extension is 1 to {} days, not {days}", ctx.policy.max_extension_days),
                );
            }
            let approver = required(&mut e, "approver", approver, "批准延期的负责人", "The approver");
            let reason = required(&mut e, "reason", reason, "延期理由（将告知信访人）", "The reason");
            EventKind::Extended { days: *days, approver, reason }
        }
        Command::Reply { finding, outcome, opinion, basis, mediation_agreement } => {
            let opinion = required(&mut e, "opinion", opinion, "处理意见", "The opinion");
            let agreement = opt(mediation_agreement);
            if *outcome == Outcome::Mediation && agreement.is_none() {
                e.add(
                    "mediation_agreement",
                    "required",
                    "调解结案须录入调解协议内容",
                    "A mediation outcome needs the mediation agreement",
                );
            }
            EventKind::Replied {
                finding: *finding,
                outcome: *outcome,
                opinion,
                basis: opt(basis),
                mediation_agreement: agreement,
            }
        }
        Command::Rate { stage, rating, reason } => {
            let reason = opt(reason);
            match stage {
                RatingStage::Bureau if facts.bureau_rating.is_some() => {
                    return Err(window_closed(
                        "信访部门受理环节已经评价过".into(),
                        "The bureau stage has already been rated".into(),
                    ))
                }
                RatingStage::Unit if facts.unit_rating.is_some() => {
                    return Err(window_closed(
                        "本轮办理已经评价过".into(),
                        "This round of handling has already been rated".into(),
                    ))
                }
                RatingStage::Unit if facts.replied_on.is_none() || facts.state == State::Rejected => {
                    return Err(window_closed(
                        "责任单位出具处理意见后才能评价办理环节".into(),
                        "The handling unit can be rated once it has replied".into(),
                    ))
                }
                _ => {}
            }
            if *rating == Rating::Dissatisfied && reason.is_none() {
                e.add(
                    "reason",
                    "required",
                    "评价为不满意时请记录信访人的理由",
                    "A dissatisfied rating needs the petitioner's reason",
                );
            }
            EventKind::Rated { stage: *stage, rating: *rating, reason }
        }
        Command::Rehandle { reason } => {
            EventKind::Rehandled { reason: required(&mut e, "reason", reason, "重新办理的要求", "The reason") }
        }
        Command::RequestReview { reason } => EventKind::ReviewRequested {
            reason: required(&mut e, "reason", reason, "复查请求及理由", "The reason"),
        },
        Command::DecideReview { decision, opinion } => EventKind::ReviewDecided {
            decision: *decision,
            opinion: required(&mut e, "opinion", opinion, "复查意见", "The opinion"),
        },
        Command::RequestRereview { reason } => EventKind::RereviewRequested {
            reason: required(&mut e, "reason", reason, "复核请求及理由", "The reason"),
        },
        Command::DecideRereview { decision, opinion } => EventKind::RereviewDecided {
            decision: *decision,
            opinion: required(&mut e, "opinion", opinion, "复核意见", "The opinion"),
        },
        Command::Close { reason } => EventKind::Closed { reason: opt(reason) },
        Command::RecordMoney { claimed, paid, recovered } => {
            let claimed = claimed.unwrap_or(facts.money_claimed);
            let paid = paid.unwrap_or(facts.money_paid);
            let recovered = recovered.unwrap_or(facts.money_recovered);
            for (field, v) in [("claimed", claimed), ("paid", paid), ("recovered", recovered)] {
                if v < 0 {
                    e.add(field, "negative_money", "金额不能为负数", "Amounts cannot be negative");
                }
            }
            if claimed >= 0 && paid > claimed {
                e.add(
                    "paid",
                    "paid_exceeds_claimed",
                    "已支付金额不能超过诉求金额",
                    "The amount paid cannot exceed the amount claimed",
                );
            }
            if claimed >= 0 && recovered > claimed {
                e.add(
                    "recovered",
                    "recovered_exceeds_claimed",
                    "追回金额不能超过诉求金额",
                    "The amount recovered cannot exceed the amount claimed",
                );
            }
            if claimed >= 0
                && paid >= 0
                && recovered >= 0
                && paid <= claimed
                && recovered <= claimed
                && paid + recovered > claimed
            {
                e.add(
                    "recovered",
                    "money_exceeds_claimed",
                    "已支付与已追回金额之和不能超过诉求金额",
                    "Paid and recovered together cannot exceed the amount claimed",
                );
            }
            EventKind::MoneyRecorded { claimed, paid, recovered }
        }
        Command::RecordVisit { note } => EventKind::VisitRecorded { note: opt(note) },
        Command::Instruct { text } => {
            EventKind::Instructed { text: required(&mut e, "text", text, "批示内容", "The instruction") }
        }
        Command::Supervise { note } => {
            EventKind::Supervised { note: required(&mut e, "note", note, "督办要求", "The supervision order") }
        }
        Command::AnswerSupervision { answer } => EventKind::SupervisionAnswered {
            answer: required(&mut e, "answer", answer, "书面回复内容", "The answer"),
        },
        Command::SummonMeeting { units, arrive_by, place } => {
            if units.is_empty() {
                e.add("units", "required", "请选择要召集的责任单位", "Choose the units to summon");
            }
            let mut seen: Vec<String> = Vec::new();
            for (i, u) in units.iter().enumerate() {
                let u = u.trim().to_string();
                let field = format!("units[{i}]");
                unit_exists(&mut e, &field, &u);
                not_accused(&mut e, &field, &u);
                if !seen.contains(&u) {
                    seen.push(u);
                }
            }
            if let Some(t) = arrive_by {
                if t.with_timezone(&Utc) < ctx.now {
                    e.add(
                        "arrive_by",
                        "in_the_past",
                        "限时到达的时间不能早于现在",
                        "The time to arrive cannot be in the past",
                    );
                }
            }
            EventKind::MeetingSummoned {
                units: seen,
                arrive_by: arrive_by.map(|t| t.with_timezone(&Utc)),
                place: place.trim().to_string(),
            }
        }
        Command::HoldMeeting { chair, attendees, discussion, decisions } => {
            let chair = required(&mut e, "chair", chair, "主持人", "The chair");
            let attendees =
                required(&mut e, "attendees", attendees, "参会人员（信访人、单位、工作人员）", "The attendees");
            let discussion = required(&mut e, "discussion", discussion, "会议情况", "The discussion");
            if decisions.is_empty() {
                e.add(
                    "decisions",
                    "required",
                    "协调会须明确至少一项决定：由谁负责、谁落实、何时办结",
                    "A meeting records at least one decision: who is responsible, who carries it out, by when",
                );
            }
            let mut out = Vec::new();
            for (i, d) in decisions.iter().enumerate() {
                let p = format!("decisions[{i}]");
                let unit = d.unit.trim().to_string();
                if unit.is_empty() {
                    e.add(&format!("{p}.unit"), "required", "请选择责任单位", "Choose the responsible unit");
                } else {
                    unit_exists(&mut e, &format!("{p}.unit"), &unit);
                    not_accused(&mut e, &format!("{p}.unit"), &unit);
                }
                let implementer =
                    required(&mut e, &format!("{p}.implementer"), &d.implementer, "落实人", "The implementer");
                let content = required(&mut e, &format!("{p}.content"), &d.content, "决定事项", "The decision");
                if d.days == 0 || d.days > MAX_TASK_DAYS {
                    e.add(
                        &format!("{p}.days"),
                        "bad_days",
                        format!("办结期限应为 1 至 {MAX_TASK_DAYS} 日"),
                        format!("The period is 1 to {MAX_TASK_DAYS} days"),
                    );
                }
                out.push(Decision { unit, implementer, days: d.days, content });
            }
            EventKind::MeetingHeld { chair, attendees, discussion, decisions: out }
        }
        Command::CompleteTask { task, note } => {
            let open = (*task as usize).checked_sub(1).and_then(|i| facts.tasks.get(i));
            match open {
                None => {
                    e.add("task", "unknown_task", format!("没有第 {task} 项决定"), format!("There is no task {task}"))
                }
                Some(t) if t.done_on.is_some() => e.add(
                    "task",
                    "task_done",
                    format!("第 {task} 项决定已经落实"),
                    format!("Task {task} is already done"),
                ),
                Some(t) if actor.role == Role::UnitStaff && t.unit != actor.unit_code => e.add(
                    "task",
                    "task_of_another_unit",
                    format!("第 {task} 项决定由「{}」负责落实，不是本单位", t.unit),
                    format!("Task {task} is for unit '{}', not yours", t.unit),
                ),
                Some(_) => {}
            }
            EventKind::TaskCompleted {
                task: *task, note: required(&mut e, "note", note, "落实情况", "What was done")
            }
        }
    };
    e.into_result()?;
    Ok(kind)
}
