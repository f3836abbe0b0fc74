//! 文书 Formal documents: which event issues which document, the fields the rules require in
//! each, and how an administrator's template (minijinja) turns them into a [`RenderedDocument`] —
//! the one simple structure both outputs (print-ready HTML and DOCX) are made from.
//!
//! A template body is text: every non-empty line is a paragraph, and a line `【标签】内容` is a
//! labelled field. Values are inserted as text (no HTML): escaping is the outputs' business.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::case::{code_enum, local_date, Channel, PetitionType};
use crate::deadline::{self, Policy};
use crate::error::DomainError;
use crate::lifecycle::{CaseFacts, Decision, Event, EventKind, Finding, Outcome, ReviewDecision, Separation};

code_enum! {
    /// 文书种类 the kinds of formal document.
    DocKind {
        /// 受理告知书 to the petitioner, on acceptance.
        AcceptNotice = "accept_notice" / "信访事项受理告知书",
        /// 不予受理告知书 to the petitioner: the reason and the legal route (诉访分离).
        RejectNotice = "reject_notice" / "信访事项不予受理告知书",
        /// 转送单 to the competent unit.
        ForwardSlip = "forward_slip" / "信访事项转送单",
        /// 交办单 to the lead unit, with the result report due.
        AssignSlip = "assign_slip" / "信访事项交办单",
        /// 延期告知书 to the petitioner: why, and the new due date.
        ExtensionNotice = "extension_notice" / "信访事项延期办理告知书",
        /// 信访事项处理意见书 to the petitioner: request, findings, opinion, basis, review route.
        Opinion = "opinion" / "信访事项处理意见书",
        /// 复查意见书 to the petitioner, with the re-review route.
        ReviewOpinion = "review_opinion" / "信访事项复查意见书",
        /// 复核意见书 to the petitioner: final (终结).
        RereviewOpinion = "rereview_opinion" / "信访事项复核意见书",
        /// 督办单 to the supervised unit, which answers in writing.
        SupervisionOrder = "supervision_order" / "信访事项督办单",
        /// 协调会议纪要 to the units at the meeting: decisions as tasks.
        MeetingMinutes = "meeting_minutes" / "信访事项协调会议纪要",
    }
}

impl DocKind {
    /// The document an event issues, if any.
    pub fn for_event(kind: &EventKind) -> Option<DocKind> {
        Some(match kind {
            EventKind::Accepted { .. } => DocKind::AcceptNotice,
            EventKind::Rejected { .. } => DocKind::RejectNotice,
            EventKind::Forwarded { .. } => DocKind::ForwardSlip,
            EventKind::Assigned { .. } => DocKind::AssignSlip,
            EventKind::Extended { .. } => DocKind::ExtensionNotice,
            EventKind::Replied { .. } => DocKind::Opinion,
            EventKind::ReviewDecided { .. } => DocKind::ReviewOpinion,
            EventKind::RereviewDecided { .. } => DocKind::RereviewOpinion,
            EventKind::Supervised { .. } => DocKind::SupervisionOrder,
            EventKind::MeetingHeld { .. } => DocKind::MeetingMinutes,
            _ => return None,
        })
    }

    /// Addressed to the petitioner (notices and opinions: shown on the portal) or internal
    /// (slips, supervision orders, minutes).
    pub fn to_petitioner(self) -> bool {
        !matches!(
            self,
            DocKind::ForwardSlip | DocKind::AssignSlip | DocKind::SupervisionOrder | DocKind::MeetingMinutes
        )
    }

    /// The shipped number prefix (发文字号 before the year); administrators change it.
    pub fn default_prefix(self) -> &'static str {
        match self {
            DocKind::AcceptNotice => "并信受",
            DocKind::RejectNotice => "并信不受",
            DocKind::ForwardSlip => "并信转",
            DocKind::AssignSlip => "并信交",
            DocKind::ExtensionNotice => "并信延",
            DocKind::Opinion => "并信处",
            DocKind::ReviewOpinion => "并信复查",
            DocKind::RereviewOpinion => "并信复核",
            DocKind::SupervisionOrder => "并信督",
            DocKind::MeetingMinutes => "并信纪",
        }
    }

    /// The shipped template body (`crates/core/data/documents/`).
    pub fn default_body(self) -> &'static str {
        match self {
            DocKind::AcceptNotice => include_str!("../data/documents/accept_notice.txt"),
            DocKind::RejectNotice => include_str!("../data/documents/reject_notice.txt"),
            DocKind::ForwardSlip => include_str!("../data/documents/forward_slip.txt"),
            DocKind::AssignSlip => include_str!("../data/documents/assign_slip.txt"),
            DocKind::ExtensionNotice => include_str!("../data/documents/extension_notice.txt"),
            DocKind::Opinion => include_str!("../data/documents/opinion.txt"),
            DocKind::ReviewOpinion => include_str!("../data/documents/review_opinion.txt"),
            DocKind::RereviewOpinion => include_str!("../data/documents/rereview_opinion.txt"),
            DocKind::SupervisionOrder => include_str!("../data/documents/supervision_order.txt"),
            DocKind::MeetingMinutes => include_str!("../data/documents/meeting_minutes.txt"),
        }
    }

    /// The context fields the rules require in this document: each must be given (non-empty).
    pub fn required_fields(self) -> &'static [&'static str] {
        match self {
            DocKind::AcceptNotice => &["case_number", "addressee", "received_on", "request", "handle_by"],
            DocKind::RejectNotice => &["case_number", "addressee", "request", "reason", "legal_route"],
            DocKind::ForwardSlip => &["case_number", "addressee", "statement", "decide_by", "object_by"],
            DocKind::AssignSlip => &["case_number", "addressee", "statement", "lead_unit", "report_by"],
            DocKind::ExtensionNotice => &["case_number", "addressee", "reason", "extension_days", "handle_by"],
            DocKind::Opinion => &[
                "case_number",
                "addressee",
                "request",
                "finding",
                "opinion",
                "outcome",
                "basis",
                "review_organ",
                "review_request_by",
            ],
            DocKind::ReviewOpinion => {
                &["case_number", "addressee", "decision", "opinion", "rereview_organ", "rereview_request_by"]
            }
            DocKind::RereviewOpinion => &["case_number", "addressee", "decision", "opinion"],
            DocKind::SupervisionOrder => &["case_number", "addressee", "supervision_note", "supervision_answer_by"],
            DocKind::MeetingMinutes => &["case_number", "chair", "attendees", "tasks"],
        }
    }
}

/// `并信受〔2026〕12号`: prefix, year in 六角括号, serial.
pub fn format_number(prefix: &str, year: i32, serial: i64) -> String {
    format!("{prefix}〔{year}〕{serial}号")
}

/// `2026年11月25日`
pub fn date_zh(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// What the store knows about a case that the events do not carry.
#[derive(Debug, Clone, Default)]
pub struct CaseInfo {
    pub number: String,
    /// Petitioners' names, in order (a document to the petitioner is addressed to them).
    pub petitioners: Vec<String>,
    pub statement: String,
    pub demands: Option<String>,
    /// Category name (问题类别).
    pub category: String,
    /// Unit names by code.
    pub unit_names: BTreeMap<String, String>,
    /// Parent unit codes by code (the next-higher organ where the tree says so).
    pub unit_parents: BTreeMap<String, String>,
}

impl CaseInfo {
    fn unit(&self, code: &str) -> String {
        self.unit_names.get(code).cloned().unwrap_or_else(|| code.to_string())
    }
    /// 上一级行政机关 of a unit: its parent in the unit tree, or said in words.
    fn higher_organ(&self, code: &str) -> String {
        match self.unit_parents.get(code) {
            Some(p) => self.unit(p),
            None => format!("{}的上一级行政机关", self.unit(code)),
        }
    }
}

/// A decision of a coordination meeting as the minutes list it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TaskLine {
    pub number: usize,
    pub unit: String,
    pub implementer: String,
    pub content: String,
    pub days: u32,
    pub due: String,
}

/// Everything a template may use. Every key is always present (null where it does not apply),
/// so templates are checked strictly: a misspelt name is an error, not a blank.
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct DocContext {
    pub case_number: String,
    pub addressee: String,
    pub petitioner_names: String,
    pub organ: String,
    pub issued_on: String,
    pub received_on: String,
    pub channel: String,
    pub petition_type: String,
    pub category: String,
    pub statement: String,
    pub demands: Option<String>,
    /// The petitioner's request: the demands, or the statement when none were recorded.
    pub request: String,
    pub lead_unit: Option<String>,
    pub assisting_units: Option<String>,
    pub note: Option<String>,
    pub reason: Option<String>,
    pub legal_route: Option<String>,
    pub separation: Option<String>,
    pub decide_by: Option<String>,
    pub object_days: u32,
    pub object_by: Option<String>,
    pub report_by: Option<String>,
    pub handle_days: u32,
    pub max_extension_days: u32,
    pub handle_by: Option<String>,
    pub extension_days: Option<u32>,
    pub approver: Option<String>,
    pub finding: Option<String>,
    pub outcome: Option<String>,
    pub opinion: Option<String>,
    pub basis: Option<String>,
    pub mediation_agreement: Option<String>,
    pub review_days: u32,
    pub review_organ: Option<String>,
    pub review_request_by: Option<String>,
    pub review_reason: Option<String>,
    pub decision: Option<String>,
    pub rereview_organ: Option<String>,
    pub rereview_request_by: Option<String>,
    pub rereview_reason: Option<String>,
    pub supervision_note: Option<String>,
    pub supervision_days: u32,
    pub supervision_answer_by: Option<String>,
    pub held_at: Option<String>,
    pub chair: Option<String>,
    pub attendees: Option<String>,
    pub discussion: Option<String>,
    pub tasks: Vec<TaskLine>,
}

impl DocContext {
    /// Whether a field is given (for the rules' required fields).
    pub fn has(&self, field: &str) -> bool {
        match serde_json::to_value(self).ok().and_then(|v| v.get(field).cloned()) {
            Some(serde_json::Value::String(s)) => !s.trim().is_empty(),
            Some(serde_json::Value::Array(a)) => !a.is_empty(),
            Some(serde_json::Value::Null) | None => false,
            Some(_) => true,
        }
    }
}

/// The document's place in the case: the timeline that issues it.
pub struct Issue<'a> {
    /// The timeline up to and including the issuing event (the last one).
    pub events: &'a [Event],
    pub info: &'a CaseInfo,
}

/// Build the context of the document the last event issues.
pub fn context(issue: &Issue<'_>, cal: &Calendar, policy: &Policy) -> Option<DocContext> {
    let event = issue.events.last()?;
    let facts = CaseFacts::from_events(issue.events)?;
    let info = issue.info;
    let due = |name: &str| {
        deadline::compute(&facts, cal, policy).into_iter().rev().find(|d| d.name == name).map(|d| date_zh(d.due))
    };
    let organ_code = &event.actor_unit;
    let names = info.petitioners.join("、");
    let request = info.demands.clone().filter(|d| !d.trim().is_empty()).unwrap_or_else(|| info.statement.clone());
    let mut c = DocContext {
        case_number: info.number.clone(),
        addressee: names.clone(),
        petitioner_names: names,
        organ: info.unit(organ_code),
        issued_on: date_zh(local_date(event.at)),
        received_on: date_zh(facts.received_on),
        channel: facts.channel.label_zh().to_string(),
        petition_type: facts.petition_type.label_zh().to_string(),
        category: info.category.clone(),
        statement: info.statement.clone(),
        demands: info.demands.clone(),
        request,
        lead_unit: facts.lead_unit.as_deref().map(|u| info.unit(u)),
        assisting_units: (!facts.assisting_units.is_empty())
            .then(|| facts.assisting_units.iter().map(|u| info.unit(u)).collect::<Vec<_>>().join("、")),
        object_days: policy.object_working_days,
        handle_days: policy.handle_days,
        max_extension_days: policy.max_extension_days,
        review_days: policy.review_request_days,
        supervision_days: policy.supervision_days,
        ..DocContext::default()
    };
    // The most recent request of a review or re-review, for the opinions that answer them.
    let last_reason =
        |want: fn(&EventKind) -> Option<&String>| issue.events.iter().rev().find_map(|e| want(&e.kind)).cloned();
    match &event.kind {
        EventKind::Accepted { note, .. } => {
            c.note = note.clone();
            c.handle_by = due("handle_by");
        }
        EventKind::Rejected { reason, legal_route, separation, .. } => {
            c.reason = Some(reason.clone());
            c.legal_route = Some(legal_route.clone());
            c.separation = separation.map(|s: Separation| s.label_zh().to_string());
        }
        EventKind::Forwarded { unit, note } => {
            c.addressee = info.unit(unit);
            c.note = note.clone();
            c.decide_by = due("decide_by");
            c.object_by = due("object_by");
        }
        EventKind::Assigned { lead, note, .. } => {
            c.addressee = info.unit(lead);
            c.note = note.clone();
            c.report_by = due("report_by");
        }
        EventKind::Extended { days, approver, reason } => {
            c.extension_days = Some(*days);
            c.approver = Some(approver.clone());
            c.reason = Some(reason.clone());
            c.handle_by = due("handle_by");
        }
        EventKind::Replied { finding, outcome, opinion, basis, mediation_agreement } => {
            c.finding = Some(finding.label_zh().to_string());
            c.outcome = Some(outcome.label_zh().to_string());
            c.opinion = Some(opinion.clone());
            c.basis = Some(
                basis
                    .clone()
                    .filter(|b| !b.trim().is_empty())
                    .unwrap_or_else(|| "《信访工作条例》及有关法律、法规、规章和政策规定".to_string()),
            );
            c.mediation_agreement = mediation_agreement.clone();
            c.review_organ = Some(info.higher_organ(organ_code));
            c.review_request_by = due("review_request_by");
        }
        EventKind::ReviewDecided { decision, opinion } => {
            c.decision = Some(decision.label_zh().to_string());
            c.opinion = Some(opinion.clone());
            c.review_reason = last_reason(|k| match k {
                EventKind::ReviewRequested { reason } => Some(reason),
                _ => None,
            });
            c.rereview_organ = Some(info.higher_organ(organ_code));
            c.rereview_request_by = due("rereview_request_by");
        }
        EventKind::RereviewDecided { decision, opinion } => {
            c.decision = Some(decision.label_zh().to_string());
            c.opinion = Some(opinion.clone());
            c.rereview_reason = last_reason(|k| match k {
                EventKind::RereviewRequested { reason } => Some(reason),
                _ => None,
            });
        }
        EventKind::Supervised { note } => {
            c.addressee = c.lead_unit.clone().unwrap_or_default();
            c.supervision_note = Some(note.clone());
            c.supervision_answer_by = due("supervision_answer_by");
        }
        EventKind::MeetingHeld { chair, attendees, discussion, decisions } => {
            let first = facts.tasks.len().saturating_sub(decisions.len());
            c.tasks = facts.tasks[first..]
                .iter()
                .enumerate()
                .map(|(i, t)| TaskLine {
                    number: first + i + 1,
                    unit: info.unit(&t.unit),
                    implementer: t.implementer.clone(),
                    content: t.content.clone(),
                    days: t.days,
                    due: date_zh(cal.add_days(t.from, t.days).date),
                })
                .collect();
            let mut units: Vec<String> = Vec::new();
            for d in decisions {
                let n = info.unit(&d.unit);
                if !units.contains(&n) {
                    units.push(n);
                }
            }
            c.addressee = units.join("、");
            c.held_at =
                Some(event.at.with_timezone(&crate::case::china_offset()).format("%Y年%m月%d日 %H:%M").to_string());
            c.chair = Some(chair.clone());
            c.attendees = Some(attendees.clone());
            c.discussion = Some(discussion.clone());
        }
        _ => return None,
    }
    Some(c)
}

/// An administrator's template of one kind: number prefix, title and body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocTemplate {
    pub kind: DocKind,
    pub prefix: String,
    pub title: String,
    pub body: String,
    /// 0 for the shipped template; each save adds one.
    pub version: i64,
}

impl DocTemplate {
    /// The template shipped for a kind.
    pub fn shipped(kind: DocKind) -> DocTemplate {
        DocTemplate {
            kind,
            prefix: kind.default_prefix().to_string(),
            title: kind.label_zh().to_string(),
            body: kind.default_body().to_string(),
            version: 0,
        }
    }
}

/// One block of a document's body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Paragraph {
        text: String,
    },
    /// 【label】value
    Field {
        label: String,
        value: String,
    },
}

/// A document as issued: what the HTML page and the DOCX file are both made from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenderedDocument {
    pub title: String,
    /// 文号, e.g. 并信处〔2026〕3号.
    pub number: String,
    /// 主送: the petitioner(s), or the unit.
    pub addressee: String,
    pub blocks: Vec<Block>,
    /// 落款 the issuing organ.
    pub organ: String,
    /// 成文日期, e.g. 2026年11月25日.
    pub date: String,
}

/// Limit on the work one template may do (a loop over a huge range is refused, not run).
const TEMPLATE_FUEL: u64 = 200_000;
pub const MAX_TEMPLATE_CHARS: usize = 20_000;

fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_fuel(Some(TEMPLATE_FUEL));
    // Text, not HTML: the outputs escape.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env
}

fn template_error(e: &minijinja::Error) -> DomainError {
    use minijinja::ErrorKind as K;
    let what = match e.kind() {
        K::SyntaxError => "语法错误",
        K::UndefinedError => "使用了不存在的字段（可用字段见下方示例）",
        K::UnknownFilter => "未知的过滤器",
        K::UnknownTest => "未知的测试",
        K::UnknownFunction => "未知的函数",
        K::OutOfFuel => "模板运算量过大",
        _ => "无法套用",
    };
    let line = e.line().map(|l| format!("第 {l} 行")).unwrap_or_default();
    let detail = e.detail().unwrap_or_default();
    DomainError::invalid(
        "body",
        "template_invalid",
        format!("文书模板有误{}{line}：{what}。{detail}", if line.is_empty() { "" } else { "，" }),
        format!("The document template is invalid {line}: {e}"),
    )
}

/// Render a template against a context: the document, or a clear message (Chinese and English)
/// saying what is wrong and on which line.
pub fn render(t: &DocTemplate, number: &str, ctx: &DocContext) -> Result<RenderedDocument, DomainError> {
    check_template_fields(t)?;
    let env = environment();
    let text = env.render_str(&t.body, ctx).map_err(|e| template_error(&e))?;
    Ok(RenderedDocument {
        title: t.title.trim().to_string(),
        number: number.to_string(),
        addressee: ctx.addressee.clone(),
        blocks: blocks(&text),
        organ: ctx.organ.clone(),
        date: ctx.issued_on.clone(),
    })
}

fn check_template_fields(t: &DocTemplate) -> Result<(), DomainError> {
    let bad = |field: &str, zh: &str, en: &str| Err(DomainError::invalid(field, "template_invalid", zh, en));
    if t.title.trim().is_empty() || t.title.chars().count() > 64 {
        return bad("title", "文书标题不能为空，最长 64 字", "The title is required, at most 64 characters");
    }
    let p = t.prefix.trim();
    if p.is_empty() || p.chars().count() > 16 || p.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad(
            "prefix",
            "文号前缀不能为空，不含空格，最长 16 字",
            "The number prefix is required, no spaces, at most 16",
        );
    }
    if t.body.trim().is_empty() || t.body.chars().count() > MAX_TEMPLATE_CHARS {
        return bad(
            "body",
            "模板正文不能为空，最长 20000 字",
            "The template body is required, at most 20000 characters",
        );
    }
    Ok(())
}

/// Split rendered text into blocks: `【label】value` lines are fields, other lines paragraphs.
pub fn blocks(text: &str) -> Vec<Block> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.strip_prefix('【').and_then(|r| r.split_once('】')) {
            Some((label, value)) if !label.is_empty() => {
                Block::Field { label: label.trim().to_string(), value: value.trim().to_string() }
            }
            _ => Block::Paragraph { text: l.to_string() },
        })
        .collect()
}

/// A sample case for previews: the timeline that issues a document of this kind, with
/// invented people, and what the store would know about it.
pub fn sample(kind: DocKind) -> (Vec<Event>, CaseInfo) {
    let at = |d: u32, h: u32| -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2026, 3, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .map(|t| t.and_utc())
            .unwrap_or_default()
    };
    let ev = |day: u32, unit: &str, kind: EventKind| Event {
        at: at(day, 2),
        actor_user_id: 1,
        actor_unit: unit.into(),
        kind,
    };
    let registered = EventKind::Registered {
        channel: Channel::Visit,
        petition_type: PetitionType::Grievance,
        category: "labor".into(),
        received_at: at(2, 1),
        place_county: Some("140105".into()),
        accused_unit: None,
        registered_by_unit: "xfj".into(),
        headcount: 1,
        group: false,
        leader_reception: false,
        repeat_of: None,
        bypass: false,
        money_claimed: 0,
        money_paid: 0,
    };
    let mut events = vec![ev(2, "xfj", registered)];
    let accepted = |events: &mut Vec<Event>| {
        events.push(ev(3, "xfj", EventKind::Assigned { lead: "rsj".into(), assisting: vec![], note: None }));
        events.push(ev(4, "rsj", EventKind::Accepted { unit: "rsj".into(), note: None }));
    };
    let replied = |events: &mut Vec<Event>| {
        accepted(events);
        events.push(ev(
            20,
            "rsj",
            EventKind::Replied {
                finding: Finding::True,
                outcome: Outcome::Support,
                opinion: "责成用人单位于 30 日内足额支付拖欠工资 8600 元。".into(),
                basis: Some("《保障农民工工资支付条例》第三条".into()),
                mediation_agreement: None,
            },
        ));
    };
    let reviewed = |events: &mut Vec<Event>| {
        replied(events);
        events.push(ev(23, "xfj", EventKind::ReviewRequested { reason: "认为支付期限过长".into() }));
        events.push(ev(
            27,
            "xfj",
            EventKind::ReviewDecided {
                decision: ReviewDecision::Uphold,
                opinion: "原处理意见认定事实清楚，予以维持。".into(),
            },
        ));
    };
    match kind {
        DocKind::AcceptNotice => accepted(&mut events),
        DocKind::RejectNotice => events.push(ev(
            3,
            "xfj",
            EventKind::Rejected {
                unit: "xfj".into(),
                reason: "所反映事项已进入劳动仲裁程序".into(),
                legal_route: "请向劳动人事争议仲裁委员会申请仲裁".into(),
                separation: Some(Separation::Arbitration),
            },
        )),
        DocKind::ForwardSlip => {
            events.push(ev(3, "xfj", EventKind::Forwarded { unit: "rsj".into(), note: Some("请依法处理".into()) }))
        }
        DocKind::AssignSlip => events.push(ev(
            3,
            "xfj",
            EventKind::Assigned {
                lead: "rsj".into(),
                assisting: vec!["140105".into()],
                note: Some("请按期报告结果".into()),
            },
        )),
        DocKind::ExtensionNotice => {
            accepted(&mut events);
            events.push(ev(
                25,
                "rsj",
                EventKind::Extended {
                    days: 30,
                    approver: "市人社局负责人".into(),
                    reason: "需调取用工单位财务资料".into(),
                },
            ));
        }
        DocKind::Opinion => replied(&mut events),
        DocKind::ReviewOpinion => reviewed(&mut events),
        DocKind::RereviewOpinion => {
            reviewed(&mut events);
            events.push(ev(28, "xfj", EventKind::RereviewRequested { reason: "仍认为支付期限过长".into() }));
            events.push(ev(
                30,
                "xfj",
                EventKind::RereviewDecided {
                    decision: ReviewDecision::Uphold,
                    opinion: "复查意见正确，予以维持。".into(),
                },
            ));
        }
        DocKind::SupervisionOrder => {
            accepted(&mut events);
            events.push(ev(10, "xfj", EventKind::Supervised { note: "请加快核实进度，按期答复信访人".into() }));
        }
        DocKind::MeetingMinutes => {
            accepted(&mut events);
            events.push(ev(
                6,
                "xfj",
                EventKind::MeetingHeld {
                    chair: "值班局领导".into(),
                    attendees: "市人社局、小店区政府负责人".into(),
                    discussion: "各方通报欠薪核查情况".into(),
                    decisions: vec![Decision {
                        unit: "rsj".into(),
                        implementer: "张科长".into(),
                        days: 60,
                        content: "督促用工单位清偿欠薪".into(),
                    }],
                },
            ));
        }
    }
    let info = CaseInfo {
        number: "XF20260302000001".into(),
        petitioners: vec!["王某某".into()],
        statement: "某建筑公司拖欠本人 2025 年工资 8600 元。".into(),
        demands: Some("要求支付拖欠工资 8600 元".into()),
        category: "劳动社保".into(),
        unit_names: [("xfj", "市信访局"), ("rsj", "市人社局"), ("140105", "小店区")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        unit_parents: BTreeMap::new(),
    };
    (events, info)
}

/// Render a template against the sample case of its kind: the preview an administrator sees,
/// and the check every template passes before it is saved.
pub fn preview(
    t: &DocTemplate,
    cal: &Calendar,
    policy: &Policy,
) -> Result<(RenderedDocument, DocContext), DomainError> {
    let (events, info) = sample(t.kind);
    let ctx = context(&Issue { events: &events, info: &info }, cal, policy).ok_or_else(|| {
        DomainError::invalid("kind", "template_invalid", "示例案件无法生成该文书", "No sample for this kind")
    })?;
    let doc = render(t, &format_number(&t.prefix, 2026, 1), &ctx)?;
    Ok((doc, ctx))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal() -> Calendar {
        Calendar::shipped()
    }

    #[test]
    fn every_document_event_maps_to_its_kind() {
        for &k in DocKind::ALL {
            let (events, _) = sample(k);
            assert_eq!(DocKind::for_event(&events.last().unwrap().kind), Some(k), "{k}");
        }
        assert_eq!(DocKind::for_event(&EventKind::Instructed { text: "x".into() }), None);
        assert_eq!(DocKind::for_event(&EventKind::ReviewRequested { reason: "x".into() }), None);
    }

    #[test]
    fn notices_and_opinions_go_to_the_petitioner_slips_do_not() {
        let to_p: Vec<_> = DocKind::ALL.iter().filter(|k| k.to_petitioner()).map(|k| k.code()).collect();
        assert_eq!(
            to_p,
            ["accept_notice", "reject_notice", "extension_notice", "opinion", "review_opinion", "rereview_opinion"]
        );
    }

    #[test]
    fn every_kind_has_its_required_fields_and_the_shipped_template_renders_them() {
        for &k in DocKind::ALL {
            let (events, info) = sample(k);
            let ctx = context(&Issue { events: &events, info: &info }, &cal(), &Policy::default()).unwrap();
            for f in k.required_fields() {
                assert!(ctx.has(f), "{k}: {f} missing in {ctx:?}");
            }
            let (doc, _) = preview(&DocTemplate::shipped(k), &cal(), &Policy::default()).unwrap();
            assert_eq!(doc.title, k.label_zh());
            assert!(doc.blocks.len() >= 3, "{k}: {doc:?}");
            assert!(!doc.organ.is_empty() && doc.date.starts_with("2026年"), "{k}");
        }
    }

    #[test]
    fn the_opinion_carries_request_findings_basis_and_the_review_window_by_the_clock() {
        let (events, info) = sample(DocKind::Opinion);
        let ctx = context(&Issue { events: &events, info: &info }, &cal(), &Policy::default()).unwrap();
        // Replied on 2026-03-20 (Beijing time); 30 days counted from the next day: 2026-04-19 is
        // a Sunday, so the window ends on Monday 2026-04-20.
        assert_eq!(ctx.review_request_by.as_deref(), Some("2026年4月20日"));
        assert_eq!(ctx.review_organ.as_deref(), Some("市人社局的上一级行政机关"));
        let doc = render(&DocTemplate::shipped(DocKind::Opinion), "并信处〔2026〕1号", &ctx).unwrap();
        let field = |l: &str| {
            doc.blocks.iter().find_map(|b| match b {
                Block::Field { label, value } if label == l => Some(value.clone()),
                _ => None,
            })
        };
        assert_eq!(field("信访请求").as_deref(), Some("要求支付拖欠工资 8600 元"));
        assert_eq!(field("核实认定").as_deref(), Some("属实"));
        assert_eq!(field("处理结果").as_deref(), Some("支持"));
        assert_eq!(field("依据").as_deref(), Some("《保障农民工工资支付条例》第三条"));
        assert!(doc.blocks.iter().any(
            |b| matches!(b, Block::Paragraph { text } if text.contains("2026年4月20日") && text.contains("请求复查"))
        ));
        assert_eq!(doc.addressee, "王某某");
        assert_eq!(doc.organ, "市人社局");
    }

    #[test]
    fn reject_notice_says_reason_and_legal_route() {
        let (doc, _) = preview(&DocTemplate::shipped(DocKind::RejectNotice), &cal(), &Policy::default()).unwrap();
        let text = format!("{doc:?}");
        assert!(text.contains("劳动仲裁") && text.contains("仲裁委员会") && text.contains("仲裁"), "{text}");
    }

    #[test]
    fn minutes_list_decisions_as_tasks_with_due_dates() {
        let (events, info) = sample(DocKind::MeetingMinutes);
        let ctx = context(&Issue { events: &events, info: &info }, &cal(), &Policy::default()).unwrap();
        assert_eq!(ctx.tasks.len(), 1);
        assert_eq!(ctx.tasks[0].unit, "市人社局");
        assert_eq!(ctx.tasks[0].number, 1);
        assert!(ctx.tasks[0].due.starts_with("2026年5月"), "{:?}", ctx.tasks[0]);
        assert_eq!(ctx.addressee, "市人社局");
    }

    #[test]
    fn bad_templates_are_refused_with_the_line() {
        let mut t = DocTemplate::shipped(DocKind::Opinion);
        t.body = "第一行\n{% if opinion %}\n没有结束".into();
        let e = preview(&t, &cal(), &Policy::default()).unwrap_err();
        let msg = e.message(crate::Lang::Zh).to_string();
        assert!(msg.contains("文书模板有误") && msg.contains("语法错误"), "{msg}");
        t.body = "{{ opnion }}".into();
        let msg = preview(&t, &cal(), &Policy::default()).unwrap_err().message(crate::Lang::Zh).to_string();
        assert!(msg.contains("不存在的字段") && msg.contains("第 1 行"), "{msg}");
        t.body = "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}".into();
        assert!(preview(&t, &cal(), &Policy::default()).is_err());
        t.body = "正文".into();
        t.prefix = " ".into();
        assert!(preview(&t, &cal(), &Policy::default()).is_err());
    }

    #[test]
    fn lines_become_fields_and_paragraphs() {
        assert_eq!(
            blocks("甲：\n\n  【依据】 某条例 \n【】不是字段\n正文"),
            vec![
                Block::Paragraph { text: "甲：".into() },
                Block::Field { label: "依据".into(), value: "某条例".into() },
                Block::Paragraph { text: "【】不是字段".into() },
                Block::Paragraph { text: "正文".into() },
            ]
        );
        assert_eq!(format_number("并信受", 2026, 12), "并信受〔2026〕12号");
    }
}
