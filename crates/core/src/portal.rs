//! 网上信访 The public portal's rules: the query code (查询码) a petitioner tracks a case with,
//! the limits that stop anyone guessing codes or flooding phones with one-time codes, and what of
//! a case's timeline the petitioner sees — the decisions addressed to them, never internal notes,
//! instructions, supervision or meetings.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::case::{Accused, Place, RegisterInput};
use crate::error::DomainError;
use crate::lifecycle::{Event, EventKind};
use crate::petitioner::PetitionerInput;

/// Digits of a query code: 10^8 codes, with at most [`PortalPolicy::track_per_case`] guesses per
/// case in [`PortalPolicy::window_minutes`].
pub const QUERY_CODE_LEN: usize = 8;
/// Digits of the one-time code that confirms a phone.
pub const OTP_LEN: usize = 6;

/// How much the portal lets through. Every figure is per deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalPolicy {
    /// Wrong query codes for one case number within the window before that case is locked.
    pub track_per_case: usize,
    /// Wrong query codes from one address within the window before that address is locked.
    pub track_per_address: usize,
    /// One-time codes sent to one phone within the window.
    pub otp_per_phone: usize,
    /// One-time codes requested from one address within the window.
    pub otp_per_address: usize,
    /// Seconds between two codes to the same phone.
    pub otp_interval_seconds: i64,
    /// Minutes a one-time code stays valid.
    pub otp_valid_minutes: i64,
    /// Wrong entries of one one-time code before it is void.
    pub otp_attempts: i64,
    /// Petitions filed from one address within the window.
    pub filings_per_address: usize,
    pub window_minutes: i64,
}

impl Default for PortalPolicy {
    fn default() -> Self {
        PortalPolicy {
            track_per_case: 5,
            track_per_address: 20,
            otp_per_phone: 5,
            otp_per_address: 10,
            otp_interval_seconds: 60,
            otp_valid_minutes: 10,
            otp_attempts: 5,
            filings_per_address: 10,
            window_minutes: 60,
        }
    }
}

impl PortalPolicy {
    pub fn window(&self) -> Duration {
        Duration::minutes(self.window_minutes)
    }
}

/// Until when a key (a case number, an address, a phone) is locked, given the times of its
/// recent attempts that count (failures, or sends): locked while `max` of them fall within
/// `window` — that is, until the `max`-th most recent one leaves the window. `None`: not locked.
pub fn locked_until(
    attempts: &[DateTime<Utc>],
    max: usize,
    window: Duration,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let mut recent: Vec<DateTime<Utc>> = attempts.iter().copied().filter(|t| *t > now - window && *t <= now).collect();
    if max == 0 {
        return Some(now + window);
    }
    if recent.len() < max {
        return None;
    }
    recent.sort_unstable_by(|a, b| b.cmp(a));
    Some(recent[max - 1] + window)
}

/// Minutes (rounded up, at least 1) from `now` until `until`, for messages.
pub fn minutes_until(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let secs = (until - now).num_seconds().max(0);
    ((secs + 59) / 60).max(1)
}

/// The error for a locked key, in words the petitioner understands.
pub fn locked(what_zh: &str, what_en: &str, until: DateTime<Utc>, now: DateTime<Utc>) -> DomainError {
    let m = minutes_until(until, now);
    DomainError::TooManyAttempts {
        message_zh: format!("{what_zh}尝试次数过多，已暂时锁定，请 {m} 分钟后再试"),
        message_en: format!("Too many attempts for {what_en}: locked, try again in {m} minutes"),
        retry_after_minutes: m,
    }
}

/// A code as typed (full-width digits, spaces and dashes allowed) made canonical, or why not.
pub fn normalize_code(field: &'static str, input: &str, len: usize) -> Result<String, DomainError> {
    let digits: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '－')
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    if digits.len() == len && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(DomainError::invalid(
            field,
            "bad_code",
            format!("请输入 {len} 位数字（登记后短信告知的号码）"),
            format!("Enter the {len}-digit code (sent by text message)"),
        ))
    }
}

/// A petition as the petitioner files it online (网上信访): what they write themselves, with the
/// phone a one-time code confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalFiling {
    /// `suggestion`, `accusation` or `grievance`.
    pub petition_type: String,
    pub category: String,
    pub statement: String,
    #[serde(default)]
    pub demands: Option<String>,
    /// County/district code (GB/T 2260) where the matter arose.
    #[serde(default)]
    pub county: Option<String>,
    #[serde(default)]
    pub place_address: Option<String>,
    /// For an accusation: who is accused.
    #[serde(default)]
    pub accused_person: Option<String>,
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub home_address: Option<String>,
}

impl PortalFiling {
    /// The registration it makes: the web channel, received now, one petitioner. Validation is
    /// the registration's own, so a portal filing is held to exactly the rules staff are.
    pub fn to_register_input(&self) -> RegisterInput {
        let opt = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        RegisterInput {
            channel: crate::case::Channel::Web.code().to_string(),
            received_at: None,
            petition_type: self.petition_type.clone(),
            category: self.category.clone(),
            statement: self.statement.clone(),
            demands: opt(&self.demands),
            place: Place { county: opt(&self.county), address: opt(&self.place_address) },
            petitioners: vec![PetitionerInput {
                name: self.name.clone(),
                id_number: opt(&self.id_number),
                phone: Some(self.phone.clone()),
                address: opt(&self.home_address),
                region: None,
                representative: false,
            }],
            headcount: None,
            people_affected: None,
            accused: Accused { unit: None, person: opt(&self.accused_person) },
            money_claimed: None,
            money_paid: None,
            leader_reception: false,
            leader_name: None,
            repeat_of: None,
            bypass: false,
        }
    }
}

/// One line of the petitioner's view of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicEntry {
    pub at: DateTime<Utc>,
    /// The event's code (`accepted`, `replied`, …).
    pub kind: String,
    pub title_zh: String,
    /// Labelled details addressed to the petitioner.
    pub details: Vec<(String, String)>,
}

/// What of the timeline the petitioner sees: the steps taken on their petition and the decisions
/// addressed to them. Internal work — objections between units, instructions, supervision,
/// coordination meetings and their tasks, money records, repeat-visit notes — stays inside.
/// `unit_name` turns a unit code into its name.
pub fn public_timeline(events: &[Event], unit_name: &dyn Fn(&str) -> String) -> Vec<PublicEntry> {
    let mut out = Vec::new();
    for e in events {
        let d = |pairs: &[(&str, String)]| -> Vec<(String, String)> {
            pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.to_string(), v.clone())).collect()
        };
        let (title, details): (String, Vec<(String, String)>) = match &e.kind {
            EventKind::Registered { .. } => ("信访事项已登记".into(), vec![]),
            EventKind::Accepted { .. } => ("已受理".into(), vec![]),
            EventKind::Rejected { reason, legal_route, .. } => {
                ("不予受理".into(), d(&[("理由", reason.clone()), ("可通过的途径", legal_route.clone())]))
            }
            EventKind::Forwarded { unit, .. } => (format!("已转送{}处理", unit_name(unit)), vec![]),
            EventKind::Assigned { lead, .. } => (format!("已交办{}办理", unit_name(lead)), vec![]),
            EventKind::Extended { days, reason, .. } => {
                (format!("办理期限延长 {days} 日"), d(&[("延期理由", reason.clone())]))
            }
            EventKind::Replied { finding, outcome, opinion, basis, mediation_agreement } => (
                "已出具处理意见".into(),
                d(&[
                    ("核实认定", finding.label_zh().to_string()),
                    ("处理结果", outcome.label_zh().to_string()),
                    ("处理意见", opinion.clone()),
                    ("依据", basis.clone().unwrap_or_default()),
                    ("调解协议", mediation_agreement.clone().unwrap_or_default()),
                ]),
            ),
            EventKind::Rated { stage, rating, reason } => (
                format!("已评价：{}", rating.label_zh()),
                d(&[("评价环节", stage.label_zh().to_string()), ("理由", reason.clone().unwrap_or_default())]),
            ),
            EventKind::Rehandled { .. } => ("重新办理".into(), vec![]),
            EventKind::ReviewRequested { reason } => ("已申请复查".into(), d(&[("请求及理由", reason.clone())])),
            EventKind::ReviewDecided { decision, opinion } => {
                (format!("复查决定：{}", decision.label_zh()), d(&[("复查意见", opinion.clone())]))
            }
            EventKind::RereviewRequested { reason } => ("已申请复核".into(), d(&[("请求及理由", reason.clone())])),
            EventKind::RereviewDecided { decision, opinion } => {
                (format!("复核决定：{}", decision.label_zh()), d(&[("复核意见", opinion.clone())]))
            }
            EventKind::Closed { .. } => ("办理终结".into(), vec![]),
            EventKind::Objected { .. }
            | EventKind::MoneyRecorded { .. }
            | EventKind::VisitRecorded { .. }
            | EventKind::Instructed { .. }
            | EventKind::Supervised { .. }
            | EventKind::SupervisionAnswered { .. }
            | EventKind::MeetingSummoned { .. }
            | EventKind::MeetingHeld { .. }
            | EventKind::TaskCompleted { .. } => continue,
        };
        out.push(PublicEntry { at: e.at, kind: e.kind.code().to_string(), title_zh: title, details });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(min: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z").unwrap().with_timezone(&Utc) + Duration::minutes(min)
    }

    #[test]
    fn locked_while_max_attempts_fall_in_the_window() {
        let w = Duration::minutes(60);
        let fails = [t(0), t(10), t(20), t(30)];
        assert_eq!(locked_until(&fails, 5, w, t(31)), None);
        let fails = [t(0), t(10), t(20), t(30), t(40)];
        // The 5th most recent is t(0): locked until it leaves the window.
        assert_eq!(locked_until(&fails, 5, w, t(41)), Some(t(60)));
        assert_eq!(locked_until(&fails, 5, w, t(60)), None, "t(0) no longer counts at t(60)");
        // Old attempts do not count; future ones (clock skew between nodes) neither.
        assert_eq!(locked_until(&[t(-120), t(-90), t(100)], 2, w, t(0)), None);
        assert_eq!(minutes_until(t(60), t(41)), 19);
        assert_eq!(minutes_until(t(0), t(0)), 1);
    }

    #[test]
    fn codes_are_read_as_typed() {
        assert_eq!(normalize_code("query_code", " 1234 5678 ", 8).unwrap(), "12345678");
        assert_eq!(normalize_code("query_code", "１２３４-５６７８", 8).unwrap(), "12345678");
        let e = normalize_code("query_code", "1234567", 8).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(normalize_code("otp", "12a456", 6).is_err());
    }
}
