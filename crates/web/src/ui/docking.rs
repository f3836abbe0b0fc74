//! 三对接 The pages for legal consultations, mediations, counseling and video receptions.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDateTime, TimeZone};
use xinfang_core::case::china_offset;
use xinfang_core::docking::DockingInput;
use xinfang_core::lifecycle::Separation;
use xinfang_store::docking::DockingView;
use xinfang_store::StoreError;

use super::forms::{self, Pairs};
use super::pages::Base;
use super::{error_page, render, Staff};
use crate::AppState;

#[derive(Template)]
#[template(path = "dockings.html")]
pub struct DockingsPage {
    pub base: Base,
    pub records: Vec<DockingView>,
    pub can_record: bool,
    pub units: Vec<(String, String)>,
    pub routes: Vec<(String, String)>,
    /// The form that failed, what was typed, and the messages.
    pub failed_kind: String,
    pub typed: Pairs,
    pub errors: std::collections::BTreeMap<String, String>,
    pub summary: Option<String>,
}

impl DockingsPage {
    pub fn v(&self, kind: &str, key: &str) -> String {
        if self.failed_kind == kind {
            forms::first(&self.typed, key).unwrap_or("").to_string()
        } else {
            String::new()
        }
    }
    pub fn err(&self, kind: &str, key: &str) -> String {
        if self.failed_kind == kind {
            self.errors.get(key).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
    pub fn open(&self, kind: &str) -> bool {
        self.failed_kind == kind
    }
}

async fn page(
    app: &AppState,
    staff: &Staff,
    failed_kind: String,
    typed: Pairs,
    errors: std::collections::BTreeMap<String, String>,
    summary: Option<String>,
) -> Response {
    let result = async {
        Ok::<_, StoreError>((app.store.dockings(&staff.actor, None, 200).await?, app.store.list_units().await?))
    }
    .await;
    let (records, units) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, staff.lang),
    };
    let unit_name = units.iter().find(|u| u.code == staff.actor.unit_code).map(|u| u.name.clone()).unwrap_or_default();
    render(&DockingsPage {
        base: Base::of(staff, unit_name),
        records,
        can_record: xinfang_core::docking::check_record(&staff.actor).is_ok(),
        units: units.into_iter().filter(|u| u.kind != "bureau").map(|u| (u.code, u.name)).collect(),
        routes: Separation::ALL.iter().map(|s| (s.code().to_string(), s.label_zh().to_string())).collect(),
        failed_kind,
        typed,
        errors,
        summary,
    })
}

pub async fn list(State(app): State<AppState>, staff: Staff) -> Response {
    page(&app, &staff, String::new(), vec![], Default::default(), None).await
}

pub async fn record(State(app): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let p = forms::parse_pairs(&body);
    if !staff.csrf_ok(forms::first(&p, "_csrf")) {
        return staff.csrf_failed();
    }
    let get = |k: &str| forms::first(&p, k).unwrap_or("").to_string();
    let kind = get("kind");
    let scheduled_at = match get("scheduled_at").trim() {
        "" => None,
        t => match NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M")
            .ok()
            .and_then(|dt| china_offset().from_local_datetime(&dt).single())
        {
            Some(t) => Some(t),
            None => {
                let errors = [("scheduled_at".to_string(), "时间格式应为 年-月-日 时:分".to_string())].into();
                return page(&app, &staff, kind, p.clone(), errors, Some(staff.m().fix_errors.to_string())).await;
            }
        },
    };
    let input = DockingInput {
        kind: kind.clone(),
        case_number: Some(get("case_number")),
        person: get("person"),
        summary: get("summary"),
        advice: get("advice"),
        route: Separation::from_code(&get("route")),
        other_party: get("other_party"),
        agreed: forms::first(&p, "agreed").is_some(),
        agreement: get("agreement"),
        unit: Some(get("unit")),
        scheduled_at,
        link: get("link"),
    };
    match app.store.add_docking(&staff.actor, &input).await {
        Ok(_) => Redirect::to("/dockings").into_response(),
        Err(StoreError::Domain(d)) => {
            let errors = d.fields().iter().map(|f| (f.field.clone(), f.message(staff.lang).to_string())).collect();
            let summary =
                Some(if d.fields().is_empty() { d.message(staff.lang) } else { staff.m().fix_errors.to_string() });
            page(&app, &staff, kind, p.clone(), errors, summary).await
        }
        Err(e) => error_page(e, staff.lang),
    }
}
