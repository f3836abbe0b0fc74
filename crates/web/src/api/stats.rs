//! `GET /api/v1/stats`: every figure of a period, with numerator and denominator, whole and by
//! group, and its two comparisons. The formulas are in [`xinfang_core::figures::DEFINITIONS`].

use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use xinfang_core::figures::{Definition, GroupBy, PeriodFigures, DEFINITIONS};
use xinfang_core::Lang;

use crate::error::{ApiError, ErrorResponse};
use crate::extract::{ApiQuery, Authed};
use crate::AppState;

/// `?from=2026-07-01&to=2026-09-30&by=unit`
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First day of the period (China date, `YYYY-MM-DD`), included.
    pub from: Option<String>,
    /// Last day of the period (`YYYY-MM-DD`), included.
    pub to: Option<String>,
    /// Breakdown: `unit` (lead unit), `channel`, `category` or `region` (county).
    pub by: Option<String>,
}

/// The figures of the cases received in the period that the caller may see.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatsOut {
    /// The evaluation day: duties still open and not yet late on it are not counted.
    pub as_of: NaiveDate,
    pub by: Option<GroupBy>,
    pub current: PeriodFigures,
    /// 环比 the previous period of equal length.
    pub previous: PeriodFigures,
    /// 同比 the same period last year.
    pub last_year: PeriodFigures,
    /// How every figure is counted.
    pub definitions: Vec<Definition>,
}

fn date(lang: Lang, name: &str, zh: &str, v: Option<&str>) -> Result<NaiveDate, ApiError> {
    let v = v.map(str::trim).unwrap_or("");
    if v.is_empty() {
        return Err(ApiError::invalid(
            lang,
            format!("请提供{zh} {name}（格式 YYYY-MM-DD）"),
            format!("The query parameter '{name}' (YYYY-MM-DD) is required"),
        ));
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
        ApiError::invalid(
            lang,
            format!("{zh} {name}「{v}」不是有效日期，格式应为 YYYY-MM-DD"),
            format!("'{name}' = '{v}' is not a valid date; use YYYY-MM-DD"),
        )
    })
}

/// 统计 Every figure the bureau is judged by for the cases received from `from` to `to` (both
/// included) that the caller may see — the whole city for bureau leadership, supervisors and
/// analysts, a unit's own cases for its staff — each rate with numerator and denominator, broken
/// down `by` unit, channel, category or region, with the previous period of equal length and the
/// same period last year.
#[utoipa::path(get, path = "/api/v1/stats", tag = "stats", security(("bearer" = [])), params(StatsQuery),
    responses((status = 200, body = StatsOut), (status = 401, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn stats(
    State(app): State<AppState>,
    auth: Authed,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<StatsOut>, ApiError> {
    let lang = auth.lang;
    let from = date(lang, "from", "起始日期", q.from.as_deref())?;
    let to = date(lang, "to", "截止日期", q.to.as_deref())?;
    if from > to {
        return Err(ApiError::invalid(
            lang,
            format!("截止日期 to（{to}）早于起始日期 from（{from}）"),
            format!("'to' ({to}) is before 'from' ({from})"),
        ));
    }
    if (to - from).num_days() >= 366 * 5 {
        return Err(ApiError::invalid(lang, "统计期间最长五年".into(), "A period is at most five years long".into()));
    }
    let by = match q.by.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(GroupBy::from_code(s).ok_or_else(|| {
            ApiError::invalid(
                lang,
                format!("分组方式 by「{s}」无效，应为 {} 之一", GroupBy::codes()),
                format!("'by' = '{s}' is not one of {}", GroupBy::codes()),
            )
        })?),
    };
    let s = app.store.stats(&auth.actor, from, to, by).await.map_err(|e| ApiError::from_store(e, lang))?;
    Ok(Json(StatsOut {
        as_of: s.as_of,
        by: s.by,
        current: s.current,
        previous: s.previous,
        last_year: s.last_year,
        definitions: DEFINITIONS.to_vec(),
    }))
}
