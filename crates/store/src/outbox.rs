//! 消息发件箱 The notification outbox: every message to a petitioner's phone (or to an e-mail
//! address) is a row here, queued in the transaction of what caused it, together with the leased
//! background job (`deliver`) that sends it. The store does no network I/O: `run_jobs` hands each
//! message to a [`Deliver`] implementation (the binary's log, HTTP SMS gateway and SMTP channels)
//! and records the outcome — sent with the provider's message id, or the error and the next
//! attempt, backing off, until the last attempt marks it failed.
//!
//! Recipients and bodies are encrypted at rest (a body may carry a query code or a one-time code);
//! the masked recipient is what staff see.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use xinfang_core::deadline::{self, DeadlineKind};
use xinfang_core::lifecycle::{EventKind, State};
use xinfang_core::notice::{self, Kind};
use xinfang_core::petitioner::mask_phone;
use xinfang_core::user::{Actor, Role};
use xinfang_core::DomainError;

use crate::cases::{Page, MAX_PER_PAGE};
use crate::db::{args, Tx};
use crate::followups::Followup;
use crate::{Store, StoreError};

/// The medium a message is addressed to.
pub const SMS: &str = "sms";
pub const EMAIL: &str = "email";

/// One message handed to a channel, recipient and body in clear.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: i64,
    /// `sms` or `email`.
    pub channel: String,
    pub recipient: String,
    pub recipient_masked: String,
    pub kind: String,
    pub body: String,
    pub case_id: Option<i64>,
    /// This attempt's number, from 1.
    pub attempt: i64,
}

/// A message accepted by a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// Which channel took it: `log`, `http`, `smtp`.
    pub provider: String,
    /// The provider's id for the message, if it gave one.
    pub provider_message_id: Option<String>,
}

/// What a channel's attempt comes to: delivered, or why not (it is tried again, backing off).
pub type DeliveryFuture<'a> = Pin<Box<dyn Future<Output = Result<Delivered, String>> + Send + 'a>>;

/// A way to send messages: the binary wires its channels behind this.
pub trait Deliver: Send + Sync {
    fn deliver<'a>(&'a self, msg: &'a Outgoing) -> DeliveryFuture<'a>;
}

/// A plain function delivers too (tests, and a channel that does no I/O).
impl<F> Deliver for F
where
    F: Fn(&Outgoing) -> Result<Delivered, String> + Send + Sync,
{
    fn deliver<'a>(&'a self, msg: &'a Outgoing) -> DeliveryFuture<'a> {
        let r = self(msg);
        Box::pin(async move { r })
    }
}

/// One outbox row as staff see it: recipient masked, no body.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxRow {
    pub id: i64,
    /// `sms` or `email`.
    pub channel: String,
    pub recipient_masked: String,
    /// `registered`, `accepted`, `rejected`, `extended`, `replied`, `window_closing`, or a kind
    /// of the portal's (`phone_code`, …).
    pub kind: String,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// The channel that delivered it: `log`, `http`, `smtp`.
    pub provider: Option<String>,
    pub provider_message_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Which outbox rows to list.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct OutboxFilter {
    /// `pending`, `sent` or `failed`.
    pub status: Option<String>,
    pub case_id: Option<i64>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// Where a message goes.
struct Recipient<'a> {
    channel: &'a str,
    address: &'a str,
    masked: &'a str,
}

#[derive(sqlx::FromRow)]
struct Pending {
    id: i64,
    channel: String,
    recipient_cipher: String,
    recipient_masked: String,
    kind: String,
    body_cipher: String,
    case_id: Option<i64>,
    status: String,
}

/// A mainland mobile number (a landline cannot take a text message).
pub fn is_mobile(phone: &str) -> bool {
    phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit())
}

/// `l***@example.com`
pub fn mask_email(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "***".to_string(),
    }
}

/// The petitioner's messages that follow an event (registration, the acceptance decision, an
/// extension, the reply), queued in the event's transaction.
pub(crate) async fn queue_for_event(store: &Store, tx: &mut Tx, f: &Followup<'_>) -> Result<(), StoreError> {
    store.queue_event_messages(tx, f).await
}

impl Store {
    /// Queue an SMS to `phone` (its own transaction). A message with the same `dedupe_key` is
    /// queued once; its id is returned either way.
    pub async fn queue_sms(
        &self,
        phone: &str,
        kind: &str,
        body: &str,
        case_id: Option<i64>,
        dedupe_key: Option<&str>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let id = self.queue_sms_tx(&mut tx, phone, kind, body, case_id, dedupe_key).await?;
        self.commit_and_wake(tx).await?;
        Ok(id)
    }

    /// Queue an SMS inside the caller's transaction (it is sent only if that commits).
    pub(crate) async fn queue_sms_tx(
        &self,
        tx: &mut Tx,
        phone: &str,
        kind: &str,
        body: &str,
        case_id: Option<i64>,
        dedupe_key: Option<&str>,
    ) -> Result<i64, StoreError> {
        let to = Recipient { channel: SMS, address: phone, masked: &mask_phone(phone) };
        Ok(self.queue_tx(tx, &to, kind, body, case_id, dedupe_key, crate::now()).await?.0)
    }

    /// Queue an e-mail to `address` (staff notices, addresses the operator configures), like
    /// [`Store::queue_sms`].
    pub async fn queue_email(
        &self,
        address: &str,
        kind: &str,
        body: &str,
        case_id: Option<i64>,
        dedupe_key: Option<&str>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let to = Recipient { channel: EMAIL, address, masked: &mask_email(address) };
        let (id, _) = self.queue_tx(&mut tx, &to, kind, body, case_id, dedupe_key, crate::now()).await?;
        self.commit_and_wake(tx).await?;
        Ok(id)
    }

    /// Commit what was queued and wake this node's worker to send it.
    pub(crate) async fn commit_and_wake(&self, tx: Tx) -> Result<(), StoreError> {
        tx.commit().await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Queue a message and its delivery job, due at `now`; the id, and whether it is new (a
    /// message with the same `dedupe_key` is queued once).
    #[allow(clippy::too_many_arguments)]
    async fn queue_tx(
        &self,
        tx: &mut Tx,
        to: &Recipient<'_>,
        kind: &str,
        body: &str,
        case_id: Option<i64>,
        dedupe_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(i64, bool), StoreError> {
        let inserted: Option<(i64,)> = tx
            .fetch_optional(
                "INSERT INTO outbox (channel, recipient_cipher, recipient_masked, kind, body_cipher, case_id, \
                 next_attempt_at, dedupe_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7) \
                 ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
                args![
                    to.channel,
                    self.vault.encrypt(to.address.trim()),
                    to.masked,
                    kind,
                    self.vault.encrypt(body),
                    case_id,
                    now,
                    dedupe_key
                ],
            )
            .await?;
        let id = match inserted {
            Some((id,)) => id,
            None => {
                let (id,): (i64,) =
                    tx.fetch_one("SELECT id FROM outbox WHERE dedupe_key = $1", args![dedupe_key]).await?;
                return Ok((id, false));
            }
        };
        crate::jobs::enqueue_tx(tx, "deliver", &id.to_string(), now, Some(&format!("deliver:{id}"))).await?;
        tracing::debug!(message = id, channel = to.channel, kind, "message queued");
        Ok((id, true))
    }

    /// See [`queue_for_event`].
    async fn queue_event_messages(&self, tx: &mut Tx, f: &Followup<'_>) -> Result<(), StoreError> {
        let n = f.number;
        let body = match &f.event.kind {
            EventKind::Registered { .. } => (Kind::Registered, notice::registered(n, f.query_code, self.portal())),
            EventKind::Accepted { unit, .. } => {
                let name: Option<(String,)> =
                    tx.fetch_optional("SELECT name FROM units WHERE code = $1", args![unit]).await?;
                (Kind::Accepted, notice::accepted(n, name.map(|r| r.0).as_deref().unwrap_or(unit)))
            }
            EventKind::Rejected { legal_route, .. } => (Kind::Rejected, notice::rejected(n, legal_route)),
            EventKind::Extended { reason, .. } => {
                let cal = self.current_calendar(tx).await?;
                let due = deadline::compute(f.facts, &cal, &self.policy)
                    .into_iter()
                    .find(|d| d.name == "handle_by")
                    .map(|d| d.due)
                    .ok_or_else(|| StoreError::Corrupt(format!("case {} extended without a handling period", n)))?;
                (Kind::Extended, notice::extended(n, due, reason))
            }
            EventKind::Replied { .. } => {
                let cal = self.current_calendar(tx).await?;
                let end = deadline::compute(f.facts, &cal, &self.policy)
                    .into_iter()
                    .find(|d| d.name == "review_request_by")
                    .map(|d| d.due);
                (Kind::Replied, notice::replied(n, end))
            }
            _ => return Ok(()),
        };
        let (kind, text) = body;
        let key = format!("case:{}:{}", f.case_id, f.seq);
        // Due when the event happened (a replayed registration's messages are due at once).
        self.queue_to_petitioners(tx, f.case_id, kind, &text, &key, f.event.at).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// One message to each petitioner the case's messages go to: the representatives, or the
    /// first petitioner with a phone when none is marked — each phone once. `key` makes it once.
    async fn queue_to_petitioners(
        &self,
        tx: &mut Tx,
        case_id: i64,
        kind: Kind,
        text: &str,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let phones: Vec<(String, String, bool)> = tx
            .fetch_all(
                "SELECT phone_cipher, phone_index, representative FROM petitioners \
                 WHERE case_id = $1 AND phone_cipher IS NOT NULL AND phone_index IS NOT NULL ORDER BY ord",
                args![case_id],
            )
            .await?;
        let any_representative = phones.iter().any(|p| p.2);
        let mut seen = Vec::new();
        let mut queued = 0;
        for (cipher, index, representative) in phones {
            if (any_representative && !representative) || seen.contains(&index) {
                continue;
            }
            let phone = self.vault.decrypt(&cipher)?;
            if !is_mobile(&phone) {
                // A landline takes no text messages: the next one in line does.
                continue;
            }
            let to = Recipient { channel: SMS, address: &phone, masked: &mask_phone(&phone) };
            let dedupe = format!("{key}:{index}");
            let (_, new) = self.queue_tx(tx, &to, kind.code(), text, Some(case_id), Some(&dedupe), now).await?;
            queued += u64::from(new);
            seen.push(index);
            if !any_representative {
                break;
            }
        }
        Ok(queued)
    }

    fn portal(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    /// 评价与复查期限提醒 Remind petitioners that the window to rate and to request review (or
    /// re-review) closes within the policy's reminder days — once per case and window. Runs with
    /// the deadline scan; returns the messages queued.
    pub async fn remind_closing_windows(&self, today: NaiveDate) -> Result<u64, StoreError> {
        let horizon = today + chrono::Duration::days(i64::from(self.policy.remind_days_before));
        let now = crate::now();
        let mut tx = self.pool.begin_write().await?;
        let cal = self.current_calendar(&mut tx).await?;
        // A window that can close by the horizon opened (with the reply or review, the case's last
        // change at the latest) within its length and a holiday's postponement before today.
        let since = today - chrono::Duration::days(i64::from(self.policy.review_request_days) + 15);
        let since = since.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let candidates: Vec<(i64, String)> = tx
            .fetch_all(
                "SELECT id, number FROM cases WHERE state IN ($1, $2) AND updated_at >= $3 ORDER BY id",
                args![State::Replied.code(), State::Reviewed.code(), since],
            )
            .await?;
        let mut queued = 0;
        for (case_id, number) in candidates {
            let events = crate::cases::events_of(&mut tx, case_id).await?;
            let Some(facts) = xinfang_core::lifecycle::CaseFacts::from_events(&events) else { continue };
            for d in deadline::compute(&facts, &cal, &self.policy) {
                let open = d.kind == DeadlineKind::Window && d.completed_on.is_none();
                if !open || !matches!(d.name, "review_request_by" | "rereview_request_by") {
                    continue;
                }
                if d.due < today || d.due > horizon {
                    continue;
                }
                let text = notice::window_closing(&number, d.label_zh, d.due);
                let key = format!("window:{case_id}:{}:{}", d.name, d.due);
                queued += self.queue_to_petitioners(&mut tx, case_id, Kind::WindowClosing, &text, &key, now).await?;
            }
        }
        tx.commit().await?;
        Ok(queued)
    }

    /// Send one queued message through `deliver` and record what happened. `Ok(Err(why))` (with
    /// the outbox row updated) when the attempt failed, so the job backs off and tries again.
    pub(crate) async fn deliver_message(
        &self,
        id: i64,
        attempt: i64,
        deliver: &dyn Deliver,
        now: DateTime<Utc>,
    ) -> Result<Result<(), String>, StoreError> {
        let row: Option<Pending> = {
            let mut tx = self.pool.begin_read().await?;
            tx.fetch_optional(
                "SELECT id, channel, recipient_cipher, recipient_masked, kind, body_cipher, case_id, status \
                 FROM outbox WHERE id = $1",
                args![id],
            )
            .await?
        };
        let Some(row) = row else { return Ok(Ok(())) };
        if row.status != "pending" {
            return Ok(Ok(()));
        }
        let msg = Outgoing {
            id: row.id,
            channel: row.channel,
            recipient: self.vault.decrypt(&row.recipient_cipher)?,
            recipient_masked: row.recipient_masked,
            kind: row.kind,
            body: self.vault.decrypt(&row.body_cipher)?,
            case_id: row.case_id,
            attempt,
        };
        let result = deliver.deliver(&msg).await;
        let mut tx = self.pool.begin_write().await?;
        match result {
            Ok(d) => {
                tx.execute(
                    "UPDATE outbox SET status = 'sent', attempts = $1, sent_at = $2, next_attempt_at = NULL, \
                     last_error = NULL, provider = $3, provider_message_id = $4 WHERE id = $5",
                    args![attempt, now, d.provider, d.provider_message_id, id],
                )
                .await?;
                tx.commit().await?;
                Ok(Ok(()))
            }
            Err(error) => {
                let last = attempt >= self.retry.attempts;
                let next = (!last).then(|| now + self.retry.delay(attempt));
                tx.execute(
                    "UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4 WHERE id = $5",
                    args![if last { "failed" } else { "pending" }, attempt, next, &error, id],
                )
                .await?;
                tx.commit().await?;
                tracing::warn!(message = id, kind = %msg.kind, to = %msg.recipient_masked, attempt, error = %error, "message not delivered");
                Ok(Err(error))
            }
        }
    }

    /// 发件箱 The outbox for administrators and the bureau's leaders and supervisors: newest first,
    /// recipients masked, bodies not shown.
    pub async fn outbox(&self, actor: &Actor, f: &OutboxFilter) -> Result<Page<OutboxRow>, StoreError> {
        let allowed = actor.role == Role::Admin
            || (actor.is_bureau() && matches!(actor.role, Role::Leader | Role::Supervisor | Role::Clerk));
        if !allowed {
            return Err(DomainError::forbidden(
                "只有系统管理员和信访部门工作人员可以查看消息发送记录",
                "Only administrators and the bureau's staff see the message outbox",
            )
            .into());
        }
        let per_page = f.per_page.unwrap_or(50).clamp(1, MAX_PER_PAGE);
        let page = f.page.unwrap_or(1).max(1);
        let mut tx = self.pool.begin_read().await?;
        let filter = "($1 IS NULL OR o.status = $1) AND ($2 IS NULL OR o.case_id = $2)";
        let status = f.status.clone().filter(|s| !s.is_empty());
        let (total,): (i64,) = tx
            .fetch_one(&format!("SELECT COUNT(*) FROM outbox o WHERE {filter}"), args![status.clone(), f.case_id])
            .await?;
        let items = tx
            .fetch_all(
                &format!(
                    "SELECT o.id, o.channel, o.recipient_masked, o.kind, o.case_id, c.number AS case_number, o.status, \
                     o.attempts, o.next_attempt_at, o.last_error, o.provider, o.provider_message_id, o.created_at, \
                     o.sent_at FROM outbox o LEFT JOIN cases c ON c.id = o.case_id WHERE {filter} \
                     ORDER BY o.id DESC LIMIT $3 OFFSET $4"
                ),
                args![status, f.case_id, i64::from(per_page), i64::from(page - 1) * i64::from(per_page)],
            )
            .await?;
        Ok(Page { items, total, page, per_page, total_capped: false })
    }
}
