//! 摘要 The piece of a text shown under a search result, with the searched words marked.
//!
//! The result is plain text cut into pieces, each saying whether it is a hit; whoever shows it
//! escapes the text and marks the hits (`<mark>` in a page), so nothing from the data is ever
//! taken as markup.

/// One piece of a snippet: its text, and whether it is one of the searched words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

/// A character folded as [`crate::normalize`] folds it (full width to half width, lower case),
/// one character for one, so positions in the folded text are positions in the original.
fn fold(c: char) -> char {
    let c = match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c => c,
    };
    c.to_lowercase().next().unwrap_or(c)
}

/// Where `words` occur in `chars` (folded), leftmost and longest first, never overlapping.
fn hits(chars: &[char], words: &[Vec<char>]) -> Vec<(usize, usize)> {
    let folded: Vec<char> = chars.iter().map(|&c| fold(c)).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < folded.len() {
        match words.iter().find(|w| folded[i..].starts_with(w)) {
            Some(w) => {
                out.push((i, i + w.len()));
                i += w.len();
            }
            None => i += 1,
        }
    }
    out
}

/// About `width` characters of `text` around the first occurrence of any of `words` (the words
/// of a search, as [`crate::segment::words`] gives them), within the line it is on, with every
/// occurrence in that window marked; `…` where the line was cut. `None` when no word occurs.
pub fn snippet(text: &str, words: &[String], width: usize) -> Option<Vec<Piece>> {
    let mut wanted: Vec<Vec<char>> =
        words.iter().map(|w| w.chars().map(fold).collect::<Vec<_>>()).filter(|w| !w.is_empty()).collect();
    wanted.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let chars: Vec<char> = text.chars().collect();
    let found = hits(&chars, &wanted);
    let &(first, _) = found.first()?;
    let line_start = chars[..first].iter().rposition(|&c| c == '\n').map_or(0, |p| p + 1);
    let line_end = chars[first..].iter().position(|&c| c == '\n').map_or(chars.len(), |p| first + p);
    let start = first.saturating_sub(width / 4).max(line_start);
    let end = (start + width).min(line_end);
    let start = end.saturating_sub(width).max(line_start);
    let mut pieces: Vec<Piece> = Vec::new();
    let mut push = |s: &[char], hit: bool| {
        if s.is_empty() {
            return;
        }
        match pieces.last_mut() {
            Some(p) if p.hit == hit => p.text.extend(s),
            _ => pieces.push(Piece { text: s.iter().collect(), hit }),
        }
    };
    if start > line_start {
        push(&['…'], false);
    }
    let mut at = start;
    for &(a, b) in found.iter().filter(|(a, b)| *a >= start && *b <= end) {
        push(&chars[at..a], false);
        push(&chars[a..b], true);
        at = b;
    }
    push(&chars[at..end], false);
    if end < line_end {
        push(&['…'], false);
    }
    Some(pieces)
}

/// The first `width` characters of the first line of `text`, unmarked (for a result whose hit is
/// not in the text, e.g. a unit's name).
pub fn head(text: &str, width: usize) -> Vec<Piece> {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    let mut t: String = line.chars().take(width).collect();
    if line.chars().count() > width {
        t.push('…');
    }
    if t.is_empty() {
        Vec::new()
    } else {
        vec![Piece { text: t, hit: false }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(p: &[Piece]) -> String {
        p.iter().map(|p| if p.hit { format!("[{}]", p.text) } else { p.text.clone() }).collect()
    }

    #[test]
    fn marks_every_hit_in_the_window_of_the_first() {
        let words = vec!["补偿".to_string(), "发放".to_string()];
        let s = snippet("村里房屋征收后，拆迁补偿款一直没有发放。", &words, 60).unwrap();
        assert_eq!(show(&s), "村里房屋征收后，拆迁[补偿]款一直没有[发放]。");
    }

    #[test]
    fn cuts_a_long_line_around_the_first_hit_and_keeps_to_its_line() {
        let long = format!("{}拆迁补偿{}\n第二行补偿", "前".repeat(100), "后".repeat(100));
        let s = snippet(&long, &["补偿".to_string()], 20).unwrap();
        let text = show(&s);
        assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
        assert!(text.contains("[补偿]") && !text.contains("第二行"), "{text}");
        assert_eq!(text.chars().filter(|c| !"[]".contains(*c)).count(), 22, "{text}");
    }

    #[test]
    fn folds_width_and_case_and_prefers_the_longest_word() {
        let words = vec!["abc".to_string(), "补偿".to_string(), "补偿款".to_string()];
        let s = snippet("ＡＢＣ公司补偿款", &words, 60).unwrap();
        assert_eq!(show(&s), "[ＡＢＣ]公司[补偿款]");
        assert!(snippet("没有的词", &words, 60).is_none());
        let s = snippet("过渡费没有发放", &["过渡".to_string(), "费".to_string()], 60).unwrap();
        assert_eq!(show(&s), "[过渡费]没有发放", "adjacent hits are one mark");
        assert!(snippet("x", &[], 60).is_none());
    }

    #[test]
    fn markup_in_the_text_stays_text() {
        let s = snippet("<script>补偿</script>", &["补偿".to_string()], 60).unwrap();
        assert_eq!(s[0], Piece { text: "<script>".into(), hit: false });
        assert_eq!(s[1], Piece { text: "补偿".into(), hit: true });
    }

    #[test]
    fn head_is_the_first_line() {
        assert_eq!(show(&head("\n第一行很长很长\n第二行", 4)), "第一行很…");
        assert!(head("", 4).is_empty());
    }
}
