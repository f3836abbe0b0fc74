//! The pages. Each handler: read the session, call the store, render a template.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate};
use xinfang_core::case::{local_date, Channel, PetitionType};
use xinfang_core::lifecycle::State as CaseState;
use xinfang_core::user::Role;
use xinfang_core::Lang;
use xinfang_store::cases::{CaseFilter, CaseSummary, CaseView};
use xinfang_store::StoreError;

use super::forms::{self, ActionForm, Pairs, RegForm};
use super::msg::{messages, Messages};
use super::{render, Staff, SESSION_COOKIE};
use crate::AppState;

/// What every signed-in page shows in its header.
pub struct Base {
    pub m: &'static Messages,
    pub username: String,
    pub role: &'static str,
    pub unit: String,
    pub csrf: String,
    pub lang: &'static str,
    pub can_register: bool,
    /// 系统管理员: the administration link is shown.
    pub is_admin: bool,
    /// Has any case scope (administrators and duty staff have none: no case links for them).
    pub sees_cases: bool,
    /// 预警 The early-warning page is linked (the bureau's clerks, leaders, supervisors, analysts).
    pub sees_warnings: bool,
}

impl Base {
    pub(crate) fn of(staff: &Staff, unit_name: String) -> Base {
        Base {
            m: staff.m(),
            username: staff.actor.username.clone(),
            role: staff.actor.role.label_zh(),
            unit: unit_name,
            csrf: staff.csrf.clone(),
            lang: if staff.lang == Lang::En { "en" } else { "zh-CN" },
            can_register: xinfang_core::lifecycle::check_register(&staff.actor).is_ok(),
            sees_cases: xinfang_core::access::case_scope(&staff.actor) != xinfang_core::access::CaseScope::None,
            is_admin: staff.actor.role == Role::Admin,
            sees_warnings: crate::ui::warnings::may_see(&staff.actor),
        }
    }
}

/// Unit and category names for display.
struct Names {
    units: BTreeMap<String, String>,
    categories: BTreeMap<String, String>,
}

impl Names {
    async fn load(app: &AppState) -> Result<Names, StoreError> {
        let units = app.store.list_units().await?.into_iter().map(|u| (u.code, u.name)).collect();
        let categories = app.store.list_categories().await?.into_iter().map(|c| (c.code, c.name)).collect();
        Ok(Names { units, categories })
    }
    fn unit(&self, code: &str) -> String {
        self.units.get(code).cloned().unwrap_or_else(|| code.to_string())
    }
    fn category(&self, code: &str) -> String {
        self.categories.get(code).cloned().unwrap_or_else(|| code.to_string())
    }
}

use super::error_page;

/// A row of a case table.
pub struct Row {
    pub id: i64,
    pub number: String,
    pub state: String,
    pub category: String,
    pub channel: String,
    pub petitioner: String,
    pub received: String,
    pub lead: String,
    pub due: String,
    pub due_label: String,
    pub overdue: bool,
    pub due_soon: bool,
    pub group: bool,
    /// In a search: the text around the first hit, as (text, is a searched word) — the template
    /// escapes the text and marks the hits.
    pub snippet: Vec<(String, bool)>,
}

/// Days before a deadline that count as "due soon".
const DUE_SOON_DAYS: i64 = 3;

fn rows(items: Vec<CaseSummary>, names: &Names, today: NaiveDate) -> Vec<Row> {
    items
        .into_iter()
        .map(|c| Row {
            id: c.id,
            number: c.number,
            state: c.state_label,
            category: names.category(&c.category),
            channel: Channel::from_code(&c.channel).map(|x| x.label_zh()).unwrap_or("").to_string(),
            petitioner: c.petitioner.unwrap_or_default(),
            received: local_date(c.received_at).to_string(),
            lead: c.lead_unit.as_deref().map(|u| names.unit(u)).unwrap_or_default(),
            due: c.next_due_on.map(|d| d.to_string()).unwrap_or_default(),
            due_label: c.next_due_name.as_deref().map(xinfang_core::deadline::label_zh).unwrap_or("").to_string(),
            overdue: c.overdue,
            due_soon: !c.overdue && c.next_due_on.is_some_and(|d| d <= today + Duration::days(DUE_SOON_DAYS)),
            group: c.group,
            snippet: c.snippet.unwrap_or_default().into_iter().map(|p| (p.text, p.hit)).collect(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Login
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub m: &'static Messages,
    pub lang: &'static str,
    pub next: String,
    pub username: String,
    pub error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

pub async fn login_page(headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    let lang = crate::extract::lang_of(&headers);
    render(&LoginPage {
        m: messages(lang),
        lang: if lang == Lang::En { "en" } else { "zh-CN" },
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        error: None,
    })
}

pub async fn login_submit(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let lang = crate::extract::lang_of(&headers);
    let p = forms::parse_pairs(&body);
    let username = forms::first(&p, "username").unwrap_or("").trim().to_string();
    let password = forms::first(&p, "password").unwrap_or("");
    let next = safe_next(forms::first(&p, "next"));
    match app.store.login(&username, password).await {
        Ok(t) => {
            let cookie = format!("{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict", t.token);
            ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
        }
        Err(StoreError::LockedOut { minutes }) => render(&LoginPage {
            m: messages(lang),
            lang: if lang == Lang::En { "en" } else { "zh-CN" },
            next,
            username,
            error: Some(lang.pick(
                format!("该账号登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试；如忘记密码请联系系统管理员"),
                format!("Too many failed sign-ins for this account; try again in {minutes} minutes"),
            )),
        }),
        Err(StoreError::Unauthenticated) => render(&LoginPage {
            m: messages(lang),
            lang: if lang == Lang::En { "en" } else { "zh-CN" },
            next,
            username,
            error: Some(messages(lang).login_failed.to_string()),
        }),
        Err(e) => error_page(e, lang),
    }
}

pub async fn logout(State(app): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let p = forms::parse_pairs(&body);
    if !staff.csrf_ok(forms::first(&p, "_csrf")) {
        return staff.csrf_failed();
    }
    if let Err(e) = app.store.revoke_token(&staff.actor, &staff.token).await {
        return error_page(e, staff.lang);
    }
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response()
}

// ---------------------------------------------------------------------------------------------
// Home and lists
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub base: Base,
    /// Unread reminders of the actor's unit.
    pub notices: Vec<xinfang_store::jobs::Notification>,
    pub sections: Vec<HomeSection>,
    pub total: i64,
    pub overdue: i64,
    /// Numbers waiting in the hall today (for the staff who work the queue).
    pub waiting: usize,
    pub works_queue: bool,
}

/// 工作台: what this role works on first — the clerk today's registrations, unit staff their
/// inbox by deadline, the leader today's leader receptions and the open cases, the supervisor
/// what is overdue and what falls due within days.
pub async fn home(State(app): State<AppState>, staff: Staff) -> Response {
    let m = staff.m();
    let today = local_date(xinfang_store::now());
    let by_due = |f: CaseFilter| CaseFilter { sort: Some("due".into()), ..f };
    let sections: Vec<(&'static str, CaseFilter)> = match staff.actor.role {
        Role::Clerk => vec![(m.home_clerk, CaseFilter { from: Some(today), to: Some(today), ..Default::default() })],
        Role::UnitStaff => vec![(m.home_unit, by_due(CaseFilter::default()))],
        Role::Leader => vec![
            (
                m.home_leader_today,
                CaseFilter { leader_reception: Some(true), from: Some(today), to: Some(today), ..Default::default() },
            ),
            (m.home_leader, by_due(CaseFilter::default())),
        ],
        Role::Supervisor => vec![
            (m.home_supervisor, by_due(CaseFilter { overdue: Some(true), ..Default::default() })),
            (m.home_supervised, by_due(CaseFilter { supervised: Some(true), ..Default::default() })),
            (
                m.home_due_soon,
                by_due(CaseFilter {
                    overdue: Some(false),
                    due_by: Some(today + Duration::days(DUE_SOON_DAYS)),
                    ..Default::default()
                }),
            ),
        ],
        _ => vec![(m.home_other, CaseFilter::default())],
    };
    let result = async {
        let names = Names::load(&app).await?;
        let mut pages = Vec::new();
        for (heading, filter) in &sections {
            pages.push((*heading, app.store.list_cases(&staff.actor, filter).await?));
        }
        let overdue = app
            .store
            .list_cases(&staff.actor, &CaseFilter { overdue: Some(true), per_page: Some(1), ..Default::default() })
            .await?
            .total;
        let notices = app.store.notifications(&staff.actor, true, 20).await?;
        let waiting = app.store.tickets_today(&staff.actor).await?.iter().filter(|t| t.status == "waiting").count();
        Ok::<_, StoreError>((names, pages, overdue, notices, waiting))
    }
    .await;
    let (names, pages, overdue, notices, waiting) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, staff.lang),
    };
    let total = pages.first().map(|p| p.1.total).unwrap_or(0);
    let sections = pages
        .into_iter()
        .map(|(heading, page)| {
            // Unit staff see only open work in their inbox.
            let items = if staff.actor.role == Role::UnitStaff {
                page.items.into_iter().filter(|c| c.next_due_on.is_some()).collect()
            } else {
                page.items
            };
            HomeSection { heading, rows: rows(items, &names, today) }
        })
        .collect();
    let unit = names.unit(&staff.actor.unit_code);
    let works_queue = xinfang_core::hall::check_hall(&staff.actor, xinfang_core::hall::HallAction::CallNext).is_ok();
    render(&HomePage { base: Base::of(&staff, unit), notices, sections, total, overdue, waiting, works_queue })
}

/// One list on the home page.
pub struct HomeSection {
    pub heading: &'static str,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "cases.html")]
pub struct ListPage {
    pub base: Base,
    pub rows: Vec<Row>,
    /// The count shown: 「1000+」 when a search stopped counting at the cap.
    pub total: String,
    pub page: u32,
    /// Pages, 「20+」 beyond a capped search total.
    pub pages: String,
    pub query: String,
    pub q: String,
    pub state: String,
    pub overdue: bool,
    pub states: Vec<(String, String)>,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    state: Option<String>,
    overdue: Option<String>,
    page: Option<u32>,
    number: Option<String>,
}

pub async fn case_list(State(app): State<AppState>, staff: Staff, Query(q): Query<ListQuery>) -> Response {
    // The number box in the header jumps straight to a case.
    if let Some(n) = q.number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        return match app.store.case_id_by_number(&staff.actor, n).await {
            Ok(id) => Redirect::to(&format!("/cases/{id}")).into_response(),
            Err(e) => error_page(e, staff.lang),
        };
    }
    // The search box: a case number typed exactly opens that case; anything else is searched.
    let search = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    if let Some(n) = search.as_deref().filter(|s| !s.contains(char::is_whitespace)) {
        match app.store.case_id_by_number(&staff.actor, n).await {
            Ok(id) => return Redirect::to(&format!("/cases/{id}")).into_response(),
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return error_page(e, staff.lang),
        }
    }
    let state = q.state.clone().filter(|s| CaseState::from_code(s).is_some());
    let overdue = q.overdue.as_deref() == Some("1");
    let filter = CaseFilter {
        q: search.clone(),
        state: state.clone(),
        overdue: overdue.then_some(true),
        page: q.page,
        per_page: Some(50),
        // A search lists the best matches first.
        sort: match (overdue, &search) {
            (true, _) => Some("due".into()),
            (false, Some(_)) => None,
            (false, None) => Some("received".into()),
        },
        ..Default::default()
    };
    let today = local_date(xinfang_store::now());
    let (names, page) = match async {
        Ok::<_, StoreError>((Names::load(&app).await?, app.store.list_cases(&staff.actor, &filter).await?))
    }
    .await
    {
        Ok(x) => x,
        Err(e) => return error_page(e, staff.lang),
    };
    let pages = (page.total.max(1) as u64).div_ceil(u64::from(page.per_page)).min(u64::from(u32::MAX)) as u32;
    let mut query = String::new();
    if let Some(s) = &search {
        query.push_str(&format!("&q={}", super::urlencode(s)));
    }
    if let Some(s) = &state {
        query.push_str(&format!("&state={s}"));
    }
    if overdue {
        query.push_str("&overdue=1");
    }
    let link = |p: u32| format!("/cases?page={p}{query}");
    let unit = names.unit(&staff.actor.unit_code);
    // A capped search total is a lower bound: a full page may have another after it.
    let more = page.total_capped && page.items.len() as u64 == u64::from(page.per_page);
    render(&ListPage {
        base: Base::of(&staff, unit),
        total: if page.total_capped { format!("{}+", page.total) } else { page.total.to_string() },
        page: page.page,
        pages: if page.total_capped { format!("{}+", pages.max(page.page)) } else { pages.to_string() },
        prev_link: (page.page > 1).then(|| link(page.page - 1)),
        next_link: (page.page < pages || more).then(|| link(page.page + 1)),
        rows: rows(page.items, &names, today),
        query: query.clone(),
        q: search.unwrap_or_default(),
        state: state.unwrap_or_default(),
        overdue,
        states: CaseState::ALL.iter().map(|s| (s.code().to_string(), s.label_zh().to_string())).collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub base: Base,
    pub form: RegForm,
    pub errors: BTreeMap<String, String>,
    pub summary: Option<String>,
    pub channels: Vec<(String, String)>,
    pub types: Vec<(String, String)>,
    pub categories: Vec<(String, String)>,
    pub counties: Vec<(String, String)>,
    pub units: Vec<(String, String)>,
    /// Earlier cases that may be the same matter (最多访一次: link, don't duplicate).
    pub repeats: Vec<xinfang_store::cases::RepeatCandidate>,
}

impl RegisterPage {
    pub fn err(&self, key: &str) -> &str {
        self.errors.get(key).map(String::as_str).unwrap_or("")
    }
    pub fn has_err(&self, key: &str) -> bool {
        self.errors.contains_key(key)
    }
    pub fn pkey(&self, i: &usize, f: &str) -> String {
        format!("p{i}_{f}")
    }
}

async fn register_page_for(
    app: &AppState,
    staff: &Staff,
    form: RegForm,
    errors: BTreeMap<String, String>,
    summary: Option<String>,
    repeats: Vec<xinfang_store::cases::RepeatCandidate>,
) -> Response {
    let result =
        async { Ok::<_, StoreError>((app.store.list_units().await?, app.store.list_categories().await?)) }.await;
    let (units, cats) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, staff.lang),
    };
    let unit_name = units.iter().find(|u| u.code == staff.actor.unit_code).map(|u| u.name.clone()).unwrap_or_default();
    render(&RegisterPage {
        base: Base::of(staff, unit_name),
        form,
        errors,
        summary,
        channels: Channel::ALL.iter().map(|c| (c.code().to_string(), c.label_zh().to_string())).collect(),
        types: PetitionType::ALL.iter().map(|c| (c.code().to_string(), c.label_zh().to_string())).collect(),
        categories: cats.into_iter().map(|c| (c.code, c.name)).collect(),
        counties: units.iter().filter(|u| u.kind == "county").map(|u| (u.code.clone(), u.name.clone())).collect(),
        units: units.into_iter().map(|u| (u.code, u.name)).collect(),
        repeats,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct RegisterQuery {
    ticket: Option<i64>,
}

pub async fn register_page(State(app): State<AppState>, staff: Staff, Query(q): Query<RegisterQuery>) -> Response {
    let mut form = RegForm::blank();
    if let Some(id) = q.ticket {
        // Registering the visitor whose number was called: their name and group size carry over.
        if let Ok(t) = app.store.ticket(id).await {
            form.ticket = t.id.to_string();
            form.headcount = if t.group_visit { t.headcount.to_string() } else { String::new() };
            if let (Some(n), Some(row)) = (t.name, form.people.first_mut()) {
                row.name = n;
            }
        }
    }
    register_page_for(&app, &staff, form, BTreeMap::new(), None, vec![]).await
}

pub async fn register_submit(State(app): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let p = forms::parse_pairs(&body);
    if !staff.csrf_ok(forms::first(&p, "_csrf")) {
        return staff.csrf_failed();
    }
    let form = RegForm::from_pairs(&p);
    let summary = Some(staff.m().fix_errors.to_string());
    let input = match form.to_input() {
        Ok(i) => i,
        Err(errs) => {
            let errors = forms::errors_by_key(&errs, staff.lang, &form.filled_rows());
            return register_page_for(&app, &staff, form, errors, summary, vec![]).await;
        }
    };
    // 最多访一次: before a new case is made, show earlier cases of the same person or matter; the
    // clerk links the visit to one of them, or confirms that this is a new matter.
    let key = forms::first(&p, "_form").map(|k| format!("form-{k}"));
    // A second click on a form already saved goes to the case it made.
    if let Some(k) = &key {
        match app.store.idempotent_case(&staff.actor, k).await {
            Ok(Some(id)) => return Redirect::to(&format!("/cases/{id}")).into_response(),
            Ok(None) => {}
            Err(e) => return error_page(e, staff.lang),
        }
    }
    if forms::first(&p, "confirm_new").is_none() {
        // Errors first: a form with mistakes is corrected before anything is compared with it.
        match app.store.check_registration(&staff.actor, &input).await {
            Ok(()) => {}
            Err(StoreError::Domain(d)) => {
                let errors = forms::errors_by_key(d.fields(), staff.lang, &form.filled_rows());
                let summary = if errors.is_empty() { Some(d.message(staff.lang)) } else { summary };
                return register_page_for(&app, &staff, form, errors, summary, vec![]).await;
            }
            Err(e) => return error_page(e, staff.lang),
        }
        match app.store.possible_repeats(&staff.actor, &input).await {
            Ok(repeats) if !repeats.is_empty() => {
                let note = Some(staff.m().repeats_found.to_string());
                return register_page_for(&app, &staff, form, BTreeMap::new(), note, repeats).await;
            }
            Ok(_) => {}
            Err(e) => return error_page(e, staff.lang),
        }
    }
    // The form's own token makes a double-clicked save create one case.
    match app.store.register_case(&staff.actor, &input, key.as_deref()).await {
        Ok((case, _)) => {
            if let Ok(ticket) = form.ticket.parse::<i64>() {
                if let Err(e) = app.store.link_ticket(&staff.actor, ticket, case.id).await {
                    tracing::warn!(error = %e, ticket, case = case.id, "could not link the queue ticket to the case");
                }
            }
            Redirect::to(&format!("/cases/{}", case.id)).into_response()
        }
        Err(StoreError::Domain(d)) => {
            let errors = forms::errors_by_key(d.fields(), staff.lang, &form.filled_rows());
            let summary = if errors.is_empty() { Some(d.message(staff.lang)) } else { summary };
            register_page_for(&app, &staff, form, errors, summary, vec![]).await
        }
        Err(e) => error_page(e, staff.lang),
    }
}

// ---------------------------------------------------------------------------------------------
// The case page
// ---------------------------------------------------------------------------------------------

/// A timeline entry for display.
pub struct TimelineEntry {
    pub seq: i64,
    /// A coordination meeting: its minutes can be printed.
    pub minutes: bool,
    pub at: String,
    pub actor: String,
    pub unit: String,
    pub label: &'static str,
    pub details: Vec<(String, String)>,
    /// 文书 the documents this event issued.
    pub documents: Vec<xinfang_store::documents::DocumentSummary>,
}

fn event_label(kind: &str) -> &'static str {
    match kind {
        "registered" => "登记",
        "accepted" => "受理",
        "rejected" => "不予受理",
        "forwarded" => "转送",
        "assigned" => "交办",
        "objected" => "提出异议",
        "extended" => "延期",
        "replied" => "出具处理意见",
        "rated" => "满意度评价",
        "rehandled" => "重新办理",
        "review_requested" => "申请复查",
        "review_decided" => "复查决定",
        "rereview_requested" => "申请复核",
        "rereview_decided" => "复核决定（终结）",
        "closed" => "终结",
        "money_recorded" => "记录金额",
        "visit_recorded" => "重复来访",
        "instructed" => "领导批示",
        "supervised" => "督办",
        "supervision_answered" => "督办回复",
        "meeting_summoned" => "召集协调会",
        "meeting_held" => "召开协调会",
        "task_completed" => "落实协调会决定",
        _ => "",
    }
}

fn detail_label(key: &str) -> &str {
    match key {
        "note" => "备注",
        "reason" => "理由",
        "legal_route" => "告知途径",
        "unit" => "单位",
        "lead" => "主办单位",
        "assisting" => "协办单位",
        "days" => "天数",
        "approver" => "批准人",
        "finding" => "核实认定",
        "outcome" => "处理意见",
        "opinion" => "意见",
        "basis" => "依据",
        "mediation_agreement" => "调解协议",
        "stage" => "环节",
        "rating" => "评价",
        "decision" => "决定",
        "text" => "批示",
        "answer" => "回复",
        "claimed" => "诉求金额（分）",
        "paid" => "已支付（分）",
        "recovered" => "已追回（分）",
        "separation" => "诉访分离",
        "units" => "召集单位",
        "arrive_by" => "限时到达",
        "place" => "地点",
        "chair" => "主持人",
        "attendees" => "参会人员",
        "discussion" => "会议情况",
        "decisions" => "决定事项",
        "task" => "决定序号",
        _ => key,
    }
}

fn timeline(
    case: &CaseView,
    names: &Names,
    documents: &[xinfang_store::documents::DocumentSummary],
) -> Vec<TimelineEntry> {
    case.events
        .iter()
        .map(|e| {
            let mut details = Vec::new();
            if let Some(obj) = e.data.as_object() {
                for (k, v) in obj {
                    if k == "kind" || e.kind == "registered" {
                        continue;
                    }
                    let text = match v {
                        serde_json::Value::Null => continue,
                        serde_json::Value::String(s) if k == "unit" || k == "lead" => names.unit(s),
                        serde_json::Value::String(s) => code_label(s).unwrap_or(s).to_string(),
                        serde_json::Value::Array(a) if k == "decisions" => a
                            .iter()
                            .map(|d| {
                                format!(
                                    "{}：{}（落实人 {}，{} 日内）",
                                    names.unit(d["unit"].as_str().unwrap_or("")),
                                    d["content"].as_str().unwrap_or(""),
                                    d["implementer"].as_str().unwrap_or(""),
                                    d["days"]
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("；"),
                        serde_json::Value::Array(a) => {
                            a.iter().filter_map(|x| x.as_str()).map(|x| names.unit(x)).collect::<Vec<_>>().join("、")
                        }
                        other => other.to_string(),
                    };
                    if !text.is_empty() {
                        details.push((detail_label(k).to_string(), text));
                    }
                }
            }
            TimelineEntry {
                seq: e.seq,
                minutes: e.kind == "meeting_held",
                at: e.at.with_timezone(&xinfang_core::case::china_offset()).format("%Y-%m-%d %H:%M").to_string(),
                actor: e.actor.clone(),
                unit: names.unit(&e.actor_unit),
                label: event_label(&e.kind),
                details,
                documents: documents.iter().filter(|d| d.seq == e.seq).cloned().collect(),
            }
        })
        .collect()
}

/// The Chinese label of an enumerated value on the timeline.
fn code_label(code: &str) -> Option<&'static str> {
    use xinfang_core::lifecycle::{Finding, Outcome, Rating, RatingStage, ReviewDecision, Separation};
    Finding::from_code(code)
        .map(|x| x.label_zh())
        .or_else(|| Outcome::from_code(code).map(|x| x.label_zh()))
        .or_else(|| Rating::from_code(code).map(|x| x.label_zh()))
        .or_else(|| RatingStage::from_code(code).map(|x| x.label_zh()))
        .or_else(|| ReviewDecision::from_code(code).map(|x| x.label_zh()))
        .or_else(|| Separation::from_code(code).map(|x| x.label_zh()))
}

#[derive(Template)]
#[template(path = "case.html")]
pub struct CasePage {
    pub base: Base,
    pub case: CaseView,
    pub category: String,
    pub channel: &'static str,
    pub petition_type: &'static str,
    pub county: String,
    pub lead: String,
    pub assisting: String,
    pub accused_unit: String,
    pub money: Option<(String, String, String, String)>,
    pub timeline: Vec<TimelineEntry>,
    pub forms: Vec<ActionForm>,
    pub revealed: Option<(i64, String)>,
    pub can_reveal: bool,
    /// 三对接 records of this case the actor may read.
    pub dockings: Vec<xinfang_store::docking::DockingView>,
    pub attachments: Vec<xinfang_store::attachments::AttachmentInfo>,
    pub can_upload: bool,
}

async fn case_page_for(
    app: &AppState,
    staff: &Staff,
    id: i64,
    failed: Option<ActionForm>,
    revealed: Option<(i64, String)>,
) -> Response {
    let result = async {
        Ok::<_, StoreError>((
            app.store.get_case(&staff.actor, id).await?,
            Names::load(app).await?,
            app.store.dockings(&staff.actor, Some(id), 50).await?,
            app.store.attachments(&staff.actor, id).await?,
            app.store.list_categories().await?,
            app.store.documents(&staff.actor, id).await?,
        ))
    }
    .await;
    let (mut case, names, dockings, attachments, categories, documents) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, staff.lang),
    };
    let units: Vec<(String, String)> = names
        .units
        .iter()
        .filter(|(code, _)| case.accused.unit.as_deref() != Some(code.as_str()) || case.petition_type != "accusation")
        .map(|(c, n)| (c.clone(), n.clone()))
        .collect();
    let open_tasks: Vec<(String, String)> = case
        .tasks
        .iter()
        .filter(|t| t.done_on.is_none() && (staff.actor.is_bureau() || t.unit == staff.actor.unit_code))
        .map(|t| {
            (
                t.number.to_string(),
                format!("第 {} 项：{}（{}，{} 前）", t.number, t.content, names.unit(&t.unit), t.due),
            )
        })
        .collect();
    let suggested_unit = xinfang_core::case::default_route(&categories, &case.category, case.place.county.as_deref())
        .filter(|u| {
            // Never suggest routing an accusation to the unit it accuses.
            !(case.petition_type == "accusation" && case.accused.unit.as_deref() == Some(u.as_str()))
        });
    let forms = case
        .allowed_actions
        .iter()
        .filter_map(|a| xinfang_core::lifecycle::ACTIONS.iter().find(|x| *x == a).copied())
        .map(|a| match &failed {
            Some(f) if f.action == a => f.clone(),
            _ => {
                let mut form = forms::action_form(a, &units, &open_tasks);
                // 分流: suggest the unit the routing rules give (the category's department, or
                // the county where the matter arose); the clerk may choose another.
                if let (Some(unit), "assign" | "forward") = (&suggested_unit, a) {
                    if let Some(f) = form.fields.iter_mut().find(|f| f.name == "lead" || f.name == "unit") {
                        f.value = unit.clone();
                    }
                }
                form
            }
        })
        .collect();
    // People read unit names, not codes (after the forms, which work with codes).
    for t in &mut case.tasks {
        t.unit = names.unit(&t.unit);
    }
    let money = (case.money.claimed != 0 || case.money.paid != 0 || case.money.recovered != 0).then(|| {
        (
            forms::fen_to_yuan(case.money.claimed),
            forms::fen_to_yuan(case.money.paid),
            forms::fen_to_yuan(case.money.recovered),
            forms::fen_to_yuan(case.money.outstanding),
        )
    });
    render(&CasePage {
        base: Base::of(staff, names.unit(&staff.actor.unit_code)),
        category: names.category(&case.category),
        channel: Channel::from_code(&case.channel).map(|c| c.label_zh()).unwrap_or(""),
        petition_type: PetitionType::from_code(&case.petition_type).map(|c| c.label_zh()).unwrap_or(""),
        county: case.place.county.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
        lead: case.lead_unit.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
        assisting: case.assisting_units.iter().map(|c| names.unit(c)).collect::<Vec<_>>().join("、"),
        accused_unit: case.accused.unit.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
        money,
        timeline: timeline(&case, &names, &documents),
        forms,
        revealed,
        can_reveal: xinfang_core::access::can_reveal_personal_data(&staff.actor),
        dockings,
        attachments,
        can_upload: matches!(staff.actor.role, Role::Clerk | Role::Leader | Role::Supervisor | Role::UnitStaff),
        case,
    })
}

pub async fn case_page(State(app): State<AppState>, staff: Staff, Path(id): Path<String>) -> Response {
    match id.parse::<i64>() {
        Ok(id) => {
            if let Err(e) = app.store.open_case(&staff.actor, id).await {
                return error_page(e, staff.lang);
            }
            case_page_for(&app, &staff, id, None, None).await
        }
        Err(_) => error_page(StoreError::NotFound { what: "信访事项" }, staff.lang),
    }
}

pub async fn case_act(State(app): State<AppState>, staff: Staff, Path(id): Path<String>, body: Bytes) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StoreError::NotFound { what: "信访事项" }, staff.lang);
    };
    let p: Pairs = forms::parse_pairs(&body);
    if !staff.csrf_ok(forms::first(&p, "_csrf")) {
        return staff.csrf_failed();
    }
    let action = forms::first(&p, "action").unwrap_or("");
    let Some(action) = xinfang_core::lifecycle::ACTIONS.iter().find(|a| **a == action).copied() else {
        return super::message_page(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            staff.lang.pick(format!("未知操作「{action}」"), format!("Unknown action '{action}'")),
            staff.lang,
        );
    };
    let units: Vec<(String, String)> = match app.store.list_units().await {
        Ok(u) => u.into_iter().map(|u| (u.code, u.name)).collect(),
        Err(e) => return error_page(e, staff.lang),
    };
    let open_tasks: Vec<(String, String)> = match app.store.get_case(&staff.actor, id).await {
        Ok(c) => {
            c.tasks.iter().filter(|t| t.done_on.is_none()).map(|t| (t.number.to_string(), t.content.clone())).collect()
        }
        Err(e) => return error_page(e, staff.lang),
    };
    let mut form = forms::action_form(action, &units, &open_tasks);
    form.fill(&p);
    let lang = staff.lang;
    let fail = |mut form: ActionForm, msg: String, fields: Vec<(String, String)>| {
        form.set_errors(msg, &fields);
        form
    };
    let json = match form.to_json() {
        Ok(j) => j,
        Err(errs) => {
            let fields = errs.iter().map(|e| (e.field.clone(), e.message(lang).to_string())).collect();
            let form = fail(form, staff.m().fix_errors.to_string(), fields);
            return case_page_for(&app, &staff, id, Some(form), None).await;
        }
    };
    let cmd = match serde_json::from_value(json) {
        Ok(c) => c,
        Err(e) => {
            let msg = crate::extract::json_error(lang, &e).message;
            let form = fail(form, msg, vec![]);
            return case_page_for(&app, &staff, id, Some(form), None).await;
        }
    };
    match app.store.act(&staff.actor, id, &cmd).await {
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(StoreError::Domain(d)) => {
            let fields = d.fields().iter().map(|f| (f.field.clone(), f.message(lang).to_string())).collect();
            let form = fail(form, d.message(lang), fields);
            case_page_for(&app, &staff, id, Some(form), None).await
        }
        Err(e) => error_page(e, lang),
    }
}

pub async fn reveal(
    State(app): State<AppState>,
    staff: Staff,
    Path((id, pid)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let (Ok(id), Ok(pid)) = (id.parse::<i64>(), pid.parse::<i64>()) else {
        return error_page(StoreError::NotFound { what: "信访人" }, staff.lang);
    };
    let p = forms::parse_pairs(&body);
    if !staff.csrf_ok(forms::first(&p, "_csrf")) {
        return staff.csrf_failed();
    }
    let field = forms::first(&p, "field").unwrap_or("");
    match app.store.reveal_personal_data(&staff.actor, id, pid, field).await {
        Ok(value) => case_page_for(&app, &staff, id, None, Some((pid, value))).await,
        Err(e) => error_page(e, staff.lang),
    }
}

#[derive(Template)]
#[template(path = "minutes.html")]
pub struct MinutesPage {
    pub m: &'static Messages,
    pub case_id: i64,
    pub number: String,
    pub held_at: String,
    pub chair: String,
    pub attendees: String,
    pub discussion: String,
    pub tasks: Vec<xinfang_store::cases::TaskView>,
}

/// 协调会议纪要: the printable minutes of one coordination meeting on the case.
pub async fn minutes(State(app): State<AppState>, staff: Staff, Path((id, seq)): Path<(String, String)>) -> Response {
    let (Ok(id), Ok(seq)) = (id.parse::<i64>(), seq.parse::<i64>()) else {
        return error_page(StoreError::NotFound { what: "会议纪要" }, staff.lang);
    };
    let (case, names) =
        match async { Ok::<_, StoreError>((app.store.get_case(&staff.actor, id).await?, Names::load(&app).await?)) }
            .await
        {
            Ok(x) => x,
            Err(e) => return error_page(e, staff.lang),
        };
    let meetings: Vec<&xinfang_store::cases::EventView> =
        case.events.iter().filter(|e| e.kind == "meeting_held").collect();
    let Some(pos) = meetings.iter().position(|e| e.seq == seq) else {
        return error_page(StoreError::NotFound { what: "会议纪要" }, staff.lang);
    };
    let count = |e: &xinfang_store::cases::EventView| e.data["decisions"].as_array().map(|a| a.len()).unwrap_or(0);
    let offset: usize = meetings[..pos].iter().map(|e| count(e)).sum();
    let event = meetings[pos];
    let text = |k: &str| event.data[k].as_str().unwrap_or("").to_string();
    let tasks = case
        .tasks
        .iter()
        .skip(offset)
        .take(count(event))
        .map(|t| xinfang_store::cases::TaskView { unit: names.unit(&t.unit), ..t.clone() })
        .collect();
    render(&MinutesPage {
        m: staff.m(),
        case_id: case.id,
        number: case.number.clone(),
        held_at: event.at.with_timezone(&xinfang_core::case::china_offset()).format("%Y-%m-%d %H:%M").to_string(),
        chair: text("chair"),
        attendees: text("attendees"),
        discussion: text("discussion"),
        tasks,
    })
}

/// Mark the unit's reminders read.
pub async fn notifications_read(State(app): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let p = forms::parse_pairs(&body);
    if !staff.csrf_ok(forms::first(&p, "_csrf")) {
        return staff.csrf_failed();
    }
    let id = forms::first(&p, "id").and_then(|i| i.parse::<i64>().ok());
    match app.store.mark_notifications_read(&staff.actor, id).await {
        Ok(_) => Redirect::to("/").into_response(),
        Err(e) => error_page(e, staff.lang),
    }
}

/// 重复来访 Count this visit on an earlier case instead of registering a new one.
pub async fn repeat_visit(State(app): State<AppState>, staff: Staff, Path(id): Path<String>, body: Bytes) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StoreError::NotFound { what: "信访事项" }, staff.lang);
    };
    let p = forms::parse_pairs(&body);
    if !staff.csrf_ok(forms::first(&p, "_csrf")) {
        return staff.csrf_failed();
    }
    let cmd =
        xinfang_core::lifecycle::Command::RecordVisit { note: Some("登记台：同一事项再次来访".into()) };
    match app.store.act(&staff.actor, id, &cmd).await {
        Ok(_) => {
            if let Some(ticket) = forms::first(&p, "ticket").and_then(|t| t.parse::<i64>().ok()) {
                if let Err(e) = app.store.link_ticket(&staff.actor, ticket, id).await {
                    tracing::warn!(error = %e, ticket, case = id, "could not link the queue ticket to the case");
                }
            }
            Redirect::to(&format!("/cases/{id}")).into_response()
        }
        Err(e) => error_page(e, staff.lang),
    }
}

/// 上传附件 from the case page (multipart, CSRF in the form).
pub async fn upload_attachment(
    State(app): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    mp: axum::extract::Multipart,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StoreError::NotFound { what: "信访事项" }, staff.lang);
    };
    let up = match crate::attachments::read_upload(mp, staff.lang).await {
        Ok(u) => u,
        Err(e) => return super::message_page(e.status, e.message, staff.lang),
    };
    if !staff.csrf_ok(up.field("_csrf")) {
        return staff.csrf_failed();
    }
    let (name, bytes) = up.first_file().unwrap_or_default();
    match app.store.add_attachment(&staff.actor, id, &name, bytes).await {
        Ok(_) => Redirect::to(&format!("/cases/{id}#attachments")).into_response(),
        Err(StoreError::Domain(d)) => {
            super::message_page(axum::http::StatusCode::UNPROCESSABLE_ENTITY, d.message(staff.lang), staff.lang)
        }
        Err(e) => error_page(e, staff.lang),
    }
}

/// Open an attachment (audited).
pub async fn download_attachment(
    State(app): State<AppState>,
    staff: Staff,
    Path((id, aid)): Path<(String, String)>,
) -> Response {
    let (Ok(id), Ok(aid)) = (id.parse::<i64>(), aid.parse::<i64>()) else {
        return error_page(StoreError::NotFound { what: "附件" }, staff.lang);
    };
    match app.store.attachment_bytes(&staff.actor, id, aid).await {
        Ok((info, bytes)) => crate::attachments::download(&info.content_type, &info.filename, bytes),
        Err(e) => error_page(e, staff.lang),
    }
}

/// 文书 One document of a case: the print page, or with `.docx` the file (audited by the store).
pub async fn document(State(app): State<AppState>, staff: Staff, Path((id, doc)): Path<(String, String)>) -> Response {
    let (raw, docx) = match doc.strip_suffix(".docx") {
        Some(d) => (d, true),
        None => (doc.as_str(), false),
    };
    let (Ok(id), Ok(doc_id)) = (id.parse::<i64>(), raw.parse::<i64>()) else {
        return error_page(StoreError::NotFound { what: "文书" }, staff.lang);
    };
    match app.store.document(&staff.actor, id, doc_id).await {
        Ok(d) if docx => crate::documents::docx_response(&d.content),
        Ok(d) => crate::documents::html(
            staff.m(),
            &d.content,
            format!("/cases/{id}/documents/{doc_id}.docx"),
            format!("/cases/{id}"),
        ),
        Err(e) => error_page(e, staff.lang),
    }
}
