//! 工作台 The staff interface: server-rendered pages (askama templates, compiled in), plain forms
//! with post-redirect-get, a session cookie and a CSRF token on every form. Pages call the same
//! store operations as the API; no rule lives here.

pub mod admin;
pub mod docking;
pub mod forms;
pub mod hall;
pub mod msg;
pub mod pages;
pub mod rota;
pub mod warnings;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use sha2::{Digest, Sha256};
use xinfang_core::user::Actor;
use xinfang_core::Lang;

use crate::AppState;

/// The session cookie. HttpOnly and SameSite=Strict; the token is the same kind the API uses.
pub const SESSION_COOKIE: &str = "xf_session";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_page).post(pages::login_submit))
        .route("/logout", post(pages::logout))
        .route("/notifications/read", post(pages::notifications_read))
        .route("/cases", get(pages::case_list))
        .route("/cases/new", get(pages::register_page).post(pages::register_submit))
        .route("/cases/{id}", get(pages::case_page))
        .route("/cases/{id}/act", post(pages::case_act))
        .route("/cases/{id}/repeat-visit", post(pages::repeat_visit))
        .route(
            "/cases/{id}/attachments",
            post(pages::upload_attachment)
                .layer(axum::extract::DefaultBodyLimit::max(crate::attachments::UPLOAD_BODY_LIMIT)),
        )
        .route("/cases/{id}/attachments/{aid}", get(pages::download_attachment))
        .route("/cases/{id}/petitioners/{pid}/reveal", post(pages::reveal))
        .route("/cases/{id}/minutes/{seq}", get(pages::minutes))
        .route("/cases/{id}/query-code", post(crate::portal::staff_reset_query_code))
        .route("/cases/{id}/documents/{doc}", get(pages::document))
        .route("/dockings", get(docking::list).post(docking::record))
        .route("/rota", get(rota::month_view).post(rota::set))
        .route("/warnings", get(warnings::page))
        .route("/admin", get(admin::overview))
        .route("/admin/units", get(admin::units).post(admin::save_unit))
        .route("/admin/users", get(admin::users).post(admin::add_user))
        .route("/admin/users/{id}/active", post(admin::set_active))
        .route("/admin/users/{id}/password", post(admin::reset_password))
        .route("/admin/categories", get(admin::categories).post(admin::save_category))
        .route("/admin/calendar", get(admin::calendar).post(admin::import_calendar))
        .route("/admin/open311", get(admin::open311_keys).post(admin::add_open311_key))
        .route("/admin/open311/{id}/revoke", post(admin::revoke_open311_key))
        .route("/admin/documents", get(admin::documents).post(admin::save_document_template))
        .route("/admin/outbox", get(admin::outbox))
        .route("/hall", get(hall::console))
        .route("/hall/issue", post(hall::issue))
        .route("/hall/call", post(hall::call_next))
        .route("/hall/tickets/{id}", get(hall::ticket_page).post(hall::move_ticket))
        .route("/hall/display", get(hall::display))
        .route("/hall/display/events", get(hall::display_events))
        .route(
            "/assets/app.css",
            get(|| async { asset("text/css; charset=utf-8", include_str!("../../assets/app.css")) }),
        )
        .route(
            "/assets/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", include_str!("../../assets/app.js")) }),
        )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

/// The CSRF token of a session: a hash of the session token, so it needs no storage and cannot
/// be computed by a page that cannot read the HttpOnly cookie.
pub fn csrf_token(session: &str) -> String {
    hex::encode(Sha256::digest(format!("xinfang-csrf:{session}").as_bytes()))[..32].to_string()
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// A signed-in member of staff, from the session cookie. Without a valid session the page
/// redirects to the login page and comes back afterwards.
pub struct Staff {
    pub actor: Actor,
    pub token: String,
    pub lang: Lang,
    pub csrf: String,
}

impl Staff {
    pub fn m(&self) -> &'static msg::Messages {
        msg::messages(self.lang)
    }
    /// Whether a submitted form carries this session's CSRF token.
    pub fn csrf_ok(&self, submitted: Option<&str>) -> bool {
        submitted == Some(self.csrf.as_str())
    }
    /// The answer to a form without the right CSRF token.
    pub fn csrf_failed(&self) -> Response {
        message_page(StatusCode::FORBIDDEN, self.m().csrf_failed.to_string(), self.lang)
    }
}

impl<S> FromRequestParts<S> for Staff
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = crate::extract::lang_of(&parts.headers);
        let next = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        let to_login = || Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response();
        let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE) else { return Err(to_login()) };
        let app = AppState::from_ref(state);
        match app.store.actor_for_token(&token).await {
            Ok(Some(actor)) => Ok(Staff { csrf: csrf_token(&token), actor, token, lang }),
            Ok(None) => Err(to_login()),
            Err(e) => Err(crate::error::ApiError::from_store(e, lang).into_response()),
        }
    }
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|x| x.trim_start_matches('=').to_string()).unwrap_or_default()
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage {
    m: &'static msg::Messages,
    status: u16,
    message: String,
}

/// A refusal or failure as a page a person can read, with the way back.
pub fn error_page(e: xinfang_store::StoreError, lang: Lang) -> Response {
    let api = crate::error::ApiError::from_store(e, lang);
    message_page(api.status, api.message, lang)
}

/// A page with one message and the way back, answered with `status`.
pub fn message_page(status: StatusCode, message: String, lang: Lang) -> Response {
    let mut resp = render(&ErrorPage { m: msg::messages(lang), status: status.as_u16(), message });
    *resp.status_mut() = status;
    resp
}

/// Render a template, or a plain error page if rendering fails (it never should).
pub fn render<T: askama::Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<p>页面生成失败，已记录。</p>".to_string())).into_response()
        }
    }
}
