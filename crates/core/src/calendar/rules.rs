//! 按规则推算: a year's statutory holidays (法定节假日) derived from 《全国年节及纪念日放假办法》,
//! for years whose State Council notice is not loaded.
//!
//! Lunar dates (春节 正月初一, 端午 五月初五, 中秋 八月十五) and the 清明 solar term come from the
//! `tyme4rs` crate (6tail's Tyme, astronomical 寿星 algorithms, valid far beyond 1990–2100); the
//! only hand-written parts are the rules themselves (which festival, how many days, since which
//! revision) and 补假, which no crate knows.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};

use super::{HolidayYear, NamedDay, YearSource};

/// The revision of 《全国年节及纪念日放假办法》 in force for a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayRules {
    /// 1999 年修订（国务院令第270号）: 元旦 1 天, 春节 3 天（初一至初三）, 劳动节 3 天（5月1日至3日）,
    /// 国庆节 3 天. Used for every year before 2008.
    Rev1999,
    /// 2007 年修订（国务院令第513号, 2008 年起施行）: 元旦 1, 春节 3 天（除夕至初二）, 清明 1,
    /// 劳动节 1, 端午 1, 中秋 1, 国庆 3.
    Rev2007,
    /// 2013 年修订（国务院令第644号, 2014 年起施行）: as 2007 but 春节 3 天（初一至初三）.
    Rev2013,
    /// 2024 年修订（国务院令第795号, 2025 年起施行）: 春节 4 天（除夕至初三）, 劳动节 2 天
    /// （5月1日、2日）; the rest as 2013.
    Rev2024,
}

impl HolidayRules {
    /// The revision in force in `year`.
    pub fn for_year(year: i32) -> Self {
        match year {
            ..=2007 => HolidayRules::Rev1999,
            2008..=2013 => HolidayRules::Rev2007,
            2014..=2024 => HolidayRules::Rev2013,
            _ => HolidayRules::Rev2024,
        }
    }

    /// The title of the revision, for showing why a provisional date is what it is.
    pub fn title(self) -> &'static str {
        match self {
            HolidayRules::Rev1999 => "《全国年节及纪念日放假办法》（1999年修订）",
            HolidayRules::Rev2007 => "《全国年节及纪念日放假办法》（2007年修订）",
            HolidayRules::Rev2013 => "《全国年节及纪念日放假办法》（2013年修订）",
            HolidayRules::Rev2024 => "《全国年节及纪念日放假办法》（2024年修订）",
        }
    }
}

/// Lunar festivals are computed for these years only; outside them a derived year has only the
/// fixed-date holidays (元旦, 劳动节, 国庆节). Far wider than any petition can need.
const LUNAR_YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

/// The Gregorian date of a lunar date (农历 `year` 年 `month` 月 `day` 日, not a leap month).
fn lunar(year: i32, month: isize, day: usize) -> Option<NaiveDate> {
    if !LUNAR_YEARS.contains(&year) {
        return None;
    }
    let d = tyme4rs::tyme::lunar::LunarDay::new(year as isize, month, day).ok()?.get_solar_day();
    NaiveDate::from_ymd_opt(
        i32::try_from(d.get_year()).ok()?,
        u32::try_from(d.get_month()).ok()?,
        u32::try_from(d.get_day()).ok()?,
    )
}

/// The day of the 清明 solar term (太阳黄经 15°, Beijing time) in `year`.
fn qingming(year: i32) -> Option<NaiveDate> {
    if !LUNAR_YEARS.contains(&year) {
        return None;
    }
    let d = tyme4rs::tyme::solar::SolarTerm::new(year as isize, "清明").ok()?.get_solar_day();
    NaiveDate::from_ymd_opt(
        i32::try_from(d.get_year()).ok()?,
        u32::try_from(d.get_month()).ok()?,
        u32::try_from(d.get_day()).ok()?,
    )
}

/// The statutory days of `year` (法定假日), before 补假, as (date, festival) in date order.
pub(super) fn statutory_days(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let rules = HolidayRules::for_year(year);
    let ymd = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    let mut days: Vec<(Option<NaiveDate>, &'static str)> = Vec::new();

    days.push((ymd(1, 1), "元旦"));

    // 春节: lunar new year's day of the lunar year that begins in this Gregorian year; 除夕 is
    // the day before it (the 腊月 may have 29 or 30 days).
    if let Some(chuyi) = lunar(year, 1, 1) {
        let chuxi = chuyi.pred_opt();
        let next = |n: u64| chuyi.checked_add_days(chrono::Days::new(n));
        let spring: Vec<Option<NaiveDate>> = match rules {
            HolidayRules::Rev1999 | HolidayRules::Rev2013 => vec![Some(chuyi), next(1), next(2)],
            HolidayRules::Rev2007 => vec![chuxi, Some(chuyi), next(1)],
            HolidayRules::Rev2024 => vec![chuxi, Some(chuyi), next(1), next(2)],
        };
        days.extend(spring.into_iter().map(|d| (d, "春节")));
    }

    if rules != HolidayRules::Rev1999 {
        days.push((qingming(year), "清明节"));
    }

    let labour_days = match rules {
        HolidayRules::Rev1999 => 3,
        HolidayRules::Rev2007 | HolidayRules::Rev2013 => 1,
        HolidayRules::Rev2024 => 2,
    };
    days.extend((1..=labour_days).map(|d| (ymd(5, d), "劳动节")));

    if rules != HolidayRules::Rev1999 {
        days.push((lunar(year, 5, 5), "端午节"));
    }

    // 国庆节 before 中秋节, so that when 中秋 falls on 10月1日 the day reads "国庆节、中秋节"
    // as in the notices; the stable sort below puts 中秋 back in date order otherwise.
    days.extend((1..=3).map(|d| (ymd(10, d), "国庆节")));

    if rules != HolidayRules::Rev1999 {
        days.push((lunar(year, 8, 15), "中秋节"));
    }

    let mut days: Vec<(NaiveDate, &'static str)> =
        days.into_iter().filter_map(|(d, name)| Some((d?, name))).filter(|(d, _)| d.year() == year).collect();
    days.sort_by_key(|(d, _)| *d);
    days
}

/// Statutory holidays of a year derived from the national rules (全国年节及纪念日放假办法 as revised
/// in 2024, in force 2025: 元旦 1 day Jan 1; 春节 4 days 除夕 to 正月初三; 清明 1 day (the 清明 solar term);
/// 劳动节 2 days May 1–2; 端午 1 day 五月初五; 中秋 1 day 八月十五; 国庆 3 days Oct 1–3; for years before
/// 2025 the older rules: 春节 3 days 初一–初三, 劳动节 1 day). No swapped days (调休) can be derived.
///
/// Earlier revisions are followed too (see [`HolidayRules`]): 2008–2013 春节 is 除夕 to 初二, and
/// before 2008 there is no 清明/端午/中秋 holiday and 劳动节 is 3 days.
///
/// 补假: the rules say a holiday falling on a Saturday or Sunday is made up on a working day
/// (放假办法 第六条). A statutory day on a weekend — or on the same date as another statutory
/// day (e.g. 中秋 on 10月1日) — is therefore made up on the first Monday–Friday after it that is
/// not already a holiday, named "<节日>（补假）". The notices always give these days off (inside
/// their 调休 blocks), so a derived year stays a subset of the real arrangement.
///
/// The result is sorted by date, with source [`YearSource::Derived`] and no workdays.
pub fn derive_year(year: i32) -> HolidayYear {
    let statutory = statutory_days(year);
    let mut off: BTreeMap<NaiveDate, String> = BTreeMap::new();
    let mut owed: Vec<(NaiveDate, &'static str)> = Vec::new();
    for &(d, name) in &statutory {
        match off.get_mut(&d) {
            Some(existing) => {
                existing.push('、');
                existing.push_str(name);
                owed.push((d, name));
            }
            None => {
                off.insert(d, name.to_owned());
                if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                    owed.push((d, name));
                }
            }
        }
    }
    for (from, name) in owed {
        let mut d = from;
        loop {
            match d.succ_opt() {
                Some(next) if next.year() == year => d = next,
                _ => break,
            }
            if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !off.contains_key(&d) {
                off.insert(d, format!("{name}（补假）"));
                break;
            }
        }
    }
    HolidayYear {
        year,
        source: YearSource::Derived,
        holidays: off.into_iter().map(|(date, name)| NamedDay { date, name }).collect(),
        workdays: Vec::new(),
    }
}
