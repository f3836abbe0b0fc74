//! Tests of the statutory clock and the holiday calendar.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};
use proptest::prelude::*;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn range(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days().take_while(|x| *x <= to).collect()
}

fn shipped_year(year: i32) -> HolidayYear {
    Calendar::shipped_years().into_iter().find(|y| y.year == year).unwrap()
}

fn dates(days: &[NamedDay]) -> Vec<NaiveDate> {
    days.iter().map(|x| x.date).collect()
}

// ---------------------------------------------------------------------------------------------
// The statutory clock (法定期间)

#[test]
fn worked_example_labour_day_moves_to_wednesday() {
    // 2026-04-20 收到，15 日内：第 15 日 05-05 在劳动节假期（05-01..05-05）内，顺延至 05-06 星期三。
    let cal = Calendar::shipped();
    let due = cal.add_days(d(2026, 4, 20), 15);
    assert_eq!(due, Due { date: d(2026, 5, 6), provisional: false, moved_from: Some(d(2026, 5, 5)) });
    assert_eq!(due.date.weekday(), Weekday::Wed);
    assert_eq!(cal.kind(d(2026, 5, 5)), DayKind::Holiday);
    assert_eq!(cal.day_name(d(2026, 5, 5)).as_deref(), Some("劳动节"));
}

#[test]
fn start_day_is_not_counted() {
    let cal = Calendar::shipped();
    // Monday 2026-03-02 + 1 day = Tuesday 03-03, not Monday itself.
    let due = cal.add_days(d(2026, 3, 2), 1);
    assert_eq!(due.date, d(2026, 3, 3));
    assert_eq!(due.moved_from, None);
    // 15 days from Monday 03-02 end on Tuesday 03-17 (03-02 itself not counted).
    assert_eq!(cal.add_days(d(2026, 3, 2), 15).date, d(2026, 3, 17));
    // 1 working day from Friday 03-06 is Monday 03-09.
    assert_eq!(cal.add_working_days(d(2026, 3, 6), 1).date, d(2026, 3, 9));
}

#[test]
fn zero_days_is_the_day_itself_or_the_next_working_day() {
    let cal = Calendar::shipped();
    assert_eq!(cal.add_days(d(2026, 3, 4), 0).date, d(2026, 3, 4));
    let sat = cal.add_days(d(2026, 3, 7), 0);
    assert_eq!(sat.date, d(2026, 3, 9));
    assert_eq!(sat.moved_from, Some(d(2026, 3, 7)));
    assert_eq!(cal.add_working_days(d(2026, 3, 7), 0), sat);
}

#[test]
fn period_ending_on_a_weekend_moves_to_monday() {
    let cal = Calendar::shipped();
    // Monday 2026-03-02 + 5 = Saturday 03-07 → Monday 03-09.
    let due = cal.add_days(d(2026, 3, 2), 5);
    assert_eq!(due.date, d(2026, 3, 9));
    assert_eq!(due.moved_from, Some(d(2026, 3, 7)));
    // … and ending on Sunday 03-08 also → Monday.
    let due = cal.add_days(d(2026, 3, 2), 6);
    assert_eq!(due.date, d(2026, 3, 9));
    assert_eq!(due.moved_from, Some(d(2026, 3, 8)));
}

#[test]
fn period_ending_in_a_holiday_block_moves_to_the_first_day_after() {
    let cal = Calendar::shipped();
    // 2026-09-30 + 2 = 10-02, inside 国庆节 10-01..10-07 → Thursday 10-08.
    let due = cal.add_days(d(2026, 9, 30), 2);
    assert_eq!(due.date, d(2026, 10, 8));
    assert_eq!(due.moved_from, Some(d(2026, 10, 2)));
    // 2026-02-10 + 10 = 02-20, inside 春节 02-15..02-23 → Tuesday 02-24.
    let due = cal.add_days(d(2026, 2, 10), 10);
    assert_eq!(due.date, d(2026, 2, 24));
    // A holiday on a weekday (2025-01-01 元旦, Wednesday) also moves the end.
    let due = cal.add_days(d(2024, 12, 17), 15);
    assert_eq!(due.moved_from, Some(d(2025, 1, 1)));
    assert_eq!(due.date, d(2025, 1, 2));
}

#[test]
fn swapped_saturday_is_a_working_day_and_the_period_stays() {
    let cal = Calendar::shipped();
    // 2026-05-09 is a Saturday worked in exchange for 劳动节 (调休上班).
    assert_eq!(d(2026, 5, 9).weekday(), Weekday::Sat);
    assert_eq!(cal.kind(d(2026, 5, 9)), DayKind::SwappedWorkday);
    assert!(cal.is_working_day(d(2026, 5, 9)));
    let due = cal.add_days(d(2026, 4, 29), 10);
    assert_eq!(due.date, d(2026, 5, 9));
    assert_eq!(due.moved_from, None);
    // A swapped Sunday too: 2026-09-20.
    let due = cal.add_days(d(2026, 9, 10), 10);
    assert_eq!(due.date, d(2026, 9, 20));
    assert_eq!(due.moved_from, None);
    // The ordinary Sunday after the swapped Saturday is a rest day.
    assert_eq!(cal.kind(d(2026, 5, 10)), DayKind::RestDay);
}

#[test]
fn working_days_across_spring_festival() {
    let cal = Calendar::shipped();
    // From Thursday 2026-02-12: 02-13 Fri (1), 02-14 Sat 调休上班 (2), 02-15..02-23 春节,
    // 02-24 (3), 02-25 (4), 02-26 (5).
    let due = cal.add_working_days(d(2026, 2, 12), 5);
    assert_eq!(due.date, d(2026, 2, 26));
    assert_eq!(due.moved_from, None);
    assert!(!due.provisional);
    // From Thursday 2024-02-08: 02-09 除夕 Fri (1, not a holiday in 2024), 02-10..02-17 春节,
    // 02-18 Sun 调休上班 (2), 02-19 (3).
    assert_eq!(cal.add_working_days(d(2024, 2, 8), 3).date, d(2024, 2, 19));
    // 5 working days across 2025 春节 (01-28..02-04, 01-26 and 02-08 worked):
    // from Friday 01-24: 01-26 Sun (1), 01-27 (2), 02-05 (3), 02-06 (4), 02-07 (5).
    assert_eq!(cal.add_working_days(d(2025, 1, 24), 5).date, d(2025, 2, 7));
    assert_eq!(cal.working_days_between(d(2025, 1, 24), d(2025, 2, 7)), 5);
}

#[test]
fn provisional_for_a_year_not_shipped_and_not_for_2026() {
    let cal = Calendar::shipped();
    assert!(!cal.is_provisional(2026));
    assert!(!cal.is_provisional(2024));
    assert!(cal.is_provisional(2031));
    assert!(cal.is_provisional(2023));
    assert!(!cal.add_days(d(2026, 6, 1), 30).provisional);
    assert!(cal.add_days(d(2031, 3, 3), 10).provisional);
    assert!(cal.add_working_days(d(2031, 3, 3), 5).provisional);
    // A 2026 period whose end falls in 2027 relies on the derived 2027 calendar.
    let due = cal.add_days(d(2026, 12, 20), 15);
    assert_eq!(due.date.year(), 2027);
    assert!(due.provisional);
    // Loading 2031 as derived keeps it provisional; as a notice it is not.
    let derived = Calendar::new([derive_year(2031)]);
    assert!(derived.is_provisional(2031));
    let mut notice = derive_year(2031);
    notice.source =
        YearSource::Notice { title: "国务院办公厅关于2031年部分节假日安排的通知".into() };
    assert!(!Calendar::new([notice]).is_provisional(2031));
}

#[test]
fn derived_years_are_used_for_years_not_loaded() {
    let cal = Calendar::shipped();
    // 2031-10-01..03 国庆节 on Wednesday–Friday are holidays without any notice.
    assert_eq!(cal.kind(d(2031, 10, 1)), DayKind::Holiday);
    assert_eq!(cal.kind(d(2031, 10, 3)), DayKind::Holiday);
    // An empty calendar derives every year, 2026 included.
    let empty = Calendar::default();
    assert!(empty.is_provisional(2026));
    assert_eq!(empty.kind(d(2026, 2, 17)), DayKind::Holiday); // 正月初一
    assert_eq!(empty.kind(d(2026, 2, 14)), DayKind::RestDay); // no 调休 derived
    assert_eq!(empty.years().count(), 0);
}

#[test]
fn later_entries_for_the_same_year_replace_earlier() {
    let mut edited = shipped_year(2026);
    edited.holidays.retain(|h| h.name != "国庆节");
    let cal = Calendar::new([shipped_year(2025), shipped_year(2026), edited.clone()]);
    assert_eq!(cal.years().map(|y| y.year).collect::<Vec<_>>(), [2025, 2026]);
    assert_eq!(cal.year(2026), Some(&edited));
    assert_eq!(cal.kind(d(2026, 10, 5)), DayKind::Workday);
}

#[test]
fn day_kinds() {
    let cal = Calendar::shipped();
    assert_eq!(cal.kind(d(2026, 3, 4)), DayKind::Workday);
    assert_eq!(cal.kind(d(2026, 3, 7)), DayKind::RestDay);
    assert_eq!(cal.kind(d(2026, 10, 5)), DayKind::Holiday); // Monday in 国庆节
    assert_eq!(cal.kind(d(2026, 10, 4)), DayKind::Holiday); // Sunday in the block
    assert_eq!(cal.kind(d(2026, 10, 10)), DayKind::SwappedWorkday);
    assert_eq!(cal.day_name(d(2026, 10, 10)).as_deref(), Some("国庆节"));
    assert_eq!(cal.day_name(d(2026, 3, 4)), None);
    assert_eq!(serde_json::to_string(&DayKind::SwappedWorkday).unwrap(), "\"swapped_workday\"");
    assert_eq!(DayKind::RestDay.label(), "休息日");
}

// ---------------------------------------------------------------------------------------------
// Shipped data against the State Council notices (国务院办公厅通知)

/// (festival, holiday blocks, swapped working days) as written in each notice.
type Notice = &'static [(&'static str, &'static [((u32, u32), (u32, u32))], &'static [(u32, u32)])];

const NOTICE_2024: Notice = &[
    ("元旦", &[((1, 1), (1, 1))], &[]),
    ("春节", &[((2, 10), (2, 17))], &[(2, 4), (2, 18)]),
    ("清明节", &[((4, 4), (4, 6))], &[(4, 7)]),
    ("劳动节", &[((5, 1), (5, 5))], &[(4, 28), (5, 11)]),
    ("端午节", &[((6, 10), (6, 10))], &[]),
    ("中秋节", &[((9, 15), (9, 17))], &[(9, 14)]),
    ("国庆节", &[((10, 1), (10, 7))], &[(9, 29), (10, 12)]),
];
const NOTICE_2025: Notice = &[
    ("元旦", &[((1, 1), (1, 1))], &[]),
    ("春节", &[((1, 28), (2, 4))], &[(1, 26), (2, 8)]),
    ("清明节", &[((4, 4), (4, 6))], &[]),
    ("劳动节", &[((5, 1), (5, 5))], &[(4, 27)]),
    ("端午节", &[((5, 31), (6, 2))], &[]),
    ("国庆节、中秋节", &[((10, 1), (10, 8))], &[(9, 28), (10, 11)]),
];
const NOTICE_2026: Notice = &[
    ("元旦", &[((1, 1), (1, 3))], &[(1, 4)]),
    ("春节", &[((2, 15), (2, 23))], &[(2, 14), (2, 28)]),
    ("清明节", &[((4, 4), (4, 6))], &[]),
    ("劳动节", &[((5, 1), (5, 5))], &[(5, 9)]),
    ("端午节", &[((6, 19), (6, 21))], &[]),
    ("中秋节", &[((9, 25), (9, 27))], &[]),
    ("国庆节", &[((10, 1), (10, 7))], &[(9, 20), (10, 10)]),
];

fn expand(year: i32, notice: Notice) -> (Vec<NamedDay>, Vec<NamedDay>) {
    let mut off = Vec::new();
    let mut on = Vec::new();
    for (name, blocks, swaps) in notice {
        for ((m1, d1), (m2, d2)) in blocks.iter() {
            for x in range(d(year, *m1, *d1), d(year, *m2, *d2)) {
                off.push(NamedDay::new(x, *name));
            }
        }
        for (m, day) in swaps.iter() {
            on.push(NamedDay::new(d(year, *m, *day), *name));
        }
    }
    on.sort_by_key(|x| x.date);
    (off, on)
}

#[test]
fn shipped_data_matches_the_notices() {
    let years = Calendar::shipped_years();
    assert_eq!(years.iter().map(|y| y.year).collect::<Vec<_>>(), [2024, 2025, 2026]);
    for (year, notice, doc_no, holiday_count, workday_count) in [
        (2024, NOTICE_2024, "国办发明电〔2023〕7号", 28, 8),
        (2025, NOTICE_2025, "国办发明电〔2024〕12号", 28, 5),
        (2026, NOTICE_2026, "国办发明电〔2025〕7号", 33, 6),
    ] {
        let y = shipped_year(year);
        let YearSource::Notice { title } = &y.source else {
            panic!("{year} should come from a notice");
        };
        assert_eq!(title, &format!("国务院办公厅关于{year}年部分节假日安排的通知 {doc_no}"));
        assert_eq!(y.holidays.len(), holiday_count, "{year} 放假天数");
        assert_eq!(y.workdays.len(), workday_count, "{year} 调休上班天数");
        let (off, on) = expand(year, notice);
        assert_eq!(y.holidays, off, "{year} 放假日");
        let mut workdays = y.workdays.clone();
        workdays.sort_by_key(|x| x.date);
        assert_eq!(workdays, on, "{year} 调休上班日");
        for w in &y.workdays {
            assert!(matches!(w.date.weekday(), Weekday::Sat | Weekday::Sun));
        }
    }
    // A few named days.
    let cal = Calendar::shipped();
    assert_eq!(cal.day_name(d(2024, 2, 9)), None); // 2024 除夕 was not a holiday
    assert_eq!(cal.kind(d(2024, 2, 9)), DayKind::Workday);
    assert_eq!(cal.day_name(d(2025, 1, 28)).as_deref(), Some("春节")); // 2025 除夕 is
    assert_eq!(cal.day_name(d(2025, 10, 6)).as_deref(), Some("国庆节、中秋节"));
    assert_eq!(cal.kind(d(2026, 1, 4)), DayKind::SwappedWorkday);
    assert_eq!(cal.kind(d(2026, 2, 23)), DayKind::Holiday);
    assert_eq!(cal.kind(d(2024, 6, 8)), DayKind::RestDay); // 端午 与周末连休
}

/// An independent source: the legal-holiday table in tyme4rs (6tail). It lists the weekend days
/// next to a one-day holiday (与周末连休) as days off; we keep them as ordinary rest days.
#[test]
fn shipped_data_agrees_with_tyme4rs_legal_holidays() {
    use tyme4rs::tyme::holiday::LegalHoliday;
    let cal = Calendar::shipped();
    for year in [2024, 2025, 2026] {
        for x in range(d(year, 1, 1), d(year, 12, 31)) {
            let theirs = LegalHoliday::from_ymd(year as isize, x.month() as usize, x.day() as usize);
            let ours = cal.kind(x);
            match theirs {
                Some(h) if h.is_work() => assert_eq!(ours, DayKind::SwappedWorkday, "{x}"),
                Some(_) => assert!(ours == DayKind::Holiday || ours == DayKind::RestDay, "{x}: {ours:?}"),
                None => assert!(ours == DayKind::Workday || ours == DayKind::RestDay, "{x}: {ours:?}"),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Derived years (按规则推算)

#[test]
fn derived_statutory_days_lie_inside_each_notice() {
    for year in [2024, 2025, 2026] {
        let notice: BTreeSet<NaiveDate> = dates(&shipped_year(year).holidays).into_iter().collect();
        let derived = derive_year(year);
        assert_eq!(derived.source, YearSource::Derived);
        assert!(derived.workdays.is_empty());
        for h in &derived.holidays {
            assert!(notice.contains(&h.date), "{year}: derived {} {} is not a holiday in the notice", h.date, h.name);
        }
    }
}

#[test]
fn derived_core_days_2024_to_2026() {
    let core = |year| -> Vec<(NaiveDate, &'static str)> { rules::statutory_days(year) };
    // 2024, 2013 rules: 春节 初一–初三, 劳动节 1 day.
    assert_eq!(
        core(2024),
        [
            (d(2024, 1, 1), "元旦"),
            (d(2024, 2, 10), "春节"),
            (d(2024, 2, 11), "春节"),
            (d(2024, 2, 12), "春节"),
            (d(2024, 4, 4), "清明节"),
            (d(2024, 5, 1), "劳动节"),
            (d(2024, 6, 10), "端午节"),
            (d(2024, 9, 17), "中秋节"),
            (d(2024, 10, 1), "国庆节"),
            (d(2024, 10, 2), "国庆节"),
            (d(2024, 10, 3), "国庆节"),
        ]
    );
    // 2025, 2024 rules: 春节 除夕–初三, 劳动节 2 days.
    assert_eq!(
        core(2025),
        [
            (d(2025, 1, 1), "元旦"),
            (d(2025, 1, 28), "春节"),
            (d(2025, 1, 29), "春节"),
            (d(2025, 1, 30), "春节"),
            (d(2025, 1, 31), "春节"),
            (d(2025, 4, 4), "清明节"),
            (d(2025, 5, 1), "劳动节"),
            (d(2025, 5, 2), "劳动节"),
            (d(2025, 5, 31), "端午节"),
            (d(2025, 10, 1), "国庆节"),
            (d(2025, 10, 2), "国庆节"),
            (d(2025, 10, 3), "国庆节"),
            (d(2025, 10, 6), "中秋节"),
        ]
    );
    let y2026 = core(2026);
    assert_eq!(y2026.len(), 13);
    assert!(y2026.contains(&(d(2026, 2, 16), "春节"))); // 除夕 (腊月廿九: 腊月 has 29 days)
    assert!(y2026.contains(&(d(2026, 2, 19), "春节"))); // 正月初三
    assert!(y2026.contains(&(d(2026, 4, 5), "清明节")));
    assert!(y2026.contains(&(d(2026, 6, 19), "端午节")));
    assert!(y2026.contains(&(d(2026, 9, 25), "中秋节")));
    // 补假: 2026 清明 on Sunday 04-05 → Monday 04-06; 劳动节 05-02 Saturday → Monday 05-04;
    // 国庆 10-03 Saturday → Monday 10-05. All three are days off in the notice too.
    let derived = derive_year(2026);
    for (x, name) in
        [(d(2026, 4, 6), "清明节（补假）"), (d(2026, 5, 4), "劳动节（补假）"), (d(2026, 10, 5), "国庆节（补假）")]
    {
        assert!(derived.holidays.contains(&NamedDay::new(x, name)), "{x}");
    }
    assert_eq!(derived.holidays.len(), 16);
}

#[test]
fn derived_rules_follow_each_revision() {
    assert_eq!(HolidayRules::for_year(2007), HolidayRules::Rev1999);
    assert_eq!(HolidayRules::for_year(2013), HolidayRules::Rev2007);
    assert_eq!(HolidayRules::for_year(2024), HolidayRules::Rev2013);
    assert_eq!(HolidayRules::for_year(2025), HolidayRules::Rev2024);
    let names = |y| -> Vec<&str> { rules::statutory_days(y).into_iter().map(|x| x.1).collect() };
    // 2013: 春节 除夕 to 初二 (除夕 2013-02-09).
    assert!(rules::statutory_days(2013).contains(&(d(2013, 2, 9), "春节")));
    assert!(!rules::statutory_days(2013).contains(&(d(2013, 2, 12), "春节")));
    // 2005: no 清明, 端午, 中秋; 劳动节 3 days.
    assert!(!names(2005).contains(&"清明节"));
    assert_eq!(names(2005).iter().filter(|n| **n == "劳动节").count(), 3);
    // Every year 1990–2100 derives cleanly, sorted, inside the year, and passes the file check.
    for year in 1990..=2100 {
        let y = derive_year(year);
        let expected = match HolidayRules::for_year(year) {
            HolidayRules::Rev1999 => 10,
            HolidayRules::Rev2007 | HolidayRules::Rev2013 => 11,
            HolidayRules::Rev2024 => 13,
        };
        assert_eq!(rules::statutory_days(year).len(), expected, "{year}");
        assert!(y.holidays.len() >= expected, "{year}");
        assert!(y.holidays.windows(2).all(|w| w[0].date < w[1].date), "{year}");
        assert!(y.holidays.iter().all(|h| h.date.year() == year));
        assert_eq!(parse_year_toml(&to_toml(&y)).as_ref(), Ok(&y), "{year}");
    }
}

#[test]
fn derived_holiday_on_the_same_day_as_another_gets_a_day_in_lieu() {
    // 2020: 中秋 fell on 10-01, together with 国庆节.
    let y = derive_year(2020);
    assert!(y.holidays.contains(&NamedDay::new(d(2020, 10, 1), "国庆节、中秋节")));
    assert!(y.holidays.contains(&NamedDay::new(d(2020, 10, 5), "中秋节（补假）")));
    // Beyond the lunar range only the fixed-date holidays are derived, without panicking.
    let far = derive_year(3100);
    assert!(far.holidays.iter().any(|h| h.name == "国庆节"));
    assert!(!far.holidays.iter().any(|h| h.name == "春节"));
}

// ---------------------------------------------------------------------------------------------
// Holiday files (节假日文件)

const GOOD: &str = r#"year = 2027
source = { kind = "notice", title = "国务院办公厅关于2027年部分节假日安排的通知" }
holidays = [
    { name = "元旦", date = 2027-01-01 },
    { name = "春节", from = "2027-02-05", to = 2027-02-12 },
]
workdays = [
    { name = "春节", date = 2027-02-20 },
]
"#;

#[test]
fn parses_a_file() {
    let y = parse_year_toml(GOOD).unwrap();
    assert_eq!(y.year, 2027);
    assert_eq!(y.holidays.len(), 9);
    assert_eq!(y.holidays[1], NamedDay::new(d(2027, 2, 5), "春节"));
    assert_eq!(y.workdays, [NamedDay::new(d(2027, 2, 20), "春节")]);
    // `[[holidays]]` tables and a missing `workdays` work too.
    let tables = r#"year = 2027
[source]
kind = "derived"

[[holidays]]
name = "元旦"
date = 2027-01-01
"#;
    let y = parse_year_toml(tables).unwrap();
    assert_eq!(y.source, YearSource::Derived);
    assert_eq!(y.holidays, [NamedDay::new(d(2027, 1, 1), "元旦")]);
    assert!(y.workdays.is_empty());
}

fn err(text: &str) -> (CalendarError, String) {
    let e = parse_year_toml(text).unwrap_err();
    let msg = e.to_string();
    (e, msg)
}

#[test]
fn parse_errors_name_the_line_in_chinese() {
    // A date outside the year.
    let (e, msg) = err(&GOOD.replace("2027-02-20", "2028-02-19"));
    assert_eq!(e, CalendarError::NotInYear { line: 8, date: d(2028, 2, 19), year: 2027 });
    assert_eq!(msg, "第 8 行：日期 2028-02-19 不在 2027 年内");

    // A swapped working day on a weekday.
    let (e, msg) = err(&GOOD.replace("2027-02-20", "2027-02-17"));
    assert_eq!(e, CalendarError::WorkdayNotWeekend { line: 8, date: d(2027, 2, 17), weekday: "星期三" });
    assert_eq!(msg, "第 8 行：调休上班日 2027-02-17 是星期三，调休上班只能安排在星期六或星期日");

    // A date both a holiday and a working day.
    let (e, msg) = err(&GOOD.replace("2027-02-20", "2027-02-06"));
    assert_eq!(e, CalendarError::HolidayAndWorkday { line: 8, date: d(2027, 2, 6), holiday_line: 5 });
    assert_eq!(msg, "第 8 行：2027-02-06 已在第 5 行列为放假日，不能同时是调休上班日");

    // A duplicate holiday (overlapping entries).
    let dup = GOOD.replace(
        "    { name = \"春节\", from",
        "    { name = \"除夕\", date = 2027-02-05 },\n    { name = \"春节\", from",
    );
    let (e, msg) = err(&dup);
    assert_eq!(e, CalendarError::Duplicate { line: 6, date: d(2027, 2, 5), first_line: 5 });
    assert_eq!(msg, "第 6 行：日期 2027-02-05 重复，第 5 行已列出");

    // A duplicate working day.
    let dup = GOOD.replace(
        "    { name = \"春节\", date = 2027-02-20 },",
        "    { name = \"春节\", date = 2027-02-20 },\n    { name = \"春节\", date = 2027-02-20 },",
    );
    assert_eq!(err(&dup).1, "第 9 行：日期 2027-02-20 重复，第 8 行已列出");

    // Not a date.
    let (e, msg) = err(&GOOD.replace("2027-01-01", "\"2027-13-01\""));
    assert_eq!(e, CalendarError::BadDate { line: 4, value: "\"2027-13-01\"".into() });
    assert_eq!(msg, "第 4 行：\"2027-13-01\" 不是有效的日期，应写作 YYYY-MM-DD，如 2026-05-01");

    // A reversed range.
    assert_eq!(
        err(&GOOD.replace("to = 2027-02-12", "to = 2027-02-01")).1,
        "第 5 行：起始日 2027-02-05 晚于结束日 2027-02-01"
    );

    // Syntax.
    let (e, msg) = err(&GOOD.replace("year = 2027", "year = = 2027"));
    assert!(matches!(e, CalendarError::Syntax { line: 1, .. }), "{e:?}");
    assert!(msg.starts_with("第 1 行：TOML 格式错误："), "{msg}");

    // Missing and misspelt keys.
    assert_eq!(err(&GOOD.replace("year = 2027\n", "")).1, "文件缺少 year（年份，如 year = 2026）");
    assert_eq!(
        err(&GOOD.replace("from = \"2027-02-05\"", "form = \"2027-02-05\"")).1,
        "第 5 行：多余或无法识别的字段 form"
    );
    assert_eq!(err(&GOOD.replace(", date = 2027-01-01", "")).1, "第 4 行：缺少 date（日期）或 from/to（起止日期）");
    assert_eq!(err(&GOOD.replace("name = \"元旦\"", "name = \" \"")).1, "第 4 行：name 不能为空");
    assert_eq!(
        err(&GOOD.replace("kind = \"notice\"", "kind = \"guess\"")).1,
        "第 2 行：来源类型 guess 无法识别，应为 notice（国务院办公厅通知）或 derived（按规则推算）"
    );
    assert_eq!(err(&GOOD.replace("year = 2027", "year = \"2027\"")).1, "第 1 行：year 应为整数年份，如 2026");
    assert!(matches!(
        err(&GOOD.replace("year = 2027", "year = 1800")).0,
        CalendarError::YearOutOfRange { line: 1, year: 1800 }
    ));
    // A date with a time is not a date.
    assert!(matches!(
        err(&GOOD.replace("2027-01-01", "2027-01-01T08:00:00")).0,
        CalendarError::BadDate { line: 4, .. }
    ));
}

#[test]
fn toml_round_trip() {
    for y in Calendar::shipped_years() {
        let text = to_toml(&y);
        assert_eq!(parse_year_toml(&text), Ok(y.clone()), "{text}");
    }
    // Names with quotes and backslashes, days out of order, a derived source.
    let y = HolidayYear {
        year: 2030,
        source: YearSource::Notice { title: "标题 \"引号\" \\ 反斜杠\n第二行".into() },
        holidays: vec![
            NamedDay::new(d(2030, 10, 2), "国庆节"),
            NamedDay::new(d(2030, 10, 1), "国庆节"),
            NamedDay::new(d(2030, 10, 3), "国庆节"),
            NamedDay::new(d(2030, 10, 4), "其他"),
        ],
        workdays: vec![NamedDay::new(d(2030, 9, 29), "国庆节")],
    };
    assert_eq!(parse_year_toml(&to_toml(&y)), Ok(y));
    let text = to_toml(&shipped_year(2026));
    assert!(
        text.contains("{ name = \"春节\", from = 2026-02-15, to = 2026-02-23 },  # 星期日至星期一，共 9 天"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Properties, over 2020–2035 (shipped and derived years alike)

fn any_date() -> impl Strategy<Value = NaiveDate> {
    let first = d(2020, 1, 1);
    let days = (d(2035, 12, 31) - first).num_days() as u64;
    (0..=days).prop_map(move |n| first + chrono::Days::new(n))
}

proptest! {
    #[test]
    fn due_is_a_working_day_and_never_early(start in any_date(), n in 0u32..=400) {
        let cal = Calendar::shipped();
        let due = cal.add_days(start, n);
        let plain = start + chrono::Days::new(u64::from(n));
        prop_assert!(cal.is_working_day(due.date));
        prop_assert!(due.date >= plain);
        // It is the first working day on or after the plain end.
        prop_assert_eq!(cal.working_days_between(plain, due.date), u32::from(due.date != plain));
    }

    #[test]
    fn add_days_is_monotonic(start in any_date(), a in 0u32..=400, b in 0u32..=400) {
        let cal = Calendar::shipped();
        let (lo, hi) = (a.min(b), a.max(b));
        prop_assert!(cal.add_days(start, lo).date <= cal.add_days(start, hi).date);
    }

    #[test]
    fn moved_from_iff_plain_end_not_a_working_day(start in any_date(), n in 0u32..=400) {
        let cal = Calendar::shipped();
        let due = cal.add_days(start, n);
        let plain = start + chrono::Days::new(u64::from(n));
        prop_assert_eq!(due.moved_from.is_some(), !cal.is_working_day(plain));
        if let Some(m) = due.moved_from {
            prop_assert_eq!(m, plain);
        }
    }

    #[test]
    fn working_day_period_has_exactly_n_working_days(start in any_date(), n in 0u32..=400) {
        let cal = Calendar::shipped();
        let due = cal.add_working_days(start, n);
        prop_assert!(cal.is_working_day(due.date));
        if n == 0 {
            prop_assert_eq!(due, cal.add_days(start, 0));
        } else {
            prop_assert!(due.date > start);
            prop_assert_eq!(due.moved_from, None);
            let counted = range(start.succ_opt().unwrap(), due.date)
                .into_iter()
                .filter(|x| cal.is_working_day(*x))
                .count();
            prop_assert_eq!(counted, n as usize);
        }
    }

    #[test]
    fn provisional_iff_a_relied_on_year_is_not_shipped(start in any_date(), n in 0u32..=400) {
        let cal = Calendar::shipped();
        let shipped = |y: i32| (2024..=2026).contains(&y);
        let due = cal.add_days(start, n);
        let plain = start + chrono::Days::new(u64::from(n));
        prop_assert_eq!(
            due.provisional,
            (plain.year()..=due.date.year()).any(|y| !shipped(y))
        );
        let due = cal.add_working_days(start, n.max(1));
        prop_assert_eq!(
            due.provisional,
            (start.succ_opt().unwrap().year()..=due.date.year()).any(|y| !shipped(y))
        );
    }
}
