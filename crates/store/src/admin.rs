//! 系统管理 Administration: units, users, categories and routing, the holiday calendar.
//!
//! Every change here is for administrators only, checked here (not just on the page), so a
//! handler that forgets its check still cannot change the configuration; every change is
//! audited in the same transaction.

use xinfang_core::calendar::HolidayYear;
use xinfang_core::case::CategorySpec;
use xinfang_core::unit::UnitSpec;
use xinfang_core::user::{Actor, Role};
use xinfang_core::DomainError;

use crate::db::{args, Tx};
use crate::users::check_password;
use crate::{Store, StoreError};

/// Longest category name accepted, in characters.
pub const MAX_CATEGORY_NAME_CHARS: usize = 32;

/// Refuse anyone but an administrator.
pub fn require_admin(actor: &Actor) -> Result<(), StoreError> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "只有系统管理员可以管理单位、用户、问题类别和节假日安排",
            "Only administrators manage units, users, categories and the holiday calendar",
        )
        .into())
    }
}

/// Check a category before it is stored: the code is lower-case letters, digits and `_`, the
/// name is given.
pub fn validate_category(spec: &CategorySpec) -> Result<(), DomainError> {
    let code_ok = !spec.code.is_empty()
        && spec.code.len() <= 32
        && spec.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !code_ok {
        return Err(DomainError::invalid(
            "code",
            "category_bad_code",
            format!("类别代码「{}」无效：只能用小写字母、数字和下划线，最长 32 位", spec.code),
            format!("Category code '{}' is invalid: lower-case letters, digits and _ only, at most 32", spec.code),
        ));
    }
    let name = spec.name.trim();
    if name.is_empty() {
        return Err(DomainError::invalid("name", "category_name_required", "请填写类别名称", "The name is required"));
    }
    if name.chars().count() > MAX_CATEGORY_NAME_CHARS {
        return Err(DomainError::invalid(
            "name",
            "category_name_too_long",
            format!("类别名称最长 {MAX_CATEGORY_NAME_CHARS} 个字"),
            format!("A category name has at most {MAX_CATEGORY_NAME_CHARS} characters"),
        ));
    }
    Ok(())
}

/// The username of a user, or "not found".
async fn username_of(tx: &mut Tx, user_id: i64) -> Result<String, StoreError> {
    tx.fetch_optional::<(String,)>("SELECT username FROM users WHERE id = $1", args![user_id])
        .await?
        .map(|r| r.0)
        .ok_or(StoreError::NotFound { what: "用户" })
}

/// Revoke every live token of a user; returns how many.
async fn revoke_all_tokens(tx: &mut Tx, user_id: i64) -> Result<u64, StoreError> {
    tx.execute(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        args![crate::now(), user_id],
    )
    .await
}

impl Store {
    /// Create or update a unit (administrators only). Besides [`UnitSpec::validate`], the parent
    /// must exist and must not be the unit itself or one of its descendants (the tree stays a
    /// tree). Returns whether the unit was created.
    pub async fn admin_upsert_unit(&self, actor: &Actor, spec: &UnitSpec) -> Result<bool, StoreError> {
        require_admin(actor)?;
        spec.validate().map_err(|e| StoreError::Domain(DomainError::Invalid(vec![e])))?;
        if let Some(parent) = &spec.parent {
            let units = self.list_units().await?;
            if !units.iter().any(|u| &u.code == parent) {
                return Err(DomainError::invalid(
                    "parent",
                    "unknown_unit",
                    format!("上级单位「{parent}」不存在"),
                    format!("Parent unit '{parent}' does not exist"),
                )
                .into());
            }
            // Walk up from the proposed parent: meeting the unit itself means a cycle.
            let mut at = Some(parent.clone());
            let mut steps = 0;
            while let Some(code) = at {
                if code == spec.code {
                    return Err(DomainError::invalid(
                        "parent",
                        "unit_parent_cycle",
                        "上级单位不能是本单位或本单位的下级单位",
                        "A unit's parent cannot be the unit itself or one of its sub-units",
                    )
                    .into());
                }
                steps += 1;
                if steps > units.len() {
                    break;
                }
                at = units.iter().find(|u| u.code == code).and_then(|u| u.parent_code.clone());
            }
        }
        self.upsert_unit(Some(actor), spec).await
    }

    /// Add a user (administrators only); see [`Store::add_user`] for the checks.
    pub async fn admin_add_user(
        &self,
        actor: &Actor,
        username: &str,
        display_name: &str,
        role: Role,
        unit_code: &str,
        password: &str,
    ) -> Result<i64, StoreError> {
        require_admin(actor)?;
        self.add_user(Some(actor), username, display_name, role, unit_code, password).await
    }

    /// Deactivate or reactivate a user (administrators only). A deactivated user cannot log in,
    /// and every token they hold is revoked at once, so open sessions end. An administrator
    /// cannot deactivate themselves.
    pub async fn set_user_active(&self, actor: &Actor, user_id: i64, active: bool) -> Result<(), StoreError> {
        require_admin(actor)?;
        if !active && user_id == actor.user_id {
            return Err(DomainError::forbidden("不能停用自己的账号", "You cannot deactivate your own account").into());
        }
        let mut tx = self.pool.begin_write().await?;
        let username = username_of(&mut tx, user_id).await?;
        tx.execute("UPDATE users SET active = $1 WHERE id = $2", args![active, user_id]).await?;
        let revoked = if active { 0 } else { revoke_all_tokens(&mut tx, user_id).await? };
        crate::audit::append(
            &mut tx,
            Some(actor),
            if active { "user.activate" } else { "user.deactivate" },
            "user",
            &user_id.to_string(),
            serde_json::json!({"username": username, "tokens_revoked": revoked}),
        )
        .await?;
        tx.commit().await
    }

    /// Set a new password for a user (administrators only). The user's tokens are revoked: they
    /// sign in again with the new password.
    pub async fn reset_password(&self, actor: &Actor, user_id: i64, password: &str) -> Result<(), StoreError> {
        require_admin(actor)?;
        check_password(password)?;
        let hash = crate::users::hash_password(password.to_string()).await?;
        let mut tx = self.pool.begin_write().await?;
        let username = username_of(&mut tx, user_id).await?;
        tx.execute("UPDATE users SET password_hash = $1 WHERE id = $2", args![hash, user_id]).await?;
        let revoked = revoke_all_tokens(&mut tx, user_id).await?;
        crate::audit::append(
            &mut tx,
            Some(actor),
            "user.password_reset",
            "user",
            &user_id.to_string(),
            serde_json::json!({"username": username, "tokens_revoked": revoked}),
        )
        .await?;
        tx.commit().await
    }

    /// Create or update a category and its routing (administrators only): its name and default
    /// handling unit (`None`: the county where the matter arose, 属地). Returns whether it was
    /// created.
    pub async fn upsert_category(&self, actor: &Actor, spec: &CategorySpec) -> Result<bool, StoreError> {
        self.save_category(actor, spec, false).await
    }

    /// Add a new category (administrators only); an existing code is refused.
    pub async fn add_category(&self, actor: &Actor, spec: &CategorySpec) -> Result<(), StoreError> {
        self.save_category(actor, spec, true).await.map(|_| ())
    }

    async fn save_category(&self, actor: &Actor, spec: &CategorySpec, must_be_new: bool) -> Result<bool, StoreError> {
        require_admin(actor)?;
        validate_category(spec)?;
        let name = spec.name.trim();
        let mut tx = self.pool.begin_write().await?;
        let unit = match spec.default_unit.as_deref().filter(|u| !u.is_empty()) {
            Some(code) => Some(crate::units::unit_id(&mut tx, code).await?.ok_or_else(|| {
                StoreError::Domain(DomainError::invalid(
                    "default_unit",
                    "unknown_unit",
                    format!("单位「{code}」不存在"),
                    format!("Unit '{code}' does not exist"),
                ))
            })?),
            None => None,
        };
        let exists: Option<(String,)> =
            tx.fetch_optional("SELECT code FROM categories WHERE code = $1", args![&spec.code]).await?;
        let created = exists.is_none();
        if !created && must_be_new {
            return Err(StoreError::conflict(
                "category_taken",
                format!("类别代码「{}」已存在", spec.code),
                format!("The category code '{}' is taken", spec.code),
            ));
        }
        if created {
            tx.execute(
                "INSERT INTO categories (code, name, default_unit_id) VALUES ($1, $2, $3)",
                args![&spec.code, name, unit],
            )
            .await?;
        } else {
            tx.execute(
                "UPDATE categories SET name = $1, default_unit_id = $2 WHERE code = $3",
                args![name, unit, &spec.code],
            )
            .await?;
        }
        crate::audit::append(
            &mut tx,
            Some(actor),
            if created { "category.create" } else { "category.update" },
            "category",
            &spec.code,
            serde_json::json!({"name": name, "default_unit": spec.default_unit.as_deref().filter(|u| !u.is_empty())}),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Import or correct one year of the holiday calendar (administrators only); see
    /// [`Store::import_holiday_year`]. Returns how many open cases had their deadlines
    /// recomputed.
    pub async fn admin_import_holiday_year(&self, actor: &Actor, year: &HolidayYear) -> Result<u64, StoreError> {
        require_admin(actor)?;
        self.import_holiday_year(Some(actor), year).await
    }
}
