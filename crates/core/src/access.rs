//! 权限 Who may see which case, and who may see personal data. The store enforces the same scope
//! in SQL (so a forgotten check in a handler cannot leak a case); this is the rule it follows,
//! and the store's tests compare the two.

use serde::Serialize;

use crate::case::PetitionType;
use crate::lifecycle::CaseFacts;
use crate::user::{Actor, Role};

/// Which cases an actor may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum CaseScope {
    /// Bureau clerks, leaders, supervisors and analysts: every case.
    All,
    /// Stationed unit staff: cases where their unit is lead or assisting, or that their unit
    /// registered — never an accusation against their own unit.
    Unit(String),
    /// Administrators, duty staff and the public actor: no case content.
    None,
}

pub fn case_scope(actor: &Actor) -> CaseScope {
    match actor.role {
        // The petitioner reaches their own case through the portal's number + query code check,
        // never through a staff query.
        Role::Admin | Role::DutyStaff | Role::Public => CaseScope::None,
        Role::Clerk | Role::Leader | Role::Supervisor | Role::Analyst if actor.is_bureau() => CaseScope::All,
        _ => CaseScope::Unit(actor.unit_code.clone()),
    }
}

/// Whether the actor may read the case (the rule the store's SQL implements).
pub fn can_see(actor: &Actor, f: &CaseFacts) -> bool {
    match case_scope(actor) {
        CaseScope::All => true,
        CaseScope::None => false,
        CaseScope::Unit(unit) => {
            let accused =
                f.petition_type == PetitionType::Accusation && f.accused_unit.as_deref() == Some(unit.as_str());
            !accused && (f.involves_unit(&unit) || f.registered_by_unit == unit)
        }
    }
}

/// Whether the actor may reveal a full ID or phone number (an audited act). Analysts see figures,
/// not people; administrators and duty staff see no case content at all.
pub fn can_reveal_personal_data(actor: &Actor) -> bool {
    matches!(actor.role, Role::Clerk | Role::Leader | Role::Supervisor | Role::UnitStaff)
}
