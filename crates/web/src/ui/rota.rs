//! 值班安排 The duty rota: leader reception days (one bureau leader a weekday), duty lawyers,
//! counselors and mediators, as a month view; administrators and leaders edit it.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Duration, NaiveDate};
use xinfang_core::calendar::DayKind;
use xinfang_core::hall::DUTIES;
use xinfang_core::user::Role;
use xinfang_store::StoreError;

use super::forms;
use super::pages::Base;
use super::{error_page, render, Staff};
use crate::AppState;

/// One day of the month view.
pub struct DayCell {
    pub date: NaiveDate,
    pub day: u32,
    pub in_month: bool,
    pub working: bool,
    pub holiday: String,
    pub today: bool,
    /// (duty label, names joined)
    pub duties: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "rota.html")]
pub struct RotaPage {
    pub base: Base,
    pub month: String,
    pub prev: String,
    pub next: String,
    pub weeks: Vec<Vec<DayCell>>,
    pub can_edit: bool,
    pub duties: Vec<(String, String)>,
    pub weekdays: Vec<(u32, &'static str)>,
}

#[derive(serde::Deserialize, Default)]
pub struct MonthQuery {
    month: Option<String>,
}

fn parse_month(s: Option<&str>, today: NaiveDate) -> NaiveDate {
    s.and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today))
}

fn month_bounds(first: NaiveDate) -> (NaiveDate, NaiveDate) {
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }
    .unwrap_or(first);
    (first, next - Duration::days(1))
}

fn can_edit(staff: &Staff) -> bool {
    matches!(staff.actor.role, Role::Admin) || (staff.actor.is_bureau() && staff.actor.role == Role::Leader)
}

const WEEKDAYS: [(u32, &str); 5] = [(0, "星期一"), (1, "星期二"), (2, "星期三"), (3, "星期四"), (4, "星期五")];

pub async fn month_view(State(app): State<AppState>, staff: Staff, Query(q): Query<MonthQuery>) -> Response {
    let today = xinfang_core::case::local_date(xinfang_store::now());
    let first = parse_month(q.month.as_deref(), today);
    let (start, end) = month_bounds(first);
    let grid_start = start - Duration::days(i64::from(start.weekday().num_days_from_monday()));
    let grid_end = end + Duration::days(6 - i64::from(end.weekday().num_days_from_monday()));
    let result = async {
        Ok::<_, StoreError>((
            app.store.duty_between(grid_start, grid_end).await?,
            app.store.reload_calendar().await?,
            app.store.list_units().await?,
        ))
    }
    .await;
    let (rota, cal, units) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, staff.lang),
    };
    let mut weeks = Vec::new();
    let mut d = grid_start;
    while d <= grid_end {
        let mut week = Vec::new();
        for _ in 0..7 {
            let kind = cal.kind(d);
            week.push(DayCell {
                date: d,
                day: d.day(),
                in_month: d >= start && d <= end,
                working: kind.is_working(),
                holiday: if kind == DayKind::Holiday {
                    cal.day_name(d).unwrap_or_default().to_string()
                } else if kind == DayKind::SwappedWorkday {
                    "调休上班".into()
                } else {
                    String::new()
                },
                today: d == today,
                duties: DUTIES
                    .iter()
                    .filter_map(|(code, label)| {
                        let names: Vec<&str> =
                            rota.iter().filter(|r| r.0 == d && r.1 == *code).map(|r| r.2.as_str()).collect();
                        (!names.is_empty()).then(|| (label.to_string(), names.join("、")))
                    })
                    .collect(),
            });
            d += Duration::days(1);
        }
        weeks.push(week);
    }
    let unit_name = units.iter().find(|u| u.code == staff.actor.unit_code).map(|u| u.name.clone()).unwrap_or_default();
    let prev = (start - Duration::days(1)).format("%Y-%m").to_string();
    let next = (end + Duration::days(1)).format("%Y-%m").to_string();
    render(&RotaPage {
        can_edit: can_edit(&staff),
        base: Base::of(&staff, unit_name),
        month: start.format("%Y-%m").to_string(),
        prev,
        next,
        weeks,
        duties: DUTIES.iter().map(|(c, l)| (c.to_string(), l.to_string())).collect(),
        weekdays: WEEKDAYS.to_vec(),
    })
}

/// Set a duty for one day, or for every working day of the month that falls on a weekday.
pub async fn set(State(app): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let p = forms::parse_pairs(&body);
    if !staff.csrf_ok(forms::first(&p, "_csrf")) {
        return staff.csrf_failed();
    }
    if !can_edit(&staff) {
        return error_page(
            StoreError::Domain(xinfang_core::DomainError::forbidden(
                "只有系统管理员和局领导可以编排值班",
                "Only administrators and leaders edit the rota",
            )),
            staff.lang,
        );
    }
    let duty = forms::first(&p, "duty").unwrap_or("");
    let names: Vec<String> = forms::first(&p, "names")
        .unwrap_or("")
        .split(['、', ',', '，', ' '])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(String::from)
        .collect();
    let today = xinfang_core::case::local_date(xinfang_store::now());
    let month = forms::first(&p, "month").unwrap_or("");
    let first = parse_month(Some(month), today);
    let days: Vec<NaiveDate> = match (forms::first(&p, "day").filter(|d| !d.is_empty()), forms::first(&p, "weekday")) {
        (Some(d), _) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) => vec![d],
            Err(_) => {
                return super::message_page(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    staff.lang.pick(format!("日期「{d}」无效"), format!("'{d}' is not a date")),
                    staff.lang,
                )
            }
        },
        (None, Some(w)) => {
            let w: u32 = w.parse().unwrap_or(9);
            let cal = app.store.calendar();
            let (start, end) = month_bounds(first);
            start
                .iter_days()
                .take_while(|d| *d <= end)
                .filter(|d| d.weekday().num_days_from_monday() == w && cal.is_working_day(*d))
                .collect()
        }
        (None, None) => vec![],
    };
    for d in days {
        if let Err(e) = app.store.set_duty(Some(&staff.actor), d, duty, &names).await {
            return error_page(e, staff.lang);
        }
    }
    Redirect::to(&format!("/rota?month={}", first.format("%Y-%m"))).into_response()
}
