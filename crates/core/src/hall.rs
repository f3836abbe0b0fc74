//! 接待大厅 The reception hall's queue: a visitor (or a group) takes a number at the door, is
//! called to the registration platform, and after triage is called again at the window of the
//! stationed unit that handles the matter.

use serde::{Deserialize, Serialize};

use crate::case::code_enum;
use crate::error::DomainError;
use crate::user::{Actor, Role};

code_enum! {
    /// Where a queue ticket stands.
    TicketStatus {
        /// 候访 waiting to be called to the platform.
        Waiting = "waiting" / "候访",
        /// 已叫号 called to the registration platform.
        Called = "called" / "登记台接待中",
        /// 已分流 waiting at a stationed unit's window.
        Routed = "routed" / "待进驻单位接待",
        /// 窗口接待 called at the unit's window.
        AtWindow = "at_window" / "窗口接待中",
        /// 已办结 the visit is over.
        Done = "done" / "已离开",
    }
}

/// The printed number: `A007` for one person, `B002`-style `B` for a group visit, by day.
pub fn ticket_number(group: bool, seq: i64) -> String {
    format!("{}{seq:03}", if group { 'B' } else { 'A' })
}

/// The place a call sends a visitor to.
pub const PLATFORM: &str = "登记分流台";

/// What someone may do with the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HallAction {
    Issue,
    CallNext,
    Route,
    CallAtWindow,
    Finish,
}

/// Door and platform work is the bureau's clerks' (and leaders'); window calls are the stationed
/// unit's staff's.
pub fn check_hall(actor: &Actor, action: HallAction) -> Result<(), DomainError> {
    let bureau_desk = actor.is_bureau() && matches!(actor.role, Role::Clerk | Role::Leader);
    let ok = match action {
        HallAction::Issue | HallAction::CallNext | HallAction::Route => bureau_desk,
        HallAction::CallAtWindow => actor.role == Role::UnitStaff,
        HallAction::Finish => bureau_desk || actor.role == Role::UnitStaff,
    };
    if ok {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            format!("您的角色（{}）不能进行这项大厅排队操作", actor.role.label_zh()),
            format!("Your role ({}) may not do this in the hall queue", actor.role.code()),
        ))
    }
}

/// Whether a ticket in `from` may move by `action`.
pub fn ticket_transition(from: TicketStatus, action: HallAction) -> Result<TicketStatus, DomainError> {
    use TicketStatus::*;
    let to = match (from, action) {
        (Waiting, HallAction::CallNext) | (Called, HallAction::CallNext) => Called,
        (Called, HallAction::Route) | (Routed, HallAction::Route) => Routed,
        (Routed, HallAction::CallAtWindow) | (AtWindow, HallAction::CallAtWindow) => AtWindow,
        (Waiting | Called | Routed | AtWindow, HallAction::Finish) => Done,
        _ => {
            return Err(DomainError::WindowClosed {
                message_zh: format!("该号当前为「{}」，不能进行此操作", from.label_zh()),
                message_en: format!("The ticket is '{}'; that is not possible now", from.code()),
            })
        }
    };
    Ok(to)
}

/// 值班 the duties shown on the hall display.
pub const DUTIES: [(&str, &str); 4] =
    [("leader", "值班局领导"), ("lawyer", "值班律师"), ("counselor", "心理咨询师"), ("mediator", "人民调解员")];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unit::UnitKind;

    fn actor(role: Role, kind: UnitKind) -> Actor {
        Actor { user_id: 1, username: "u".into(), role, unit_id: 1, unit_code: "x".into(), unit_kind: kind }
    }

    #[test]
    fn numbers() {
        assert_eq!(ticket_number(false, 7), "A007");
        assert_eq!(ticket_number(true, 12), "B012");
        assert_eq!(ticket_number(false, 1234), "A1234");
    }

    #[test]
    fn transitions() {
        use TicketStatus::*;
        assert_eq!(ticket_transition(Waiting, HallAction::CallNext).unwrap(), Called);
        assert_eq!(ticket_transition(Called, HallAction::Route).unwrap(), Routed);
        assert_eq!(ticket_transition(Routed, HallAction::CallAtWindow).unwrap(), AtWindow);
        assert_eq!(ticket_transition(AtWindow, HallAction::Finish).unwrap(), Done);
        assert!(ticket_transition(Waiting, HallAction::Route).is_err());
        assert!(ticket_transition(Waiting, HallAction::CallAtWindow).is_err());
        assert!(ticket_transition(Done, HallAction::CallNext).is_err());
        let e = ticket_transition(Done, HallAction::Finish).unwrap_err();
        assert!(e.message(crate::Lang::Zh).contains("已离开"));
    }

    #[test]
    fn who_works_the_queue() {
        let clerk = actor(Role::Clerk, UnitKind::Bureau);
        let unit = actor(Role::UnitStaff, UnitKind::County);
        let analyst = actor(Role::Analyst, UnitKind::Bureau);
        assert!(check_hall(&clerk, HallAction::Issue).is_ok());
        assert!(check_hall(&clerk, HallAction::CallAtWindow).is_err());
        assert!(check_hall(&unit, HallAction::CallAtWindow).is_ok());
        assert!(check_hall(&unit, HallAction::CallNext).is_err());
        assert!(check_hall(&analyst, HallAction::Issue).is_err());
        assert!(check_hall(&unit, HallAction::Finish).is_ok());
    }
}
