//! 分词 Chinese word segmentation with jieba, shared by search, triage and repeat detection so
//! all three see the same words.
//!
//! The jieba dictionary is embedded in the binary and loaded once per process (it takes a few
//! hundred milliseconds); every call after that is microseconds.

use std::sync::OnceLock;

use jieba_rs::Jieba;

fn jieba() -> &'static Jieba {
    static J: OnceLock<Jieba> = OnceLock::new();
    J.get_or_init(Jieba::new)
}

/// Load the dictionary now (at start-up) rather than at the first request.
pub fn warm_up() {
    let _ = jieba();
}

/// Words that say nothing about what a petition is about: particles, pronouns and the filler of
/// spoken complaints. Kept short on purpose — a word that sometimes matters stays.
const STOP_WORDS: &[&str] = &[
    "的", "了", "是", "在", "我", "我们", "你", "你们", "他", "她", "他们", "它", "这", "那", "这个", "那个", "和",
    "与", "及", "或", "也", "都", "就", "还", "又", "被", "把", "给", "对", "从", "向", "到", "说", "要", "有", "没",
    "没有", "不", "很", "太", "吧", "吗", "呢", "啊", "呀", "嘛", "哦", "着", "过", "让", "等", "一个", "一下", "什么",
    "怎么", "这样", "那样", "因为", "所以", "但是", "可是", "而且", "然后", "已经", "现在", "一直", "还是", "自己",
    "请",
];

/// Whether a piece of text is a word worth keeping (not punctuation, not a stop word).
pub fn is_word(t: &str) -> bool {
    t.chars().any(|c| c.is_alphanumeric()) && !STOP_WORDS.contains(&t)
}

/// Words of a text for a search index: jieba's search mode (long words and their parts, so
/// 「拆迁补偿款」 is found by 「补偿」), normalised, punctuation and stop words dropped. Repeats
/// are kept: they weigh in ranking.
pub fn index_words(text: &str) -> Vec<String> {
    let text = crate::normalize(text);
    jieba()
        .cut_for_search(&text, true)
        .into_iter()
        .map(|t| t.word.trim())
        .filter(|t| is_word(t))
        .map(str::to_string)
        .collect()
}

/// Words of a text for comparison and classification: jieba's precise mode (each stretch of text
/// once), normalised, punctuation and stop words dropped.
pub fn words(text: &str) -> Vec<String> {
    tokens(text).iter().map(|t| t.trim()).filter(|t| is_word(t)).map(str::to_string).collect()
}

/// Every piece of a text in jieba's precise mode, punctuation and stop words included, in order:
/// the pieces run together are the normalised text (for what needs clauses and negations).
pub fn tokens(text: &str) -> Vec<String> {
    let text = crate::normalize(text);
    jieba().cut(&text, true).into_iter().map(|t| t.word.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_mode_finds_the_parts_of_long_words() {
        let w = index_words("村里房屋征收后，拆迁补偿款一直没有发放！");
        assert!(w.iter().any(|t| t == "补偿"), "{w:?}");
        assert!(w.iter().any(|t| t == "拆迁"), "{w:?}");
        assert!(!w.iter().any(|t| t == "，" || t == "！" || t == "没有"), "{w:?}");
    }

    #[test]
    fn precise_mode_drops_filler_and_folds_width() {
        let w = words("我们的工资　ＡＢＣ公司拖欠了三个月");
        assert!(w.contains(&"工资".to_string()) && w.contains(&"abc".to_string()), "{w:?}");
        assert!(!w.contains(&"我们".to_string()) && !w.contains(&"的".to_string()), "{w:?}");
    }
}
