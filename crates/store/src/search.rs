//! 全文检索 Full-text search over cases: the statement, demands, the place, the county, the
//! category, the units (lead, assisting, accused) and the texts of decisions (reply opinion,
//! basis, mediation agreement, review and re-review opinions, the reason of a rejection).
//!
//! Words are segmented in Rust by jieba ([`xinfang_text::segment`]) and the database only indexes
//! them — SQLite FTS5 (bm25), PostgreSQL a `tsvector` with a GIN index (`ts_rank_cd`) — in the
//! same transaction as the event that changed the case ([`index_case`], from `after_event`).
//! Petitioners' names and numbers are not indexed: they are personal data, masked for analysts,
//! and found through repeat detection. This module is the only place that knows how the two
//! databases search.

use xinfang_core::lifecycle::EventKind;
use xinfang_text::snippet::{self, Piece};

use crate::db::{args, Tx};
use crate::followups::Followup;
use crate::{Backend, Store, StoreError};

/// Bump when what is indexed, or how it is segmented, changes: every case is indexed again at
/// the next start-up.
const INDEX_VERSION: &str = "1";
const VERSION_KEY: &str = "search_index_version";
/// Characters of a result snippet.
pub const SNIPPET_WIDTH: usize = 60;
/// Cases indexed per transaction when the whole index is (re)built.
const BACKFILL_BATCH: usize = 500;

/// A piece of a result snippet: text, and whether it is a searched word (shown marked).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

/// The words of a search, each required: jieba's precise mode (the index holds search mode's
/// long words and their parts, so 「补偿」 finds 「拆迁补偿款」), without repeats.
pub fn query_words(q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in xinfang_text::segment::words(q) {
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

#[derive(sqlx::FromRow)]
struct DocRow {
    statement: String,
    demands: Option<String>,
    place_address: Option<String>,
    county: Option<String>,
    category: Option<String>,
    lead_unit: Option<String>,
    accused_unit: Option<String>,
}

/// The searchable text of a case, one field a line (the snippet stays within a line).
async fn document(tx: &mut Tx, case_id: i64) -> Result<Option<String>, StoreError> {
    let row: Option<DocRow> = tx
        .fetch_optional(
            "SELECT c.statement, c.demands, c.place_address, pc.name AS county, cat.name AS category, \
             lu.name AS lead_unit, au.name AS accused_unit FROM cases c \
             LEFT JOIN units pc ON pc.code = c.place_county LEFT JOIN categories cat ON cat.code = c.category \
             LEFT JOIN units lu ON lu.id = c.lead_unit_id LEFT JOIN units au ON au.id = c.accused_unit_id \
             WHERE c.id = $1",
            args![case_id],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    let events: Vec<(String,)> = tx
        .fetch_all(
            "SELECT data FROM case_events WHERE case_id = $1 \
             AND kind IN ('rejected', 'replied', 'review_decided', 'rereview_decided') ORDER BY seq",
            args![case_id],
        )
        .await?;
    let assisting: Vec<(String,)> = tx
        .fetch_all(
            "SELECT u.name FROM case_assisting_units a JOIN units u ON u.id = a.unit_id WHERE a.case_id = $1 ORDER BY u.name",
            args![case_id],
        )
        .await?;
    let mut lines: Vec<String> = vec![row.statement];
    lines.extend(row.demands);
    for (data,) in events {
        let kind: EventKind =
            serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("case {case_id} event: {e}")))?;
        match kind {
            EventKind::Rejected { reason, legal_route, .. } => lines.extend([reason, legal_route]),
            EventKind::Replied { opinion, basis, mediation_agreement, .. } => {
                lines.push(opinion);
                lines.extend(basis);
                lines.extend(mediation_agreement);
            }
            EventKind::ReviewDecided { opinion, .. } | EventKind::RereviewDecided { opinion, .. } => {
                lines.push(opinion)
            }
            _ => {}
        }
    }
    let names = [row.county, row.place_address, row.category, row.lead_unit, row.accused_unit];
    lines.extend(names.into_iter().flatten());
    lines.extend(assisting.into_iter().map(|a| a.0));
    let lines: Vec<String> =
        lines.iter().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|l| !l.is_empty()).collect();
    Ok(Some(lines.join("\n")))
}

/// A PostgreSQL `tsvector` literal of these words with their positions (1-based, as far as
/// PostgreSQL counts): `'补偿':1,5 '拆迁':2`. Quotes and backslashes are doubled.
fn tsvector_literal(words: &[String]) -> String {
    const MAX_POS: usize = 16383;
    let mut positions: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, w) in words.iter().enumerate() {
        positions.entry(w).or_default().push((i + 1).min(MAX_POS));
    }
    let mut out = String::new();
    for (w, mut pos) in positions {
        pos.dedup();
        let pos: Vec<String> = pos.iter().take(256).map(usize::to_string).collect();
        out.push_str(&format!("{}:{} ", quote(w), pos.join(",")));
    }
    out
}

/// A lexeme quoted for a `tsvector`/`tsquery` literal.
fn quote(w: &str) -> String {
    format!("'{}'", w.replace('\\', "\\\\").replace('\'', "''"))
}

/// Write a case's index entry, replacing the old one — within the caller's transaction.
async fn write(tx: &mut Tx, case_id: i64) -> Result<(), StoreError> {
    let Some(body) = document(tx, case_id).await? else { return Ok(()) };
    let words = xinfang_text::segment::index_words(&body);
    match tx {
        Tx::Sqlite(_) => {
            tx.execute("DELETE FROM case_search WHERE rowid = $1", args![case_id]).await?;
            tx.execute(
                "INSERT INTO case_search (rowid, tokens, body) VALUES ($1, $2, $3)",
                args![case_id, words.join(" "), body],
            )
            .await?;
        }
        Tx::Postgres(_) => {
            tx.execute(
                "INSERT INTO case_search (case_id, doc, body) VALUES ($1, $2::tsvector, $3) \
                 ON CONFLICT (case_id) DO UPDATE SET doc = excluded.doc, body = excluded.body",
                args![case_id, tsvector_literal(&words), body],
            )
            .await?;
        }
    }
    Ok(())
}

/// Index the case an event just changed (registration or any command), in its transaction.
pub(crate) async fn index_case(_store: &Store, tx: &mut Tx, f: &Followup<'_>) -> Result<(), StoreError> {
    write(tx, f.case_id).await
}

impl Store {
    /// Index every case once when the index is new (or its version changed) — a database with
    /// cases registered before search existed. Later cases are indexed as they change.
    pub(crate) async fn backfill_search(&self) -> Result<u64, StoreError> {
        if self.setting(VERSION_KEY).await?.as_deref() == Some(INDEX_VERSION) {
            return Ok(0);
        }
        let mut done = 0u64;
        let mut after = 0i64;
        loop {
            let mut tx = self.pool.begin_write().await?;
            tx.lock_writers().await?;
            let ids: Vec<(i64,)> = tx
                .fetch_all(
                    "SELECT id FROM cases WHERE id > $1 ORDER BY id LIMIT $2",
                    args![after, BACKFILL_BATCH as i64],
                )
                .await?;
            for (id,) in &ids {
                write(&mut tx, *id).await?;
            }
            if ids.len() < BACKFILL_BATCH {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    args![VERSION_KEY, INDEX_VERSION],
                )
                .await?;
            }
            tx.commit().await?;
            done += ids.len() as u64;
            match ids.last() {
                Some((last,)) if ids.len() == BACKFILL_BATCH => after = *last,
                _ => break,
            }
        }
        if done > 0 {
            tracing::info!(cases = done, version = INDEX_VERSION, "search index built");
        }
        Ok(done)
    }
}

/// The join of the index to the cases `c` of a list, when it searches.
pub(crate) fn join(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => " JOIN case_search ON case_search.rowid = c.id",
        Backend::Postgres => " JOIN case_search s ON s.case_id = c.id",
    }
}

/// A search's total counts at most this many matches; beyond it the page says "this many or
/// more" (`Page::total_capped`). Counting every match of a common word costs as much as the
/// search itself, and nobody pages through a thousand results.
pub const COUNT_CAP: i64 = 1000;

/// The query of these words as the database takes it (one argument): each word required.
pub(crate) fn query_arg(backend: Backend, words: &[String]) -> String {
    match backend {
        // Each word an FTS5 string (quotes doubled); words side by side must all occur.
        Backend::Sqlite => {
            words.iter().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" ")
        }
        Backend::Postgres => words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" & "),
    }
}

/// The condition keeping the cases (joined by [`join`]) that match the query argument `p`.
pub(crate) fn matches(backend: Backend, p: &str) -> String {
    match backend {
        Backend::Sqlite => format!(" AND case_search MATCH {p}"),
        Backend::Postgres => format!(" AND s.doc @@ {p}::tsquery"),
    }
}

/// The ORDER BY of the best matches first (ties: the newest case first), joined by [`join`].
pub(crate) fn order(backend: Backend, p: &str) -> String {
    match backend {
        Backend::Sqlite => " ORDER BY bm25(case_search), c.id DESC".to_string(),
        Backend::Postgres => format!(" ORDER BY ts_rank_cd(s.doc, {p}::tsquery, 1) DESC, c.id DESC"),
    }
}

/// The best `k` matches of the query argument `p` ranked on the index alone, as a derived table
/// `m (id, r)` to join cases to — the same rank and tie order as [`order`], so the cases of
/// these `k` kept by any further condition, ordered by [`ranked_order`], are the first of the
/// full search as long as enough of them are kept.
pub(crate) fn ranked(backend: Backend, p: &str, k: i64) -> String {
    match backend {
        Backend::Sqlite => format!(
            "(SELECT rowid AS id, bm25(case_search) AS r FROM case_search WHERE case_search MATCH {p} \
             ORDER BY r, rowid DESC LIMIT {k}) m"
        ),
        Backend::Postgres => format!(
            "(SELECT case_id AS id, ts_rank_cd(doc, {p}::tsquery, 1) AS r FROM case_search WHERE doc @@ {p}::tsquery \
             ORDER BY r DESC, case_id DESC LIMIT {k}) m"
        ),
    }
}

/// The ORDER BY over [`ranked`]'s `m` joined to cases `c`.
pub(crate) fn ranked_order(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => " ORDER BY m.r, c.id DESC",
        Backend::Postgres => " ORDER BY m.r DESC, c.id DESC",
    }
}

/// How many cases match the query argument `p` on the index alone, counting at most `cap`.
pub(crate) fn count_index(backend: Backend, p: &str, cap: i64) -> String {
    match backend {
        Backend::Sqlite => {
            format!("SELECT COUNT(*) FROM (SELECT 1 FROM case_search WHERE case_search MATCH {p} LIMIT {cap}) t")
        }
        Backend::Postgres => {
            format!("SELECT COUNT(*) FROM (SELECT 1 FROM case_search WHERE doc @@ {p}::tsquery LIMIT {cap}) t")
        }
    }
}

/// The column holding the snippet text, once [`join`]ed.
pub(crate) fn body_column(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "case_search.body",
        Backend::Postgres => "s.body",
    }
}

/// The snippet of a result: the words marked around the first hit, or the text's start.
pub(crate) fn snippet_of(body: &str, words: &[String]) -> Vec<SnippetPart> {
    snippet::snippet(body, words, SNIPPET_WIDTH)
        .unwrap_or_else(|| snippet::head(body, SNIPPET_WIDTH))
        .into_iter()
        .map(|Piece { text, hit }| SnippetPart { text, hit })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsvector_literals_quote_and_number() {
        let w: Vec<String> = ["补偿", "拆迁", "补偿", "o'neil"].iter().map(|s| s.to_string()).collect();
        assert_eq!(tsvector_literal(&w), "'o''neil':4 '拆迁':2 '补偿':1,3 ");
        assert_eq!(quote(r"a\b"), r"'a\\b'");
    }
}
