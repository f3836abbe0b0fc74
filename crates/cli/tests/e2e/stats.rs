//! `GET /api/v1/stats` through the real binary: every figure with numerator and denominator,
//! breakdowns, comparisons, scope and the messages for bad input.

use serde_json::{json, Value};

use crate::both;
use crate::e2e::harness::Env;

fn case(channel: &str, headcount: u32, bypass: bool) -> Value {
    json!({
        "channel": channel,
        "received_at": "2019-03-04T09:00:00+08:00",
        "petition_type": "grievance",
        "category": "labor",
        "statement": "某建筑工地拖欠农民工工资。",
        "place": {"county": "140105"},
        "headcount": headcount,
        "bypass": bypass,
        "petitioners": [{"name": "王某", "phone": "0351-4061234", "id_number": "11010519491231002X"}]
    })
}

fn ratio(v: &Value) -> (i64, i64) {
    (v["num"].as_i64().unwrap(), v["den"].as_i64().unwrap())
}

both!(figures_over_the_api, |env: Env| async move {
    let s = env.start(true);
    let clerk = s.login("clerk").await;
    // Two letters received on Monday 2019-03-04 (long before the demo's cases): a group visit of
    // six that bypassed the county, accepted only now (受理告知 was due 2019-03-19: late), with
    // 5 000 fen recovered; and a letter never decided (late too).
    let x = s.post("/api/v1/cases", &clerk, case("visit", 6, true)).await;
    assert_eq!(x.status, 201, "{:?}", x.body);
    let x = x.body["id"].as_i64().unwrap();
    let y = s.post("/api/v1/cases", &clerk, case("letter", 1, false)).await;
    assert_eq!(y.status, 201, "{:?}", y.body);
    s.act_ok(&clerk, x, json!({"action": "accept"})).await;
    s.act_ok(&clerk, x, json!({"action": "record_money", "claimed": 9000, "recovered": 5000})).await;

    let analyst = s.login("analyst").await;
    let r = s.get("/api/v1/stats?from=2019-03-01&to=2019-03-31&by=channel", &analyst).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let f = &r.body["current"]["whole"];
    assert_eq!(f["cases"], 2);
    assert_eq!(ratio(&f["timely_acceptance"]), (0, 2));
    assert_eq!(f["timely_acceptance"]["value"], 0.0);
    assert_eq!(ratio(&f["on_time_reply"]), (0, 0), "x's 办理 is not due yet");
    assert_eq!(f["on_time_reply"]["value"], Value::Null);
    assert_eq!(ratio(&f["rating_participation"]), (0, 0));
    assert_eq!(ratio(&f["resolved_first_time"]), (0, 0));
    assert_eq!(ratio(&f["repeat_rate"]), (0, 2));
    assert_eq!((f["group_visits"].as_i64(), f["group_headcount"].as_i64()), (Some(1), Some(6)));
    assert_eq!((f["bypass_visits"].as_i64(), f["money_recovered"].as_i64()), (Some(1), Some(5000)));
    let groups: Vec<(&str, i64)> = r.body["current"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["figures"]["cases"].as_i64().unwrap()))
        .collect();
    assert_eq!(groups, [("letter", 1), ("visit", 1)]);
    assert_eq!(
        (r.body["previous"]["from"].as_str(), r.body["previous"]["to"].as_str()),
        (Some("2019-01-29"), Some("2019-02-28"))
    );
    assert_eq!(r.body["previous"]["whole"]["cases"], 0);
    assert_eq!(r.body["last_year"]["from"], "2018-03-01");
    assert_eq!(r.body["last_year"]["whole"]["cases"], 0);
    assert_eq!(r.body["by"], "channel");
    let defs = r.body["definitions"].as_array().unwrap();
    assert!(defs.iter().any(|d| d["code"] == "timely_acceptance" && d["formula_zh"].as_str().unwrap().contains("÷")));

    // A unit's staff get their own cases only: these are the bureau's.
    let rsj = s.login("rsj").await;
    let r = s.get("/api/v1/stats?from=2019-03-01&to=2019-03-31", &rsj).await;
    assert_eq!((r.status, r.body["current"]["whole"]["cases"].as_i64()), (200, Some(0)));

    // Bad input: 422 with a message that says what is expected.
    for (q, needle) in [
        ("from=2019-03-01", "to"),
        ("from=2019-3-1x&to=2019-03-31", "YYYY-MM-DD"),
        ("from=2019-03-31&to=2019-03-01", "早于"),
        ("from=2019-03-01&to=2019-03-31&by=county", "unit, channel, category, region"),
    ] {
        let r = s.get(&format!("/api/v1/stats?{q}"), &analyst).await;
        assert_eq!((r.status, r.code()), (422, "invalid_input"), "{q}: {:?}", r.body);
        assert!(r.message().contains(needle), "{q}: {}", r.message());
    }
    let r = s
        .request(
            "GET",
            "/api/v1/stats?from=2019-03-01&to=2019-03-31&by=x",
            Some(&analyst),
            None,
            &[("accept-language", "en")],
        )
        .await;
    assert!(r.message().contains("is not one of"), "{}", r.message());
    let doc = s.get("/api/v1/openapi.json", &analyst).await;
    assert!(doc.body["paths"]["/api/v1/stats"]["get"].is_object());
    let schemas = doc.body["components"]["schemas"].as_object().unwrap();
    for name in ["StatsOut", "PeriodFigures", "Figures", "Ratio", "Group", "GroupBy", "Definition"] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
});
