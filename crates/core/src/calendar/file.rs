//! 节假日文件: the TOML file of one year's holiday arrangement (the format of
//! `data/holidays/*.toml`), as administrators write it.
//!
//! ```toml
//! year = 2026
//! source = { kind = "notice", title = "国务院办公厅关于2026年部分节假日安排的通知 国办发明电〔2025〕7号" }
//!
//! # 放假日（含放假期间的周末）
//! holidays = [
//!     { name = "元旦", from = 2026-01-01, to = 2026-01-03 },
//!     { name = "春节", from = 2026-02-15, to = 2026-02-23 },
//! ]
//!
//! # 调休上班日（只能是星期六、星期日）
//! workdays = [
//!     { name = "元旦", date = 2026-01-04 },
//! ]
//! ```
//!
//! Each entry has a `name` and either one `date` or a `from`/`to` range (both ends included).
//! Dates are TOML dates (`2026-01-01`) or strings (`"2026-01-01"`). `[[holidays]]` tables work
//! too. `source` is `{ kind = "notice", title = "…" }` or `{ kind = "derived" }`. `workdays` may
//! be left out when the year has no 调休.
//!
//! The file is parsed with `toml_edit` rather than serde so that every error can name the line
//! it is on, and say so in Chinese.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

use chrono::{Datelike, NaiveDate, Weekday};
use toml_edit::{Item, TableLike, Value};

use super::{weekday_name, HolidayYear, NamedDay, YearSource};

/// The years a holiday file may be for.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

/// What is wrong with a holiday file (节假日文件). Every message is in Chinese and names the line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CalendarError {
    #[error("第 {line} 行：TOML 格式错误：{detail}")]
    Syntax { line: usize, detail: String },
    #[error("文件缺少 {key}")]
    MissingInFile { key: String },
    #[error("第 {line} 行：缺少 {key}")]
    Missing { line: usize, key: String },
    #[error("第 {line} 行：多余或无法识别的字段 {key}")]
    UnknownKey { line: usize, key: String },
    #[error("第 {line} 行：{key} 应为{expected}")]
    WrongType { line: usize, key: String, expected: &'static str },
    #[error("第 {line} 行：年份 {year} 超出支持的范围（1900—2999）")]
    YearOutOfRange { line: usize, year: i64 },
    #[error("第 {line} 行：来源类型 {kind} 无法识别，应为 notice（国务院办公厅通知）或 derived（按规则推算）")]
    UnknownSource { line: usize, kind: String },
    #[error("第 {line} 行：{key} 不能为空")]
    Empty { line: usize, key: String },
    #[error("第 {line} 行：{value} 不是有效的日期，应写作 YYYY-MM-DD，如 2026-05-01")]
    BadDate { line: usize, value: String },
    #[error("第 {line} 行：date 与 from/to 只能写一种")]
    DateAndRange { line: usize },
    #[error("第 {line} 行：日期 {date} 不在 {year} 年内")]
    NotInYear { line: usize, date: NaiveDate, year: i32 },
    #[error("第 {line} 行：起始日 {from} 晚于结束日 {to}")]
    RangeReversed { line: usize, from: NaiveDate, to: NaiveDate },
    #[error("第 {line} 行：日期 {date} 重复，第 {first_line} 行已列出")]
    Duplicate { line: usize, date: NaiveDate, first_line: usize },
    #[error("第 {line} 行：{date} 已在第 {holiday_line} 行列为放假日，不能同时是调休上班日")]
    HolidayAndWorkday { line: usize, date: NaiveDate, holiday_line: usize },
    #[error("第 {line} 行：调休上班日 {date} 是{weekday}，调休上班只能安排在星期六或星期日")]
    WorkdayNotWeekend { line: usize, date: NaiveDate, weekday: &'static str },
}

type Result<T> = std::result::Result<T, CalendarError>;

/// Byte offsets to line numbers (1-based).
struct Lines<'a> {
    text: &'a str,
}

impl Lines<'_> {
    fn at(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        1 + self.text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count()
    }

    fn of(&self, span: Option<Range<usize>>, fallback: usize) -> usize {
        span.map_or(fallback, |s| self.at(s.start))
    }

    fn raw(&self, span: Option<Range<usize>>) -> Option<&str> {
        span.and_then(|s| self.text.get(s)).map(str::trim)
    }
}

fn item_span(item: &Item) -> Option<Range<usize>> {
    item.span()
}

/// The line of `key` in `table` (the key itself, else its value), or `fallback`.
fn key_line(lines: &Lines, table: &dyn TableLike, key: &str, fallback: usize) -> usize {
    match table.get_key_value(key) {
        Some((k, item)) => lines.of(k.span().or_else(|| item_span(item)), fallback),
        None => fallback,
    }
}

fn check_keys(lines: &Lines, table: &dyn TableLike, allowed: &[&str], fallback: usize) -> Result<()> {
    for (key, _) in table.iter() {
        if !allowed.contains(&key) {
            return Err(CalendarError::UnknownKey { line: key_line(lines, table, key, fallback), key: key.to_owned() });
        }
    }
    Ok(())
}

fn string_at(lines: &Lines, table: &dyn TableLike, key: &str, fallback: usize) -> Result<Option<(String, usize)>> {
    let Some(item) = table.get(key) else {
        return Ok(None);
    };
    let line = lines.of(item_span(item), key_line(lines, table, key, fallback));
    match item.as_str() {
        Some(s) if s.trim().is_empty() => Err(CalendarError::Empty { line, key: key.to_owned() }),
        Some(s) => Ok(Some((s.to_owned(), line))),
        None => Err(CalendarError::WrongType {
            line, key: key.to_owned(), expected: "字符串（用英文双引号括起）"
        }),
    }
}

fn date_at(lines: &Lines, table: &dyn TableLike, key: &str, fallback: usize) -> Result<Option<(NaiveDate, usize)>> {
    let Some(item) = table.get(key) else {
        return Ok(None);
    };
    let span = item_span(item);
    let line = lines.of(span.clone(), key_line(lines, table, key, fallback));
    let bad = || CalendarError::BadDate {
        line,
        value: lines.raw(span.clone()).map(str::to_owned).unwrap_or_else(|| item.to_string().trim().to_owned()),
    };
    let date = match item.as_value() {
        Some(Value::Datetime(dt)) => {
            let dt = dt.value();
            match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                }
                _ => None,
            }
        }
        Some(Value::String(s)) => NaiveDate::parse_from_str(s.value().trim(), "%Y-%m-%d").ok(),
        _ => None,
    };
    date.map(|d| Some((d, line))).ok_or_else(bad)
}

/// One entry of `holidays` / `workdays`, expanded to its days.
struct Entry {
    name: String,
    line: usize,
    days: Vec<NaiveDate>,
}

fn parse_entry(lines: &Lines, table: &dyn TableLike, line: usize, year: i32) -> Result<Entry> {
    check_keys(lines, table, &["name", "date", "from", "to"], line)?;
    let (name, _) = string_at(lines, table, "name", line)?
        .ok_or(CalendarError::Missing { line, key: "name（节日名称）".to_owned() })?;
    let in_year = |(d, l): (NaiveDate, usize)| {
        if d.year() == year {
            Ok(d)
        } else {
            Err(CalendarError::NotInYear { line: l, date: d, year })
        }
    };
    let date = date_at(lines, table, "date", line)?;
    let from = date_at(lines, table, "from", line)?;
    let to = date_at(lines, table, "to", line)?;
    let days = match (date, from, to) {
        (Some(d), None, None) => vec![in_year(d)?],
        (Some(_), _, _) => return Err(CalendarError::DateAndRange { line }),
        (None, Some(f), Some(t)) => {
            let (from_line, from, to) = (f.1, in_year(f)?, in_year(t)?);
            if from > to {
                return Err(CalendarError::RangeReversed { line: from_line, from, to });
            }
            from.iter_days().take_while(|d| *d <= to).collect()
        }
        (None, Some(_), None) => return Err(CalendarError::Missing { line, key: "to（结束日）".to_owned() }),
        (None, None, Some(_)) => return Err(CalendarError::Missing { line, key: "from（起始日）".to_owned() }),
        (None, None, None) => {
            return Err(CalendarError::Missing {
                line, key: "date（日期）或 from/to（起止日期）".to_owned()
            })
        }
    };
    Ok(Entry { name, line, days })
}

/// The entries of the list `key` (`holidays` or `workdays`), as an array of inline tables or
/// as `[[key]]` tables. `None` when the key is absent.
fn parse_list(lines: &Lines, root: &dyn TableLike, key: &str, year: i32) -> Result<Option<Vec<Entry>>> {
    let Some(item) = root.get(key) else {
        return Ok(None);
    };
    let list_line = key_line(lines, root, key, 1);
    let wrong = |line| CalendarError::WrongType {
        line,
        key: key.to_owned(),
        expected: "数组，每项形如 { name = \"春节\", from = 2026-02-15, to = 2026-02-23 }",
    };
    let mut entries = Vec::new();
    match item {
        Item::Value(Value::Array(array)) => {
            for value in array.iter() {
                let line = lines.of(value.span(), list_line);
                let table = value.as_inline_table().ok_or_else(|| wrong(line))?;
                entries.push(parse_entry(lines, table, line, year)?);
            }
        }
        Item::ArrayOfTables(tables) => {
            for table in tables.iter() {
                let line = lines.of(table.span(), list_line);
                entries.push(parse_entry(lines, table, line, year)?);
            }
        }
        _ => return Err(wrong(list_line)),
    }
    Ok(Some(entries))
}

fn parse_source(lines: &Lines, root: &dyn TableLike) -> Result<YearSource> {
    let item = root.get("source").ok_or(CalendarError::MissingInFile {
        key: "source（来源，如 { kind = \"notice\", title = \"国务院办公厅关于……的通知\" }）".to_owned(),
    })?;
    let line = key_line(lines, root, "source", 1);
    let table = item.as_table_like().ok_or(CalendarError::WrongType {
        line,
        key: "source".to_owned(),
        expected: "表，如 { kind = \"notice\", title = \"国务院办公厅关于……的通知\" }",
    })?;
    let (kind, kind_line) = string_at(lines, table, "kind", line)?
        .ok_or(CalendarError::Missing { line, key: "source.kind（notice 或 derived）".to_owned() })?;
    match kind.as_str() {
        "notice" => {
            check_keys(lines, table, &["kind", "title"], line)?;
            let (title, _) = string_at(lines, table, "title", line)?
                .ok_or(CalendarError::Missing { line, key: "source.title（通知标题及文号）".to_owned() })?;
            Ok(YearSource::Notice { title })
        }
        "derived" => {
            check_keys(lines, table, &["kind"], line)?;
            Ok(YearSource::Derived)
        }
        _ => Err(CalendarError::UnknownSource { line: kind_line, kind }),
    }
}

/// Parse an administrator's holiday file for one year (TOML, the format of data/holidays/*.toml),
/// validating: dates inside `year`, no date both holiday and workday, workdays only on Sat/Sun,
/// no duplicates. Errors say exactly which date/line is wrong, in Chinese.
///
/// Days are returned in the order of the file, ranges expanded.
pub fn parse_year_toml(text: &str) -> std::result::Result<HolidayYear, CalendarError> {
    let lines = Lines { text };
    let doc = toml_edit::ImDocument::parse(text)
        .map_err(|e| CalendarError::Syntax { line: lines.of(e.span(), 1), detail: e.message().trim().to_owned() })?;
    let root: &dyn TableLike = doc.as_table();
    check_keys(&lines, root, &["year", "source", "holidays", "workdays"], 1)?;

    let year_item = root
        .get("year")
        .ok_or(CalendarError::MissingInFile { key: "year（年份，如 year = 2026）".to_owned() })?;
    let year_line = key_line(&lines, root, "year", 1);
    let year = year_item.as_integer().ok_or(CalendarError::WrongType {
        line: year_line,
        key: "year".to_owned(),
        expected: "整数年份，如 2026",
    })?;
    let year = i32::try_from(year)
        .ok()
        .filter(|y| YEARS.contains(y))
        .ok_or(CalendarError::YearOutOfRange { line: year_line, year })?;

    let source = parse_source(&lines, root)?;
    let holidays = parse_list(&lines, root, "holidays", year)?
        .ok_or(CalendarError::MissingInFile { key: "holidays（放假日）".to_owned() })?;
    let workdays = parse_list(&lines, root, "workdays", year)?.unwrap_or_default();

    let mut holiday_lines: HashMap<NaiveDate, usize> = HashMap::new();
    for entry in &holidays {
        for &date in &entry.days {
            if let Some(&first_line) = holiday_lines.get(&date) {
                return Err(CalendarError::Duplicate { line: entry.line, date, first_line });
            }
            holiday_lines.insert(date, entry.line);
        }
    }
    let mut workday_lines: HashMap<NaiveDate, usize> = HashMap::new();
    for entry in &workdays {
        for &date in &entry.days {
            if let Some(&holiday_line) = holiday_lines.get(&date) {
                return Err(CalendarError::HolidayAndWorkday { line: entry.line, date, holiday_line });
            }
            if let Some(&first_line) = workday_lines.get(&date) {
                return Err(CalendarError::Duplicate { line: entry.line, date, first_line });
            }
            if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                return Err(CalendarError::WorkdayNotWeekend { line: entry.line, date, weekday: weekday_name(date) });
            }
            workday_lines.insert(date, entry.line);
        }
    }

    let named = |entries: Vec<Entry>| -> Vec<NamedDay> {
        entries
            .into_iter()
            .flat_map(|e| {
                let name = e.name;
                e.days.into_iter().map(move |date| NamedDay::new(date, name.clone()))
            })
            .collect()
    };
    Ok(HolidayYear { year, source, holidays: named(holidays), workdays: named(workdays) })
}

/// A TOML basic string, quoted and escaped.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Write the entries of one list, joining consecutive days of the same name into a range.
fn write_list(out: &mut String, key: &str, days: &[NamedDay]) {
    let mut groups: Vec<(&str, NaiveDate, NaiveDate)> = Vec::new();
    for d in days {
        match groups.last_mut() {
            Some((name, _, to)) if *name == d.name && to.succ_opt() == Some(d.date) => {
                *to = d.date;
            }
            _ => groups.push((&d.name, d.date, d.date)),
        }
    }
    if groups.is_empty() {
        let _ = writeln!(out, "{key} = []");
        return;
    }
    let _ = writeln!(out, "{key} = [");
    for (name, from, to) in groups {
        if from == to {
            let _ = writeln!(out, "    {{ name = {}, date = {from} }},  # {}", quote(name), weekday_name(from));
        } else {
            let n = (to - from).num_days() + 1;
            let _ = writeln!(
                out,
                "    {{ name = {}, from = {from}, to = {to} }},  # {}至{}，共 {n} 天",
                quote(name),
                weekday_name(from),
                weekday_name(to)
            );
        }
    }
    out.push_str("]\n");
}

/// Write a year as a holiday file; round-trips with [`parse_year_toml`] for any year it accepts.
pub fn to_toml(year: &HolidayYear) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {} 年节假日安排", year.year);
    let _ = writeln!(out, "year = {}", year.year);
    match &year.source {
        YearSource::Notice { title } => {
            let _ = writeln!(out, "source = {{ kind = \"notice\", title = {} }}", quote(title));
        }
        YearSource::Derived => {
            out.push_str("# 按《全国年节及纪念日放假办法》推算，暂定，待国务院办公厅通知发布后替换\n");
            out.push_str("source = { kind = \"derived\" }\n");
        }
    }
    out.push_str("\n# 放假日（含放假期间的周末）\n");
    write_list(&mut out, "holidays", &year.holidays);
    out.push_str("\n# 调休上班日（只能是星期六、星期日）\n");
    write_list(&mut out, "workdays", &year.workdays);
    out
}
