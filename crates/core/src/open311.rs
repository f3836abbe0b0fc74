//! Open311 GeoReport v2 — what the public interface says about a case, decided once here.
//!
//! The specification (wiki.open311.org/GeoReport_v2) knows two statuses, `open` ("it has been
//! reported") and `closed` ("it has been resolved"); [`status`] maps every [`State`] to one. A
//! posted service request becomes a web-channel petition: [`ServiceRequestForm::to_register_input`]
//! maps the specification's fields onto a [`RegisterInput`], which registration then validates as
//! it validates every other channel.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::case::{PetitionType, Place, RegisterInput};
use crate::error::{DomainError, Errors};
use crate::lifecycle::State;
use crate::petitioner::PetitionerInput;

/// The two statuses of GeoReport v2 ("GET Service Requests", field `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicStatus {
    /// "open: it has been reported."
    Open,
    /// "closed: it has been resolved."
    Closed,
}

impl PublicStatus {
    pub const ALL: [PublicStatus; 2] = [PublicStatus::Open, PublicStatus::Closed];
    pub fn code(self) -> &'static str {
        match self {
            PublicStatus::Open => "open",
            PublicStatus::Closed => "closed",
        }
    }
    pub fn from_code(s: &str) -> Option<PublicStatus> {
        Self::ALL.into_iter().find(|p| p.code() == s)
    }
    /// Every case state reported with this status (for list filters in SQL).
    pub fn states(self) -> Vec<State> {
        State::ALL.iter().copied().filter(|s| status(*s) == self).collect()
    }
}

/// The public status of a case state. `closed` means the petitioner has an answer in writing:
/// not accepted (不予受理, with reason and route), the handling opinion issued (处理意见书), a review
/// decided, or closed for good (终结). A review or re-review requested reopens it: the matter is
/// being handled again.
pub fn status(state: State) -> PublicStatus {
    match state {
        State::Registered | State::Routed | State::Accepted | State::ReviewRequested | State::RereviewRequested => {
            PublicStatus::Open
        }
        State::Rejected | State::Replied | State::Reviewed | State::Closed => PublicStatus::Closed,
    }
}

/// `status_notes`: the public wording of a state. Only the state, never a reason, opinion or
/// note typed by staff (those may name people).
pub fn status_notes(state: State) -> &'static str {
    match state {
        State::Registered => "已收到，待分流转办",
        State::Routed => "已转送交办责任单位，待受理",
        State::Rejected => "不予受理，已书面告知理由和途径",
        State::Accepted => "已受理，正在办理",
        State::Replied => "已出具处理意见",
        State::ReviewRequested => "已申请复查，复查中",
        State::Reviewed => "已作出复查意见",
        State::RereviewRequested => "已申请复核，复核中",
        State::Closed => "已终结",
    }
}

/// Accusations (检举控告) are confidential: never listed nor shown by the public interface.
pub fn publicly_listed(petition_type: &str) -> bool {
    petition_type != PetitionType::Accusation.code()
}

/// "Default query limit is a span of 90 days or first 1000 requests returned, whichever is
/// smallest" (GET Service Requests, Response Volume).
pub const MAX_SPAN_DAYS: i64 = 90;
pub const MAX_REQUESTS: i64 = 1000;

/// The window of `requested_datetime` a list covers: "When not specified, the range defaults to
/// most recent 90 days"; with both ends given it "may not span more than 90 days". With one end
/// given, the window is the 90 days from (or up to) it.
pub fn date_range(
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), DomainError> {
    let span = Duration::days(MAX_SPAN_DAYS);
    let (s, e) = match (start, end) {
        (None, None) => (now - span, now),
        (Some(s), None) => (s, s + span),
        (None, Some(e)) => (e - span, e),
        (Some(s), Some(e)) => (s, e),
    };
    if e < s {
        return Err(DomainError::invalid(
            "end_date",
            "end_before_start",
            "end_date 不能早于 start_date",
            "end_date cannot be earlier than start_date",
        ));
    }
    if e - s > span {
        return Err(DomainError::invalid(
            "end_date",
            "span_too_long",
            format!("start_date 至 end_date 不能超过 {MAX_SPAN_DAYS} 天"),
            format!("start_date to end_date may not span more than {MAX_SPAN_DAYS} days"),
        ));
    }
    Ok((s, e))
}

/// A w3 datetime ("2010-01-01T00:00:00Z" or with an offset), as the specification requires.
pub fn parse_w3_datetime(field: &str, text: &str) -> Result<DateTime<Utc>, DomainError> {
    DateTime::parse_from_rfc3339(text.trim()).map(|t| t.with_timezone(&Utc)).map_err(|_| {
        DomainError::invalid(
            field,
            "bad_datetime",
            format!("{field} 应为带时区的 W3C 日期时间，如 2026-01-01T00:00:00+08:00，收到「{text}」"),
            format!("{field} must be a w3 datetime with a timezone, e.g. 2010-01-01T00:00:00Z; got '{text}'"),
        )
    })
}

/// A date or moment in the w3 format with China's offset, e.g. `2026-04-20T10:00:00+08:00`.
pub fn w3(at: DateTime<Utc>) -> String {
    at.with_timezone(&crate::case::china_offset()).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// `expected_datetime`: the end (23:59:59 China time) of the day the current statutory step is due.
pub fn expected_datetime(due: NaiveDate) -> String {
    format!("{due}T23:59:59+08:00")
}

/// What a service request may say at most ("description … limited to 4,000 characters").
pub const MAX_DESCRIPTION_CHARS: usize = 4000;

/// Codes of the attributes of every service definition.
pub const ATTR_COUNTY: &str = "county";
pub const ATTR_PETITION_TYPE: &str = "petition_type";
pub const ATTR_DEMANDS: &str = "demands";

/// The fields of "POST Service Request" this system reads, as sent (form-encoded).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceRequestForm {
    pub service_code: String,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub address_string: Option<String>,
    /// The jurisdiction's address id: here a county/district code (GB/T 2260).
    pub address_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    /// `attribute[code]=value` pairs (the last value of a code wins; no attribute here is a
    /// multivaluelist).
    pub attributes: Vec<(String, String)>,
}

/// A posted request mapped onto a registration, with the coordinates kept beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedRequest {
    pub input: RegisterInput,
    pub lat: Option<f64>,
    pub long: Option<f64>,
}

fn present(o: &Option<String>) -> Option<String> {
    o.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

impl ServiceRequestForm {
    /// Read the form pairs ("Optional" arguments sent empty count as not sent).
    pub fn from_pairs(pairs: &[(String, String)]) -> ServiceRequestForm {
        let mut f = ServiceRequestForm::default();
        for (k, v) in pairs {
            let v = v.clone();
            match k.as_str() {
                "service_code" => f.service_code = v.trim().to_string(),
                "lat" => f.lat = Some(v),
                "long" => f.long = Some(v),
                "address_string" => f.address_string = Some(v),
                "address_id" => f.address_id = Some(v),
                "first_name" => f.first_name = Some(v),
                "last_name" => f.last_name = Some(v),
                "phone" => f.phone = Some(v),
                "description" => f.description = Some(v),
                _ => {
                    if let Some(code) = k.strip_prefix("attribute[").and_then(|r| r.split(']').next()) {
                        f.attributes.retain(|(c, _)| c != code);
                        f.attributes.push((code.to_string(), v));
                    }
                }
            }
        }
        f
    }

    fn attribute(&self, code: &str) -> Option<String> {
        self.attributes.iter().find(|(c, _)| c == code).and_then(|(_, v)| present(&Some(v.clone())))
    }

    /// Map the specification's fields onto a web-channel registration. Problems of the request
    /// itself (no location, a bad coordinate, too long a description) are reported here, all at
    /// once; registration's own validation (category, county, phone, …) follows.
    pub fn to_register_input(&self) -> Result<MappedRequest, DomainError> {
        let mut e = Errors::default();
        let coordinate = |name: &str, v: &Option<String>, limit: f64, e: &mut Errors| -> Option<f64> {
            let text = present(v)?;
            match text.parse::<f64>() {
                Ok(x) if x.is_finite() && x.abs() <= limit => Some(x),
                _ => {
                    e.add(
                        name,
                        "bad_coordinate",
                        format!("{name} 应为 WGS84 坐标（-{limit} 至 {limit} 的数），收到「{text}」"),
                        format!("{name} must be a WGS84 coordinate between -{limit} and {limit}, got '{text}'"),
                    );
                    None
                }
            }
        };
        let lat = coordinate("lat", &self.lat, 90.0, &mut e);
        let long = coordinate("long", &self.long, 180.0, &mut e);
        if lat.is_some() != long.is_some() && e.0.is_empty() {
            e.add("lat", "lat_long_pair", "lat 与 long 须同时提供", "lat & long both need to be sent");
        }
        let address_string = present(&self.address_string);
        let address_id = present(&self.address_id);
        // "A full location parameter must be submitted": lat & long, address_string or address_id.
        if lat.is_none() && long.is_none() && address_string.is_none() && address_id.is_none() && e.0.is_empty() {
            e.add(
                "address_string",
                "location_required",
                "请提供位置：address_string（地址）、address_id（县区代码）或 lat 与 long（坐标）之一",
                "A location is required: one of lat & long, address_string or address_id",
            );
        }
        let description = present(&self.description).unwrap_or_default();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            e.add(
                "description",
                "description_too_long",
                format!("description 最长 {MAX_DESCRIPTION_CHARS} 字"),
                format!("description is limited to {MAX_DESCRIPTION_CHARS} characters"),
            );
        }
        e.into_result()?;
        // Chinese names are written family name first.
        let name = format!(
            "{}{}",
            present(&self.last_name).unwrap_or_default(),
            present(&self.first_name).unwrap_or_default()
        );
        let phone = present(&self.phone);
        let petitioners = if name.is_empty() && phone.is_none() {
            vec![]
        } else {
            vec![PetitionerInput { name, phone, ..Default::default() }]
        };
        let county = self.attribute(ATTR_COUNTY).or(address_id);
        let input = RegisterInput {
            channel: crate::case::Channel::Web.code().to_string(),
            petition_type: self
                .attribute(ATTR_PETITION_TYPE)
                .unwrap_or_else(|| PetitionType::Grievance.code().to_string()),
            category: self.service_code.clone(),
            statement: description,
            demands: self.attribute(ATTR_DEMANDS),
            place: Place { county, address: address_string },
            petitioners,
            ..RegisterInput::default()
        };
        Ok(MappedRequest { input, lat, long })
    }
}

/// The Open311 parameter a registration field came from, for error descriptions a client can
/// act on (`statement` is the request's `description`, and so on).
pub fn parameter_of(field: &str) -> String {
    let f = field.split_once('.').filter(|(head, _)| head.starts_with("petitioners[")).map(|(_, t)| t).unwrap_or(field);
    match f {
        "category" => "service_code".into(),
        "statement" => "description".into(),
        "place.county" => format!("attribute[{ATTR_COUNTY}]"),
        "place.address" => "address_string".into(),
        "petition_type" => format!("attribute[{ATTR_PETITION_TYPE}]"),
        "demands" => format!("attribute[{ATTR_DEMANDS}]"),
        "name" | "petitioners" => "first_name, last_name".into(),
        "phone" => "phone".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::tests::registry;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn every_state_has_one_public_status() {
        use State::*;
        for s in [Registered, Routed, Accepted, ReviewRequested, RereviewRequested] {
            assert_eq!(status(s), PublicStatus::Open, "{s}");
        }
        for s in [Rejected, Replied, Reviewed, Closed] {
            assert_eq!(status(s), PublicStatus::Closed, "{s}");
        }
        // Final states are closed; the two lists cover every state exactly once.
        for s in State::ALL {
            if s.is_final() {
                assert_eq!(status(*s), PublicStatus::Closed);
            }
            assert!(!status_notes(*s).is_empty());
        }
        let open = PublicStatus::Open.states().len();
        let closed = PublicStatus::Closed.states().len();
        assert_eq!(open + closed, State::ALL.len());
        assert_eq!(PublicStatus::from_code("closed"), Some(PublicStatus::Closed));
        assert_eq!(PublicStatus::from_code("pending"), None);
    }

    #[test]
    fn accusations_are_never_listed() {
        assert!(!publicly_listed("accusation"));
        assert!(publicly_listed("grievance"));
        assert!(publicly_listed("suggestion"));
    }

    #[test]
    fn a_posted_request_becomes_a_web_registration() {
        // The spec's example request, with a county for the place (属地).
        let form = ServiceRequestForm::from_pairs(&pairs(&[
            ("api_key", "xyz"),
            ("service_code", "urban"),
            ("lat", "37.87"),
            ("long", "112.55"),
            ("address_string", "小店区某街 1 号"),
            ("first_name", "三"),
            ("last_name", "张"),
            ("phone", "13912345678"),
            ("description", "路边违建占道"),
            ("attribute[county]", "140105"),
            ("attribute[demands]", "请拆除"),
        ]));
        let m = form.to_register_input().unwrap();
        assert_eq!((m.lat, m.long), (Some(37.87), Some(112.55)));
        let i = &m.input;
        assert_eq!((i.channel.as_str(), i.category.as_str(), i.petition_type.as_str()), ("web", "urban", "grievance"));
        assert_eq!(i.petitioners[0].name, "张三");
        assert_eq!(i.petitioners[0].phone.as_deref(), Some("13912345678"));
        assert_eq!(i.place.county.as_deref(), Some("140105"));
        assert_eq!(i.demands.as_deref(), Some("请拆除"));
        let reg = i.validate("2026-04-20T02:00:00Z".parse().unwrap(), &registry()).unwrap();
        assert_eq!(reg.channel, crate::case::Channel::Web);
    }

    #[test]
    fn location_and_coordinates_are_checked() {
        // "A full location parameter must be submitted."
        let form = ServiceRequestForm::from_pairs(&pairs(&[("service_code", "urban"), ("description", "x")]));
        let err = form.to_register_input().unwrap_err();
        assert_eq!(err.fields()[0].code, "location_required");
        // address_id is a county code here, and is a full location.
        let form = ServiceRequestForm::from_pairs(&pairs(&[("service_code", "urban"), ("address_id", "140106")]));
        assert_eq!(form.to_register_input().unwrap().input.place.county.as_deref(), Some("140106"));
        let form = ServiceRequestForm::from_pairs(&pairs(&[("service_code", "urban"), ("lat", "95"), ("long", "1")]));
        assert_eq!(form.to_register_input().unwrap_err().fields()[0].code, "bad_coordinate");
        let form = ServiceRequestForm::from_pairs(&pairs(&[("service_code", "urban"), ("lat", "37")]));
        assert_eq!(form.to_register_input().unwrap_err().fields()[0].code, "lat_long_pair");
        let long = "字".repeat(MAX_DESCRIPTION_CHARS + 1);
        let form = ServiceRequestForm::from_pairs(&pairs(&[("address_string", "x"), ("description", &long)]));
        assert_eq!(form.to_register_input().unwrap_err().fields()[0].code, "description_too_long");
    }

    #[test]
    fn the_default_window_is_the_last_90_days() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let now = t("2026-06-30T00:00:00Z");
        assert_eq!(date_range(None, None, now).unwrap(), (t("2026-04-01T00:00:00Z"), now));
        let s = t("2026-01-01T00:00:00Z");
        assert_eq!(date_range(Some(s), None, now).unwrap().1, t("2026-04-01T00:00:00Z"));
        assert_eq!(date_range(Some(s), Some(t("2026-03-31T00:00:00Z")), now).unwrap().0, s);
        assert_eq!(
            date_range(Some(s), Some(t("2026-06-01T00:00:00Z")), now).unwrap_err().fields()[0].code,
            "span_too_long"
        );
        assert_eq!(date_range(Some(now), Some(s), now).unwrap_err().fields()[0].code, "end_before_start");
        assert_eq!(parse_w3_datetime("start_date", "2010-01-01T00:00:00Z").unwrap(), t("2010-01-01T00:00:00Z"));
        assert!(parse_w3_datetime("start_date", "2010-01-01").is_err());
        assert_eq!(w3(t("2026-04-20T02:00:00Z")), "2026-04-20T10:00:00+08:00");
        assert_eq!(expected_datetime(NaiveDate::from_ymd_opt(2026, 5, 6).unwrap()), "2026-05-06T23:59:59+08:00");
    }

    #[test]
    fn registration_fields_are_named_as_parameters() {
        assert_eq!(parameter_of("statement"), "description");
        assert_eq!(parameter_of("category"), "service_code");
        assert_eq!(parameter_of("place.county"), "attribute[county]");
        assert_eq!(parameter_of("petitioners[0].phone"), "phone");
        assert_eq!(parameter_of("petitioners"), "first_name, last_name");
    }
}
