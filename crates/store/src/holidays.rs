//! 节假日 The holiday calendar as stored: shipped years are seeded, administrators import and
//! correct years, and every correction recomputes the deadlines of open cases.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;
use xinfang_core::calendar::{Calendar, HolidayYear, NamedDay, YearSource};
use xinfang_core::user::Actor;

use crate::db::{args, Tx};
use crate::{Store, StoreError};

/// A stored year, for listings.
#[derive(Debug, Clone, Serialize)]
pub struct YearSummary {
    pub year: i64,
    pub source: String,
    pub title: Option<String>,
    pub holidays: usize,
    pub workdays: usize,
}

async fn write_year(tx: &mut Tx, y: &HolidayYear) -> Result<(), StoreError> {
    let (source, title) = match &y.source {
        YearSource::Notice { title } => ("notice", Some(title.clone())),
        YearSource::Derived => ("derived", None),
    };
    let year = i64::from(y.year);
    tx.execute("DELETE FROM holiday_days WHERE year = $1", args![year]).await?;
    tx.execute("DELETE FROM holiday_years WHERE year = $1", args![year]).await?;
    tx.execute(
        "INSERT INTO holiday_years (year, source, title, updated_at) VALUES ($1, $2, $3, $4)",
        args![year, source, title, crate::now()],
    )
    .await?;
    for (kind, days) in [("holiday", &y.holidays), ("workday", &y.workdays)] {
        for d in days {
            tx.execute(
                "INSERT INTO holiday_days (day, year, kind, name) VALUES ($1, $2, $3, $4)",
                args![d.date, year, kind, &d.name],
            )
            .await?;
        }
    }
    Ok(())
}

/// The settings key whose value changes whenever any year changes, so every node (every
/// `Store` on the same database) notices a correction made by another.
const VERSION_KEY: &str = "calendar.version";

async fn bump_version(tx: &mut Tx) -> Result<(), StoreError> {
    let v = format!("{}", crate::now().timestamp_micros());
    tx.execute(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        args![VERSION_KEY, v],
    )
    .await?;
    Ok(())
}

async fn read_calendar(tx: &mut Tx) -> Result<Calendar, StoreError> {
    let years: Vec<(i64, String, Option<String>)> =
        tx.fetch_all("SELECT year, source, title FROM holiday_years ORDER BY year", args![]).await?;
    let days: Vec<(NaiveDate, i64, String, String)> =
        tx.fetch_all("SELECT day, year, kind, name FROM holiday_days ORDER BY day", args![]).await?;
    let list = years.into_iter().map(|(year, source, title)| {
        let of = |kind: &str| {
            days.iter()
                .filter(|d| d.1 == year && d.2 == kind)
                .map(|d| NamedDay { date: d.0, name: d.3.clone() })
                .collect::<Vec<_>>()
        };
        HolidayYear {
            year: year as i32,
            source: if source == "notice" {
                YearSource::Notice { title: title.unwrap_or_default() }
            } else {
                YearSource::Derived
            },
            holidays: of("holiday"),
            workdays: of("workday"),
        }
    });
    Ok(Calendar::new(list.collect::<Vec<_>>()))
}

impl Store {
    /// Insert the shipped years that the database does not have (never overwrites an
    /// administrator's correction).
    pub(crate) async fn seed_shipped_calendar(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_write().await?;
        // Nodes starting together on a fresh database seed one at a time.
        tx.lock_writers().await?;
        let mut added = Vec::new();
        for y in Calendar::shipped_years() {
            let exists: Option<(i64,)> =
                tx.fetch_optional("SELECT year FROM holiday_years WHERE year = $1", args![i64::from(y.year)]).await?;
            if exists.is_none() {
                write_year(&mut tx, &y).await?;
                added.push(y.year);
            }
        }
        if !added.is_empty() {
            bump_version(&mut tx).await?;
            crate::audit::append(
                &mut tx,
                None,
                "calendar.seed",
                "calendar",
                "shipped",
                serde_json::json!({"years": added}),
            )
            .await?;
        }
        tx.commit().await
    }

    /// Re-read the calendar from the database into memory.
    pub async fn reload_calendar(&self) -> Result<Arc<Calendar>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        self.current_calendar(&mut tx).await
    }

    /// The calendar in force, re-read only when another node (or this one) changed it.
    pub(crate) async fn current_calendar(&self, tx: &mut Tx) -> Result<Arc<Calendar>, StoreError> {
        let v: Option<(String,)> =
            tx.fetch_optional("SELECT value FROM settings WHERE key = $1", args![VERSION_KEY]).await?;
        let version = v.map(|v| v.0).unwrap_or_default();
        {
            let cached = self.calendar.read().unwrap_or_else(|p| p.into_inner());
            if cached.0 == version && !version.is_empty() {
                return Ok(cached.1.clone());
            }
        }
        let cal = Arc::new(read_calendar(tx).await?);
        let mut g = self.calendar.write().unwrap_or_else(|p| p.into_inner());
        *g = (version, cal.clone());
        Ok(cal)
    }

    /// Import (or correct) one year, then recompute every open case's deadlines. Returns how many
    /// cases had their deadlines recomputed.
    pub async fn import_holiday_year(&self, actor: Option<&Actor>, y: &HolidayYear) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        write_year(&mut tx, y).await?;
        bump_version(&mut tx).await?;
        crate::audit::append(
            &mut tx,
            actor,
            "calendar.import",
            "calendar",
            &y.year.to_string(),
            serde_json::json!({"holidays": y.holidays.len(), "workdays": y.workdays.len()}),
        )
        .await?;
        let cal = read_calendar(&mut tx).await?;
        let n = crate::cases::recompute_open_deadlines(&mut tx, &cal, &self.policy).await?;
        tx.commit().await?;
        self.reload_calendar().await?;
        Ok(n)
    }

    pub async fn holiday_years(&self) -> Result<Vec<YearSummary>, StoreError> {
        let cal = self.reload_calendar().await?;
        Ok(cal
            .years()
            .map(|y| YearSummary {
                year: i64::from(y.year),
                source: match y.source {
                    YearSource::Notice { .. } => "notice".into(),
                    YearSource::Derived => "derived".into(),
                },
                title: match &y.source {
                    YearSource::Notice { title } => Some(title.clone()),
                    YearSource::Derived => None,
                },
                holidays: y.holidays.len(),
                workdays: y.workdays.len(),
            })
            .collect())
    }
}
