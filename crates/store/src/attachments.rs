//! 附件 Attachments of a case, stored in the database with their SHA-256. Reading one is scoped
//! like the case and audited, since scans carry personal data.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use xinfang_core::attachment::{check, clean_filename};
use xinfang_core::user::{Actor, Role};
use xinfang_core::DomainError;

use crate::db::args;
use crate::{Store, StoreError};

/// An attachment's description (without its bytes).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentInfo {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

/// Who may add files to a case they can see: the staff who work on cases (not analysts).
fn may_upload(actor: &Actor) -> bool {
    matches!(actor.role, Role::Clerk | Role::Leader | Role::Supervisor | Role::UnitStaff)
}

impl Store {
    /// Attach a file to a case the actor can see. The type is decided by the file's bytes.
    pub async fn add_attachment(
        &self,
        actor: &Actor,
        case_id: i64,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<AttachmentInfo, StoreError> {
        // Visible first: an invisible case is "not found" whoever asks.
        self.get_case(actor, case_id).await?;
        if !may_upload(actor) {
            return Err(DomainError::forbidden("您的角色不能上传附件", "Your role may not upload attachments").into());
        }
        self.store_attachment(actor, case_id, filename, bytes).await
    }

    /// Store a file on a case for an actor the caller has checked (staff above; the petitioner
    /// through the portal after the query code).
    pub(crate) async fn store_attachment(
        &self,
        actor: &Actor,
        case_id: i64,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<AttachmentInfo, StoreError> {
        let kind = check(&bytes).map_err(|e| StoreError::Domain(DomainError::Invalid(vec![e])))?;
        let filename = clean_filename(filename);
        let sha = hex::encode(Sha256::digest(&bytes));
        let size = bytes.len() as i64;
        let mut tx = self.pool.begin_write().await?;
        let (id,): (i64,) = tx
            .fetch_one(
                "INSERT INTO attachments (case_id, filename, content_type, size, sha256, data, uploaded_by, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                args![case_id, &filename, kind.content_type(), size, &sha, bytes, actor.user_id, crate::now()],
            )
            .await?;
        crate::audit::append(
            &mut tx,
            Some(actor),
            "attachment.add",
            "case",
            &case_id.to_string(),
            serde_json::json!({"attachment": id, "filename": filename, "size": size, "sha256": sha}),
        )
        .await?;
        let info = tx
            .fetch_one(
                "SELECT a.id, a.filename, a.content_type, a.size, a.sha256, s.username AS uploaded_by, a.uploaded_at \
                 FROM attachments a JOIN users s ON s.id = a.uploaded_by WHERE a.id = $1",
                args![id],
            )
            .await?;
        tx.commit().await?;
        Ok(info)
    }

    /// The attachments of a case the actor can see.
    pub async fn attachments(&self, actor: &Actor, case_id: i64) -> Result<Vec<AttachmentInfo>, StoreError> {
        self.get_case(actor, case_id).await?;
        let mut tx = self.pool.begin_read().await?;
        tx.fetch_all(
            "SELECT a.id, a.filename, a.content_type, a.size, a.sha256, s.username AS uploaded_by, a.uploaded_at \
             FROM attachments a JOIN users s ON s.id = a.uploaded_by WHERE a.case_id = $1 ORDER BY a.id",
            args![case_id],
        )
        .await
    }

    /// One attachment's bytes, for a case the actor can see (audited).
    pub async fn attachment_bytes(
        &self,
        actor: &Actor,
        case_id: i64,
        id: i64,
    ) -> Result<(AttachmentInfo, Vec<u8>), StoreError> {
        self.get_case(actor, case_id).await?;
        // Scans carry names, ID numbers and addresses: the same people who may reveal them.
        if !xinfang_core::access::can_reveal_personal_data(actor) {
            return Err(DomainError::forbidden("您的角色不能查看附件原件", "Your role may not open attachments").into());
        }
        let mut tx = self.pool.begin_write().await?;
        let info: AttachmentInfo = tx
            .fetch_optional(
                "SELECT a.id, a.filename, a.content_type, a.size, a.sha256, s.username AS uploaded_by, a.uploaded_at \
                 FROM attachments a JOIN users s ON s.id = a.uploaded_by WHERE a.id = $1 AND a.case_id = $2",
                args![id, case_id],
            )
            .await?
            .ok_or(StoreError::NotFound { what: "附件" })?;
        let (data,): (Vec<u8>,) = tx.fetch_one("SELECT data FROM attachments WHERE id = $1", args![id]).await?;
        crate::audit::append(
            &mut tx,
            Some(actor),
            "attachment.read",
            "case",
            &case_id.to_string(),
            serde_json::json!({"attachment": id}),
        )
        .await?;
        tx.commit().await?;
        Ok((info, data))
    }
}
