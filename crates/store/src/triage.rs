//! 智能分流 Triage suggestions, and learning from the staff's routing decisions.
//!
//! The model (`xinfang_text::triage::Model`) lives in memory in the [`Store`], shared by its
//! clones: the starting knowledge (`triage::starting_examples`), then every row of `triage_decisions` in id order. Routing a case
//! (forwarded or assigned) records a row in the event's transaction ([`record_decision`], from
//! `after_event`); before each suggestion the store reads the rows with an id above the last one
//! it learnt — its own and other nodes' alike, and only committed ones — and adds them to the
//! counts. No restart, no retraining, one indexed query per suggestion.

use std::sync::{Arc, RwLock};

use serde::Serialize;
use xinfang_core::lifecycle::EventKind;
use xinfang_text::gazetteer::Gazetteer;
use xinfang_text::triage::{starting_examples, Model};

use crate::db::{args, Tx};
use crate::followups::Followup;
use crate::{Store, StoreError};

/// How many categories a suggestion offers.
const TOP: usize = 3;

/// The model as this node has learnt it, and the last decision row it has learnt.
pub(crate) struct Learnt {
    model: Model,
    last_id: i64,
}

pub(crate) type Shared = Arc<RwLock<Option<Learnt>>>;

/// The starting model (the seed and the evaluation corpus's train split, as the published figures
/// use), trained once per process and cloned into each store.
fn seed_model() -> &'static Model {
    static M: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
    M.get_or_init(|| Model::train(&starting_examples()))
}

/// One suggested category.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TriageSuggestion {
    /// Category code, e.g. `labor`.
    pub category: String,
    pub category_name: String,
    /// The unit the routing rules give for this category and the place (`None`: the category
    /// routes by place and no county is known).
    pub unit: Option<String>,
    pub unit_name: Option<String>,
    /// Confidence, 0–1.
    pub score: f64,
    /// The words of the statement that weighed most for this category.
    pub words: Vec<String>,
}

/// A triage suggestion for one statement.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TriageAnswer {
    /// The most likely categories, best first (empty for a statement without words).
    pub suggestions: Vec<TriageSuggestion>,
    /// County/district code (GB/T 2260) the statement names, `null` when it names none.
    pub place: Option<String>,
    pub place_name: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DecisionRow {
    id: i64,
    words: String,
    category: String,
}

/// Learn the decision rows this node has not seen yet (from any node).
async fn catch_up(store: &Store, tx: &mut Tx) -> Result<(), StoreError> {
    let last_id = store.triage.read().map(|g| g.as_ref().map(|l| l.last_id)).unwrap_or(None);
    let rows: Vec<DecisionRow> = tx
        .fetch_all(
            "SELECT id, words, category FROM triage_decisions WHERE id > $1 ORDER BY id",
            args![last_id.unwrap_or(0)],
        )
        .await?;
    if rows.is_empty() && last_id.is_some() {
        return Ok(());
    }
    let mut guard = store.triage.write().unwrap_or_else(|p| p.into_inner());
    let learnt = guard.get_or_insert_with(|| Learnt { model: seed_model().clone(), last_id: 0 });
    // Another request may have learnt some of them meanwhile.
    let from = learnt.last_id;
    for r in rows.iter().filter(|r| r.id > from) {
        let words: Vec<String> = r.words.split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect();
        learnt.model.learn_words(&words, &r.category);
        learnt.last_id = r.id;
    }
    Ok(())
}

impl Store {
    /// Use the model as this node has learnt it (the starting model until it has caught up once).
    fn with_triage_model<R>(&self, f: impl FnOnce(&Model) -> R) -> R {
        let guard = self.triage.read().unwrap_or_else(|p| p.into_inner());
        f(guard.as_ref().map(|l| &l.model).unwrap_or_else(|| seed_model()))
    }
}

/// Record a routing decision, in the transaction of the event that made it (forwarded or
/// assigned). The label is the case's category when it was routed; `overridden` says the model
/// had put another category first.
pub(crate) async fn record_decision(store: &Store, tx: &mut Tx, f: &Followup<'_>) -> Result<(), StoreError> {
    let unit = match &f.event.kind {
        EventKind::Forwarded { unit, .. } => unit.clone(),
        EventKind::Assigned { lead, .. } => lead.clone(),
        _ => return Ok(()),
    };
    let Some((statement,)) =
        tx.fetch_optional::<(String,)>("SELECT statement FROM cases WHERE id = $1", args![f.case_id]).await?
    else {
        return Ok(());
    };
    let words = xinfang_text::triage::words(&statement);
    catch_up(store, tx).await?;
    let suggested =
        store.with_triage_model(|m| m.suggest_words(&words, None, 1)).into_iter().next().map(|s| s.category);
    let overridden = suggested.as_deref().is_some_and(|s| s != f.facts.category);
    tx.execute(
        "INSERT INTO triage_decisions (case_id, seq, words, category, county, unit, suggested, overridden, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        args![
            f.case_id,
            f.seq,
            words.join(" "),
            &f.facts.category,
            f.facts.place_county.clone(),
            unit,
            suggested,
            overridden,
            crate::now()
        ],
    )
    .await?;
    Ok(())
}

impl Store {
    /// 分流建议 The top categories for a statement with their confidence, the unit the routing
    /// rules give for each, the words that weighed, and the county the text names. `county`, when
    /// given (the place typed on the form), routes the categories that go by place; otherwise the
    /// place found in the text does. Only the deployment's categories are suggested.
    pub async fn triage(&self, statement: &str, county: Option<&str>) -> Result<TriageAnswer, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        catch_up(self, &mut tx).await?;
        let categories = crate::units::registry(&mut tx).await?.categories;
        let units: Vec<(String, String)> = tx.fetch_all("SELECT code, name FROM units", args![]).await?;
        drop(tx);
        let gazetteer = Gazetteer::taiyuan();
        let place = gazetteer.place(statement);
        let county = county.filter(|c| !c.trim().is_empty()).map(str::to_string).or_else(|| place.clone());
        let name_of = |code: &str| units.iter().find(|u| u.0 == code).map(|u| u.1.clone());
        let allowed: Vec<String> = categories.iter().map(|c| c.code.clone()).collect();
        let suggestions = self
            .with_triage_model(|m| m.suggest(statement, Some(&allowed), TOP))
            .into_iter()
            .map(|s| {
                let unit = xinfang_core::case::default_route(&categories, &s.category, county.as_deref());
                TriageSuggestion {
                    category_name: categories
                        .iter()
                        .find(|c| c.code == s.category)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                    unit_name: unit.as_deref().and_then(name_of),
                    unit,
                    score: (s.score * 1000.0).round() / 1000.0,
                    words: s.words,
                    category: s.category,
                }
            })
            .collect();
        let place_name = place.as_deref().and_then(|p| {
            name_of(p).or_else(|| gazetteer.counties().iter().find(|c| c.code == p).map(|c| c.name.clone()))
        });
        Ok(TriageAnswer { suggestions, place, place_name })
    }
}
