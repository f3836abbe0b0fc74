//! 用户与角色 Users and roles, and the [`Actor`] every request carries.

use serde::{Deserialize, Serialize};

use crate::unit::UnitKind;

/// What a user does in xinfang. Each user has one role and belongs to one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: units, users, categories, calendar. No access to case content.
    Admin,
    /// 登记员: registers and triages petitions at the platform.
    Clerk,
    /// 进驻单位工作人员: handles the cases routed to their unit.
    UnitStaff,
    /// 局领导: leader reception, instructions, review decisions, closing.
    Leader,
    /// 督查: deadlines, supervision orders, escalation.
    Supervisor,
    /// 值班律师、心理咨询师、调解员: consultations and mediation records.
    DutyStaff,
    /// 分析员: figures and reports; sees cases with personal data masked, cannot reveal.
    Analyst,
    /// 信访人（网上）: the petitioner acting without a staff member — filing through the public
    /// portal or an Open311 client, rating, asking for review. Never a staff account: it cannot
    /// sign in, sees no case through the staff queries, and reaches its own case only after the
    /// portal checked the case number and query code.
    Public,
}

impl Role {
    /// The roles a staff account can have (not [`Role::Public`]).
    pub const ALL: [Role; 7] =
        [Role::Admin, Role::Clerk, Role::UnitStaff, Role::Leader, Role::Supervisor, Role::DutyStaff, Role::Analyst];
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Clerk => "clerk",
            Role::UnitStaff => "unit_staff",
            Role::Leader => "leader",
            Role::Supervisor => "supervisor",
            Role::DutyStaff => "duty_staff",
            Role::Analyst => "analyst",
            Role::Public => "public",
        }
    }
    /// A staff role by its code; `public` is not one.
    pub fn from_code(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Clerk => "登记员",
            Role::UnitStaff => "进驻单位工作人员",
            Role::Leader => "局领导",
            Role::Supervisor => "督查人员",
            Role::DutyStaff => "值班律师/咨询/调解人员",
            Role::Analyst => "分析人员",
            Role::Public => "信访人（网上）",
        }
    }
}

/// Who is acting: the user, their role and their unit. Every case query and command takes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_kind: UnitKind,
}

impl Actor {
    /// Staff of the bureau itself (not stationed unit staff): they work on every case.
    pub fn is_bureau(&self) -> bool {
        self.unit_kind == UnitKind::Bureau
    }
}
