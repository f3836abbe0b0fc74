//! 法定期限 Deadlines, derived from a case's facts and the calendar — never typed by hand, so a
//! corrected calendar recomputes them. Each carries the rule it comes from, in words.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::lifecycle::{CaseFacts, RouteKind, State};

/// The statutory figures of a jurisdiction (national defaults of the 信访工作条例).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    /// 分流 forward/assign within N days of receipt.
    pub triage_days: u32,
    /// 受理告知 written accept/not-accept notice within N days.
    pub decide_days: u32,
    /// 异议 the receiving unit objects within N working days.
    pub object_working_days: u32,
    /// 办理 handle within N days of acceptance.
    pub handle_days: u32,
    /// 延期 at most N days, once.
    pub max_extension_days: u32,
    /// 交办 result report due N days after assignment.
    pub assign_report_days: u32,
    /// 申请复查/复核 within N days of receiving the opinion.
    pub review_request_days: u32,
    /// 复查/复核 decided within N days.
    pub review_days: u32,
    /// 督办 answered in writing within N days.
    pub supervision_days: u32,
    /// 提醒 units are reminded this many days before a duty falls due.
    pub remind_days_before: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            triage_days: 15,
            decide_days: 15,
            object_working_days: 5,
            handle_days: 60,
            max_extension_days: 30,
            assign_report_days: 90,
            review_request_days: 30,
            review_days: 30,
            supervision_days: 30,
            remind_days_before: 3,
        }
    }
}

/// Whose clock it is: a duty of staff (can be overdue) or a window of the petitioner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    Duty,
    Window,
}

/// One named due date with the rule behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// Stable name used by the API: `triage_by`, `decide_by`, `object_by`, `report_by`,
    /// `handle_by`, `review_request_by`, `review_by`, `rereview_request_by`, `rereview_by`,
    /// `supervision_answer_by`.
    pub name: &'static str,
    pub label_zh: &'static str,
    pub kind: DeadlineKind,
    pub due: NaiveDate,
    /// The period started the day after this date.
    pub from: NaiveDate,
    pub days: u32,
    pub working_days: bool,
    /// Derived from a year without a State Council notice loaded: may still move.
    pub provisional: bool,
    /// The plain end before it moved off a rest day or holiday.
    pub moved_from: Option<NaiveDate>,
    /// When the step was done, if it was.
    pub completed_on: Option<NaiveDate>,
}

impl Deadline {
    /// 「受理告知 15 日，自 2026-04-20 起算；2026-05-05 为休息日或法定节假日，顺延至 2026-05-06」
    pub fn rule_zh(&self) -> String {
        let unit = if self.working_days { "个工作日" } else { "日" };
        let mut s = format!("{} {} {unit}，自 {} 起算", self.label_zh, self.days, self.from);
        if let Some(m) = self.moved_from {
            s.push_str(&format!("；{m} 为休息日或法定节假日，顺延至 {}", self.due));
        }
        if self.provisional {
            s.push_str("（该年度放假安排尚未公布，按法定节日推算，可能调整）");
        }
        s
    }
    pub fn rule_en(&self) -> String {
        let unit = if self.working_days { "working days" } else { "days" };
        let mut s = format!("{}: {} {unit} counted from {}", self.name, self.days, self.from);
        if let Some(m) = self.moved_from {
            s.push_str(&format!("; {m} is a rest day or holiday, so it ends on {}", self.due));
        }
        if self.provisional {
            s.push_str(" (provisional: that year's holiday notice is not loaded)");
        }
        s
    }
    /// Past due on `today` and not done.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.kind == DeadlineKind::Duty && self.completed_on.is_none() && today > self.due
    }
    /// Done, and on time.
    pub fn met(&self) -> Option<bool> {
        self.completed_on.map(|d| d <= self.due)
    }
}

/// The name of a deadline in Chinese, for every page and message that shows one.
pub fn label_zh(name: &str) -> &'static str {
    match name {
        "triage_by" => "分流（转送、交办）",
        "decide_by" => "受理告知",
        "object_by" => "异议",
        "report_by" => "交办结果报告",
        "handle_by" => "办理",
        "review_request_by" => "申请复查",
        "review_by" => "复查",
        "rereview_request_by" => "申请复核",
        "rereview_by" => "复核",
        "task_by" => "协调会决定事项",
        "supervision_answer_by" => "督办回复",
        _ => "",
    }
}

/// Every deadline that applies to the case as it stands.
pub fn compute(f: &CaseFacts, cal: &Calendar, p: &Policy) -> Vec<Deadline> {
    use DeadlineKind::*;
    let mut out = Vec::new();
    // One period: counted from the day after `from`, in calendar or working days.
    let make = |name: &'static str,
                label_zh: &'static str,
                kind: DeadlineKind,
                from: NaiveDate,
                days: u32,
                working_days: bool,
                completed_on: Option<NaiveDate>| {
        let due = if working_days { cal.add_working_days(from, days) } else { cal.add_days(from, days) };
        Deadline {
            name,
            label_zh,
            kind,
            due: due.date,
            from,
            days,
            working_days,
            provisional: due.provisional,
            moved_from: due.moved_from,
            completed_on,
        }
    };
    let decided_on = f.accepted_on.or(f.rejected_on);

    // 分流: the bureau triages within 15 days of receipt (done when routed or decided itself).
    let triaged_on = f.routed_on.or(decided_on);
    out.push(make("triage_by", label_zh("triage_by"), Duty, f.received_on, p.triage_days, false, triaged_on));

    // 受理告知: from receipt, or from the day the routed unit received it.
    let decide_from = f.routed_on.unwrap_or(f.received_on);
    out.push(make("decide_by", label_zh("decide_by"), Duty, decide_from, p.decide_days, false, decided_on));

    if let Some(routed) = f.routed_on {
        if f.state == State::Routed {
            out.push(make("object_by", label_zh("object_by"), Window, routed, p.object_working_days, true, None));
        }
        if f.route == Some(RouteKind::Assign) {
            let reported = f.reported_on.or(f.rejected_on);
            out.push(make("report_by", label_zh("report_by"), Duty, routed, p.assign_report_days, false, reported));
        }
    }

    if let Some(start) = f.handling_started_on {
        let n = p.handle_days + f.extension_days.unwrap_or(0);
        let label = if f.extension_days.is_some() { "办理（含延期）" } else { label_zh("handle_by") };
        out.push(make("handle_by", label, Duty, start, n, false, f.replied_on));
    }

    if let Some(replied) = f.replied_on {
        out.push(make(
            "review_request_by",
            label_zh("review_request_by"),
            Window,
            replied,
            p.review_request_days,
            false,
            f.review_requested_on,
        ));
    }
    if let Some(req) = f.review_requested_on {
        out.push(make("review_by", label_zh("review_by"), Duty, req, p.review_days, false, f.reviewed_on));
    }
    if let Some(rev) = f.reviewed_on {
        out.push(make(
            "rereview_request_by",
            label_zh("rereview_request_by"),
            Window,
            rev,
            p.review_request_days,
            false,
            f.rereview_requested_on,
        ));
    }
    if let Some(req) = f.rereview_requested_on {
        let done = if f.state == State::Closed { f.closed_on } else { None };
        out.push(make("rereview_by", label_zh("rereview_by"), Duty, req, p.review_days, false, done));
    }
    for t in &f.tasks {
        out.push(make("task_by", label_zh("task_by"), Duty, t.from, t.days, false, t.done_on));
    }
    if let Some(sup) = f.supervised_on {
        out.push(make(
            "supervision_answer_by",
            label_zh("supervision_answer_by"),
            Duty,
            sup,
            p.supervision_days,
            false,
            None,
        ));
    }
    out
}

/// The nearest open duty: what the unit inbox sorts by and what "overdue" means.
pub fn next_due(deadlines: &[Deadline], state: State) -> Option<&Deadline> {
    if state.is_final() {
        return None;
    }
    deadlines.iter().filter(|d| d.kind == DeadlineKind::Duty && d.completed_on.is_none()).min_by_key(|d| d.due)
}

/// A reminder a unit gets about one of its duties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reminder {
    /// 临期 falls due within `remind_days_before` days.
    DueSoon,
    /// 超期 past due and not done.
    Overdue,
}

impl Reminder {
    pub fn code(self) -> &'static str {
        match self {
            Reminder::DueSoon => "due_soon",
            Reminder::Overdue => "overdue",
        }
    }
}

/// Whether an open duty warrants a reminder today.
pub fn reminder(d: &Deadline, today: NaiveDate, p: &Policy) -> Option<Reminder> {
    if d.kind != DeadlineKind::Duty || d.completed_on.is_some() {
        return None;
    }
    if today > d.due {
        Some(Reminder::Overdue)
    } else if (d.due - today).num_days() <= i64::from(p.remind_days_before) {
        Some(Reminder::DueSoon)
    } else {
        None
    }
}

#[cfg(test)]
mod reminder_tests {
    use super::*;

    fn duty(due: NaiveDate, done: Option<NaiveDate>, kind: DeadlineKind) -> Deadline {
        Deadline {
            name: "handle_by",
            label_zh: "办理",
            kind,
            due,
            from: due,
            days: 0,
            working_days: false,
            provisional: false,
            moved_from: None,
            completed_on: done,
        }
    }

    #[test]
    fn reminders_before_and_after() {
        let p = Policy::default();
        let due = NaiveDate::from_ymd_opt(2026, 12, 11).unwrap();
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        assert_eq!(reminder(&duty(due, None, DeadlineKind::Duty), day(7), &p), None);
        assert_eq!(reminder(&duty(due, None, DeadlineKind::Duty), day(8), &p), Some(Reminder::DueSoon));
        assert_eq!(reminder(&duty(due, None, DeadlineKind::Duty), day(11), &p), Some(Reminder::DueSoon));
        assert_eq!(reminder(&duty(due, None, DeadlineKind::Duty), day(12), &p), Some(Reminder::Overdue));
        assert_eq!(reminder(&duty(due, Some(day(10)), DeadlineKind::Duty), day(12), &p), None);
        assert_eq!(reminder(&duty(due, None, DeadlineKind::Window), day(12), &p), None, "windows are the petitioner's");
    }
}
