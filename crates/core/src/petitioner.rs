//! 信访人 Petitioners: names, 居民身份证号码 ID numbers (GB 11643), phone numbers, and masking.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Errors, FieldError};

/// A validated citizen ID number (公民身份号码, GB 11643-1999).
///
/// 18-digit numbers must carry the right check digit (ISO 7064 MOD 11-2). The legacy 15-digit
/// form (first-generation cards, before 1999) is accepted and flagged, because old letters and
/// archived cases still carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdNumber {
    value: String,
    legacy: bool,
    birth_date: NaiveDate,
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character of the first 17 digits of an 18-digit ID number.
pub fn id_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    Some(CHECK_CHARS[(sum % 11) as usize])
}

impl IdNumber {
    /// Parse and validate; `today` bounds the birth date. Full-width digits and a lower-case x
    /// are accepted and normalised, since they are what people type on Chinese keyboards.
    pub fn parse(input: &str, today: NaiveDate) -> Result<IdNumber, FieldError> {
        let field = "id_number";
        let s: String = input
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                'x' | 'ｘ' | 'Ｘ' => 'X',
                c => c,
            })
            .filter(|c| !c.is_whitespace())
            .collect();
        let bad_chars = |s: &str, allow_x: bool| {
            s.char_indices().find(|&(i, c)| !(c.is_ascii_digit() || (allow_x && c == 'X' && i == s.len() - 1)))
        };
        match s.chars().count() {
            18 => {
                if let Some((i, c)) = bad_chars(&s, true) {
                    return Err(FieldError::new(
                        field,
                        "id_number_bad_char",
                        format!("身份证号码第 {} 位「{}」无效：只能是数字，最后一位可以是 X", i + 1, c),
                        format!("ID number character {} ('{}') is invalid: digits only, the last may be X", i + 1, c),
                    ));
                }
                let birth = parse_birth(&s[6..14]).ok_or_else(|| {
                    FieldError::new(
                        field,
                        "id_number_bad_birth_date",
                        format!("身份证号码第 7–14 位的出生日期「{}」不是有效日期", &s[6..14]),
                        format!("ID number digits 7–14 ('{}') are not a valid birth date", &s[6..14]),
                    )
                })?;
                check_birth(birth, today, field)?;
                check_region(&s[..6], field)?;
                let expected = id_check_char(&s[..17]).unwrap_or('?');
                let got = s.chars().last().unwrap_or('?');
                if expected != got {
                    return Err(FieldError::new(
                        field,
                        "id_number_bad_check_digit",
                        format!("身份证号码校验位不符：最后一位应为「{expected}」，输入的是「{got}」，请核对是否有数字录错"),
                        format!("ID number check digit mismatch: the last character should be '{expected}', not '{got}'; check for a mistyped digit"),
                    ));
                }
                Ok(IdNumber { value: s, legacy: false, birth_date: birth })
            }
            15 => {
                if let Some((i, c)) = bad_chars(&s, false) {
                    return Err(FieldError::new(
                        field,
                        "id_number_bad_char",
                        format!("15 位身份证号码第 {} 位「{}」无效：只能是数字", i + 1, c),
                        format!("15-digit ID number character {} ('{}') is invalid: digits only", i + 1, c),
                    ));
                }
                let birth = parse_birth(&format!("19{}", &s[6..12])).ok_or_else(|| {
                    FieldError::new(
                        field,
                        "id_number_bad_birth_date",
                        format!("15 位身份证号码第 7–12 位的出生日期「{}」不是有效日期", &s[6..12]),
                        format!("15-digit ID number digits 7–12 ('{}') are not a valid birth date", &s[6..12]),
                    )
                })?;
                check_birth(birth, today, field)?;
                check_region(&s[..6], field)?;
                Ok(IdNumber { value: s, legacy: true, birth_date: birth })
            }
            n => Err(FieldError::new(
                field,
                "id_number_bad_length",
                format!("身份证号码应为 18 位（旧版 15 位），输入的是 {n} 位"),
                format!("An ID number has 18 characters (legacy: 15); this one has {n}"),
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }
    /// A first-generation 15-digit number: accepted, but shown flagged so staff ask for the new one.
    pub fn is_legacy(&self) -> bool {
        self.legacy
    }
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }
    /// The 6-digit administrative division code (GB/T 2260) where the number was issued.
    pub fn region_code(&self) -> &str {
        &self.value[..6]
    }
}

fn parse_birth(yyyymmdd: &str) -> Option<NaiveDate> {
    let y = yyyymmdd.get(0..4)?.parse().ok()?;
    let m = yyyymmdd.get(4..6)?.parse().ok()?;
    let d = yyyymmdd.get(6..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

fn check_birth(birth: NaiveDate, today: NaiveDate, field: &str) -> Result<(), FieldError> {
    if birth > today || birth.year() < 1880 {
        return Err(FieldError::new(
            field,
            "id_number_bad_birth_date",
            format!("身份证号码中的出生日期 {birth} 不合理"),
            format!("The birth date {birth} in the ID number is not plausible"),
        ));
    }
    Ok(())
}

fn check_region(code: &str, field: &str) -> Result<(), FieldError> {
    // Province-level codes of GB/T 2260 (11 Beijing … 65 Xinjiang; 71 Taiwan, 81 Hong Kong, 82 Macao).
    let province: u32 = code[..2].parse().unwrap_or(0);
    let valid = matches!(province, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82 | 83);
    if !valid {
        return Err(FieldError::new(
            field,
            "id_number_bad_region",
            format!("身份证号码前两位「{}」不是有效的省级行政区划代码", &code[..2]),
            format!("The first two digits '{}' of the ID number are not a province code", &code[..2]),
        ));
    }
    Ok(())
}

/// A validated phone number: a mainland mobile number (11 digits, 1[3-9]…) or a landline with
/// its area code (0351-1234567). Stored normalised: digits only, landlines as `0351-1234567`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, FieldError> {
        let field = "phone";
        let mut s: String = input
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                '－' | '—' => '-',
                c => c,
            })
            .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
            .collect();
        if let Some(rest) = s.strip_prefix("+86").or_else(|| s.strip_prefix("0086")) {
            s = rest.trim_start_matches('-').to_string();
        }
        if let Some(bad) = s.chars().find(|c| !(c.is_ascii_digit() || *c == '-')) {
            return Err(FieldError::new(
                field,
                "phone_bad_char",
                format!("电话号码中有无效字符「{bad}」：只能填写数字和连字符"),
                format!("The phone number contains '{bad}': use digits and hyphens only"),
            ));
        }
        let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
        if digits.starts_with('1') {
            let ok = digits.len() == 11 && matches!(digits.as_bytes()[1], b'3'..=b'9');
            if ok {
                return Ok(Phone(digits));
            }
            return Err(FieldError::new(
                field,
                "phone_bad_mobile",
                format!("手机号码应为 11 位、以 13–19 开头，输入的是 {} 位", digits.len()),
                format!("A mobile number has 11 digits starting 13–19; this one has {}", digits.len()),
            ));
        }
        if digits.starts_with('0') {
            // Area codes are 3 digits (010, 02x) or 4 digits (0351 …); local numbers 7–8 digits.
            let area_len = if let Some((a, _)) = s.split_once('-') {
                a.len()
            } else if digits.starts_with("01") || digits.starts_with("02") {
                3
            } else {
                4
            };
            let local = digits.len().saturating_sub(area_len);
            if (3..=4).contains(&area_len) && (7..=8).contains(&local) {
                return Ok(Phone(format!("{}-{}", &digits[..area_len], &digits[area_len..])));
            }
        }
        Err(FieldError::new(
            field,
            "phone_bad_format",
            "电话号码格式不对：手机号填 11 位，固定电话填区号加号码，如 0351-1234567",
            "Unrecognised phone number: give an 11-digit mobile number, or area code and number such as 0351-1234567",
        ))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `140***********123X`: the first three and last four characters of an ID number.
pub fn mask_id_number(id: &str) -> String {
    mask_middle(id, 3, 4)
}

/// `138****5678` for a mobile; landlines keep the area code and the last four digits.
pub fn mask_phone(phone: &str) -> String {
    if let Some((area, local)) = phone.split_once('-') {
        format!("{area}-{}", mask_middle(local, 0, 4))
    } else {
        mask_middle(phone, 3, 4)
    }
}

/// `张*`, `欧阳**`: the family name only (two characters for a four-character name).
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    let keep = if chars.len() >= 4 { 2 } else { 1 };
    chars.iter().take(keep).chain(std::iter::repeat_n(&'*', chars.len().saturating_sub(keep))).collect()
}

fn mask_middle(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// A petitioner as entered at registration (raw, before validation).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PetitionerInput {
    pub name: String,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// County/district code (GB/T 2260) where the petitioner lives.
    #[serde(default)]
    pub region: Option<String>,
    /// Representative (代表) of a group visit.
    #[serde(default)]
    pub representative: bool,
}

/// A validated petitioner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Petitioner {
    pub name: String,
    pub id_number: Option<IdNumber>,
    pub phone: Option<Phone>,
    pub address: Option<String>,
    pub region: Option<String>,
    pub representative: bool,
}

impl PetitionerInput {
    /// Validate every field; all problems are reported together.
    pub fn validate(&self, today: NaiveDate) -> Result<Petitioner, Vec<FieldError>> {
        let mut errs = Errors::default();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            errs.add("name", "name_required", "请填写信访人姓名", "The petitioner's name is required");
        } else if name.chars().count() > 50 {
            errs.add(
                "name",
                "name_too_long",
                "姓名过长（最多 50 个字）",
                "The name is too long (at most 50 characters)",
            );
        }
        let blank = |o: &Option<String>| o.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let id_number = match blank(&self.id_number) {
            Some(s) => match IdNumber::parse(&s, today) {
                Ok(id) => Some(id),
                Err(e) => {
                    errs.push(e);
                    None
                }
            },
            None => None,
        };
        let phone = match blank(&self.phone) {
            Some(s) => match Phone::parse(&s) {
                Ok(p) => Some(p),
                Err(e) => {
                    errs.push(e);
                    None
                }
            },
            None => None,
        };
        let region = blank(&self.region);
        if let Some(r) = &region {
            if r.len() != 6 || !r.bytes().all(|b| b.is_ascii_digit()) {
                errs.add(
                    "region",
                    "region_bad_code",
                    format!("所在地区「{r}」应为 6 位行政区划代码，如 140105"),
                    format!("Region '{r}' must be a 6-digit division code such as 140105"),
                );
            }
        }
        if !errs.0.is_empty() {
            return Err(errs.0);
        }
        Ok(Petitioner {
            name,
            id_number,
            phone,
            address: blank(&self.address),
            region,
            representative: self.representative,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn make_id(first17: &str) -> String {
        format!("{first17}{}", id_check_char(first17).unwrap())
    }

    #[test]
    fn valid_18_digit_number_with_x_check() {
        // GB 11643 example number.
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert!(!id.is_legacy());
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(IdNumber::parse("11010519491231002x", today()).unwrap().as_str(), "11010519491231002X");
    }

    #[test]
    fn wrong_check_digit_names_the_right_one() {
        let e = IdNumber::parse("110105194912310021", today()).unwrap_err();
        assert_eq!(e.code, "id_number_bad_check_digit");
        assert!(e.message_zh.contains("应为「X」"), "{}", e.message_zh);
    }

    #[test]
    fn bad_length_char_date_region() {
        assert_eq!(IdNumber::parse("1401051990", today()).unwrap_err().code, "id_number_bad_length");
        assert_eq!(IdNumber::parse("14010519900A011234", today()).unwrap_err().code, "id_number_bad_char");
        assert_eq!(
            IdNumber::parse(&make_id("14010519900231123"), today()).unwrap_err().code,
            "id_number_bad_birth_date"
        );
        assert_eq!(
            IdNumber::parse(&make_id("14010520300101123"), today()).unwrap_err().code,
            "id_number_bad_birth_date"
        );
        assert_eq!(IdNumber::parse(&make_id("99010519900101123"), today()).unwrap_err().code, "id_number_bad_region");
    }

    #[test]
    fn legacy_15_digit_accepted_and_flagged() {
        let id = IdNumber::parse("140105650101123", today()).unwrap();
        assert!(id.is_legacy());
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1965, 1, 1).unwrap());
        assert_eq!(IdNumber::parse("140105651301123", today()).unwrap_err().code, "id_number_bad_birth_date");
    }

    #[test]
    fn full_width_digits_normalised() {
        let id = IdNumber::parse("１１０１０５１９４９１２３１００２Ｘ", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn phones() {
        assert_eq!(Phone::parse("138 0351 5678").unwrap().as_str(), "13803515678");
        assert_eq!(Phone::parse("+86 13803515678").unwrap().as_str(), "13803515678");
        assert_eq!(Phone::parse("0351-4061234").unwrap().as_str(), "0351-4061234");
        assert_eq!(Phone::parse("03514061234").unwrap().as_str(), "0351-4061234");
        assert_eq!(Phone::parse("010-12345678").unwrap().as_str(), "010-12345678");
        assert_eq!(Phone::parse("1380351567").unwrap_err().code, "phone_bad_mobile");
        assert_eq!(Phone::parse("12803515678").unwrap_err().code, "phone_bad_mobile");
        assert_eq!(Phone::parse("abc").unwrap_err().code, "phone_bad_char");
        assert_eq!(Phone::parse("12345").unwrap_err().code, "phone_bad_mobile");
        assert_eq!(Phone::parse("99999").unwrap_err().code, "phone_bad_format");
        assert_eq!(Phone::parse("0351-12").unwrap_err().code, "phone_bad_format");
    }

    #[test]
    fn masking() {
        assert_eq!(mask_id_number("11010519491231002X"), "110***********002X");
        assert_eq!(mask_phone("13803515678"), "138****5678");
        assert_eq!(mask_phone("0351-4061234"), "0351-***1234");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("王小明"), "王**");
        assert_eq!(mask_name("欧阳小明"), "欧阳**");
    }

    #[test]
    fn petitioner_reports_every_problem() {
        let p = PetitionerInput {
            name: " ".into(),
            id_number: Some("123".into()),
            phone: Some("999".into()),
            region: Some("14".into()),
            ..Default::default()
        };
        let errs = p.validate(today()).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "id_number", "phone", "region"]);
    }

    proptest! {
        #[test]
        fn any_generated_number_validates_and_one_changed_digit_fails(
            region in prop::sample::select(vec!["140105", "110105", "310101", "440305"]),
            days in 0i64..40_000, seq in 0u32..1000, pos in 0usize..17, delta in 1u8..10,
        ) {
            let birth = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap() + chrono::Duration::days(days);
            prop_assume!(birth <= today());
            let first17 = format!("{region}{}{seq:03}", birth.format("%Y%m%d"));
            let id = make_id(&first17);
            prop_assert!(IdNumber::parse(&id, today()).is_ok());
            // Changing any single digit of the first 17 is always caught (MOD 11-2 detects all
            // single-digit errors), whatever else it breaks first.
            let mut bytes = id.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(IdNumber::parse(&changed, today()).is_err());
        }
    }
}
