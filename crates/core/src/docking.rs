//! 三对接 The three dockings and video reception: records of legal consultations (访法), people's
//! mediation (访调), psychological counseling (访心), and video receptions with remote units.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::case::code_enum;
use crate::error::{DomainError, Errors};
use crate::lifecycle::Separation;
use crate::user::{Actor, Role};

code_enum! {
    /// What kind of record.
    DockingKind {
        /// 律师接访 a duty lawyer's consultation: advice and the legal route.
        Legal = "legal" / "律师接访",
        /// 人民调解 a mediation: parties, whether an agreement was reached, its text.
        Mediation = "mediation" / "人民调解",
        /// 心理疏导 a counseling session: private to the counselor and the bureau's leaders.
        Counseling = "counseling" / "心理疏导",
        /// 视频接访 a video reception appointment with a remote unit.
        Video = "video" / "视频接访",
    }
}

/// A docking record as entered.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DockingInput {
    pub kind: String,
    /// Number of the case it belongs to, if any.
    #[serde(default)]
    pub case_number: Option<String>,
    /// The petitioner (or parties) received.
    #[serde(default)]
    pub person: String,
    /// What was asked or discussed.
    #[serde(default)]
    pub summary: String,
    /// Legal: the advice given. Counseling: the counselor's notes. Video: the outcome.
    #[serde(default)]
    pub advice: String,
    /// Legal: the route the matter belongs to, if a legal procedure (诉访分离).
    #[serde(default)]
    pub route: Option<Separation>,
    /// Mediation: the other party.
    #[serde(default)]
    pub other_party: String,
    /// Mediation: whether an agreement was reached.
    #[serde(default)]
    pub agreed: bool,
    /// Mediation: the agreement's text.
    #[serde(default)]
    pub agreement: String,
    /// Video: the remote unit's code.
    #[serde(default)]
    pub unit: Option<String>,
    /// Video: the appointment.
    #[serde(default)]
    pub scheduled_at: Option<DateTime<FixedOffset>>,
    /// Video: the link to the video system's room.
    #[serde(default)]
    pub link: String,
}

/// A validated record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Docking {
    pub kind: DockingKind,
    pub person: String,
    pub summary: String,
    pub advice: String,
    pub route: Option<Separation>,
    pub other_party: String,
    pub agreed: bool,
    pub agreement: String,
    pub unit: Option<String>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub link: String,
}

/// Who may record: the duty lawyers, counselors and mediators, and the bureau's clerks and leaders.
pub fn check_record(actor: &Actor) -> Result<(), DomainError> {
    let ok = actor.role == Role::DutyStaff || (actor.is_bureau() && matches!(actor.role, Role::Clerk | Role::Leader));
    if ok {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            format!("您的角色（{}）不能填写三对接和视频接访记录", actor.role.label_zh()),
            format!("Your role ({}) may not record dockings", actor.role.code()),
        ))
    }
}

/// Who may read a record: counseling is private to the one who wrote it and the bureau's
/// leaders; the rest to its author and the bureau's clerks, leaders and supervisors.
pub fn can_read(actor: &Actor, kind: DockingKind, author_user_id: i64) -> bool {
    if actor.user_id == author_user_id {
        return true;
    }
    let leader = actor.is_bureau() && actor.role == Role::Leader;
    match kind {
        DockingKind::Counseling => leader,
        _ => leader || (actor.is_bureau() && matches!(actor.role, Role::Clerk | Role::Supervisor)),
    }
}

impl DockingInput {
    pub fn validate(&self, units: &[String]) -> Result<Docking, DomainError> {
        let mut e = Errors::default();
        let kind = DockingKind::from_code(self.kind.trim());
        if kind.is_none() {
            e.add(
                "kind",
                "bad_kind",
                format!("记录类别「{}」无效，可选：{}", self.kind, DockingKind::codes()),
                format!("Unknown kind '{}'; use one of: {}", self.kind, DockingKind::codes()),
            );
        }
        let t = |s: &str| s.trim().to_string();
        if self.person.trim().is_empty() {
            e.add("person", "required", "请填写接待对象（信访人或当事人）", "Who was received is required");
        }
        if self.summary.trim().is_empty() {
            e.add("summary", "required", "请填写反映的问题或咨询内容", "The summary is required");
        }
        match kind {
            Some(DockingKind::Legal) if self.advice.trim().is_empty() => {
                e.add("advice", "required", "请填写律师的法律意见", "The lawyer's advice is required")
            }
            Some(DockingKind::Mediation) => {
                if self.other_party.trim().is_empty() {
                    e.add("other_party", "required", "请填写调解的另一方当事人", "The other party is required");
                }
                if self.agreed && self.agreement.trim().is_empty() {
                    e.add(
                        "agreement",
                        "required",
                        "达成调解协议的，请录入协议内容",
                        "An agreement reached needs its text",
                    );
                }
            }
            Some(DockingKind::Video) => {
                match self.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                    None => e.add("unit", "required", "请选择视频连线的单位", "Choose the remote unit"),
                    Some(u) if !units.iter().any(|x| x == u) => e.add(
                        "unit",
                        "unknown_unit",
                        format!("单位「{u}」不存在"),
                        format!("Unit '{u}' does not exist"),
                    ),
                    Some(_) => {}
                }
                if self.scheduled_at.is_none() {
                    e.add("scheduled_at", "required", "请填写视频接访的时间", "The appointment time is required");
                }
            }
            _ => {}
        }
        e.into_result()?;
        Ok(Docking {
            kind: kind.expect("checked above"),
            person: t(&self.person),
            summary: t(&self.summary),
            advice: t(&self.advice),
            route: self.route,
            other_party: t(&self.other_party),
            agreed: self.agreed,
            agreement: t(&self.agreement),
            unit: self.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()).map(String::from),
            scheduled_at: self.scheduled_at.map(|s| s.with_timezone(&Utc)),
            link: t(&self.link),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unit::UnitKind;

    fn actor(id: i64, role: Role, kind: UnitKind) -> Actor {
        Actor { user_id: id, username: "u".into(), role, unit_id: 1, unit_code: "x".into(), unit_kind: kind }
    }

    #[test]
    fn each_kind_needs_its_fields() {
        let units = vec!["140121".to_string()];
        let base = DockingInput { person: "李某".into(), summary: "工伤认定".into(), ..Default::default() };
        let legal = DockingInput { kind: "legal".into(), ..base.clone() };
        assert_eq!(legal.validate(&units).unwrap_err().fields()[0].field, "advice");
        let ok = DockingInput { advice: "可申请劳动仲裁".into(), route: Some(Separation::Arbitration), ..legal };
        assert_eq!(ok.validate(&units).unwrap().route, Some(Separation::Arbitration));
        let med = DockingInput { kind: "mediation".into(), agreed: true, ..base.clone() };
        let fields: Vec<String> = med.validate(&units).unwrap_err().fields().iter().map(|f| f.field.clone()).collect();
        assert_eq!(fields, ["other_party", "agreement"]);
        let video = DockingInput { kind: "video".into(), unit: Some("nope".into()), ..base.clone() };
        let fields: Vec<String> =
            video.validate(&units).unwrap_err().fields().iter().map(|f| f.field.clone()).collect();
        assert_eq!(fields, ["unit", "scheduled_at"]);
        assert_eq!(
            DockingInput { kind: "chat".into(), ..base }.validate(&units).unwrap_err().fields()[0].code,
            "bad_kind"
        );
    }

    #[test]
    fn counseling_is_private() {
        let counselor = actor(7, Role::DutyStaff, UnitKind::Bureau);
        let other_duty = actor(8, Role::DutyStaff, UnitKind::Bureau);
        let leader = actor(2, Role::Leader, UnitKind::Bureau);
        let clerk = actor(3, Role::Clerk, UnitKind::Bureau);
        let unit = actor(4, Role::UnitStaff, UnitKind::County);
        assert!(can_read(&counselor, DockingKind::Counseling, 7));
        assert!(can_read(&leader, DockingKind::Counseling, 7));
        assert!(!can_read(&clerk, DockingKind::Counseling, 7));
        assert!(!can_read(&other_duty, DockingKind::Counseling, 7));
        assert!(can_read(&clerk, DockingKind::Legal, 7));
        assert!(!can_read(&unit, DockingKind::Legal, 7));
        assert!(check_record(&counselor).is_ok() && check_record(&clerk).is_ok() && check_record(&unit).is_err());
    }
}
