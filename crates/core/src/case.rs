//! 信访事项 The case as registered: channels, petition types, categories, registration input and
//! its validation. The lifecycle after registration is in [`crate::lifecycle`].

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Errors};
use crate::petitioner::{Petitioner, PetitionerInput};

/// China Standard Time, in which every statutory period is counted. China has one time zone and
/// no daylight saving, so a fixed offset is exact.
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

/// The calendar date in China of a moment.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&china_offset()).date_naive()
}

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $code:literal / $zh:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $var),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            pub fn code(self) -> &'static str { match self { $($name::$var => $code),+ } }
            pub fn label_zh(self) -> &'static str { match self { $($name::$var => $zh),+ } }
            pub fn from_code(s: &str) -> Option<$name> { Self::ALL.iter().copied().find(|v| v.code() == s) }
            /// Every code, for messages that say what is allowed.
            pub fn codes() -> String { Self::ALL.iter().map(|v| v.code()).collect::<Vec<_>>().join(", ") }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.code()) }
        }
    };
}
pub(crate) use code_enum;

code_enum! {
    /// 信访渠道 how the petition reached us.
    Channel { Visit = "visit" / "走访", Letter = "letter" / "来信", Phone = "phone" / "来电", Web = "web" / "网上信访", Video = "video" / "视频接访" }
}

code_enum! {
    /// 信访类型 the kind of petition.
    PetitionType {
        /// 建议意见
        Suggestion = "suggestion" / "建议意见",
        /// 检举控告 — confidential: never shown to the accused.
        Accusation = "accusation" / "检举控告",
        /// 申诉求决
        Grievance = "grievance" / "申诉求决",
    }
}

/// A category of petition (问题类别) as shipped; administrators may add more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategorySpec {
    pub code: String,
    pub name: String,
    /// Default handling unit; `None` routes to the county/district where the matter arose (属地).
    pub default_unit: Option<String>,
}

/// The default categories and routing of product.md (Taiyuan demonstration units).
pub fn default_categories() -> Vec<CategorySpec> {
    let c = |code: &str, name: &str, unit: Option<&str>| CategorySpec {
        code: code.into(),
        name: name.into(),
        default_unit: unit.map(Into::into),
    };
    vec![
        c("labor", "劳动社保", Some("rsj")),
        c("land", "自然资源规划", Some("ghzy")),
        c("expropriation", "房屋征收拆迁", None),
        c("construction", "住房城乡建设", Some("zjj")),
        c("property", "房产物业", Some("fcj")),
        c("urban", "城市管理", Some("cgj")),
        c("civil", "民政", Some("mzj")),
        c("soe", "国资国企", Some("gzw")),
        c("veterans", "退役军人", Some("tyjr")),
        c("rural", "农业农村", None),
        c("environment", "生态环境", None),
        c("law", "涉法涉诉", Some("zfw")),
        c("discipline", "检举控告", Some("jw")),
        c("other", "其他", None),
    ]
}

/// The unit the routing rules give for a category and the county where the matter arose.
pub fn default_route(categories: &[CategorySpec], category: &str, place_county: Option<&str>) -> Option<String> {
    let spec = categories.iter().find(|c| c.code == category)?;
    spec.default_unit.clone().or_else(|| place_county.map(str::to_string))
}

/// 问题发生地 where the matter arose.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Place {
    /// County/district code (GB/T 2260), e.g. `140105`.
    #[serde(default)]
    pub county: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

/// 被反映对象 who the petition is about. Confidential for accusations.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Accused {
    /// Unit code of an accused unit, when it is one of ours.
    #[serde(default)]
    pub unit: Option<String>,
    /// Name or description of the accused person or body.
    #[serde(default)]
    pub person: Option<String>,
}

/// Registration (登记) as typed by the clerk.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterInput {
    pub channel: String,
    /// When the petition was received (a letter may arrive days before it is registered). The
    /// statutory clock starts from it. Defaults to the moment of registration.
    #[serde(default)]
    pub received_at: Option<DateTime<FixedOffset>>,
    pub petition_type: String,
    pub category: String,
    /// 口述内容 the statement as typed by staff.
    pub statement: String,
    #[serde(default)]
    pub demands: Option<String>,
    #[serde(default)]
    pub place: Place,
    #[serde(default)]
    pub petitioners: Vec<PetitionerInput>,
    /// 人数 people present (group visits); defaults to the number of petitioners.
    #[serde(default)]
    pub headcount: Option<u32>,
    /// 涉及人数 people affected.
    #[serde(default)]
    pub people_affected: Option<u32>,
    #[serde(default)]
    pub accused: Accused,
    /// Money claimed and already paid, in fen (分).
    #[serde(default)]
    pub money_claimed: Option<i64>,
    #[serde(default)]
    pub money_paid: Option<i64>,
    /// Received at a leader reception day (领导接访).
    #[serde(default)]
    pub leader_reception: bool,
    #[serde(default)]
    pub leader_name: Option<String>,
    /// Number of an earlier case this repeats (重复信访).
    #[serde(default)]
    pub repeat_of: Option<String>,
    /// 越级访: skipped the level that is handling or should handle it.
    #[serde(default)]
    pub bypass: bool,
}

/// The configured names registration is checked against (from the database).
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub categories: Vec<CategorySpec>,
    /// Codes of every unit.
    pub units: Vec<String>,
    /// Codes of the counties/districts of the jurisdiction.
    pub counties: Vec<String>,
}

/// 集体访: five or more people on one matter.
pub const GROUP_THRESHOLD: u32 = 5;
/// At most five representatives speak for a group (信访工作条例).
pub const MAX_REPRESENTATIVES: usize = 5;
/// Longest statement accepted, in characters.
pub const MAX_STATEMENT_CHARS: usize = 20_000;

/// A registration that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub petition_type: PetitionType,
    pub category: String,
    pub statement: String,
    pub demands: Option<String>,
    pub place: Place,
    pub petitioners: Vec<Petitioner>,
    pub headcount: u32,
    pub people_affected: Option<u32>,
    pub accused: Accused,
    pub money_claimed: i64,
    pub money_paid: i64,
    pub leader_reception: bool,
    pub leader_name: Option<String>,
    pub repeat_of: Option<String>,
    pub bypass: bool,
}

impl Registration {
    pub fn is_group(&self) -> bool {
        self.headcount >= GROUP_THRESHOLD
    }
}

fn trimmed(o: &Option<String>) -> Option<String> {
    o.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

impl RegisterInput {
    /// Check everything a clerk typed, reporting every problem at once.
    pub fn validate(&self, now: DateTime<Utc>, registry: &Registry) -> Result<Registration, DomainError> {
        let mut e = Errors::default();
        let channel = Channel::from_code(self.channel.trim());
        if channel.is_none() {
            e.add(
                "channel",
                "bad_channel",
                format!("信访渠道「{}」无效，应为：{}", self.channel, Channel::codes()),
                format!("Unknown channel '{}'; use one of: {}", self.channel, Channel::codes()),
            );
        }
        let petition_type = PetitionType::from_code(self.petition_type.trim());
        if petition_type.is_none() {
            e.add(
                "petition_type",
                "bad_petition_type",
                format!(
                    "信访类型「{}」无效，应为：suggestion（建议意见）、accusation（检举控告）、grievance（申诉求决）",
                    self.petition_type
                ),
                format!("Unknown petition type '{}'; use one of: {}", self.petition_type, PetitionType::codes()),
            );
        }
        let category = self.category.trim().to_string();
        if !registry.categories.iter().any(|c| c.code == category) {
            let codes: Vec<&str> = registry.categories.iter().map(|c| c.code.as_str()).collect();
            e.add(
                "category",
                "bad_category",
                format!("问题类别「{}」不存在，可选：{}", self.category, codes.join(", ")),
                format!("Unknown category '{}'; use one of: {}", self.category, codes.join(", ")),
            );
        }
        let statement = self.statement.trim().to_string();
        if statement.is_empty() {
            e.add("statement", "statement_required", "请录入信访人反映的内容", "The statement is required");
        } else if statement.chars().count() > MAX_STATEMENT_CHARS {
            e.add(
                "statement",
                "statement_too_long",
                format!("反映内容过长（最多 {MAX_STATEMENT_CHARS} 字），请把附件内容作为附件上传"),
                format!("The statement is too long (at most {MAX_STATEMENT_CHARS} characters)"),
            );
        }
        let received_at = self.received_at.map(|t| t.with_timezone(&Utc)).unwrap_or(now);
        if received_at > now + chrono::Duration::minutes(5) {
            e.add(
                "received_at",
                "received_in_future",
                "收到时间不能晚于现在",
                "The time of receipt cannot be in the future",
            );
        }
        let place = Place { county: trimmed(&self.place.county), address: trimmed(&self.place.address) };
        if let Some(c) = &place.county {
            if !registry.counties.contains(c) {
                e.add(
                    "place.county",
                    "bad_county",
                    format!("问题发生地「{c}」不是本辖区的县（市、区）代码"),
                    format!("'{c}' is not a county or district of this jurisdiction"),
                );
            }
        }
        let accused = Accused { unit: trimmed(&self.accused.unit), person: trimmed(&self.accused.person) };
        if let Some(u) = &accused.unit {
            if !registry.units.contains(u) {
                e.add(
                    "accused.unit",
                    "unknown_unit",
                    format!("被反映单位「{u}」不存在"),
                    format!("Accused unit '{u}' does not exist"),
                );
            }
        }
        let today = crate::case::local_date(now);
        let mut petitioners = Vec::new();
        for (i, p) in self.petitioners.iter().enumerate() {
            match p.validate(today) {
                Ok(v) => petitioners.push(v),
                Err(errs) => e.extend_under(&format!("petitioners[{i}]"), errs),
            }
        }
        // Anonymous accusations (匿名举报) are registered too; every other petition names someone.
        if self.petitioners.is_empty() && petition_type != Some(PetitionType::Accusation) {
            e.add(
                "petitioners",
                "petitioner_required",
                "请至少登记一名信访人（只有检举控告可以匿名）",
                "Register at least one petitioner (only accusations may be anonymous)",
            );
        }
        let listed = self.petitioners.len() as u32;
        let headcount = self.headcount.unwrap_or(listed.max(1));
        if headcount == 0 || headcount < listed {
            e.add(
                "headcount",
                "bad_headcount",
                format!("来访人数 {headcount} 不能少于登记的信访人数 {listed}，且至少为 1"),
                format!("Headcount {headcount} cannot be below the {listed} petitioners registered, nor 0"),
            );
        }
        let reps = self.petitioners.iter().filter(|p| p.representative).count();
        if reps > MAX_REPRESENTATIVES {
            e.add(
                "petitioners",
                "too_many_representatives",
                format!("集体访推选代表不得超过 {MAX_REPRESENTATIVES} 人，现为 {reps} 人"),
                format!("A group may choose at most {MAX_REPRESENTATIVES} representatives; {reps} were marked"),
            );
        }
        if let Some(a) = self.people_affected {
            if a < headcount {
                e.add(
                    "people_affected",
                    "bad_people_affected",
                    format!("涉及人数 {a} 不能少于来访人数 {headcount}"),
                    format!("People affected ({a}) cannot be fewer than the headcount ({headcount})"),
                );
            }
        }
        let claimed = self.money_claimed.unwrap_or(0);
        let paid = self.money_paid.unwrap_or(0);
        if claimed < 0 || paid < 0 {
            e.add("money_claimed", "negative_money", "金额不能为负数", "Amounts cannot be negative");
        } else if paid > claimed {
            e.add(
                "money_paid",
                "paid_exceeds_claimed",
                "已支付金额不能超过诉求金额",
                "The amount paid cannot exceed the amount claimed",
            );
        }
        let leader_name = trimmed(&self.leader_name);
        if self.leader_reception && leader_name.is_none() {
            e.add(
                "leader_name",
                "leader_name_required",
                "领导接访须填写接访领导姓名",
                "A leader reception needs the receiving leader's name",
            );
        }
        e.into_result()?;
        Ok(Registration {
            channel: channel.expect("checked above"),
            received_at,
            petition_type: petition_type.expect("checked above"),
            category,
            statement,
            demands: trimmed(&self.demands),
            place,
            petitioners,
            headcount,
            people_affected: self.people_affected,
            accused,
            money_claimed: claimed,
            money_paid: paid,
            leader_reception: self.leader_reception,
            leader_name,
            repeat_of: trimmed(&self.repeat_of),
            bypass: self.bypass,
        })
    }
}

/// Human-readable case number, unique per year: `2026-000123`.
pub fn format_case_number(year: i32, seq: i64) -> String {
    format!("{year}-{seq:06}")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn registry() -> Registry {
        Registry {
            categories: default_categories(),
            units: crate::unit::taiyuan_demo_units().into_iter().map(|u| u.code).collect(),
            counties: crate::unit::taiyuan_demo_units()
                .into_iter()
                .filter(|u| u.kind == crate::unit::UnitKind::County)
                .map(|u| u.code)
                .collect(),
        }
    }

    pub fn input() -> RegisterInput {
        RegisterInput {
            channel: "visit".into(),
            received_at: None,
            petition_type: "grievance".into(),
            category: "expropriation".into(),
            statement: "拆迁补偿款迟迟未到位".into(),
            demands: None,
            place: Place { county: Some("140121".into()), address: None },
            petitioners: vec![PetitionerInput { name: "李明".into(), ..Default::default() }],
            headcount: None,
            people_affected: None,
            accused: Accused::default(),
            money_claimed: None,
            money_paid: None,
            leader_reception: false,
            leader_name: None,
            repeat_of: None,
            bypass: false,
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-04-20T02:00:00Z".parse().unwrap()
    }

    #[test]
    fn valid_registration() {
        let r = input().validate(now(), &registry()).unwrap();
        assert_eq!(r.channel, Channel::Visit);
        assert_eq!(r.headcount, 1);
        assert_eq!(r.received_at, now());
        assert!(!r.is_group());
    }

    #[test]
    fn every_problem_reported_with_field_names() {
        let mut i = input();
        i.channel = "pigeon".into();
        i.category = "nope".into();
        i.statement = "  ".into();
        i.place.county = Some("999999".into());
        i.headcount = Some(0);
        i.money_claimed = Some(100);
        i.money_paid = Some(200);
        let DomainError::Invalid(errs) = i.validate(now(), &registry()).unwrap_err() else { panic!() };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["channel", "category", "statement", "place.county", "headcount", "money_paid"]);
        assert!(errs[0].message_zh.contains("visit"));
    }

    #[test]
    fn group_and_representatives() {
        let mut i = input();
        i.petitioners = (0..6)
            .map(|k| PetitionerInput { name: format!("村民{k}"), representative: true, ..Default::default() })
            .collect();
        i.headcount = Some(10);
        let err = i.validate(now(), &registry()).unwrap_err();
        assert_eq!(err.fields()[0].code, "too_many_representatives");
        i.petitioners[5].representative = false;
        let r = i.validate(now(), &registry()).unwrap();
        assert!(r.is_group());
        assert_eq!(r.headcount, 10);
    }

    #[test]
    fn anonymous_only_for_accusations() {
        let mut i = input();
        i.petitioners.clear();
        assert_eq!(i.validate(now(), &registry()).unwrap_err().fields()[0].code, "petitioner_required");
        i.petition_type = "accusation".into();
        i.category = "discipline".into();
        assert!(i.validate(now(), &registry()).is_ok());
    }

    #[test]
    fn nested_petitioner_errors_are_prefixed() {
        let mut i = input();
        i.petitioners[0].id_number = Some("140105".into());
        let err = i.validate(now(), &registry()).unwrap_err();
        assert_eq!(err.fields()[0].field, "petitioners[0].id_number");
    }

    #[test]
    fn routing_defaults() {
        let cats = default_categories();
        assert_eq!(default_route(&cats, "labor", Some("140105")).as_deref(), Some("rsj"));
        assert_eq!(default_route(&cats, "expropriation", Some("140121")).as_deref(), Some("140121"));
        assert_eq!(default_route(&cats, "expropriation", None), None);
        assert_eq!(format_case_number(2026, 42), "2026-000042");
    }

    #[test]
    fn local_date_is_china_time() {
        // 2026-04-19 17:00 UTC is already 04-20 01:00 in Beijing.
        assert_eq!(local_date("2026-04-19T17:00:00Z".parse().unwrap()), NaiveDate::from_ymd_opt(2026, 4, 20).unwrap());
    }
}
