//! 后台任务 Background work: a job table leased with a timeout (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL), so several nodes can share one database and each job runs once; and the first
//! job kinds: the deadline scan that reminds units of duties falling due or overdue (in-app
//! notifications) and petitioners of a closing rating and review window (SMS), and the delivery
//! of one outbox message (`deliver`, see [`crate::outbox`]). A failed job is tried again after
//! an exponentially growing delay, capped ([`Retry`]), until its last attempt.

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use serde::Serialize;
use xinfang_core::case::local_date;
use xinfang_core::deadline::{self, reminder, Reminder};
use xinfang_core::lifecycle::CaseFacts;
use xinfang_core::user::Actor;

use crate::db::{args, Tx};
use crate::outbox::Deliver;
use crate::{Store, StoreError};

/// How long a leased job is reserved for the node that took it.
pub const LEASE_SECONDS: i64 = 300;
/// Attempts before a failing job is left for an operator (and its message marked failed).
pub const MAX_ATTEMPTS: i64 = 8;

/// How a failing job is tried again: after `first`, then twice as long each time, never longer
/// than `max`; given up after `attempts` attempts. The default (1 minute doubling to 1 hour, 8
/// attempts) keeps trying an SMS gateway for about two hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub first: Duration,
    pub max: Duration,
    pub attempts: i64,
}

impl Default for Retry {
    fn default() -> Self {
        Retry { first: Duration::minutes(1), max: Duration::hours(1), attempts: MAX_ATTEMPTS }
    }
}

impl Retry {
    /// The wait after attempt number `attempt` (from 1) failed: first · 2^(attempt−1), capped.
    pub fn delay(&self, attempt: i64) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1)).unwrap_or(0).min(30);
        let ms = self.first.num_milliseconds().max(0).saturating_mul(1i64 << doublings);
        Duration::milliseconds(ms).min(self.max)
    }
}

/// A job taken by a worker.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

/// An in-app notification for a unit.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub case_id: Option<i64>,
    pub kind: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

async fn notify(
    tx: &mut Tx,
    unit_id: i64,
    case_id: i64,
    kind: Reminder,
    key: String,
    message: String,
) -> Result<u64, StoreError> {
    tx.execute(
        "INSERT INTO notifications (unit_id, case_id, kind, message, dedupe_key, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (dedupe_key) DO NOTHING",
        args![unit_id, case_id, kind.code(), message, key, crate::now()],
    )
    .await
}

/// Queue a job in the caller's transaction; a job with the same `dedupe_key` is queued once.
pub(crate) async fn enqueue_tx(
    tx: &mut Tx,
    kind: &str,
    payload: &str,
    run_at: DateTime<Utc>,
    dedupe_key: Option<&str>,
) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "INSERT INTO jobs (kind, payload, dedupe_key, run_at, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (dedupe_key) DO NOTHING",
            args![kind, payload, dedupe_key, run_at, crate::now()],
        )
        .await?;
    Ok(n == 1)
}

/// How many due jobs one pass of [`Store::run_jobs`] takes.
pub const JOB_BATCH: i64 = 10;

impl Store {
    /// Queue a job; a job with the same `dedupe_key` is queued once.
    pub async fn enqueue_job(
        &self,
        kind: &str,
        payload: &str,
        run_at: DateTime<Utc>,
        dedupe_key: Option<&str>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let queued = enqueue_tx(&mut tx, kind, payload, run_at, dedupe_key).await?;
        tx.commit().await?;
        Ok(queued)
    }

    /// How failing jobs are retried (see [`Retry`]).
    pub fn retry(&self) -> Retry {
        self.retry
    }

    /// Wait until this node queues a message (or anything else worth a worker's look).
    pub async fn work_queued(&self) {
        self.wake.notified().await
    }

    /// Take up to `limit` due jobs for this worker. A job whose lease ran out (its node died) is
    /// taken again.
    pub async fn lease_jobs(&self, worker: &str, limit: i64, now: DateTime<Utc>) -> Result<Vec<Job>, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let ids: Vec<(i64,)> = tx
            .fetch_all(
                &format!(
                    "SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $1 AND attempts < $2 \
                     AND (leased_until IS NULL OR leased_until < $1) ORDER BY run_at, id LIMIT $3{}",
                    tx.skip_locked()
                ),
                args![now, self.retry.attempts, limit],
            )
            .await?;
        let mut jobs = Vec::new();
        for (id,) in ids {
            tx.execute(
                "UPDATE jobs SET leased_until = $1, leased_by = $2, attempts = attempts + 1 WHERE id = $3",
                args![now + Duration::seconds(LEASE_SECONDS), worker, id],
            )
            .await?;
            jobs.push(tx.fetch_one("SELECT id, kind, payload, attempts FROM jobs WHERE id = $1", args![id]).await?);
        }
        tx.commit().await?;
        Ok(jobs)
    }

    async fn finish_job(&self, job: &Job, error: Option<String>, now: DateTime<Utc>) -> Result<(), StoreError> {
        let id = job.id;
        let mut tx = self.pool.begin_write().await?;
        match error {
            None => {
                tx.execute(
                    "UPDATE jobs SET done_at = $1, leased_until = NULL, last_error = NULL WHERE id = $2",
                    args![now, id],
                )
                .await?
            }
            // Retry later, backing off; the lease is released. After the last attempt it stays
            // here, with its error, for an operator.
            Some(e) => {
                tx.execute(
                    "UPDATE jobs SET leased_until = NULL, last_error = $1, run_at = $2 WHERE id = $3",
                    args![e, now + self.retry.delay(job.attempts), id],
                )
                .await?
            }
        };
        tx.commit().await
    }

    /// Queue this hour's deadline scan (once per hour, whichever node gets there first).
    pub async fn schedule_deadline_scan(&self, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let key = format!("deadline_scan:{}", now.format("%Y-%m-%dT%H"));
        self.enqueue_job("deadline_scan", "{}", now, Some(&key)).await
    }

    /// Lease and run the due jobs, sending messages through `deliver`; returns how many ran
    /// successfully.
    pub async fn run_jobs(&self, worker: &str, now: DateTime<Utc>, deliver: &dyn Deliver) -> Result<usize, StoreError> {
        let mut ok = 0;
        let started = std::time::Instant::now();
        for job in self.lease_jobs(worker, JOB_BATCH, now).await? {
            // The batch takes time (a slow gateway): each job's lease is renewed before it runs,
            // and one whose lease ran out meanwhile (another node may hold it now) is left alone.
            let now = (now + Duration::from_std(started.elapsed()).unwrap_or_default()).trunc_subsecs(6);
            if !self.renew_lease(&job, worker, now).await? {
                tracing::warn!(job = job.id, kind = %job.kind, "lease ran out before the job ran; left to the next taker");
                continue;
            }
            let result = match job.kind.as_str() {
                "deadline_scan" => self.scheduled_scan(local_date(now)).await.map(Ok),
                "deliver" => match job.payload.parse::<i64>() {
                    Ok(id) => self.deliver_message(id, job.attempts, deliver, now).await,
                    Err(_) => Err(StoreError::Corrupt(format!("deliver job {} without a message id", job.id))),
                },
                other => Err(StoreError::Corrupt(format!("unknown job kind {other}"))),
            };
            let error = match result {
                Ok(Ok(())) => None,
                Ok(Err(why)) => Some(why),
                Err(e) => {
                    tracing::warn!(job = job.id, kind = %job.kind, error = %e, "job failed");
                    Some(e.to_string())
                }
            };
            if error.is_none() {
                ok += 1;
            }
            self.finish_job(&job, error, now).await?;
        }
        Ok(ok)
    }

    /// Extend this worker's lease of a job, if it still holds it.
    async fn renew_lease(&self, job: &Job, worker: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let n = tx
            .execute(
                "UPDATE jobs SET leased_until = $1 WHERE id = $2 AND leased_by = $3 AND leased_until >= $4 \
                 AND attempts = $5 AND done_at IS NULL",
                args![now + Duration::seconds(LEASE_SECONDS), job.id, worker, now, job.attempts],
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// The hourly scan: units' reminders, then petitioners' closing windows.
    async fn scheduled_scan(&self, today: NaiveDate) -> Result<(), StoreError> {
        self.scan_deadlines(today).await?;
        self.remind_closing_windows(today).await?;
        Ok(())
    }

    /// 到期提醒 Remind units of their duties falling due within the policy's days, and of
    /// overdue ones — once per duty, due date and kind. Returns the notifications created.
    pub async fn scan_deadlines(&self, today: NaiveDate) -> Result<u64, StoreError> {
        let horizon = today + Duration::days(i64::from(self.policy.remind_days_before));
        let mut tx = self.pool.begin_write().await?;
        let cal = self.current_calendar(&mut tx).await?;
        let bureau = crate::units::bureau_code(&mut tx).await?;
        let bureau_id = crate::units::unit_id(&mut tx, &bureau).await?.unwrap_or_default();
        // Every open case with a duty due by the horizon (the stored next due date is the nearest).
        let candidates: Vec<(i64, String)> = tx
            .fetch_all(
                "SELECT id, number FROM cases WHERE next_due_on IS NOT NULL AND next_due_on <= $1 ORDER BY id",
                args![horizon],
            )
            .await?;
        let mut created = 0;
        for (case_id, number) in candidates {
            let events = crate::cases::events_of(&mut tx, case_id).await?;
            let Some(facts) = CaseFacts::from_events(&events) else { continue };
            let handler = match facts.lead_unit.as_deref() {
                Some(code) => crate::units::unit_id(&mut tx, code).await?.unwrap_or(bureau_id),
                None => bureau_id,
            };
            // compute() lists the meeting tasks' deadlines in the order of facts.tasks.
            let mut task_no = 0;
            for d in deadline::compute(&facts, &cal, &self.policy) {
                let task = if d.name == "task_by" {
                    task_no += 1;
                    facts.tasks.get(task_no - 1)
                } else {
                    None
                };
                let Some(kind) = reminder(&d, today, &self.policy) else { continue };
                let (unit, message, key) = match task {
                    // Each task reminds the unit the meeting made responsible for it.
                    Some(t) => {
                        let Some(unit) = crate::units::unit_id(&mut tx, &t.unit).await? else { continue };
                        let message = match kind {
                            Reminder::DueSoon => {
                                format!("事项 {number} 协调会第 {task_no} 项决定「{}」将于 {} 到期", t.content, d.due)
                            }
                            Reminder::Overdue => {
                                format!("事项 {number} 协调会第 {task_no} 项决定「{}」已于 {} 超期", t.content, d.due)
                            }
                        };
                        (unit, message, format!("{case_id}:task{task_no}:{}:{}", d.due, kind.code()))
                    }
                    None => {
                        let unit = if matches!(d.name, "triage_by" | "review_by" | "rereview_by") {
                            bureau_id
                        } else {
                            handler
                        };
                        let message = match kind {
                            Reminder::DueSoon => format!("事项 {number} 的「{}」期限 {} 即将届满", d.label_zh, d.due),
                            Reminder::Overdue => format!("事项 {number} 的「{}」期限 {} 已超期", d.label_zh, d.due),
                        };
                        (unit, message, format!("{case_id}:{}:{}:{}", d.name, d.due, kind.code()))
                    }
                };
                created += notify(&mut tx, unit, case_id, kind, key, message).await?;
            }
        }
        tx.commit().await?;
        Ok(created)
    }

    /// The notifications of the actor's unit, newest first.
    pub async fn notifications(
        &self,
        actor: &Actor,
        unread_only: bool,
        limit: i64,
    ) -> Result<Vec<Notification>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let sql = format!(
            "SELECT id, case_id, kind, message, created_at, read_at FROM notifications WHERE unit_id = $1{} ORDER BY id DESC LIMIT $2",
            if unread_only { " AND read_at IS NULL" } else { "" }
        );
        tx.fetch_all(&sql, args![actor.unit_id, limit]).await
    }

    pub async fn unread_notifications(&self, actor: &Actor) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let (n,): (i64,) = tx
            .fetch_one(
                "SELECT COUNT(*) FROM notifications WHERE unit_id = $1 AND read_at IS NULL",
                args![actor.unit_id],
            )
            .await?;
        Ok(n)
    }

    /// Mark the actor's unit's notifications read (all, or one).
    pub async fn mark_notifications_read(&self, actor: &Actor, id: Option<i64>) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let n = match id {
            Some(id) => {
                tx.execute(
                    "UPDATE notifications SET read_at = $1 WHERE unit_id = $2 AND id = $3 AND read_at IS NULL",
                    args![crate::now(), actor.unit_id, id],
                )
                .await?
            }
            None => {
                tx.execute(
                    "UPDATE notifications SET read_at = $1 WHERE unit_id = $2 AND read_at IS NULL",
                    args![crate::now(), actor.unit_id],
                )
                .await?
            }
        };
        tx.commit().await?;
        Ok(n)
    }
}
