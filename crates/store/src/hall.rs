//! 大厅排队 The hall queue as stored: tickets, calls, the duty rota, and the board the hall
//! display shows. The rules are in `xinfang_core::hall`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use xinfang_core::case::local_date;
use xinfang_core::hall::{check_hall, ticket_number, ticket_transition, HallAction, TicketStatus, DUTIES, PLATFORM};
use xinfang_core::petitioner::mask_name;
use xinfang_core::user::Actor;
use xinfang_core::DomainError;

use crate::db::{args, Tx};
use crate::{Store, StoreError};

/// A ticket as shown to staff.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Ticket {
    pub id: i64,
    pub day: NaiveDate,
    pub number: String,
    pub group_visit: bool,
    pub headcount: i64,
    pub name: Option<String>,
    pub status: String,
    pub unit: Option<String>,
    pub unit_name: Option<String>,
    pub case_id: Option<i64>,
    pub issued_at: DateTime<Utc>,
    pub called_at: Option<DateTime<Utc>>,
    pub routed_at: Option<DateTime<Utc>>,
    pub unit_called_at: Option<DateTime<Utc>>,
}

impl Ticket {
    pub fn status_label(&self) -> &'static str {
        TicketStatus::from_code(&self.status).map(|s| s.label_zh()).unwrap_or("")
    }
    /// Minutes from taking the number to the first call (waiting time).
    pub fn waited_minutes(&self) -> Option<i64> {
        self.called_at.map(|c| (c - self.issued_at).num_minutes())
    }
}

const TICKET_SELECT: &str =
    "SELECT t.id, t.day, t.number, t.group_visit, t.headcount, t.name, t.status, u.code AS unit, \
    u.name AS unit_name, t.case_id, t.issued_at, t.called_at, t.routed_at, t.unit_called_at \
    FROM hall_tickets t LEFT JOIN units u ON u.id = t.unit_id";

/// One call on the hall display: a number and where to go. Names masked.
#[derive(Debug, Clone, Serialize)]
pub struct CallView {
    pub id: i64,
    pub number: String,
    pub place: String,
    pub name: Option<String>,
    pub at: DateTime<Utc>,
}

/// What the hall display shows.
#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub day: NaiveDate,
    /// Newest first.
    pub calls: Vec<CallView>,
    pub waiting: i64,
    /// (duty label, names)
    pub duty: Vec<(String, Vec<String>)>,
    /// Id of the newest call: the display refreshes when it changes.
    pub last_call: i64,
}

/// (call id, number, place, petitioner name, when)
type CallRow = (i64, String, String, Option<String>, DateTime<Utc>);

fn today() -> NaiveDate {
    local_date(crate::now())
}

async fn ticket(tx: &mut Tx, id: i64) -> Result<Ticket, StoreError> {
    tx.fetch_optional(&format!("{TICKET_SELECT} WHERE t.id = $1"), args![id])
        .await?
        .ok_or(StoreError::NotFound { what: "排队号" })
}

async fn record_call(
    tx: &mut Tx,
    actor: &Actor,
    t: &Ticket,
    place: &str,
    unit_id: Option<i64>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO hall_calls (ticket_id, at, place, unit_id, called_by) VALUES ($1, $2, $3, $4, $5)",
        args![t.id, crate::now(), place, unit_id, actor.user_id],
    )
    .await?;
    crate::audit::append(
        tx,
        Some(actor),
        "hall.call",
        "ticket",
        &t.id.to_string(),
        serde_json::json!({"number": t.number, "place": place}),
    )
    .await
}

impl Store {
    /// 取号 Issue the next number of the day.
    pub async fn issue_ticket(
        &self,
        actor: &Actor,
        group: bool,
        headcount: u32,
        name: Option<&str>,
    ) -> Result<Ticket, StoreError> {
        check_hall(actor, HallAction::Issue)?;
        if headcount == 0 || headcount > 10_000 || (!group && headcount != 1) {
            return Err(DomainError::invalid(
                "headcount",
                "bad_headcount",
                "人数无效：个人来访为 1 人，集体访填写实际人数",
                "Headcount is 1 for one person, the real number for a group",
            )
            .into());
        }
        let name = name.map(str::trim).filter(|n| !n.is_empty()).map(|n| n.chars().take(50).collect::<String>());
        let day = today();
        let mut tx = self.pool.begin_write().await?;
        tx.lock_writers().await?;
        let (seq,): (i64,) =
            tx.fetch_one("SELECT COALESCE(MAX(seq), 0) + 1 FROM hall_tickets WHERE day = $1", args![day]).await?;
        let number = ticket_number(group, seq);
        let (id,): (i64,) = tx
            .fetch_one(
                "INSERT INTO hall_tickets (day, seq, number, group_visit, headcount, name, status, issued_by, issued_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                args![day, seq, &number, group, i64::from(headcount), name, TicketStatus::Waiting.code(), actor.user_id, crate::now()],
            )
            .await?;
        crate::audit::append(
            &mut tx,
            Some(actor),
            "hall.issue",
            "ticket",
            &id.to_string(),
            serde_json::json!({"number": number}),
        )
        .await?;
        let t = ticket(&mut tx, id).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// 叫号 Call the next waiting number to the registration platform.
    pub async fn call_next(&self, actor: &Actor) -> Result<Option<Ticket>, StoreError> {
        check_hall(actor, HallAction::CallNext)?;
        let mut tx = self.pool.begin_write().await?;
        let next: Option<(i64,)> = tx
            .fetch_optional(
                &format!(
                    "SELECT id FROM hall_tickets WHERE day = $1 AND status = 'waiting' ORDER BY seq LIMIT 1{}",
                    tx.skip_locked()
                ),
                args![today()],
            )
            .await?;
        let Some((id,)) = next else { return Ok(None) };
        let now = crate::now();
        tx.execute("UPDATE hall_tickets SET status = 'called', called_at = $1 WHERE id = $2", args![now, id]).await?;
        let t = ticket(&mut tx, id).await?;
        record_call(&mut tx, actor, &t, PLATFORM, None).await?;
        tx.commit().await?;
        Ok(Some(t))
    }

    /// Move a ticket on (route it to a unit's window, or finish it), checking the queue rules.
    pub async fn move_ticket(
        &self,
        actor: &Actor,
        id: i64,
        action: HallAction,
        unit: Option<&str>,
    ) -> Result<Ticket, StoreError> {
        check_hall(actor, action)?;
        let mut tx = self.pool.begin_write().await?;
        let t = ticket(&mut tx, id).await?;
        let from = TicketStatus::from_code(&t.status)
            .ok_or_else(|| StoreError::Corrupt(format!("ticket status {}", t.status)))?;
        if actor.role == xinfang_core::user::Role::UnitStaff && t.unit.as_deref() != Some(actor.unit_code.as_str()) {
            return Err(StoreError::NotFound { what: "排队号" });
        }
        let to = ticket_transition(from, action)?;
        let now = crate::now();
        match action {
            HallAction::Route => {
                let code = unit.unwrap_or("");
                let uid = crate::units::unit_id(&mut tx, code).await?.ok_or_else(|| {
                    StoreError::Domain(DomainError::invalid(
                        "unit",
                        "unknown_unit",
                        format!("单位「{code}」不存在"),
                        format!("Unit '{code}' does not exist"),
                    ))
                })?;
                tx.execute(
                    "UPDATE hall_tickets SET status = $1, unit_id = $2, routed_at = $3 WHERE id = $4",
                    args![to.code(), uid, now, id],
                )
                .await?;
            }
            _ => {
                tx.execute(
                    "UPDATE hall_tickets SET status = $1, done_at = $2 WHERE id = $3",
                    args![to.code(), now, id],
                )
                .await?;
            }
        }
        crate::audit::append(
            &mut tx,
            Some(actor),
            "hall.move",
            "ticket",
            &id.to_string(),
            serde_json::json!({"to": to.code(), "unit": unit}),
        )
        .await?;
        let t = ticket(&mut tx, id).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// Call the next number routed to the actor's unit, to its window.
    pub async fn call_at_window(&self, actor: &Actor) -> Result<Option<Ticket>, StoreError> {
        check_hall(actor, HallAction::CallAtWindow)?;
        let mut tx = self.pool.begin_write().await?;
        let next: Option<(i64,)> = tx
            .fetch_optional(
                &format!(
                    "SELECT id FROM hall_tickets WHERE day = $1 AND status = 'routed' AND unit_id = $2 ORDER BY routed_at, seq LIMIT 1{}",
                    tx.skip_locked()
                ),
                args![today(), actor.unit_id],
            )
            .await?;
        let Some((id,)) = next else { return Ok(None) };
        tx.execute(
            "UPDATE hall_tickets SET status = 'at_window', unit_called_at = $1 WHERE id = $2",
            args![crate::now(), id],
        )
        .await?;
        let t = ticket(&mut tx, id).await?;
        let place = format!("{}窗口", t.unit_name.clone().unwrap_or_default());
        record_call(&mut tx, actor, &t, &place, Some(actor.unit_id)).await?;
        tx.commit().await?;
        Ok(Some(t))
    }

    /// Link a ticket to the case registered for it.
    pub async fn link_ticket(&self, actor: &Actor, id: i64, case_id: i64) -> Result<(), StoreError> {
        check_hall(actor, HallAction::Route).or_else(|_| check_hall(actor, HallAction::CallAtWindow))?;
        let mut tx = self.pool.begin_write().await?;
        ticket(&mut tx, id).await?;
        tx.execute("UPDATE hall_tickets SET case_id = $1 WHERE id = $2", args![case_id, id]).await?;
        crate::audit::append(
            &mut tx,
            Some(actor),
            "hall.link",
            "ticket",
            &id.to_string(),
            serde_json::json!({"case_id": case_id}),
        )
        .await?;
        tx.commit().await
    }

    /// Today's tickets for the staff console: the bureau sees all, a unit its own.
    pub async fn tickets_today(&self, actor: &Actor) -> Result<Vec<Ticket>, StoreError> {
        use xinfang_core::user::Role;
        let mut tx = self.pool.begin_read().await?;
        if !matches!(actor.role, Role::Clerk | Role::Leader | Role::Supervisor | Role::UnitStaff) {
            // Visitors' names are personal data: only the staff who work the queue see them.
            return Ok(vec![]);
        }
        if actor.is_bureau() {
            tx.fetch_all(&format!("{TICKET_SELECT} WHERE t.day = $1 ORDER BY t.seq"), args![today()]).await
        } else {
            tx.fetch_all(
                &format!("{TICKET_SELECT} WHERE t.day = $1 AND t.unit_id = $2 ORDER BY t.seq"),
                args![today(), actor.unit_id],
            )
            .await
        }
    }

    pub async fn ticket(&self, id: i64) -> Result<Ticket, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        ticket(&mut tx, id).await
    }

    /// Set who is on duty on a day (replaces that duty's names).
    pub async fn set_duty(
        &self,
        actor: Option<&Actor>,
        day: NaiveDate,
        duty: &str,
        names: &[String],
    ) -> Result<(), StoreError> {
        if !DUTIES.iter().any(|(d, _)| *d == duty) {
            let codes: Vec<&str> = DUTIES.iter().map(|d| d.0).collect();
            return Err(DomainError::invalid(
                "duty",
                "bad_duty",
                format!("值班类别「{duty}」无效，可选：{}", codes.join(", ")),
                format!("Unknown duty '{duty}'"),
            )
            .into());
        }
        let mut tx = self.pool.begin_write().await?;
        tx.execute("DELETE FROM duty_rota WHERE day = $1 AND duty = $2", args![day, duty]).await?;
        for n in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            tx.execute(
                "INSERT INTO duty_rota (day, duty, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                args![day, duty, n],
            )
            .await?;
        }
        crate::audit::append(
            &mut tx,
            actor,
            "rota.set",
            "rota",
            &format!("{day}/{duty}"),
            serde_json::json!({"names": names}),
        )
        .await?;
        tx.commit().await
    }

    /// The rota between two dates (inclusive): (day, duty, name), by day.
    pub async fn duty_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, String, String)>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        tx.fetch_all(
            "SELECT day, duty, name FROM duty_rota WHERE day >= $1 AND day <= $2 ORDER BY day, duty, name",
            args![from, to],
        )
        .await
    }

    /// Who is on a duty on a day (e.g. the leader of a leader reception day).
    pub async fn on_duty(&self, day: NaiveDate, duty: &str) -> Result<Vec<String>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let rows: Vec<(String,)> = tx
            .fetch_all("SELECT name FROM duty_rota WHERE day = $1 AND duty = $2 ORDER BY name", args![day, duty])
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// What the hall display shows now: no personal data beyond masked names.
    pub async fn hall_board(&self) -> Result<Board, StoreError> {
        let day = today();
        let mut tx = self.pool.begin_read().await?;
        let calls: Vec<CallRow> = tx
            .fetch_all(
                "SELECT c.id, t.number, c.place, t.name, c.at FROM hall_calls c JOIN hall_tickets t ON t.id = c.ticket_id \
                 WHERE t.day = $1 ORDER BY c.id DESC LIMIT 8",
                args![day],
            )
            .await?;
        let (waiting,): (i64,) = tx
            .fetch_one(
                "SELECT COUNT(*) FROM hall_tickets WHERE day = $1 AND status IN ('waiting', 'routed')",
                args![day],
            )
            .await?;
        let rota: Vec<(String, String)> =
            tx.fetch_all("SELECT duty, name FROM duty_rota WHERE day = $1 ORDER BY duty, name", args![day]).await?;
        let duty = DUTIES
            .iter()
            .map(|(code, label)| {
                (label.to_string(), rota.iter().filter(|r| r.0 == *code).map(|r| r.1.clone()).collect())
            })
            .collect();
        Ok(Board {
            day,
            last_call: calls.first().map(|c| c.0).unwrap_or(0),
            calls: calls
                .into_iter()
                .map(|(id, number, place, name, at)| CallView {
                    id,
                    number,
                    place,
                    name: name.map(|n| mask_name(&n)),
                    at,
                })
                .collect(),
            waiting,
            duty,
        })
    }

    /// Id of the newest call of the day (cheap: the display polls it).
    pub async fn last_call_id(&self) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let (id,): (i64,) = tx
            .fetch_one(
                "SELECT COALESCE(MAX(c.id), 0) FROM hall_calls c JOIN hall_tickets t ON t.id = c.ticket_id WHERE t.day = $1",
                args![today()],
            )
            .await?;
        Ok(id)
    }
}
