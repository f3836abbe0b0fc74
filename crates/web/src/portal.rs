//! 网上信访 The public portal at `/portal`: mobile-first pages, no account. File a petition (the
//! phone confirmed by a one-time code), get the case number and query code once, track the case,
//! read what is addressed to the petitioner, rate the handling and ask for review.
//!
//! Forms carry a double-submit token (a cookie and a hidden field) because there is no session;
//! after the query code is checked, a short-lived signed ticket in an HttpOnly cookie stands for
//! it. Every rule is the store's and the core's; these handlers only parse and render.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Multipart, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use xinfang_core::case::CategorySpec;
use xinfang_core::portal::PortalFiling;
use xinfang_core::{DomainError, Lang};
use xinfang_store::portal::{form_token, PortalCase};
use xinfang_store::StoreError;

use crate::attachments::{read_upload, UPLOAD_BODY_LIMIT};
use crate::extract::lang_of;
use crate::ui::forms::{first, parse_pairs, Pairs};
use crate::ui::msg::{portal_messages, PortalMessages};
use crate::ui::{cookie_value, csrf_token, render};
use crate::AppState;

/// The double-submit cookie of the filing form.
const FORM_COOKIE: &str = "xf_portal_form";
/// The ticket cookie: this browser proved the query code of one case.
const TICKET_COOKIE: &str = "xf_portal";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(home))
        .route(
            "/portal/file",
            get(file_page)
                .post(file_submit)
                .layer(DefaultBodyLimit::max(xinfang_store::portal::PORTAL_MAX_FILES as usize * UPLOAD_BODY_LIMIT)),
        )
        .route("/portal/code", post(send_code))
        .route("/portal/track", get(track_page).post(track_submit))
        .route("/portal/case", get(case_page))
        .route("/portal/case/rate", post(rate))
        .route("/portal/case/review", post(review))
        .route("/portal/case/files", post(upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .route("/portal/case/documents/{doc}", get(document))
        .route("/portal/logout", post(logout))
}

/// The petitioner's network address, for the limits (a keyed hash of it is all that is kept).
pub struct ClientAddr(pub String);

/// The client's address: the peer's, or — when the peer is a trusted reverse proxy — the last
/// address in `X-Forwarded-For` that is not itself a trusted proxy (proxies append what they
/// saw, so addresses left of that one could have been written by the client).
pub fn client_address(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let hops = forwarded_for.unwrap_or("").split(',').rev().map(|h| h.trim().parse::<IpAddr>());
    for hop in hops {
        match hop {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return Some(ip),
            Err(_) => break,
        }
    }
    Some(peer)
}

impl<S> FromRequestParts<S> for ClientAddr
where
    S: Send + Sync,
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let xff = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
        let ip = client_address(peer, xff, &app.trusted_proxies);
        Ok(ClientAddr(ip.map(|i| i.to_string()).unwrap_or_else(|| "unknown".into())))
    }
}

fn cookie(name: &str, value: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("{name}={value}; Path=/portal; HttpOnly; SameSite=Strict; Max-Age={max_age}"))
        .unwrap_or(HeaderValue::from_static(""))
}

/// Pages with the code or personal data must not be kept by the browser or a proxy.
fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn with_status(mut resp: Response, status: StatusCode) -> Response {
    *resp.status_mut() = status;
    resp
}

/// The status and message of a refusal, for a page.
fn refusal(e: StoreError, lang: Lang) -> (StatusCode, String, Vec<xinfang_core::FieldError>) {
    let fields = match &e {
        StoreError::Domain(d) => d.fields().to_vec(),
        _ => vec![],
    };
    let api = crate::error::ApiError::from_store(e, lang);
    (api.status, api.message, fields)
}

#[derive(askama::Template)]
#[template(path = "portal_home.html")]
struct HomePage {
    m: &'static PortalMessages,
    lang: &'static str,
}

fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    }
}

async fn home(headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    render(&HomePage { m: portal_messages(lang), lang: lang_code(lang) })
}

/// The filing form as typed, kept on every error.
#[derive(Debug, Clone, Default)]
pub struct FilingForm {
    pub petition_type: String,
    pub category: String,
    pub statement: String,
    pub demands: String,
    pub county: String,
    pub place_address: String,
    pub accused_person: String,
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub home_address: String,
}

impl FilingForm {
    fn from_fields(get: &dyn Fn(&str) -> Option<String>) -> FilingForm {
        let g = |k: &str| get(k).unwrap_or_default();
        FilingForm {
            petition_type: g("petition_type"),
            category: g("category"),
            statement: g("statement"),
            demands: g("demands"),
            county: g("county"),
            place_address: g("place_address"),
            accused_person: g("accused_person"),
            name: g("name"),
            phone: g("phone"),
            id_number: g("id_number"),
            home_address: g("home_address"),
        }
    }
    fn to_filing(&self) -> PortalFiling {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        PortalFiling {
            petition_type: if self.petition_type.is_empty() { "grievance".into() } else { self.petition_type.clone() },
            category: self.category.clone(),
            statement: self.statement.clone(),
            demands: opt(&self.demands),
            county: opt(&self.county),
            place_address: opt(&self.place_address),
            accused_person: opt(&self.accused_person),
            name: self.name.clone(),
            phone: self.phone.clone(),
            id_number: opt(&self.id_number),
            home_address: opt(&self.home_address),
        }
    }
}

/// The registration's field names as the portal form names them.
fn portal_field(field: &str) -> String {
    let f = field.strip_prefix("petitioners[0].").unwrap_or(field);
    match f {
        "place.county" => "county",
        "place.address" => "place_address",
        "accused.person" | "accused" => "accused_person",
        "address" => "home_address",
        "channel" | "petitioners" => "",
        other => other,
    }
    .to_string()
}

#[derive(askama::Template)]
#[template(path = "portal_file.html")]
struct FilePage {
    m: &'static PortalMessages,
    lang: &'static str,
    form: FilingForm,
    form_key: String,
    categories: Vec<CategorySpec>,
    counties: Vec<(String, String)>,
    types: Vec<(&'static str, &'static str)>,
    errors: BTreeMap<String, String>,
    /// Errors that belong to no field of the form.
    other_errors: Vec<String>,
    notice: Option<String>,
}

impl FilePage {
    fn error(&self, field: &str) -> &str {
        self.errors.get(field).map(|s| s.as_str()).unwrap_or("")
    }
}

const TYPES: [(&str, &str); 3] = [("grievance", "申诉求决"), ("suggestion", "建议意见"), ("accusation", "检举控告")];

async fn file_form(
    app: &AppState,
    lang: Lang,
    form: FilingForm,
    form_key: String,
    errs: Vec<xinfang_core::FieldError>,
    message: Option<String>,
    notice: Option<String>,
) -> Response {
    let categories = app.store.list_categories().await.unwrap_or_default();
    let counties = app
        .store
        .list_units()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|u| u.kind == "county")
        .map(|u| (u.code, u.name))
        .collect();
    let mut errors = BTreeMap::new();
    let mut other_errors: Vec<String> = message.into_iter().collect();
    for f in &errs {
        let key = portal_field(&f.field);
        let text = f.message(lang).to_string();
        if key.is_empty() {
            other_errors.push(text);
        } else {
            errors.entry(key).or_insert(text);
        }
    }
    let page = FilePage {
        m: portal_messages(lang),
        lang: lang_code(lang),
        form,
        form_key: form_key.clone(),
        categories,
        counties,
        types: TYPES.to_vec(),
        errors,
        other_errors,
        notice,
    };
    let mut resp = no_store(render(&page));
    resp.headers_mut().append(header::SET_COOKIE, cookie(FORM_COOKIE, &form_key, 3600));
    resp
}

async fn file_page(State(app): State<AppState>, headers: HeaderMap) -> Response {
    file_form(&app, lang_of(&headers), FilingForm::default(), form_token(), vec![], None, None).await
}

/// Whether the form's token matches its cookie (the double-submit check).
fn form_ok(headers: &HeaderMap, submitted: Option<&str>) -> bool {
    match (cookie_value(headers, FORM_COOKIE), submitted) {
        (Some(c), Some(s)) => !c.is_empty() && c == s,
        _ => false,
    }
}

fn form_expired(lang: Lang) -> Response {
    crate::ui::message_page(StatusCode::FORBIDDEN, portal_messages(lang).form_expired.to_string(), lang)
}

fn code_sent_text(m: &PortalMessages, sent: &xinfang_store::portal::CodeSent) -> String {
    format!("{} {}，{} {}", m.code_sent, sent.phone_masked, sent.valid_minutes, m.code_valid)
}

#[derive(serde::Serialize)]
struct CodeAnswer {
    ok: bool,
    message: String,
}

/// 获取验证码 from the page's script (the form stays as it is): JSON.
async fn send_code(State(app): State<AppState>, headers: HeaderMap, addr: ClientAddr, body: Bytes) -> Response {
    let lang = lang_of(&headers);
    let p = parse_pairs(&body);
    if !form_ok(&headers, first(&p, "_form")) {
        let msg = portal_messages(lang).form_expired.to_string();
        return (StatusCode::FORBIDDEN, Json(CodeAnswer { ok: false, message: msg })).into_response();
    }
    match app.store.portal_send_code(first(&p, "phone").unwrap_or(""), &addr.0).await {
        Ok(sent) => {
            Json(CodeAnswer { ok: true, message: code_sent_text(portal_messages(lang), &sent) }).into_response()
        }
        Err(e) => {
            let (status, message, _) = refusal(e, lang);
            (status, Json(CodeAnswer { ok: false, message })).into_response()
        }
    }
}

#[derive(askama::Template)]
#[template(path = "portal_filed.html")]
struct FiledPage {
    m: &'static PortalMessages,
    lang: &'static str,
    number: String,
    query_code: Option<String>,
    files: Vec<String>,
    file_errors: Vec<String>,
}

async fn file_submit(State(app): State<AppState>, headers: HeaderMap, addr: ClientAddr, mp: Multipart) -> Response {
    let lang = lang_of(&headers);
    let up = match read_upload(mp, lang).await {
        Ok(u) => u,
        Err(e) => return crate::ui::message_page(e.status, e.message, lang),
    };
    let form_key = up.field("_form").unwrap_or("").to_string();
    if !form_ok(&headers, Some(&form_key)) {
        return form_expired(lang);
    }
    let form = FilingForm::from_fields(&|k| up.field(k).map(str::to_string));
    let m = portal_messages(lang);
    if up.field("step") == Some("code") {
        // Without the page's script: send the code and show the form again, as typed.
        return match app.store.portal_send_code(&form.phone, &addr.0).await {
            Ok(sent) => {
                let mut notice = code_sent_text(m, &sent);
                if !up.files.is_empty() {
                    notice = format!("{notice}。{}", m.files_again);
                }
                file_form(&app, lang, form, form_key, vec![], None, Some(notice)).await
            }
            Err(e) => {
                let (status, message, fields) = refusal(e, lang);
                let msg = fields.is_empty().then_some(message);
                with_status(file_form(&app, lang, form, form_key, fields, msg, None).await, status)
            }
        };
    }
    let filed = match app.store.portal_file(&form.to_filing(), up.field("code").unwrap_or(""), &addr.0, &form_key).await
    {
        Ok(f) => f,
        Err(e) => {
            let (status, message, fields) = refusal(e, lang);
            let msg = fields.is_empty().then_some(message);
            let summary = (!fields.is_empty()).then(|| m.fix_errors.to_string());
            let resp = file_form(&app, lang, form, form_key, fields, msg.or(summary), None).await;
            return with_status(resp, status);
        }
    };
    // The petition stands; a file refused (type, size, count) is reported, not fatal.
    let mut files = vec![];
    let mut file_errors = vec![];
    if filed.query_code.is_some() {
        for (name, bytes) in up.files {
            match app.store.portal_attach(filed.case_id, &name, bytes).await {
                Ok(info) => files.push(info.filename),
                Err(e) => file_errors.push(format!("{name}：{}", refusal(e, lang).1)),
            }
        }
    }
    let page =
        FiledPage { m, lang: lang_code(lang), number: filed.number, query_code: filed.query_code, files, file_errors };
    let mut resp = no_store(render(&page));
    let h = resp.headers_mut();
    h.append(header::SET_COOKIE, cookie(TICKET_COOKIE, &app.store.portal_ticket(filed.case_id), 1800));
    // The form is used up: a new one gets a new token.
    h.append(header::SET_COOKIE, cookie(FORM_COOKIE, "", 0));
    resp
}

#[derive(askama::Template)]
#[template(path = "portal_track.html")]
struct TrackPage {
    m: &'static PortalMessages,
    lang: &'static str,
    number: String,
    error: Option<String>,
}

async fn track_page(headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    render(&TrackPage { m: portal_messages(lang), lang: lang_code(lang), number: String::new(), error: None })
}

async fn track_submit(State(app): State<AppState>, headers: HeaderMap, addr: ClientAddr, body: Bytes) -> Response {
    let lang = lang_of(&headers);
    let p = parse_pairs(&body);
    let number = first(&p, "number").unwrap_or("").to_string();
    match app.store.portal_track(&number, first(&p, "query_code").unwrap_or(""), &addr.0).await {
        Ok(case_id) => {
            let mut resp = Redirect::to("/portal/case").into_response();
            resp.headers_mut()
                .append(header::SET_COOKIE, cookie(TICKET_COOKIE, &app.store.portal_ticket(case_id), 1800));
            resp
        }
        Err(e) => {
            let (status, message, _) = refusal(e, lang);
            let page = TrackPage { m: portal_messages(lang), lang: lang_code(lang), number, error: Some(message) };
            with_status(render(&page), status)
        }
    }
}

/// The case this browser proved (a genuine, unexpired ticket), and the ticket.
fn ticket_case(app: &AppState, headers: &HeaderMap) -> Option<(i64, String)> {
    let ticket = cookie_value(headers, TICKET_COOKIE)?;
    let id = app.store.portal_ticket_case(&ticket)?;
    Some((id, ticket))
}

/// The tracking page, saying the proof expired.
fn ticket_expired(headers: &HeaderMap) -> Response {
    let lang = lang_of(headers);
    let m = portal_messages(lang);
    let page = TrackPage { m, lang: lang_code(lang), number: String::new(), error: Some(m.session_expired.into()) };
    with_status(render(&page), StatusCode::UNAUTHORIZED)
}

#[derive(askama::Template)]
#[template(path = "portal_case.html")]
struct CasePage {
    m: &'static PortalMessages,
    lang: &'static str,
    case: PortalCase,
    /// 告知书、处理意见书 addressed to the petitioner.
    documents: Vec<xinfang_store::documents::DocumentSummary>,
    csrf: String,
    ratings: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    done: bool,
}

async fn case_view(app: &AppState, headers: &HeaderMap, error: Option<String>, done: bool) -> Response {
    let lang = lang_of(headers);
    let Some((id, ticket)) = ticket_case(app, headers) else { return ticket_expired(headers) };
    let (case, documents) = match async {
        Ok::<_, StoreError>((app.store.portal_case(id).await?, app.store.petitioner_documents(id).await?))
    }
    .await
    {
        Ok(c) => c,
        Err(e) => return crate::ui::error_page(e, lang),
    };
    let ratings = vec![("satisfied", "满意"), ("basically_satisfied", "基本满意"), ("dissatisfied", "不满意")];
    no_store(render(&CasePage {
        m: portal_messages(lang),
        lang: lang_code(lang),
        case,
        documents,
        csrf: csrf_token(&ticket),
        ratings,
        error,
        done,
    }))
}

#[derive(serde::Deserialize)]
struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn case_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Response {
    case_view(&app, &headers, None, q.done.is_some()).await
}

/// Run one of the petitioner's commands from a case-page form, then show the case again.
async fn act(app: &AppState, headers: &HeaderMap, p: &Pairs, command: serde_json::Value) -> Response {
    let lang = lang_of(headers);
    let Some((id, ticket)) = ticket_case(app, headers) else { return ticket_expired(headers) };
    if first(p, "_csrf") != Some(csrf_token(&ticket).as_str()) {
        return form_expired(lang);
    }
    let cmd = match serde_json::from_value(command) {
        Ok(c) => c,
        Err(_) => {
            let e = DomainError::invalid("rating", "bad_choice", "请选择评价", "Choose a rating");
            return with_status(
                case_view(app, headers, Some(e.message(lang)), false).await,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    match app.store.portal_act(id, &cmd).await {
        Ok(()) => Redirect::to("/portal/case?done=1").into_response(),
        Err(e) => {
            let (status, message, _) = refusal(e, lang);
            with_status(case_view(app, headers, Some(message), false).await, status)
        }
    }
}

async fn rate(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let p = parse_pairs(&body);
    let reason = first(&p, "reason").unwrap_or("").trim().to_string();
    let cmd = serde_json::json!({
        "action": "rate",
        "stage": first(&p, "stage").unwrap_or(""),
        "rating": first(&p, "rating").unwrap_or(""),
        "reason": (!reason.is_empty()).then_some(reason),
    });
    act(&app, &headers, &p, cmd).await
}

async fn review(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let p = parse_pairs(&body);
    let action = if first(&p, "level") == Some("rereview") { "request_rereview" } else { "request_review" };
    let cmd = serde_json::json!({"action": action, "reason": first(&p, "reason").unwrap_or("")});
    act(&app, &headers, &p, cmd).await
}

async fn upload(State(app): State<AppState>, headers: HeaderMap, mp: Multipart) -> Response {
    let lang = lang_of(&headers);
    let Some((id, ticket)) = ticket_case(&app, &headers) else { return ticket_expired(&headers) };
    let up = match read_upload(mp, lang).await {
        Ok(u) => u,
        Err(e) => return with_status(case_view(&app, &headers, Some(e.message), false).await, e.status),
    };
    if up.field("_csrf") != Some(csrf_token(&ticket).as_str()) {
        return form_expired(lang);
    }
    for (name, bytes) in up.files {
        if let Err(e) = app.store.portal_attach(id, &name, bytes).await {
            let (status, message, _) = refusal(e, lang);
            return with_status(case_view(&app, &headers, Some(format!("{name}：{message}")), false).await, status);
        }
    }
    Redirect::to("/portal/case?done=1").into_response()
}

/// A notice or opinion addressed to the petitioner: the print page, or with `.docx` the file.
async fn document(
    State(app): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(doc): axum::extract::Path<String>,
) -> Response {
    let lang = lang_of(&headers);
    let Some((id, _)) = ticket_case(&app, &headers) else { return ticket_expired(&headers) };
    let (raw, docx) = match doc.strip_suffix(".docx") {
        Some(d) => (d, true),
        None => (doc.as_str(), false),
    };
    let Ok(doc_id) = raw.parse::<i64>() else {
        return crate::ui::error_page(StoreError::NotFound { what: "文书" }, lang);
    };
    match app.store.petitioner_document(id, doc_id).await {
        Ok(d) if docx => no_store(crate::documents::docx_response(&d.content)),
        Ok(d) => no_store(crate::documents::html(
            crate::ui::msg::messages(lang),
            &d.content,
            format!("/portal/case/documents/{doc_id}.docx"),
            "/portal/case".into(),
        )),
        Err(e) => crate::ui::error_page(e, lang),
    }
}

async fn logout() -> Response {
    let mut resp = Redirect::to("/portal").into_response();
    resp.headers_mut().append(header::SET_COOKIE, cookie(TICKET_COOKIE, "", 0));
    resp
}

/// 重置查询码 (staff): a new query code for the petitioner standing at the counter, shown once
/// on this page and sent to their phone.
pub async fn staff_reset_query_code(
    State(app): State<AppState>,
    staff: crate::ui::Staff,
    axum::extract::Path(id): axum::extract::Path<i64>,
    body: Bytes,
) -> Response {
    let p = parse_pairs(&body);
    if !staff.csrf_ok(first(&p, "_csrf")) {
        return staff.csrf_failed();
    }
    match app.store.reset_query_code(&staff.actor, id).await {
        Ok(code) => no_store(crate::ui::message_page(
            StatusCode::OK,
            staff.lang.pick(
                format!("新的查询码：{code}。请告知信访人（只显示这一次；如留有手机号码，已短信发送），原查询码已作废。"),
                format!("New query code: {code}. Tell the petitioner (shown only now; sent by text message if a mobile number is on file). The old code no longer works."),
            ),
            staff.lang,
        )),
        Err(e) => crate::ui::error_page(e, staff.lang),
    }
}

#[cfg(test)]
mod tests {
    use super::client_address;

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let ip = |s: &str| s.parse().unwrap();
        let proxy = [ip("10.0.0.5")];
        // Straight from the client: the header is ignored (anyone can write it).
        assert_eq!(client_address(Some(ip("203.0.113.9")), Some("1.2.3.4"), &proxy), Some(ip("203.0.113.9")));
        // Through the proxy: the address it saw, not what the client wrote before it.
        assert_eq!(client_address(Some(ip("10.0.0.5")), Some("1.2.3.4, 203.0.113.9"), &proxy), Some(ip("203.0.113.9")));
        // Two trusted proxies in a row are skipped.
        let two = [ip("10.0.0.5"), ip("10.0.0.6")];
        assert_eq!(
            client_address(Some(ip("10.0.0.5")), Some("198.51.100.7, 10.0.0.6"), &two),
            Some(ip("198.51.100.7"))
        );
        // A proxy without the header, or with garbage: the proxy itself.
        assert_eq!(client_address(Some(ip("10.0.0.5")), None, &proxy), Some(ip("10.0.0.5")));
        assert_eq!(client_address(Some(ip("10.0.0.5")), Some("not-an-ip"), &proxy), Some(ip("10.0.0.5")));
        assert_eq!(client_address(None, Some("1.2.3.4"), &proxy), None);
    }
}
