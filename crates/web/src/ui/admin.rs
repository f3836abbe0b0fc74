//! 系统管理 The administration pages: units (as a tree), users, categories and their routing,
//! the holiday calendar. Administrators only — every page checks, and the store checks again,
//! so a forgotten check here still changes nothing.

use std::collections::{BTreeMap, HashSet};

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use xinfang_core::calendar::{derive_year, parse_year_toml, to_toml, YearSource};
use xinfang_core::case::CategorySpec;
use xinfang_core::document::{Block, DocContext, DocKind, DocTemplate, RenderedDocument};
use xinfang_core::unit::{UnitKind, UnitSpec};
use xinfang_core::user::Role;
use xinfang_core::{DomainError, Lang};
use xinfang_store::outbox::OutboxFilter;
use xinfang_store::units::UnitRow;
use xinfang_store::users::MIN_PASSWORD_CHARS;
use xinfang_store::StoreError;

use super::forms::{self, Pairs};
use super::msg::Messages;
use super::pages::Base;
use super::{error_page, render, urlencode, Staff};
use crate::AppState;

/// The messages beside the fields of a form, by field name.
#[derive(Default)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map(String::as_str).unwrap_or("")
    }
    fn set(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_string()).or_insert_with(|| message.into());
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A refusal to show beside the form (field errors and a summary), or one that is a page.
/// `rename` maps the store's field names to the form's.
fn form_errors(
    e: StoreError,
    lang: Lang,
    m: &Messages,
    rename: &[(&str, &str)],
) -> Result<(FieldErrors, String), StoreError> {
    let field = |f: &str| rename.iter().find(|(from, _)| *from == f).map(|(_, to)| *to).unwrap_or(f).to_string();
    let mut errors = FieldErrors::default();
    match e {
        StoreError::Domain(DomainError::Invalid(fields)) => {
            for f in &fields {
                errors.set(&field(&f.field), f.message(lang));
            }
            Ok((errors, m.fix_errors.to_string()))
        }
        StoreError::Conflict { code, message_zh, message_en } => {
            let message = lang.pick(message_zh, message_en);
            match code {
                "username_taken" => errors.set(&field("username"), message.clone()),
                "category_taken" => errors.set(&field("code"), message.clone()),
                _ => {}
            }
            Ok((errors, message))
        }
        other => Err(other),
    }
}

/// Administrators only; everyone else gets the readable 403 page.
fn refuse(staff: &Staff) -> Option<Response> {
    xinfang_store::admin::require_admin(&staff.actor).err().map(|e| error_page(e, staff.lang))
}

fn role_label(m: &Messages, role: Role) -> &'static str {
    Role::ALL.iter().position(|r| *r == role).and_then(|i| m.roles.get(i)).copied().unwrap_or("")
}

fn kind_label(m: &Messages, kind: &str) -> &'static str {
    UnitKind::ALL.iter().position(|k| k.code() == kind).and_then(|i| m.unit_kinds.get(i)).copied().unwrap_or("")
}

fn unit_name(units: &[UnitRow], code: &str) -> String {
    units.iter().find(|u| u.code == code).map(|u| u.name.clone()).unwrap_or_else(|| code.to_string())
}

fn base(staff: &Staff, units: &[UnitRow]) -> Base {
    Base::of(staff, unit_name(units, &staff.actor.unit_code))
}

/// Check the CSRF token and the role of a form submission.
fn check_post(staff: &Staff, p: &Pairs) -> Option<Response> {
    if !staff.csrf_ok(forms::first(p, "_csrf")) {
        return Some(staff.csrf_failed());
    }
    refuse(staff)
}

/// A form posted about one record (`/admin/…/{id}/…`): the checked form and the id, or the page
/// to answer with (a refused form, or "not found" for an id that is not a number).
fn id_form(staff: &Staff, body: &[u8], id: &str, what: &'static str) -> Result<(Pairs, i64), Box<Response>> {
    let p = forms::parse_pairs(body);
    if let Some(r) = check_post(staff, &p) {
        return Err(Box::new(r));
    }
    let id = id.parse::<i64>().map_err(|_| Box::new(error_page(StoreError::NotFound { what }, staff.lang)))?;
    Ok((p, id))
}

fn field(p: &Pairs, key: &str) -> String {
    forms::first(p, key).unwrap_or("").trim().to_string()
}

// ---------------------------------------------------------------------------------------------
// Overview
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin.html")]
pub struct OverviewPage {
    pub base: Base,
    pub units: usize,
    pub users: usize,
    pub categories: usize,
    pub years: usize,
    pub failed_messages: i64,
}

pub async fn overview(State(app): State<AppState>, staff: Staff) -> Response {
    if let Some(r) = refuse(&staff) {
        return r;
    }
    let failed = OutboxFilter { status: Some("failed".into()), per_page: Some(1), ..Default::default() };
    let result = async {
        Ok::<_, StoreError>((
            app.store.list_units().await?,
            app.store.list_users().await?,
            app.store.list_categories().await?,
            app.store.holiday_years().await?,
            app.store.outbox(&staff.actor, &failed).await?.total,
        ))
    }
    .await;
    let (units, users, categories, years, failed_messages) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, staff.lang),
    };
    render(&OverviewPage {
        base: base(&staff, &units),
        units: units.len(),
        users: users.iter().filter(|u| u.active).count(),
        categories: categories.len(),
        years: years.len(),
        failed_messages,
    })
}

// ---------------------------------------------------------------------------------------------
// Units
// ---------------------------------------------------------------------------------------------

/// One unit in the tree.
pub struct UnitLine {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub stationed: bool,
    pub depth: usize,
}

/// The unit form as typed.
#[derive(Default)]
pub struct UnitForm {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent: String,
    pub stationed: bool,
}

#[derive(Template)]
#[template(path = "admin_units.html")]
pub struct UnitsPage {
    pub base: Base,
    pub rows: Vec<UnitLine>,
    pub form: UnitForm,
    pub editing: bool,
    pub errors: FieldErrors,
    pub summary: Option<String>,
    pub notice: Option<String>,
    pub kinds: Vec<(String, String)>,
    pub parents: Vec<(String, String)>,
}

/// The units parent before children, each with its depth. A unit whose parent is missing is a
/// root; any left over (a cycle made outside these pages) is listed at the end, not lost.
fn unit_tree(units: &[UnitRow]) -> Vec<(usize, &UnitRow)> {
    fn visit<'a>(
        u: &'a UnitRow,
        depth: usize,
        all: &'a [UnitRow],
        seen: &mut HashSet<&'a str>,
        out: &mut Vec<(usize, &'a UnitRow)>,
    ) {
        if !seen.insert(u.code.as_str()) {
            return;
        }
        out.push((depth, u));
        for c in all.iter().filter(|c| c.parent_code.as_deref() == Some(u.code.as_str())) {
            visit(c, depth + 1, all, seen, out);
        }
    }
    let codes: HashSet<&str> = units.iter().map(|u| u.code.as_str()).collect();
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(units.len());
    for u in units.iter().filter(|u| u.parent_code.as_deref().is_none_or(|p| !codes.contains(p))) {
        visit(u, 0, units, &mut seen, &mut out);
    }
    for u in units {
        visit(u, 0, units, &mut seen, &mut out);
    }
    out
}

#[derive(serde::Deserialize, Default)]
pub struct EditQuery {
    edit: Option<String>,
    saved: Option<String>,
}

fn units_page(
    staff: &Staff,
    units: &[UnitRow],
    form: UnitForm,
    editing: bool,
    errors: FieldErrors,
    summary: Option<String>,
    notice: Option<String>,
) -> Response {
    let m = staff.m();
    let rows = unit_tree(units)
        .into_iter()
        .map(|(depth, u)| UnitLine {
            code: u.code.clone(),
            name: u.name.clone(),
            kind: kind_label(m, &u.kind),
            stationed: u.stationed,
            depth,
        })
        .collect();
    render(&UnitsPage {
        base: base(staff, units),
        rows,
        form,
        editing,
        errors,
        summary,
        notice,
        kinds: UnitKind::ALL.iter().map(|k| (k.code().to_string(), kind_label(m, k.code()).to_string())).collect(),
        parents: units.iter().map(|u| (u.code.clone(), u.name.clone())).collect(),
    })
}

pub async fn units(State(app): State<AppState>, staff: Staff, Query(q): Query<EditQuery>) -> Response {
    if let Some(r) = refuse(&staff) {
        return r;
    }
    let units = match app.store.list_units().await {
        Ok(u) => u,
        Err(e) => return error_page(e, staff.lang),
    };
    let editing = q.edit.as_deref().and_then(|c| units.iter().find(|u| u.code == c));
    let form = match editing {
        Some(u) => UnitForm {
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind.clone(),
            parent: u.parent_code.clone().unwrap_or_default(),
            stationed: u.stationed,
        },
        None => UnitForm {
            kind: UnitKind::Department.code().to_string(),
            parent: units
                .iter()
                .find(|u| u.kind == UnitKind::Bureau.code())
                .map(|u| u.code.clone())
                .unwrap_or_default(),
            ..Default::default()
        },
    };
    let notice = q.saved.filter(|c| units.iter().any(|u| &u.code == c)).map(|_| staff.m().saved.to_string());
    units_page(&staff, &units, form, editing.is_some(), FieldErrors::default(), None, notice)
}

pub async fn save_unit(State(app): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let p = forms::parse_pairs(&body);
    if let Some(r) = check_post(&staff, &p) {
        return r;
    }
    let form = UnitForm {
        code: field(&p, "code"),
        name: field(&p, "name"),
        kind: field(&p, "kind"),
        parent: field(&p, "parent"),
        stationed: forms::first(&p, "stationed").is_some(),
    };
    let editing = forms::first(&p, "editing") == Some("1");
    let m = staff.m();
    let result = match UnitKind::from_code(&form.kind) {
        Some(kind) => {
            let spec = UnitSpec {
                code: form.code.clone(),
                name: form.name.clone(),
                kind,
                parent: Some(form.parent.clone()).filter(|p| !p.is_empty()),
                stationed: form.stationed,
            };
            app.store.admin_upsert_unit(&staff.actor, &spec).await.map(|_| ())
        }
        None => Err(DomainError::invalid("kind", "unit_bad_kind", "请选择单位类型", "Choose the kind of unit").into()),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/admin/units?saved={}", urlencode(&form.code))).into_response(),
        Err(e) => match form_errors(e, staff.lang, m, &[]) {
            Ok((errors, summary)) => match app.store.list_units().await {
                Ok(units) => units_page(&staff, &units, form, editing, errors, Some(summary), None),
                Err(e) => error_page(e, staff.lang),
            },
            Err(e) => error_page(e, staff.lang),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------

pub struct UserLine {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub unit: String,
    pub active: bool,
    pub is_self: bool,
}

/// The new-user form as typed (passwords are never sent back).
#[derive(Default)]
pub struct UserForm {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit: String,
}

/// The password reset form for one user.
pub struct ResetForm {
    pub id: i64,
    pub heading: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    pub base: Base,
    pub rows: Vec<UserLine>,
    pub form: UserForm,
    pub errors: FieldErrors,
    pub summary: Option<String>,
    pub notice: Option<String>,
    pub reset: Option<ResetForm>,
    pub roles: Vec<(String, String)>,
    pub units: Vec<(String, String)>,
    pub password_hint: String,
    pub min_password: usize,
}

#[derive(serde::Deserialize, Default)]
pub struct UsersQuery {
    reset: Option<i64>,
    done: Option<String>,
}

struct UsersView {
    form: UserForm,
    errors: FieldErrors,
    summary: Option<String>,
    notice: Option<String>,
    reset: Option<i64>,
}

async fn users_page(app: &AppState, staff: &Staff, v: UsersView) -> Response {
    let m = staff.m();
    let result = async { Ok::<_, StoreError>((app.store.list_units().await?, app.store.list_users().await?)) }.await;
    let (units, users) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, staff.lang),
    };
    let reset = v.reset.and_then(|id| users.iter().find(|u| u.id == id)).map(|u| ResetForm {
        id: u.id,
        heading: m.reset_password_for.replace("{user}", &format!("{}（{}）", u.display_name, u.username)),
    });
    let rows = users
        .iter()
        .map(|u| UserLine {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: Role::from_code(&u.role).map(|r| role_label(m, r)).unwrap_or(""),
            unit: unit_name(&units, &u.unit_code),
            active: u.active,
            is_self: u.id == staff.actor.user_id,
        })
        .collect();
    render(&UsersPage {
        base: base(staff, &units),
        rows,
        form: v.form,
        errors: v.errors,
        summary: v.summary,
        notice: v.notice,
        reset,
        roles: Role::ALL.iter().map(|r| (r.code().to_string(), role_label(m, *r).to_string())).collect(),
        units: units.iter().map(|u| (u.code.clone(), u.name.clone())).collect(),
        password_hint: m.password_hint.replace("{n}", &MIN_PASSWORD_CHARS.to_string()),
        min_password: MIN_PASSWORD_CHARS,
    })
}

pub async fn users(State(app): State<AppState>, staff: Staff, Query(q): Query<UsersQuery>) -> Response {
    if let Some(r) = refuse(&staff) {
        return r;
    }
    let m = staff.m();
    let notice = match q.done.as_deref() {
        Some("added") => Some(m.user_added),
        Some("deactivated") => Some(m.user_deactivated),
        Some("activated") => Some(m.user_activated),
        Some("reset") => Some(m.password_was_reset),
        _ => None,
    };
    let view = UsersView {
        form: UserForm { role: Role::Clerk.code().to_string(), ..Default::default() },
        errors: FieldErrors::default(),
        summary: None,
        notice: notice.map(str::to_string),
        reset: q.reset,
    };
    users_page(&app, &staff, view).await
}

pub async fn add_user(State(app): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let p = forms::parse_pairs(&body);
    if let Some(r) = check_post(&staff, &p) {
        return r;
    }
    let m = staff.m();
    let form = UserForm {
        username: field(&p, "username"),
        display_name: field(&p, "display_name"),
        role: field(&p, "role"),
        unit: field(&p, "unit"),
    };
    let password = forms::first(&p, "password").unwrap_or("");
    let mut errors = FieldErrors::default();
    let role = Role::from_code(&form.role);
    if role.is_none() {
        errors.set("role", m.choose_role);
    }
    if form.unit.is_empty() {
        errors.set("unit", m.choose);
    }
    if password != forms::first(&p, "confirm").unwrap_or("") {
        errors.set("confirm", m.password_mismatch);
    }
    let (errors, summary) = match role {
        Some(role) if errors.is_empty() => {
            let display = if form.display_name.is_empty() { &form.username } else { &form.display_name };
            match app.store.admin_add_user(&staff.actor, &form.username, display, role, &form.unit, password).await {
                Ok(_) => return Redirect::to("/admin/users?done=added").into_response(),
                Err(e) => match form_errors(e, staff.lang, m, &[]) {
                    Ok(x) => x,
                    Err(e) => return error_page(e, staff.lang),
                },
            }
        }
        _ => (errors, m.fix_errors.to_string()),
    };
    let view = UsersView { form, errors, summary: Some(summary), notice: None, reset: None };
    users_page(&app, &staff, view).await
}

pub async fn set_active(State(app): State<AppState>, staff: Staff, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match id_form(&staff, &body, &id, "用户") {
        Ok(x) => x,
        Err(page) => return *page,
    };
    let active = forms::first(&p, "active") == Some("1");
    match app.store.set_user_active(&staff.actor, id, active).await {
        Ok(()) => Redirect::to(if active { "/admin/users?done=activated" } else { "/admin/users?done=deactivated" })
            .into_response(),
        Err(e) => error_page(e, staff.lang),
    }
}

pub async fn reset_password(
    State(app): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (p, id) = match id_form(&staff, &body, &id, "用户") {
        Ok(x) => x,
        Err(page) => return *page,
    };
    let m = staff.m();
    let password = forms::first(&p, "new_password").unwrap_or("");
    let failed = if password != forms::first(&p, "new_confirm").unwrap_or("") {
        let mut errors = FieldErrors::default();
        errors.set("new_confirm", m.password_mismatch);
        (errors, m.fix_errors.to_string())
    } else {
        match app.store.reset_password(&staff.actor, id, password).await {
            Ok(()) => return Redirect::to("/admin/users?done=reset").into_response(),
            Err(e) => match form_errors(e, staff.lang, m, &[("password", "new_password")]) {
                Ok(x) => x,
                Err(e) => return error_page(e, staff.lang),
            },
        }
    };
    let (errors, summary) = failed;
    let view = UsersView {
        form: UserForm { role: Role::Clerk.code().to_string(), ..Default::default() },
        errors,
        summary: Some(summary),
        notice: None,
        reset: Some(id),
    };
    users_page(&app, &staff, view).await
}

// ---------------------------------------------------------------------------------------------
// Categories and routing
// ---------------------------------------------------------------------------------------------

pub struct CategoryLine {
    pub code: String,
    pub name: String,
    /// The default unit's name, or empty for 属地.
    pub unit: String,
}

#[derive(Default)]
pub struct CategoryForm {
    pub code: String,
    pub name: String,
    pub default_unit: String,
}

#[derive(Template)]
#[template(path = "admin_categories.html")]
pub struct CategoriesPage {
    pub base: Base,
    pub rows: Vec<CategoryLine>,
    pub form: CategoryForm,
    pub editing: bool,
    pub errors: FieldErrors,
    pub summary: Option<String>,
    pub notice: Option<String>,
    pub units: Vec<(String, String)>,
}

async fn categories_page(
    app: &AppState,
    staff: &Staff,
    form: CategoryForm,
    editing: bool,
    errors: FieldErrors,
    summary: Option<String>,
    notice: Option<String>,
) -> Response {
    let result =
        async { Ok::<_, StoreError>((app.store.list_units().await?, app.store.list_categories().await?)) }.await;
    let (units, cats) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, staff.lang),
    };
    render(&CategoriesPage {
        base: base(staff, &units),
        rows: cats
            .into_iter()
            .map(|c| CategoryLine {
                unit: c.default_unit.as_deref().map(|u| unit_name(&units, u)).unwrap_or_default(),
                code: c.code,
                name: c.name,
            })
            .collect(),
        form,
        editing,
        errors,
        summary,
        notice,
        units: units.iter().map(|u| (u.code.clone(), u.name.clone())).collect(),
    })
}

pub async fn categories(State(app): State<AppState>, staff: Staff, Query(q): Query<EditQuery>) -> Response {
    if let Some(r) = refuse(&staff) {
        return r;
    }
    let existing = match &q.edit {
        Some(code) => match app.store.list_categories().await {
            Ok(cats) => cats.into_iter().find(|c| &c.code == code),
            Err(e) => return error_page(e, staff.lang),
        },
        None => None,
    };
    let editing = existing.is_some();
    let form = existing
        .map(|c| CategoryForm { code: c.code, name: c.name, default_unit: c.default_unit.unwrap_or_default() })
        .unwrap_or_default();
    let notice = q.saved.map(|_| staff.m().saved.to_string());
    categories_page(&app, &staff, form, editing, FieldErrors::default(), None, notice).await
}

pub async fn save_category(State(app): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let p = forms::parse_pairs(&body);
    if let Some(r) = check_post(&staff, &p) {
        return r;
    }
    let form =
        CategoryForm { code: field(&p, "code"), name: field(&p, "name"), default_unit: field(&p, "default_unit") };
    let editing = forms::first(&p, "editing") == Some("1");
    let spec = CategorySpec {
        code: form.code.clone(),
        name: form.name.clone(),
        default_unit: Some(form.default_unit.clone()).filter(|u| !u.is_empty()),
    };
    let result = if editing {
        app.store.upsert_category(&staff.actor, &spec).await.map(|_| ())
    } else {
        app.store.add_category(&staff.actor, &spec).await
    };
    match result {
        Ok(()) => Redirect::to(&format!("/admin/categories?saved={}", urlencode(&form.code))).into_response(),
        Err(e) => match form_errors(e, staff.lang, staff.m(), &[]) {
            Ok((errors, summary)) => categories_page(&app, &staff, form, editing, errors, Some(summary), None).await,
            Err(e) => error_page(e, staff.lang),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Holiday calendar
// ---------------------------------------------------------------------------------------------

pub struct YearLine {
    pub year: i32,
    pub source: &'static str,
    pub title: String,
    pub holidays: usize,
    pub workdays: usize,
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
pub struct CalendarPage {
    pub base: Base,
    pub years: Vec<YearLine>,
    /// What the text area holds: a year's file, or what was pasted.
    pub text: String,
    /// A line about the text (the year in force, or a draft).
    pub about: Option<String>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct CalendarQuery {
    year: Option<String>,
    recomputed: Option<u64>,
}

async fn calendar_page(
    app: &AppState,
    staff: &Staff,
    text: String,
    about: Option<String>,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let m = staff.m();
    let result =
        async { Ok::<_, StoreError>((app.store.list_units().await?, app.store.reload_calendar().await?)) }.await;
    let (units, cal) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, staff.lang),
    };
    let years = cal
        .years()
        .map(|y| YearLine {
            year: y.year,
            source: match y.source {
                YearSource::Notice { .. } => m.calendar_source_notice,
                YearSource::Derived => m.calendar_source_derived,
            },
            title: match &y.source {
                YearSource::Notice { title } => title.clone(),
                YearSource::Derived => String::new(),
            },
            holidays: y.holidays.len(),
            workdays: y.workdays.len(),
        })
        .collect();
    render(&CalendarPage { base: base(staff, &units), years, text, about, error, notice })
}

pub async fn calendar(State(app): State<AppState>, staff: Staff, Query(q): Query<CalendarQuery>) -> Response {
    if let Some(r) = refuse(&staff) {
        return r;
    }
    let m = staff.m();
    let year = q.year.as_deref().and_then(|y| y.trim().parse::<i32>().ok()).filter(|y| (1900..=2999).contains(y));
    let (text, about) = match year {
        Some(y) => {
            let cal = app.store.calendar();
            match cal.year(y) {
                Some(stored) => (to_toml(stored), Some(m.calendar_stored.replace("{year}", &y.to_string()))),
                None => (to_toml(&derive_year(y)), Some(m.calendar_draft.replace("{year}", &y.to_string()))),
            }
        }
        None => (String::new(), None),
    };
    let notice = match (year, q.recomputed) {
        (Some(y), Some(n)) => {
            Some(m.calendar_imported.replace("{year}", &y.to_string()).replace("{n}", &n.to_string()))
        }
        _ => None,
    };
    calendar_page(&app, &staff, text, about, None, notice).await
}

pub async fn import_calendar(State(app): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let p = forms::parse_pairs(&body);
    if let Some(r) = check_post(&staff, &p) {
        return r;
    }
    let text = forms::first(&p, "toml").unwrap_or("").replace("\r\n", "\n");
    let year = match parse_year_toml(&text) {
        Ok(y) => y,
        Err(e) => {
            let error = format!("{}{e}", staff.m().calendar_failed);
            return calendar_page(&app, &staff, text, None, Some(error), None).await;
        }
    };
    match app.store.admin_import_holiday_year(&staff.actor, &year).await {
        Ok(n) => Redirect::to(&format!("/admin/calendar?year={}&recomputed={n}", year.year)).into_response(),
        Err(e) => error_page(e, staff.lang),
    }
}

// ---------------------------------------------------------------------------------------------
// Open311 API keys
// ---------------------------------------------------------------------------------------------

pub struct KeyLine {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub created_by: String,
    pub last_used: String,
    pub active: bool,
    pub revoked_at: String,
}

#[derive(Template)]
#[template(path = "admin_open311.html")]
pub struct Open311Page {
    pub base: Base,
    pub rows: Vec<KeyLine>,
    pub name: String,
    pub errors: FieldErrors,
    pub summary: Option<String>,
    pub notice: Option<String>,
    /// A key just made: shown this once.
    pub new_key: Option<String>,
}

fn china_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&xinfang_core::case::china_offset()).format("%Y-%m-%d %H:%M").to_string()
}

struct Open311View {
    name: String,
    errors: FieldErrors,
    summary: Option<String>,
    notice: Option<String>,
    new_key: Option<String>,
}

async fn open311_page(app: &AppState, staff: &Staff, v: Open311View) -> Response {
    let m = staff.m();
    let result =
        async { Ok::<_, StoreError>((app.store.list_units().await?, app.store.list_open311_keys().await?)) }.await;
    let (units, keys) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, staff.lang),
    };
    let rows = keys
        .into_iter()
        .map(|k| KeyLine {
            id: k.id,
            name: k.name,
            created_at: china_time(k.created_at),
            created_by: k.created_by.unwrap_or_else(|| m.open311_command_line.to_string()),
            last_used: k.last_used_at.map(china_time).unwrap_or_else(|| m.open311_never.to_string()),
            active: k.revoked_at.is_none(),
            revoked_at: k.revoked_at.map(china_time).unwrap_or_default(),
        })
        .collect();
    render(&Open311Page {
        base: base(staff, &units),
        rows,
        name: v.name,
        errors: v.errors,
        summary: v.summary,
        notice: v.notice,
        new_key: v.new_key,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn open311_keys(State(app): State<AppState>, staff: Staff, Query(q): Query<DoneQuery>) -> Response {
    if let Some(r) = refuse(&staff) {
        return r;
    }
    let notice = (q.done.as_deref() == Some("revoked")).then(|| staff.m().open311_key_revoked.to_string());
    let view =
        Open311View { name: String::new(), errors: FieldErrors::default(), summary: None, notice, new_key: None };
    open311_page(&app, &staff, view).await
}

/// Make a key and show it on the answer itself, once (it is not kept, so there is nothing to
/// redirect to).
pub async fn add_open311_key(State(app): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let p = forms::parse_pairs(&body);
    if let Some(r) = check_post(&staff, &p) {
        return r;
    }
    let m = staff.m();
    let name = field(&p, "name");
    let view = match app.store.add_open311_key(Some(&staff.actor), &name).await {
        Ok((_, key)) => Open311View {
            name: String::new(),
            errors: FieldErrors::default(),
            summary: None,
            notice: Some(m.open311_key_created.to_string()),
            new_key: Some(key),
        },
        Err(e) => match form_errors(e, staff.lang, m, &[]) {
            Ok((errors, summary)) => Open311View { name, errors, summary: Some(summary), notice: None, new_key: None },
            Err(e) => return error_page(e, staff.lang),
        },
    };
    open311_page(&app, &staff, view).await
}

pub async fn revoke_open311_key(
    State(app): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let id = match id_form(&staff, &body, &id, "Open311 密钥") {
        Ok((_, id)) => id,
        Err(page) => return *page,
    };
    match app.store.revoke_open311_key(Some(&staff.actor), id).await {
        Ok(_) => Redirect::to("/admin/open311?done=revoked").into_response(),
        Err(e) => error_page(e, staff.lang),
    }
}

// ---------------------------------------------------------------------------------------------
// Document templates (文书模板)
// ---------------------------------------------------------------------------------------------

/// A kind of document as listed.
pub struct TemplateLine {
    pub kind: &'static str,
    pub label: &'static str,
    pub prefix: String,
    pub title: String,
    pub version: i64,
}

#[derive(Template)]
#[template(path = "admin_documents.html")]
pub struct DocumentsPage {
    pub base: Base,
    pub rows: Vec<TemplateLine>,
    /// The template being edited, if any.
    pub form: Option<DocTemplate>,
    pub kind_label: &'static str,
    pub errors: FieldErrors,
    pub summary: Option<String>,
    pub notice: Option<String>,
    /// The form rendered against the sample case, and the fields a template may use.
    pub preview: Option<RenderedDocument>,
    pub fields: Vec<String>,
}

#[derive(serde::Deserialize)]
pub struct TemplateQuery {
    edit: Option<String>,
    saved: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn documents_page(
    app: &AppState,
    staff: &Staff,
    form: Option<DocTemplate>,
    errors: FieldErrors,
    summary: Option<String>,
    notice: Option<String>,
    preview: Option<(RenderedDocument, DocContext)>,
) -> Response {
    let result = async {
        Ok::<_, StoreError>((app.store.list_units().await?, app.store.document_templates(&staff.actor).await?))
    }
    .await;
    let (units, templates) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, staff.lang),
    };
    let (preview, fields) = match preview {
        Some((doc, ctx)) => {
            let fields = serde_json::to_value(&ctx)
                .ok()
                .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect()))
                .unwrap_or_default();
            (Some(doc), fields)
        }
        None => (None, vec![]),
    };
    render(&DocumentsPage {
        base: base(staff, &units),
        rows: templates
            .into_iter()
            .map(|t| TemplateLine {
                kind: t.kind.code(),
                label: t.kind.label_zh(),
                prefix: t.prefix,
                title: t.title,
                version: t.version,
            })
            .collect(),
        kind_label: form.as_ref().map(|f| f.kind.label_zh()).unwrap_or(""),
        form,
        errors,
        summary,
        notice,
        preview,
        fields,
    })
}

/// `GET /admin/documents`: every kind with its prefix and version; `?edit=kind` opens its
/// template with a preview on the sample case.
pub async fn documents(State(app): State<AppState>, staff: Staff, Query(q): Query<TemplateQuery>) -> Response {
    if let Some(r) = refuse(&staff) {
        return r;
    }
    let notice = q.saved.map(|_| staff.m().saved.to_string());
    let Some(kind) = q.edit.as_deref().and_then(DocKind::from_code) else {
        return documents_page(&app, &staff, None, FieldErrors::default(), None, notice, None).await;
    };
    let result = async {
        let t = app.store.document_template(&staff.actor, kind).await?;
        let preview = app.store.preview_document_template(&staff.actor, &t).await?;
        Ok::<_, StoreError>((t, preview))
    }
    .await;
    match result {
        Ok((t, preview)) => {
            documents_page(&app, &staff, Some(t), FieldErrors::default(), None, notice, Some(preview)).await
        }
        Err(e) => error_page(e, staff.lang),
    }
}

/// `POST /admin/documents`: preview (`op=preview`) or save a template.
pub async fn save_document_template(State(app): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let p = forms::parse_pairs(&body);
    if let Some(r) = check_post(&staff, &p) {
        return r;
    }
    let Some(kind) = forms::first(&p, "kind").and_then(DocKind::from_code) else {
        return error_page(StoreError::NotFound { what: "文书种类" }, staff.lang);
    };
    let form = DocTemplate {
        kind,
        prefix: field(&p, "prefix"),
        title: field(&p, "title"),
        body: forms::first(&p, "body").unwrap_or("").to_string(),
        version: 0,
    };
    let result = if forms::first(&p, "op") == Some("preview") {
        app.store.preview_document_template(&staff.actor, &form).await.map(Some)
    } else {
        app.store.save_document_template(&staff.actor, &form).await.map(|_| None)
    };
    match result {
        Ok(Some(preview)) => {
            documents_page(&app, &staff, Some(form), FieldErrors::default(), None, None, Some(preview)).await
        }
        Ok(None) => Redirect::to(&format!("/admin/documents?edit={}&saved=1", kind.code())).into_response(),
        Err(e) => match form_errors(e, staff.lang, staff.m(), &[]) {
            Ok((errors, summary)) => documents_page(&app, &staff, Some(form), errors, Some(summary), None, None).await,
            Err(e) => error_page(e, staff.lang),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Outbox
// ---------------------------------------------------------------------------------------------

/// One message as the page shows it.
pub struct MessageLine {
    pub id: i64,
    pub created: String,
    pub kind: String,
    pub to: String,
    pub case_id: Option<i64>,
    pub case_number: String,
    pub status_code: String,
    pub status: &'static str,
    pub attempts: i64,
    pub next: String,
    pub error: String,
    pub provider: String,
}

#[derive(Template)]
#[template(path = "admin_outbox.html")]
pub struct OutboxPage {
    pub base: Base,
    /// (code, label) of the status filter; "" is all.
    pub statuses: Vec<(&'static str, &'static str)>,
    pub status: String,
    pub total: i64,
    pub rows: Vec<MessageLine>,
    pub next_page: Option<u32>,
}

#[derive(serde::Deserialize, Default)]
pub struct OutboxQuery {
    status: Option<String>,
    page: Option<u32>,
}

/// 消息发送记录 The outbox: what was sent to whom (masked), and what failed with its error.
pub async fn outbox(State(app): State<AppState>, staff: Staff, Query(q): Query<OutboxQuery>) -> Response {
    if let Some(r) = refuse(&staff) {
        return r;
    }
    let m = staff.m();
    let status = q.status.filter(|s| matches!(s.as_str(), "pending" | "sent" | "failed")).unwrap_or_default();
    let filter = OutboxFilter {
        status: (!status.is_empty()).then(|| status.clone()),
        case_id: None,
        page: q.page,
        per_page: Some(100),
    };
    let result =
        async { Ok::<_, StoreError>((app.store.list_units().await?, app.store.outbox(&staff.actor, &filter).await?)) }
            .await;
    let (units, page) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, staff.lang),
    };
    let label = |code: &str| match code {
        "sent" => m.outbox_sent,
        "failed" => m.outbox_failed,
        _ => m.outbox_pending,
    };
    let local = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&xinfang_core::case::china_offset()).format("%Y-%m-%d %H:%M:%S").to_string()
    };
    let more = i64::from(page.page) * i64::from(page.per_page) < page.total;
    render(&OutboxPage {
        base: base(&staff, &units),
        statuses: vec![
            ("", m.outbox_all),
            ("pending", m.outbox_pending),
            ("sent", m.outbox_sent),
            ("failed", m.outbox_failed),
        ],
        status,
        total: page.total,
        next_page: more.then_some(page.page + 1),
        rows: page
            .items
            .into_iter()
            .map(|r| MessageLine {
                id: r.id,
                created: local(r.created_at),
                kind: match staff.lang {
                    Lang::Zh => xinfang_core::notice::kind_label_zh(&r.kind).to_string(),
                    Lang::En => r.kind.clone(),
                },
                to: r.recipient_masked,
                case_id: r.case_id,
                case_number: r.case_number.unwrap_or_default(),
                status: label(&r.status),
                status_code: r.status,
                attempts: r.attempts,
                next: r.next_attempt_at.map(local).unwrap_or_default(),
                error: r.last_error.unwrap_or_default(),
                provider: match (r.provider, r.provider_message_id) {
                    (Some(p), Some(id)) => format!("{p} · {id}"),
                    (Some(p), None) => p,
                    _ => String::new(),
                },
            })
            .collect(),
    })
}
