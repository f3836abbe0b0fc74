//! The Taiyuan demonstration: the units of product.md, demo accounts, and the two stories of the
//! reception-center article, replayed through the real commands so their timelines and deadlines
//! are what the rules produce. The people are invented.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use xinfang_core::case::{default_categories, Accused, Place, RegisterInput};
use xinfang_core::lifecycle::{Command, DecisionInput, Finding, Outcome, Rating, RatingStage};
use xinfang_core::petitioner::{id_check_char, PetitionerInput};
use xinfang_core::unit::taiyuan_demo_units;
use xinfang_core::user::Role;
use xinfang_store::Store;

/// The password of every demo account. Demo only.
pub const DEMO_PASSWORD: &str = "xinfang-demo";

/// (username, display name, role, unit)
pub const DEMO_USERS: &[(&str, &str, Role, &str)] = &[
    ("admin", "系统管理员", Role::Admin, "xfj"),
    ("clerk", "登记员 王丽", Role::Clerk, "xfj"),
    ("leader", "值班局领导 赵建国", Role::Leader, "xfj"),
    ("supervisor", "督查 孙明", Role::Supervisor, "xfj"),
    ("analyst", "分析员 周敏", Role::Analyst, "xfj"),
    ("lawyer", "值班律师 吴涛", Role::DutyStaff, "xfj"),
    ("qingxu", "清徐县驻厅 郑伟", Role::UnitStaff, "140121"),
    ("xiaodian", "小店区驻厅 冯雪", Role::UnitStaff, "140105"),
    ("rsj", "市人社局驻厅 陈刚", Role::UnitStaff, "rsj"),
    ("zjj", "市住建局驻厅 韩梅", Role::UnitStaff, "zjj"),
    ("ghzy", "市规划和自然资源局驻厅 杨帆", Role::UnitStaff, "ghzy"),
];

const LOADED_KEY: &str = "demo.loaded";

fn at(s: &str) -> Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(s).with_context(|| format!("bad demo time {s}"))?.with_timezone(&Utc))
}

/// A valid (invented) ID number for the demo: region + birth date + sequence + check digit.
fn demo_id(region: &str, birth: &str, seq: u32) -> String {
    let first17 = format!("{region}{birth}{seq:03}");
    format!("{first17}{}", id_check_char(&first17).unwrap_or('0'))
}

fn person(name: &str, id: Option<String>, phone: Option<&str>, region: &str, representative: bool) -> PetitionerInput {
    PetitionerInput {
        name: name.into(),
        id_number: id,
        phone: phone.map(Into::into),
        address: None,
        region: Some(region.into()),
        representative,
    }
}

/// Load everything once; a second call changes nothing.
pub async fn load(store: &Store) -> Result<()> {
    if store.setting(LOADED_KEY).await?.is_some() {
        tracing::info!("demo data already loaded");
        return Ok(());
    }
    for u in taiyuan_demo_units() {
        store.upsert_unit(None, &u).await?;
    }
    store.ensure_categories(&default_categories()).await?;
    for (name, display, role, unit) in DEMO_USERS {
        if !store.user_exists(name).await? {
            store.add_user(None, name, display, *role, unit, DEMO_PASSWORD).await?;
        }
    }
    rota(store).await.context("demo duty rota")?;
    story_demolition(store).await.context("demo story: demolition compensation")?;
    story_wages(store).await.context("demo story: migrant workers' wages")?;
    emerging_cluster(store).await.context("demo early warning")?;
    store.set_setting(LOADED_KEY, &Utc::now().to_rfc3339()).await?;
    Ok(())
}

/// Ten farmers of 清徐县 on demolition compensation: a group visit on the leader's reception
/// day, a coordination decision, assigned to the county with a 60-day handling period.
async fn story_demolition(store: &Store) -> Result<()> {
    let clerk = store.actor_by_username("clerk").await?;
    let leader = store.actor_by_username("leader").await?;
    let county = store.actor_by_username("qingxu").await?;
    let names = ["李德顺", "李德旺", "王守田", "王守业", "张春生", "张秋生", "刘满仓", "刘满囤", "赵二虎", "赵三虎"];
    let petitioners = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let id = demo_id("140121", &format!("19{}0{}1{}", 60 + i, 1 + i % 9, i % 3), 100 + i as u32);
            let phone = format!("139{:08}", 35_120_000 + i as u32);
            PetitionerInput { phone: Some(phone), ..person(n, Some(id), None, "140121", i < 5) }
        })
        .collect();
    let input = RegisterInput {
        channel: "visit".into(),
        received_at: Some(at("2026-10-12T08:40:00+08:00")?.into()),
        petition_type: "grievance".into(),
        category: "expropriation".into(),
        statement: "清徐县某村十位村民反映：村里房屋于 2025 年被征收拆迁，按协议应在拆除后六个月内支付的补偿款和过渡费至今没有足额发放，\
                    多次到镇里询问没有明确答复，村民生活困难。"
            .into(),
        demands: Some("尽快足额发放拆迁补偿款和过渡费，明确发放时间。".into()),
        place: Place { county: Some("140121".into()), address: Some("清徐县某镇某村".into()) },
        petitioners,
        headcount: Some(10),
        people_affected: Some(36),
        accused: Accused { unit: None, person: Some("某镇人民政府".into()) },
        money_claimed: None,
        money_paid: None,
        leader_reception: true,
        leader_name: Some("赵建国".into()),
        repeat_of: None,
        bypass: false,
    };
    let (case, _) =
        store.register_case_at(&clerk, &input, Some("demo-story-demolition"), at("2026-10-12T08:50:00+08:00")?).await?;
    let id = case.id;
    // The county's stationed staff call in the responsible heads with a time limit to arrive.
    store
        .act_at(
            &leader,
            id,
            &Command::SummonMeeting {
                units: vec!["140121".into()],
                arrive_by: Some(at("2026-10-12T09:45:00+08:00")?.into()),
                place: "接待中心协调会议室".into(),
            },
            at("2026-10-12T09:00:00+08:00")?,
        )
        .await?;
    store
        .act_at(
            &leader,
            id,
            &Command::HoldMeeting {
                chair: "赵建国（值班局领导）".into(),
                attendees:
                    "信访群众代表 5 人；清徐县征收办、某镇政府负责人；县驻厅信访工作人员；市信访局接访人员，共 20 余人"
                        .into(),
                discussion: "听取群众诉求和县、镇情况汇报，经分析认定反映问题属实：补偿款和过渡费未按协议发放。".into(),
                decisions: vec![
                    DecisionInput {
                        unit: "140121".into(),
                        implementer: "分管副县长".into(),
                        days: 60,
                        content: "拿出补偿款和过渡费发放的具体方案，明确责任人，60 日内给群众答复".into(),
                    },
                    DecisionInput {
                        unit: "ghzy".into(),
                        implementer: "征收科科长".into(),
                        days: 30,
                        content: "核实征收补偿标准和资金拨付情况，书面报信访局".into(),
                    },
                ],
            },
            at("2026-10-12T10:20:00+08:00")?,
        )
        .await?;
    store
        .act_at(
            &leader,
            id,
            &Command::Instruct {
                text: "经协调会认定反映问题属实。责成清徐县拿出具体方案，明确责任单位和落实人，60 日内给群众答复。"
                    .into(),
            },
            at("2026-10-12T10:30:00+08:00")?,
        )
        .await?;
    store
        .act_at(
            &clerk,
            id,
            &Command::Assign {
                lead: "140121".into(),
                assisting: vec!["ghzy".into()],
                note: Some("协调会决定交办".into()),
            },
            at("2026-10-12T11:00:00+08:00")?,
        )
        .await?;
    store
        .act_at(
            &county,
            id,
            &Command::Accept { note: Some("县征收办牵头，镇政府落实".into()) },
            at("2026-10-12T15:00:00+08:00")?,
        )
        .await?;
    Ok(())
}

/// Fifteen migrant workers owed wages: 3.4 million yuan in all, 1.6 paid, 1.8 outstanding of
/// which 1.1 wages; the wages recovered with police, labour inspection and housing departments.
async fn story_wages(store: &Store) -> Result<()> {
    let clerk = store.actor_by_username("clerk").await?;
    let leader = store.actor_by_username("leader").await?;
    let rsj = store.actor_by_username("rsj").await?;
    let yuan = |y: i64| y * 100;
    let input = RegisterInput {
        channel: "visit".into(),
        received_at: Some(at("2026-07-06T09:15:00+08:00")?.into()),
        petition_type: "grievance".into(),
        category: "labor".into(),
        statement: "外省籍农民工带领 15 人工程队在小店区某开发公司地产项目承揽电力工程，工程款及工人工资共计 340 万元。\
                    完工后开发公司只支付 160 万元，剩余 180 万元（其中工人工资 110 万元）一直未付；据称项目经理已携工资款离开。"
            .into(),
        demands: Some("追回拖欠的工人工资 110 万元及剩余工程款。".into()),
        place: Place { county: Some("140105".into()), address: Some("小店区某地产项目工地".into()) },
        petitioners: vec![
            PetitionerInput {
                phone: Some("13603510001".into()),
                ..person("蔡工头", Some(demo_id("340102", "19780315", 215)), None, "140105", true)
            },
            person("钱小工", Some(demo_id("340102", "19900802", 331)), Some("13603510002"), "140105", true),
        ],
        headcount: Some(15),
        people_affected: Some(15),
        accused: Accused { unit: None, person: Some("某房地产开发公司".into()) },
        money_claimed: Some(yuan(3_400_000)),
        money_paid: Some(yuan(1_600_000)),
        leader_reception: false,
        leader_name: None,
        repeat_of: None,
        bypass: false,
    };
    let (case, _) =
        store.register_case_at(&clerk, &input, Some("demo-story-wages"), at("2026-07-06T09:20:00+08:00")?).await?;
    let id = case.id;
    let steps: Vec<(&xinfang_core::user::Actor, Command, &str)> = vec![
        (
            &leader,
            Command::Instruct {
                text: "请人社局牵头，协调公安经侦、劳动监察、住建部门联合调查取证，尽快追回农民工工资。".into(),
            },
            "2026-07-06T10:00:00+08:00",
        ),
        (
            &clerk,
            Command::Assign {
                lead: "rsj".into(),
                assisting: vec!["zjj".into(), "140105".into()],
                note: Some("欠薪案件，联合办理".into()),
            },
            "2026-07-06T10:20:00+08:00",
        ),
        (&rsj, Command::Accept { note: Some("劳动监察支队立案".into()) }, "2026-07-07T09:00:00+08:00"),
        (
            &rsj,
            Command::RecordMoney { claimed: None, paid: None, recovered: Some(yuan(1_100_000)) },
            "2026-08-20T16:00:00+08:00",
        ),
        (
            &rsj,
            Command::Reply {
                finding: Finding::True,
                outcome: Outcome::Support,
                opinion:
                    "经查反映属实。开发商已将 110 万元工人工资全部发放到位；剩余工程款纠纷已告知通过诉讼途径解决。"
                        .into(),
                basis: Some("《保障农民工工资支付条例》".into()),
                mediation_agreement: None,
            },
            "2026-08-21T10:00:00+08:00",
        ),
        (
            &clerk,
            Command::Rate { stage: RatingStage::Unit, rating: Rating::Satisfied, reason: None },
            "2026-08-24T09:30:00+08:00",
        ),
        (
            &clerk,
            Command::Rate { stage: RatingStage::Bureau, rating: Rating::Satisfied, reason: None },
            "2026-08-24T09:31:00+08:00",
        ),
        (&leader, Command::Close { reason: Some("工资已全部追回，信访人满意".into()) }, "2026-08-25T11:00:00+08:00"),
    ];
    for (actor, cmd, when) in steps {
        store.act_at(actor, id, &cmd, at(when)?).await.with_context(|| format!("step {}", cmd.action()))?;
    }
    Ok(())
}

/// Bureau leaders take one weekday each for leader reception (领导接访日), Monday to Friday.
const LEADERS: [&str; 5] = ["赵建国", "钱志远", "孙丽华", "李卫东", "周正清"];

/// The duty rota of the next eight weeks: leader of the day, duty lawyer, counselor, mediator.
async fn rota(store: &Store) -> Result<()> {
    use chrono::Datelike;
    let today = xinfang_core::case::local_date(Utc::now());
    for offset in 0..56 {
        let day = today + chrono::Duration::days(offset);
        let wd = day.weekday().num_days_from_monday() as usize;
        if wd >= 5 {
            continue;
        }
        store.set_duty(None, day, "leader", &[LEADERS[wd].to_string()]).await?;
        store.set_duty(None, day, "lawyer", &[["吴涛", "郑律"][wd % 2].to_string()]).await?;
        store.set_duty(None, day, "counselor", &["林静".to_string()]).await?;
        store.set_duty(None, day, "mediator", &["马红".to_string()]).await?;
    }
    Ok(())
}

pub fn print_banner() {
    println!("==================== 演示数据 DEMO ONLY ====================");
    println!("以下账号仅供演示，切勿用于正式环境。Demo accounts — never use in production.");
    println!("所有演示账号的密码 / password: {DEMO_PASSWORD}");
    for (name, display, role, unit) in DEMO_USERS {
        println!("  {name:<11} {:<10} 单位 {unit:<7} {display}", role.code());
    }
    println!("=============================================================");
}

/// 预警 An emerging cluster for the early-warning page: in the last days, five different
/// (invented) villagers of 清泉村, 清徐县, each come about the same broken water main. Dated from
/// the day the demo is loaded, so the page shows it for the following weeks.
async fn emerging_cluster(store: &Store) -> Result<()> {
    let clerk = store.actor_by_username("clerk").await?;
    let tellings = [
        ("周桂兰", "清泉村自来水管道破裂一个多月没人修，全村三百多户吃不上水，要求水务部门抢修。"),
        ("孙有福", "清泉村停水一个多月了，水管爆了没人来修，300多户人家只能去河里挑水。"),
        ("郭淑芬", "我们清泉村已经停水一个多月，自来水管道破裂，水务部门一直不来抢修。"),
        ("马长海", "清泉村自来水管破了一个多月，村里吃水困难，请水务部门尽快修好管道。"),
        ("冯玉珍", "反映清泉村停水问题：管道破裂一个多月无人维修，三百多户村民吃水难。"),
    ];
    let now = xinfang_store::now();
    for (i, (name, statement)) in tellings.iter().enumerate() {
        let when = now - chrono::Duration::days(6 - i as i64) - chrono::Duration::hours(2);
        let id = demo_id("140121", &format!("19{}0{}2{}", 55 + i * 3, 1 + i, i % 3), 300 + i as u32);
        let phone = format!("139{:08}", 35_130_000 + i as u32);
        let input = RegisterInput {
            channel: "visit".into(),
            received_at: Some(when.into()),
            petition_type: "grievance".into(),
            category: "rural".into(),
            statement: (*statement).into(),
            demands: Some("尽快修复供水管道，恢复供水。".into()),
            place: Place { county: Some("140121".into()), address: Some("清徐县某镇清泉村".into()) },
            petitioners: vec![PetitionerInput { phone: Some(phone), ..person(name, Some(id), None, "140121", false) }],
            ..RegisterInput::default()
        };
        store.register_case_at(&clerk, &input, Some(&format!("demo-cluster-{i}")), when).await?;
    }
    Ok(())
}
