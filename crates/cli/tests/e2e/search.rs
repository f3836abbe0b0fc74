//! 全文检索 over HTTP: `GET /api/v1/cases?q=…` (ranked, with snippets, combined with filters,
//! scoped) and the search box in the header of every staff page, on the demo data.

use crate::both;
use crate::e2e::harness::Env;
use crate::e2e::ui::{client, login, page};

both!(search_over_the_api_and_the_staff_pages, |env: Env| async move {
    let s = env.start(true);
    let clerk = s.login("clerk").await;
    // The expropriation story speaks of 过渡费; the wage story of 农民工 and 工程款.
    let r = s.get("/api/v1/cases?q=%E8%BF%87%E6%B8%A1%E8%B4%B9", &clerk).await;
    assert_eq!((r.status, r.body["total"].as_i64()), (200, Some(1)), "{}", r.body);
    let snippet = r.body["items"][0]["snippet"].as_array().expect("a snippet").clone();
    assert!(snippet.iter().any(|p| p["hit"] == true && p["text"] == "过渡费"), "{snippet:?}");
    let number = r.body["items"][0]["number"].as_str().unwrap().to_string();
    let wage = s.get("/api/v1/cases?q=农民工 工程款", &clerk).await;
    assert_eq!(wage.body["total"], 1, "{}", wage.body);
    assert_eq!(s.get("/api/v1/cases?q=农民工&category=expropriation", &clerk).await.body["total"], 0);
    assert!(s.get("/api/v1/cases", &clerk).await.body["items"][0].get("snippet").is_none());
    // Scoped: 清徐县's staff do not get 小店区's wage case.
    let qingxu = s.login("qingxu").await;
    assert_eq!(s.get("/api/v1/cases?q=农民工", &qingxu).await.body["total"], 0);
    assert_eq!(s.get("/api/v1/cases?q=过渡费", &qingxu).await.body["total"], 1);
    // Documented.
    let doc = s.request("GET", "/api/v1/openapi.json", None, None, &[]).await.body;
    let params = doc["paths"]["/api/v1/cases"]["get"]["parameters"].as_array().unwrap();
    assert!(params.iter().any(|p| p["name"] == "q" && p["in"] == "query"), "{params:?}");

    // The staff pages: the header's box searches, hits are marked, the data stays text.
    let cookie = login(&s, "clerk").await;
    let (status, home) = page(&s, &cookie, "/cases").await;
    assert_eq!(status, 200);
    assert!(home.contains("<form class=\"jump\" method=\"get\" action=\"/cases\" role=\"search\">"));
    assert!(home.contains("type=\"search\" name=\"q\""));
    let (status, html) = page(&s, &cookie, "/cases?q=%E8%BF%87%E6%B8%A1%E8%B4%B9").await;
    assert_eq!(status, 200);
    assert!(html.contains("<mark>过渡费</mark>"), "{html}");
    assert!(html.contains(&number) && !html.contains("工程款"), "only the matching case");
    assert!(html.contains("value=\"过渡费\""), "the box keeps the words");
    let (_, html) = page(&s, &cookie, "/cases?q=%3Cb%3E%E8%BF%87%E6%B8%A1%E8%B4%B9%3C%2Fb%3E").await;
    assert!(
        html.contains("value=\"&#60;b&#62;过渡费&#60;/b&#62;\"") && !html.contains("<b>过渡费"),
        "typed markup is text"
    );
    // A case number typed exactly opens the case.
    let r = client().get(format!("{}/cases?q={number}", s.base)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/cases/"));
});
