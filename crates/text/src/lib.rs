//! xinfang-text: Chinese text handling, pure and without I/O.
//!
//! Normalisation comes first because every comparison of what people typed — names, places,
//! statements — must not depend on full-width digits, stray spaces or traditional punctuation.

pub mod gazetteer;
pub mod segment;
pub mod similarity;
pub mod snippet;
pub mod triage;

/// Fold full-width ASCII (ＡＢＣ１２３，　) to half-width, lower-case Latin letters, and collapse
/// runs of whitespace into one space. Chinese characters are left as they are.
///
/// Written by hand: it is a dozen lines over Unicode's fixed full-width block (U+FF01–U+FF5E maps
/// to U+0021–U+007E by a constant offset); a Unicode-normalisation crate (NFKC) would do this and
/// much we do not want (it also rewrites compatibility ideographs).
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        let c = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        };
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// A person's name for comparison: normalised, with every space and the middle dot of
/// transliterated names (·, •) removed, so 「李 明」 and 「李明」 are the same person.
pub fn normalize_name(s: &str) -> String {
    normalize(s).chars().filter(|c| !c.is_whitespace() && !matches!(c, '·' | '•' | '.' | '．')).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_spaces() {
        assert_eq!(normalize("  ＡＢＣ１２３　小店区  "), "abc123 小店区");
        assert_eq!(normalize("拆迁\n\n补偿"), "拆迁 补偿");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn names_compare_without_spaces_or_dots() {
        assert_eq!(normalize_name("李 明"), "李明");
        assert_eq!(normalize_name("买买提·艾力"), "买买提艾力");
        assert_eq!(normalize_name("Ｚｈａｎｇ Ｓａｎ"), "zhangsan");
    }
}
