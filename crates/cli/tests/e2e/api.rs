//! The API contract: authentication, error shapes and languages, idempotency, OpenAPI, health.

use serde_json::{json, Value};

use crate::both;
use crate::e2e::harness::Env;

pub fn minimal_case() -> Value {
    json!({
        "channel": "phone",
        "petition_type": "suggestion",
        "category": "urban",
        "statement": "建议在小区门口增设垃圾分类投放点。",
        "place": {"county": "140106"},
        "petitioners": [{"name": "王某", "phone": "0351-4061234", "id_number": "11010519491231002X"}]
    })
}

both!(authentication_and_errors, |env: Env| async move {
    let s = env.start(true);
    // No token: 401 in Chinese by default, in English when asked.
    let r = s.request("GET", "/api/v1/cases", None, None, &[]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "unauthenticated");
    assert!(r.message().contains("未登录"), "{}", r.message());
    let r = s.request("GET", "/api/v1/cases", None, None, &[("accept-language", "en-US,en;q=0.9")]).await;
    assert!(r.message().starts_with("Not signed in"), "{}", r.message());
    let r = s.request("GET", "/api/v1/cases", Some("not-a-token"), None, &[]).await;
    assert_eq!(r.status, 401);
    // Wrong password.
    let r = s
        .request("POST", "/api/v1/auth/login", None, Some(json!({"username": "clerk", "password": "nope"})), &[])
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "bad_credentials");
    assert_eq!(r.message(), "用户名或密码不正确");
    let r =
        s.request("POST", "/api/v1/auth/login", None, Some(json!({"username": "nobody", "password": "x"})), &[]).await;
    assert_eq!(r.status, 401, "unknown users answer like wrong passwords");

    let clerk = s.login("clerk").await;
    let me = s.get("/api/v1/me", &clerk).await;
    assert_eq!(me.body, json!({"username": "clerk", "role": "clerk", "unit": "xfj"}));

    // Malformed bodies: 422 with a readable message, never 500.
    for (body, needle) in [
        ("{", "不是有效的 JSON"),
        ("[]", "类型或取值不对"),
        (r#"{"channel":"visit"}"#, "缺少必填字段「petition_type」"),
        (r#"{"channel":"visit","petition_type":"x","category":"labor","statement":"a\u0000b"}"#, "空字符"),
    ] {
        let r = s.raw("POST", "/api/v1/cases", Some(&clerk), body, &[]).await;
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        assert_eq!(r.code(), "invalid_input");
        assert!(r.message().contains(needle), "{body}: {}", r.message());
    }
    // Domain validation lists every bad field.
    let mut bad = minimal_case();
    bad["channel"] = json!("pigeon");
    bad["category"] = json!("nope");
    bad["petitioners"][0]["id_number"] = json!("110105194912310021");
    bad["petitioners"][0]["phone"] = json!("12345");
    let r = s.post("/api/v1/cases", &clerk, bad.clone()).await;
    assert_eq!(r.status, 422);
    let fields: Vec<&str> =
        r.body["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["channel", "category", "petitioners[0].id_number", "petitioners[0].phone"]);
    assert!(r.message().contains("校验位不符"), "{}", r.message());
    let r = s.request("POST", "/api/v1/cases", Some(&clerk), Some(bad), &[("accept-language", "en")]).await;
    assert!(r.message().contains("check digit"), "{}", r.message());

    // Unknown routes, ids and actions.
    let r = s.get("/api/v1/nowhere", &clerk).await;
    assert_eq!((r.status, r.code()), (404, "no_such_route"));
    let r = s.get("/api/v1/cases/abc", &clerk).await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let r = s.get("/api/v1/cases/999999", &clerk).await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let id = s.post("/api/v1/cases", &clerk, minimal_case()).await.body["id"].as_i64().unwrap();
    let r = s.act(&clerk, id, json!({"action": "fly"})).await;
    assert_eq!(r.status, 422);
    assert!(r.message().contains("未知操作「fly」"), "{}", r.message());
    let r =
        s.act(&clerk, id, json!({"action": "reply", "finding": "true", "outcome": "support", "opinion": "x"})).await;
    assert_eq!(r.status, 409);
    assert!(r.message().contains("已登记待分流") && r.message().contains("受理"), "{}", r.message());
    let r = s.act(&clerk, id, json!({"action": "assign", "lead": "140106", "bogus": 1})).await;
    assert_eq!(r.status, 422, "unknown fields are refused: {:?}", r.body);
    let r = s.raw("POST", &format!("/api/v1/cases/{id}/actions"), Some(&clerk), "not json", &[]).await;
    assert_eq!(r.status, 422);

    // Queries.
    for q in ["from=yesterday", "page=-1", "overdue=maybe", "per_page=x"] {
        let r = s.get(&format!("/api/v1/cases?{q}"), &clerk).await;
        assert_eq!(r.status, 422, "{q}: {:?}", r.body);
        assert!(r.message().starts_with("查询参数有误"), "{}", r.message());
    }
    let r = s.get("/api/v1/cases?page=4294967295&per_page=100000", &clerk).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["per_page"], 200);
    assert_eq!(r.body["items"], json!([]));

    // Roles that must not register.
    for user in ["analyst", "admin", "lawyer"] {
        let t = s.login(user).await;
        let r = s.post("/api/v1/cases", &t, minimal_case()).await;
        assert_eq!(r.status, 403, "{user}: {:?}", r.body);
    }
    // Logout revokes the token.
    let r = s.request("POST", "/api/v1/auth/logout", Some(&clerk), None, &[]).await;
    assert_eq!(r.status, 204);
    assert_eq!(s.get("/api/v1/me", &clerk).await.status, 401);
});

both!(idempotent_registration_and_reveal, |env: Env| async move {
    let s = env.start(true);
    let clerk = s.login("clerk").await;
    let key = [("idempotency-key", "form-7f3a")];
    let first = s.request("POST", "/api/v1/cases", Some(&clerk), Some(minimal_case()), &key).await;
    assert_eq!(first.status, 201);
    let again = s.request("POST", "/api/v1/cases", Some(&clerk), Some(minimal_case()), &key).await;
    assert_eq!(again.status, 200);
    assert_eq!(first.body["id"], again.body["id"]);
    assert_eq!(first.body["number"], again.body["number"]);
    let other = s.request("POST", "/api/v1/cases", Some(&clerk), Some(minimal_case()), &[]).await;
    assert_eq!(other.status, 201);
    assert_ne!(other.body["id"], first.body["id"]);
    let list = s.get("/api/v1/cases?category=urban", &clerk).await;
    assert_eq!(list.body["total"], 2, "{:?}", list.body);
    // The same person again: the API lists the earlier cases with why they matched.
    let r = s.post("/api/v1/cases/repeats", &clerk, minimal_case()).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let found = r.body.as_array().unwrap();
    assert_eq!(found.len(), 2);
    assert!(found[0]["reasons"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().starts_with("身份证号码相同")));

    // Masked by default; revealing is allowed for the clerk, refused for the analyst.
    let case = first.body;
    let id = case["id"].as_i64().unwrap();
    let pid = case["petitioners"][0]["id"].as_i64().unwrap();
    assert_eq!(case["petitioners"][0]["id_number_masked"], "110***********002X");
    assert_eq!(case["petitioners"][0]["phone_masked"], "0351-***1234");
    let path = format!("/api/v1/cases/{id}/petitioners/{pid}/reveal");
    let r = s.post(&path, &clerk, json!({"field": "id_number"})).await;
    assert_eq!(r.body["value"], "11010519491231002X", "{:?}", r.body);
    let r = s.post(&path, &clerk, json!({"field": "phone"})).await;
    assert_eq!(r.body["value"], "0351-4061234");
    let r = s.post(&path, &clerk, json!({"field": "password"})).await;
    assert_eq!(r.status, 422);
    let analyst = s.login("analyst").await;
    let r = s.post(&path, &analyst, json!({"field": "id_number"})).await;
    assert_eq!(r.status, 403);
    let seen = s.get(&format!("/api/v1/cases/{id}"), &analyst).await;
    assert_eq!(seen.body["petitioners"][0]["name"], "王*", "analysts see names masked");
    let county = s.login("qingxu").await;
    let r = s.post(&path, &county, json!({"field": "id_number"})).await;
    assert_eq!(r.status, 404, "a unit that cannot see the case cannot reveal its data");
});

both!(openapi_health_and_config, |env: Env| async move {
    let s = env.start(true);
    let r = s.request("GET", "/healthz", None, None, &[]).await;
    assert_eq!((r.status, r.body.as_str()), (200, Some("ok")));
    let r = s.request("GET", "/readyz", None, None, &[]).await;
    assert_eq!((r.status, r.body.as_str()), (200, Some("ready")));
    let doc = s.request("GET", "/api/v1/openapi.json", None, None, &[]).await.body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().unwrap();
    for (p, m) in [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/cases", "post"),
        ("/api/v1/cases", "get"),
        ("/api/v1/cases/repeats", "post"),
        ("/api/v1/cases/{id}/attachments", "post"),
        ("/api/v1/cases/{id}/attachments", "get"),
        ("/api/v1/cases/{id}/attachments/{aid}", "get"),
        ("/api/v1/cases/{id}", "get"),
        ("/api/v1/cases/{id}/actions", "post"),
        ("/api/v1/cases/{id}/petitioners/{pid}/reveal", "post"),
        ("/api/v1/units", "get"),
        ("/api/v1/categories", "get"),
        ("/api/v1/calendar", "get"),
        ("/api/v1/outbox", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
    ] {
        assert!(paths.get(p).and_then(|x| x.get(m)).is_some(), "{m} {p} missing from the OpenAPI document");
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in ["RegisterInput", "CaseView", "Command", "ErrorResponse"] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    let leader = s.login("leader").await;
    let units = s.get("/api/v1/units", &leader).await.body;
    assert_eq!(units.as_array().unwrap().len(), 22);
    let cats = s.get("/api/v1/categories", &leader).await.body;
    let labor = cats.as_array().unwrap().iter().find(|c| c["code"] == "labor").unwrap();
    assert_eq!(labor["default_unit"], "rsj");
    let cal = s.get("/api/v1/calendar", &leader).await.body;
    assert!(cal.as_array().unwrap().iter().any(|y| y["year"] == 2026 && y["source"] == "notice"));
});
