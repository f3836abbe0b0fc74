//! 文书 The formal documents of a case: list, one as JSON, one as DOCX.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use xinfang_store::documents::{Document, DocumentSummary};

use crate::error::{ApiError, ErrorResponse};
use crate::extract::{path_id, Authed};
use crate::AppState;

/// The documents issued on a case (受理告知书, 处理意见书, 交办单, …), in timeline order.
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents", tag = "documents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = Vec<DocumentSummary>), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn list(
    State(app): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> Result<Json<Vec<DocumentSummary>>, ApiError> {
    let id = path_id(auth.lang, &id)?;
    app.store.documents(&auth.actor, id).await.map(Json).map_err(|e| ApiError::from_store(e, auth.lang))
}

/// One document with its rendered content (opening it is audited). `…/{doc}.docx` answers the
/// same document as a DOCX file.
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents/{doc}", tag = "documents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id"), ("doc" = i64, Path, description = "Document id")),
    responses((status = 200, body = Document), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn get(
    State(app): State<AppState>,
    auth: Authed,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let lang = auth.lang;
    let (raw, docx) = match doc.strip_suffix(".docx") {
        Some(d) => (d, true),
        None => (doc.as_str(), false),
    };
    let (id, doc_id) = (path_id(lang, &id)?, path_id(lang, raw)?);
    let d = app.store.document(&auth.actor, id, doc_id).await.map_err(|e| ApiError::from_store(e, lang))?;
    Ok(if docx { crate::documents::docx_response(&d.content) } else { Json(d).into_response() })
}

/// One document as a DOCX file (A4; opens in Word and WPS), with its number and title as the
/// file name. Served by the same route as [`get`]; opening it is audited.
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents/{doc}.docx", tag = "documents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id"), ("doc" = i64, Path, description = "Document id")),
    responses((status = 200, description = "The DOCX file", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn get_docx(
    state: State<AppState>,
    auth: Authed,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    get(state, auth, Path((id, format!("{doc}.docx")))).await
}
