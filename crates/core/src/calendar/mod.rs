//! 法定期间 the statutory clock, and the 节假日 holiday calendar it runs on.
//!
//! Chinese law counts periods this way (民法典 第二百零一条、第二百零三条; 信访工作条例):
//!
//! * a period counted in days starts on the day **after** the triggering event — the start day
//!   (起算日) itself is not counted;
//! * a period of calendar days (日) ends `n` days later; when that last day is a rest day (休息日)
//!   or a public holiday (法定节假日), the period ends on the next working day (工作日);
//! * a period of working days (工作日, e.g. "5 个工作日") counts only working days after the start
//!   day and ends on the `n`-th one;
//! * 调休: a Saturday or Sunday that the State Council declares a working day (调休上班日) **is** a
//!   working day, and a holiday on a weekday is not.
//!
//! The holiday calendar changes every year and is data: each year's arrangement is published by
//! the 国务院办公厅 in a notice (《关于 XXXX 年部分节假日安排的通知》). The notices for past and
//! current years are shipped in `data/holidays/*.toml` and administrators load later ones with
//! [`parse_year_toml`]. For a year with no notice the calendar falls back to [`derive_year`], the
//! statutory holidays computed from 《全国年节及纪念日放假办法》; such a year is provisional
//! (暂定), and so is every [`Due`] that relied on one of its days.
//!
//! Worked example: a petition received on 2026-04-20 must be answered within 15 days. The
//! 15th day is 2026-05-05, which lies in the 劳动节 holiday (05-01..05-05), so the period ends on
//! Wednesday 2026-05-06:
//!
//! ```
//! use chrono::NaiveDate;
//! use xinfang_core::calendar::Calendar;
//!
//! let cal = Calendar::shipped();
//! let due = cal.add_days(NaiveDate::from_ymd_opt(2026, 4, 20).unwrap(), 15);
//! assert_eq!(due.date, NaiveDate::from_ymd_opt(2026, 5, 6).unwrap());
//! assert_eq!(due.moved_from, NaiveDate::from_ymd_opt(2026, 5, 5));
//! assert!(!due.provisional);
//! ```

mod file;
mod rules;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock, RwLock};

use chrono::{Datelike, Days, NaiveDate, Weekday};

pub use file::{parse_year_toml, to_toml, CalendarError};
pub use rules::{derive_year, HolidayRules};

/// What kind of day a date is for the statutory clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// 工作日: an ordinary Monday–Friday that is not a holiday.
    Workday,
    /// 休息日: an ordinary Saturday or Sunday (周末).
    RestDay,
    /// 法定节假日 / 放假日: a day off under the year's arrangement, including the weekend days
    /// inside a holiday block (放假调休) and days given in lieu (补假).
    Holiday,
    /// 调休上班日: a Saturday or Sunday declared a working day.
    SwappedWorkday,
}

impl DayKind {
    /// Whether the day counts as a working day (工作日) for the statutory clock.
    pub fn is_working(self) -> bool {
        matches!(self, DayKind::Workday | DayKind::SwappedWorkday)
    }

    /// The name of the kind in Chinese, for display (工作日 / 休息日 / 节假日 / 调休上班日).
    pub fn label(self) -> &'static str {
        match self {
            DayKind::Workday => "工作日",
            DayKind::RestDay => "休息日",
            DayKind::Holiday => "节假日",
            DayKind::SwappedWorkday => "调休上班日",
        }
    }
}

/// One year's holiday arrangement (节假日安排): the days off and the swapped working days.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HolidayYear {
    /// The Gregorian year (公历年) the arrangement is for.
    pub year: i32,
    /// Where the arrangement comes from: a State Council notice, or derived from the rules.
    pub source: YearSource,
    /// 放假日: days off, including the weekend days inside a holiday block.
    pub holidays: Vec<NamedDay>,
    /// 调休上班日: Saturdays or Sundays declared working days.
    pub workdays: Vec<NamedDay>,
}

/// A date with the name of the festival it belongs to (e.g. 春节, 国庆节).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NamedDay {
    pub date: NaiveDate,
    pub name: String,
}

impl NamedDay {
    pub fn new(date: NaiveDate, name: impl Into<String>) -> Self {
        NamedDay { date, name: name.into() }
    }
}

/// Where a year's arrangement comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum YearSource {
    /// 国务院办公厅通知: the official notice, e.g.
    /// "国务院办公厅关于2026年部分节假日安排的通知 国办发明电〔2025〕7号".
    Notice { title: String },
    /// 按规则推算（暂定）: computed from 《全国年节及纪念日放假办法》 by [`derive_year`]; has no
    /// 调休 and is provisional until the year's notice is loaded.
    Derived,
}

impl YearSource {
    /// Whether deadlines that rely on this year are provisional (暂定).
    pub fn is_provisional(&self) -> bool {
        matches!(self, YearSource::Derived)
    }
}

/// The result of counting a period (期间届满日).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Due {
    /// 届满日: the last day of the period, always a working day.
    pub date: NaiveDate,
    /// true when any day the count relied on lies in a year whose calendar was derived
    /// from the rules rather than loaded from a State Council notice.
    pub provisional: bool,
    /// the plain end before moving off a rest day/holiday, when it moved.
    pub moved_from: Option<NaiveDate>,
}

/// The holiday calendar (节假日日历): the years loaded from notices (or stored by the
/// administrator), and the national rules for every other year.
///
/// Cheap to clone (years are shared), `Send + Sync`.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, Arc<YearIndex>>,
}

/// A year's arrangement with its dates indexed.
#[derive(Debug)]
struct YearIndex {
    data: HolidayYear,
    /// date → mark; a date listed both as holiday and as workday counts as a holiday.
    marks: HashMap<NaiveDate, Mark>,
}

#[derive(Debug, Clone, Copy)]
enum Mark {
    /// index into `data.holidays`
    Off(usize),
    /// index into `data.workdays`
    On(usize),
}

impl YearIndex {
    fn new(data: HolidayYear) -> Self {
        let mut marks = HashMap::new();
        // Dates outside `year` are ignored: `kind` looks a date up in its own year only.
        for (i, d) in data.workdays.iter().enumerate() {
            if d.date.year() == data.year {
                marks.entry(d.date).or_insert(Mark::On(i));
            }
        }
        for (i, d) in data.holidays.iter().enumerate() {
            if d.date.year() == data.year {
                match marks.get(&d.date) {
                    Some(Mark::Off(_)) => {}
                    _ => {
                        marks.insert(d.date, Mark::Off(i));
                    }
                }
            }
        }
        YearIndex { data, marks }
    }

    fn kind(&self, d: NaiveDate) -> DayKind {
        match self.marks.get(&d) {
            Some(Mark::Off(_)) => DayKind::Holiday,
            Some(Mark::On(_)) if is_weekend(d) => DayKind::SwappedWorkday,
            _ if is_weekend(d) => DayKind::RestDay,
            _ => DayKind::Workday,
        }
    }

    fn name(&self, d: NaiveDate) -> Option<&str> {
        match self.marks.get(&d)? {
            Mark::Off(i) => Some(&self.data.holidays[*i].name),
            Mark::On(i) => Some(&self.data.workdays[*i].name),
        }
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The weekday in Chinese (星期一 … 星期日).
pub fn weekday_name(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

/// Derived years are pure functions of the year, so they are computed once per process and
/// shared by every calendar. The cache is bounded so that odd inputs cannot grow it forever.
fn derived_index(year: i32) -> Arc<YearIndex> {
    const MAX_CACHED_YEARS: usize = 512;
    static CACHE: OnceLock<RwLock<HashMap<i32, Arc<YearIndex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(y) = cache.read().unwrap_or_else(|e| e.into_inner()).get(&year) {
        return Arc::clone(y);
    }
    let index = Arc::new(YearIndex::new(derive_year(year)));
    let mut w = cache.write().unwrap_or_else(|e| e.into_inner());
    if w.len() < MAX_CACHED_YEARS {
        w.insert(year, Arc::clone(&index));
    }
    index
}

/// The shipped State Council notices, one file per year.
const SHIPPED: &[(&str, &str)] = &[
    ("2024.toml", include_str!("../../data/holidays/2024.toml")),
    ("2025.toml", include_str!("../../data/holidays/2025.toml")),
    ("2026.toml", include_str!("../../data/holidays/2026.toml")),
];

impl Calendar {
    /// A calendar with these years loaded; later entries for the same year replace earlier ones.
    /// Every year not given falls back to [`derive_year`] (provisional).
    ///
    /// The years are taken as given (validate administrators' input with [`parse_year_toml`]):
    /// dates outside an entry's `year` are ignored, and a date listed both as a holiday and as a
    /// swapped working day counts as a holiday.
    pub fn new(years: impl IntoIterator<Item = HolidayYear>) -> Self {
        let mut map = BTreeMap::new();
        for y in years {
            map.insert(y.year, Arc::new(YearIndex::new(y)));
        }
        Calendar { years: map }
    }

    /// The calendar of the shipped notices (`data/holidays/*.toml`, embedded at build time).
    pub fn shipped() -> Self {
        static SHIPPED_CALENDAR: OnceLock<Calendar> = OnceLock::new();
        SHIPPED_CALENDAR.get_or_init(|| Calendar::new(Calendar::shipped_years())).clone()
    }

    /// The shipped notices as a list, oldest first (the store seeds its table from it).
    pub fn shipped_years() -> Vec<HolidayYear> {
        SHIPPED
            .iter()
            .map(|(file, text)| match parse_year_toml(text) {
                Ok(y) => y,
                // The shipped files are checked by this module's tests.
                Err(e) => panic!("内置节假日数据 data/holidays/{file} 有误：{e}"),
            })
            .collect()
    }

    /// The years loaded into this calendar, in order of year.
    pub fn years(&self) -> impl Iterator<Item = &HolidayYear> {
        self.years.values().map(|y| &y.data)
    }

    /// The loaded arrangement of `year`, if any (years not loaded use [`derive_year`]).
    pub fn year(&self, year: i32) -> Option<&HolidayYear> {
        self.years.get(&year).map(|y| &y.data)
    }

    fn index(&self, year: i32) -> Arc<YearIndex> {
        match self.years.get(&year) {
            Some(y) => Arc::clone(y),
            None => derived_index(year),
        }
    }

    /// What kind of day `d` is. For a year not loaded, uses [`derive_year`].
    pub fn kind(&self, d: NaiveDate) -> DayKind {
        self.index(d.year()).kind(d)
    }

    /// Whether `d` is a working day (工作日), swapped working days (调休上班日) included.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        self.kind(d).is_working()
    }

    /// The festival a holiday or swapped working day belongs to (e.g. "劳动节"), for display.
    pub fn day_name(&self, d: NaiveDate) -> Option<String> {
        self.index(d.year()).name(d).map(str::to_owned)
    }

    /// Whether `year`'s calendar is provisional (暂定): not loaded, or loaded as derived.
    pub fn is_provisional(&self, year: i32) -> bool {
        match self.years.get(&year) {
            Some(y) => y.data.source.is_provisional(),
            None => true,
        }
    }

    fn any_provisional(&self, from: NaiveDate, to: NaiveDate) -> bool {
        (from.year()..=to.year()).any(|y| self.is_provisional(y))
    }

    /// The first working day on or after `d`.
    pub fn next_working_day_from(&self, d: NaiveDate) -> NaiveDate {
        let mut walk = Walk::new(self);
        let mut d = d;
        while !walk.is_working(d) {
            d = succ(d);
        }
        d
    }

    /// A period of `n` calendar days (日) after `start`: the start day is not counted
    /// (民法典 第二百零一条); when the `n`-th day is a rest day or holiday the period ends on
    /// the next working day (第二百零三条). `n = 0` means "on the day": `start`, or the next
    /// working day if `start` is not one.
    ///
    /// Panics only if the result lies beyond chrono's date range (year 262 143).
    pub fn add_days(&self, start: NaiveDate, n: u32) -> Due {
        let plain = start.checked_add_days(Days::new(u64::from(n))).expect("期间届满日超出日期范围");
        let date = self.next_working_day_from(plain);
        Due { date, provisional: self.any_provisional(plain, date), moved_from: (date != plain).then_some(plain) }
    }

    /// A period of `n` working days (工作日) after `start`: ends on the `n`-th working day after
    /// the start day, swapped working days (调休上班日) counted, holidays and rest days skipped.
    /// The end is always a working day, so `moved_from` is `None` for `n > 0`; `n = 0` is the
    /// same as [`Calendar::add_days`]`(start, 0)`.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Due {
        if n == 0 {
            return self.add_days(start, 0);
        }
        let mut walk = Walk::new(self);
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = succ(d);
            if walk.is_working(d) {
                left -= 1;
            }
        }
        Due { date: d, provisional: self.any_provisional(succ(start), d), moved_from: None }
    }

    /// The number of working days in `(from, to]` (0 when `to <= from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut walk = Walk::new(self);
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = succ(d);
            if walk.is_working(d) {
                n += 1;
            }
        }
        n
    }
}

fn succ(d: NaiveDate) -> NaiveDate {
    d.succ_opt().expect("期间届满日超出日期范围")
}

/// Walks days one by one, looking each year up once.
struct Walk<'a> {
    cal: &'a Calendar,
    year: Option<(i32, Arc<YearIndex>)>,
}

impl<'a> Walk<'a> {
    fn new(cal: &'a Calendar) -> Self {
        Walk { cal, year: None }
    }

    fn is_working(&mut self, d: NaiveDate) -> bool {
        let y = d.year();
        match &self.year {
            Some((cached, index)) if *cached == y => index.kind(d).is_working(),
            _ => {
                let index = self.cal.index(y);
                let working = index.kind(d).is_working();
                self.year = Some((y, index));
                working
            }
        }
    }
}
