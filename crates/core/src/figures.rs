//! 考核指标 The figures a petition bureau is judged by, defined once.
//!
//! Every figure is computed the same way for any period, unit, channel, category or region:
//!
//! 1. **The period's cases** are the cases *received* (`received_on`, China date) in
//!    `[from, to]`, both days included. A case belongs to exactly one period, so the figures of
//!    consecutive periods add up and a period's figures can be recounted from its case list. Its
//!    later steps (acceptance, reply, rating) count for the period it was received in, as they
//!    stand on the evaluation day `as_of` (usually today).
//! 2. Each case is classified once ([`CaseFigureInput::new`]) from its facts
//!    ([`CaseFacts`], folded from its events) and its statutory deadlines ([`deadline::compute`]).
//! 3. [`figures`] adds the classified cases up. Every rate is a [`Ratio`] with numerator and
//!    denominator, so any number on a page can be checked by hand.
//!
//! A duty that is not done and not yet late on `as_of` is left out of both numerator and
//! denominator of its rate: it can still be done on time. A duty that is not done and late counts
//! in the denominator only.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::case::{code_enum, Channel};
use crate::deadline::{self, Policy};
use crate::lifecycle::{CaseFacts, Rating};

/// A rate with what it is made of: `value = num / den`, `None` when nothing was counted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ratio {
    pub num: i64,
    pub den: i64,
    pub value: Option<f64>,
}

impl Ratio {
    pub fn new(num: i64, den: i64) -> Ratio {
        Ratio { num, den, value: (den != 0).then(|| num as f64 / den as f64) }
    }
    /// As a percentage with one decimal, e.g. `87.5%`, or `—` when there is no denominator.
    pub fn percent(&self) -> String {
        self.value.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "—".into())
    }
}

/// One case, classified for every figure. Built by [`CaseFigureInput::new`]; the fields are
/// public so that tests and other callers can see exactly how a case was counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseFigureInput {
    pub received_on: NaiveDate,
    /// Breakdown keys: lead unit (the unit that holds the case; `None` while the bureau still
    /// triages it), channel, category, county where the matter arose.
    pub lead_unit: Option<String>,
    pub channel: Channel,
    pub category: String,
    pub region: Option<String>,
    /// 受理告知 was due by `as_of` or done: `Some(on time)`; still open and not late: `None`.
    pub acceptance_timely: Option<bool>,
    /// 办理 (handle_by, extension included) of the latest handling round was due by `as_of` or
    /// done: `Some(on time)`; not accepted, or open and not late: `None`.
    pub reply_on_time: Option<bool>,
    /// The case has a reply that stands (处理意见书 issued in the latest handling round).
    pub replied: bool,
    /// The petitioner rated the bureau stage or the current handling.
    pub rated: bool,
    pub bureau_rating: Option<Rating>,
    pub unit_rating: Option<Rating>,
    /// Replied, or closed.
    pub answered: bool,
    /// Answered, without a repeat visit, a review request or a re-handling, and not itself
    /// registered as the repeat of an earlier case.
    pub resolved_first_time: bool,
    /// At least one repeat visit recorded, or registered as the repeat of an earlier case.
    pub repeat: bool,
    pub group: bool,
    pub headcount: u32,
    pub bypass: bool,
    /// 分 (fen).
    pub money_recovered: i64,
    /// Days from receipt to the reply that stands, when replied.
    pub handling_days: Option<i64>,
}

impl CaseFigureInput {
    /// Classify one case as it stands on `as_of`.
    pub fn new(f: &CaseFacts, cal: &Calendar, p: &Policy, as_of: NaiveDate) -> CaseFigureInput {
        let dl = deadline::compute(f, cal, p);
        // Due and judged: done (on time or not), or not done and already late.
        let judged = |name: &str| {
            dl.iter().find(|d| d.name == name).and_then(|d| match d.completed_on {
                Some(done) => Some(done <= d.due),
                None if as_of > d.due => Some(false),
                None => None,
            })
        };
        let replied = f.replied_on.is_some();
        let answered = replied || f.closed_on.is_some();
        CaseFigureInput {
            received_on: f.received_on,
            lead_unit: f.lead_unit.clone(),
            channel: f.channel,
            category: f.category.clone(),
            region: f.place_county.clone(),
            acceptance_timely: judged("decide_by"),
            reply_on_time: judged("handle_by"),
            replied,
            rated: replied && (f.bureau_rating.is_some() || f.unit_rating.is_some()),
            bureau_rating: f.bureau_rating,
            unit_rating: f.unit_rating,
            answered,
            resolved_first_time: answered
                && f.repeat_visits == 0
                && f.repeat_of.is_none()
                && f.review_requested_on.is_none()
                && f.rehandle_count == 0,
            repeat: f.repeat_visits > 0 || f.repeat_of.is_some(),
            group: f.group,
            headcount: f.headcount,
            bypass: f.bypass,
            money_recovered: f.money_recovered,
            handling_days: f.replied_on.map(|r| (r - f.received_on).num_days()),
        }
    }
}

/// Every figure of one set of cases.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    /// 信访事项 cases received in the period.
    pub cases: i64,
    /// 及时受理率. See [`DEFINITIONS`] for every formula.
    pub timely_acceptance: Ratio,
    /// 按期办结率 / 按期答复率.
    pub on_time_reply: Ratio,
    /// 参评率.
    pub rating_participation: Ratio,
    /// 满意率（受理环节，信访部门）.
    pub bureau_satisfaction: Ratio,
    /// 满意率（办理环节，责任单位）.
    pub unit_satisfaction: Ratio,
    /// 一次性化解率（最多访一次）.
    pub resolved_first_time: Ratio,
    /// 重复信访率.
    pub repeat_rate: Ratio,
    /// 集体访 number of group petitions.
    pub group_visits: i64,
    /// 集体访人次 people who came in group petitions.
    pub group_headcount: i64,
    /// 越级访.
    pub bypass_visits: i64,
    /// 挽回经济损失 money recovered, in 分 (fen).
    pub money_recovered: i64,
    /// 平均办理天数: `num` total days, `den` replied cases, `value` the average.
    pub average_handling_days: Ratio,
}

/// A figure's name and exact formula, for pages and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Definition {
    /// The field name in [`Figures`] and in the API.
    pub code: &'static str,
    pub name_zh: &'static str,
    pub formula_zh: &'static str,
    pub formula_en: &'static str,
}

/// The formulas, one per field of [`Figures`] (and the same words as the doc comments).
pub const DEFINITIONS: &[Definition] = &[
    Definition {
        code: "cases",
        name_zh: "信访事项数",
        formula_zh: "统计期内收到（登记收件日期在起止日之间，含首尾两日）的信访事项件数",
        formula_en: "Cases received (China date of receipt) from `from` to `to`, both days included",
    },
    Definition {
        code: "timely_acceptance",
        name_zh: "及时受理率",
        formula_zh: "在法定期限（受理告知期限）内作出受理或不予受理决定的件数 ÷ 受理告知期限已届满或已作出决定的件数",
        formula_en: "Cases whose accept/not-accept decision came on or before its decide_by due date ÷ cases \
                     decided, or undecided with decide_by already past on the evaluation day",
    },
    Definition {
        code: "on_time_reply",
        name_zh: "按期办结率（按期答复率）",
        formula_zh: "在办理期限（含批准延期；重新办理的以最近一轮为准）内出具处理意见的件数 ÷ 已出具处理意见或办理期限已届满的已受理件数",
        formula_en: "Accepted cases replied on or before handle_by (extension included; the latest handling \
                     round) ÷ accepted cases replied, or unreplied with handle_by already past",
    },
    Definition {
        code: "rating_participation",
        name_zh: "参评率",
        formula_zh: "已答复且信访人作出评价（受理环节或办理环节任一）的件数 ÷ 已答复件数",
        formula_en: "Replied cases rated by the petitioner (bureau or handling stage) ÷ replied cases",
    },
    Definition {
        code: "bureau_satisfaction",
        name_zh: "满意率（受理环节）",
        formula_zh: "受理环节评价为满意或基本满意的件数 ÷ 受理环节参评件数",
        formula_en: "Cases whose bureau stage was rated satisfied or basically satisfied ÷ cases whose bureau \
                     stage was rated",
    },
    Definition {
        code: "unit_satisfaction",
        name_zh: "满意率（办理环节）",
        formula_zh: "办理环节（最近一轮办理）评价为满意或基本满意的件数 ÷ 办理环节参评件数",
        formula_en: "Cases whose current handling was rated satisfied or basically satisfied ÷ cases whose \
                     current handling was rated",
    },
    Definition {
        code: "resolved_first_time",
        name_zh: "一次性化解率（最多访一次）",
        formula_zh: "已答复或已终结、且无重复来访、本身不是重复信访、未申请复查、未重新办理的件数 ÷ 已答复或已终结件数",
        formula_en: "Cases replied or closed with no repeat visit, not registered as a repeat, no review \
                     request and no re-handling ÷ cases replied or closed",
    },
    Definition {
        code: "repeat_rate",
        name_zh: "重复信访率",
        formula_zh: "登记后至少有一次重复来访、或登记为已有事项的重复信访的件数 ÷ 信访事项数",
        formula_en: "Cases with at least one repeat visit recorded, or registered as the repeat of an \
                     earlier case ÷ cases",
    },
    Definition {
        code: "group_visits",
        name_zh: "集体访批次",
        formula_zh: "集体访（5 人以上同一事项）件数",
        formula_en: "Group petitions (five or more people on one matter)",
    },
    Definition {
        code: "group_headcount",
        name_zh: "集体访人次",
        formula_zh: "集体访件的来访人数之和",
        formula_en: "Sum of the headcount of group petitions",
    },
    Definition {
        code: "bypass_visits",
        name_zh: "越级访",
        formula_zh: "登记为越级信访的件数",
        formula_en: "Cases registered as bypassing the competent level",
    },
    Definition {
        code: "money_recovered",
        name_zh: "挽回经济损失（分）",
        formula_zh: "各件已追回金额之和（单位：分）",
        formula_en: "Sum of the amounts recovered, in fen",
    },
    Definition {
        code: "average_handling_days",
        name_zh: "平均办理天数",
        formula_zh: "已答复件自收件日至现行处理意见出具日的天数之和 ÷ 已答复件数",
        formula_en: "Sum over replied cases of the days from receipt to the reply that stands ÷ replied cases",
    },
];

fn satisfied(r: Option<Rating>) -> bool {
    matches!(r, Some(Rating::Satisfied | Rating::BasicallySatisfied))
}

/// Add classified cases up into every figure.
pub fn figures(cases: &[CaseFigureInput]) -> Figures {
    let count = |p: &dyn Fn(&CaseFigureInput) -> bool| cases.iter().filter(|c| p(c)).count() as i64;
    let judged = |get: &dyn Fn(&CaseFigureInput) -> Option<bool>| {
        Ratio::new(count(&|c| get(c) == Some(true)), count(&|c| get(c).is_some()))
    };
    let replied = count(&|c| c.replied);
    let group = cases.iter().filter(|c| c.group);
    Figures {
        cases: cases.len() as i64,
        timely_acceptance: judged(&|c| c.acceptance_timely),
        on_time_reply: judged(&|c| c.reply_on_time),
        rating_participation: Ratio::new(count(&|c| c.rated), replied),
        bureau_satisfaction: Ratio::new(count(&|c| satisfied(c.bureau_rating)), count(&|c| c.bureau_rating.is_some())),
        unit_satisfaction: Ratio::new(count(&|c| satisfied(c.unit_rating)), count(&|c| c.unit_rating.is_some())),
        resolved_first_time: Ratio::new(count(&|c| c.resolved_first_time), count(&|c| c.answered)),
        repeat_rate: Ratio::new(count(&|c| c.repeat), cases.len() as i64),
        group_visits: group.clone().count() as i64,
        group_headcount: group.map(|c| i64::from(c.headcount)).sum(),
        bypass_visits: count(&|c| c.bypass),
        money_recovered: cases.iter().map(|c| c.money_recovered).sum(),
        average_handling_days: Ratio::new(cases.iter().filter_map(|c| c.handling_days).sum(), replied),
    }
}

code_enum! {
    /// 分组 how a period's figures are broken down.
    GroupBy {
        /// 主办单位 the lead unit (`none` while the bureau still holds the case).
        Unit = "unit" / "主办单位",
        Channel = "channel" / "信访渠道",
        Category = "category" / "问题类别",
        /// 问题发生地 the county or district where the matter arose (`none` when not recorded).
        Region = "region" / "县（市、区）",
    }
}

/// The key of the group a case falls in; `none` when the case has no such attribute yet.
pub fn group_key(c: &CaseFigureInput, by: GroupBy) -> String {
    let key = match by {
        GroupBy::Unit => c.lead_unit.clone(),
        GroupBy::Channel => Some(c.channel.code().to_string()),
        GroupBy::Category => Some(c.category.clone()),
        GroupBy::Region => c.region.clone(),
    };
    key.unwrap_or_else(|| "none".into())
}

/// The figures of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Group {
    /// A unit code, channel code, category code or county code; `none` for cases without one.
    pub key: String,
    pub figures: Figures,
}

/// The figures of every group, by key. Each case is in exactly one group, so the groups' counts
/// add up to the whole.
pub fn breakdown(cases: &[CaseFigureInput], by: GroupBy) -> Vec<Group> {
    let mut groups: BTreeMap<String, Vec<CaseFigureInput>> = BTreeMap::new();
    for c in cases {
        groups.entry(group_key(c, by)).or_default().push(c.clone());
    }
    groups.into_iter().map(|(key, cs)| Group { key, figures: figures(&cs) }).collect()
}

/// One period's figures, whole and by group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodFigures {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub whole: Figures,
    pub groups: Vec<Group>,
}

impl PeriodFigures {
    /// The figures of the cases received in `[from, to]` (the others are ignored).
    pub fn of(cases: &[CaseFigureInput], from: NaiveDate, to: NaiveDate, by: Option<GroupBy>) -> PeriodFigures {
        let cases: Vec<CaseFigureInput> =
            cases.iter().filter(|c| c.received_on >= from && c.received_on <= to).cloned().collect();
        PeriodFigures { from, to, whole: figures(&cases), groups: by.map(|b| breakdown(&cases, b)).unwrap_or_default() }
    }
}

/// The previous period of equal length: the same number of days, ending the day before `from`.
pub fn previous_period(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    let days = (to - from).num_days() + 1;
    (from - chrono::Duration::days(days), from - chrono::Duration::days(1))
}

/// The same period one year earlier (29 February becomes 28 February).
pub fn same_period_last_year(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    let back = |d: NaiveDate| d.checked_sub_months(Months::new(12)).unwrap_or(d);
    (back(from), back(to))
}

/// 统计 A period's figures with its two comparisons (环比 previous period, 同比 last year).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    /// The evaluation day: duties still open and not late on it are not yet counted.
    pub as_of: NaiveDate,
    /// The breakdown asked for, if any.
    pub by: Option<GroupBy>,
    pub current: PeriodFigures,
    /// 环比 the previous period of equal length.
    pub previous: PeriodFigures,
    /// 同比 the same period last year.
    pub last_year: PeriodFigures,
}

/// The period `[from, to]`, the previous period and the same period last year, from the cases
/// of all three (cases outside them are ignored).
pub fn stats(
    cases: &[CaseFigureInput],
    from: NaiveDate,
    to: NaiveDate,
    by: Option<GroupBy>,
    as_of: NaiveDate,
) -> Stats {
    let (pf, pt) = previous_period(from, to);
    let (lf, lt) = same_period_last_year(from, to);
    Stats {
        as_of,
        by,
        current: PeriodFigures::of(cases, from, to, by),
        previous: PeriodFigures::of(cases, pf, pt, by),
        last_year: PeriodFigures::of(cases, lf, lt, by),
    }
}

#[cfg(test)]
#[path = "figures_tests.rs"]
mod tests;
