//! Request extractors that fail with the API's error shape and the caller's language.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use serde::de::DeserializeOwned;
use xinfang_core::user::Actor;
use xinfang_core::Lang;

use crate::error::ApiError;
use crate::AppState;

pub fn lang_of(headers: &HeaderMap) -> Lang {
    Lang::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

/// The language of the request.
pub struct ReqLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for ReqLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ReqLang(lang_of(&parts.headers)))
    }
}

/// The actor a token (bearer or session) stands for, or 401.
async fn actor_of(app: &AppState, token: &str, lang: Lang) -> Result<Actor, ApiError> {
    app.store
        .actor_for_token(token)
        .await
        .map_err(|e| ApiError::from_store(e, lang))?
        .ok_or_else(|| ApiError::unauthenticated(lang))
}

/// A signed-in caller: `Authorization: Bearer <token>`.
pub struct Authed {
    pub actor: Actor,
    pub token: String,
    pub lang: Lang,
}

impl<S> FromRequestParts<S> for Authed
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthenticated(lang))?;
        let actor = actor_of(&AppState::from_ref(state), &token, lang).await?;
        Ok(Authed { actor, token, lang })
    }
}

/// A signed-in caller by bearer token, or — for the staff pages' own scripts — by the session
/// cookie together with the page's CSRF token in the `X-CSRF-Token` header (a cookie alone is
/// refused, so another site cannot use a signed-in browser).
pub struct AuthedOrSession {
    pub actor: Actor,
    pub lang: Lang,
}

impl<S> FromRequestParts<S> for AuthedOrSession
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        if parts.headers.contains_key(header::AUTHORIZATION) {
            let a = Authed::from_request_parts(parts, state).await?;
            return Ok(AuthedOrSession { actor: a.actor, lang: a.lang });
        }
        let session = crate::ui::cookie_value(&parts.headers, crate::ui::SESSION_COOKIE)
            .ok_or_else(|| ApiError::unauthenticated(lang))?;
        let csrf = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
        if csrf != Some(crate::ui::csrf_token(&session).as_str()) {
            return Err(ApiError::unauthenticated(lang));
        }
        let actor = actor_of(&AppState::from_ref(state), &session, lang).await?;
        Ok(AuthedOrSession { actor, lang })
    }
}

/// Explain a JSON error in the caller's language. serde's own wording is kept after a readable
/// lead, since it names the exact field and position.
pub fn json_error(lang: Lang, e: &serde_json::Error) -> ApiError {
    let raw = e.to_string();
    let zh = if let Some(rest) = raw.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or("");
        format!("缺少必填字段「{field}」")
    } else if let Some(rest) = raw.strip_prefix("unknown variant `") {
        let value = rest.split('`').next().unwrap_or("");
        let expected = rest.split_once("expected ").map(|x| x.1).unwrap_or("").split(" at line").next().unwrap_or("");
        format!("「{value}」不是有效的取值，可选：{}", expected.replace('`', ""))
    } else if let Some(rest) = raw.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or("");
        format!("不认识的字段「{field}」")
    } else if raw.starts_with("invalid type") || raw.starts_with("invalid value") || raw.starts_with("invalid length") {
        format!("字段的类型或取值不对（{raw}）")
    } else if e.is_syntax() || e.is_eof() {
        format!("请求体不是有效的 JSON（{raw}）")
    } else {
        format!("请求内容有误（{raw}）")
    };
    ApiError::invalid(lang, zh, format!("Invalid request body: {raw}"))
}

/// A JSON body parsed with readable errors (422), refusing NUL characters, which no text field
/// may contain (PostgreSQL cannot store them).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang_of(req.headers());
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            ApiError::new(
                e.status(),
                "bad_body",
                lang.pick(format!("无法读取请求体：{e}"), format!("Cannot read the request body: {e}")),
            )
        })?;
        parse_json(lang, &bytes).map(ApiJson)
    }
}

pub fn parse_json<T: DeserializeOwned>(lang: Lang, bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.windows(6).any(|w| w == b"\\u0000") {
        return Err(ApiError::invalid(
            lang,
            "内容中含有空字符（\\u0000），请删除后重试".into(),
            "The body contains a NUL character (\\u0000); remove it".into(),
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| json_error(lang, &e))
}

/// A query string parsed with readable errors (422).
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        let q = parts.uri.query().unwrap_or("");
        if q.contains("%00") {
            return Err(ApiError::invalid(
                lang,
                "查询参数中含有空字符".into(),
                "The query contains a NUL character".into(),
            ));
        }
        axum::extract::Query::<T>::try_from_uri(&parts.uri).map(|q| ApiQuery(q.0)).map_err(|e| {
            ApiError::invalid(
                lang,
                format!("查询参数有误：{}", e.body_text()),
                format!("Invalid query parameters: {}", e.body_text()),
            )
        })
    }
}

/// Parse a numeric id from the path; anything else is "not found".
pub fn path_id(lang: Lang, raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|i| *i > 0).ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            lang.pick(format!("「{raw}」不是有效的编号"), format!("'{raw}' is not a valid id")),
        )
    })
}
