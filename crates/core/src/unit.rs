//! 单位 Units: the bureau, counties/districts, municipal departments, townships and outside organs,
//! as a tree, each with a stable code used by the API, the CLI and routing.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// What kind of organ a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 信访局 the petition bureau that runs the reception center.
    Bureau,
    /// 县（市、区） a county or district, coded by GB/T 2260.
    County,
    /// 市直部门 a municipal department.
    Department,
    /// 乡镇（街道） a township or street office under a county.
    Township,
    /// 外部机关 an outside organ (政法委, 纪委监委) that cases are routed out to.
    Outside,
}

impl UnitKind {
    pub const ALL: [UnitKind; 5] =
        [UnitKind::Bureau, UnitKind::County, UnitKind::Department, UnitKind::Township, UnitKind::Outside];
    pub fn code(self) -> &'static str {
        match self {
            UnitKind::Bureau => "bureau",
            UnitKind::County => "county",
            UnitKind::Department => "department",
            UnitKind::Township => "township",
            UnitKind::Outside => "outside",
        }
    }
    pub fn from_code(s: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            UnitKind::Bureau => "信访局",
            UnitKind::County => "县（市、区）",
            UnitKind::Department => "市直部门",
            UnitKind::Township => "乡镇（街道）",
            UnitKind::Outside => "外部机关",
        }
    }
}

/// A unit as configured by the administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitSpec {
    /// Stable code: `xfj`, a GB/T 2260 code for counties (`140105`), short letters for departments.
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    /// Code of the parent unit (a township's county), if any.
    pub parent: Option<String>,
    /// 进驻大厅: has staff stationed in the reception hall.
    pub stationed: bool,
}

impl UnitSpec {
    pub fn validate(&self) -> Result<(), FieldError> {
        let code_ok = !self.code.is_empty()
            && self.code.len() <= 32
            && self.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !code_ok {
            return Err(FieldError::new(
                "code",
                "unit_bad_code",
                format!("单位代码「{}」无效：只能用小写字母、数字和下划线，最长 32 位", self.code),
                format!("Unit code '{}' is invalid: lower-case letters, digits and _ only, at most 32", self.code),
            ));
        }
        if self.kind == UnitKind::County && (self.code.len() != 6 || !self.code.bytes().all(|b| b.is_ascii_digit())) {
            return Err(FieldError::new(
                "code",
                "unit_county_code",
                format!("县（市、区）的代码应为 6 位行政区划代码（GB/T 2260），「{}」不是", self.code),
                format!("A county's code must be its 6-digit GB/T 2260 code; '{}' is not", self.code),
            ));
        }
        if self.name.trim().is_empty() {
            return Err(FieldError::new("name", "unit_name_required", "请填写单位名称", "The unit name is required"));
        }
        Ok(())
    }
}

/// The units of the Taiyuan demonstration (product.md): the bureau, ten counties/districts,
/// nine stationed municipal departments and two outside organs.
pub fn taiyuan_demo_units() -> Vec<UnitSpec> {
    let u = |code: &str, name: &str, kind, stationed| UnitSpec {
        code: code.into(),
        name: name.into(),
        kind,
        parent: if kind == UnitKind::Bureau { None } else { Some("xfj".into()) },
        stationed,
    };
    use UnitKind::*;
    vec![
        u("xfj", "太原市信访局", Bureau, true),
        u("140105", "小店区", County, true),
        u("140106", "迎泽区", County, true),
        u("140107", "杏花岭区", County, true),
        u("140108", "尖草坪区", County, true),
        u("140109", "万柏林区", County, true),
        u("140110", "晋源区", County, true),
        u("140121", "清徐县", County, true),
        u("140122", "阳曲县", County, true),
        u("140123", "娄烦县", County, true),
        u("140181", "古交市", County, true),
        u("ghzy", "市规划和自然资源局", Department, true),
        u("zjj", "市住建局", Department, true),
        u("cgj", "市城管局", Department, true),
        u("mzj", "市民政局", Department, true),
        u("gzw", "市国资委", Department, true),
        u("fcj", "市房产局", Department, true),
        u("rsj", "市人社局", Department, true),
        u("tyjr", "市退役军人事务局", Department, true),
        u("gyzc", "市国有资产经营公司", Department, true),
        u("zfw", "市委政法委", Outside, false),
        u("jw", "市纪委监委", Outside, false),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_units_are_valid_and_unique() {
        let units = taiyuan_demo_units();
        assert_eq!(units.len(), 22);
        for u in &units {
            u.validate().unwrap();
        }
        let mut codes: Vec<_> = units.iter().map(|u| &u.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), units.len());
        assert_eq!(units.iter().filter(|u| u.kind == UnitKind::County).count(), 10);
        assert_eq!(units.iter().filter(|u| u.kind == UnitKind::Department && u.stationed).count(), 9);
    }

    #[test]
    fn bad_codes_are_explained() {
        let mut u = taiyuan_demo_units()[1].clone();
        u.code = "14010".into();
        assert_eq!(u.validate().unwrap_err().code, "unit_county_code");
        u.code = "Bad Code".into();
        assert_eq!(u.validate().unwrap_err().code, "unit_bad_code");
    }
}
