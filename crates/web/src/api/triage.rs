//! `POST /api/v1/triage`: 分流建议 the top categories for a statement, with confidence, the unit the
//! routing rules give, the words that weighed, and the county the text names.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use xinfang_store::triage::TriageAnswer;

use crate::error::{ApiError, ErrorResponse};
use crate::extract::{ApiJson, AuthedOrSession};
use crate::AppState;

/// The longest statement suggested for (a typed statement is far shorter).
const MAX_STATEMENT_CHARS: usize = 20_000;

/// What to suggest for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageRequest {
    /// 口述内容 the statement as typed.
    pub statement: String,
    /// County/district code where the matter arose, when the form already has one; it routes the
    /// categories that go by place (otherwise the place the text names does).
    #[serde(default)]
    pub county: Option<String>,
}

/// 智能分流 Suggest categories and units for a statement. Signed in with a bearer token, or from
/// the staff pages with the session cookie and the page's CSRF token in `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/v1/triage", tag = "cases", security(("bearer" = [])), request_body = TriageRequest,
    responses((status = 200, body = TriageAnswer), (status = 401, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn suggest(
    State(app): State<AppState>,
    auth: AuthedOrSession,
    ApiJson(req): ApiJson<TriageRequest>,
) -> Result<Json<TriageAnswer>, ApiError> {
    if req.statement.chars().count() > MAX_STATEMENT_CHARS {
        return Err(ApiError::invalid(
            auth.lang,
            format!("口述内容过长（最多 {MAX_STATEMENT_CHARS} 字）"),
            format!("The statement is too long (at most {MAX_STATEMENT_CHARS} characters)"),
        ));
    }
    tracing::debug!(user = %auth.actor.username, chars = req.statement.chars().count(), "triage suggestion");
    app.store
        .triage(&req.statement, req.county.as_deref())
        .await
        .map(Json)
        .map_err(|e| ApiError::from_store(e, auth.lang))
}
