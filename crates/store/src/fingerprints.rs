//! 内容指纹 The near-duplicate fingerprint of each case's statement: its normalised words (so an
//! earlier case is re-scored without segmenting it again) and its MinHash band keys (so the
//! earlier cases worth re-scoring are found by an index lookup among a million).
//! Written in the registration's transaction ([`Store::after_event`]); cases registered before
//! fingerprints existed are filled after migrating.

use xinfang_core::user::Actor;
use xinfang_text::similarity::{self, Comparison, Features};

use crate::cases::{push_scope, Sql};
use crate::db::{args, Arg, Tx};
use crate::{Store, StoreError};

/// How many earlier cases (those sharing the most bands, within the actor's scope) are
/// re-scored at most.
pub const MAX_RESCORED: i64 = 50;

/// How many of the newest cases of one band value are read: bounds the work of a band that many
/// statements share (common words of one category) whatever the number of cases.
pub const PER_BAND: i64 = 200;

/// Store the fingerprint of a case's statement (replacing any).
pub(crate) async fn write(tx: &mut Tx, case_id: i64, statement: &str) -> Result<(), StoreError> {
    let words = similarity::fingerprint_words(statement);
    tx.execute("DELETE FROM case_fingerprint_bands WHERE case_id = $1", args![case_id]).await?;
    tx.execute("DELETE FROM case_fingerprints WHERE case_id = $1", args![case_id]).await?;
    tx.execute("INSERT INTO case_fingerprints (case_id, words) VALUES ($1, $2)", args![case_id, words.join(" ")])
        .await?;
    let mut keys = similarity::band_keys(&words);
    keys.sort_unstable();
    keys.dedup();
    if !keys.is_empty() {
        let mut sql = Sql::new("INSERT INTO case_fingerprint_bands (band_key, case_id) VALUES ");
        let c = sql.arg(case_id);
        for (i, k) in keys.into_iter().enumerate() {
            let p = sql.arg(k);
            sql.push(&format!("{}({p}, {c})", if i == 0 { "" } else { ", " }));
        }
        tx.execute(&sql.text, sql.args).await?;
    }
    Ok(())
}

/// The words of a stored fingerprint.
pub(crate) fn words_of(stored: &str) -> Vec<&str> {
    stored.split(' ').filter(|w| !w.is_empty()).collect()
}

/// Earlier cases visible to the actor whose statements score at least `min_score` against this
/// one, best first, with the comparison (score and shared words).
pub(crate) async fn similar_cases(
    tx: &mut Tx,
    actor: &Actor,
    statement: &str,
    min_score: f64,
) -> Result<Vec<(i64, Comparison)>, StoreError> {
    let words = similarity::fingerprint_words(statement);
    let keys = similarity::band_keys(&words);
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    // The newest cases of each band (bounded, so a band every statement of a category shares
    // costs no more than a rare one), counted: those sharing the most bands are re-scored.
    let mut sql = Sql::new("");
    for (i, k) in keys.iter().enumerate() {
        let p = sql.arg(*k);
        sql.push(&format!(
            "{}SELECT case_id FROM (SELECT case_id FROM case_fingerprint_bands WHERE band_key = {p} \
             ORDER BY case_id DESC LIMIT {PER_BAND}) b{i}",
            if i == 0 { "" } else { " UNION ALL " }
        ));
    }
    let hits: Vec<(i64,)> = tx.fetch_all(&sql.text, sql.args).await?;
    let mut counts: std::collections::HashMap<i64, u32> = std::collections::HashMap::new();
    for (id,) in hits {
        *counts.entry(id).or_default() += 1;
    }
    let mut ids: Vec<(i64, u32)> = counts.into_iter().collect();
    ids.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    ids.truncate(MAX_RESCORED as usize * 4);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT f.case_id, f.words FROM case_fingerprints f JOIN cases c ON c.id = f.case_id WHERE f.case_id IN (",
    );
    for (i, (id, _)) in ids.iter().enumerate() {
        let p = sql.arg(*id);
        sql.push(&format!("{}{p}", if i == 0 { "" } else { ", " }));
    }
    sql.push(")");
    push_scope(&mut sql, actor);
    let mut rows: Vec<(i64, String)> = tx.fetch_all(&sql.text, sql.args).await?;
    let rank: std::collections::HashMap<i64, usize> = ids.iter().enumerate().map(|(i, (id, _))| (*id, i)).collect();
    rows.sort_by_key(|(id, _)| rank.get(id).copied().unwrap_or(usize::MAX));
    rows.truncate(MAX_RESCORED as usize);
    let probe = Features::from_words(&words);
    let mut out: Vec<(i64, Comparison)> = rows
        .into_iter()
        .map(|(id, w)| (id, probe.compare(&Features::from_words(&words_of(&w)))))
        .filter(|(_, c)| c.score >= min_score)
        .collect();
    out.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(b.0.cmp(&a.0)));
    Ok(out)
}

impl Store {
    /// Fingerprint the cases that have none (registered before fingerprints existed), in batches.
    /// Returns how many were filled. Run after migrating; quick when there is nothing to do.
    pub async fn backfill_fingerprints(&self) -> Result<u64, StoreError> {
        let mut filled = 0;
        loop {
            let mut tx = self.pool.begin_write().await?;
            let batch: Vec<(i64, String)> = tx
                .fetch_all(
                    "SELECT c.id, c.statement FROM cases c WHERE NOT EXISTS \
                     (SELECT 1 FROM case_fingerprints f WHERE f.case_id = c.id) ORDER BY c.id LIMIT 500",
                    Vec::<Arg>::new(),
                )
                .await?;
            if batch.is_empty() {
                return Ok(filled);
            }
            for (id, statement) in &batch {
                write(&mut tx, *id, statement).await?;
            }
            tx.commit().await?;
            filled += batch.len() as u64;
        }
    }
}

impl Store {
    /// Earlier cases visible to the actor whose statements score at least `min_score` against
    /// this one: (case id, score), best first. The text half of [`Store::possible_repeats`].
    pub async fn similar_statements(
        &self,
        actor: &Actor,
        statement: &str,
        min_score: f64,
    ) -> Result<Vec<(i64, f64)>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        Ok(similar_cases(&mut tx, actor, statement, min_score)
            .await?
            .into_iter()
            .map(|(id, c)| (id, c.score))
            .collect())
    }
}
