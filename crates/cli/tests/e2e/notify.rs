//! Messages to petitioners from a running server: through the log channel (the default; the text
//! is in the server's log), and through an SMS gateway over HTTP that fails the first attempt of
//! each message — delivered on the retry, the gateway's message id recorded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{json, Value};

use crate::both;
use crate::e2e::admin;
use crate::e2e::harness::{Env, Server, DEMO_PASSWORD};

const PHONE: &str = "13700001234";

/// The API tests' case, with a mobile number (a landline takes no text messages).
fn case_with_mobile() -> Value {
    let mut case = crate::e2e::api::minimal_case();
    case["petitioners"] = json!([{"name": "王某", "phone": PHONE}]);
    case
}

async fn register(s: &Server) -> (i64, String) {
    let clerk = s.login("clerk").await;
    let r = s.post("/api/v1/cases", &clerk, case_with_mobile()).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    (r.body["id"].as_i64().expect("id"), r.body["number"].as_str().expect("number").to_string())
}

both!(the_log_channel_writes_each_message, |env: Env| async move {
    let s =
        env.start_with(true, &["--log", "info", "--worker-interval", "1", "--public-url", "http://xf.example/portal"]);
    let (id, number) = register(&s).await;
    let line = s
        .log_line(&["xinfang::notify", "kind=registered", &number], 15)
        .await
        .unwrap_or_else(|| panic!("no message for {number} in the log:\n{}", s.log()));
    assert!(line.contains("137****1234"), "the recipient masked: {line}");
    assert!(!line.contains(PHONE), "never the whole number: {line}");
    assert!(line.contains("您的信访事项已登记"), "{line}");
    // Marked sent, through the log channel.
    let admin = s.login("admin").await;
    let page = s.get(&format!("/api/v1/outbox?case_id={id}"), &admin).await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    let m = &page.body["items"][0];
    assert_eq!((m["status"].as_str(), m["provider"].as_str()), (Some("sent"), Some("log")), "{m}");
    assert_eq!(m["recipient_masked"], "137****1234");
    // Not for unit staff.
    let unit = s.login("xiaodian").await;
    assert_eq!(s.get("/api/v1/outbox", &unit).await.status, 403);
    // The administrator's page lists it, masked, with its case.
    let cookie = admin::login(&s, "admin", DEMO_PASSWORD).await;
    let (status, html) = admin::page(&s, &cookie, "/admin/outbox?status=sent").await;
    assert_eq!(status, 200);
    assert!(html.contains(&number) && html.contains("137****1234") && html.contains("登记告知"), "{html}");
    assert!(!html.contains(PHONE));
    let (_, overview) = admin::page(&s, &cookie, "/admin").await;
    assert!(overview.contains("/admin/outbox"));
});

/// A gateway that refuses the first request of each message (by its `ref`) and accepts the next.
#[derive(Clone, Default)]
struct Gateway {
    tries: Arc<Mutex<HashMap<String, u32>>>,
    accepted: Arc<Mutex<Vec<(Value, String)>>>,
}

async fn gateway(State(g): State<Gateway>, headers: HeaderMap, body: String) -> (StatusCode, String) {
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let key = v["ref"].as_str().unwrap_or("").to_string();
    let n = {
        let mut tries = g.tries.lock().unwrap();
        let n = tries.entry(key.clone()).or_insert(0);
        *n += 1;
        *n
    };
    if n == 1 {
        return (StatusCode::INTERNAL_SERVER_ERROR, "busy".into());
    }
    let auth = headers.get("authorization").and_then(|h| h.to_str().ok()).unwrap_or("").to_string();
    g.accepted.lock().unwrap().push((v, auth));
    (StatusCode::OK, json!({"code": 0, "data": {"msgId": format!("gw-{key}")}}).to_string())
}

both!(the_http_gateway_is_retried_until_it_accepts, |env: Env| async move {
    let g = Gateway::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/sms", listener.local_addr().expect("addr"));
    let app = axum::Router::new().route("/sms", post(gateway)).with_state(g.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let template = r#"{"to":"{phone}","content":"【{sign}】{text}","ref":"{id}"}"#;
    let s = env.start_with(
        true,
        &[
            "--worker-interval",
            "1",
            "--retry-first",
            "1",
            "--notify-sms",
            "http",
            "--sms-url",
            &url,
            "--sms-template",
            template,
            "--sms-sign",
            "某市信访局",
            "--sms-token",
            "secret-token",
            "--sms-id-field",
            "data.msgId",
        ],
    );
    let (id, number) = register(&s).await;
    let admin = s.login("admin").await;
    let mut message = Value::Null;
    for _ in 0..150 {
        let page = s.get(&format!("/api/v1/outbox?case_id={id}"), &admin).await;
        message = page.body["items"][0].clone();
        if message["status"] == "sent" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(message["status"], "sent", "{message}");
    assert_eq!(message["attempts"], 2, "refused once, accepted on the retry: {message}");
    assert_eq!(message["provider"], "http");
    assert_eq!(message["provider_message_id"], format!("gw-{}", message["id"]));
    assert!(message["last_error"].is_null());
    let accepted = g.accepted.lock().unwrap().clone();
    let (body, auth) = accepted
        .iter()
        .find(|(b, _)| b["content"].as_str().is_some_and(|c| c.contains(&number)))
        .expect("the gateway got the message");
    assert_eq!(body["to"], PHONE);
    assert!(body["content"].as_str().unwrap_or("").starts_with("【某市信访局】您的信访事项已登记"), "{body}");
    assert_eq!(auth, "Bearer secret-token");
});
