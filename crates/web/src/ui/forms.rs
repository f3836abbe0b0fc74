//! Form handling: what the clerk typed, kept as typed (so nothing is lost on an error), turned
//! into the same `RegisterInput` and `Command` the JSON API takes.

use std::collections::BTreeMap;

use chrono::{NaiveDateTime, TimeZone};
use serde_json::{json, Map, Value};
use xinfang_core::case::{china_offset, Accused, Place, RegisterInput};
use xinfang_core::lifecycle::{action_label_zh, Finding, Outcome, Rating, RatingStage, ReviewDecision, Separation};
use xinfang_core::petitioner::PetitionerInput;
use xinfang_core::FieldError;

/// Submitted form pairs, in order (repeated keys allowed).
pub type Pairs = Vec<(String, String)>;

pub fn parse_pairs(body: &[u8]) -> Pairs {
    serde_urlencoded::from_bytes::<Pairs>(body).unwrap_or_default()
}

pub fn first<'a>(pairs: &'a Pairs, key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn all<'a>(pairs: &'a Pairs, key: &str) -> Vec<&'a str> {
    pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
}

/// One petitioner row of the registration form.
#[derive(Debug, Clone, Default)]
pub struct PersonRow {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub address: String,
    pub representative: bool,
}

/// The registration form as typed.
#[derive(Debug, Clone, Default)]
pub struct RegForm {
    /// Identifies this form: saving it twice (a double click) registers one case.
    pub token: String,
    /// The hall queue ticket this registration is for, if any.
    pub ticket: String,
    pub channel: String,
    pub petition_type: String,
    pub category: String,
    pub received_at: String,
    pub statement: String,
    pub demands: String,
    pub county: String,
    pub address: String,
    pub people: Vec<PersonRow>,
    pub headcount: String,
    pub people_affected: String,
    pub accused_unit: String,
    pub accused_person: String,
    pub money_claimed: String,
    pub money_paid: String,
    pub leader_reception: bool,
    pub leader_name: String,
    pub bypass: bool,
    pub repeat_of: String,
}

/// Rows shown on an empty form.
pub const EMPTY_ROWS: usize = 3;

impl RegForm {
    pub fn blank() -> RegForm {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        RegForm {
            token: format!("{nanos:x}"),
            channel: "visit".into(),
            petition_type: "grievance".into(),
            people: vec![PersonRow::default(); EMPTY_ROWS],
            ..Default::default()
        }
    }

    pub fn from_pairs(p: &Pairs) -> RegForm {
        let get = |k: &str| first(p, k).unwrap_or("").to_string();
        // Rows are numbered p0_, p1_, …; keep every row that was sent, up to the highest number.
        let highest = p
            .iter()
            .filter_map(|(k, _)| k.strip_prefix('p')?.split_once('_')?.0.parse::<usize>().ok())
            .filter(|i| *i < 500)
            .max();
        let rows = highest.map(|h| h + 1).unwrap_or(0).max(EMPTY_ROWS);
        let people = (0..rows)
            .map(|i| {
                let key = |f: &str| format!("p{i}_{f}");
                PersonRow {
                    name: get(&key("name")),
                    id_number: get(&key("id")),
                    phone: get(&key("phone")),
                    address: get(&key("address")),
                    representative: first(p, &key("rep")).is_some(),
                }
            })
            .collect();
        RegForm {
            token: get("_form"),
            ticket: get("ticket"),
            channel: get("channel"),
            petition_type: get("petition_type"),
            category: get("category"),
            received_at: get("received_at"),
            statement: get("statement"),
            demands: get("demands"),
            county: get("county"),
            address: get("address"),
            people,
            headcount: get("headcount"),
            people_affected: get("people_affected"),
            accused_unit: get("accused_unit"),
            accused_person: get("accused_person"),
            money_claimed: get("money_claimed"),
            money_paid: get("money_paid"),
            leader_reception: first(p, "leader_reception").is_some(),
            leader_name: get("leader_name"),
            bypass: first(p, "bypass").is_some(),
            repeat_of: get("repeat_of"),
        }
    }

    /// The rows that hold a petitioner (empty rows are skipped), in order: the API's
    /// `petitioners[i]` is row `filled_rows()[i]` of the form.
    pub fn filled_rows(&self) -> Vec<usize> {
        self.people
            .iter()
            .enumerate()
            .filter(|(_, p)| !(p.name.trim().is_empty() && p.id_number.trim().is_empty() && p.phone.trim().is_empty()))
            .map(|(i, _)| i)
            .collect()
    }

    /// The API input, or the form-level problems (numbers and dates that do not parse).
    pub fn to_input(&self) -> Result<RegisterInput, Vec<FieldError>> {
        let mut errs = Vec::new();
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let count = |field: &str, s: &str, errs: &mut Vec<FieldError>| -> Option<u32> {
            let t = s.trim();
            if t.is_empty() {
                return None;
            }
            t.parse::<u32>()
                .map_err(|_| {
                    errs.push(FieldError::new(
                        field,
                        "not_a_number",
                        format!("「{t}」不是有效的人数"),
                        format!("'{t}' is not a number"),
                    ))
                })
                .ok()
        };
        let received_at = match self.received_at.trim() {
            "" => None,
            t => match NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M") {
                Ok(dt) => china_offset().from_local_datetime(&dt).single(),
                Err(_) => {
                    errs.push(FieldError::new(
                        "received_at",
                        "bad_time",
                        "收到时间格式应为 年-月-日 时:分",
                        "Use YYYY-MM-DD HH:MM",
                    ));
                    None
                }
            },
        };
        let input = RegisterInput {
            channel: self.channel.clone(),
            received_at,
            petition_type: self.petition_type.clone(),
            category: self.category.clone(),
            statement: self.statement.clone(),
            demands: opt(&self.demands),
            place: Place { county: opt(&self.county), address: opt(&self.address) },
            petitioners: self
                .filled_rows()
                .into_iter()
                .map(|i| &self.people[i])
                .map(|p| PetitionerInput {
                    name: p.name.clone(),
                    id_number: opt(&p.id_number),
                    phone: opt(&p.phone),
                    address: opt(&p.address),
                    region: None,
                    representative: p.representative,
                })
                .collect(),
            headcount: count("headcount", &self.headcount, &mut errs),
            people_affected: count("people_affected", &self.people_affected, &mut errs),
            accused: Accused { unit: opt(&self.accused_unit), person: opt(&self.accused_person) },
            money_claimed: yuan_to_fen("money_claimed", &self.money_claimed, &mut errs),
            money_paid: yuan_to_fen("money_paid", &self.money_paid, &mut errs),
            leader_reception: self.leader_reception,
            leader_name: opt(&self.leader_name),
            repeat_of: opt(&self.repeat_of),
            bypass: self.bypass,
        };
        if errs.is_empty() {
            Ok(input)
        } else {
            Err(errs)
        }
    }
}

/// The form key of an API field name: `petitioners[2].id_number` → `p{rows[2]}_id`, where `rows`
/// maps the API's petitioner numbers back to the form's rows (see [`RegForm::filled_rows`]).
pub fn form_key(field: &str, rows: &[usize]) -> String {
    if let Some(rest) = field.strip_prefix("petitioners[") {
        if let Some((i, f)) = rest.split_once("].") {
            let f = match f {
                "id_number" => "id",
                other => other,
            };
            let row = i.parse::<usize>().ok().and_then(|i| rows.get(i).copied()).map(|r| r.to_string());
            return format!("p{}_{f}", row.as_deref().unwrap_or(i));
        }
    }
    match field {
        "place.county" => "county".into(),
        "place.address" => "address".into(),
        "accused.unit" => "accused_unit".into(),
        "accused.person" => "accused_person".into(),
        other => other.to_string(),
    }
}

/// Parse an amount in yuan (up to two decimals) into fen.
pub fn yuan_to_fen(field: &str, s: &str, errs: &mut Vec<FieldError>) -> Option<i64> {
    let t = s.trim().replace([',', '，'], "");
    if t.is_empty() {
        return None;
    }
    let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
    let ok = !int.is_empty()
        && int.len() <= 13
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.len() <= 2
        && frac.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        errs.push(FieldError::new(
            field,
            "bad_amount",
            format!("金额「{s}」无效：请填写数字，最多两位小数"),
            format!("'{s}' is not an amount"),
        ));
        return None;
    }
    let frac = format!("{frac:0<2}");
    Some(int.parse::<i64>().unwrap_or(0) * 100 + frac.parse::<i64>().unwrap_or(0))
}

/// Fen as yuan for display: 340000000 → "3,400,000.00".
pub fn fen_to_yuan(fen: i64) -> String {
    let neg = fen < 0;
    let fen = fen.unsigned_abs();
    let int = (fen / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}{grouped}.{:02}", if neg { "-" } else { "" }, fen % 100)
}

/// What kind of input a field of an action form is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    TextArea,
    Number,
    Money,
    Select(Vec<(String, String)>),
    MultiSelect(Vec<(String, String)>),
    /// A date and time (China time), sent as RFC 3339.
    DateTime,
    /// Rows of coordination-meeting decisions: unit, implementer, days, content.
    Decisions(Vec<(String, String)>),
}

/// Decision rows shown on the meeting form.
pub const DECISION_ROWS: usize = 3;

/// One field of an action's form, with what was typed and its error.
#[derive(Debug, Clone)]
pub struct FormField {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    pub value: String,
    pub values: Vec<String>,
    /// Decision rows as typed: unit, implementer, days, content.
    pub rows: Vec<[String; 4]>,
    pub error: Option<String>,
}

impl FormField {
    pub fn is_text(&self) -> bool {
        self.kind == FieldKind::Text || self.kind == FieldKind::Number || self.kind == FieldKind::Money
    }
    pub fn is_textarea(&self) -> bool {
        self.kind == FieldKind::TextArea
    }
    pub fn options(&self) -> &[(String, String)] {
        match &self.kind {
            FieldKind::Select(o) | FieldKind::MultiSelect(o) => o,
            _ => &[],
        }
    }
    pub fn is_select(&self) -> bool {
        matches!(self.kind, FieldKind::Select(_))
    }
    pub fn is_multi(&self) -> bool {
        matches!(self.kind, FieldKind::MultiSelect(_))
    }
    pub fn is_datetime(&self) -> bool {
        self.kind == FieldKind::DateTime
    }
    pub fn is_decisions(&self) -> bool {
        matches!(self.kind, FieldKind::Decisions(_))
    }
    pub fn units(&self) -> &[(String, String)] {
        match &self.kind {
            FieldKind::Decisions(u) => u,
            _ => &[],
        }
    }
    pub fn selected(&self, v: &str) -> bool {
        self.value == v || self.values.iter().any(|x| x == v)
    }
}

/// An action's form on the case page.
#[derive(Debug, Clone)]
pub struct ActionForm {
    pub action: &'static str,
    pub label: &'static str,
    pub fields: Vec<FormField>,
    pub error: Option<String>,
    pub open: bool,
}

fn opts<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter().map(|v| (code(*v).to_string(), label(*v).to_string())).collect()
}

/// The fields of each action, in the order a person fills them in.
/// `tasks`: the open coordination-meeting decisions of the case, as (number, description).
pub fn action_form(action: &'static str, units: &[(String, String)], tasks: &[(String, String)]) -> ActionForm {
    use FieldKind::*;
    let f = |name, label, kind: FieldKind, required| {
        let rows = if matches!(kind, Decisions(_)) {
            (0..DECISION_ROWS)
                .map(|i| {
                    [String::new(), String::new(), if i == 0 { "60".into() } else { String::new() }, String::new()]
                })
                .collect()
        } else {
            vec![]
        };
        FormField { name, label, kind, required, value: String::new(), values: vec![], rows, error: None }
    };
    let units_sel = Select(units.to_vec());
    let fields = match action {
        "accept" | "record_visit" => vec![f("note", "备注", Text, false)],
        "reject" => vec![
            f("reason", "不予受理理由", TextArea, true),
            f("legal_route", "告知的途径（如：向人民法院起诉）", Text, true),
            f("separation", "诉访分离", Select(opts(Separation::ALL, |s| s.code(), |s| s.label_zh())), false),
        ],
        "forward" => vec![f("unit", "转送单位", units_sel, true), f("note", "备注", Text, false)],
        "assign" => vec![
            f("lead", "主办单位", units_sel, true),
            f("assisting", "协办单位（可多选）", MultiSelect(units.to_vec()), false),
            f("note", "交办要求", Text, false),
        ],
        "object" => vec![f("reason", "异议理由", TextArea, true)],
        "extend" => vec![
            f("days", "延长天数（最多 30 日）", Number, true),
            f("approver", "批准人", Text, true),
            f("reason", "延期理由（将告知信访人）", TextArea, true),
        ],
        "reply" => vec![
            f("finding", "核实认定", Select(opts(Finding::ALL, |s| s.code(), |s| s.label_zh())), true),
            f("outcome", "处理意见", Select(opts(Outcome::ALL, |s| s.code(), |s| s.label_zh())), true),
            f("opinion", "处理意见书正文", TextArea, true),
            f("basis", "依据", Text, false),
            f("mediation_agreement", "调解协议（调解结案时填写）", TextArea, false),
        ],
        "rate" => vec![
            f("stage", "评价环节", Select(opts(RatingStage::ALL, |s| s.code(), |s| s.label_zh())), true),
            f("rating", "评价", Select(opts(Rating::ALL, |s| s.code(), |s| s.label_zh())), true),
            f("reason", "理由（不满意时必填）", Text, false),
        ],
        "rehandle" => vec![f("reason", "重新办理要求", TextArea, true)],
        "request_review" | "request_rereview" => vec![f("reason", "请求及理由", TextArea, true)],
        "decide_review" | "decide_rereview" => vec![
            f("decision", "决定", Select(opts(ReviewDecision::ALL, |s| s.code(), |s| s.label_zh())), true),
            f("opinion", "意见", TextArea, true),
        ],
        "close" => vec![f("reason", "终结说明", Text, false)],
        "record_money" => vec![
            f("claimed", "诉求金额（元）", Money, false),
            f("paid", "已支付（元）", Money, false),
            f("recovered", "已追回（元）", Money, false),
        ],
        "instruct" => vec![f("text", "批示内容", TextArea, true)],
        "supervise" => vec![f("note", "督办要求", TextArea, true)],
        "answer_supervision" => vec![f("answer", "书面回复", TextArea, true)],
        "summon_meeting" => vec![
            f("units", "召集的责任单位（可多选）", MultiSelect(units.to_vec()), true),
            f("arrive_by", "限时到达", DateTime, false),
            f("place", "地点", Text, false),
        ],
        "hold_meeting" => vec![
            f("chair", "主持人", Text, true),
            f("attendees", "参会人员（信访人、单位负责人、工作人员）", TextArea, true),
            f("discussion", "会议情况（认定、意见）", TextArea, true),
            f("decisions", "决定事项：谁负责、谁落实、多少日内", Decisions(units.to_vec()), true),
        ],
        "complete_task" => {
            vec![f("task", "落实的决定", Select(tasks.to_vec()), true), f("note", "落实情况", TextArea, true)]
        }
        _ => vec![],
    };
    ActionForm { action, label: action_label_zh(action), fields, error: None, open: false }
}

impl ActionForm {
    /// Keep what was typed.
    pub fn fill(&mut self, p: &Pairs) {
        for field in &mut self.fields {
            field.value = first(p, field.name).unwrap_or("").to_string();
            field.values = all(p, field.name).into_iter().map(str::to_string).collect();
            if field.is_decisions() {
                let cell = |i: usize, k: &str| first(p, &format!("d{i}_{k}")).unwrap_or("").to_string();
                field.rows = (0..DECISION_ROWS)
                    .map(|i| [cell(i, "unit"), cell(i, "implementer"), cell(i, "days"), cell(i, "content")])
                    .collect();
            }
        }
        self.open = true;
    }

    /// The command JSON (as the API takes it), or field errors for amounts and numbers.
    pub fn to_json(&self) -> Result<Value, Vec<FieldError>> {
        let mut m = Map::new();
        m.insert("action".into(), json!(self.action));
        let mut errs = Vec::new();
        for field in &self.fields {
            let v = field.value.trim();
            match &field.kind {
                FieldKind::MultiSelect(_) => {
                    m.insert(
                        field.name.into(),
                        json!(field.values.iter().filter(|v| !v.is_empty()).collect::<Vec<_>>()),
                    );
                }
                FieldKind::Number if !v.is_empty() => match v.parse::<u32>() {
                    Ok(n) => {
                        m.insert(field.name.into(), json!(n));
                    }
                    Err(_) => errs.push(FieldError::new(
                        field.name,
                        "not_a_number",
                        format!("「{v}」不是有效的数字"),
                        format!("'{v}' is not a number"),
                    )),
                },
                FieldKind::Money if !v.is_empty() => {
                    if let Some(fen) = yuan_to_fen(field.name, v, &mut errs) {
                        m.insert(field.name.into(), json!(fen));
                    }
                }
                FieldKind::Number | FieldKind::Money => {}
                FieldKind::DateTime if !v.is_empty() => match NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M") {
                    Ok(dt) => match china_offset().from_local_datetime(&dt).single() {
                        Some(t) => {
                            m.insert(field.name.into(), json!(t.to_rfc3339()));
                        }
                        None => errs.push(FieldError::new(field.name, "bad_time", "时间无效", "Invalid time")),
                    },
                    Err(_) => errs.push(FieldError::new(
                        field.name,
                        "bad_time",
                        "时间格式应为 年-月-日 时:分",
                        "Use YYYY-MM-DD HH:MM",
                    )),
                },
                FieldKind::DateTime => {}
                FieldKind::Decisions(_) => {
                    let mut list = Vec::new();
                    for (i, [unit, implementer, days, content]) in field.rows.iter().enumerate() {
                        if unit.trim().is_empty() && implementer.trim().is_empty() && content.trim().is_empty() {
                            continue;
                        }
                        let days: u32 = match days.trim() {
                            "" => 0,
                            d => d.parse().unwrap_or_else(|_| {
                                errs.push(FieldError::new(
                                    format!("decisions[{i}].days"),
                                    "not_a_number",
                                    format!("「{d}」不是有效的天数"),
                                    format!("'{d}' is not a number of days"),
                                ));
                                0
                            }),
                        };
                        list.push(json!({"unit": unit.trim(), "implementer": implementer.trim(), "days": days, "content": content.trim()}));
                    }
                    m.insert(field.name.into(), Value::Array(list));
                }
                FieldKind::Select(_) if field.name == "task" && !v.is_empty() => {
                    m.insert(field.name.into(), json!(v.parse::<u32>().unwrap_or(0)));
                }
                FieldKind::Select(_) if v.is_empty() && field.required => errs.push(FieldError::new(
                    field.name,
                    "required",
                    format!("请选择{}", field.label),
                    format!("Choose {}", field.name),
                )),
                _ if v.is_empty() => {}
                _ => {
                    m.insert(field.name.into(), json!(v));
                }
            }
        }
        if errs.is_empty() {
            Ok(Value::Object(m))
        } else {
            Err(errs)
        }
    }

    /// Show errors beside their fields; the rest at the top of the form.
    pub fn set_errors(&mut self, message: String, fields: &[(String, String)]) {
        let mut unplaced = Vec::new();
        for (name, msg) in fields {
            let base = name.split('[').next().unwrap_or(name);
            match self.fields.iter_mut().find(|f| f.name == base) {
                Some(f) => f.error = Some(msg.clone()),
                None => unplaced.push(msg.clone()),
            }
        }
        self.error = Some(if unplaced.is_empty() && !fields.is_empty() { message_short(&message) } else { message });
        self.open = true;
    }
}

fn message_short(m: &str) -> String {
    m.split_once('：').map(|(a, _)| a.to_string()).unwrap_or_else(|| m.to_string())
}

/// Errors keyed by form field.
pub fn errors_by_key(fields: &[FieldError], lang: xinfang_core::Lang, rows: &[usize]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for f in fields {
        out.entry(form_key(&f.field, rows)).or_insert_with(|| f.message(lang).to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        let mut e = vec![];
        assert_eq!(yuan_to_fen("m", "3400000", &mut e), Some(340_000_000));
        assert_eq!(yuan_to_fen("m", "1,100,000.5", &mut e), Some(110_000_050));
        assert_eq!(yuan_to_fen("m", "", &mut e), None);
        assert!(e.is_empty());
        assert_eq!(yuan_to_fen("m", "12.345", &mut e), None);
        assert_eq!(yuan_to_fen("m", "-5", &mut e), None);
        assert_eq!(e.len(), 2);
        assert_eq!(fen_to_yuan(340_000_000), "3,400,000.00");
        assert_eq!(fen_to_yuan(5), "0.05");
    }

    #[test]
    fn keys_and_rows() {
        assert_eq!(form_key("petitioners[2].id_number", &[0, 1, 2]), "p2_id");
        assert_eq!(form_key("petitioners[1].id_number", &[0, 2]), "p2_id", "an empty row in between");
        assert_eq!(form_key("place.county", &[]), "county");
        let pairs: Pairs = vec![
            ("statement".into(), "x".into()),
            ("p0_name".into(), "甲".into()),
            ("p0_rep".into(), "on".into()),
            ("p4_name".into(), "乙".into()),
        ];
        let f = RegForm::from_pairs(&pairs);
        assert_eq!(f.people.len(), 5, "every row sent is kept, gaps included");
        assert!(f.people[0].representative);
        let input = f.to_input().unwrap();
        assert_eq!(input.petitioners.len(), 2);
    }

    #[test]
    fn action_json() {
        let units = vec![("140121".to_string(), "清徐县".to_string()), ("ghzy".to_string(), "规划".to_string())];
        let mut form = action_form("assign", &units, &[]);
        form.fill(&vec![("lead".into(), "140121".into()), ("assisting".into(), "ghzy".into())]);
        assert_eq!(form.to_json().unwrap(), json!({"action": "assign", "lead": "140121", "assisting": ["ghzy"]}));
        let mut form = action_form("extend", &units, &[]);
        form.fill(&vec![("days".into(), "abc".into())]);
        assert_eq!(form.to_json().unwrap_err()[0].field, "days");
    }
}
