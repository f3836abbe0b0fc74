//! API errors: `{"error": {"code", "message", "fields"?}}` with the right status, the message in
//! the request's language (Chinese unless Accept-Language prefers English).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use xinfang_core::{DomainError, Lang};
use xinfang_store::StoreError;

/// One invalid field.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldMessage {
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable snake_case code, e.g. `invalid_input`, `action_not_allowed_in_state`.
    pub code: String,
    /// A message a person can read, in their language.
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldMessage>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorResponse {
    pub error: ErrorBody,
}

/// An error on its way to becoming a response.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub fields: Vec<FieldMessage>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError { status, code: code.to_string(), message: message.into(), fields: vec![] }
    }

    pub fn unauthenticated(lang: Lang) -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            lang.pick(
                "未登录或登录已过期：请先调用 POST /api/v1/auth/login 取得令牌，并以 Authorization: Bearer <令牌> 发送".into(),
                "Not signed in or the session expired: call POST /api/v1/auth/login and send Authorization: Bearer <token>".into(),
            ),
        )
    }

    pub fn invalid(lang: Lang, zh: String, en: String) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", lang.pick(zh, en))
    }

    pub fn from_domain(e: DomainError, lang: Lang) -> Self {
        let status = match &e {
            DomainError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            DomainError::NotAllowedInState { .. } | DomainError::WindowClosed { .. } => StatusCode::CONFLICT,
            DomainError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            DomainError::Forbidden { .. } => StatusCode::FORBIDDEN,
        };
        ApiError {
            status,
            code: e.code().to_string(),
            message: e.message(lang),
            fields: e
                .fields()
                .iter()
                .map(|f| FieldMessage {
                    field: f.field.clone(),
                    code: f.code.to_string(),
                    message: f.message(lang).to_string(),
                })
                .collect(),
        }
    }

    pub fn from_store(e: StoreError, lang: Lang) -> Self {
        match e {
            StoreError::Domain(d) => ApiError::from_domain(d, lang),
            StoreError::NotFound { what } => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                lang.pick(format!("{what}不存在，或您无权查看"), "Not found, or not visible to you".into()),
            ),
            StoreError::Conflict { code, message_zh, message_en } => {
                ApiError::new(StatusCode::CONFLICT, code, lang.pick(message_zh, message_en))
            }
            StoreError::LockedOut { minutes } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_failed_logins",
                lang.pick(
                    format!("该账号登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试；如忘记密码请联系系统管理员"),
                    format!("Too many failed sign-ins for this account; try again in {minutes} minutes"),
                ),
            ),
            StoreError::Unauthenticated => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                lang.pick("用户名或密码不正确".into(), "Wrong username or password".into()),
            ),
            // A deployment not configured yet (no bureau unit): say so, it is the operator's to fix.
            StoreError::Config(msg) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_configured",
                lang.pick(format!("系统尚未配置完成：{msg}"), format!("Not configured yet: {msg}")),
            ),
            other => {
                tracing::error!(error = %other, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    lang.pick(
                        "服务器内部错误，已记录。请稍后重试；如持续出现请联系管理员".into(),
                        "Internal error (logged). Retry later; contact the administrator if it persists".into(),
                    ),
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorResponse { error: ErrorBody { code: self.code, message: self.message, fields: self.fields } };
        (self.status, Json(body)).into_response()
    }
}

/// Unknown paths answer in the same JSON shape.
pub async fn not_found_fallback(headers: axum::http::HeaderMap) -> ApiError {
    let lang = crate::extract::lang_of(&headers);
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_such_route",
        lang.pick(
            "没有这个接口：请查看 /api/v1/openapi.json".into(),
            "No such endpoint; see /api/v1/openapi.json".into(),
        ),
    )
}
