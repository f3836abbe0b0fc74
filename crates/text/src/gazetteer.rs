//! 地名库 Which county or district a statement names: an embedded gazetteer of the configured
//! city (Taiyuan's ships, `data/gazetteer/taiyuan.tsv`) — the counties and districts with their
//! short names, townships (乡镇), street offices (街道) and a few well-known areas.
//!
//! Matching is the longest name at each position of the text (北小店乡 is 阳曲县's, not 小店区's;
//! 阳曲镇 is 尖草坪区's, not 阳曲县's). When several places are named, the rule is short enough to
//! say to a clerk:
//! 1. a name right after 住在/家住/家在/户籍/住址 is where the petitioner lives; any other name is
//!    where the matter arose, and those win when there are any;
//! 2. a name shared by several counties counts for the one the text also names explicitly (by
//!    the county's own name), else for each of them equally;
//! 3. the county with most mentions wins; a tie goes to the one named first.

use std::collections::HashMap;

/// The shipped gazetteer: Taiyuan (太原市).
pub const TAIYUAN_TSV: &str = include_str!("../data/gazetteer/taiyuan.tsv");

/// What a name in the gazetteer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    County,
    Town,
    Street,
    Area,
}

/// One county or district of the gazetteer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct County {
    /// GB/T 2260 code, e.g. `140105`.
    pub code: String,
    /// Full name, e.g. 小店区.
    pub name: String,
}

/// A name found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// The name as written.
    pub name: String,
    /// Char offset in the normalised text.
    pub at: usize,
    /// Counties it may belong to (more than one when the name is shared).
    pub counties: Vec<String>,
    pub kind: Kind,
    /// Named as where the petitioner lives (住在…), not where the matter arose.
    pub residence: bool,
}

/// A city's gazetteer.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    counties: Vec<County>,
    /// name → (kind, counties)
    names: HashMap<String, (Kind, Vec<String>)>,
    longest: usize,
}

/// Cues right before a name that say it is where the petitioner lives.
const RESIDENCE_CUES: &[&str] =
    &["住在", "家住", "家在", "户籍", "户籍在", "户口在", "住址", "住址在", "居住于", "现住", "老家", "老家在"];

impl Gazetteer {
    /// The shipped gazetteer of Taiyuan.
    pub fn taiyuan() -> &'static Gazetteer {
        static G: std::sync::OnceLock<Gazetteer> = std::sync::OnceLock::new();
        G.get_or_init(|| Gazetteer::parse(TAIYUAN_TSV).unwrap_or_else(|e| panic!("shipped gazetteer: {e}")))
    }

    /// Read a gazetteer file (see `data/gazetteer/taiyuan.tsv` for the format).
    pub fn parse(tsv: &str) -> Result<Gazetteer, String> {
        let mut g = Gazetteer { counties: Vec::new(), names: HashMap::new(), longest: 0 };
        for (n, line) in tsv.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let (code, kind, name) = match cols.as_slice() {
                [c, k, n, ..] => (c.trim(), k.trim(), n.trim()),
                _ => return Err(format!("line {}: expected code, kind, name", n + 1)),
            };
            let kind = match kind {
                "county" => Kind::County,
                "town" => Kind::Town,
                "street" => Kind::Street,
                "area" => Kind::Area,
                k => return Err(format!("line {}: unknown kind {k}", n + 1)),
            };
            if kind == Kind::County && !g.counties.iter().any(|c| c.code == code) {
                g.counties.push(County { code: code.to_string(), name: name.to_string() });
            }
            let others: Vec<&str> = cols
                .get(3)
                .map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default();
            for nm in std::iter::once(name).chain(others) {
                let nm = crate::normalize(nm);
                g.longest = g.longest.max(nm.chars().count());
                let e = g.names.entry(nm).or_insert((kind, Vec::new()));
                if kind == Kind::County {
                    e.0 = Kind::County;
                }
                if !e.1.iter().any(|c| c == code) {
                    e.1.push(code.to_string());
                }
            }
        }
        Ok(g)
    }

    pub fn counties(&self) -> &[County] {
        &self.counties
    }

    /// The names of the text, longest match first at each position, left to right.
    pub fn mentions(&self, text: &str) -> Vec<Mention> {
        let chars: Vec<char> = crate::normalize(text).chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let max = self.longest.min(chars.len() - i);
            let found = (2..=max).rev().find_map(|len| {
                let s: String = chars[i..i + len].iter().collect();
                self.names.get(&s).map(|(k, cs)| (s, len, *k, cs.clone()))
            });
            match found {
                Some((name, len, kind, counties)) => {
                    let before: String = chars[i.saturating_sub(4)..i].iter().collect();
                    let residence = RESIDENCE_CUES.iter().any(|c| before.ends_with(c));
                    out.push(Mention { name, at: i, counties, kind, residence });
                    i += len;
                }
                None => i += 1,
            }
        }
        out
    }

    /// The county or district where the matter arose, as the text names it (`None` when it names
    /// none). See the module documentation for the rule.
    pub fn place(&self, text: &str) -> Option<String> {
        let all = self.mentions(text);
        let matter: Vec<&Mention> = all.iter().filter(|m| !m.residence).collect();
        let considered: Vec<&Mention> = if matter.is_empty() { all.iter().collect() } else { matter };
        let explicit: Vec<&String> =
            all.iter().filter(|m| m.kind == Kind::County && m.counties.len() == 1).map(|m| &m.counties[0]).collect();
        // (votes, first position) per county, in order of first mention.
        let mut votes: Vec<(String, f64, usize)> = Vec::new();
        for m in considered {
            let named: Vec<&String> = m.counties.iter().filter(|c| explicit.contains(c)).collect();
            let cs: Vec<&String> = if named.is_empty() { m.counties.iter().collect() } else { named };
            let share = 1.0 / cs.len() as f64;
            for c in cs {
                match votes.iter_mut().find(|v| &v.0 == c) {
                    Some(v) => v.1 += share,
                    None => votes.push((c.clone(), share, m.at)),
                }
            }
        }
        // Most votes; on a tie the county named first (and among a shared name's counties, the
        // one listed first in the gazetteer).
        let mut best: Option<(String, f64, usize)> = None;
        for v in votes {
            if best.as_ref().is_none_or(|b| v.1 > b.1 + 1e-9) {
                best = Some(v);
            }
        }
        best.map(|v| v.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_gazetteer_has_the_ten_counties() {
        let g = Gazetteer::taiyuan();
        assert_eq!(g.counties().len(), 10);
        assert!(g.counties().iter().any(|c| c.code == "140181" && c.name == "古交市"));
    }

    #[test]
    fn county_short_names_towns_and_streets() {
        let g = Gazetteer::taiyuan();
        assert_eq!(g.place("小店区某小区物业不作为").as_deref(), Some("140105"));
        assert_eq!(g.place("在小店的工地干活没拿到工资").as_deref(), Some("140105"));
        assert_eq!(g.place("北格镇张村的土地被占").as_deref(), Some("140105"));
        assert_eq!(g.place("西铭街道一小区供暖不热").as_deref(), Some("140109"));
        assert_eq!(g.place("我的工资被拖欠了三个月"), None);
    }

    #[test]
    fn longest_match_wins() {
        let g = Gazetteer::taiyuan();
        // 北小店乡 (阳曲县) contains 小店 (小店区); 阳曲镇 (尖草坪区) contains 阳曲 (阳曲县).
        assert_eq!(g.place("北小店乡一村低保被取消").as_deref(), Some("140122"));
        assert_eq!(g.place("阳曲镇的砖厂排放黑烟").as_deref(), Some("140108"));
        assert_eq!(g.place("阳曲县黄寨镇").as_deref(), Some("140122"));
    }

    #[test]
    fn where_the_matter_arose_beats_where_the_petitioner_lives() {
        let g = Gazetteer::taiyuan();
        assert_eq!(g.place("我家住在迎泽区，在晋源区的工地干活被拖欠工资").as_deref(), Some("140110"));
        assert_eq!(g.place("户籍在古交市，现反映清徐县徐沟镇征地补偿问题").as_deref(), Some("140121"));
        // Only a residence named: it is the best we have.
        assert_eq!(g.place("本人住在杏花岭区，退休金没有按时发放").as_deref(), Some("140107"));
    }

    #[test]
    fn a_shared_name_counts_for_the_county_named_explicitly() {
        let g = Gazetteer::parse("1\tcounty\t甲区\t甲\n2\tcounty\t乙县\t乙\n1\tarea\t新村\n2\tarea\t新村\n").unwrap();
        assert_eq!(g.mentions("新村")[0].counties, vec!["1".to_string(), "2".to_string()]);
        assert_eq!(g.place("乙县新村的路灯坏了").as_deref(), Some("2"));
        assert_eq!(g.place("新村的路灯坏了，甲区").as_deref(), Some("1"));
        // Named alone, the tie goes to the first listed.
        assert_eq!(g.place("新村的路灯坏了").as_deref(), Some("1"));
    }
}
