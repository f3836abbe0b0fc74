//! 智能分流: `xinfang triage` on a fresh demo database, and `POST /api/v1/triage` with a token
//! and from the registration page's session.

use serde_json::{json, Value};

use crate::both;
use crate::e2e::harness::Env;

both!(triage_command_and_endpoint, |env: Env| async move {
    let (code, _, err) = env.run(&["demo", "--no-serve"], None);
    assert_eq!(code, 0, "{err}");
    let input = "在小店区北格镇的工地干了半年，包工头拖欠工资\n\n清徐县徐沟镇的房子拆迁了，补偿款一直不给\n";
    let (code, out, err) = env.run(&["triage"], Some(input));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(lines.len(), 3, "one line per input line: {out}");
    assert_eq!(lines[0]["place"], "140105");
    let first = &lines[0]["suggestions"][0];
    assert_eq!(first["category"], "labor");
    assert_eq!(first["unit"], "rsj");
    assert!(first["score"].as_f64().is_some_and(|s| s > 0.0 && s <= 1.0));
    assert_eq!(lines[0]["suggestions"].as_array().map(Vec::len), Some(3));
    let mut keys: Vec<&String> = first.as_object().expect("an object").keys().collect();
    keys.sort();
    assert_eq!(keys, ["category", "score", "unit"], "exactly the documented fields");
    assert_eq!(lines[1], json!({"suggestions": [], "place": null}));
    assert_eq!(lines[2]["place"], "140121");
    assert_eq!(lines[2]["suggestions"][0]["category"], "expropriation");
    assert_eq!(lines[2]["suggestions"][0]["unit"], "140121", "routed by place");

    let s = env.start(false);
    let clerk = s.login("clerk").await;
    let r =
        s.post("/api/v1/triage", &clerk, json!({"statement": "小区暖气不热，供热公司不管", "county": "140106"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["suggestions"][0]["category"], "construction");
    assert_eq!(r.body["suggestions"][0]["unit_name"], "市住建局");
    assert!(r.body["suggestions"][0]["words"].as_array().is_some_and(|w| !w.is_empty()), "{:?}", r.body);
    assert_eq!(r.body["place"], Value::Null);
    let r = s.request("POST", "/api/v1/triage", None, Some(json!({"statement": "工资"})), &[]).await;
    assert_eq!(r.status, 401);
    let r = s.post("/api/v1/triage", &clerk, json!({"text": "工资"})).await;
    assert_eq!(r.status, 422);
    // From the registration page: the session cookie with the page's CSRF token, never without.
    let cookie = format!("xf_session={clerk}");
    let page = s.request("GET", "/cases/new", None, None, &[("cookie", cookie.as_str())]).await;
    let html = page.body.as_str().expect("the page").to_string();
    let at = html.find("data-csrf=\"").expect("the triage panel") + 11;
    let csrf = &html[at..at + html[at..].find('"').expect("end")];
    let body = json!({"statement": "村干部私分集体土地补偿款，村务不公开"});
    let r = s.request("POST", "/api/v1/triage", None, Some(body.clone()), &[("cookie", cookie.as_str())]).await;
    assert_eq!(r.status, 401, "a cookie alone is not enough");
    let r = s
        .request("POST", "/api/v1/triage", None, Some(body), &[("cookie", cookie.as_str()), ("x-csrf-token", csrf)])
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(!r.body["suggestions"].as_array().expect("suggestions").is_empty());
    // The endpoint is in the OpenAPI document.
    let doc = s.request("GET", "/api/v1/openapi.json", None, None, &[]).await;
    assert!(doc.body["paths"]["/api/v1/triage"]["post"].is_object());
});
