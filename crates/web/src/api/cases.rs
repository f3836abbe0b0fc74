//! Cases: register, read, list, act, reveal.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use xinfang_core::case::RegisterInput;
use xinfang_core::lifecycle::{Command, ACTIONS};
use xinfang_store::cases::{CaseFilter, CaseSummary, CaseView, Page, RepeatCandidate};

use crate::error::{ApiError, ErrorResponse};
use crate::extract::{parse_json, path_id, ApiJson, ApiQuery, Authed};
use crate::AppState;

/// Longest accepted `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY: usize = 200;

/// 登记 Register a petition. With an `Idempotency-Key` header, repeating the same request returns
/// the case created the first time (200) instead of creating another.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), request_body = RegisterInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a repeated submission create one case")),
    responses((status = 201, body = CaseView, description = "Created"), (status = 200, body = CaseView, description = "Already created with this Idempotency-Key"),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn register(
    State(app): State<AppState>,
    auth: Authed,
    headers: HeaderMap,
    ApiJson(input): ApiJson<RegisterInput>,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    let lang = auth.lang;
    let key = match headers.get("idempotency-key") {
        Some(v) => {
            let k = v.to_str().map(str::trim).unwrap_or("");
            if k.is_empty() || k.len() > MAX_IDEMPOTENCY_KEY {
                return Err(ApiError::invalid(
                    lang,
                    format!("Idempotency-Key 应为 1 至 {MAX_IDEMPOTENCY_KEY} 个可见 ASCII 字符"),
                    format!("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"),
                ));
            }
            Some(k.to_string())
        }
        None => None,
    };
    let (case, created) = app
        .store
        .register_case(&auth.actor, &input, key.as_deref())
        .await
        .map_err(|e| ApiError::from_store(e, lang))?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(case)))
}

/// One case with its deadlines, timeline and the actions the caller may take now.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn get(
    State(app): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    let id = path_id(auth.lang, &id)?;
    app.store.open_case(&auth.actor, id).await.map(Json).map_err(|e| ApiError::from_store(e, auth.lang))
}

/// The cases the caller may see, filtered and paged.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), params(CaseFilter),
    responses((status = 200, body = Page<CaseSummary>), (status = 401, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn list(
    State(app): State<AppState>,
    auth: Authed,
    ApiQuery(filter): ApiQuery<CaseFilter>,
) -> Result<Json<Page<CaseSummary>>, ApiError> {
    app.store.list_cases(&auth.actor, &filter).await.map(Json).map_err(|e| ApiError::from_store(e, auth.lang))
}

/// Take an action on a case: `{"action": "accept"}`, `{"action": "assign", "lead": "140121"}`, …
/// 409 when the action is not allowed in the case's state, 403 when not for this caller,
/// 422 for bad input.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "cases", security(("bearer" = [])), request_body = Command,
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn act(
    State(app): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<CaseView>, ApiError> {
    let lang = auth.lang;
    let id = path_id(lang, &id)?;
    let value: serde_json::Value = parse_json(lang, &body)?;
    let action = value.get("action").and_then(|a| a.as_str()).unwrap_or("");
    if !ACTIONS.contains(&action) {
        return Err(ApiError::invalid(
            lang,
            format!("未知操作「{action}」，可选：{}", ACTIONS.join(", ")),
            format!("Unknown action '{action}'; use one of: {}", ACTIONS.join(", ")),
        ));
    }
    let cmd: Command = serde_json::from_value(value).map_err(|e| crate::extract::json_error(lang, &e))?;
    app.store.act(&auth.actor, id, &cmd).await.map(Json).map_err(|e| ApiError::from_store(e, lang))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RevealRequest {
    /// `id_number` or `phone`
    pub field: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RevealResponse {
    pub value: String,
}

/// Reveal a petitioner's full ID or phone number. Audited; not for every role.
#[utoipa::path(post, path = "/api/v1/cases/{id}/petitioners/{pid}/reveal", tag = "cases", security(("bearer" = [])),
    request_body = RevealRequest,
    params(("id" = i64, Path, description = "Case id"), ("pid" = i64, Path, description = "Petitioner id")),
    responses((status = 200, body = RevealResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn reveal(
    State(app): State<AppState>,
    auth: Authed,
    Path((id, pid)): Path<(String, String)>,
    ApiJson(req): ApiJson<RevealRequest>,
) -> Result<Json<RevealResponse>, ApiError> {
    let lang = auth.lang;
    let (id, pid) = (path_id(lang, &id)?, path_id(lang, &pid)?);
    let value = app
        .store
        .reveal_personal_data(&auth.actor, id, pid, &req.field)
        .await
        .map_err(|e| ApiError::from_store(e, lang))?;
    Ok(Json(RevealResponse { value }))
}

/// 重复信访 Earlier cases that may be the same person or matter as this registration (by ID
/// number, phone, or name and place), each with why it matched — ask before registering, link
/// the visit with `record_visit` instead of creating a second case.
#[utoipa::path(post, path = "/api/v1/cases/repeats", tag = "cases", security(("bearer" = [])), request_body = RegisterInput,
    responses((status = 200, body = Vec<RepeatCandidate>), (status = 401, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn repeats(
    State(app): State<AppState>,
    auth: Authed,
    ApiJson(input): ApiJson<RegisterInput>,
) -> Result<Json<Vec<RepeatCandidate>>, ApiError> {
    app.store.possible_repeats(&auth.actor, &input).await.map(Json).map_err(|e| ApiError::from_store(e, auth.lang))
}

/// The attachments of a case.
#[utoipa::path(get, path = "/api/v1/cases/{id}/attachments", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = Vec<xinfang_store::attachments::AttachmentInfo>), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn attachments(
    State(app): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> Result<Json<Vec<xinfang_store::attachments::AttachmentInfo>>, ApiError> {
    let id = path_id(auth.lang, &id)?;
    app.store.attachments(&auth.actor, id).await.map(Json).map_err(|e| ApiError::from_store(e, auth.lang))
}

/// Attach a scanned letter or photo: multipart form with the file in the field `file` (PDF, JPEG,
/// PNG or TIFF, at most 10 MB; the type is read from the file itself).
#[utoipa::path(post, path = "/api/v1/cases/{id}/attachments", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    request_body(content = String, content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 201, body = xinfang_store::attachments::AttachmentInfo), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn upload(
    State(app): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    mp: axum::extract::Multipart,
) -> Result<(StatusCode, Json<xinfang_store::attachments::AttachmentInfo>), ApiError> {
    let lang = auth.lang;
    let id = path_id(lang, &id)?;
    let up = crate::attachments::read_upload(mp, lang).await?;
    let (name, bytes) = up.first_file().unwrap_or_default();
    let info =
        app.store.add_attachment(&auth.actor, id, &name, bytes).await.map_err(|e| ApiError::from_store(e, lang))?;
    Ok((StatusCode::CREATED, Json(info)))
}

/// One attachment's file (the download is audited).
#[utoipa::path(get, path = "/api/v1/cases/{id}/attachments/{aid}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id"), ("aid" = i64, Path, description = "Attachment id")),
    responses((status = 200, description = "The file"), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn attachment(
    State(app): State<AppState>,
    auth: Authed,
    Path((id, aid)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    let lang = auth.lang;
    let (id, aid) = (path_id(lang, &id)?, path_id(lang, &aid)?);
    let (info, bytes) =
        app.store.attachment_bytes(&auth.actor, id, aid).await.map_err(|e| ApiError::from_store(e, lang))?;
    Ok(crate::attachments::download(&info.content_type, &info.filename, bytes))
}
