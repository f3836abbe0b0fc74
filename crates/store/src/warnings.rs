//! 预警 Early warning over the recent cases the actor may see: the rule is
//! [`xinfang_core::warning::clusters`]; this module reads the window's cases, links the similar
//! statements of one county or one accused unit, and describes each flagged cluster.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use xinfang_core::case::local_date;
use xinfang_core::user::Actor;
use xinfang_core::warning::{self, PersonKeys, Shared, WarningCase, WarningPolicy};
use xinfang_text::similarity::{Features, SAME_GRIEVANCE_THRESHOLD};

use crate::cases::{day_start, push_scope, Sql};
use crate::{Store, StoreError};

/// At most this many recent cases are read for one warning run (newest first).
pub const MAX_WINDOW_CASES: i64 = 5000;

/// The flagged clusters of a window.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Warnings {
    /// Flag a cluster of at least this many distinct people …
    pub min_people: u32,
    /// … within this many days.
    pub window_days: u32,
    /// The first day read (China time).
    pub since: NaiveDate,
    pub clusters: Vec<WarningCluster>,
}

/// A cluster of similar cases from different people.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WarningCluster {
    /// `county` (the place where the matter arose) or `accused_unit`.
    pub shared_kind: String,
    pub shared_code: String,
    pub shared_name: String,
    /// Distinct people (by ID number, phone, or name and place).
    pub people: u32,
    pub first_on: NaiveDate,
    pub last_on: NaiveDate,
    /// Words most of its statements share.
    pub shared_words: Vec<String>,
    pub cases: Vec<WarningCaseRef>,
}

/// A case of a cluster (no personal data).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WarningCaseRef {
    pub id: i64,
    pub number: String,
    pub received_at: DateTime<Utc>,
    pub category: String,
    /// The start of its statement.
    pub statement: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    number: String,
    received_at: DateTime<Utc>,
    place_county: Option<String>,
    accused_unit: Option<String>,
    category: String,
    statement: String,
    words: String,
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    case_id: i64,
    id_index: Option<String>,
    phone_index: Option<String>,
    name_norm: String,
    place_county: Option<String>,
}

impl Store {
    /// 预警 Clusters of similar cases from different people in one county or against one accused
    /// unit within the policy's window ending today, among the cases this actor may see.
    pub async fn warnings(&self, actor: &Actor, policy: WarningPolicy) -> Result<Warnings, StoreError> {
        let today = local_date(crate::now());
        let since = today - chrono::Days::new(u64::from(policy.window_days.saturating_sub(1)));
        let from = day_start(since);
        let mut tx = self.pool.begin_read().await?;
        let mut sql = Sql::new(
            "SELECT c.id, c.number, c.received_at, c.place_county, au.code AS accused_unit, c.category, c.statement, \
             f.words FROM cases c LEFT JOIN units au ON au.id = c.accused_unit_id \
             JOIN case_fingerprints f ON f.case_id = c.id WHERE c.received_at >= ",
        );
        let p = sql.arg(from);
        sql.push(&p);
        push_scope(&mut sql, actor);
        sql.push(&format!(" ORDER BY c.id DESC LIMIT {MAX_WINDOW_CASES}"));
        let rows: Vec<Row> = tx.fetch_all(&sql.text, sql.args).await?;
        let mut sql = Sql::new(
            "SELECT p.case_id, p.id_index, p.phone_index, p.name_norm, c.place_county FROM petitioners p \
             JOIN cases c ON c.id = p.case_id WHERE c.received_at >= ",
        );
        let p = sql.arg(from);
        sql.push(&p);
        push_scope(&mut sql, actor);
        let people: Vec<PersonRow> = tx.fetch_all(&sql.text, sql.args).await?;
        let names: Vec<(String, String)> = tx.fetch_all("SELECT code, name FROM units", Vec::new()).await?;
        drop(tx);
        let names: HashMap<String, String> = names.into_iter().collect();

        let mut keys: HashMap<i64, Vec<PersonKeys>> = HashMap::new();
        for p in people {
            keys.entry(p.case_id).or_default().push(PersonKeys {
                id: p.id_index,
                phone: p.phone_index,
                name_place: (!p.name_norm.is_empty())
                    .then(|| format!("{}@{}", p.name_norm, p.place_county.unwrap_or_default())),
            });
        }
        let features: HashMap<i64, Features> =
            rows.iter().map(|r| (r.id, Features::from_words(&crate::fingerprints::words_of(&r.words)))).collect();
        // Links: similar statements within one county or one accused unit.
        let mut groups: BTreeMap<Shared, Vec<i64>> = BTreeMap::new();
        for r in &rows {
            if let Some(c) = &r.place_county {
                groups.entry(Shared::County(c.clone())).or_default().push(r.id);
            }
            if let Some(u) = &r.accused_unit {
                groups.entry(Shared::AccusedUnit(u.clone())).or_default().push(r.id);
            }
        }
        let mut links = Vec::new();
        for ids in groups.values() {
            for (i, a) in ids.iter().enumerate() {
                for b in &ids[i + 1..] {
                    if features[a].compare(&features[b]).score >= SAME_GRIEVANCE_THRESHOLD {
                        links.push((*a, *b));
                    }
                }
            }
        }
        let cases: Vec<WarningCase> = rows
            .iter()
            .map(|r| WarningCase {
                id: r.id,
                received_on: local_date(r.received_at),
                county: r.place_county.clone(),
                accused_unit: r.accused_unit.clone(),
                people: keys.remove(&r.id).unwrap_or_default(),
            })
            .collect();
        let by_id: HashMap<i64, &Row> = rows.iter().map(|r| (r.id, r)).collect();
        let clusters = warning::clusters(&cases, &links, &policy)
            .into_iter()
            .map(|c| {
                let (kind, code) = match &c.shared {
                    Shared::County(x) => ("county", x.clone()),
                    Shared::AccusedUnit(x) => ("accused_unit", x.clone()),
                };
                // Words in at least half of the statements, the most common first.
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                for id in &c.cases {
                    let mut ws: Vec<&str> = crate::fingerprints::words_of(&by_id[id].words);
                    ws.sort_unstable();
                    ws.dedup();
                    for w in ws.into_iter().filter(|w| xinfang_text::similarity::is_informative(w)) {
                        *counts.entry(w).or_default() += 1;
                    }
                }
                let mut common: Vec<(&str, usize)> =
                    counts.into_iter().filter(|(_, n)| n * 2 >= c.cases.len()).collect();
                common.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.chars().count().cmp(&a.0.chars().count())));
                WarningCluster {
                    shared_kind: kind.to_string(),
                    shared_name: names.get(&code).cloned().unwrap_or_else(|| code.clone()),
                    shared_code: code,
                    people: c.people,
                    first_on: c.first_on,
                    last_on: c.last_on,
                    shared_words: common.into_iter().take(8).map(|(w, _)| w.to_string()).collect(),
                    cases: c
                        .cases
                        .iter()
                        .map(|id| {
                            let r = by_id[id];
                            WarningCaseRef {
                                id: r.id,
                                number: r.number.clone(),
                                received_at: r.received_at,
                                category: r.category.clone(),
                                statement: r.statement.chars().take(80).collect(),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(Warnings { min_people: policy.min_people, window_days: policy.window_days, since, clusters })
    }
}
