//! Users, passwords (argon2id) and API tokens.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use xinfang_core::unit::UnitKind;
use xinfang_core::user::{Actor, Role};
use xinfang_core::DomainError;

use crate::db::args;
use crate::{Store, StoreError};

/// How long an API token lives.
pub const TOKEN_LIFETIME_HOURS: i64 = 12;
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Failed sign-ins of one username within [`LOCKOUT_MINUTES`] that lock it for that long.
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_code: String,
    pub active: bool,
}

#[derive(sqlx::FromRow)]
struct ActorRow {
    id: i64,
    username: String,
    role: String,
    unit_id: i64,
    unit_code: String,
    unit_kind: String,
}

impl ActorRow {
    fn into_actor(self) -> Result<Actor, StoreError> {
        Ok(Actor {
            user_id: self.id,
            username: self.username,
            role: Role::from_code(&self.role)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown role {}", self.role)))?,
            unit_id: self.unit_id,
            unit_code: self.unit_code,
            unit_kind: UnitKind::from_code(&self.unit_kind)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown unit kind {}", self.unit_kind)))?,
        })
    }
}

/// A token as issued at login.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub actor: Actor,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) async fn hash_password(password: String) -> Result<String, StoreError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| StoreError::Crypto(format!("password hashing task failed: {e}")))?
    .map_err(|e| StoreError::Crypto(format!("password hashing failed: {e}")))
}

/// Verify off the async threads. An unknown user is checked against a dummy hash so that the
/// answer takes as long as for a known one (no user enumeration by timing).
async fn verify_password(password: String, hash: Option<String>) -> bool {
    const DUMMY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Jm4dfA2s1Ij2zNHZ0ZYlOxvlVrZqZlyGY2HXy8W5J3E";
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let h = hash.unwrap_or_else(|| DUMMY.to_string());
        let ok = PasswordHash::new(&h)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok());
        ok && known
    })
    .await
    .unwrap_or(false)
}

/// Check a new password against the policy.
pub fn check_password(password: &str) -> Result<(), DomainError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(DomainError::invalid(
            "password",
            "password_too_short",
            format!("密码至少 {MIN_PASSWORD_CHARS} 位"),
            format!("A password needs at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

impl Store {
    /// Create a user. The username must be new; the unit must exist.
    pub async fn add_user(
        &self,
        by: Option<&Actor>,
        username: &str,
        display_name: &str,
        role: Role,
        unit_code: &str,
        password: &str,
    ) -> Result<i64, StoreError> {
        let username = username.trim();
        if username.is_empty() || username.len() > 64 || username.chars().any(char::is_whitespace) {
            return Err(DomainError::invalid(
                "username",
                "bad_username",
                "用户名不能为空、不能含空格，最长 64 个字符",
                "A username is 1–64 characters without spaces",
            )
            .into());
        }
        check_password(password)?;
        let hash = hash_password(password.to_string()).await?;
        let mut tx = self.pool.begin_write().await?;
        let unit = crate::units::unit_id(&mut tx, unit_code).await?.ok_or_else(|| {
            StoreError::Domain(DomainError::invalid(
                "unit",
                "unknown_unit",
                format!("单位「{unit_code}」不存在"),
                format!("Unit '{unit_code}' does not exist"),
            ))
        })?;
        let taken: Option<(i64,)> =
            tx.fetch_optional("SELECT id FROM users WHERE username = $1", args![username]).await?;
        if taken.is_some() {
            return Err(StoreError::conflict(
                "username_taken",
                format!("用户名「{username}」已被使用"),
                format!("The username '{username}' is taken"),
            ));
        }
        let (id,): (i64,) = tx
            .fetch_one(
                "INSERT INTO users (username, display_name, role, unit_id, password_hash, active, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                args![username, display_name.trim(), role.code(), unit, hash, true, crate::now()],
            )
            .await?;
        crate::audit::append(
            &mut tx,
            by,
            "user.create",
            "user",
            &id.to_string(),
            serde_json::json!({"username": username, "role": role.code(), "unit": unit_code}),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn user_exists(&self, username: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let r: Option<(i64,)> = tx.fetch_optional("SELECT id FROM users WHERE username = $1", args![username]).await?;
        Ok(r.is_some())
    }

    pub async fn list_users(&self) -> Result<Vec<UserRow>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        tx.fetch_all(
            "SELECT s.id, s.username, s.display_name, s.role, u.code AS unit_code, s.active \
             FROM users s JOIN units u ON u.id = s.unit_id WHERE s.role <> 'public' ORDER BY s.id",
            args![],
        )
        .await
    }

    /// Check a password and issue a token. Failed logins are audited too.
    pub async fn login(&self, username: &str, password: &str) -> Result<IssuedToken, StoreError> {
        let (row, recent_failures): (Option<(i64, String, bool)>, i64) = {
            let mut tx = self.pool.begin_read().await?;
            let row = tx
                .fetch_optional("SELECT id, password_hash, active FROM users WHERE username = $1", args![username])
                .await?;
            // Counted from the audit log, so the limit holds across nodes and restarts.
            let (n,): (i64,) = tx
                .fetch_one(
                    "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login_failed' AND target_kind = 'user' \
                     AND target_id = $1 AND at > $2",
                    args![username, crate::now() - Duration::minutes(LOCKOUT_MINUTES)],
                )
                .await?;
            (row, n)
        };
        if recent_failures >= MAX_FAILED_LOGINS {
            // Not even checked: guessing stops here.
            let mut tx = self.pool.begin_write().await?;
            crate::audit::append(&mut tx, None, "auth.login_locked", "user", username, serde_json::json!({})).await?;
            tx.commit().await?;
            return Err(StoreError::LockedOut { minutes: LOCKOUT_MINUTES });
        }
        let active = row.as_ref().is_some_and(|r| r.2);
        let ok = verify_password(password.to_string(), row.as_ref().map(|r| r.1.clone())).await && active;
        let mut tx = self.pool.begin_write().await?;
        if !ok {
            crate::audit::append(
                &mut tx,
                None,
                "auth.login_failed",
                "user",
                username,
                serde_json::json!({"known_user": row.is_some()}),
            )
            .await?;
            tx.commit().await?;
            return Err(StoreError::Unauthenticated);
        }
        let user_id = row.map(|r| r.0).unwrap_or_default();
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let token = hex::encode(raw);
        let now = crate::now();
        let expires_at = now + Duration::hours(TOKEN_LIFETIME_HOURS);
        tx.execute(
            "INSERT INTO api_tokens (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            args![user_id, token_hash(&token), now, expires_at],
        )
        .await?;
        let actor = actor_by_user(&mut tx, user_id).await?;
        crate::audit::append(&mut tx, Some(&actor), "auth.login", "user", &user_id.to_string(), serde_json::json!({}))
            .await?;
        tx.commit().await?;
        Ok(IssuedToken { token, expires_at, actor })
    }

    /// The actor a bearer token stands for, if it is valid now.
    pub async fn actor_for_token(&self, token: &str) -> Result<Option<Actor>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let row: Option<ActorRow> = tx
            .fetch_optional(
                "SELECT s.id, s.username, s.role, s.unit_id, u.code AS unit_code, u.kind AS unit_kind \
                 FROM api_tokens t JOIN users s ON s.id = t.user_id JOIN units u ON u.id = s.unit_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND s.active",
                args![token_hash(token), crate::now()],
            )
            .await?;
        row.map(ActorRow::into_actor).transpose()
    }

    /// Revoke a token (logout).
    pub async fn revoke_token(&self, actor: &Actor, token: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_write().await?;
        tx.execute(
            "UPDATE api_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
            args![crate::now(), token_hash(token)],
        )
        .await?;
        crate::audit::append(
            &mut tx,
            Some(actor),
            "auth.logout",
            "user",
            &actor.user_id.to_string(),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await
    }

    /// The actor for a username (command-line tools act as a named user).
    pub async fn actor_by_username(&self, username: &str) -> Result<Actor, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let r: Option<(i64,)> = tx.fetch_optional("SELECT id FROM users WHERE username = $1", args![username]).await?;
        let id = r.ok_or(StoreError::NotFound { what: "用户" })?.0;
        actor_by_user(&mut tx, id).await
    }
}

async fn actor_by_user(tx: &mut crate::db::Tx, user_id: i64) -> Result<Actor, StoreError> {
    let row: ActorRow = tx
        .fetch_one(
            "SELECT s.id, s.username, s.role, s.unit_id, u.code AS unit_code, u.kind AS unit_kind \
             FROM users s JOIN units u ON u.id = s.unit_id WHERE s.id = $1",
            args![user_id],
        )
        .await?;
    row.into_actor()
}
