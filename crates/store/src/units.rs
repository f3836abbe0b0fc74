//! Units and categories (administrator configuration).

use serde::Serialize;
use xinfang_core::case::{CategorySpec, Registry};
use xinfang_core::unit::{UnitKind, UnitSpec};
use xinfang_core::user::Actor;

use crate::db::{args, Tx};
use crate::{Store, StoreError};

/// A unit as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct UnitRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_code: Option<String>,
    pub stationed: bool,
}

const UNIT_SELECT: &str = "SELECT u.id, u.code, u.name, u.kind, p.code AS parent_code, u.stationed \
                           FROM units u LEFT JOIN units p ON p.id = u.parent_id";

pub(crate) async fn unit_id(tx: &mut Tx, code: &str) -> Result<Option<i64>, StoreError> {
    Ok(tx.fetch_optional::<(i64,)>("SELECT id FROM units WHERE code = $1", args![code]).await?.map(|r| r.0))
}

/// The unit codes, counties and categories registration is checked against.
pub(crate) async fn registry(tx: &mut Tx) -> Result<Registry, StoreError> {
    let units: Vec<(String, String)> = tx.fetch_all("SELECT code, kind FROM units ORDER BY id", args![]).await?;
    let cats: Vec<(String, String, Option<String>)> = tx
        .fetch_all(
            "SELECT c.code, c.name, u.code FROM categories c LEFT JOIN units u ON u.id = c.default_unit_id ORDER BY c.code",
            args![],
        )
        .await?;
    Ok(Registry {
        counties: units.iter().filter(|(_, k)| k == UnitKind::County.code()).map(|(c, _)| c.clone()).collect(),
        units: units.into_iter().map(|(c, _)| c).collect(),
        categories: cats
            .into_iter()
            .map(|(code, name, default_unit)| CategorySpec { code, name, default_unit })
            .collect(),
    })
}

/// The code of the petition bureau (the unit of kind `bureau`).
pub(crate) async fn bureau_code(tx: &mut Tx) -> Result<String, StoreError> {
    tx.fetch_optional::<(String,)>("SELECT code FROM units WHERE kind = 'bureau' ORDER BY id LIMIT 1", args![])
        .await?
        .map(|r| r.0)
        .ok_or_else(|| {
            StoreError::Config("尚未配置信访局单位（kind = bureau）：请先运行 xinfang demo 或添加单位".into())
        })
}

impl Store {
    /// Create or update a unit by its code. Returns whether it was created.
    pub async fn upsert_unit(&self, actor: Option<&Actor>, spec: &UnitSpec) -> Result<bool, StoreError> {
        spec.validate().map_err(|e| StoreError::Domain(xinfang_core::DomainError::Invalid(vec![e])))?;
        let mut tx = self.pool.begin_write().await?;
        let parent = match &spec.parent {
            Some(p) => Some(unit_id(&mut tx, p).await?.ok_or(StoreError::NotFound { what: "上级单位" })?),
            None => None,
        };
        let existing = unit_id(&mut tx, &spec.code).await?;
        let created = existing.is_none();
        if let Some(id) = existing {
            tx.execute(
                "UPDATE units SET name = $1, kind = $2, parent_id = $3, stationed = $4 WHERE id = $5",
                args![&spec.name, spec.kind.code(), parent, spec.stationed, id],
            )
            .await?;
        } else {
            tx.execute(
                "INSERT INTO units (code, name, kind, parent_id, stationed, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                args![&spec.code, &spec.name, spec.kind.code(), parent, spec.stationed, crate::now()],
            )
            .await?;
        }
        crate::audit::append(
            &mut tx,
            actor,
            if created { "unit.create" } else { "unit.update" },
            "unit",
            &spec.code,
            serde_json::json!({"name": spec.name, "kind": spec.kind.code(), "stationed": spec.stationed}),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn list_units(&self) -> Result<Vec<UnitRow>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        tx.fetch_all(&format!("{UNIT_SELECT} ORDER BY u.id"), args![]).await
    }

    /// Add the categories that are not there yet (existing ones are the administrator's), and
    /// give a category without a default unit the one `specs` names, once that unit exists.
    pub async fn ensure_categories(&self, specs: &[CategorySpec]) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let mut added = 0;
        let mut routed = 0;
        for c in specs {
            let unit = match &c.default_unit {
                Some(u) => unit_id(&mut tx, u).await?,
                None => None,
            };
            added += tx
                .execute(
                    "INSERT INTO categories (code, name, default_unit_id) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING",
                    args![&c.code, &c.name, unit],
                )
                .await? as usize;
            // A shipped category seeded before its unit existed gets that unit once it does.
            if let Some(uid) = unit {
                routed += tx
                    .execute(
                        "UPDATE categories SET default_unit_id = $1 WHERE code = $2 AND default_unit_id IS NULL",
                        args![uid, &c.code],
                    )
                    .await? as usize;
            }
        }
        if added > 0 || routed > 0 {
            crate::audit::append(
                &mut tx,
                None,
                "category.seed",
                "category",
                "*",
                serde_json::json!({"added": added, "routed": routed}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    pub async fn list_categories(&self) -> Result<Vec<CategorySpec>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        Ok(registry(&mut tx).await?.categories)
    }
}
