//! 信访事项 Cases: registration, commands, reads and lists — every one scoped to the actor here,
//! in the store. A command's event, the case's new state and the audit entry are written in one
//! transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use xinfang_core::access::{self, CaseScope};
use xinfang_core::calendar::Calendar;
use xinfang_core::case::{self, local_date, Accused, Place, RegisterInput};
use xinfang_core::deadline::{self, Deadline, DeadlineKind, Policy};
use xinfang_core::lifecycle::{self, CaseFacts, Command, Context, Event, EventKind, State};
use xinfang_core::petitioner::{mask_id_number, mask_name, mask_phone, IdNumber, PetitionerInput, Phone};
use xinfang_core::user::{Actor, Role};
use xinfang_core::DomainError;

use crate::db::{args, Arg, Tx};
use crate::followups::Followup;
use crate::{Store, StoreError};

/// A deadline as shown: the due date and the rule behind it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadlineView {
    pub name: String,
    pub label: String,
    pub due: NaiveDate,
    /// The rule in words, e.g. 「受理告知 15 日，自 2026-04-20 起算」.
    pub rule: String,
    pub rule_en: String,
    /// `duty` (staff must act) or `window` (the petitioner may act).
    pub kind: String,
    pub provisional: bool,
    pub completed_on: Option<NaiveDate>,
    pub overdue: bool,
}

impl DeadlineView {
    fn from(d: &Deadline, today: NaiveDate) -> Self {
        DeadlineView {
            name: d.name.to_string(),
            label: d.label_zh.to_string(),
            due: d.due,
            rule: d.rule_zh(),
            rule_en: d.rule_en(),
            kind: match d.kind {
                DeadlineKind::Duty => "duty".into(),
                DeadlineKind::Window => "window".into(),
            },
            provisional: d.provisional,
            completed_on: d.completed_on,
            overdue: d.is_overdue(today),
        }
    }
}

/// A petitioner as shown to staff: ID and phone masked. Revealing them is a separate, audited act.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PetitionerView {
    pub id: i64,
    pub name: String,
    pub id_number_masked: Option<String>,
    /// A first-generation 15-digit ID number: ask for the current one.
    pub id_number_legacy: bool,
    pub phone_masked: Option<String>,
    pub address: Option<String>,
    pub region: Option<String>,
    pub representative: bool,
}

/// One timeline entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventView {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_unit: String,
    pub kind: String,
    pub data: serde_json::Value,
}

/// A decision of a coordination meeting, tracked on the case (落实情况).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskView {
    /// 1-based number, as `complete_task` takes it.
    pub number: u32,
    pub unit: String,
    pub implementer: String,
    pub content: String,
    pub due: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub overdue: bool,
}

/// Amounts in fen (分).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    pub claimed: i64,
    pub paid: i64,
    pub recovered: i64,
    /// claimed − paid − recovered
    pub outstanding: i64,
}

/// Everything about a case that this actor may see.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseView {
    pub id: i64,
    pub number: String,
    pub state: String,
    pub state_label: String,
    pub channel: String,
    pub petition_type: String,
    pub category: String,
    pub statement: String,
    pub demands: Option<String>,
    pub place: Place,
    pub accused: Accused,
    pub petitioners: Vec<PetitionerView>,
    pub headcount: i64,
    pub people_affected: Option<i64>,
    pub group: bool,
    pub money: Money,
    pub lead_unit: Option<String>,
    pub assisting_units: Vec<String>,
    pub registered_by_unit: String,
    pub leader_reception: bool,
    pub leader_name: Option<String>,
    pub repeat_of: Option<String>,
    pub bypass: bool,
    pub repeat_visits: i64,
    pub received_at: DateTime<Utc>,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Named due dates (`decide_by`, `handle_by`, …).
    pub deadlines: BTreeMap<String, NaiveDate>,
    pub deadline_details: Vec<DeadlineView>,
    /// The nearest open duty.
    pub next_due: Option<DeadlineView>,
    pub overdue: bool,
    pub events: Vec<EventView>,
    /// Decisions of coordination meetings and whether they were carried out.
    pub tasks: Vec<TaskView>,
    /// What this actor may do now.
    pub allowed_actions: Vec<String>,
    /// 查询码 The petitioner's query code — only in the answer to the registration that made it;
    /// afterwards only its keyed hash exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_code: Option<String>,
}

/// A row of a case list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseSummary {
    pub id: i64,
    pub number: String,
    pub state: String,
    pub state_label: String,
    pub channel: String,
    pub petition_type: String,
    pub category: String,
    pub received_at: DateTime<Utc>,
    pub lead_unit: Option<String>,
    pub petitioner: Option<String>,
    pub headcount: i64,
    pub group: bool,
    pub next_due_name: Option<String>,
    pub next_due_on: Option<NaiveDate>,
    pub overdue: bool,
    /// In a search (`q`): the text around the first hit, the searched words marked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Vec<crate::search::SnippetPart>>,
}

/// An earlier case that may be the same matter, and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepeatCandidate {
    pub case: CaseSummary,
    /// The start of its statement.
    pub statement: String,
    pub repeat_visits: i64,
    pub reasons: Vec<String>,
    /// 内容相似 How similar its statement is to the new one (0.0–1.0), when it was found by text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// Whether the statements are the same matter by the one decision
    /// ([`xinfang_text::similarity::SAME_MATTER_THRESHOLD`]); below it, possibly related.
    #[serde(default)]
    pub same_matter: bool,
    /// The words the two statements share, heaviest first (why it matched).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_words: Vec<String>,
}

impl From<CaseView> for CaseSummary {
    /// The list row of a case already read in full.
    fn from(v: CaseView) -> CaseSummary {
        CaseSummary {
            petitioner: v.petitioners.first().map(|p| p.name.clone()),
            next_due_name: v.next_due.as_ref().map(|d| d.name.clone()),
            next_due_on: v.next_due.as_ref().map(|d| d.due),
            id: v.id,
            number: v.number,
            state: v.state,
            state_label: v.state_label,
            channel: v.channel,
            petition_type: v.petition_type,
            category: v.category,
            received_at: v.received_at,
            lead_unit: v.lead_unit,
            headcount: v.headcount,
            group: v.group,
            overdue: v.overdue,
            snippet: None,
        }
    }
}

/// Filters of a case list. Every field is optional; they combine with AND.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct CaseFilter {
    /// 全文检索 Words to search for in the statement, demands, place, county, category, units and
    /// the replies and decisions (Chinese segmented as jieba does; every word must occur). The
    /// best matches come first unless `sort` is given; each row then carries a `snippet`.
    pub q: Option<String>,
    pub state: Option<String>,
    /// Lead or assisting unit code.
    pub unit: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub overdue: Option<bool>,
    /// Open, with the nearest duty due on or before this date (due-soon lists).
    pub due_by: Option<NaiveDate>,
    /// Received at a leader reception (领导接访).
    pub leader_reception: Option<bool>,
    /// Under an open supervision order (督办) — `true` — or not.
    pub supervised: Option<bool>,
    /// Received on or after this date (China time).
    pub from: Option<NaiveDate>,
    /// Received on or before this date.
    pub to: Option<NaiveDate>,
    /// `received` (newest first, default without `q`), `due` (nearest deadline first) or
    /// `relevance` (best match first, default with `q`).
    pub sort: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The number of rows — in a search (`q`), of at most [`crate::search::COUNT_CAP`]
    /// matches: with `total_capped` it is a lower bound ("1000+").
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    /// `total` stopped counting at the cap: there are more rows than it says.
    #[serde(default)]
    pub total_capped: bool,
}

pub const MAX_PER_PAGE: u32 = 200;
/// The most matches a search ranks on the index first; beyond it (a scope or filters that keep
/// few of a common word's matches) it searches in full.
const RANK_FIRST_MAX: i64 = 20_000;

/// The columns of a [`SummaryRow`] but the snippet text, over cases `c` and lead units `lu`.
const SUMMARY_COLUMNS: &str = "c.id, c.number, c.state, c.channel, c.petition_type, c.category, c.received_at, \
     lu.code AS lead_unit, (SELECT p.name FROM petitioners p WHERE p.case_id = c.id ORDER BY p.ord LIMIT 1) AS petitioner, \
     c.headcount, c.is_group, c.next_due_name, c.next_due_on";

/// List rows as the actor sees them (names masked for analysts), snippets around `words`.
fn summaries(rows: Vec<SummaryRow>, actor: &Actor, today: NaiveDate, words: &[String]) -> Vec<CaseSummary> {
    let analyst = actor.role == Role::Analyst;
    rows.into_iter()
        .map(|r| CaseSummary {
            state_label: State::from_code(&r.state).map(|s| s.label_zh()).unwrap_or_default().to_string(),
            overdue: r.next_due_on.is_some_and(|d| d < today),
            id: r.id,
            number: r.number,
            state: r.state,
            channel: r.channel,
            petition_type: r.petition_type,
            category: r.category,
            received_at: r.received_at,
            lead_unit: r.lead_unit,
            petitioner: r.petitioner.map(|n| if analyst { mask_name(&n) } else { n }),
            headcount: r.headcount,
            group: r.is_group,
            next_due_name: r.next_due_name,
            next_due_on: r.next_due_on,
            snippet: r.search_body.map(|b| crate::search::snippet_of(&b, words)),
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: i64,
    number: String,
    state: String,
    channel: String,
    petition_type: String,
    category: String,
    statement: String,
    demands: Option<String>,
    place_county: Option<String>,
    place_address: Option<String>,
    accused_unit: Option<String>,
    accused_person: Option<String>,
    headcount: i64,
    people_affected: Option<i64>,
    is_group: bool,
    leader_reception: bool,
    leader_name: Option<String>,
    repeat_of: Option<String>,
    bypass: bool,
    money_claimed: i64,
    money_paid: i64,
    money_recovered: i64,
    repeat_visits: i64,
    lead_unit: Option<String>,
    registered_by_unit: String,
    received_at: DateTime<Utc>,
    registered_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const CASE_SELECT: &str = "SELECT c.id, c.number, c.state, c.channel, c.petition_type, c.category, c.statement, \
    c.demands, c.place_county, c.place_address, au.code AS accused_unit, c.accused_person, c.headcount, \
    c.people_affected, c.is_group, c.leader_reception, c.leader_name, c.repeat_of, c.bypass, c.money_claimed, \
    c.money_paid, c.money_recovered, c.repeat_visits, lu.code AS lead_unit, ru.code AS registered_by_unit, \
    c.received_at, c.registered_at, c.updated_at \
    FROM cases c LEFT JOIN units au ON au.id = c.accused_unit_id LEFT JOIN units lu ON lu.id = c.lead_unit_id \
    JOIN units ru ON ru.id = c.registered_by_unit_id";

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    at: DateTime<Utc>,
    actor_user_id: i64,
    actor: String,
    actor_unit: String,
    data: String,
}

#[derive(sqlx::FromRow)]
struct PetitionerRow {
    id: i64,
    name: String,
    id_masked: Option<String>,
    id_legacy: bool,
    phone_masked: Option<String>,
    address: Option<String>,
    region: Option<String>,
    representative: bool,
}

/// SQL text with numbered placeholders and their arguments, for queries composed from filters.
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) args: Vec<Arg>,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Sql {
        Sql { text: text.to_string(), args: Vec::new() }
    }
    /// Add an argument and return its placeholder.
    pub(crate) fn arg(&mut self, a: impl Into<Arg>) -> String {
        self.args.push(a.into());
        format!("${}", self.args.len())
    }
    pub(crate) fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
}

/// The actor's case scope as a SQL condition on `c` — the same rule as
/// [`xinfang_core::access::can_see`].
pub(crate) fn push_scope(sql: &mut Sql, actor: &Actor) {
    match access::case_scope(actor) {
        CaseScope::All => sql.push(" AND 1 = 1"),
        CaseScope::None => sql.push(" AND 1 = 0"),
        CaseScope::Unit(_) => {
            let u = sql.arg(actor.unit_id);
            sql.push(&format!(
                " AND (c.lead_unit_id = {u} OR c.registered_by_unit_id = {u} \
                 OR EXISTS (SELECT 1 FROM case_assisting_units a WHERE a.case_id = c.id AND a.unit_id = {u})) \
                 AND NOT (c.petition_type = 'accusation' AND c.accused_unit_id IS NOT NULL AND c.accused_unit_id = {u})"
            ));
        }
    }
}

async fn unscoped_row(tx: &mut Tx, case_id: i64) -> Result<CaseRow, StoreError> {
    tx.fetch_one(&format!("{CASE_SELECT} WHERE c.id = $1"), args![case_id]).await
}

fn not_found() -> StoreError {
    StoreError::NotFound { what: "信访事项" }
}

async fn load_events(tx: &mut Tx, case_id: i64) -> Result<(Vec<Event>, Vec<EventView>), StoreError> {
    let rows: Vec<EventRow> = tx
        .fetch_all(
            "SELECT e.seq, e.at, e.actor_user_id, s.username AS actor, u.code AS actor_unit, e.data \
             FROM case_events e JOIN users s ON s.id = e.actor_user_id JOIN units u ON u.id = e.actor_unit_id \
             WHERE e.case_id = $1 ORDER BY e.seq",
            args![case_id],
        )
        .await?;
    let mut events = Vec::with_capacity(rows.len());
    let mut views = Vec::with_capacity(rows.len());
    for r in rows {
        let kind: EventKind = serde_json::from_str(&r.data)
            .map_err(|e| StoreError::Corrupt(format!("case {case_id} event {}: {e}", r.seq)))?;
        views.push(EventView {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            actor_unit: r.actor_unit.clone(),
            kind: kind.code().to_string(),
            data: serde_json::from_str(&r.data).unwrap_or_default(),
        });
        events.push(Event { at: r.at, actor_user_id: r.actor_user_id, actor_unit: r.actor_unit, kind });
    }
    Ok((events, views))
}

/// The timeline of a case, for work that folds it (reminders).
pub(crate) async fn events_of(tx: &mut Tx, case_id: i64) -> Result<Vec<Event>, StoreError> {
    Ok(load_events(tx, case_id).await?.0)
}

/// Write the derived columns of the case row from its facts: state, units, money, next deadline.
async fn write_state(
    tx: &mut Tx,
    case_id: i64,
    facts: &CaseFacts,
    cal: &Calendar,
    policy: &Policy,
) -> Result<(), StoreError> {
    let dl = deadline::compute(facts, cal, policy);
    let next = deadline::next_due(&dl, facts.state);
    let lead = match &facts.lead_unit {
        Some(code) => crate::units::unit_id(tx, code).await?,
        None => None,
    };
    tx.execute(
        "UPDATE cases SET state = $1, lead_unit_id = $2, money_claimed = $3, money_paid = $4, money_recovered = $5, \
         repeat_visits = $6, next_due_name = $7, next_due_on = $8, updated_at = $9, supervised_on = $11 WHERE id = $10",
        args![
            facts.state.code(),
            lead,
            facts.money_claimed,
            facts.money_paid,
            facts.money_recovered,
            i64::from(facts.repeat_visits),
            next.map(|d| d.name.to_string()),
            next.map(|d| d.due),
            crate::now(),
            case_id,
            facts.supervised_on
        ],
    )
    .await?;
    // The units working on the case besides the lead: they see it (the store's scope reads this table).
    tx.execute("DELETE FROM case_assisting_units WHERE case_id = $1", args![case_id]).await?;
    for code in &facts.working_units() {
        if let Some(uid) = crate::units::unit_id(tx, code).await? {
            tx.execute("INSERT INTO case_assisting_units (case_id, unit_id) VALUES ($1, $2)", args![case_id, uid])
                .await?;
        }
    }
    Ok(())
}

async fn append_event(
    tx: &mut Tx,
    case_id: i64,
    actor: &Actor,
    at: DateTime<Utc>,
    kind: &EventKind,
) -> Result<(i64, Event), StoreError> {
    let (seq,): (i64,) =
        tx.fetch_one("SELECT COALESCE(MAX(seq), 0) + 1 FROM case_events WHERE case_id = $1", args![case_id]).await?;
    let data = serde_json::to_string(kind).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO case_events (case_id, seq, at, actor_user_id, actor_unit_id, kind, data) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![case_id, seq, at, actor.user_id, actor.unit_id, kind.code(), data],
    )
    .await?;
    Ok((seq, Event { at, actor_user_id: actor.user_id, actor_unit: actor.unit_code.clone(), kind: kind.clone() }))
}

/// Recompute the stored next deadline of every open case (after a calendar correction).
pub(crate) async fn recompute_open_deadlines(tx: &mut Tx, cal: &Calendar, policy: &Policy) -> Result<u64, StoreError> {
    let ids: Vec<(i64,)> =
        tx.fetch_all("SELECT id FROM cases WHERE state NOT IN ('rejected', 'closed') ORDER BY id", args![]).await?;
    let mut n = 0;
    for (id,) in ids {
        let (events, _) = load_events(tx, id).await?;
        let facts = CaseFacts::from_events(&events)
            .ok_or_else(|| StoreError::Corrupt(format!("case {id} has no registration")))?;
        let dl = deadline::compute(&facts, cal, policy);
        let next = deadline::next_due(&dl, facts.state);
        tx.execute(
            "UPDATE cases SET next_due_name = $1, next_due_on = $2 WHERE id = $3",
            args![next.map(|d| d.name.to_string()), next.map(|d| d.due), id],
        )
        .await?;
        n += 1;
    }
    Ok(n)
}

/// A code of `len` random digits (query codes, one-time codes), from the operating system's
/// random source.
pub(crate) fn new_code(len: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    (0..len).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect()
}

fn is_unique_violation(e: &StoreError) -> bool {
    matches!(e, StoreError::Database(sqlx::Error::Database(d)) if d.is_unique_violation())
}

impl Store {
    /// 登记 Register a petition. With an idempotency key, a repeated submission by the same user
    /// returns the case the first one created (`created == false`) instead of a duplicate.
    pub async fn register_case(
        &self,
        actor: &Actor,
        input: &RegisterInput,
        idempotency_key: Option<&str>,
    ) -> Result<(CaseView, bool), StoreError> {
        self.register_case_at(actor, input, idempotency_key, crate::now()).await
    }

    /// [`Store::register_case`] at a given moment — used to replay histories (demo data, tests).
    pub async fn register_case_at(
        &self,
        actor: &Actor,
        input: &RegisterInput,
        idempotency_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(CaseView, bool), StoreError> {
        lifecycle::check_register(actor)?;
        // 领导接访日: a leader reception without a name carries the leader on duty that day.
        let filled;
        let input = if input.leader_reception && input.leader_name.as_deref().map(str::trim).unwrap_or("").is_empty() {
            let day = local_date(input.received_at.map(|t| t.with_timezone(&Utc)).unwrap_or(now));
            let mut with_leader = input.clone();
            with_leader.leader_name = self.on_duty(day, "leader").await?.into_iter().next();
            filled = with_leader;
            &filled
        } else {
            input
        };
        if let Some(key) = idempotency_key {
            if let Some(id) = self.idempotent_case(actor, key).await? {
                return Ok((self.get_case(actor, id).await?, false));
            }
        }
        match self.register_tx(actor, input, idempotency_key, now).await {
            Ok(view) => Ok((view, true)),
            // A concurrent duplicate with the same key won the race: answer with its case.
            Err(e) if idempotency_key.is_some() && is_unique_violation(&e) => {
                let key = idempotency_key.unwrap_or_default();
                match self.idempotent_case(actor, key).await? {
                    Some(id) => Ok((self.get_case(actor, id).await?, false)),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The case a registration with this idempotency key created, if one did.
    pub async fn idempotent_case(&self, actor: &Actor, key: &str) -> Result<Option<i64>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let r: Option<(i64,)> = tx
            .fetch_optional(
                "SELECT case_id FROM idempotency_keys WHERE user_id = $1 AND key = $2",
                args![actor.user_id, key],
            )
            .await?;
        Ok(r.map(|r| r.0))
    }

    async fn register_tx(
        &self,
        actor: &Actor,
        input: &RegisterInput,
        idempotency_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<CaseView, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let view = self.register_in(&mut tx, actor, input, idempotency_key, now).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Register within the caller's transaction (the portal confirms a one-time code in the same
    /// one). The answer carries the new query code, the only time it is ever in clear.
    pub(crate) async fn register_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        input: &RegisterInput,
        idempotency_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<CaseView, StoreError> {
        let registry = crate::units::registry(tx).await?;
        let reg = input.validate(now, &registry)?;
        lifecycle::check_recusal(actor, &reg)?;
        if let Some(number) = &reg.repeat_of {
            // Only a case the clerk may see can be named (no probing for numbers).
            let mut sql = Sql::new("SELECT c.id FROM cases c");
            let p = sql.arg(number.as_str());
            sql.push(&format!(" WHERE c.number = {p}"));
            push_scope(&mut sql, actor);
            let exists: Option<(i64,)> = tx.fetch_optional(&sql.text, sql.args).await?;
            if exists.is_none() {
                return Err(DomainError::invalid(
                    "repeat_of",
                    "unknown_case",
                    format!("重复信访所指的案件编号「{number}」不存在"),
                    format!("Case number '{number}' given as repeated does not exist"),
                )
                .into());
            }
        }
        let year = i64::from(chrono::Datelike::year(&local_date(now)));
        let (seq,): (i64,) = tx
            .fetch_one(
                "INSERT INTO case_counters (year, last) VALUES ($1, 1) \
                 ON CONFLICT (year) DO UPDATE SET last = case_counters.last + 1 RETURNING last",
                args![year],
            )
            .await?;
        let number = case::format_case_number(year as i32, seq);
        let accused_unit = match &reg.accused.unit {
            Some(code) => crate::units::unit_id(tx, code).await?,
            None => None,
        };
        let (facts, kind) = CaseFacts::registered(&reg, &actor.unit_code);
        let (case_id,): (i64,) = tx
            .fetch_one(
                "INSERT INTO cases (number, state, channel, petition_type, category, statement, demands, place_county, \
                 place_address, accused_unit_id, accused_person, headcount, people_affected, is_group, leader_reception, \
                 leader_name, repeat_of, bypass, money_claimed, money_paid, money_recovered, repeat_visits, \
                 registered_by, registered_by_unit_id, received_at, registered_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 0, 0, \
                 $21, $22, $23, $24, $24) RETURNING id",
                args![
                    &number,
                    facts.state.code(),
                    reg.channel.code(),
                    reg.petition_type.code(),
                    &reg.category,
                    &reg.statement,
                    reg.demands.clone(),
                    reg.place.county.clone(),
                    reg.place.address.clone(),
                    accused_unit,
                    reg.accused.person.clone(),
                    i64::from(reg.headcount),
                    reg.people_affected.map(i64::from),
                    reg.is_group(),
                    reg.leader_reception,
                    reg.leader_name.clone(),
                    reg.repeat_of.clone(),
                    reg.bypass,
                    reg.money_claimed,
                    reg.money_paid,
                    actor.user_id,
                    actor.unit_id,
                    reg.received_at,
                    now
                ],
            )
            .await?;
        for (i, p) in reg.petitioners.iter().enumerate() {
            let id = p.id_number.as_ref();
            let phone = p.phone.as_ref();
            tx.execute(
                "INSERT INTO petitioners (case_id, ord, name, name_norm, id_cipher, id_index, id_masked, id_legacy, \
                 phone_cipher, phone_index, phone_masked, address, region, representative) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                args![
                    case_id,
                    i as i64,
                    &p.name,
                    xinfang_text::normalize_name(&p.name),
                    id.map(|v| self.vault.encrypt(v.as_str())),
                    id.map(|v| self.vault.blind_index("id", v.as_str())),
                    id.map(|v| mask_id_number(v.as_str())),
                    id.is_some_and(|v| v.is_legacy()),
                    phone.map(|v| self.vault.encrypt(v.as_str())),
                    phone.map(|v| self.vault.blind_index("phone", v.as_str())),
                    phone.map(|v| mask_phone(v.as_str())),
                    p.address.clone(),
                    p.region.clone(),
                    p.representative
                ],
            )
            .await?;
        }
        let (seq, event) = append_event(tx, case_id, actor, now, &kind).await?;
        let query_code = new_code(xinfang_core::portal::QUERY_CODE_LEN);
        tx.execute(
            "UPDATE cases SET query_code_index = $1 WHERE id = $2",
            args![self.vault.blind_index("query_code", &query_code), case_id],
        )
        .await?;
        let cal = self.current_calendar(tx).await?;
        write_state(tx, case_id, &facts, &cal, &self.policy).await?;
        self.after_event(
            tx,
            &Followup { case_id, number: &number, seq, event: &event, facts: &facts, query_code: Some(&query_code) },
        )
        .await?;
        if let Some(key) = idempotency_key {
            tx.execute(
                "INSERT INTO idempotency_keys (user_id, key, case_id, created_at) VALUES ($1, $2, $3, $4)",
                args![actor.user_id, key, case_id, now],
            )
            .await?;
        }
        crate::audit::append(
            tx,
            Some(actor),
            "case.register",
            "case",
            &case_id.to_string(),
            serde_json::json!({"number": number, "channel": reg.channel.code(), "category": reg.category}),
        )
        .await?;
        let row = unscoped_row(tx, case_id).await?;
        let mut view = self.view(tx, actor, row).await?;
        view.query_code = Some(query_code);
        Ok(view)
    }

    /// Load a case row if the actor may see it.
    async fn scoped_row(&self, tx: &mut Tx, actor: &Actor, case_id: i64, lock: bool) -> Result<CaseRow, StoreError> {
        let mut sql = Sql::new(CASE_SELECT);
        let p = sql.arg(case_id);
        sql.push(&format!(" WHERE c.id = {p}"));
        push_scope(&mut sql, actor);
        if lock {
            sql.push(tx.for_update());
        }
        tx.fetch_optional(&sql.text, sql.args).await?.ok_or_else(not_found)
    }

    /// Everything about one case, if the actor may see it (otherwise "not found").
    pub async fn get_case(&self, actor: &Actor, case_id: i64) -> Result<CaseView, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let row = self.scoped_row(&mut tx, actor, case_id, false).await?;
        self.view(&mut tx, actor, row).await
    }

    /// A case as a person opens it (the case page, the API): like [`Store::get_case`], and
    /// recorded in the audit log — names and the statement are personal data, so every reading
    /// of a whole case is on record. (Lists are not recorded; they show no ID or phone numbers.)
    pub async fn open_case(&self, actor: &Actor, case_id: i64) -> Result<CaseView, StoreError> {
        let view = self.get_case(actor, case_id).await?;
        let mut tx = self.pool.begin_write().await?;
        crate::audit::append(&mut tx, Some(actor), "case.view", "case", &case_id.to_string(), serde_json::json!({}))
            .await?;
        tx.commit().await?;
        Ok(view)
    }

    /// The id of a case by its number, if the actor may see it.
    pub async fn case_id_by_number(&self, actor: &Actor, number: &str) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let mut sql = Sql::new("SELECT c.id FROM cases c");
        let p = sql.arg(number);
        sql.push(&format!(" WHERE c.number = {p}"));
        push_scope(&mut sql, actor);
        let r: Option<(i64,)> = tx.fetch_optional(&sql.text, sql.args).await?;
        r.map(|r| r.0).ok_or_else(not_found)
    }

    async fn view(&self, tx: &mut Tx, actor: &Actor, row: CaseRow) -> Result<CaseView, StoreError> {
        let (events, event_views) = load_events(tx, row.id).await?;
        let facts = CaseFacts::from_events(&events)
            .ok_or_else(|| StoreError::Corrupt(format!("case {} has no registration event", row.id)))?;
        let petitioners: Vec<PetitionerRow> = tx
            .fetch_all(
                "SELECT id, name, id_masked, id_legacy, phone_masked, address, region, representative \
                 FROM petitioners WHERE case_id = $1 ORDER BY ord",
                args![row.id],
            )
            .await?;
        let assisting: Vec<(String,)> = tx
            .fetch_all(
                "SELECT u.code FROM case_assisting_units a JOIN units u ON u.id = a.unit_id WHERE a.case_id = $1 ORDER BY u.code",
                args![row.id],
            )
            .await?;
        let registry = crate::units::registry(tx).await?;
        let bureau = crate::units::bureau_code(tx).await?;
        let cal = self.current_calendar(tx).await?;
        let ctx = Context {
            now: crate::now(),
            calendar: &cal,
            policy: &self.policy,
            bureau: &bureau,
            units: &registry.units,
        };
        let today = ctx.today();
        let dl = deadline::compute(&facts, &cal, &self.policy);
        let next = deadline::next_due(&dl, facts.state).map(|d| DeadlineView::from(d, today));
        let analyst = actor.role == Role::Analyst;
        let state = State::from_code(&row.state).ok_or_else(|| StoreError::Corrupt(format!("state {}", row.state)))?;
        Ok(CaseView {
            id: row.id,
            number: row.number,
            state: row.state,
            state_label: state.label_zh().to_string(),
            channel: row.channel,
            petition_type: row.petition_type,
            category: row.category,
            statement: row.statement,
            demands: row.demands,
            place: Place { county: row.place_county, address: row.place_address },
            accused: Accused { unit: row.accused_unit, person: row.accused_person },
            petitioners: petitioners
                .into_iter()
                .map(|p| PetitionerView {
                    id: p.id,
                    name: if analyst { mask_name(&p.name) } else { p.name },
                    id_number_masked: p.id_masked,
                    id_number_legacy: p.id_legacy,
                    phone_masked: p.phone_masked,
                    address: if analyst { None } else { p.address },
                    region: p.region,
                    representative: p.representative,
                })
                .collect(),
            headcount: row.headcount,
            people_affected: row.people_affected,
            group: row.is_group,
            money: Money {
                claimed: row.money_claimed,
                paid: row.money_paid,
                recovered: row.money_recovered,
                outstanding: row.money_claimed - row.money_paid - row.money_recovered,
            },
            lead_unit: row.lead_unit,
            assisting_units: assisting.into_iter().map(|a| a.0).collect(),
            registered_by_unit: row.registered_by_unit,
            leader_reception: row.leader_reception,
            leader_name: row.leader_name,
            repeat_of: row.repeat_of,
            bypass: row.bypass,
            repeat_visits: row.repeat_visits,
            received_at: row.received_at,
            registered_at: row.registered_at,
            updated_at: row.updated_at,
            deadlines: dl.iter().map(|d| (d.name.to_string(), d.due)).collect(),
            overdue: next.as_ref().is_some_and(|n| n.overdue),
            deadline_details: dl.iter().map(|d| DeadlineView::from(d, today)).collect(),
            next_due: next,
            tasks: facts
                .tasks
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let due = cal.add_days(t.from, t.days).date;
                    TaskView {
                        number: i as u32 + 1,
                        unit: t.unit.clone(),
                        implementer: t.implementer.clone(),
                        content: t.content.clone(),
                        due,
                        done_on: t.done_on,
                        overdue: t.done_on.is_none() && today > due,
                    }
                })
                .collect(),
            events: event_views,
            allowed_actions: lifecycle::allowed_actions(&facts, actor, &ctx).into_iter().map(String::from).collect(),
            query_code: None,
        })
    }

    /// Apply a command to a case: decided by the core rules, written in one transaction with
    /// its audit entry. Refusals come back as [`StoreError::Domain`].
    pub async fn act(&self, actor: &Actor, case_id: i64, cmd: &Command) -> Result<CaseView, StoreError> {
        self.act_inner(actor, case_id, cmd, None, false).await
    }

    /// A command of the petitioner's own through the portal: the case is not in the public
    /// actor's scope (it sees no case by query); the portal proved the query code instead.
    pub(crate) async fn act_petitioner(
        &self,
        actor: &Actor,
        case_id: i64,
        cmd: &Command,
    ) -> Result<CaseView, StoreError> {
        self.act_inner(actor, case_id, cmd, None, true).await
    }

    /// [`Store::act`] at a given moment — used to replay histories (demo data, tests); the
    /// moment must not be earlier than the case's last event.
    pub async fn act_at(
        &self,
        actor: &Actor,
        case_id: i64,
        cmd: &Command,
        now: DateTime<Utc>,
    ) -> Result<CaseView, StoreError> {
        self.act_inner(actor, case_id, cmd, Some(now), false).await
    }

    async fn act_inner(
        &self,
        actor: &Actor,
        case_id: i64,
        cmd: &Command,
        at: Option<DateTime<Utc>>,
        petitioner: bool,
    ) -> Result<CaseView, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let row = if petitioner {
            let sql = format!("{CASE_SELECT} WHERE c.id = $1{}", tx.for_update());
            tx.fetch_optional(&sql, args![case_id]).await?.ok_or_else(not_found)?
        } else {
            self.scoped_row(&mut tx, actor, case_id, true).await?
        };
        // A live command takes its time once it holds the case: a command that waited for
        // another is later than it, never earlier.
        let now = at.unwrap_or_else(crate::now);
        let (events, _) = load_events(&mut tx, row.id).await?;
        let mut facts = CaseFacts::from_events(&events)
            .ok_or_else(|| StoreError::Corrupt(format!("case {case_id} has no registration event")))?;
        if let Some(last) = events.last() {
            if now < last.at {
                return Err(StoreError::conflict(
                    "time_before_last_event",
                    "操作时间不能早于案件的上一条记录",
                    "The action's time cannot be earlier than the case's last event",
                ));
            }
        }
        let registry = crate::units::registry(&mut tx).await?;
        let bureau = crate::units::bureau_code(&mut tx).await?;
        let cal = self.current_calendar(&mut tx).await?;
        let ctx = Context { now, calendar: &cal, policy: &self.policy, bureau: &bureau, units: &registry.units };
        let kind = lifecycle::decide(&facts, actor, cmd, &ctx)?;
        let (seq, event) = append_event(&mut tx, case_id, actor, now, &kind).await?;
        facts.apply(&event);
        write_state(&mut tx, case_id, &facts, &cal, &self.policy).await?;
        self.after_event(
            &mut tx,
            &Followup { case_id, number: &row.number, seq, event: &event, facts: &facts, query_code: None },
        )
        .await?;
        // 分流: a visitor whose number was called to the platform now waits at the unit's window.
        let routed_to = match &kind {
            EventKind::Forwarded { unit, .. } => crate::units::unit_id(&mut tx, unit).await?,
            EventKind::Assigned { lead, .. } => crate::units::unit_id(&mut tx, lead).await?,
            _ => None,
        };
        if let Some(uid) = routed_to {
            tx.execute(
                "UPDATE hall_tickets SET status = 'routed', unit_id = $1, routed_at = $2 WHERE case_id = $3 AND status = 'called'",
                args![uid, now, case_id],
            )
            .await?;
        }
        crate::audit::append(
            &mut tx,
            Some(actor),
            &format!("case.{}", cmd.action()),
            "case",
            &case_id.to_string(),
            serde_json::json!({"number": row.number, "state": facts.state.code()}),
        )
        .await?;
        // The answer is the case as this command left it, read in the same transaction: after an
        // objection the unit no longer sees the case, but it is told what it did.
        let row = unscoped_row(&mut tx, case_id).await?;
        let view = self.view(&mut tx, actor, row).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// The cases this actor may see, filtered and paged.
    ///
    /// A search (`q`) counts at most [`crate::search::COUNT_CAP`] matches (`total_capped` says
    /// when there are more) and, in the order of relevance, ranks the best matches on the index
    /// alone before it reads their cases: the scope and filters then keep the first of those, and
    /// only when they keep too few for the page does it take more (or, past a bound, search in
    /// full). Either way the page holds exactly the rows of the full search.
    pub async fn list_cases(&self, actor: &Actor, f: &CaseFilter) -> Result<Page<CaseSummary>, StoreError> {
        let per_page = f.per_page.unwrap_or(50).clamp(1, MAX_PER_PAGE);
        let page = f.page.unwrap_or(1).max(1);
        let today = local_date(crate::now());
        let backend = self.backend();
        let words = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(crate::search::query_words);
        // Only stop words or punctuation: nothing to look for, nothing found.
        if words.as_ref().is_some_and(|w| w.is_empty()) {
            return Ok(Page { items: Vec::new(), total: 0, total_capped: false, page, per_page });
        }
        // The scope and the filters, as conditions on `c` (and `lu`, the lead unit).
        let mut conds = Sql::new("");
        push_scope(&mut conds, actor);
        if let Some(s) = &f.state {
            let p = conds.arg(s.as_str());
            conds.push(&format!(" AND c.state = {p}"));
        }
        if let Some(u) = &f.unit {
            let p = conds.arg(u.as_str());
            conds.push(&format!(
                " AND (lu.code = {p} OR EXISTS (SELECT 1 FROM case_assisting_units a JOIN units au ON au.id = a.unit_id \
                 WHERE a.case_id = c.id AND au.code = {p}))"
            ));
        }
        if let Some(c) = &f.category {
            let p = conds.arg(c.as_str());
            conds.push(&format!(" AND c.category = {p}"));
        }
        if let Some(c) = &f.channel {
            let p = conds.arg(c.as_str());
            conds.push(&format!(" AND c.channel = {p}"));
        }
        if let Some(d) = f.due_by {
            let p = conds.arg(d);
            conds.push(&format!(" AND c.next_due_on <= {p}"));
        }
        if let Some(l) = f.leader_reception {
            let p = conds.arg(l);
            conds.push(&format!(" AND c.leader_reception = {p}"));
        }
        match f.supervised {
            Some(true) => conds.push(" AND c.supervised_on IS NOT NULL"),
            Some(false) => conds.push(" AND c.supervised_on IS NULL"),
            None => {}
        }
        match f.overdue {
            Some(true) => {
                let p = conds.arg(today);
                conds.push(&format!(" AND c.next_due_on < {p}"));
            }
            Some(false) => {
                let p = conds.arg(today);
                conds.push(&format!(" AND (c.next_due_on IS NULL OR c.next_due_on >= {p})"));
            }
            None => {}
        }
        // Dates are China dates: a day starts at 00:00 +08:00.
        if let Some(d) = f.from {
            let p = conds.arg(day_start(d));
            conds.push(&format!(" AND c.received_at >= {p}"));
        }
        if let Some(d) = f.to {
            let p = conds.arg(day_start(d + chrono::Duration::days(1)));
            conds.push(&format!(" AND c.received_at < {p}"));
        }
        const FROM: &str = " FROM cases c LEFT JOIN units lu ON lu.id = c.lead_unit_id";
        let offset = i64::from(page - 1) * i64::from(per_page);
        let due_order = " ORDER BY CASE WHEN c.next_due_on IS NULL THEN 1 ELSE 0 END, c.next_due_on, c.id";
        let received_order = " ORDER BY c.received_at DESC, c.id DESC";
        let mut tx = self.pool.begin_read().await?;
        let Some(words) = words else {
            let mut sql = Sql { text: format!("{FROM} WHERE 1 = 1{}", conds.text), args: conds.args };
            let (total,): (i64,) = tx.fetch_one(&format!("SELECT COUNT(*){}", sql.text), sql.args.clone()).await?;
            let order = if f.sort.as_deref() == Some("due") { due_order } else { received_order };
            let lim = sql.arg(i64::from(per_page));
            let off = sql.arg(offset);
            let rows: Vec<SummaryRow> = tx
                .fetch_all(
                    &format!(
                        "SELECT {SUMMARY_COLUMNS}, CAST(NULL AS TEXT) AS search_body{}{order} LIMIT {lim} OFFSET {off}",
                        sql.text
                    ),
                    sql.args,
                )
                .await?;
            let items = summaries(rows, actor, today, &[]);
            return Ok(Page { items, total, page, per_page, total_capped: false });
        };
        // Neither a scope nor a filter: every match of the index is in the list.
        let narrowed = conds.text != " AND 1 = 1";
        let query = crate::search::query_arg(backend, &words);
        let p = conds.arg(query.clone());
        let join = crate::search::join(backend);
        // The full search: every condition, the words matched on the joined index.
        let full = Sql {
            text: format!("{FROM}{join} WHERE 1 = 1{}{}", conds.text, crate::search::matches(backend, &p)),
            args: conds.args.clone(),
        };
        let (counted,): (i64,) = tx
            .fetch_one(
                &format!("SELECT COUNT(*) FROM (SELECT 1{} LIMIT {}) t", full.text, crate::search::COUNT_CAP + 1),
                full.args.clone(),
            )
            .await?;
        let total_capped = counted > crate::search::COUNT_CAP;
        let total = counted.min(crate::search::COUNT_CAP);
        let relevance = matches!(f.sort.as_deref(), None | Some("relevance"));
        let mut ids: Option<Vec<i64>> = None;
        if !total_capped && total <= offset {
            ids = Some(Vec::new());
        } else if relevance {
            // Rank on the index first: the best k matches, then the scope and filters on them.
            let need = offset + i64::from(per_page);
            let mut only = Sql::new("");
            let q1 = only.arg(query.clone());
            // Matches on the index alone (cheap: no rank, no cases), past the bound not counted.
            // Without a scope or filter every match is listed: the best `need` are the page's, and
            // fewer mean the index has no more — one pass, and no count needed.
            let in_index = if narrowed {
                tx.fetch_one::<(i64,)>(&crate::search::count_index(backend, &q1, RANK_FIRST_MAX + 1), only.args)
                    .await?
                    .0
            } else {
                need
            };
            let mut k = if narrowed {
                // Enough of the index's best for the page at the share the conditions kept.
                let share = counted as f64 / in_index.max(1) as f64;
                ((need as f64 / share.max(1e-6)) * 1.5) as i64 + 100
            } else {
                need
            };
            if in_index <= RANK_FIRST_MAX {
                k = k.min(in_index);
            }
            while k <= RANK_FIRST_MAX {
                let mut sql = Sql {
                    text: format!(
                        " FROM {} JOIN cases c ON c.id = m.id LEFT JOIN units lu ON lu.id = c.lead_unit_id WHERE 1 = 1{}",
                        crate::search::ranked(backend, &p, k),
                        conds.text
                    ),
                    args: conds.args.clone(),
                };
                let lim = sql.arg(i64::from(per_page));
                let off = sql.arg(offset);
                let got: Vec<(i64,)> = tx
                    .fetch_all(
                        &format!(
                            "SELECT c.id{}{} LIMIT {lim} OFFSET {off}",
                            sql.text,
                            crate::search::ranked_order(backend)
                        ),
                        sql.args,
                    )
                    .await?;
                // A short page is the search's own when these k were all the index's matches.
                if got.len() as i64 == i64::from(per_page) || k >= in_index {
                    ids = Some(got.into_iter().map(|r| r.0).collect());
                    break;
                }
                k = if in_index <= RANK_FIRST_MAX { (k * 4).min(in_index) } else { k * 4 };
            }
        }
        let ids = match ids {
            Some(ids) => ids,
            None => {
                let order = match f.sort.as_deref() {
                    Some("due") => due_order.to_string(),
                    None | Some("relevance") => crate::search::order(backend, &p),
                    _ => received_order.to_string(),
                };
                let mut sql = full;
                let lim = sql.arg(i64::from(per_page));
                let off = sql.arg(offset);
                let got: Vec<(i64,)> =
                    tx.fetch_all(&format!("SELECT c.id{}{order} LIMIT {lim} OFFSET {off}", sql.text), sql.args).await?;
                got.into_iter().map(|r| r.0).collect()
            }
        };
        // Only the page's cases are read in full (petitioner, snippet text).
        let mut rows: Vec<SummaryRow> = Vec::new();
        if !ids.is_empty() {
            let mut sql = Sql::new("");
            let list: Vec<String> = ids.iter().map(|id| sql.arg(*id)).collect();
            rows = tx
                .fetch_all(
                    &format!(
                        "SELECT {SUMMARY_COLUMNS}, {} AS search_body{FROM}{join} WHERE c.id IN ({})",
                        crate::search::body_column(backend),
                        list.join(", ")
                    ),
                    sql.args,
                )
                .await?;
            rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
        }
        let items = summaries(rows, actor, today, &words);
        Ok(Page { items, total, page, per_page, total_capped })
    }

    /// 查看完整号码 Reveal a petitioner's full ID or phone number: only for roles that may, only
    /// on a case the actor can see, and always audited.
    pub async fn reveal_personal_data(
        &self,
        actor: &Actor,
        case_id: i64,
        petitioner_id: i64,
        field: &str,
    ) -> Result<String, StoreError> {
        if !access::can_reveal_personal_data(actor) {
            return Err(DomainError::forbidden(
                "您的角色无权查看完整的身份证号码或电话号码",
                "Your role may not reveal full ID or phone numbers",
            )
            .into());
        }
        let column = match field {
            "id_number" => "id_cipher",
            "phone" => "phone_cipher",
            _ => {
                return Err(DomainError::invalid(
                    "field",
                    "bad_field",
                    "只能查看 id_number（身份证号码）或 phone（电话号码）",
                    "Only id_number or phone can be revealed",
                )
                .into())
            }
        };
        let mut tx = self.pool.begin_write().await?;
        self.scoped_row(&mut tx, actor, case_id, false).await?;
        let r: Option<(Option<String>,)> = tx
            .fetch_optional(
                &format!("SELECT {column} FROM petitioners WHERE id = $1 AND case_id = $2"),
                args![petitioner_id, case_id],
            )
            .await?;
        let cipher =
            r.ok_or(StoreError::NotFound { what: "信访人" })?.0.ok_or(StoreError::NotFound { what: "号码" })?;
        let value = self.vault.decrypt(&cipher)?;
        crate::audit::append(
            &mut tx,
            Some(actor),
            "personal_data.reveal",
            "petitioner",
            &petitioner_id.to_string(),
            serde_json::json!({"case_id": case_id, "field": field}),
        )
        .await?;
        tx.commit().await?;
        Ok(value)
    }

    /// Check a registration as [`Store::register_case`] would, without saving it (so a form can
    /// show its errors before anything else).
    pub async fn check_registration(&self, actor: &Actor, input: &RegisterInput) -> Result<(), StoreError> {
        lifecycle::check_register(actor)?;
        let mut tx = self.pool.begin_read().await?;
        let registry = crate::units::registry(&mut tx).await?;
        let reg = input.validate(crate::now(), &registry)?;
        lifecycle::check_recusal(actor, &reg)?;
        Ok(())
    }

    /// 重复信访 Earlier cases that may be the same person's (by ID number or phone through the
    /// blind index, or by name and the place where the matter arose), each with why it matched —
    /// shown before a registration is saved, so a repeat visit is linked, not registered again.
    pub async fn possible_repeats(
        &self,
        actor: &Actor,
        input: &RegisterInput,
    ) -> Result<Vec<RepeatCandidate>, StoreError> {
        self.repeat_candidates(actor, &input.petitioners, input.place.county.as_deref(), Some(&input.statement)).await
    }

    /// The probes behind [`Store::possible_repeats`] and [`Store::cases_of_person`]: the ten
    /// newest visible cases matching any of these people, and — with a statement — up to ten
    /// whose statements are similar (same matter, or possibly related), each with why.
    async fn repeat_candidates(
        &self,
        actor: &Actor,
        petitioners: &[PetitionerInput],
        place_county: Option<&str>,
        statement: Option<&str>,
    ) -> Result<Vec<RepeatCandidate>, StoreError> {
        let today = local_date(crate::now());
        let mut reasons: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        let mut tx = self.pool.begin_read().await?;
        for p in petitioners {
            let name = p.name.trim();
            let mut probes: Vec<(&str, String, Vec<Arg>)> = Vec::new();
            if let Some(id) = p.id_number.as_deref().and_then(|v| IdNumber::parse(v, today).ok()) {
                probes.push((
                    "p.id_index = $1",
                    format!("身份证号码相同（{name}）"),
                    args![self.vault.blind_index("id", id.as_str())],
                ));
            }
            if let Some(ph) = p.phone.as_deref().and_then(|v| Phone::parse(v).ok()) {
                probes.push((
                    "p.phone_index = $1",
                    format!("电话号码相同（{name}）"),
                    args![self.vault.blind_index("phone", ph.as_str())],
                ));
            }
            if let (false, Some(county)) = (name.is_empty(), place_county.filter(|c| !c.is_empty())) {
                probes.push((
                    "p.name_norm = $1 AND c.place_county = $2",
                    format!("姓名和问题发生地相同（{name}）"),
                    args![xinfang_text::normalize_name(name), county],
                ));
            }
            for (cond, why, probe_args) in probes {
                let mut sql =
                    Sql::new("SELECT DISTINCT c.id FROM cases c JOIN petitioners p ON p.case_id = c.id WHERE ");
                sql.args = probe_args;
                sql.push(cond);
                push_scope(&mut sql, actor);
                sql.push(" ORDER BY c.id DESC LIMIT 10");
                let ids: Vec<(i64,)> = tx.fetch_all(&sql.text, sql.args).await?;
                for (id,) in ids {
                    let list = reasons.entry(id).or_default();
                    if !list.contains(&why) {
                        list.push(why.clone());
                    }
                }
            }
        }
        let mut by_text: BTreeMap<i64, xinfang_text::similarity::Comparison> = BTreeMap::new();
        if let Some(text) = statement.filter(|s| !s.trim().is_empty()) {
            let similar =
                crate::fingerprints::similar_cases(&mut tx, actor, text, xinfang_text::similarity::RELATED_THRESHOLD)
                    .await?;
            for (id, cmp) in similar.into_iter().take(10) {
                let why = if cmp.score >= xinfang_text::similarity::SAME_MATTER_THRESHOLD {
                    format!("内容相似 {:.2}", cmp.score)
                } else {
                    format!("内容可能相关 {:.2}", cmp.score)
                };
                reasons.entry(id).or_default().push(why);
                by_text.insert(id, cmp);
            }
        }
        drop(tx);
        let mut out = Vec::new();
        for (id, why) in reasons.into_iter().rev().take(20) {
            let v = self.get_case(actor, id).await?;
            let cmp = by_text.remove(&id);
            out.push(RepeatCandidate {
                statement: v.statement.chars().take(120).collect(),
                repeat_visits: v.repeat_visits,
                case: CaseSummary::from(v),
                reasons: why,
                similarity: cmp.as_ref().map(|c| c.score),
                same_matter: cmp.as_ref().is_some_and(|c| c.score >= xinfang_text::similarity::SAME_MATTER_THRESHOLD),
                shared_words: cmp.map(|c| c.shared.into_iter().take(8).collect()).unwrap_or_default(),
            });
        }
        // Identity matches and same-matter texts first, then possibly related; newest first within.
        out.sort_by_key(|c| {
            let strong = c.same_matter || c.reasons.iter().any(|r| !r.starts_with("内容"));
            (!strong, std::cmp::Reverse(c.case.id))
        });
        Ok(out)
    }

    /// Earlier cases of the same person (by ID number or phone, through the blind index, however
    /// the numbers are typed), oldest first — the identity part of repeat detection.
    pub async fn cases_of_person(
        &self,
        actor: &Actor,
        id_number: Option<&str>,
        phone: Option<&str>,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        let person = PetitionerInput {
            id_number: id_number.map(str::to_string),
            phone: phone.map(str::to_string),
            ..Default::default()
        };
        let mut found: Vec<CaseSummary> =
            self.repeat_candidates(actor, &[person], None, None).await?.into_iter().map(|c| c.case).collect();
        found.sort_by_key(|c| c.id);
        Ok(found)
    }
}

pub(crate) fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(case::china_offset())
        .single()
        .expect("fixed offsets are unambiguous")
        .with_timezone(&Utc)
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    number: String,
    state: String,
    channel: String,
    petition_type: String,
    category: String,
    received_at: DateTime<Utc>,
    lead_unit: Option<String>,
    petitioner: Option<String>,
    headcount: i64,
    is_group: bool,
    next_due_name: Option<String>,
    next_due_on: Option<NaiveDate>,
    search_body: Option<String>,
}
