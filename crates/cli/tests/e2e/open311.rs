//! Open311 GeoReport v2, tested from the specification's text (wiki.open311.org/GeoReport_v2;
//! the section each check comes from is named beside it), the `servicerequestupdates` extension,
//! and the PyPI `georeport` client against the running server.

use std::process::Command;

use serde_json::{json, Value};

use crate::both;
use crate::e2e::harness::{Env, Server};

/// An answer as text, with its status and Content-Type.
struct Answer {
    status: u16,
    content_type: String,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    /// "Errors": `[{"code": …, "description": …}]`, the code matching the HTTP status.
    fn assert_error(&self, status: u16, needle: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        let body = self.json();
        let errors = body.as_array().unwrap_or_else(|| panic!("errors are an array: {}", self.text));
        assert!(!errors.is_empty());
        assert_eq!(errors[0]["code"], json!(status), "{}", self.text);
        let all: Vec<&str> = errors.iter().filter_map(|e| e["description"].as_str()).collect();
        assert!(all.iter().any(|d| d.contains(needle)), "{needle} not in {all:?}");
    }
}

async fn call(s: &Server, method: &str, path: &str, form: Option<&[(&str, &str)]>) -> Answer {
    let http = reqwest::Client::new();
    let mut req = http.request(method.parse().expect("method"), format!("{}{path}", s.base));
    if let Some(pairs) = form {
        // "POST Service Request: Content-Type: application/x-www-form-urlencoded"
        req = req.form(pairs);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    Answer { status, content_type, text: resp.text().await.expect("body") }
}

const NAME_FAMILY: &str = "欧阳";
const NAME_GIVEN: &str = "小梅";
const PHONE: &str = "13812345678";
const STATEMENT: &str = "小区门口违建占道，请城管部门依法查处（测试用陈述）";
const ADDRESS: &str = "小店区示例路 88 号";

fn new_key(env: &Env) -> String {
    let (code, out, err) = env.run(&["open311", "key", "add", "城市服务 App"], None);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("只显示这一次"), "{err}");
    let key = out.trim().to_string();
    assert_eq!(key.len(), 64, "{out}");
    key
}

both!(georeport_v2_from_the_specification, |env: Env| async move {
    let s = env.start(true);
    let key = new_key(&env);
    let mut public: Vec<String> = Vec::new();

    // Service Discovery: both formats, the specification's URL, the endpoint's formats.
    let d = call(&s, "GET", "/open311/v2/discovery.json", None).await;
    assert_eq!((d.status, d.content_type.as_str()), (200, "application/json; charset=utf-8"));
    let dj = d.json();
    let ep = &dj["endpoints"][0];
    assert_eq!(ep["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert!(ep["url"].as_str().unwrap().ends_with("/open311/v2"), "{dj}");
    assert_eq!(ep["formats"], json!(["text/xml", "application/json"]));
    assert!(dj["changeset"].as_str().unwrap().contains('T'));
    let dx = call(&s, "GET", "/open311/v2/discovery.xml", None).await;
    assert_eq!(dx.content_type, "text/xml; charset=utf-8");
    assert!(dx.text.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"), "{}", dx.text);
    assert!(
        dx.text.contains("<discovery>")
            && dx.text.contains("<endpoint>")
            && dx.text.contains("<format>application/json</format>")
    );

    // GET Service List: one service per category; "metadata" true (a definition follows), "realtime".
    let sv = call(&s, "GET", "/open311/v2/services.json?jurisdiction_id=", None).await;
    assert_eq!(sv.status, 200);
    let services = sv.json();
    let urban = services.as_array().unwrap().iter().find(|x| x["service_code"] == "urban").expect("urban");
    assert_eq!(urban["service_name"], "城市管理");
    assert_eq!((urban["metadata"].clone(), urban["type"].clone()), (json!(true), json!("realtime")));
    let sx = call(&s, "GET", "/open311/v2/services.xml", None).await;
    assert!(sx.text.contains("<services>") && sx.text.contains("<service_code>urban</service_code>"), "{}", sx.text);

    // GET Service Definition: attributes with singlevaluelist values; 404 for an unknown code.
    let def = call(&s, "GET", "/open311/v2/services/urban.json", None).await.json();
    assert_eq!(def["service_code"], "urban");
    let county = def["attributes"].as_array().unwrap().iter().find(|a| a["code"] == "county").expect("county");
    assert_eq!((county["datatype"].clone(), county["required"].clone()), (json!("singlevaluelist"), json!(true)));
    assert!(county["values"].as_array().unwrap().iter().any(|v| v["key"] == "140105" && v["name"] == "小店区"));
    let defx = call(&s, "GET", "/open311/v2/services/urban.xml", None).await;
    assert!(
        defx.text.contains("<service_definition>")
            && defx.text.contains("<attribute>")
            && defx.text.contains("<value>")
    );
    call(&s, "GET", "/open311/v2/services/potholes.json", None).await.assert_error(404, "potholes");
    let e = call(&s, "GET", "/open311/v2/services/potholes.xml", None).await;
    assert_eq!(e.status, 404);
    assert!(
        e.text.contains("<errors>") && e.text.contains("<error>") && e.text.contains("<code>404</code>"),
        "{}",
        e.text
    );

    // POST Service Request. "403 - Missing or Invalid API Key".
    let mut form: Vec<(&str, &str)> = vec![
        ("jurisdiction_id", "taiyuan"),
        ("service_code", "urban"),
        ("lat", "37.8571"),
        ("long", "112.5649"),
        ("address_string", ADDRESS),
        ("first_name", NAME_GIVEN),
        ("last_name", NAME_FAMILY),
        ("phone", PHONE),
        ("email", "someone@example.org"),
        ("device_id", "tt222111"),
        ("description", STATEMENT),
        ("attribute[county]", "140105"),
    ];
    call(&s, "POST", "/open311/v2/requests.json", Some(&form)).await.assert_error(403, "api_key");
    let bad: Vec<(&str, &str)> = form.iter().copied().chain([("api_key", "not-a-key")]).collect();
    call(&s, "POST", "/open311/v2/requests.json", Some(&bad)).await.assert_error(403, "api_key");
    let e = call(&s, "POST", "/open311/v2/requests.xml", Some(&bad)).await;
    assert_eq!(e.status, 403);
    assert!(e.text.contains("<errors>") && e.text.contains("<code>403</code>"), "{}", e.text);
    form.push(("api_key", &key));
    // "400 - service_code … was not provided"; "404 - service_code … was not found".
    let without = |name: &str| form.iter().copied().filter(|(k, _)| *k != name).collect::<Vec<_>>();
    call(&s, "POST", "/open311/v2/requests.json", Some(&without("service_code")))
        .await
        .assert_error(400, "service_code");
    let mut unknown = without("service_code");
    unknown.push(("service_code", "potholes"));
    call(&s, "POST", "/open311/v2/requests.json", Some(&unknown)).await.assert_error(404, "potholes");
    // "A full location parameter must be submitted."
    let no_location: Vec<(&str, &str)> =
        form.iter().copied().filter(|(k, _)| !["lat", "long", "address_string"].contains(k)).collect();
    call(&s, "POST", "/open311/v2/requests.json", Some(&no_location)).await.assert_error(400, "address_string");
    // Registration's own rules come back as 400 with the Open311 parameter named.
    let mut bad_county = without("attribute[county]");
    bad_county.push(("attribute[county]", "999999"));
    call(&s, "POST", "/open311/v2/requests.json", Some(&bad_county)).await.assert_error(400, "attribute[county]");
    let anonymous: Vec<(&str, &str)> =
        form.iter().copied().filter(|(k, _)| !["first_name", "last_name", "phone"].contains(k)).collect();
    call(&s, "POST", "/open311/v2/requests.json", Some(&anonymous)).await.assert_error(400, "first_name");

    // Success: the case number as service_request_id, a token, a notice with the query code.
    let r = call(&s, "POST", "/open311/v2/requests.json", Some(&form)).await;
    assert_eq!((r.status, r.content_type.as_str()), (200, "application/json; charset=utf-8"), "{}", r.text);
    let created = r.json();
    let id = created[0]["service_request_id"].as_str().expect("service_request_id").to_string();
    let token = created[0]["token"].as_str().expect("token").to_string();
    assert_eq!(created[0]["account_id"], Value::Null);
    let notice = created[0]["service_notice"].as_str().unwrap();
    assert!(notice.contains(&id) && notice.contains("查询码"), "{notice}");
    let query_code = notice.split("查询码 ").nth(1).and_then(|t| t.split('（').next()).unwrap().trim().to_string();
    assert!(!query_code.is_empty(), "{notice}");

    // GET Service Request: one request, JSON and XML; w3 dates; expected_datetime from the clock.
    let one = call(&s, "GET", &format!("/open311/v2/requests/{id}.json"), None).await;
    assert_eq!(one.status, 200, "{}", one.text);
    public.push(one.text.clone());
    let req = one.json()[0].clone();
    assert_eq!(req["service_request_id"], json!(id));
    assert_eq!((req["status"].clone(), req["service_code"].clone()), (json!("open"), json!("urban")));
    assert_eq!(req["service_name"], "城市管理");
    assert_eq!(req["status_notes"], "已收到，待分流转办");
    assert_eq!(req["address"], "小店区", "the county only");
    assert_eq!(req["description"], Value::Null);
    assert!(req["requested_datetime"].as_str().unwrap().ends_with("+08:00"), "{req}");
    let expected = req["expected_datetime"].as_str().expect("expected_datetime while open");
    assert!(expected.ends_with("T23:59:59+08:00"), "{expected}");
    let onex = call(&s, "GET", &format!("/open311/v2/requests/{id}.xml"), None).await;
    assert!(
        onex.text.contains("<service_requests>")
            && onex.text.contains(&format!("<service_request_id>{id}</service_request_id>"))
    );
    public.push(onex.text.clone());
    call(&s, "GET", "/open311/v2/requests/2026-999999.json", None).await.assert_error(404, "");

    // GET service_request_id from a token.
    let t = call(&s, "GET", &format!("/open311/v2/tokens/{token}.json"), None).await.json();
    assert_eq!(t, json!([{"service_request_id": id, "token": token}]));
    call(&s, "GET", "/open311/v2/tokens/nope.json", None).await.assert_error(404, "");

    // An accusation (检举控告) may be posted, anonymously, and is never shown.
    let accusation: Vec<(&str, &str)> = vec![
        ("api_key", &key),
        ("service_code", "discipline"),
        ("address_string", "某单位"),
        ("description", "举报某干部违规收受礼金"),
        ("attribute[petition_type]", "accusation"),
    ];
    let a = call(&s, "POST", "/open311/v2/requests.json", Some(&accusation)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let secret = a.json()[0]["service_request_id"].as_str().unwrap().to_string();
    let secret_token = a.json()[0]["token"].as_str().unwrap().to_string();
    call(&s, "GET", &format!("/open311/v2/requests/{secret}.json"), None).await.assert_error(404, "");
    call(&s, "GET", &format!("/open311/v2/tokens/{secret_token}.json"), None).await.assert_error(404, "");

    // GET Service Requests: only requests posted through Open311 (the demo's cases are not), and
    // never the accusation; the filters of the specification.
    let all = call(&s, "GET", "/open311/v2/requests.json", None).await;
    public.push(all.text.clone());
    let ids = |a: &Answer| -> Vec<String> {
        a.json().as_array().unwrap().iter().map(|r| r["service_request_id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids(&all), vec![id.clone()]);
    let q = |query: &str| format!("/open311/v2/requests.json?{query}");
    assert_eq!(ids(&call(&s, "GET", &q("service_code=labor,civil"), None).await), Vec::<String>::new());
    assert_eq!(ids(&call(&s, "GET", &q("service_code=labor&service_code=urban"), None).await), vec![id.clone()]);
    assert_eq!(ids(&call(&s, "GET", &q("status=closed"), None).await), Vec::<String>::new());
    assert_eq!(ids(&call(&s, "GET", &q("status=open,closed"), None).await), vec![id.clone()]);
    // "service_request_id … This overrides all other arguments."
    let both_ids = format!("service_request_id={id},{secret},2026-999999&status=closed");
    assert_eq!(ids(&call(&s, "GET", &q(&both_ids), None).await), vec![id.clone()]);
    // "start_date … may not span more than 90 days"; dates "Must use w3 format".
    assert_eq!(ids(&call(&s, "GET", &q("start_date=2000-01-01T00:00:00Z"), None).await), Vec::<String>::new());
    let span = q("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z");
    call(&s, "GET", &span, None).await.assert_error(400, "90");
    call(&s, "GET", &q("start_date=yesterday"), None).await.assert_error(400, "start_date");
    call(&s, "GET", &q("status=pending"), None).await.assert_error(400, "pending");
    let listx = call(&s, "GET", "/open311/v2/requests.xml?status=open", None).await;
    assert!(listx.text.contains("<service_requests>") && listx.text.contains("<request>"), "{}", listx.text);
    public.push(listx.text.clone());

    // Staff handle the case: the public status follows (accepted: open; replied: closed).
    let clerk = s.login("clerk").await;
    let cases = s.get("/api/v1/cases?channel=web&per_page=200", &clerk).await;
    let case_id = cases.body["items"].as_array().unwrap().iter().find(|c| c["number"] == json!(id)).expect("the case")
        ["id"]
        .as_i64()
        .unwrap();
    s.act_ok(&clerk, case_id, json!({"action": "accept"})).await;
    let one = call(&s, "GET", &format!("/open311/v2/requests/{id}.json"), None).await;
    public.push(one.text.clone());
    let req = one.json()[0].clone();
    assert_eq!((req["status"].clone(), req["status_notes"].clone()), (json!("open"), json!("已受理，正在办理")));
    assert!(req["agency_responsible"].is_string(), "{req}");
    let reply = json!({"action": "reply", "finding": "true", "outcome": "support", "opinion": "已责令欧阳小梅所反映的违建限期拆除"});
    s.act_ok(&clerk, case_id, reply).await;
    let one = call(&s, "GET", &format!("/open311/v2/requests/{id}.json"), None).await;
    public.push(one.text.clone());
    let req = one.json()[0].clone();
    assert_eq!(req["status"], "closed");
    assert_eq!(req["expected_datetime"], Value::Null, "nothing is due once answered");
    assert_eq!(ids(&call(&s, "GET", &q("status=closed"), None).await), vec![id.clone()]);

    // servicerequestupdates: registered (open), accepted (open), replied (closed).
    let u = call(&s, "GET", "/open311/v2/servicerequestupdates.json", None).await;
    assert_eq!(u.status, 200, "{}", u.text);
    public.push(u.text.clone());
    let updates = u.json();
    let ours: Vec<&Value> =
        updates.as_array().unwrap().iter().filter(|x| x["service_request_id"] == json!(id)).collect();
    let statuses: Vec<&str> = ours.iter().map(|x| x["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["open", "open", "closed"], "{updates}");
    assert_eq!(ours[2]["description"], "已出具处理意见");
    assert!(ours.iter().all(|x| x["update_id"].as_str().unwrap().starts_with(&id)));
    assert!(updates.as_array().unwrap().iter().all(|x| x["service_request_id"] != json!(secret)));
    let ux = call(&s, "GET", "/open311/v2/servicerequestupdates.xml?start_date=2000-01-01T00:00:00Z", None).await;
    assert!(ux.text.contains("<service_request_updates"), "{}", ux.text);

    // No personal data in any public answer: not the name, the phone, the address, the
    // statement, the staff's opinion, nor the query code.
    for text in &public {
        for needle in
            [NAME_GIVEN, NAME_FAMILY, PHONE, "5678", ADDRESS, "示例路", "违建占道", "限期拆除", query_code.as_str()]
        {
            assert!(!text.contains(needle), "«{needle}» in a public answer: {text}");
        }
    }

    // Unknown resources answer in the specification's error shape.
    call(&s, "GET", "/open311/v2/potholes.json", None).await.assert_error(404, "discovery");
    // An unknown format answers in XML, the required format.
    let csv = call(&s, "GET", "/open311/v2/services.csv", None).await;
    assert_eq!((csv.status, csv.content_type.as_str()), (400, "text/xml; charset=utf-8"));
    assert!(csv.text.contains("<code>400</code>") && csv.text.contains(".json"), "{}", csv.text);

    // Keys: listed without the key, revoked, then refused; every step audited.
    let (code, list, _) = env.run(&["open311", "key", "list"], None);
    assert_eq!(code, 0);
    assert!(list.contains("城市服务 App") && !list.contains(&key), "{list}");
    let key_id = list.split('\t').next().unwrap().trim().to_string();
    let (code, out, err) = env.run(&["open311", "key", "revoke", &key_id], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已停用"), "{out}");
    call(&s, "POST", "/open311/v2/requests.json", Some(&form)).await.assert_error(403, "api_key");
    let (code, out, _) = env.run(&["audit", "verify"], None);
    assert_eq!(code, 0, "{out}");

    // The OpenAPI document lists the Open311 paths.
    let doc = s.request("GET", "/api/v1/openapi.json", None, None, &[]).await.body;
    for path in [
        "/open311/v2/requests.{format}",
        "/open311/v2/servicerequestupdates.{format}",
        "/open311/v2/tokens/{token}.{format}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
    }
});

/// The interpreter of the virtualenv with the PyPI `georeport` client, from
/// `XINFANG_TEST_GEOREPORT_PYTHON` (set by .ci/run). Without it the test says SKIPPED — except
/// in CI, where it must run.
fn georeport_python() -> Option<String> {
    match std::env::var("XINFANG_TEST_GEOREPORT_PYTHON") {
        Ok(p) if !p.is_empty() && std::path::Path::new(&p).exists() => Some(p),
        _ => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!(
                    "XINFANG_TEST_GEOREPORT_PYTHON is not set in CI: the georeport client test must run (see .ci/run)"
                );
            }
            eprintln!("SKIPPED: georeport client test (set XINFANG_TEST_GEOREPORT_PYTHON to a python with `pip install georeport`)");
            None
        }
    }
}

/// The `georeport` client from PyPI lists the services, posts a request and reads it back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn georeport_client_from_pypi() {
    let Some(python) = georeport_python() else { return };
    let env = Env::new(crate::e2e::harness::Backend::Sqlite).expect("env");
    let s = env.start(true);
    let key = new_key(&env);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/georeport_client.py");
    let out = Command::new(python)
        .arg(script)
        .arg(format!("{}/open311/v2", s.base))
        .arg(&key)
        .output()
        .expect("run the georeport client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "georeport client failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("OK"), "{stdout}");
}
