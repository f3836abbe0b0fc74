//! Configuration reads and health.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use crate::error::{ApiError, ErrorResponse};
use crate::extract::{ApiQuery, Authed};
use crate::AppState;
use xinfang_store::cases::Page;
use xinfang_store::outbox::{OutboxFilter, OutboxRow};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitOut {
    pub code: String,
    pub name: String,
    /// bureau, county, department, township, outside
    pub kind: String,
    pub parent: Option<String>,
    pub stationed: bool,
}

/// Every unit.
#[utoipa::path(get, path = "/api/v1/units", tag = "config", security(("bearer" = [])),
    responses((status = 200, body = Vec<UnitOut>), (status = 401, body = ErrorResponse)))]
pub async fn units(State(app): State<AppState>, auth: Authed) -> Result<Json<Vec<UnitOut>>, ApiError> {
    let units = app.store.list_units().await.map_err(|e| ApiError::from_store(e, auth.lang))?;
    Ok(Json(
        units
            .into_iter()
            .map(|u| UnitOut {
                code: u.code,
                name: u.name,
                kind: u.kind,
                parent: u.parent_code,
                stationed: u.stationed,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryOut {
    pub code: String,
    pub name: String,
    /// Default handling unit; none means the county where the matter arose (属地).
    pub default_unit: Option<String>,
}

/// The categories (问题类别) and their default routing.
#[utoipa::path(get, path = "/api/v1/categories", tag = "config", security(("bearer" = [])),
    responses((status = 200, body = Vec<CategoryOut>), (status = 401, body = ErrorResponse)))]
pub async fn categories(State(app): State<AppState>, auth: Authed) -> Result<Json<Vec<CategoryOut>>, ApiError> {
    let cats = app.store.list_categories().await.map_err(|e| ApiError::from_store(e, auth.lang))?;
    Ok(Json(
        cats.into_iter().map(|c| CategoryOut { code: c.code, name: c.name, default_unit: c.default_unit }).collect(),
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarYearOut {
    pub year: i64,
    /// `notice` (from the State Council notice) or `derived` (provisional, from the holiday rules)
    pub source: String,
    pub title: Option<String>,
    pub holidays: usize,
    pub workdays: usize,
}

/// The holiday years loaded.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "config", security(("bearer" = [])),
    responses((status = 200, body = Vec<CalendarYearOut>), (status = 401, body = ErrorResponse)))]
pub async fn calendar(State(app): State<AppState>, auth: Authed) -> Result<Json<Vec<CalendarYearOut>>, ApiError> {
    let years = app.store.holiday_years().await.map_err(|e| ApiError::from_store(e, auth.lang))?;
    Ok(Json(
        years
            .into_iter()
            .map(|y| CalendarYearOut {
                year: y.year,
                source: y.source,
                title: y.title,
                holidays: y.holidays,
                workdays: y.workdays,
            })
            .collect(),
    ))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "ok")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, description = "ready"), (status = 503, description = "database unavailable")))]
pub async fn readyz(State(app): State<AppState>) -> (StatusCode, &'static str) {
    match app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// 消息发送记录 The notification outbox, newest first: delivery status, attempts and last error;
/// recipients masked, texts not shown. Administrators and the bureau's staff.
#[utoipa::path(get, path = "/api/v1/outbox", tag = "config", security(("bearer" = [])), params(OutboxFilter),
    responses((status = 200, body = Page<OutboxRow>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn outbox(
    State(app): State<AppState>,
    auth: Authed,
    ApiQuery(filter): ApiQuery<OutboxFilter>,
) -> Result<Json<Page<OutboxRow>>, ApiError> {
    app.store.outbox(&auth.actor, &filter).await.map(Json).map_err(|e| ApiError::from_store(e, auth.lang))
}

/// 预警 Clusters of similar cases from different people in one county or against one accused
/// unit within the window ending today (`people` distinct people, default 5, within `days`,
/// default 30), among the cases the caller may see; each lists its cases, the people count and
/// the words the statements share.
#[utoipa::path(get, path = "/api/v1/warnings", tag = "cases", security(("bearer" = [])),
    params(crate::ui::warnings::WarningQuery),
    responses((status = 200, body = xinfang_store::warnings::Warnings), (status = 401, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn warnings(
    State(app): State<AppState>,
    auth: Authed,
    ApiQuery(q): ApiQuery<crate::ui::warnings::WarningQuery>,
) -> Result<Json<xinfang_store::warnings::Warnings>, ApiError> {
    app.store.warnings(&auth.actor, q.policy()).await.map(Json).map_err(|e| ApiError::from_store(e, auth.lang))
}
