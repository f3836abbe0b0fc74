//! 预警 The early-warning page: clusters of similar cases from different people in one place or
//! against one accused unit within the window, each listing its cases.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use xinfang_core::user::{Actor, Role};
use xinfang_core::warning::WarningPolicy;
use xinfang_store::warnings::Warnings;

use super::pages::Base;
use super::{error_page, render, Staff};
use crate::AppState;

/// Who the page is linked for: the bureau's clerks, leaders, supervisors and analysts (they see
/// every case). Anyone with a case scope may open it and sees the clusters of their own cases.
pub fn may_see(actor: &Actor) -> bool {
    actor.is_bureau() && matches!(actor.role, Role::Clerk | Role::Leader | Role::Supervisor | Role::Analyst)
}

/// `?people=5&days=30`: the warning level (defaults 5 people, 30 days).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WarningQuery {
    /// Distinct people for a warning (2–1000; default 5).
    pub people: Option<u32>,
    /// Days of the window ending today (1–366; default 30).
    pub days: Option<u32>,
}

impl WarningQuery {
    pub fn policy(&self) -> WarningPolicy {
        WarningPolicy::bounded(self.people, self.days)
    }
}

#[derive(Template)]
#[template(path = "warnings.html")]
pub struct WarningsPage {
    pub base: Base,
    pub w: Warnings,
}

pub async fn page(State(app): State<AppState>, staff: Staff, Query(q): Query<WarningQuery>) -> Response {
    let result =
        async { Ok((app.store.warnings(&staff.actor, q.policy()).await?, app.store.list_units().await?)) }.await;
    let (w, units) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, staff.lang),
    };
    let unit_name = units.iter().find(|u| u.code == staff.actor.unit_code).map(|u| u.name.clone()).unwrap_or_default();
    render(&WarningsPage { base: Base::of(&staff, unit_name), w })
}
