//! Open311 GeoReport v2: API keys, the service requests that came in through it, and what the
//! public may read of them.
//!
//! Public reads are deliberately narrow: only cases posted through Open311 are listed (not every
//! web petition, nor those registered at the counter), never an accusation (检举控告), and a row
//! carries no name, phone, address of a person nor any text typed by anyone — see
//! [`PublicRequest`].

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use xinfang_core::case::RegisterInput;
use xinfang_core::lifecycle::{CaseFacts, State};
use xinfang_core::open311::{PublicStatus, MAX_REQUESTS};
use xinfang_core::user::Actor;
use xinfang_core::DomainError;

use crate::cases::{CaseView, Sql};
use crate::db::{args, Tx};
use crate::portal::PublicSource;
use crate::{Store, StoreError};

/// Longest key name, in characters.
pub const MAX_KEY_NAME_CHARS: usize = 64;

/// An API key as administrators see it (never the key itself: only its hash is kept).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Open311Key {
    pub id: i64,
    pub name: String,
    /// Username of the administrator who made it; none when made on the command line.
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A service request as the public may read it: the case number, its state, the category, the
/// county or district where the matter arose (not an address), the handling unit, and dates.
/// No petitioner, no statement, no reason or opinion typed by staff.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PublicRequest {
    pub number: String,
    pub state: String,
    pub category: String,
    pub category_name: String,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The nearest open statutory duty's due date (none once nothing is due).
    pub next_due_on: Option<NaiveDate>,
    /// The lead unit's name, once the case is routed.
    pub agency: Option<String>,
    /// The county or district's name.
    pub county: Option<String>,
}

impl PublicRequest {
    pub fn state(&self) -> Result<State, StoreError> {
        State::from_code(&self.state).ok_or_else(|| StoreError::Corrupt(format!("state {}", self.state)))
    }
}

/// A change of a listed case's state (the `servicerequestupdates` extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUpdate {
    /// `<case number>-<event number>`: stable and unique.
    pub update_id: String,
    pub number: String,
    pub state: State,
    pub at: DateTime<Utc>,
}

/// Filters of GET Service Requests, already checked (see `xinfang_core::open311::date_range`).
#[derive(Debug, Clone, Default)]
pub struct RequestQuery {
    /// Case numbers; when given, every other filter is ignored ("This overrides all other arguments").
    pub ids: Vec<String>,
    pub service_codes: Vec<String>,
    pub statuses: Vec<PublicStatus>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// What a successful POST Service Request answers.
#[derive(Debug, Clone)]
pub struct PostedRequest {
    pub case: CaseView,
    pub token: String,
    /// 查询码 the petitioner's query code for the portal (secret: never in a public answer).
    pub query_code: String,
}

fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.trim().as_bytes()))
}

fn random_hex(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    hex::encode(raw)
}

const PUBLIC_SELECT: &str = "SELECT c.number, c.state, c.category, cat.name AS category_name, c.received_at, \
    c.updated_at, c.next_due_on, lu.name AS agency, pu.name AS county \
    FROM open311_requests o JOIN cases c ON c.id = o.case_id JOIN categories cat ON cat.code = c.category \
    LEFT JOIN units lu ON lu.id = c.lead_unit_id LEFT JOIN units pu ON pu.code = c.place_county \
    WHERE c.petition_type <> 'accusation'";

/// `$a, $b, …` for a list of values.
fn in_list(sql: &mut Sql, values: impl IntoIterator<Item = String>) -> String {
    values.into_iter().map(|v| sql.arg(v)).collect::<Vec<_>>().join(", ")
}

fn check_admin(actor: Option<&Actor>) -> Result<(), StoreError> {
    match actor {
        Some(a) => crate::admin::require_admin(a),
        // The command line: whoever can reach the database is the operator.
        None => Ok(()),
    }
}

impl Store {
    /// Make an API key named `name`. The key is returned once and kept only as its hash.
    /// `actor` is the administrator (none on the command line). Audited.
    pub async fn add_open311_key(&self, actor: Option<&Actor>, name: &str) -> Result<(Open311Key, String), StoreError> {
        check_admin(actor)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_KEY_NAME_CHARS {
            return Err(DomainError::invalid(
                "name",
                "key_name_required",
                format!("请填写密钥名称（使用该密钥的系统，最长 {MAX_KEY_NAME_CHARS} 字）"),
                format!("Name the key after the system that uses it (at most {MAX_KEY_NAME_CHARS} characters)"),
            )
            .into());
        }
        let key = random_hex(32);
        let now = crate::now();
        let mut tx = self.pool.begin_write().await?;
        let (id,): (i64,) = tx
            .fetch_one(
                "INSERT INTO open311_keys (name, key_hash, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                args![name, key_hash(&key), actor.map(|a| a.user_id), now],
            )
            .await?;
        crate::audit::append(
            &mut tx,
            actor,
            "open311.key.add",
            "open311_key",
            &id.to_string(),
            serde_json::json!({"name": name}),
        )
        .await?;
        let row = key_row(&mut tx, id).await?;
        tx.commit().await?;
        Ok((row, key))
    }

    /// Every key, newest first.
    pub async fn list_open311_keys(&self) -> Result<Vec<Open311Key>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        tx.fetch_all(&format!("{KEY_SELECT} ORDER BY k.id DESC"), args![]).await
    }

    /// Revoke a key: posts with it are refused from now on. Audited.
    pub async fn revoke_open311_key(&self, actor: Option<&Actor>, id: i64) -> Result<Open311Key, StoreError> {
        check_admin(actor)?;
        let mut tx = self.pool.begin_write().await?;
        let n = tx
            .execute(
                "UPDATE open311_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                args![crate::now(), id],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound { what: "有效的 Open311 密钥" });
        }
        crate::audit::append(
            &mut tx,
            actor,
            "open311.key.revoke",
            "open311_key",
            &id.to_string(),
            serde_json::json!({}),
        )
        .await?;
        let row = key_row(&mut tx, id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The key a POST came with: valid (not revoked) and under its hourly limit of posts, which is
    /// counted from the database so it holds across nodes. Unknown or revoked keys are
    /// [`StoreError::Unauthenticated`]; too many posts a `Conflict` with code `open311_rate_limited`.
    pub async fn open311_key_for_post(&self, key: &str, posts_per_hour: i64) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let found: Option<(i64,)> = tx
            .fetch_optional(
                "SELECT id FROM open311_keys WHERE key_hash = $1 AND revoked_at IS NULL",
                args![key_hash(key)],
            )
            .await?;
        let (id,) = found.ok_or(StoreError::Unauthenticated)?;
        let (posts,): (i64,) = tx
            .fetch_one(
                "SELECT COUNT(*) FROM open311_requests WHERE key_id = $1 AND created_at > $2",
                args![id, crate::now() - Duration::hours(1)],
            )
            .await?;
        if posts >= posts_per_hour {
            return Err(StoreError::conflict(
                "open311_rate_limited",
                format!("该密钥一小时内已提交 {posts} 件，已达上限，请稍后再试"),
                format!("This key posted {posts} requests within the hour, the limit; try again later"),
            ));
        }
        Ok(id)
    }

    /// POST Service Request: register the petition as a web-channel case of the public (the
    /// Open311 system account), record that it came through Open311 with this key, and audit the
    /// key's use — in one transaction.
    pub async fn post_open311_request(
        &self,
        key_id: i64,
        input: &RegisterInput,
        lat: Option<f64>,
        long: Option<f64>,
    ) -> Result<PostedRequest, StoreError> {
        let token = random_hex(16);
        let mut tx = self.pool.begin_write().await?;
        let (case, query_code) = self.register_public_in(&mut tx, PublicSource::Open311, input).await?;
        tx.execute(
            "INSERT INTO open311_requests (case_id, key_id, token, lat, long, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            args![case.id, key_id, token.as_str(), lat.map(|v| v.to_string()), long.map(|v| v.to_string()), crate::now()],
        )
        .await?;
        tx.execute("UPDATE open311_keys SET last_used_at = $1 WHERE id = $2", args![crate::now(), key_id]).await?;
        crate::audit::append(
            &mut tx,
            None,
            "open311.key.use",
            "open311_key",
            &key_id.to_string(),
            serde_json::json!({"case_id": case.id, "number": case.number}),
        )
        .await?;
        tx.commit().await?;
        Ok(PostedRequest { case, token, query_code })
    }

    /// The discovery document's `changeset`: when the services or their definitions (categories,
    /// counties) last changed, from the audit log; the start of 2026 when they never did.
    pub async fn open311_changeset(&self) -> Result<DateTime<Utc>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let (at,): (Option<DateTime<Utc>>,) = tx
            .fetch_one("SELECT MAX(at) FROM audit_log WHERE action LIKE 'category.%' OR action LIKE 'unit.%'", args![])
            .await?;
        Ok(at.unwrap_or_else(|| DateTime::<Utc>::from_timestamp(1_767_196_800, 0).unwrap_or_default()))
    }

    /// GET Service Requests: the listed cases matching the filters, newest first, at most 1000.
    pub async fn open311_requests(&self, q: &RequestQuery) -> Result<Vec<PublicRequest>, StoreError> {
        let mut sql = Sql::new(PUBLIC_SELECT);
        if !q.ids.is_empty() {
            let list = in_list(&mut sql, q.ids.iter().cloned());
            sql.push(&format!(" AND c.number IN ({list})"));
        } else {
            if !q.service_codes.is_empty() {
                let list = in_list(&mut sql, q.service_codes.iter().cloned());
                sql.push(&format!(" AND c.category IN ({list})"));
            }
            if !q.statuses.is_empty() {
                let states = q.statuses.iter().flat_map(|s| s.states()).map(|s| s.code().to_string());
                let list = in_list(&mut sql, states);
                sql.push(&format!(" AND c.state IN ({list})"));
            }
            if let Some(s) = q.start {
                let p = sql.arg(s);
                sql.push(&format!(" AND c.received_at >= {p}"));
            }
            if let Some(e) = q.end {
                let p = sql.arg(e);
                sql.push(&format!(" AND c.received_at <= {p}"));
            }
        }
        let lim = sql.arg(MAX_REQUESTS);
        sql.push(&format!(" ORDER BY c.received_at DESC, c.id DESC LIMIT {lim}"));
        let mut tx = self.pool.begin_read().await?;
        tx.fetch_all(&sql.text, sql.args).await
    }

    /// GET Service Request: one listed case by its number.
    pub async fn open311_request(&self, number: &str) -> Result<PublicRequest, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        tx.fetch_optional(&format!("{PUBLIC_SELECT} AND c.number = $1"), args![number.trim()])
            .await?
            .ok_or(StoreError::NotFound { what: "服务请求" })
    }

    /// GET service_request_id from a token: the case number the token was answered with.
    pub async fn open311_token(&self, token: &str) -> Result<String, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let r: Option<(String,)> = tx
            .fetch_optional(
                "SELECT c.number FROM open311_requests o JOIN cases c ON c.id = o.case_id \
                 WHERE o.token = $1 AND c.petition_type <> 'accusation'",
                args![token.trim()],
            )
            .await?;
        r.map(|r| r.0).ok_or(StoreError::NotFound { what: "令牌" })
    }

    /// The state changes of listed cases between `start` and `end` (inclusive), oldest first, at
    /// most 1000: the registration and every event after which the state differs.
    pub async fn open311_updates(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<PublicUpdate>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let rows: Vec<(i64, String, i64, DateTime<Utc>)> = tx
            .fetch_all(
                "SELECT e.case_id, c.number, e.seq, e.at FROM case_events e JOIN open311_requests o ON o.case_id = e.case_id \
                 JOIN cases c ON c.id = e.case_id WHERE c.petition_type <> 'accusation' AND e.at >= $1 AND e.at <= $2 \
                 ORDER BY e.at, e.id",
                args![start, end],
            )
            .await?;
        let mut states_of: std::collections::HashMap<i64, Vec<State>> = Default::default();
        let mut out = Vec::new();
        for (case_id, number, seq, at) in rows {
            if let std::collections::hash_map::Entry::Vacant(slot) = states_of.entry(case_id) {
                slot.insert(states_after_each_event(&mut tx, case_id).await?);
            }
            let states = &states_of[&case_id];
            let idx = (seq - 1) as usize;
            let Some(&state) = states.get(idx) else { continue };
            if idx == 0 || states.get(idx - 1) != Some(&state) {
                out.push(PublicUpdate { update_id: format!("{number}-{seq}"), number, state, at });
                if out.len() as i64 >= MAX_REQUESTS {
                    break;
                }
            }
        }
        Ok(out)
    }
}

/// The state of a case after each of its events, in order.
async fn states_after_each_event(tx: &mut Tx, case_id: i64) -> Result<Vec<State>, StoreError> {
    let events = crate::cases::events_of(tx, case_id).await?;
    let mut facts: Option<CaseFacts> = None;
    let mut out = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        match &mut facts {
            None => facts = CaseFacts::from_events(&events[..=i]),
            Some(f) => f.apply(e),
        }
        let f = facts.as_ref().ok_or_else(|| StoreError::Corrupt(format!("case {case_id} has no registration")))?;
        out.push(f.state);
    }
    Ok(out)
}

const KEY_SELECT: &str = "SELECT k.id, k.name, u.username AS created_by, k.created_at, k.revoked_at, k.last_used_at \
    FROM open311_keys k LEFT JOIN users u ON u.id = k.created_by";

async fn key_row(tx: &mut Tx, id: i64) -> Result<Open311Key, StoreError> {
    tx.fetch_one(&format!("{KEY_SELECT} WHERE k.id = $1"), args![id]).await
}
