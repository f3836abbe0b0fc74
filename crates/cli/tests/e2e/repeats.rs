//! Repeat and near-duplicate detection and early warning through the real binary:
//! `xinfang similarity` over standard input, `GET /api/v1/warnings`, the `/warnings` page.

use crate::e2e::harness::{Backend, Env};
use crate::e2e::ui::{login, page};

#[test]
fn similarity_reads_and_writes_json_lines() {
    let env = Env::new(Backend::Sqlite).unwrap();
    let input = concat!(
        r#"{"a":"幸福村征地每户补偿三万元至今没有发放","b":"幸福村征地补偿，每家30000元，到现在一分没拿到"}"#,
        "\n",
        "not json\n",
        "\n",
        r#"{"a":"红星机械厂拖欠工资十八万元","b":"邻居装修噪音扰民"}"#,
        "\n"
    );
    let (code, out, err) = env.run(&["similarity"], Some(input));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0]["same_matter"], true, "{out}");
    let score = lines[0]["score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score));
    assert!(out.lines().next().unwrap().starts_with(r#"{"score":"#), "{out}");
    assert!(lines[1]["error"].as_str().unwrap().contains("第 2 行"), "{out}");
    assert_eq!(lines[2]["same_matter"], false);
    let (s, same) = xinfang_text::similarity::same_matter("红星机械厂拖欠工资十八万元", "邻居装修噪音扰民");
    assert_eq!((lines[2]["score"].as_f64().unwrap(), same), (s, false), "the decision registration uses");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_over_the_api_and_the_page() {
    let env = Env::new(Backend::Sqlite).unwrap();
    let s = env.start(true);
    // The demo's emerging cluster: five villagers of 清泉村 within days.
    let token = s.login("leader").await;
    let r = s.get("/api/v1/warnings", &token).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["min_people"], 5);
    assert_eq!(r.body["window_days"], 30);
    let clusters = r.body["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 1, "{:?}", r.body);
    assert_eq!(clusters[0]["people"], 5);
    assert_eq!(clusters[0]["shared_kind"], "county");
    assert_eq!(clusters[0]["cases"].as_array().unwrap().len(), 5);
    let r = s.get("/api/v1/warnings?people=6", &token).await;
    assert!(r.body["clusters"].as_array().unwrap().is_empty());
    let r = s.get("/api/v1/warnings?days=abc", &token).await;
    assert_eq!(r.status, 422);
    let doc = s.get("/api/v1/openapi.json", &token).await;
    assert!(doc.body["paths"]["/api/v1/warnings"]["get"].is_object());

    let cookie = login(&s, "leader").await;
    let (status, html) = page(&s, &cookie, "/").await;
    assert_eq!(status, 200);
    assert!(html.contains("href=\"/warnings\""), "the nav links the page for leaders");
    let (status, html) = page(&s, &cookie, "/warnings").await;
    assert_eq!(status, 200);
    assert!(html.contains("清泉村") && html.contains("class=\"people\">5<"), "{html}");
    let first = clusters[0]["cases"][0]["id"].as_i64().unwrap();
    assert!(html.contains(&format!("href=\"/cases/{first}\"")), "each case is linked");
    let (_, html) = page(&s, &cookie, "/warnings?people=6").await;
    assert!(html.contains("id=\"no-warnings\""));
    // Stationed unit staff have no link in the nav.
    let unit = login(&s, "qingxu").await;
    let (_, html) = page(&s, &unit, "/").await;
    assert!(!html.contains("href=\"/warnings\""));
}
