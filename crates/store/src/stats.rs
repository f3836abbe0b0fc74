//! 统计 The figures of a period, for the cases the actor may see: every case of the period (and of
//! its two comparison periods) is folded from its events and classified by
//! [`xinfang_core::figures`]; nothing is counted in SQL, so the figures are the rules' own.

use chrono::NaiveDate;
use xinfang_core::case::local_date;
use xinfang_core::figures::{self, CaseFigureInput, GroupBy, Stats};
use xinfang_core::lifecycle::CaseFacts;
use xinfang_core::user::Actor;
use xinfang_core::DomainError;

use crate::cases::{day_start, events_of, push_scope, Sql};
use crate::{Store, StoreError};

impl Store {
    /// The figures of the cases received from `from` to `to` (China dates, both included) that
    /// the actor may see, broken down `by` a key, with the previous period of equal length and
    /// the same period last year. Evaluated today.
    pub async fn stats(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
        by: Option<GroupBy>,
    ) -> Result<Stats, StoreError> {
        self.stats_as_of(actor, from, to, by, local_date(crate::now())).await
    }

    /// [`Store::stats`] evaluated on a chosen day (duties open and not late on it are not counted).
    pub async fn stats_as_of(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
        by: Option<GroupBy>,
        as_of: NaiveDate,
    ) -> Result<Stats, StoreError> {
        if from > to {
            return Err(DomainError::invalid(
                "to",
                "period_reversed",
                format!("统计截止日期 {to} 早于起始日期 {from}"),
                format!("The period ends ({to}) before it starts ({from})"),
            )
            .into());
        }
        let periods = [(from, to), figures::previous_period(from, to), figures::same_period_last_year(from, to)];
        let mut sql = Sql::new("SELECT c.id FROM cases c WHERE (1 = 0");
        for (f, t) in periods {
            let a = sql.arg(day_start(f));
            let b = sql.arg(day_start(t + chrono::Duration::days(1)));
            sql.push(&format!(" OR (c.received_at >= {a} AND c.received_at < {b})"));
        }
        sql.push(")");
        push_scope(&mut sql, actor);
        sql.push(" ORDER BY c.id");
        let cal = self.calendar();
        let mut tx = self.pool.begin_read().await?;
        let ids: Vec<(i64,)> = tx.fetch_all(&sql.text, sql.args).await?;
        let mut inputs = Vec::with_capacity(ids.len());
        for (id,) in ids {
            let events = events_of(&mut tx, id).await?;
            let facts = CaseFacts::from_events(&events)
                .ok_or_else(|| StoreError::Corrupt(format!("case {id} has no registration")))?;
            inputs.push(CaseFigureInput::new(&facts, &cal, &self.policy, as_of));
        }
        tx.commit().await?;
        Ok(figures::stats(&inputs, from, to, by, as_of))
    }
}
