//! 审计日志 The audit log: append-only (the database refuses updates and deletes) and
//! hash-chained (each row's hash covers the previous row's), so an edited or deleted row is
//! detected by [`Store::verify_audit`].

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use xinfang_core::user::Actor;

use crate::db::{args, Tx};
use crate::{Store, StoreError};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: DateTime<Utc>,
    actor_user_id: Option<i64>,
    actor_name: String,
    action: String,
    target_kind: String,
    target_id: String,
    detail: String,
    prev_hash: String,
    hash: String,
}

/// One entry as shown to auditors.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub detail: serde_json::Value,
}

#[allow(clippy::too_many_arguments)]
fn entry_hash(
    prev: &str,
    at: DateTime<Utc>,
    actor_user_id: Option<i64>,
    actor_name: &str,
    action: &str,
    target_kind: &str,
    target_id: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &at.to_rfc3339_opts(SecondsFormat::Micros, true),
        &actor_user_id.map(|i| i.to_string()).unwrap_or_default(),
        actor_name,
        action,
        target_kind,
        target_id,
        detail,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Append one entry inside the caller's transaction.
pub(crate) async fn append(
    tx: &mut Tx,
    actor: Option<&Actor>,
    action: &str,
    target_kind: &str,
    target_id: &str,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    tx.lock_audit_chain().await?;
    let prev: Option<(String,)> =
        tx.fetch_optional("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1", args![]).await?;
    let prev = prev.map(|p| p.0).unwrap_or_else(|| GENESIS.to_string());
    let at = crate::now();
    let detail = detail.to_string();
    let (uid, name) = match actor {
        Some(a) => (Some(a.user_id), a.username.clone()),
        None => (None, "system".to_string()),
    };
    let hash = entry_hash(&prev, at, uid, &name, action, target_kind, target_id, &detail);
    tx.execute(
        "INSERT INTO audit_log (at, actor_user_id, actor_name, action, target_kind, target_id, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        args![at, uid, name, action, target_kind, target_id, detail, prev, hash],
    )
    .await?;
    Ok(())
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub rows: u64,
    /// The first row that does not verify, and why.
    pub broken: Option<(i64, String)>,
}

impl AuditReport {
    pub fn ok(&self) -> bool {
        self.broken.is_none()
    }
}

impl Store {
    /// Walk the whole chain: every row's hash must match its content and the previous row's hash.
    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let mut prev = GENESIS.to_string();
        let mut last_id = 0i64;
        let mut rows = 0u64;
        loop {
            let page: Vec<AuditRow> = tx
                .fetch_all(
                    "SELECT id, at, actor_user_id, actor_name, action, target_kind, target_id, detail, prev_hash, hash \
                     FROM audit_log WHERE id > $1 ORDER BY id LIMIT 1000",
                    args![last_id],
                )
                .await?;
            if page.is_empty() {
                break;
            }
            for r in page {
                rows += 1;
                if r.prev_hash != prev {
                    return Ok(AuditReport {
                        rows,
                        broken: Some((r.id, format!("第 {} 条的前序哈希与上一条不符：其前的记录被删除或修改过", r.id))),
                    });
                }
                let expect = entry_hash(
                    &r.prev_hash,
                    r.at,
                    r.actor_user_id,
                    &r.actor_name,
                    &r.action,
                    &r.target_kind,
                    &r.target_id,
                    &r.detail,
                );
                if expect != r.hash {
                    return Ok(AuditReport {
                        rows,
                        broken: Some((r.id, format!("第 {} 条的内容与其哈希不符：该记录被修改过", r.id))),
                    });
                }
                prev = r.hash;
                last_id = r.id;
            }
        }
        Ok(AuditReport { rows, broken: None })
    }

    /// Recent audit entries, newest first, optionally for one target.
    pub async fn audit_entries(&self, target: Option<(&str, &str)>, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let rows: Vec<AuditRow> = match target {
            Some((kind, id)) => {
                tx.fetch_all(
                    "SELECT id, at, actor_user_id, actor_name, action, target_kind, target_id, detail, prev_hash, hash \
                     FROM audit_log WHERE target_kind = $1 AND target_id = $2 ORDER BY id DESC LIMIT $3",
                    args![kind, id, limit],
                )
                .await?
            }
            None => {
                tx.fetch_all(
                    "SELECT id, at, actor_user_id, actor_name, action, target_kind, target_id, detail, prev_hash, hash \
                     FROM audit_log ORDER BY id DESC LIMIT $1",
                    args![limit],
                )
                .await?
            }
        };
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: r.at,
                actor_user_id: r.actor_user_id,
                actor_name: r.actor_name,
                action: r.action,
                target_kind: r.target_kind,
                target_id: r.target_id,
                detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::String(r.detail)),
            })
            .collect())
    }
}
