//! 三对接记录 Legal consultations, mediations, counseling sessions and video receptions, as
//! stored. Who may read which is the rule of `xinfang_core::docking`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use xinfang_core::docking::{can_read, check_record, Docking, DockingInput, DockingKind};
use xinfang_core::user::Actor;
use xinfang_core::DomainError;

use crate::db::args;
use crate::{Store, StoreError};

/// A record as shown.
#[derive(Debug, Clone, Serialize)]
pub struct DockingView {
    pub id: i64,
    pub kind: String,
    pub kind_label: String,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    pub unit: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub record: Docking,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    case_id: Option<i64>,
    case_number: Option<String>,
    unit: Option<String>,
    recorded_by_id: i64,
    recorded_by: String,
    recorded_at: DateTime<Utc>,
    data: String,
}

const SELECT: &str =
    "SELECT d.id, d.kind, d.case_id, c.number AS case_number, u.code AS unit, d.recorded_by AS recorded_by_id, \
    s.username AS recorded_by, d.recorded_at, d.data FROM dockings d LEFT JOIN cases c ON c.id = d.case_id \
    LEFT JOIN units u ON u.id = d.unit_id JOIN users s ON s.id = d.recorded_by";

impl Store {
    /// Record a consultation, mediation, counseling session or video reception.
    pub async fn add_docking(&self, actor: &Actor, input: &DockingInput) -> Result<i64, StoreError> {
        check_record(actor)?;
        let case_id = match input.case_number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => Some(self.case_id_for_docking(actor, n).await.map_err(|_| {
                StoreError::Domain(DomainError::invalid(
                    "case_number",
                    "unknown_case",
                    format!("事项编号「{n}」不存在，或您无权查看"),
                    format!("Case '{n}' does not exist or is not visible to you"),
                ))
            })?),
            None => None,
        };
        let mut tx = self.pool.begin_write().await?;
        let registry = crate::units::registry(&mut tx).await?;
        let d = input.validate(&registry.units)?;
        let unit_id = match &d.unit {
            Some(code) => crate::units::unit_id(&mut tx, code).await?,
            None => None,
        };
        let data = serde_json::to_string(&d).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let (id,): (i64,) = tx
            .fetch_one(
                "INSERT INTO dockings (kind, case_id, unit_id, recorded_by, recorded_at, scheduled_at, data) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                args![d.kind.code(), case_id, unit_id, actor.user_id, crate::now(), d.scheduled_at, data],
            )
            .await?;
        crate::audit::append(
            &mut tx,
            Some(actor),
            "docking.record",
            "docking",
            &id.to_string(),
            serde_json::json!({"kind": d.kind.code(), "case_id": case_id}),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The case a record is about. Duty staff see no cases, yet receive the same petitioners in
    /// the hall: they may name a case by its number (numbers are sequential, not secret); the
    /// record then shows on the case for those who may read both.
    async fn case_id_for_docking(&self, actor: &Actor, number: &str) -> Result<i64, StoreError> {
        if actor.role == xinfang_core::user::Role::DutyStaff {
            let mut tx = self.pool.begin_read().await?;
            let r: Option<(i64,)> = tx.fetch_optional("SELECT id FROM cases WHERE number = $1", args![number]).await?;
            return r.map(|r| r.0).ok_or(StoreError::NotFound { what: "信访事项" });
        }
        self.case_id_by_number(actor, number).await
    }

    /// The records this actor may read, newest first; of one case when `case_id` is given.
    pub async fn dockings(
        &self,
        actor: &Actor,
        case_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<DockingView>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let rows: Vec<Row> = match case_id {
            Some(c) => {
                tx.fetch_all(&format!("{SELECT} WHERE d.case_id = $1 ORDER BY d.id DESC LIMIT $2"), args![c, limit])
                    .await?
            }
            None => tx.fetch_all(&format!("{SELECT} ORDER BY d.id DESC LIMIT $1"), args![limit]).await?,
        };
        let mut out = Vec::new();
        for r in rows {
            let kind = DockingKind::from_code(&r.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("docking kind {}", r.kind)))?;
            if !can_read(actor, kind, r.recorded_by_id) {
                continue;
            }
            let record: Docking =
                serde_json::from_str(&r.data).map_err(|e| StoreError::Corrupt(format!("docking {}: {e}", r.id)))?;
            out.push(DockingView {
                id: r.id,
                kind: r.kind,
                kind_label: kind.label_zh().to_string(),
                case_id: r.case_id,
                case_number: r.case_number,
                unit: r.unit,
                recorded_by: r.recorded_by,
                recorded_at: r.recorded_at,
                record,
            });
        }
        Ok(out)
    }
}
