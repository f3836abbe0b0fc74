//! 文书 Formal documents: issued by the events of a case in the event's own transaction
//! ([`issue_for_event`], called from [`Store::after_event`]), numbered per kind and year,
//! stored as rendered (append-only), and read back scoped like the case and audited — a document
//! to the petitioner carries their name. Administrators edit the templates and number prefixes.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use xinfang_core::case::local_date;
use xinfang_core::document::{self, CaseInfo, DocContext, DocKind, DocTemplate, Issue, RenderedDocument};
use xinfang_core::petitioner::mask_name;
use xinfang_core::user::{Actor, Role};
use xinfang_core::DomainError;

use crate::admin::require_admin;
use crate::db::{args, Tx};
use crate::followups::Followup;
use crate::{Store, StoreError};

/// A document as listed: everything but its content.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentSummary {
    pub id: i64,
    pub case_id: i64,
    /// The timeline entry (event sequence number) that issued it.
    pub seq: i64,
    /// `accept_notice`, `reject_notice`, `forward_slip`, `assign_slip`, `extension_notice`,
    /// `opinion`, `review_opinion`, `rereview_opinion`, `supervision_order`, `meeting_minutes`.
    pub kind: String,
    pub kind_label: String,
    /// 文号, e.g. 并信处〔2026〕3号.
    pub number: String,
    pub title: String,
    pub addressee: String,
    /// Addressed to the petitioner (notices and opinions) rather than internal.
    pub to_petitioner: bool,
    pub issued_at: DateTime<Utc>,
    /// The template version it was rendered with (0: the shipped one).
    pub template_version: i64,
}

/// A document with its rendered content.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Document {
    #[serde(flatten)]
    pub summary: DocumentSummary,
    pub content: RenderedDocument,
}

#[derive(sqlx::FromRow)]
struct DocRow {
    id: i64,
    case_id: i64,
    seq: i64,
    kind: String,
    number: String,
    title: String,
    addressee: String,
    to_petitioner: bool,
    issued_at: DateTime<Utc>,
    template_version: i64,
    content: String,
}

const DOC_SELECT: &str = "SELECT id, case_id, seq, kind, number, title, addressee, to_petitioner, issued_at, \
    template_version, content FROM documents";

impl DocRow {
    fn summary(&self) -> DocumentSummary {
        DocumentSummary {
            id: self.id,
            case_id: self.case_id,
            seq: self.seq,
            kind: self.kind.clone(),
            kind_label: DocKind::from_code(&self.kind).map(|k| k.label_zh()).unwrap_or_default().to_string(),
            number: self.number.clone(),
            title: self.title.clone(),
            addressee: self.addressee.clone(),
            to_petitioner: self.to_petitioner,
            issued_at: self.issued_at,
            template_version: self.template_version,
        }
    }
    fn document(self) -> Result<Document, StoreError> {
        let content = serde_json::from_str(&self.content)
            .map_err(|e| StoreError::Corrupt(format!("document {}: {e}", self.id)))?;
        Ok(Document { summary: self.summary(), content })
    }
}

fn not_found() -> StoreError {
    StoreError::NotFound { what: "文书" }
}

#[derive(sqlx::FromRow)]
struct TemplateRow {
    prefix: String,
    title: String,
    body: String,
    version: i64,
}

/// The template of a kind in force: the administrator's, or the shipped one.
async fn template_of(tx: &mut Tx, kind: DocKind) -> Result<DocTemplate, StoreError> {
    let row: Option<TemplateRow> = tx
        .fetch_optional(
            "SELECT prefix, title, body, version FROM document_templates WHERE kind = $1",
            args![kind.code()],
        )
        .await?;
    Ok(match row {
        Some(r) => DocTemplate { kind, prefix: r.prefix, title: r.title, body: r.body, version: r.version },
        None => DocTemplate::shipped(kind),
    })
}

/// What the store knows of a case beyond its events: number, names, statement, unit names.
async fn case_info(tx: &mut Tx, case_id: i64, number: &str) -> Result<CaseInfo, StoreError> {
    let (statement, demands, category): (String, Option<String>, String) = tx
        .fetch_one(
            "SELECT c.statement, c.demands, COALESCE(k.name, c.category) FROM cases c \
             LEFT JOIN categories k ON k.code = c.category WHERE c.id = $1",
            args![case_id],
        )
        .await?;
    let petitioners: Vec<(String,)> =
        tx.fetch_all("SELECT name FROM petitioners WHERE case_id = $1 ORDER BY ord", args![case_id]).await?;
    let units: Vec<(String, String, Option<String>)> = tx
        .fetch_all("SELECT u.code, u.name, p.code FROM units u LEFT JOIN units p ON p.id = u.parent_id", args![])
        .await?;
    let mut unit_names = BTreeMap::new();
    let mut unit_parents = BTreeMap::new();
    for (code, name, parent) in units {
        if let Some(p) = parent {
            unit_parents.insert(code.clone(), p);
        }
        unit_names.insert(code, name);
    }
    Ok(CaseInfo {
        number: number.to_string(),
        petitioners: petitioners.into_iter().map(|p| p.0).collect(),
        statement,
        demands,
        category,
        unit_names,
        unit_parents,
    })
}

/// Issue the document the event calls for, if any: rendered with the template in force, numbered
/// per kind and year, stored with the event's sequence number — in the event's transaction, so a
/// command and its document stand or fall together.
pub(crate) async fn issue_for_event(store: &Store, tx: &mut Tx, f: &Followup<'_>) -> Result<(), StoreError> {
    let Some(kind) = DocKind::for_event(&f.event.kind) else {
        return Ok(());
    };
    let mut events = crate::cases::events_of(tx, f.case_id).await?;
    events.truncate(usize::try_from(f.seq).unwrap_or(usize::MAX));
    let info = case_info(tx, f.case_id, f.number).await?;
    let cal = store.current_calendar(tx).await?;
    let ctx = document::context(&Issue { events: &events, info: &info }, &cal, &store.policy)
        .ok_or_else(|| StoreError::Corrupt(format!("case {}: no document context at {}", f.case_id, f.seq)))?;
    let template = template_of(tx, kind).await?;
    let year = local_date(f.event.at).year();
    let (serial,): (i64,) = tx
        .fetch_one(
            "INSERT INTO document_counters (kind, year, last) VALUES ($1, $2, 1) \
             ON CONFLICT (kind, year) DO UPDATE SET last = document_counters.last + 1 RETURNING last",
            args![kind.code(), i64::from(year)],
        )
        .await?;
    let number = document::format_number(&template.prefix, year, serial);
    // A saved template is checked against the sample case; should it still fail on a real case,
    // the document is issued from the shipped template rather than the command failing.
    let (doc, version) = match document::render(&template, &number, &ctx) {
        Ok(doc) => (doc, template.version),
        Err(e) => {
            tracing::warn!(kind = kind.code(), case = f.case_id, error = %e, "document template failed; shipped template used");
            (document::render(&DocTemplate::shipped(kind), &number, &ctx)?, 0)
        }
    };
    let unit_id = crate::units::unit_id(tx, &f.event.actor_unit)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("unit {}", f.event.actor_unit)))?;
    let content = serde_json::to_string(&doc).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO documents (case_id, seq, kind, year, serial, number, title, addressee, to_petitioner, content, \
         template_version, issued_by, issued_by_unit_id, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        args![
            f.case_id,
            f.seq,
            kind.code(),
            i64::from(year),
            serial,
            &doc.number,
            &doc.title,
            &doc.addressee,
            kind.to_petitioner(),
            content,
            version,
            f.event.actor_user_id,
            unit_id,
            f.event.at
        ],
    )
    .await?;
    Ok(())
}

/// The roles that may open a document (it names people): not analysts, who see figures.
fn may_open(actor: &Actor) -> Result<(), StoreError> {
    if xinfang_core::access::can_reveal_personal_data(actor) {
        Ok(())
    } else {
        Err(DomainError::forbidden("您的角色不能查看文书原文", "Your role may not open documents").into())
    }
}

impl Store {
    /// The documents of a case the actor can see, in timeline order. Analysts see the
    /// petitioner's name masked in the addressee.
    pub async fn documents(&self, actor: &Actor, case_id: i64) -> Result<Vec<DocumentSummary>, StoreError> {
        self.get_case(actor, case_id).await?;
        let mut tx = self.pool.begin_read().await?;
        let rows: Vec<DocRow> =
            tx.fetch_all(&format!("{DOC_SELECT} WHERE case_id = $1 ORDER BY seq, id"), args![case_id]).await?;
        Ok(rows
            .iter()
            .map(|r| {
                let mut s = r.summary();
                if actor.role == Role::Analyst && s.to_petitioner {
                    s.addressee = s.addressee.split('、').map(mask_name).collect::<Vec<_>>().join("、");
                }
                s
            })
            .collect())
    }

    /// One document of a case the actor can see, with its content (audited: it names people).
    pub async fn document(&self, actor: &Actor, case_id: i64, doc_id: i64) -> Result<Document, StoreError> {
        self.get_case(actor, case_id).await?;
        may_open(actor)?;
        self.read_document(Some(actor), case_id, doc_id).await
    }

    /// Read one document and record the reading: by a staff member, or (no actor) by the
    /// petitioner, who may read only what is addressed to them.
    async fn read_document(&self, actor: Option<&Actor>, case_id: i64, doc_id: i64) -> Result<Document, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let petitioner = actor.is_none();
        let row: DocRow = tx
            .fetch_optional(
                &format!("{DOC_SELECT} WHERE id = $1 AND case_id = $2 AND (to_petitioner OR NOT $3)"),
                args![doc_id, case_id, petitioner],
            )
            .await?
            .ok_or_else(not_found)?;
        let action = if petitioner { "document.read_by_petitioner" } else { "document.read" };
        crate::audit::append(
            &mut tx,
            actor,
            action,
            "case",
            &case_id.to_string(),
            serde_json::json!({"document": doc_id, "number": row.number}),
        )
        .await?;
        tx.commit().await?;
        row.document()
    }

    /// 信访人 The documents of a case addressed to the petitioner (notices and opinions), for the
    /// public portal. **The caller must first have authenticated the petitioner by the case's
    /// query code (查询码)**: this function takes no actor and checks nothing itself.
    pub async fn petitioner_documents(&self, case_id: i64) -> Result<Vec<DocumentSummary>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let rows: Vec<DocRow> = tx
            .fetch_all(
                &format!("{DOC_SELECT} WHERE case_id = $1 AND to_petitioner = $2 ORDER BY seq, id"),
                args![case_id, true],
            )
            .await?;
        Ok(rows.iter().map(DocRow::summary).collect())
    }

    /// 信访人 One document addressed to the petitioner, with its content, for the public portal
    /// (audited as read by the petitioner). **The caller must first have authenticated the
    /// petitioner by the case's query code (查询码)**; an internal document (转送单, 交办单,
    /// 督办单, 纪要) or another case's document is "not found".
    pub async fn petitioner_document(&self, case_id: i64, doc_id: i64) -> Result<Document, StoreError> {
        self.read_document(None, case_id, doc_id).await
    }

    /// The template and number prefix in force for every kind (administrators only).
    pub async fn document_templates(&self, actor: &Actor) -> Result<Vec<DocTemplate>, StoreError> {
        require_admin(actor)?;
        let mut tx = self.pool.begin_read().await?;
        let mut out = Vec::new();
        for &k in DocKind::ALL {
            out.push(template_of(&mut tx, k).await?);
        }
        Ok(out)
    }

    /// The template in force for one kind (administrators only).
    pub async fn document_template(&self, actor: &Actor, kind: DocKind) -> Result<DocTemplate, StoreError> {
        require_admin(actor)?;
        let mut tx = self.pool.begin_read().await?;
        template_of(&mut tx, kind).await
    }

    /// Render a template against the sample case of its kind without saving it (administrators
    /// only): the document, and the context with every field a template may use.
    pub async fn preview_document_template(
        &self,
        actor: &Actor,
        t: &DocTemplate,
    ) -> Result<(RenderedDocument, DocContext), StoreError> {
        require_admin(actor)?;
        Ok(document::preview(t, &self.calendar(), &self.policy)?)
    }

    /// Save a template and number prefix (administrators only, audited). A template that does
    /// not render the sample case — bad syntax, an unknown field — is refused with a message
    /// saying what and where. Returns the template as saved, with its new version.
    pub async fn save_document_template(&self, actor: &Actor, t: &DocTemplate) -> Result<DocTemplate, StoreError> {
        require_admin(actor)?;
        document::preview(t, &self.calendar(), &self.policy)?;
        let mut tx = self.pool.begin_write().await?;
        let current = template_of(&mut tx, t.kind).await?;
        let saved = DocTemplate {
            kind: t.kind,
            prefix: t.prefix.trim().to_string(),
            title: t.title.trim().to_string(),
            body: t.body.replace("\r\n", "\n"),
            version: current.version + 1,
        };
        tx.execute(
            "INSERT INTO document_templates (kind, prefix, title, body, version, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind) DO UPDATE SET prefix = excluded.prefix, \
             title = excluded.title, body = excluded.body, version = excluded.version, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            args![
                saved.kind.code(),
                &saved.prefix,
                &saved.title,
                &saved.body,
                saved.version,
                actor.user_id,
                crate::now()
            ],
        )
        .await?;
        crate::audit::append(
            &mut tx,
            Some(actor),
            "document_template.save",
            "document_template",
            saved.kind.code(),
            serde_json::json!({"version": saved.version, "prefix": saved.prefix, "title": saved.title}),
        )
        .await?;
        tx.commit().await?;
        Ok(saved)
    }
}
