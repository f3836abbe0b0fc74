//! The triage and repeat-detection figures on statements the model never saw:
//!
//! ```sh
//! cargo run --release -p xinfang-text --bin eval [-- path/to/eval-dir]
//! cargo run --release -p xinfang-text --bin eval -- --cv [k]
//! ```
//!
//! Trains on the starting knowledge (`triage::starting_examples`: the shipped seed plus the
//! `train` lines of `data/eval/statements.jsonl`, as the server does), and reports
//! on its `test` lines: top-1 and top-3 category accuracy, the confusion per category, place
//! accuracy (where the line is labelled with one), the precision/recall/F1 of same-matter pairs
//! (`data/eval/pairs.jsonl`) and the latency of one suggestion. This program is the only reader of
//! the test lines; it reports and changes nothing. `--cv [k]` (default 5) is the k-fold
//! cross-validation of the starting knowledge, which never reads a test line: every modelling
//! choice is made on it. Without the corpus the program says so and cross-validates instead.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::Value;
use xinfang_text::gazetteer::Gazetteer;
use xinfang_text::triage::{seed_examples, starting_examples, Example, Model};

/// One line of the corpus, read leniently (the field names the corpus uses, or near them).
struct Line {
    text: String,
    category: String,
    /// County code where the text names one; `None` when it names none or it is not labelled.
    place: Option<String>,
    split: String,
}

fn field<'a>(v: &'a Value, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| v.get(*n).filter(|x| !x.is_null()))
}

fn read_lines(path: &std::path::Path) -> Result<Vec<Line>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (n, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(l).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        let s = |names: &[&str]| field(&v, names).and_then(Value::as_str).map(str::to_string);
        out.push(Line {
            text: s(&["statement", "text"]).ok_or_else(|| format!("line {}: no statement", n + 1))?,
            category: s(&["category"]).ok_or_else(|| format!("line {}: no category", n + 1))?,
            place: s(&["place", "county", "place_county"]),
            split: s(&["split"]).unwrap_or_else(|| "train".into()),
        });
    }
    Ok(out)
}

struct Pair {
    a: String,
    b: String,
    same: bool,
}

fn read_pairs(path: &std::path::Path) -> Result<Vec<Pair>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (n, l) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(l).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        let s = |names: &[&str]| field(&v, names).and_then(Value::as_str).map(str::to_string);
        // Held-out figures only: the train lines are for tuning the threshold.
        if s(&["split"]).as_deref() == Some("train") {
            continue;
        }
        let same = match field(&v, &["same", "same_matter", "label", "duplicate"]) {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(x)) => x.as_i64() == Some(1),
            Some(Value::String(x)) => matches!(x.as_str(), "same" | "true" | "1" | "duplicate"),
            _ => return Err(format!("pairs line {}: no label", n + 1)),
        };
        out.push(Pair {
            a: s(&["a", "text_a", "statement_a"]).ok_or_else(|| format!("pairs line {}: no a", n + 1))?,
            b: s(&["b", "text_b", "statement_b"]).ok_or_else(|| format!("pairs line {}: no b", n + 1))?,
            same,
        });
    }
    Ok(out)
}

/// Counts of one evaluation.
#[derive(Default)]
struct Figures {
    n: usize,
    top1: usize,
    top3: usize,
    /// (true, predicted) → count
    confusion: BTreeMap<(String, String), usize>,
    place_n: usize,
    place_ok: usize,
    latencies_us: Vec<f64>,
}

fn evaluate(model: &Model, test: &[Line], f: &mut Figures) {
    let g = Gazetteer::taiyuan();
    // The first call pays for lazily built tables; time the steady state.
    let _ = (model.suggest("拖欠工资", None, 3), g.place("小店区"));
    for l in test {
        let t0 = Instant::now();
        let s = model.suggest(&l.text, None, 3);
        let place = g.place(&l.text);
        f.latencies_us.push(t0.elapsed().as_secs_f64() * 1e6);
        f.n += 1;
        let first = s.first().map(|x| x.category.clone()).unwrap_or_else(|| "-".into());
        if first == l.category {
            f.top1 += 1;
        }
        if s.iter().any(|x| x.category == l.category) {
            f.top3 += 1;
        }
        *f.confusion.entry((l.category.clone(), first)).or_default() += 1;
        if let Some(p) = &l.place {
            f.place_n += 1;
            if place.as_deref() == Some(p.as_str()) {
                f.place_ok += 1;
            }
        }
    }
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "-".into()
    } else {
        format!("{:.1} % ({a}/{b})", 100.0 * a as f64 / b as f64)
    }
}

fn print_figures(f: &Figures, pairs: Option<(usize, usize, usize, usize)>) {
    println!("statements evaluated: {}", f.n);
    println!("top-1 accuracy: {}", pct(f.top1, f.n));
    println!("top-3 accuracy: {}", pct(f.top3, f.n));
    println!("place accuracy (where the text names one): {}", pct(f.place_ok, f.place_n));
    let mut cats: Vec<&String> = f.confusion.keys().flat_map(|(a, b)| [a, b]).collect();
    cats.sort();
    cats.dedup();
    println!("\nconfusion (rows: true category, columns: top suggestion; recall per row)");
    print!("{:>14}", "");
    for c in &cats {
        print!("{:>6}", &c[..c.len().min(5)]);
    }
    println!("{:>9}", "recall");
    for r in &cats {
        let row: Vec<usize> =
            cats.iter().map(|c| f.confusion.get(&((*r).clone(), (*c).clone())).copied().unwrap_or(0)).collect();
        let total: usize = row.iter().sum();
        if total == 0 {
            continue;
        }
        print!("{r:>14}");
        for x in &row {
            print!("{x:>6}");
        }
        let ok = f.confusion.get(&((*r).clone(), (*r).clone())).copied().unwrap_or(0);
        println!("{:>8.1}%", 100.0 * ok as f64 / total as f64);
    }
    match pairs {
        Some((tp, fp, fn_, tn)) => {
            let p = tp as f64 / (tp + fp).max(1) as f64;
            let r = tp as f64 / (tp + fn_).max(1) as f64;
            let f1 = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
            println!(
                "\npairs: precision {:.3}, recall {:.3}, F1 {:.3} (tp {tp}, fp {fp}, fn {fn_}, tn {tn})",
                p, r, f1
            );
        }
        None => println!("\npairs: not measured (same-matter detection not wired in this build)"),
    }
    let mut l = f.latencies_us.clone();
    l.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    if !l.is_empty() {
        let mean = l.iter().sum::<f64>() / l.len() as f64;
        let p95 = l[((l.len() as f64 * 0.95).ceil() as usize).clamp(1, l.len()) - 1];
        println!(
            "suggestion latency (categories + place, one statement): mean {:.3} ms, p95 {:.3} ms{}",
            mean / 1000.0,
            p95 / 1000.0,
            if cfg!(debug_assertions) { "  [debug build: use --release for the real figure]" } else { "" }
        );
    }
}

/// Same-matter pairs counted as (tp, fp, fn, tn) with a detector `same`.
fn pair_counts(pairs: &[Pair], same: impl Fn(&str, &str) -> bool) -> (usize, usize, usize, usize) {
    let mut c = (0, 0, 0, 0);
    for p in pairs {
        match (same(&p.a, &p.b), p.same) {
            (true, true) => c.0 += 1,
            (true, false) => c.1 += 1,
            (false, true) => c.2 += 1,
            (false, false) => c.3 += 1,
        }
    }
    c
}

/// k-fold cross-validation over the starting knowledge (seed + corpus train split): statement `i`
/// is in fold `i % k`. Reads no test line.
fn cross_validate(k: usize) {
    let examples = starting_examples();
    println!(
        "{k}-fold cross-validation of the starting knowledge ({} statements: seed + corpus train split) — \
         NOT a held-out figure\n",
        examples.len()
    );
    let mut f = Figures::default();
    for fold in 0..k {
        let (test, train): (Vec<_>, Vec<_>) = examples.iter().enumerate().partition(|(i, _)| i % k == fold);
        let train: Vec<Example> = train.into_iter().map(|(_, e)| e.clone()).collect();
        let test: Vec<Line> = test
            .into_iter()
            .map(|(_, e)| Line { text: e.text.clone(), category: e.category.clone(), place: None, split: "cv".into() })
            .collect();
        evaluate(&Model::train(&train), &test, &mut f);
    }
    print_figures(&f, None);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    xinfang_text::segment::warm_up();
    if let Some(at) = args.iter().position(|a| a == "--cv") {
        let k = args.get(at + 1).and_then(|k| k.parse().ok()).unwrap_or(5);
        cross_validate(k);
        return;
    }
    let dir = args
        .first()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/eval"));
    let statements = dir.join("statements.jsonl");
    if !statements.exists() {
        println!("{} not found: cross-validation instead", statements.display());
        cross_validate(5);
        return;
    }
    let lines = match read_lines(&statements) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let train = starting_examples();
    let test: Vec<Line> = lines.into_iter().filter(|l| l.split == "test").collect();
    println!(
        "trained on {} statements (seed {} + corpus train split); held-out test split:",
        train.len(),
        seed_examples().len()
    );
    let model = Model::train(&train);
    println!("temperature {:.3}\n", model.temperature());
    let mut f = Figures::default();
    evaluate(&model, &test, &mut f);
    let pairs = match read_pairs(&dir.join("pairs.jsonl")) {
        // Exactly the decision registration and `xinfang similarity` use.
        Ok(p) => {
            println!("{} held-out pairs", p.len());
            Some(pair_counts(&p, |a, b| xinfang_text::similarity::same_matter(a, b).1))
        }
        Err(e) => {
            eprintln!("pairs: {e}");
            None
        }
    };
    print_figures(&f, pairs);
}
