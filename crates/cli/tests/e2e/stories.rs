//! The article's two stories end to end through the API, each step's deadlines checked, and
//! units kept out of each other's cases.

use chrono::NaiveDate;
use serde_json::{json, Value};
use xinfang_core::calendar::Calendar;

use crate::both;
use crate::e2e::harness::{Env, Server};

fn today() -> NaiveDate {
    xinfang_core::case::local_date(chrono::Utc::now())
}

/// A due date counted from today (periods that start with an action taken now).
fn from_today(days: u32) -> String {
    Calendar::shipped().add_days(today(), days).date.to_string()
}

fn dl<'a>(case: &'a Value, name: &str) -> &'a str {
    case["deadlines"][name].as_str().unwrap_or_else(|| panic!("deadline {name} missing in {}", case["deadlines"]))
}

fn id_number(region: &str, birth: &str, seq: u32) -> String {
    let first17 = format!("{region}{birth}{seq:03}");
    format!("{first17}{}", xinfang_core::petitioner::id_check_char(&first17).unwrap())
}

fn farmers(n: usize, representatives: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "name": format!("村民{}", ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸", "子"][i]),
                "id_number": id_number("140121", &format!("19{}0101", 60 + i), 100 + i as u32),
                "phone": format!("1393512{:04}", i),
                "representative": i < representatives,
            })
        })
        .collect()
}

async fn visible(s: &Server, token: &str, id: i64) -> bool {
    let r = s.get(&format!("/api/v1/cases/{id}"), token).await;
    let listed = s.get("/api/v1/cases?per_page=200", token).await;
    let in_list = listed.body["items"].as_array().expect("items").iter().any(|c| c["id"] == id);
    match r.status {
        200 => {
            assert!(in_list, "readable case {id} missing from the list");
            true
        }
        404 => {
            assert!(!in_list, "unreadable case {id} appears in the list");
            false
        }
        other => panic!("unexpected status {other}: {:?}", r.body),
    }
}

both!(demolition_group_visit, |env: Env| async move {
    let s = env.start(true);
    let clerk = s.login("clerk").await;
    let leader = s.login("leader").await;
    let county = s.login("qingxu").await;
    let other_county = s.login("xiaodian").await;
    let assisting = s.login("ghzy").await;

    let mut body = json!({
        "channel": "visit",
        "received_at": "2026-11-20T09:00:00+08:00",
        "petition_type": "grievance",
        "category": "expropriation",
        "statement": "十位村民反映拆迁补偿款和过渡费迟迟没有足额发放。",
        "demands": "尽快足额发放补偿款",
        "place": {"county": "140121", "address": "清徐县某镇某村"},
        "petitioners": farmers(10, 6),
        "headcount": 10,
        "people_affected": 36,
        "leader_reception": true,
        "leader_name": "赵建国"
    });
    // Six representatives: refused, field named.
    let r = s.post("/api/v1/cases", &clerk, body.clone()).await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["error"]["fields"][0]["code"], "too_many_representatives");
    assert!(r.message().contains("不得超过 5 人"), "{}", r.message());

    body["petitioners"] = Value::Array(farmers(10, 5));
    let r = s.post("/api/v1/cases", &clerk, body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let case = r.body;
    let id = case["id"].as_i64().unwrap();
    assert_eq!(case["state"], "registered");
    assert_eq!(case["group"], true);
    assert_eq!(case["headcount"], 10);
    assert_eq!(case["petitioners"].as_array().unwrap().len(), 10);
    assert_eq!(case["petitioners"].as_array().unwrap().iter().filter(|p| p["representative"] == true).count(), 5);
    // Received Fri 2026-11-20; 15 days end Sat 12-05, moved to Mon 12-07.
    assert_eq!(dl(&case, "triage_by"), "2026-12-07");
    assert_eq!(dl(&case, "decide_by"), "2026-12-07");
    let rule = case["deadline_details"].as_array().unwrap().iter().find(|d| d["name"] == "decide_by").unwrap();
    assert!(rule["rule"].as_str().unwrap().contains("15 日，自 2026-11-20 起算"), "{rule}");
    assert!(rule["rule"].as_str().unwrap().contains("顺延至 2026-12-07"), "{rule}");
    // Personal data is masked; the full number appears nowhere in the answer.
    let full = id_number("140121", "19600101", 100);
    assert!(!case.to_string().contains(&full));
    assert_eq!(case["petitioners"][0]["id_number_masked"], format!("140***********{}", &full[14..]));
    assert_eq!(case["petitioners"][0]["phone_masked"], "139****0000");
    assert!(!visible(&s, &other_county, id).await, "another county sees an unrouted case");
    assert!(!visible(&s, &county, id).await, "the county sees the case before it is routed");

    // The leader's instruction at the coordination meeting.
    let case = s.act_ok(&leader, id, json!({"action": "instruct", "text": "责成清徐县60日内给群众答复"})).await;
    assert_eq!(case["events"].as_array().unwrap().len(), 2);

    // Assigned to the county with 自然资源 assisting.
    let case = s.act_ok(&clerk, id, json!({"action": "assign", "lead": "140121", "assisting": ["ghzy"]})).await;
    assert_eq!(case["state"], "routed");
    assert_eq!(case["lead_unit"], "140121");
    assert_eq!(case["assisting_units"], json!(["ghzy"]));
    assert_eq!(dl(&case, "decide_by"), from_today(15));
    assert_eq!(dl(&case, "report_by"), from_today(90));
    assert_eq!(dl(&case, "object_by"), Calendar::shipped().add_working_days(today(), 5).date.to_string());

    // Another county can neither read nor act; an assisting unit reads but does not decide.
    assert!(!visible(&s, &other_county, id).await);
    let r = s.act(&other_county, id, json!({"action": "accept"})).await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    assert!(visible(&s, &assisting, id).await);
    let r = s.act(&assisting, id, json!({"action": "accept"})).await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(r.code(), "forbidden");

    // The county accepts: 60 days to handle.
    assert!(visible(&s, &county, id).await);
    let case = s.act_ok(&county, id, json!({"action": "accept", "note": "县征收办牵头"})).await;
    assert_eq!(case["state"], "accepted");
    assert_eq!(dl(&case, "handle_by"), from_today(60));
    assert!(case["allowed_actions"].as_array().unwrap().contains(&json!("reply")));

    // One extension, at most 30 days, approved and explained.
    let r = s.act(&county, id, json!({"action": "extend", "days": 31, "approver": "县长", "reason": "涉及多户"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["fields"][0]["field"], "days");
    let r = s.act(&county, id, json!({"action": "extend", "days": 30})).await;
    assert_eq!(r.status, 422);
    let fields: Vec<&str> =
        r.body["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["approver", "reason"]);
    let case = s
        .act_ok(&county, id, json!({"action": "extend", "days": 30, "approver": "县长", "reason": "涉及多户核算"}))
        .await;
    assert_eq!(dl(&case, "handle_by"), from_today(90));
    let r = s.act(&county, id, json!({"action": "extend", "days": 5, "approver": "县长", "reason": "再延"})).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "window_closed");

    // Reply; the petitioner is dissatisfied; the leader orders re-handling.
    let reply =
        json!({"action": "reply", "finding": "true", "outcome": "support", "opinion": "补偿款于 30 日内足额发放"});
    let case = s.act_ok(&county, id, reply.clone()).await;
    assert_eq!(case["state"], "replied");
    assert_eq!(dl(&case, "review_request_by"), from_today(30));
    let r = s.act(&clerk, id, json!({"action": "rate", "stage": "unit", "rating": "dissatisfied"})).await;
    assert_eq!(r.status, 422, "a dissatisfied rating needs a reason");
    s.act_ok(
        &clerk,
        id,
        json!({"action": "rate", "stage": "unit", "rating": "dissatisfied", "reason": "发放时间太晚"}),
    )
    .await;
    let case = s.act_ok(&leader, id, json!({"action": "rehandle", "reason": "请缩短发放时间"})).await;
    assert_eq!(case["state"], "accepted");
    assert_eq!(dl(&case, "handle_by"), from_today(60));

    // Second reply, satisfied, closed; nothing more can be asked.
    s.act_ok(&county, id, reply).await;
    s.act_ok(&clerk, id, json!({"action": "rate", "stage": "unit", "rating": "satisfied"})).await;
    let case = s.act_ok(&leader, id, json!({"action": "close", "reason": "信访人满意"})).await;
    assert_eq!(case["state"], "closed");
    assert!(case["next_due"].is_null());
    let r = s.act(&clerk, id, json!({"action": "request_review", "reason": "想复查"})).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "action_not_allowed_in_state");
    assert!(r.message().contains("已终结"), "{}", r.message());
    let kinds: Vec<&str> = case["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "registered",
            "instructed",
            "assigned",
            "accepted",
            "extended",
            "replied",
            "rated",
            "rehandled",
            "replied",
            "rated",
            "closed"
        ]
    );
});

both!(wage_arrears, |env: Env| async move {
    let s = env.start(true);
    let clerk = s.login("clerk").await;
    let leader = s.login("leader").await;
    let rsj = s.login("rsj").await;
    let district = s.login("xiaodian").await;
    let other = s.login("qingxu").await;
    let yuan = |y: i64| y * 100;
    let r = s
        .post(
            "/api/v1/cases",
            &clerk,
            json!({
                "channel": "visit",
                "received_at": "2026-11-23T09:15:00+08:00",
                "petition_type": "grievance",
                "category": "labor",
                "statement": "15名农民工承揽电力工程，工程款及工资共计340万元，只付160万元，剩余180万元（含工资110万元）未付。",
                "place": {"county": "140105"},
                "petitioners": [
                    {"name": "蔡某", "phone": "13603510001", "representative": true},
                    {"name": "钱某", "id_number": id_number("340102", "19900802", 331)}
                ],
                "headcount": 15,
                "money_claimed": yuan(3_400_000),
                "money_paid": yuan(1_600_000)
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    // Received Mon 11-23: 15 days → Tue 12-08.
    assert_eq!(dl(&r.body, "decide_by"), "2026-12-08");
    assert_eq!(r.body["money"]["outstanding"], yuan(1_800_000));

    let case = s.act_ok(&clerk, id, json!({"action": "assign", "lead": "rsj", "assisting": ["zjj", "140105"]})).await;
    assert_eq!(case["state"], "routed");
    assert!(visible(&s, &district, id).await, "an assisting district reads the case");
    assert!(!visible(&s, &other, id).await, "an uninvolved county does not");
    s.act_ok(&rsj, id, json!({"action": "accept"})).await;
    let case = s.act_ok(&rsj, id, json!({"action": "record_money", "recovered": yuan(1_100_000)})).await;
    assert_eq!(
        case["money"],
        json!({"claimed": yuan(3_400_000), "paid": yuan(1_600_000), "recovered": yuan(1_100_000), "outstanding": yuan(700_000)})
    );
    let r = s.act(&rsj, id, json!({"action": "record_money", "recovered": yuan(3_500_000)})).await;
    assert_eq!(r.status, 422, "recovered cannot exceed claimed");
    let r =
        s.act(&rsj, id, json!({"action": "reply", "finding": "true", "outcome": "mediation", "opinion": "调解"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["fields"][0]["field"], "mediation_agreement");
    let case = s
        .act_ok(
            &rsj,
            id,
            json!({"action": "reply", "finding": "true", "outcome": "support", "opinion": "110万元工资已发放到位"}),
        )
        .await;
    assert_eq!(case["state"], "replied");
    let r = s.act(&leader, id, json!({"action": "close"})).await;
    assert_eq!(r.status, 409, "no closing before the review window lapses or the petitioner is satisfied");
    s.act_ok(&clerk, id, json!({"action": "rate", "stage": "unit", "rating": "satisfied"})).await;
    s.act_ok(&clerk, id, json!({"action": "rate", "stage": "bureau", "rating": "basically_satisfied"})).await;
    let r = s.act(&clerk, id, json!({"action": "rate", "stage": "bureau", "rating": "satisfied"})).await;
    assert_eq!(r.status, 409, "a stage is rated once");
    let r = s.act(&clerk, id, json!({"action": "close"})).await;
    assert_eq!(r.status, 403, "closing is for leaders and supervisors");
    let case = s.act_ok(&leader, id, json!({"action": "close", "reason": "工资已追回"})).await;
    assert_eq!(case["state"], "closed");
    assert_eq!(case["money"]["recovered"], yuan(1_100_000));
});

both!(accusation_never_reaches_the_accused, |env: Env| async move {
    let s = env.start(true);
    let clerk = s.login("clerk").await;
    let accused = s.login("zjj").await;
    let r = s
        .post(
            "/api/v1/cases",
            &clerk,
            json!({
                "channel": "letter",
                "petition_type": "accusation",
                "category": "discipline",
                "statement": "检举市住建局某工作人员在验收中收受好处。",
                "accused": {"unit": "zjj", "person": "某科长"},
                "petitioners": [{"name": "匿名检举人", "phone": "13800000001"}]
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    let r = s.act(&clerk, id, json!({"action": "assign", "lead": "zjj"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["fields"][0]["code"], "route_to_accused");
    let r = s.act(&clerk, id, json!({"action": "assign", "lead": "jw", "assisting": ["zjj"]})).await;
    assert_eq!(r.status, 422, "not even as an assisting unit");
    s.act_ok(&clerk, id, json!({"action": "forward", "unit": "jw"})).await;
    assert!(!visible(&s, &accused, id).await, "the accused unit must never see the accusation");
});

both!(demo_data_loads_once_with_full_timelines, |env: Env| async move {
    let cases = {
        let s = env.start(true);
        assert!(s.banner.contains("DEMO ONLY"), "{}", s.banner);
        assert!(s.banner.contains("xinfang-demo"));
        let leader = s.login("leader").await;
        let list = s.get("/api/v1/cases", &leader).await;
        assert_eq!(list.status, 200);
        // The two stories and the five visits of the early-warning cluster.
        assert_eq!(list.body["total"], 7, "{:?}", list.body);
        let items = list.body["items"].as_array().unwrap().clone();
        let demolition = items.iter().find(|c| c["category"] == "expropriation").expect("demolition story");
        let case = s.get(&format!("/api/v1/cases/{}", demolition["id"]), &leader).await.body;
        assert_eq!(case["state"], "accepted");
        assert_eq!(case["leader_reception"], true);
        // Received and assigned Mon 2026-10-12: triage 15 days → Tue 10-27; handling 60 days
        // from the acceptance the same day → Fri 12-11.
        assert_eq!(dl(&case, "triage_by"), "2026-10-27");
        assert_eq!(dl(&case, "handle_by"), "2026-12-11");
        let wages = items.iter().find(|c| c["category"] == "labor").expect("wage story");
        let case = s.get(&format!("/api/v1/cases/{}", wages["id"]), &leader).await.body;
        assert_eq!(case["state"], "closed");
        assert_eq!(case["money"]["outstanding"], 70_000_000, "1.8 million outstanding less 1.1 million recovered");
        assert_eq!(case["events"].as_array().unwrap().len(), 9);
        list.body["total"].clone()
    };
    // Loading again changes nothing.
    let s = env.start(true);
    let leader = s.login("leader").await;
    assert_eq!(s.get("/api/v1/cases", &leader).await.body["total"], cases);
    drop(s);
    let (code, out, err) = env.run(&["audit", "verify"], None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("哈希链校验通过"), "{out}");
});
