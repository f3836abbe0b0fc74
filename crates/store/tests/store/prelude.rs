//! What every test module uses: the harness, the builders, the domain types, and a few helpers
//! for commands and errors.

#![allow(unused_imports)]

pub use std::collections::{BTreeMap, BTreeSet};

pub use anyhow::{anyhow, ensure, Context as _};
pub use chrono::{DateTime, NaiveDate, Utc};
pub use xinfang_core::case::RegisterInput;
pub use xinfang_core::lifecycle::{Command, Finding, Outcome, Rating, RatingStage};
pub use xinfang_core::user::{Actor, Role};
pub use xinfang_core::DomainError;
pub use xinfang_store::cases::{CaseFilter, CaseView};
pub use xinfang_store::{Backend, Store, StoreError};

pub use crate::builders::*;
pub(crate) use crate::harness::both;
pub use crate::harness::{Raw, H, PASSWORD};

pub fn assign(lead: &str, assisting: &[&str]) -> Command {
    Command::Assign { lead: lead.into(), assisting: assisting.iter().map(|s| s.to_string()).collect(), note: None }
}

pub fn forward(unit: &str) -> Command {
    Command::Forward { unit: unit.into(), note: None }
}

pub fn accept() -> Command {
    Command::Accept { note: None }
}

pub fn reject() -> Command {
    Command::Reject {
        reason: "属于诉讼途径解决的事项".into(), legal_route: "向人民法院起诉".into(), separation: None
    }
}

pub fn object() -> Command {
    Command::Object { reason: "不属于本单位职责".into() }
}

pub fn reply() -> Command {
    Command::Reply {
        finding: Finding::True,
        outcome: Outcome::Support,
        opinion: "经查属实，已责成有关部门解决".into(),
        basis: None,
        mediation_agreement: None,
    }
}

/// The stable code of a refusal: the domain's code, or `not_found`, `conflict:<code>`, …
pub fn code(e: &StoreError) -> String {
    match e {
        StoreError::Domain(d) => match d {
            DomainError::Invalid(f) => format!("invalid:{}", f.iter().map(|f| f.code).collect::<Vec<_>>().join(",")),
            other => other.code().to_string(),
        },
        StoreError::NotFound { .. } => "not_found".into(),
        StoreError::Conflict { code, .. } => format!("conflict:{code}"),
        StoreError::Unauthenticated => "unauthenticated".into(),
        StoreError::Crypto(_) => "crypto".into(),
        StoreError::Database(_) => "database".into(),
        other => format!("other:{other}"),
    }
}

/// The refusal code of a result that must be an error.
pub fn err_code<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => code(&e),
    }
}

/// Register at a fixed moment (the replay API) and return the case.
pub async fn register_at(h: &H, actor: &Actor, input: RegisterInput, now: &str) -> anyhow::Result<CaseView> {
    Ok(h.store.register_case_at(actor, &input, None, t(now)).await?.0)
}

/// Ids of the cases an actor sees in a list with this filter (the whole list, in order).
pub async fn listed(h: &H, actor: &Actor, f: CaseFilter) -> anyhow::Result<Vec<i64>> {
    let page = h.store.list_cases(actor, &CaseFilter { per_page: Some(200), ..f }).await?;
    Ok(page.items.iter().map(|c| c.id).collect())
}
