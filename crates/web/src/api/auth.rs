//! Sign-in and sign-out.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorResponse};
use crate::extract::{ApiJson, Authed, ReqLang};
use crate::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: Me,
}

/// The signed-in user.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub username: String,
    pub role: String,
    pub unit: String,
}

impl From<&xinfang_core::user::Actor> for Me {
    fn from(a: &xinfang_core::user::Actor) -> Self {
        Me { username: a.username.clone(), role: a.role.code().to_string(), unit: a.unit_code.clone() }
    }
}

/// Sign in with a username and password; returns a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn login(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    if req.username.trim().is_empty() || req.password.is_empty() {
        return Err(ApiError::invalid(lang, "请输入用户名和密码".into(), "Username and password are required".into()));
    }
    let t = app.store.login(req.username.trim(), &req.password).await.map_err(|e| ApiError::from_store(e, lang))?;
    Ok(Json(LoginResponse { user: Me::from(&t.actor), token: t.token, expires_at: t.expires_at }))
}

/// Revoke the token this request carries.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorResponse)))]
pub async fn logout(State(app): State<AppState>, auth: Authed) -> Result<StatusCode, ApiError> {
    app.store.revoke_token(&auth.actor, &auth.token).await.map_err(|e| ApiError::from_store(e, auth.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who am I?
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorResponse)))]
pub async fn me(auth: Authed) -> Json<Me> {
    Json(Me::from(&auth.actor))
}
