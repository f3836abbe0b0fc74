//! Test data builders: a registration with sensible defaults, changed by setters.

use chrono::{DateTime, NaiveDate, Utc};
use xinfang_core::case::{Accused, Place, RegisterInput};
use xinfang_core::petitioner::{id_check_char, PetitionerInput};

/// A valid 18-digit ID number: region + birth date (YYYYMMDD) + sequence + check character.
pub fn id_number(region: &str, birth: &str, seq: u32) -> String {
    let first17 = format!("{region}{birth}{seq:03}");
    let check = id_check_char(&first17).unwrap_or_else(|| panic!("bad ID number parts {first17}"));
    format!("{first17}{check}")
}

/// A moment, from RFC 3339 (`2026-04-20T09:00:00+08:00`).
pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("bad time {s}: {e}")).with_timezone(&Utc)
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_else(|| panic!("bad date {y}-{m}-{day}"))
}

/// A petitioner builder.
#[derive(Clone)]
pub struct Person(PetitionerInput);

pub fn person(name: &str) -> Person {
    Person(PetitionerInput { name: name.into(), ..Default::default() })
}

impl Person {
    pub fn id(mut self, id: &str) -> Self {
        self.0.id_number = Some(id.into());
        self
    }
    pub fn phone(mut self, phone: &str) -> Self {
        self.0.phone = Some(phone.into());
        self
    }
    pub fn address(mut self, a: &str) -> Self {
        self.0.address = Some(a.into());
        self
    }
    pub fn region(mut self, r: &str) -> Self {
        self.0.region = Some(r.into());
        self
    }
    pub fn representative(mut self) -> Self {
        self.0.representative = true;
        self
    }
    pub fn build(self) -> PetitionerInput {
        self.0
    }
}

/// The default petitioner's ID number and phone.
pub const LI_MING_ID: &str = "140121198001011233";
pub const LI_MING_PHONE: &str = "13912345678";

/// A registration builder. Defaults: a visit, a grievance about expropriation in 清徐县 (140121),
/// one petitioner 李明 with an ID number and a mobile number, received when registered.
#[derive(Clone)]
pub struct Reg(RegisterInput);

pub fn reg() -> Reg {
    Reg(RegisterInput {
        channel: "visit".into(),
        received_at: None,
        petition_type: "grievance".into(),
        category: "expropriation".into(),
        statement: "房屋征收补偿款至今没有发放到位".into(),
        demands: Some("尽快发放补偿款".into()),
        place: Place { county: Some("140121".into()), address: Some("清徐县某镇某村".into()) },
        petitioners: vec![person("李明").id(LI_MING_ID).phone(LI_MING_PHONE).address("清徐县某村 3 号").build()],
        headcount: None,
        people_affected: None,
        accused: Accused::default(),
        money_claimed: None,
        money_paid: None,
        leader_reception: false,
        leader_name: None,
        repeat_of: None,
        bypass: false,
    })
}

impl Reg {
    pub fn channel(mut self, c: &str) -> Self {
        self.0.channel = c.into();
        self
    }
    pub fn petition_type(mut self, p: &str) -> Self {
        self.0.petition_type = p.into();
        self
    }
    pub fn category(mut self, c: &str) -> Self {
        self.0.category = c.into();
        self
    }
    pub fn statement(mut self, s: &str) -> Self {
        self.0.statement = s.into();
        self
    }
    pub fn demands(mut self, d: Option<&str>) -> Self {
        self.0.demands = d.map(str::to_string);
        self
    }
    pub fn county(mut self, c: &str) -> Self {
        self.0.place.county = Some(c.into());
        self
    }
    pub fn received(mut self, at: &str) -> Self {
        self.0.received_at = Some(DateTime::parse_from_rfc3339(at).unwrap_or_else(|e| panic!("bad time {at}: {e}")));
        self
    }
    pub fn petitioners(mut self, p: Vec<Person>) -> Self {
        self.0.petitioners = p.into_iter().map(Person::build).collect();
        self
    }
    pub fn anonymous(mut self) -> Self {
        self.0.petitioners.clear();
        self
    }
    pub fn headcount(mut self, n: u32) -> Self {
        self.0.headcount = Some(n);
        self
    }
    pub fn people_affected(mut self, n: u32) -> Self {
        self.0.people_affected = Some(n);
        self
    }
    pub fn accused_unit(mut self, unit: &str) -> Self {
        self.0.accused.unit = Some(unit.into());
        self
    }
    pub fn accused_person(mut self, p: &str) -> Self {
        self.0.accused.person = Some(p.into());
        self
    }
    /// An accusation (检举控告) against one of our units.
    pub fn accusation_against(self, unit: &str) -> Self {
        self.petition_type("accusation").category("construction").accused_unit(unit)
    }
    /// Claimed and paid, in fen.
    pub fn money(mut self, claimed: i64, paid: i64) -> Self {
        self.0.money_claimed = Some(claimed);
        self.0.money_paid = Some(paid);
        self
    }
    pub fn leader(mut self, name: &str) -> Self {
        self.0.leader_reception = true;
        self.0.leader_name = Some(name.into());
        self
    }
    pub fn repeat_of(mut self, number: &str) -> Self {
        self.0.repeat_of = Some(number.into());
        self
    }
    /// No county recorded for where the matter arose.
    pub fn no_county(mut self) -> Self {
        self.0.place.county = None;
        self
    }
    pub fn bypass(mut self) -> Self {
        self.0.bypass = true;
        self
    }
    pub fn build(self) -> RegisterInput {
        self.0
    }
}
