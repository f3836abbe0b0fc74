//! Repeat check at scale: N cases' fingerprints (default 100 000; `XINFANG_BENCH_CASES`), then
//! the text probe of a registration — band lookup in the index, scope, re-scoring — timed
//! over 200 probes: p50/p95. SQLite in a temporary file.
//!
//! `XINFANG_BENCH_CASES=1000000 cargo bench -p xinfang-store --bench repeats`

use std::time::Instant;

use sqlx::sqlite::SqlitePoolOptions;
use xinfang_core::case::{Place, RegisterInput};
use xinfang_core::petitioner::PetitionerInput;
use xinfang_core::unit::taiyuan_demo_units;
use xinfang_core::user::Role;
use xinfang_store::{Store, Vault};
use xinfang_text::similarity::{band_keys, fingerprint_words, RELATED_THRESHOLD};

const SYL: &[&str] = &[
    "幸福", "光明", "红星", "东风", "清泉", "桃园", "杨家", "张家", "李家", "王家", "新华", "建设", "和平", "胜利",
    "前进", "长青", "金色", "阳光", "龙湖", "滨河", "北格", "南城", "西山", "东方", "宏达", "恒通", "华鑫", "育才",
    "实验", "振兴",
];
const KINDS: &[&str] = &["村", "社区", "小区", "公司", "厂"];
const MATTERS: &[&str] = &[
    "{e}征地补偿款{n}元至今没有发放，要求尽快发放",
    "{e}拖欠{n}元工资，老板失联，要求追讨",
    "{e}物业不修电梯，停运两个月，要求更换物业",
    "{e}夜间偷排废水，河道发黑发臭，要求查处",
    "{e}自来水管道破裂一个多月没人修，要求抢修",
    "{e}违章建筑占用人行道，要求拆除",
    "{e}供暖不热，室温只有十二度，要求整改",
    "{e}逾期未交房，已付房款{n}元，要求赔偿违约金",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn statement(r: &mut Rng) -> String {
    let e = format!("{}{}{}", r.pick(SYL), r.pick(SYL), r.pick(KINDS));
    let n = (r.next() % 500 + 1) * 1000;
    r.pick(MATTERS).replace("{e}", &e).replace("{n}", &n.to_string())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: i64 = std::env::var("XINFANG_BENCH_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("xinfang-bench-repeats-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite:{}", dir.join("bench.db").display());
    let store = Store::connect(&url, Vault::from_master_key(&[7u8; 32])).await?;
    store.migrate().await?;
    for u in taiyuan_demo_units() {
        store.upsert_unit(None, &u).await?;
    }
    store.add_user(None, "clerk", "clerk", Role::Clerk, "xfj", "a-long-bench-password").await?;
    let clerk = store.actor_by_username("clerk").await?;
    let input = RegisterInput {
        channel: "visit".into(),
        petition_type: "grievance".into(),
        category: "urban".into(),
        statement: "种子".into(),
        place: Place { county: Some("140121".into()), address: None },
        petitioners: vec![PetitionerInput { name: "某人".into(), ..Default::default() }],
        ..Default::default()
    };
    store.register_case(&clerk, &input, None).await?;

    let raw = SqlitePoolOptions::new().max_connections(1).connect(&url).await?;
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let t0 = Instant::now();
    let mut done = 1i64;
    while done < n {
        let mut tx = raw.begin().await?;
        for _ in 0..5000.min(n - done) {
            done += 1;
            let s = statement(&mut rng);
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO cases (number, state, channel, petition_type, category, statement, place_county, headcount, \
                 is_group, leader_reception, bypass, money_claimed, money_paid, money_recovered, repeat_visits, registered_by, \
                 registered_by_unit_id, received_at, registered_at, updated_at) \
                 SELECT $1, state, channel, petition_type, category, $2, place_county, headcount, is_group, leader_reception, \
                 bypass, 0, 0, 0, 0, registered_by, registered_by_unit_id, received_at, registered_at, updated_at \
                 FROM cases WHERE id = 1 RETURNING id",
            )
            .bind(format!("B{done}"))
            .bind(&s)
            .fetch_one(&mut *tx)
            .await?;
            let words = fingerprint_words(&s);
            sqlx::query("INSERT INTO case_fingerprints (case_id, words) VALUES ($1, $2)")
                .bind(id)
                .bind(words.join(" "))
                .execute(&mut *tx)
                .await?;
            let mut keys = band_keys(&words);
            keys.sort_unstable();
            keys.dedup();
            for k in keys {
                sqlx::query("INSERT INTO case_fingerprint_bands (band_key, case_id) VALUES ($1, $2)")
                    .bind(k)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
    }
    eprintln!("filled {n} cases in {:.1}s", t0.elapsed().as_secs_f64());

    let mut times = Vec::new();
    let mut found = 0usize;
    for _ in 0..200 {
        let probe = statement(&mut rng);
        let t = Instant::now();
        let hits = store.similar_statements(&clerk, &probe, RELATED_THRESHOLD).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        found += hits.len();
    }
    times.sort_by(f64::total_cmp);
    let p = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "repeat check (text) over {n} cases: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms; {:.1} candidates kept per probe",
        p(0.5),
        p(0.95),
        p(1.0),
        found as f64 / 200.0
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
