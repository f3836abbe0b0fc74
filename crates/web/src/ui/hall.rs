//! 大厅 The hall pages: the staff queue console (取号、叫号、分流), the printable ticket, and the
//! public hall display that follows the calls live (server-sent events).

use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::stream::{self, Stream};
use xinfang_core::hall::HallAction;
use xinfang_core::user::Role;
use xinfang_store::hall::{Board, Ticket};
use xinfang_store::StoreError;

use super::forms;
use super::msg::{messages, Messages};
use super::pages::Base;
use super::{render, Staff};
use crate::AppState;

use super::error_page;

#[derive(Template)]
#[template(path = "hall.html")]
pub struct HallPage {
    pub base: Base,
    pub desk: bool,
    pub window: bool,
    pub tickets: Vec<Ticket>,
    pub units: Vec<(String, String)>,
    pub notice: Option<String>,
}

/// The queue console: door and platform for the bureau's clerks, the window for unit staff.
pub async fn console(State(app): State<AppState>, staff: Staff, Query(q): Query<NoticeQuery>) -> Response {
    let result =
        async { Ok::<_, StoreError>((app.store.tickets_today(&staff.actor).await?, app.store.list_units().await?)) }
            .await;
    let (tickets, units) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, staff.lang),
    };
    let unit_name = units.iter().find(|u| u.code == staff.actor.unit_code).map(|u| u.name.clone()).unwrap_or_default();
    let stationed: Vec<(String, String)> =
        units.into_iter().filter(|u| u.stationed && u.kind != "bureau").map(|u| (u.code, u.name)).collect();
    let notice = match q.called.as_deref() {
        Some("none") => Some("没有等候的号".to_string()),
        Some(n) => Some(format!("已叫号：{n}")),
        None => None,
    };
    render(&HallPage {
        desk: xinfang_core::hall::check_hall(&staff.actor, HallAction::CallNext).is_ok(),
        window: staff.actor.role == Role::UnitStaff,
        base: Base::of(&staff, unit_name),
        tickets,
        units: stationed,
        notice,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct NoticeQuery {
    called: Option<String>,
}

pub async fn issue(State(app): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let p = forms::parse_pairs(&body);
    if !staff.csrf_ok(forms::first(&p, "_csrf")) {
        return staff.csrf_failed();
    }
    let group = forms::first(&p, "group").is_some();
    let headcount = match forms::first(&p, "headcount").map(str::trim).filter(|s| !s.is_empty()) {
        None => 1,
        Some(h) => match h.parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                return super::message_page(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    staff.lang.pick(format!("人数「{h}」不是有效的数字"), format!("'{h}' is not a number")),
                    staff.lang,
                )
            }
        },
    };
    match app.store.issue_ticket(&staff.actor, group, if group { headcount } else { 1 }, forms::first(&p, "name")).await
    {
        Ok(t) => Redirect::to(&format!("/hall/tickets/{}", t.id)).into_response(),
        Err(e) => error_page(e, staff.lang),
    }
}

pub async fn call_next(State(app): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let p = forms::parse_pairs(&body);
    if !staff.csrf_ok(forms::first(&p, "_csrf")) {
        return staff.csrf_failed();
    }
    let called = if staff.actor.role == Role::UnitStaff {
        app.store.call_at_window(&staff.actor).await
    } else {
        app.store.call_next(&staff.actor).await
    };
    match called {
        Ok(Some(t)) => Redirect::to(&format!("/hall?called={}", t.number)).into_response(),
        Ok(None) => Redirect::to("/hall?called=none").into_response(),
        Err(e) => error_page(e, staff.lang),
    }
}

pub async fn move_ticket(State(app): State<AppState>, staff: Staff, Path(id): Path<String>, body: Bytes) -> Response {
    let Ok(id) = id.parse::<i64>() else { return error_page(StoreError::NotFound { what: "排队号" }, staff.lang) };
    let p = forms::parse_pairs(&body);
    if !staff.csrf_ok(forms::first(&p, "_csrf")) {
        return staff.csrf_failed();
    }
    let action = match forms::first(&p, "do") {
        Some("route") => HallAction::Route,
        _ => HallAction::Finish,
    };
    match app.store.move_ticket(&staff.actor, id, action, forms::first(&p, "unit")).await {
        Ok(_) => Redirect::to("/hall").into_response(),
        Err(e) => error_page(e, staff.lang),
    }
}

#[derive(Template)]
#[template(path = "hall_ticket.html")]
pub struct TicketPage {
    pub m: &'static Messages,
    pub ticket: Ticket,
    pub ahead: i64,
}

/// The printable ticket handed over at the door.
pub async fn ticket_page(State(app): State<AppState>, staff: Staff, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return error_page(StoreError::NotFound { what: "排队号" }, staff.lang) };
    let result = async {
        let t = app.store.ticket(id).await?;
        let all = app.store.tickets_today(&staff.actor).await?;
        Ok::<_, StoreError>((t, all))
    }
    .await;
    match result {
        Ok((ticket, all)) => {
            let ahead = all.iter().filter(|o| o.status == "waiting" && o.id < ticket.id).count() as i64;
            render(&TicketPage { m: staff.m(), ticket, ahead })
        }
        Err(e) => error_page(e, staff.lang),
    }
}

#[derive(Template)]
#[template(path = "hall_display.html")]
pub struct DisplayPage {
    pub m: &'static Messages,
    pub board: Board,
    pub fragment: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct DisplayQuery {
    fragment: Option<String>,
}

/// 大厅显示屏: public (no login), shows numbers, places, masked names and who is on duty.
pub async fn display(State(app): State<AppState>, Query(q): Query<DisplayQuery>) -> Response {
    match app.store.hall_board().await {
        Ok(board) => {
            render(&DisplayPage { m: messages(xinfang_core::Lang::Zh), board, fragment: q.fragment.is_some() })
        }
        Err(e) => error_page(e, xinfang_core::Lang::Zh),
    }
}

/// How often the event stream looks for a new call. The display updates within this interval
/// plus a page fragment fetch; reading the database (not an in-process channel) means a call
/// made on any node reaches displays attached to any other.
const POLL: Duration = Duration::from_millis(300);

/// Server-sent events: `call` whenever a new number is called.
pub async fn display_events(State(app): State<AppState>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let start = app.store.last_call_id().await.unwrap_or(0);
    let stream = stream::unfold((app, start), |(app, mut last)| async move {
        loop {
            tokio::time::sleep(POLL).await;
            match app.store.last_call_id().await {
                Ok(id) if id != last => {
                    last = id;
                    return Some((Ok(Event::default().event("call").data(id.to_string())), (app, last)));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "hall display poll failed"),
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
