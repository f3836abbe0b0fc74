//! 全文检索 benchmark: the case list searched (`list_cases` with `q`) over N synthetic cases on
//! SQLite (or PostgreSQL), as the bureau's clerk (every case) and a county's staff (scoped).
//!
//! ```sh
//! cargo bench -p xinfang-store --bench search                      # N = 100 000, SQLite
//! XINFANG_BENCH_CASES=1000000 cargo bench -p xinfang-store --bench search
//! XINFANG_BENCH_URL=postgres://postgres@127.0.0.1:5432/bench cargo bench -p xinfang-store --bench search
//! ```
//!
//! The cases are written straight into `cases` (statements composed from parts: who, what, how
//! long, what they ask), then indexed by the store's own one-time index build (what a database
//! from before search gets at start-up), which is timed too. Queries are 1–3 words drawn from the
//! same parts; p50/p95/p99 of the whole `list_cases` call (count, first page of 50, snippets).

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use sqlx::Connection;
use xinfang_core::case::default_categories;
use xinfang_core::unit::taiyuan_demo_units;
use xinfang_core::user::Role;
use xinfang_store::cases::CaseFilter;
use xinfang_store::{Store, Vault};

const WHO: &[&str] = &[
    "村里",
    "小区",
    "公司",
    "街道办",
    "开发商",
    "物业公司",
    "学校",
    "医院",
    "工地",
    "镇政府",
    "村委会",
    "社区",
    "厂里",
    "施工单位",
    "房东",
    "用人单位",
];
const WHAT: &[&str] = &[
    "拆迁补偿款一直没有发放",
    "拖欠农民工工资三个月",
    "物业费乱收费",
    "房屋漏水无人维修",
    "供暖温度不达标",
    "征地补偿标准过低",
    "夜间施工噪音扰民严重",
    "违章建筑影响通行",
    "低保资格被无故取消",
    "医疗费用报销困难",
    "子女入学遇到困难",
    "污水直排河道",
    "养老保险待遇未落实",
    "土地承包经营权被侵占",
    "退役军人安置待遇未落实",
    "拖欠工程款不还",
    "小区停车位被长期占用",
    "燃气管道存在安全隐患",
    "道路破损长期未修",
    "宅基地纠纷无人调解",
    "集资款无法退还",
    "房产证迟迟办不下来",
    "自来水水质浑浊发黄",
    "扬尘污染严重",
    "工伤认定不予受理",
    "公交线路被取消出行不便",
    "农村危房改造资金被截留",
    "学校乱收补课费",
    "医院过度检查收费",
    "电梯经常故障困人",
];
const HOW: &[&str] = &[
    "多次反映没有结果",
    "影响正常生活",
    "涉及群众五十余人",
    "相关部门互相推诿",
    "已经持续两年",
    "家庭生活十分困难",
    "找了几次都不予理睬",
    "对原来的答复不满意",
    "老人孩子身体受到影响",
    "邻居也有同样问题",
];
const ASK: &[&str] = &[
    "要求尽快解决",
    "要求依法查处",
    "要求按标准补偿",
    "要求公开账目",
    "要求给予合理解释",
    "要求恢复原状",
    "要求追究责任",
    "要求退还多收的费用",
];

/// A small deterministic generator (the same data every run).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

fn statement(r: &mut Rng) -> String {
    let mut s = format!("{}{}，{}", r.pick(WHO), r.pick(WHAT), r.pick(HOW));
    if r.next().is_multiple_of(3) {
        s.push_str(&format!("；另外{}，{}", r.pick(WHAT), r.pick(HOW)));
    }
    s.push_str(&format!("，{}。", r.pick(ASK)));
    s
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let n: i64 = std::env::var("XINFANG_BENCH_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let queries: usize = std::env::var("XINFANG_BENCH_QUERIES").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let path = std::env::temp_dir().join(format!("xinfang-bench-search-{n}.db"));
    let url = std::env::var("XINFANG_BENCH_URL").unwrap_or_else(|_| format!("sqlite:{}", path.display()));
    let store = Store::connect(&url, Vault::from_master_key(&[9u8; 32])).await?;
    store.migrate().await?;
    for u in taiyuan_demo_units() {
        store.upsert_unit(None, &u).await?;
    }
    store.ensure_categories(&default_categories()).await?;
    if store.actor_by_username("clerk").await.is_err() {
        store.add_user(None, "clerk", "登记员", Role::Clerk, "xfj", "bench-password-1").await?;
        store.add_user(None, "s140121", "清徐县", Role::UnitStaff, "140121", "bench-password-1").await?;
    }
    let clerk = store.actor_by_username("clerk").await?;
    let county = store.actor_by_username("s140121").await?;
    let have = store.list_cases(&clerk, &CaseFilter { per_page: Some(1), ..Default::default() }).await?.total;
    if have < n {
        println!("writing {} cases …", n - have);
        let t = Instant::now();
        fill(&url, have, n, clerk.user_id, clerk.unit_id).await?;
        println!("written in {:.1} s; indexing …", t.elapsed().as_secs_f64());
        let t = Instant::now();
        // As a database from before search: the store indexes every case at start-up.
        reset_index_version(&url).await?;
        store.migrate().await?;
        let secs = t.elapsed().as_secs_f64();
        println!("indexed {n} cases in {secs:.1} s ({:.0} cases/s)", n as f64 / secs);
    }
    let mut r = Rng(0x5eed);
    let vocab: Vec<String> = WHAT.iter().chain(HOW).flat_map(|s| xinfang_store::search::query_words(s)).collect();
    for (who, actor) in [("clerk (all cases)", &clerk), ("county staff (scoped)", &county)] {
        for words in 1..=3usize {
            let mut times = Vec::with_capacity(queries);
            let mut found = 0i64;
            for _ in 0..queries {
                let q: Vec<&str> =
                    (0..words).map(|_| vocab[(r.next() % vocab.len() as u64) as usize].as_str()).collect();
                let f = CaseFilter { q: Some(q.join(" ")), ..Default::default() };
                let t = Instant::now();
                let page = store.list_cases(actor, &f).await?;
                times.push(t.elapsed());
                found += page.total;
            }
            times.sort();
            println!(
                "N={n} {who}, {words} word(s): p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms; mean matches {}",
                percentile(&times, 0.5),
                percentile(&times, 0.95),
                percentile(&times, 0.99),
                percentile(&times, 1.0),
                found / queries as i64
            );
        }
    }
    store.close().await;
    Ok(())
}

async fn reset_index_version(url: &str) -> anyhow::Result<()> {
    let sql = "DELETE FROM settings WHERE key = 'search_index_version'";
    if url.starts_with("sqlite:") {
        sqlx::query(sql).execute(&mut sqlx::SqliteConnection::connect(url).await?).await?;
    } else {
        sqlx::query(sql).execute(&mut sqlx::PgConnection::connect(url).await?).await?;
    }
    Ok(())
}

/// Cases `from + 1 ..= to`, straight into the table, lead units spread over the counties.
async fn fill(url: &str, from: i64, to: i64, user: i64, unit: i64) -> anyhow::Result<()> {
    let sql = "INSERT INTO cases (number, state, channel, petition_type, category, statement, demands, place_county, \
        place_address, headcount, is_group, leader_reception, bypass, lead_unit_id, registered_by, registered_by_unit_id, \
        received_at, registered_at, updated_at) VALUES ($1, 'assigned', 'visit', 'grievance', $2, $3, NULL, $4, $5, 1, \
        false, false, false, (SELECT id FROM units WHERE code = $4), $6, $7, $8, $8, $8)";
    let mut r = Rng(0xca5e + from as u64);
    let start = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).single().expect("a date");
    macro_rules! run {
        ($conn:expr) => {{
            let mut conn = $conn;
            let cats: Vec<String> = sqlx::query_scalar("SELECT code FROM categories").fetch_all(&mut conn).await?;
            let cats: Vec<&str> = cats.iter().map(String::as_str).collect();
            let counties: Vec<String> =
                sqlx::query_scalar("SELECT code FROM units WHERE kind = 'county'").fetch_all(&mut conn).await?;
            let counties: Vec<&str> = counties.iter().map(String::as_str).collect();
            let mut i = from;
            while i < to {
                let mut tx = conn.begin().await?;
                for k in i + 1..=(i + 10_000).min(to) {
                    let county = r.pick(&counties);
                    sqlx::query(sql)
                        .bind(format!("B{k:09}"))
                        .bind(r.pick(&cats))
                        .bind(statement(&mut r))
                        .bind(county)
                        .bind(format!("{}号院", r.next() % 500))
                        .bind(user)
                        .bind(unit)
                        .bind(start + chrono::Duration::minutes(k))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                i = (i + 10_000).min(to);
            }
        }};
    }
    if url.starts_with("sqlite:") {
        run!(sqlx::SqliteConnection::connect(url).await?)
    } else {
        run!(sqlx::PgConnection::connect(url).await?)
    }
    Ok(())
}
