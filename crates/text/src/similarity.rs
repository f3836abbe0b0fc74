//! 内容相似 Whether two statements are the same matter (同一事项), and the fingerprints that find
//! the earlier cases worth comparing among a million.
//!
//! The score is explainable by construction: two statements are compared by the words they share
//! (each word weighted by what it tells about a matter — a village, company or street name or an
//! amount weighs most, the filler of every complaint least), by the characters they share in the
//! same order (two-character shingles, which catch rewordings jieba splits differently), and a
//! penalty when both name places or companies, or amounts, and none of them agree (the same
//! complaint about another village is another matter). Amounts and dates are normalised first:
//! 「三万元」, 「3万块钱」 and 「30000元」 are one word.
//!
//! [`same_matter`] is the one decision: registration, the repeat list and `xinfang similarity`
//! all call it, with [`SAME_MATTER_THRESHOLD`].

use std::collections::{BTreeMap, BTreeSet};

/// At or above this score two statements are the same matter. Tuned on the training split of the
/// evaluation pairs (see `crates/text/data/similarity/README.md`).
pub const SAME_MATTER_THRESHOLD: f64 = 0.20;

/// At or above this score (and below [`SAME_MATTER_THRESHOLD`]) an earlier case is shown at
/// registration as possibly related — a near miss the clerk may still link.
pub const RELATED_THRESHOLD: f64 = 0.14;

/// At or above this score two statements from different people are the same grievance for early
/// warning (预警): villagers each telling the same complaint in their own words are linked even
/// when one would not call it one person's same matter.
pub const SAME_GRIEVANCE_THRESHOLD: f64 = 0.14;

/// Weights of the parts of the score (tuned with the threshold).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// Weight of the weighted word Jaccard.
    pub jaccard: f64,
    /// Weight of the weighted word containment; the shingle Jaccard has the rest.
    pub contain: f64,
    /// The score is multiplied by this when both statements name a village/company/estate and
    /// share none, and again when both give amounts and share none.
    pub conflict: f64,
}

#[doc(hidden)]
pub const PARAMS: Params = Params { jaccard: 0.5, contain: 0.2, conflict: 0.3 };

/// How similar two statements are, 0.0–1.0. Symmetric and deterministic.
pub fn similarity(a: &str, b: &str) -> f64 {
    Features::of(a).compare(&Features::of(b)).score
}

/// The same-matter decision: the score and whether it reaches [`SAME_MATTER_THRESHOLD`].
pub fn same_matter(a: &str, b: &str) -> (f64, bool) {
    let s = similarity(a, b);
    (s, s >= SAME_MATTER_THRESHOLD)
}

/// The words of a statement as fingerprints keep them: amounts and dates normalised, segmented,
/// stop words dropped, entity names (幸福 + 村) joined. Stored per case, so a comparison with an
/// earlier case needs no segmentation of its statement.
pub fn fingerprint_words(text: &str) -> Vec<String> {
    let text = normalize_numbers(&crate::normalize(text));
    let raw = crate::segment::words(&text);
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for w in raw {
        // 幸福 + 村, 东方 + 化工厂: a name and the word that says what it names.
        let joins = ENTITY_SUFFIXES.contains(&w.as_str())
            && out.last().is_some_and(|prev| {
                (2..=4).contains(&prev.chars().count())
                    && !prev.chars().any(|c| c.is_ascii_digit())
                    && !is_generic(prev)
                    && !ENTITY_SUFFIXES.iter().any(|s| prev.ends_with(s))
            });
        if joins {
            let prev = out.pop().unwrap_or_default();
            out.push(prev + &w);
        } else {
            out.push(w);
        }
    }
    out
}

/// What a statement is compared by.
#[derive(Debug, Clone, Default)]
pub struct Features {
    /// Word → weight.
    words: BTreeMap<String, f64>,
    /// Two-character shingles over the words run together.
    shingles: BTreeSet<(char, char)>,
}

/// A comparison, with what the two statements share (for "why it matched").
#[derive(Debug, Clone)]
pub struct Comparison {
    pub score: f64,
    /// The shared words, heaviest first.
    pub shared: Vec<String>,
}

impl Features {
    pub fn of(text: &str) -> Features {
        Features::from_words(&fingerprint_words(text))
    }

    /// From words already made by [`fingerprint_words`] (as stored).
    pub fn from_words<S: AsRef<str>>(words: &[S]) -> Features {
        let mut f = Features::default();
        let mut prev: Option<char> = None;
        for w in words {
            let w = w.as_ref();
            f.words.insert(w.to_string(), weight(w));
            for c in w.chars() {
                if let Some(p) = prev {
                    f.shingles.insert((p, c));
                }
                prev = Some(c);
            }
        }
        f
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The score of two statements: weighted word Jaccard, weighted containment (a short
    /// statement told again inside a longer one) and shingle Jaccard, less the conflict penalty.
    pub fn compare(&self, other: &Features) -> Comparison {
        self.compare_with(other, &PARAMS)
    }

    /// [`Features::compare`] with other weights (for tuning).
    #[doc(hidden)]
    pub fn compare_with(&self, other: &Features, p: &Params) -> Comparison {
        if self.words.is_empty() || other.words.is_empty() {
            return Comparison { score: 0.0, shared: Vec::new() };
        }
        let (mut inter, mut only_a, mut only_b) = (0.0, 0.0, 0.0);
        let mut shared: Vec<(&String, f64)> = Vec::new();
        for (w, x) in &self.words {
            if other.words.contains_key(w) {
                inter += x;
                shared.push((w, *x));
            } else {
                only_a += x;
            }
        }
        for (w, x) in &other.words {
            if !self.words.contains_key(w) {
                only_b += x;
            }
        }
        let union = inter + only_a + only_b;
        let jaccard = if union > 0.0 { inter / union } else { 0.0 };
        let smaller = (inter + only_a).min(inter + only_b);
        let contain = if smaller > 0.0 { inter / smaller } else { 0.0 };
        let s_inter = self.shingles.intersection(&other.shingles).count() as f64;
        let s_union = (self.shingles.len() + other.shingles.len()) as f64 - s_inter;
        let shingle = if s_union > 0.0 { s_inter / s_union } else { 0.0 };
        let mut score = p.jaccard * jaccard + p.contain * contain + (1.0 - p.jaccard - p.contain) * shingle;
        for _ in self.conflicts(other) {
            score *= p.conflict;
        }
        shared.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        Comparison {
            score: (score.clamp(0.0, 1.0) * 1000.0).round() / 1000.0,
            shared: shared.into_iter().map(|(w, _)| w.clone()).collect(),
        }
    }

    /// Why these two are different matters whatever else they share: each names a village
    /// (company, estate, …) that the other does not (「龙湖社区」 and
    /// 「滨河社区」), or both give amounts of money and share none.
    pub fn conflicts(&self, other: &Features) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let only = |x: &Features, y: &Features| -> Vec<String> {
            x.words.keys().filter(|w| is_specific_entity(w) && !y.words.contains_key(*w)).cloned().collect()
        };
        let (a, b) = (only(self, other), only(other, self));
        if let (Some(x), Some(y)) = (a.first(), b.first()) {
            out.push((x.clone(), y.clone()));
        }
        let money = |x: &Features| -> Vec<String> { x.words.keys().filter(|w| is_money(w)).cloned().collect() };
        let (a, b) = (money(self), money(other));
        if !a.is_empty() && !b.is_empty() && !a.iter().any(|w| other.words.contains_key(w)) {
            out.push((a[0].clone(), b[0].clone()));
        }
        out
    }
}

/// Suffixes of the names of places and organisations: 幸福村, 红星机械厂, 小店区, 长风街道. The
/// first ones name what a matter is about (a village, a company, an estate); the last ones only
/// where it lies (a county, a town), which many different matters share.
const ENTITY_SUFFIXES: &[&str] = &[
    "村",
    "庄",
    "社区",
    "小区",
    "公司",
    "集团",
    "厂",
    "矿",
    "学校",
    "中学",
    "小学",
    "幼儿园",
    "医院",
    "路",
    "街",
    "巷",
    "花园",
    "苑",
    "大厦",
    "酒店",
    "超市",
    "市场",
    "工地",
    "项目",
    "银行",
    "县",
    "区",
    "镇",
    "乡",
    "街道",
];
/// How many of [`ENTITY_SUFFIXES`] name what a matter is about.
const SPECIFIC_SUFFIXES: usize = 25;

/// Words every petition uses: they say it is a petition, not which matter.
const GENERIC: &[&str] = &[
    "反映", "问题", "要求", "解决", "希望", "政府", "部门", "相关", "情况", "处理", "有关", "进行", "至今", "多次",
    "目前", "领导", "帮助", "落实", "尽快", "一些", "时间", "工作", "我家", "本人", "举报", "投诉", "村民", "群众",
    "人员", "表示", "发现", "事情", "事", "情况", "请求", "给予", "依法", "调查", "答复", "得到", "迟迟", "一直",
    "始终", "仍然", "仍", "却", "再", "去", "来", "能", "会", "可以", "应该", "上", "下", "里", "中", "后", "前", "年",
    "月", "日", "号", "元", "个", "多", "次",
];

fn is_generic(w: &str) -> bool {
    GENERIC.contains(&w)
}

/// A place or organisation name: a known suffix after at least two characters.
fn is_entity(w: &str) -> bool {
    w.chars().count() >= 3 && ENTITY_SUFFIXES.iter().any(|s| w.ends_with(s)) && !is_generic(w)
}

/// The name of what a matter is about: a village, a company, an estate — not a county or town.
fn is_specific_entity(w: &str) -> bool {
    w.chars().count() >= 3 && ENTITY_SUFFIXES[..SPECIFIC_SUFFIXES].iter().any(|s| w.ends_with(s)) && !is_generic(w)
}

/// A number of three digits or more: an amount, a year.
fn is_amount(w: &str) -> bool {
    w.len() >= 3 && w.chars().all(|c| c.is_ascii_digit())
}

/// An amount that is not a year (years are shared by unrelated matters of the same time).
fn is_money(w: &str) -> bool {
    is_amount(w) && !(w.len() == 4 && ("1950".."2100").contains(&w))
}

/// What a word tells about a matter.
fn weight(w: &str) -> f64 {
    if is_generic(w) {
        0.2
    } else if is_entity(w) {
        4.0
    } else if is_amount(w) {
        3.0
    } else if w.chars().all(|c| c.is_ascii_digit()) {
        1.0
    } else {
        match w.chars().count() {
            1 => 0.4,
            2 => 1.0,
            _ => 1.6,
        }
    }
}

/// Words that carry the matter (for the band fingerprints): not generic, not single characters.
pub fn is_informative(w: &str) -> bool {
    !is_generic(w) && (w.chars().count() >= 2 || w.chars().all(|c| c.is_ascii_digit()))
}

fn cn_digit(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn cn_unit(c: char) -> Option<u64> {
    Some(match c {
        '十' => 10,
        '百' => 100,
        '千' => 1000,
        '万' => 10_000,
        '亿' => 100_000_000,
        _ => return None,
    })
}

/// A Chinese numeral: 三万五千 = 35000, 三万五 = 35000 (the spoken short form), 二零二三 = 2023,
/// 十二 = 12.
fn parse_cn_number(s: &[char]) -> Option<u64> {
    if s.iter().all(|c| cn_digit(*c).is_some()) {
        return s.iter().try_fold(0u64, |acc, c| acc.checked_mul(10)?.checked_add(cn_digit(*c)?));
    }
    let (mut total, mut section, mut num) = (0u64, 0u64, 0u64);
    let mut last_unit = 1u64;
    for &c in s {
        if let Some(d) = cn_digit(c) {
            num = d;
        } else {
            let u = cn_unit(c)?;
            if u >= 10_000 {
                let s = (section + num).max(1);
                total = if u == 100_000_000 {
                    (total + s).checked_mul(u)?
                } else {
                    total.checked_add(s.checked_mul(u)?)?
                };
                section = 0;
            } else {
                section += if num == 0 { 1 } else { num } * u;
            }
            num = 0;
            last_unit = u;
        }
    }
    // 三万五 → 35000: a trailing digit counts in the unit below the last.
    let tail = if num > 0 && last_unit >= 100 { num * (last_unit / 10) } else { num };
    Some(total + section + tail)
}

/// Measure words after which a single Chinese numeral is a number (一直 stays a word; 三月,
/// 五户 and 两万 become numbers).
const MEASURES: &[char] =
    &['元', '块', '万', '亩', '户', '人', '年', '月', '日', '号', '天', '个', '次', '间', '平', '岁', '栋', '层'];

/// Rewrite amounts and dates to Arabic digits: 「三万五千元」→「35000元」, 「3.5万块钱」→「35000元」,
/// 「1,200元」→「1200元」, 「二〇二三年五月」→「2023年5月」.
pub fn normalize_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            // Arabic, with thousands separators and a decimal part, maybe followed by 万/亿.
            let mut j = i;
            let mut s = String::new();
            while j < chars.len()
                && (chars[j].is_ascii_digit()
                    || (matches!(chars[j], ',' | '，') && chars.get(j + 1).is_some_and(|d| d.is_ascii_digit()) && {
                        // only a thousands separator: exactly three digits follow
                        (1..=3).all(|k| chars.get(j + k).is_some_and(|d| d.is_ascii_digit()))
                            && !chars.get(j + 4).is_some_and(|d| d.is_ascii_digit())
                    })
                    || (chars[j] == '.' && chars.get(j + 1).is_some_and(|d| d.is_ascii_digit())))
            {
                if chars[j] != ',' && chars[j] != '，' {
                    s.push(chars[j]);
                }
                j += 1;
            }
            let mult = match chars.get(j) {
                Some('万') => Some(10_000.0),
                Some('亿') => Some(100_000_000.0),
                Some('千') if chars.get(j + 1).is_some_and(|c| matches!(c, '元' | '块')) => Some(1000.0),
                _ => None,
            };
            match (mult, s.parse::<f64>()) {
                (Some(m), Ok(v)) => {
                    out.push_str(&format!("{}", (v * m).round() as u64));
                    j += 1;
                }
                _ => out.push_str(&s),
            }
            i = push_money_unit(&chars, j, &mut out);
            continue;
        }
        if cn_digit(c).is_some() || cn_unit(c).is_some_and(|u| u == 10) {
            let mut j = i;
            while j < chars.len() && (cn_digit(chars[j]).is_some() || cn_unit(chars[j]).is_some()) {
                j += 1;
            }
            let run = &chars[i..j];
            let next = chars.get(j).copied();
            let numeric = run.len() >= 2 || next.is_some_and(|n| MEASURES.contains(&n));
            if let (true, Some(v)) = (numeric, parse_cn_number(run).filter(|_| run.len() < 12)) {
                out.push_str(&v.to_string());
                i = push_money_unit(&chars, j, &mut out);
                continue;
            }
            out.extend(run);
            i = j;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// After a number: 块钱/块/元钱 → 元. Returns where to continue.
fn push_money_unit(chars: &[char], j: usize, out: &mut String) -> usize {
    match (chars.get(j), chars.get(j + 1)) {
        (Some('块' | '元'), Some('钱')) => {
            out.push('元');
            j + 2
        }
        (Some('块'), _) => {
            out.push('元');
            j + 1
        }
        _ => j,
    }
}

/// Number of MinHash values in a signature, and how they are grouped into bands. Two statements
/// are compared when they agree on all the values of at least one band.
pub const BANDS: usize = 24;
pub const ROWS: usize = 2;

/// FNV-1a, 64 bits: stable across builds and machines (stored fingerprints depend on it).
fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The band keys of a statement's words (from [`fingerprint_words`]): `BANDS` values, each the
/// hash of the band number and its `ROWS` minima over the informative words. Empty when the
/// statement has no informative word.
pub fn band_keys<S: AsRef<str>>(words: &[S]) -> Vec<i64> {
    let hashes: BTreeSet<u64> = words.iter().map(|w| w.as_ref()).filter(|w| is_informative(w)).map(fnv).collect();
    if hashes.is_empty() {
        return Vec::new();
    }
    let mut mins = [u64::MAX; BANDS * ROWS];
    for h in &hashes {
        for (k, m) in mins.iter_mut().enumerate() {
            let v = mix(h ^ mix(k as u64 + 1));
            if v < *m {
                *m = v;
            }
        }
    }
    (0..BANDS)
        .map(|b| {
            let mut h = mix(b as u64 + 0x9e37);
            for r in 0..ROWS {
                h = mix(h ^ mins[b * ROWS + r]);
            }
            h as i64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_dates_are_normalised() {
        assert_eq!(normalize_numbers("欠三万元"), "欠30000元");
        assert_eq!(normalize_numbers("欠3万块钱"), "欠30000元");
        assert_eq!(normalize_numbers("欠30,000元"), "欠30000元");
        assert_eq!(normalize_numbers("三万五千元"), "35000元");
        assert_eq!(normalize_numbers("三万五"), "35000");
        assert_eq!(normalize_numbers("3.5万元"), "35000元");
        assert_eq!(normalize_numbers("二〇二三年五月十二日"), "2023年5月12日");
        assert_eq!(normalize_numbers("一直没有"), "一直没有");
        assert_eq!(normalize_numbers("两千五百块"), "2500元");
        assert_eq!(normalize_numbers("十二户"), "12户");
    }

    #[test]
    fn entity_names_are_one_word() {
        let w = fingerprint_words("幸福村的拆迁补偿款没有发放");
        assert!(w.iter().any(|t| t == "幸福村"), "{w:?}");
    }

    const A: &str =
        "我是小店区北格镇幸福村村民，2023年村里征地，每户应得拆迁补偿款三万元，至今没有发放，要求镇政府尽快发放。";
    const A2: &str = "幸福村征地补偿的事：按规定每家给30000元补偿，可是到现在一分钱都没拿到，请领导督促北格镇解决。";
    const B: &str =
        "我是小店区北格镇光明村村民，2023年村里征地，每户应得拆迁补偿款五万元，至今没有发放，要求镇政府尽快发放。";
    const C: &str = "红星机械厂拖欠我们二十多名工人2023年下半年工资共计十八万元，老板失联，要求劳动部门追讨。";

    #[test]
    fn a_rewording_is_the_same_matter() {
        let (s, same) = same_matter(A, A2);
        assert!(same, "{s}");
        assert!(same_matter(A, A).1);
        assert_eq!(similarity(A, A), 1.0);
    }

    #[test]
    fn another_village_or_another_matter_is_not() {
        let (s, same) = same_matter(A, B);
        assert!(!same, "another village, another amount: {s}");
        let (s, same) = same_matter(A, C);
        assert!(!same && s < 0.1, "{s}");
    }

    #[test]
    fn symmetric_and_deterministic() {
        for (x, y) in [(A, A2), (A, B), (A, C), (A2, C)] {
            assert_eq!(similarity(x, y), similarity(y, x));
            assert_eq!(similarity(x, y), similarity(x, y));
        }
        assert_eq!(band_keys(&fingerprint_words(A)), band_keys(&fingerprint_words(A)));
        assert_eq!(similarity("", A), 0.0);
        assert_eq!(similarity("，。！", "……"), 0.0);
    }

    #[test]
    fn near_duplicates_share_bands() {
        let a = band_keys(&fingerprint_words(A));
        let a3 = band_keys(&fingerprint_words(&format!("{A}情况属实。")));
        assert_eq!(a.len(), BANDS);
        assert!(a.iter().zip(&a3).any(|(x, y)| x == y));
        let c = band_keys(&fingerprint_words(C));
        assert!(!a.iter().zip(&c).any(|(x, y)| x == y));
    }
}
