//! Open311 GeoReport v2 under `/open311/v2/` (wiki.open311.org/GeoReport_v2), with the
//! `servicerequestupdates` extension. Every resource answers in XML (the required format) and
//! JSON, chosen by the suffix (`services.xml`, `services.json`); errors are the specification's
//! `[{"code", "description"}]` / `<errors><error>…`.
//!
//! Public answers carry no personal data: see `xinfang_store::open311::PublicRequest`. Posting
//! needs an API key made by an administrator (`/admin/open311`, `xinfang open311 key add`).
//!
//! Choices where the specification leaves room: one jurisdiction, so `jurisdiction_id` is accepted
//! and ignored ("Implementations can ignore this parameter"); `service_request_id` is the case
//! number; a post answers both the id (the services are `realtime`) and a token, although the
//! specification says a token "should not" come with an id — clients that keep only tokens can
//! still resolve them through `tokens/{token}`; `description` of a listed request is always null
//! (the petitioner's own words may name people); `address` is the county or district's name.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use serde_json::{json, Value};
use xinfang_core::lifecycle::State as CaseState;
use xinfang_core::open311::{
    self as o311, PublicStatus, ServiceRequestForm, ATTR_COUNTY, ATTR_DEMANDS, ATTR_PETITION_TYPE,
};
use xinfang_core::{DomainError, Lang};
use xinfang_store::open311::{PublicRequest, RequestQuery};
use xinfang_store::StoreError;

use crate::extract::lang_of;
use crate::AppState;

/// Posts one API key may make in an hour before it is told to wait (429).
pub const POSTS_PER_KEY_PER_HOUR: i64 = 300;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{resource}", get(top_get).post(top_post))
        .route("/open311/v2/services/{file}", get(service_definition))
        .route("/open311/v2/requests/{file}", get(service_request))
        .route("/open311/v2/tokens/{file}", get(token))
}

// ---------------------------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------------------------

/// The output format, from the resource's suffix ("Format Support").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

/// `services.json` → (`services`, JSON). Without a suffix, XML: "XML is a required format".
fn split_format(file: &str) -> Result<(&str, Format), Open311Error> {
    match file.rsplit_once('.') {
        None => Ok((file, Format::Xml)),
        Some((name, "xml")) => Ok((name, Format::Xml)),
        Some((name, "json")) => Ok((name, Format::Json)),
        Some((_, other)) => Err(Open311Error::one(
            Format::Xml,
            StatusCode::BAD_REQUEST,
            format!("Unknown format '{other}': use .xml or .json / 格式只能是 .xml 或 .json"),
        )),
    }
}

/// The element of each item of a list, by the list's name (the Spark convention's plural/singular).
fn item_name(list: &str) -> &'static str {
    match list {
        "services" => "service",
        "service_requests" => "request",
        "service_request_updates" => "request_update",
        "errors" => "error",
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        _ => "item",
    }
}

/// XML from the JSON answer, by the Spark convention the specification's JSON is defined by:
/// objects are elements, a list is an element holding one element per item, null is empty.
/// quick-xml's writer does the escaping; no text is spliced into markup by hand.
fn to_xml(root: &str, v: &Value) -> Vec<u8> {
    fn element(w: &mut Writer<Vec<u8>>, name: &str, v: &Value) -> std::io::Result<()> {
        match v {
            Value::Null => w.write_event(Event::Empty(BytesStart::new(name))),
            Value::Array(items) => {
                w.write_event(Event::Start(BytesStart::new(name)))?;
                for i in items {
                    element(w, item_name(name), i)?;
                }
                w.write_event(Event::End(BytesEnd::new(name)))
            }
            Value::Object(m) => {
                w.write_event(Event::Start(BytesStart::new(name)))?;
                for (k, x) in m {
                    element(w, k, x)?;
                }
                w.write_event(Event::End(BytesEnd::new(name)))
            }
            Value::String(s) => text(w, name, s),
            other => text(w, name, &other.to_string()),
        }
    }
    fn text(w: &mut Writer<Vec<u8>>, name: &str, s: &str) -> std::io::Result<()> {
        w.write_event(Event::Start(BytesStart::new(name)))?;
        w.write_event(Event::Text(BytesText::new(s)))?;
        w.write_event(Event::End(BytesEnd::new(name)))
    }
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing to a Vec cannot fail.
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    let _ = element(&mut w, root, v);
    w.into_inner()
}

fn answer(format: Format, status: StatusCode, root: &str, v: Value) -> Response {
    let (ct, body) = match format {
        Format::Json => ("application/json; charset=utf-8", serde_json::to_vec(&v).unwrap_or_default()),
        Format::Xml => ("text/xml; charset=utf-8", to_xml(root, &v)),
    };
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(ct))], body).into_response()
}

// ---------------------------------------------------------------------------------------------
// Errors ("Errors": 404 for what does not exist, 403 for a wrong or missing api_key, 400 else)
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
pub struct Open311Error {
    format: Format,
    status: StatusCode,
    descriptions: Vec<String>,
}

impl Open311Error {
    fn one(format: Format, status: StatusCode, description: String) -> Self {
        Open311Error { format, status, descriptions: vec![description] }
    }

    fn domain(format: Format, e: DomainError, lang: Lang) -> Self {
        let status = match &e {
            DomainError::Forbidden { .. } => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        };
        let descriptions = if e.fields().is_empty() {
            vec![e.message(lang)]
        } else {
            e.fields().iter().map(|f| format!("{}: {}", o311::parameter_of(&f.field), f.message(lang))).collect()
        };
        Open311Error { format, status, descriptions }
    }

    fn store(format: Format, e: StoreError, lang: Lang) -> Self {
        match e {
            StoreError::Domain(d) => Self::domain(format, d, lang),
            StoreError::NotFound { what } => {
                Self::one(format, StatusCode::NOT_FOUND, lang.pick(format!("{what}不存在"), "Not found".into()))
            }
            StoreError::Conflict { code, message_zh, message_en } => Self::one(
                format,
                if code == "open311_rate_limited" { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::BAD_REQUEST },
                lang.pick(message_zh, message_en),
            ),
            StoreError::Unauthenticated => Self::one(
                format,
                StatusCode::FORBIDDEN,
                lang.pick(
                    "api_key 无效或已停用，不能提交服务请求".into(),
                    "Invalid api_key received -- can't proceed with create_request".into(),
                ),
            ),
            StoreError::Config(msg) => Self::one(
                format,
                StatusCode::SERVICE_UNAVAILABLE,
                lang.pick(format!("系统尚未配置完成：{msg}"), format!("Not configured yet: {msg}")),
            ),
            other => {
                tracing::error!(error = %other, "open311: internal error");
                Self::one(
                    format,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    lang.pick(
                        "服务器内部错误，已记录，请稍后重试".into(),
                        "Internal error (logged); retry later".into(),
                    ),
                )
            }
        }
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let code = self.status.as_u16();
        let errors: Vec<Value> =
            self.descriptions.into_iter().map(|d| json!({"code": code, "description": d})).collect();
        answer(self.format, self.status, "errors", Value::Array(errors))
    }
}

type Answer = Result<Response, Open311Error>;

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

type Pairs = Vec<(String, String)>;

fn parse_pairs(format: Format, raw: &[u8], lang: Lang) -> Result<Pairs, Open311Error> {
    serde_urlencoded::from_bytes::<Pairs>(raw).map_err(|_| {
        Open311Error::one(
            format,
            StatusCode::BAD_REQUEST,
            lang.pick(
                "参数格式有误（应为 URL 编码的表单）".into(),
                "Malformed arguments (expected URL encoding)".into(),
            ),
        )
    })
}

/// Every value of an argument, comma lists split ("can be declared multiple times, comma
/// delimited"); empty values are "not declared".
fn list(p: &Pairs, key: &str) -> Vec<String> {
    p.iter()
        .filter(|(k, _)| k == key)
        .flat_map(|(_, v)| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string))
        .collect()
}

fn optional<'a>(p: &'a Pairs, key: &str) -> Option<&'a str> {
    p.iter().rev().find(|(k, v)| k == key && !v.trim().is_empty()).map(|(_, v)| v.as_str())
}

/// start_date/end_date as the window to list ("most recent 90 days" when not given).
fn window(
    format: Format,
    p: &Pairs,
    lang: Lang,
) -> Result<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>), Open311Error> {
    let parse = |k: &str| optional(p, k).map(|v| o311::parse_w3_datetime(k, v)).transpose();
    let range = (|| o311::date_range(parse("start_date")?, parse("end_date")?, chrono::Utc::now()))();
    range.map_err(|e| Open311Error::domain(format, e, lang))
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

/// `discovery`, `services`, `requests`, `servicerequestupdates` (GET).
async fn top_get(
    State(app): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let lang = lang_of(&headers);
    let (name, format) = split_format(&file)?;
    let p = parse_pairs(format, q.unwrap_or_default().as_bytes(), lang)?;
    match name {
        "discovery" => discovery(&app, format, &headers, lang).await,
        "services" => services(&app, format, lang).await,
        "requests" => requests(&app, format, &p, lang).await,
        "servicerequestupdates" => updates(&app, format, &p, lang).await,
        _ => Err(no_such_resource(format, lang)),
    }
}

fn no_such_resource(format: Format, lang: Lang) -> Open311Error {
    Open311Error::one(
        format,
        StatusCode::NOT_FOUND,
        lang.pick(
            "没有这个资源：见 /open311/v2/discovery.json".into(),
            "No such resource; see /open311/v2/discovery.json".into(),
        ),
    )
}

/// `POST requests` — the only write, with an API key.
async fn top_post(
    State(app): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let lang = lang_of(&headers);
    let (name, format) = split_format(&file)?;
    if name != "requests" {
        return Err(no_such_resource(format, lang));
    }
    // The arguments are form-encoded in the body; an api_key in the query string is accepted too.
    let mut p = parse_pairs(format, &body, lang)?;
    p.extend(parse_pairs(format, q.unwrap_or_default().as_bytes(), lang)?);
    post_request(&app, format, &p, lang).await
}

/// Service Discovery (wiki.open311.org/Service_Discovery): where the endpoint is and what it speaks.
#[utoipa::path(get, path = "/open311/v2/discovery.{format}", tag = "open311",
    params(("format" = String, Path, description = "xml or json")),
    responses((status = 200, description = "The discovery document: changeset, contact, key_service, endpoints")))]
pub async fn discovery(app: &AppState, format: Format, headers: &HeaderMap, lang: Lang) -> Answer {
    let changeset = app.store.open311_changeset().await.map_err(|e| Open311Error::store(format, e, lang))?;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
    let v = json!({
        "changeset": o311::w3(changeset),
        "contact": "信访工作机构系统管理员 / the petition bureau's system administrator",
        "key_service": "API 密钥由系统管理员在「系统管理 → Open311 密钥」中创建 / API keys are issued by the administrator",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": format!("{scheme}://{host}/open311/v2"),
            "changeset": o311::w3(changeset),
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    });
    Ok(answer(format, StatusCode::OK, "discovery", v))
}

/// GET Service List: one service per category of petition (问题类别).
#[utoipa::path(get, path = "/open311/v2/services.{format}", tag = "open311",
    params(("format" = String, Path, description = "xml or json")),
    responses((status = 200, description = "[{service_code, service_name, description, metadata, type, keywords, group}]")))]
pub async fn services(app: &AppState, format: Format, lang: Lang) -> Answer {
    let cats = app.store.list_categories().await.map_err(|e| Open311Error::store(format, e, lang))?;
    let list: Vec<Value> = cats
        .iter()
        .map(|c| {
            json!({
                "service_code": c.code,
                "service_name": c.name,
                "description": format!("{}方面的信访事项（网上信访）", c.name),
                "metadata": true,
                "type": "realtime",
                "keywords": c.name,
                "group": "信访",
            })
        })
        .collect();
    Ok(answer(format, StatusCode::OK, "services", Value::Array(list)))
}

/// GET Service Definition: the county or district where the matter arose (required), the kind of
/// petition and the demands.
#[utoipa::path(get, path = "/open311/v2/services/{service_code}.{format}", tag = "open311",
    params(("service_code" = String, Path), ("format" = String, Path, description = "xml or json")),
    responses((status = 200, description = "{service_code, attributes: [...]}"), (status = 404, description = "No such service_code")))]
pub async fn service_definition(State(app): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> Answer {
    let lang = lang_of(&headers);
    let (code, format) = split_format(&file)?;
    let err = |e| Open311Error::store(format, e, lang);
    let cats = app.store.list_categories().await.map_err(err)?;
    if !cats.iter().any(|c| c.code == code) {
        return Err(unknown_service(format, code, lang));
    }
    let counties: Vec<Value> = app
        .store
        .list_units()
        .await
        .map_err(err)?
        .into_iter()
        .filter(|u| u.kind == "county")
        .map(|u| json!({"key": u.code, "name": u.name}))
        .collect();
    let types: Vec<Value> =
        xinfang_core::case::PetitionType::ALL.iter().map(|t| json!({"key": t.code(), "name": t.label_zh()})).collect();
    let v = json!({
        "service_code": code,
        "attributes": [
            {"variable": true, "code": ATTR_COUNTY, "datatype": "singlevaluelist", "required": true,
             "datatype_description": "县（市、区）代码 GB/T 2260", "order": 1,
             "description": "问题发生地所在的县（市、区）；也可用 address_id 传送该代码", "values": counties},
            {"variable": true, "code": ATTR_PETITION_TYPE, "datatype": "singlevaluelist", "required": false,
             "datatype_description": Value::Null, "order": 2,
             "description": "信访类型，默认为申诉求决（grievance）", "values": types},
            {"variable": true, "code": ATTR_DEMANDS, "datatype": "text", "required": false,
             "datatype_description": Value::Null, "order": 3, "description": "信访诉求", "values": []},
        ],
    });
    Ok(answer(format, StatusCode::OK, "service_definition", v))
}

fn unknown_service(format: Format, code: &str, lang: Lang) -> Open311Error {
    Open311Error::one(
        format,
        StatusCode::NOT_FOUND,
        lang.pick(format!("service_code「{code}」不存在"), format!("service_code '{code}' was not found")),
    )
}

/// POST Service Request: a web-channel petition of the public. Answers the case number as
/// `service_request_id` (the request is registered at once: "realtime") and also a token for
/// `tokens/{token}`.
#[utoipa::path(post, path = "/open311/v2/requests.{format}", tag = "open311",
    params(("format" = String, Path, description = "xml or json")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "api_key, service_code, a location (lat & long, address_string or address_id), description, first_name, last_name, phone, attribute[county], attribute[petition_type], attribute[demands]"),
    responses((status = 200, description = "[{service_request_id, token, service_notice, account_id}]"),
        (status = 400, description = "[{code, description}]: a required argument missing or invalid"),
        (status = 403, description = "Missing or invalid api_key"), (status = 404, description = "No such service_code"),
        (status = 429, description = "Too many posts with this key within the hour")))]
pub async fn post_request(app: &AppState, format: Format, p: &Pairs, lang: Lang) -> Answer {
    let err = |e| Open311Error::store(format, e, lang);
    let Some(key) = optional(p, "api_key") else {
        return Err(Open311Error::one(
            format,
            StatusCode::FORBIDDEN,
            lang.pick(
                "缺少 api_key：提交服务请求须提供 API 密钥".into(),
                "api_key is required to create a request".into(),
            ),
        ));
    };
    let key_id = app.store.open311_key_for_post(key, POSTS_PER_KEY_PER_HOUR).await.map_err(err)?;
    let form = ServiceRequestForm::from_pairs(p);
    if form.service_code.is_empty() {
        return Err(Open311Error::one(
            format,
            StatusCode::BAD_REQUEST,
            lang.pick("缺少 service_code".into(), "service_code was not provided".into()),
        ));
    }
    let cats = app.store.list_categories().await.map_err(err)?;
    if !cats.iter().any(|c| c.code == form.service_code) {
        return Err(unknown_service(format, &form.service_code, lang));
    }
    let mapped = form.to_register_input().map_err(|e| Open311Error::domain(format, e, lang))?;
    let posted = app.store.post_open311_request(key_id, &mapped.input, mapped.lat, mapped.long).await.map_err(err)?;
    let case = &posted.case;
    // The query code goes to the client posting for the petitioner, never into a public answer.
    let mut notice = format!(
        "已登记为信访事项 {}，查询码 {}（请告知信访人妥善保存，凭编号和查询码在网上信访平台查询办理进度）",
        case.number, posted.query_code
    );
    if let Some(due) = case.deadlines.get("decide_by") {
        notice.push_str(&format!("；将于 {due} 前书面告知是否受理"));
    }
    let v = json!([{
        "service_request_id": case.number,
        "token": posted.token,
        "service_notice": notice,
        "account_id": Value::Null,
    }]);
    Ok(answer(format, StatusCode::OK, "service_requests", v))
}

/// One request as the public sees it.
fn public_request(r: &PublicRequest) -> Result<Value, StoreError> {
    let state: CaseState = r.state()?;
    let status = o311::status(state);
    Ok(json!({
        "service_request_id": r.number,
        "status": status.code(),
        "status_notes": o311::status_notes(state),
        "service_name": r.category_name,
        "service_code": r.category,
        // The statement is the petitioner's own words and may name people: never public.
        "description": Value::Null,
        "agency_responsible": r.agency,
        "service_notice": Value::Null,
        "requested_datetime": o311::w3(r.received_at),
        "updated_datetime": o311::w3(r.updated_at),
        "expected_datetime": match (status, r.next_due_on) {
            (PublicStatus::Open, Some(d)) => Value::String(o311::expected_datetime(d)),
            _ => Value::Null,
        },
        // The county or district only, never a person's address.
        "address": r.county,
    }))
}

fn requests_answer(format: Format, rows: &[PublicRequest], lang: Lang) -> Answer {
    let list = rows
        .iter()
        .map(public_request)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Open311Error::store(format, e, lang))?;
    Ok(answer(format, StatusCode::OK, "service_requests", Value::Array(list)))
}

/// GET Service Requests: the requests that came in through Open311 (never accusations), filtered
/// by service_request_id, service_code, status, start_date/end_date; the most recent 90 days and at
/// most 1000 by default.
#[utoipa::path(get, path = "/open311/v2/requests.{format}", tag = "open311",
    params(("format" = String, Path, description = "xml or json"),
        ("service_request_id" = Option<String>, Query, description = "Comma-delimited; overrides all other arguments"),
        ("service_code" = Option<String>, Query, description = "Comma-delimited"),
        ("start_date" = Option<String>, Query, description = "w3 datetime"),
        ("end_date" = Option<String>, Query, description = "w3 datetime; at most 90 days after start_date"),
        ("status" = Option<String>, Query, description = "open, closed; comma-delimited")),
    responses((status = 200, description = "[{service_request_id, status, status_notes, service_name, service_code, agency_responsible, requested_datetime, updated_datetime, expected_datetime, address}]"),
        (status = 400, description = "[{code, description}]")))]
pub async fn requests(app: &AppState, format: Format, p: &Pairs, lang: Lang) -> Answer {
    let ids = list(p, "service_request_id");
    let mut q = RequestQuery { ids, service_codes: list(p, "service_code"), ..Default::default() };
    if q.ids.is_empty() {
        for s in list(p, "status") {
            let status = PublicStatus::from_code(&s).ok_or_else(|| {
                Open311Error::one(
                    format,
                    StatusCode::BAD_REQUEST,
                    lang.pick(
                        format!("status「{s}」无效，应为 open 或 closed"),
                        format!("status '{s}' is not open or closed"),
                    ),
                )
            })?;
            q.statuses.push(status);
        }
        let (start, end) = window(format, p, lang)?;
        (q.start, q.end) = (Some(start), Some(end));
    }
    let rows = app.store.open311_requests(&q).await.map_err(|e| Open311Error::store(format, e, lang))?;
    requests_answer(format, &rows, lang)
}

/// GET Service Request.
#[utoipa::path(get, path = "/open311/v2/requests/{service_request_id}.{format}", tag = "open311",
    params(("service_request_id" = String, Path, description = "The case number"), ("format" = String, Path, description = "xml or json")),
    responses((status = 200, description = "[{…one request…}]"), (status = 404, description = "[{code, description}]")))]
pub async fn service_request(State(app): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> Answer {
    let lang = lang_of(&headers);
    let (id, format) = split_format(&file)?;
    let row = app.store.open311_request(id).await.map_err(|e| Open311Error::store(format, e, lang))?;
    requests_answer(format, &[row], lang)
}

/// GET service_request_id from a token.
#[utoipa::path(get, path = "/open311/v2/tokens/{token}.{format}", tag = "open311",
    params(("token" = String, Path), ("format" = String, Path, description = "xml or json")),
    responses((status = 200, description = "[{service_request_id, token}]"), (status = 404, description = "[{code, description}]")))]
pub async fn token(State(app): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> Answer {
    let lang = lang_of(&headers);
    let (token, format) = split_format(&file)?;
    let number = app.store.open311_token(token).await.map_err(|e| Open311Error::store(format, e, lang))?;
    Ok(answer(format, StatusCode::OK, "service_requests", json!([{"service_request_id": number, "token": token}])))
}

/// The `servicerequestupdates` extension: the status changes of listed requests between
/// start_date and end_date (the most recent 90 days by default).
#[utoipa::path(get, path = "/open311/v2/servicerequestupdates.{format}", tag = "open311",
    params(("format" = String, Path, description = "xml or json"),
        ("start_date" = Option<String>, Query, description = "w3 datetime"), ("end_date" = Option<String>, Query, description = "w3 datetime")),
    responses((status = 200, description = "[{update_id, service_request_id, status, updated_datetime, description, media_url}]"),
        (status = 400, description = "[{code, description}]")))]
pub async fn updates(app: &AppState, format: Format, p: &Pairs, lang: Lang) -> Answer {
    let (start, end) = window(format, p, lang)?;
    let rows = app.store.open311_updates(start, end).await.map_err(|e| Open311Error::store(format, e, lang))?;
    let list: Vec<Value> = rows
        .iter()
        .map(|u| {
            json!({
                "update_id": u.update_id,
                "service_request_id": u.number,
                "status": o311::status(u.state).code(),
                "updated_datetime": o311::w3(u.at),
                "description": o311::status_notes(u.state),
                "media_url": Value::Null,
            })
        })
        .collect();
    Ok(answer(format, StatusCode::OK, "service_request_updates", Value::Array(list)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_follows_the_spark_convention_and_escapes() {
        let v = json!([{"service_code": "a&b", "metadata": true, "keywords": Value::Null, "formats": ["text/xml"]}]);
        let xml = String::from_utf8(to_xml("services", &v)).unwrap();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"), "{xml}");
        assert!(xml.contains("<services>") && xml.contains("<service>"), "{xml}");
        assert!(xml.contains("<service_code>a&amp;b</service_code>"), "{xml}");
        assert!(xml.contains("<keywords/>"), "{xml}");
        assert!(xml.contains("<formats>") && xml.contains("<format>text/xml</format>"), "{xml}");
    }

    #[test]
    fn the_suffix_chooses_the_format() {
        assert_eq!(split_format("services.json").unwrap(), ("services", Format::Json));
        assert_eq!(split_format("2026-000001.xml").unwrap(), ("2026-000001", Format::Xml));
        assert_eq!(split_format("discovery").unwrap(), ("discovery", Format::Xml));
        assert!(split_format("services.csv").is_err());
    }
}
