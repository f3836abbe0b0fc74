//! Tune the same-matter score on labelled pairs: `cargo run -p xinfang-text --release --example
//! tune_similarity -- PAIRS.jsonl [SPLIT]`. Reads `{"a","b","same_matter"[, "split"]}` lines
//! (only those of SPLIT when given — tune on `train`, never on `test`), prints F1 with the
//! shipped weights and threshold, the best weights and threshold of a grid, and how many
//! same-matter pairs share a fingerprint band (the recall of the candidate search).

use xinfang_text::similarity::{band_keys, fingerprint_words, Features, Params, PARAMS, SAME_MATTER_THRESHOLD};

fn f1(scores: &[(f64, bool)], t: f64) -> (f64, f64, f64) {
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for &(s, y) in scores {
        match (s >= t, y) {
            (true, true) => tp += 1.0,
            (true, false) => fp += 1.0,
            (false, true) => fn_ += 1.0,
            _ => {}
        }
    }
    let p = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
    let r = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
    (if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 }, p, r)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: tune_similarity PAIRS.jsonl [SPLIT]");
    let split = args.next();
    let text = std::fs::read_to_string(&path).expect("read pairs");
    let mut pairs = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        if let Some(s) = &split {
            if v["split"].as_str() != Some(s) {
                continue;
            }
        }
        let a = v["a"].as_str().unwrap_or_default();
        let b = v["b"].as_str().unwrap_or_default();
        let (wa, wb) = (fingerprint_words(a), fingerprint_words(b));
        let shares_band = band_keys(&wa).iter().zip(band_keys(&wb)).any(|(x, y)| *x == y);
        pairs.push((
            Features::from_words(&wa),
            Features::from_words(&wb),
            v["same_matter"].as_bool().unwrap_or(false),
            shares_band,
            v["id"].as_str().unwrap_or_default().to_string(),
        ));
    }
    let positives = pairs.iter().filter(|p| p.2).count();
    println!("{} pairs, {} same matter", pairs.len(), positives);
    let score_all = |p: &Params| -> Vec<(f64, bool)> {
        pairs.iter().map(|(a, b, y, _, _)| (a.compare_with(b, p).score, *y)).collect()
    };
    let shipped = score_all(&PARAMS);
    let (f, pr, r) = f1(&shipped, SAME_MATTER_THRESHOLD);
    println!("shipped {PARAMS:?} threshold {SAME_MATTER_THRESHOLD}: F1 {f:.3} (precision {pr:.3}, recall {r:.3})");
    for ((s, y), (_, _, _, _, id)) in shipped.iter().zip(&pairs) {
        if (*s >= SAME_MATTER_THRESHOLD) != *y || std::env::var_os("VERBOSE").is_some() {
            println!("  {id} score {s:.3} same_matter {y}");
        }
    }
    let band = pairs.iter().filter(|p| p.2 && p.3).count();
    println!("same-matter pairs sharing a band: {band}/{positives}");
    let mut best = (0.0, PARAMS, 0.0);
    for j in 0..=10 {
        for c in 0..=(10 - j) {
            for k in [0.3, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8, 1.0] {
                let p = Params { jaccard: j as f64 / 10.0, contain: c as f64 / 10.0, conflict: k };
                let s = score_all(&p);
                for t in (12..90).map(|t| t as f64 / 100.0) {
                    let (f, _, _) = f1(&s, t);
                    // Ties go to the threshold nearest the middle of the tie (more margin).
                    if f > best.0 + 1e-9 {
                        best = (f, p, t);
                    }
                }
            }
        }
    }
    let (f, p, t) = best;
    let s = score_all(&p);
    let ts: Vec<f64> = (12..90).map(|t| t as f64 / 100.0).filter(|&x| (f1(&s, x).0 - f).abs() < 1e-9).collect();
    println!("best {p:?} threshold {t} (F1 {f:.3}; thresholds with the same F1: {:?}..{:?})", ts.first(), ts.last());
}
