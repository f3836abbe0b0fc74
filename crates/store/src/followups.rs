//! 后续动作 What follows an event, in the same transaction as the event itself: the formal
//! documents (文书) it issues, the messages to the petitioner it queues, and the routing decision
//! the triage model learns from. Both registration and every later command pass through
//! [`Store::after_event`], so nothing that must follow an event can be forgotten by one path and
//! not the other.

use xinfang_core::lifecycle::{CaseFacts, Event, EventKind};

use crate::db::Tx;
use crate::{Store, StoreError};

/// The event just appended, with the case as it left it.
pub(crate) struct Followup<'a> {
    pub case_id: i64,
    pub number: &'a str,
    /// Sequence number of the event within the case's timeline.
    pub seq: i64,
    pub event: &'a Event,
    pub facts: &'a CaseFacts,
    /// 查询码 The petitioner's query code in clear — only on registration, the one moment it exists
    /// outside its keyed hash (it is shown once and sent once).
    pub query_code: Option<&'a str>,
}

impl Store {
    pub(crate) async fn after_event(&self, tx: &mut Tx, f: &Followup<'_>) -> Result<(), StoreError> {
        crate::documents::issue_for_event(self, tx, f).await?;
        tracing::debug!(
            case = f.case_id,
            number = f.number,
            seq = f.seq,
            event = f.event.kind.code(),
            state = f.facts.state.code(),
            with_query_code = f.query_code.is_some(),
            "event followups"
        );
        crate::outbox::queue_for_event(self, tx, f).await?;
        crate::triage::record_decision(self, tx, f).await?;
        crate::search::index_case(self, tx, f).await?;
        if let EventKind::Registered { .. } = f.event.kind {
            let (statement,): (String,) =
                tx.fetch_one("SELECT statement FROM cases WHERE id = $1", crate::db::args![f.case_id]).await?;
            crate::fingerprints::write(tx, f.case_id, &statement).await?;
        }
        Ok(())
    }
}
