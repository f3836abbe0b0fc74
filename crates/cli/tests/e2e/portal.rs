//! The public portal over plain HTTP: the form's double-submit token, the one-time code, filing
//! with files, the query code shown once, a second submission of the same form, tracking with
//! its limits and messages in the petitioner's language. (The browser test walks it in Chromium.)

use reqwest::multipart::{Form, Part};

use crate::e2e::harness::{Backend, Env, Server};

use crate::e2e::ui::{client, csrf_of, login, page};

fn between<'a>(html: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = html.find(start)? + start.len();
    Some(&html[i..i + html[i..].find(end)?])
}

/// The filing form: its token and the cookie that must come back with it.
async fn form(s: &Server) -> (String, String) {
    let r = client().get(format!("{}/portal/file", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let html = r.text().await.unwrap();
    let token = between(&html, "name=\"_form\" value=\"", "\"").expect("form token").to_string();
    assert!(cookie.ends_with(&token), "{cookie} / {token}");
    (token, cookie)
}

const STATEMENT: &str = "小区物业公司拖欠我们保安队三个月工资，多次讨要无果。";

fn filing(token: &str, phone: &str, code: &str, statement: &str) -> Form {
    Form::new()
        .text("_form", token.to_string())
        .text("step", "submit")
        .text("petition_type", "grievance")
        .text("category", "labor")
        .text("statement", statement.to_string())
        .text("county", "140106")
        .text("name", "网上甲")
        .text("phone", phone.to_string())
        .text("code", code.to_string())
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

#[tokio::test]
async fn portal_filing_over_http() {
    let env = Env::new(Backend::Sqlite).expect("sqlite");
    let s = env.start(true);
    let home = client().get(format!("{}/portal", s.base)).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert!(home.headers()["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    assert!(home.text().await.unwrap().contains("网上信访"));

    // Without the form's cookie nothing is sent or filed.
    let r = client()
        .post(format!("{}/portal/code", s.base))
        .form(&[("_form", "forged"), ("phone", "13803510123")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["ok"], false);

    let (token, cookie) = form(&s).await;
    let r = client()
        .post(format!("{}/portal/code", s.base))
        .header("cookie", &cookie)
        .form(&[("_form", token.as_str()), ("phone", "138 0351 0123")])
        .send()
        .await
        .unwrap();
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["ok"], true, "{j}");
    assert!(j["message"].as_str().unwrap().contains("138****0123"), "{j}");
    let sms = s.log_line(&["138****0123", "phone_code"], 10).await.expect("the code's text message");
    let code: String = sms.split("验证码").nth(1).unwrap().chars().filter(|c| c.is_ascii_digit()).take(6).collect();
    // Again within the minute: refused, with the wait.
    let r = client()
        .post(format!("{}/portal/code", s.base))
        .header("cookie", &cookie)
        .form(&[("_form", token.as_str()), ("phone", "13803510123")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);

    // A missing statement: the form again, as typed, with the error at its field.
    let bad = filing(&token, "13803510123", &code, "  ");
    let r =
        client().post(format!("{}/portal/file", s.base)).header("cookie", &cookie).multipart(bad).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"网上甲\""), "the name is kept");
    assert!(html.contains("field-error"), "{html}");

    // Filed with a photo: the number and the query code, shown once and never cached.
    let ok =
        filing(&token, "13803510123", &code, STATEMENT).part("file", Part::bytes(PNG.to_vec()).file_name("欠条.png"));
    let r =
        client().post(format!("{}/portal/file", s.base)).header("cookie", &cookie).multipart(ok).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let cookies: Vec<String> =
        r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("xf_portal=") && c.contains("HttpOnly")), "{cookies:?}");
    let html = r.text().await.unwrap();
    let number = between(&html, "id=\"filed-number\">", "<").expect("number").to_string();
    let query = between(&html, "id=\"filed-code\">", "<").expect("query code").to_string();
    assert!(html.contains("欠条.png"), "the file is listed");
    // The same form again (a double tap): the same case, and no code this time.
    let again = filing(&token, "13803510123", &code, STATEMENT);
    let r = client()
        .post(format!("{}/portal/file", s.base))
        .header("cookie", &cookie)
        .multipart(again)
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert_eq!(between(&html, "id=\"filed-number\">", "<"), Some(number.as_str()));
    assert!(!html.contains("filed-code"), "the query code is shown once");

    // The bureau has it: a web case by the portal's account, with the photo.
    let clerk = s.login("clerk").await;
    let list = s.get("/api/v1/cases?channel=web&per_page=100", &clerk).await;
    let item = list.body["items"].as_array().unwrap().iter().find(|c| c["number"] == number.as_str()).expect("listed");
    let id = item["id"].as_i64().unwrap();
    let files = s.get(&format!("/api/v1/cases/{id}/attachments"), &clerk).await;
    assert_eq!(files.body[0]["uploaded_by"], "@portal", "{:?}", files.body);
    assert_eq!(files.body[0]["content_type"], "image/png");

    // Tracking: a wrong code counts down, in the petitioner's language; the right one opens it.
    let r = client()
        .post(format!("{}/portal/track", s.base))
        .header("accept-language", "en")
        .form(&[("number", number.as_str()), ("query_code", "00000001")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("tries left"));
    let r = client()
        .post(format!("{}/portal/track", s.base))
        .form(&[("number", number.as_str()), ("query_code", query.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let ticket = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let page = client().get(format!("{}/portal/case", s.base)).header("cookie", &ticket).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(&number) && html.contains("已登记待分流"), "{html}");
    assert!(!html.contains("13803510123") && !html.contains("138****0123"), "no phone on the petitioner's page");
    // Without a ticket, or with a forged one: back to tracking, saying why.
    let r = client()
        .get(format!("{}/portal/case", s.base))
        .header("cookie", "xf_portal=1.99999999999.ab")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("查询已过期"));
}

#[tokio::test]
async fn staff_give_a_lost_query_code_anew() {
    let env = Env::new(Backend::Sqlite).expect("sqlite");
    let s = env.start(true);
    let clerk = login(&s, "clerk").await;
    let (status, html) = page(&s, &clerk, "/cases/1").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"reset-query-code\""), "the clerk is offered a new query code");
    let r = client()
        .post(format!("{}/cases/1/query-code", s.base))
        .header("cookie", &clerk)
        .form(&[("_csrf", csrf_of(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let text = r.text().await.unwrap();
    let code: String = text.split("新的查询码：").nth(1).expect("the new code").chars().take(8).collect();
    let number = s.get("/api/v1/cases/1", &s.login("clerk").await).await.body["number"].as_str().unwrap().to_string();
    let r = client()
        .post(format!("{}/portal/track", s.base))
        .form(&[("number", number.as_str()), ("query_code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the new code opens the case");
    // Without the form's token nothing changes; an analyst is not offered it.
    let r = client().post(format!("{}/cases/1/query-code", s.base)).header("cookie", &clerk).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let analyst = login(&s, "analyst").await;
    let (_, html) = page(&s, &analyst, "/cases/1").await;
    assert!(!html.contains("reset-query-code"));
}
