//! The staff pages over plain HTTP: sessions, CSRF, redirects, forms that keep what was typed.
//! (The browser tests drive the same pages in Chromium.)

use std::time::Duration;

use crate::e2e::harness::{Env, Server, DEMO_PASSWORD};

/// A client that does not follow redirects, so each answer can be checked.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

pub(crate) async fn login(s: &Server, user: &str) -> String {
    let r = client()
        .post(format!("{}/login", s.base))
        .form(&[("username", user), ("password", DEMO_PASSWORD), ("next", "/cases")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login as {user}");
    assert_eq!(r.headers()["location"], "/cases");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    cookie.split(';').next().unwrap().to_string()
}

pub(crate) async fn page(s: &Server, cookie: &str, path: &str) -> (u16, String) {
    let r = client().get(format!("{}{path}", s.base)).header("cookie", cookie).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub(crate) fn csrf_of(html: &str) -> String {
    let i = html.find("name=\"_csrf\" value=\"").expect("a CSRF field") + 20;
    html[i..i + 32].to_string()
}

fn form_token(html: &str) -> String {
    let i = html.find("name=\"_form\" value=\"").expect("a form token") + 20;
    html[i..].split('"').next().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_csrf_and_forms() {
    let env = Env::new(crate::e2e::harness::Backend::Sqlite).unwrap();
    let s = env.start(true);
    let http = client();

    // Without a session every page goes to the login page, and comes back afterwards.
    let r = http.get(format!("{}/cases/new", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Fcases%2Fnew");
    // Only local paths are followed after login.
    let r = http
        .post(format!("{}/login", s.base))
        .form(&[("username", "clerk"), ("password", DEMO_PASSWORD), ("next", "//evil.example/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");
    let r = http
        .post(format!("{}/login", s.base))
        .form(&[("username", "clerk"), ("password", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains("用户名或密码不正确") && body.contains("value=\"clerk\""), "the username is kept");

    let clerk = login(&s, "clerk").await;
    let (status, html) = page(&s, &clerk, "/cases/new").await;
    assert_eq!(status, 200);
    assert!(html.contains("信访登记"));
    let csrf = csrf_of(&html);
    let token = form_token(&html);

    // A form without the session's CSRF token is refused and changes nothing.
    let fields = |csrf: &str, id: &str| {
        vec![
            ("_csrf".to_string(), csrf.to_string()),
            ("_form".to_string(), token.clone()),
            ("p0_name".to_string(), "张三".to_string()),
            ("p0_id".to_string(), id.to_string()),
            ("p0_phone".to_string(), "13903510000".to_string()),
            ("statement".to_string(), "小区供暖温度长期不达标。".to_string()),
            ("category".to_string(), "construction".to_string()),
            ("petition_type".to_string(), "grievance".to_string()),
            ("channel".to_string(), "visit".to_string()),
            ("county".to_string(), "140105".to_string()),
            ("money_claimed".to_string(), "12.345".to_string()),
        ]
    };
    let r = http
        .post(format!("{}/cases/new", s.base))
        .header("cookie", &clerk)
        .form(&fields("0".repeat(32).as_str(), "11010519491231002X"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("页面已过期"));

    // Errors are shown beside their fields and everything typed comes back.
    let r = http
        .post(format!("{}/cases/new", s.base))
        .header("cookie", &clerk)
        .form(&fields(&csrf, "110105194912310021"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("金额「12.345」无效"), "the amount error is shown");
    let r = {
        let mut f = fields(&csrf, "110105194912310021");
        f.retain(|(k, _)| k != "money_claimed");
        http.post(format!("{}/cases/new", s.base)).header("cookie", &clerk).form(&f).send().await.unwrap()
    };
    let html = r.text().await.unwrap();
    assert!(html.contains("校验位不符"), "the ID error is shown");
    assert!(html.contains("value=\"110105194912310021\""), "the typed ID is kept");
    assert!(html.contains("小区供暖温度长期不达标。"), "the statement is kept");
    assert!(html.contains("value=\"construction\" selected"), "the category is kept");

    // Saved: redirected to the case page (post-redirect-get); saving the same form twice gives one case.
    let mut ok = fields(&csrf, "11010519491231002X");
    ok.retain(|(k, _)| k != "money_claimed");
    let r1 = http.post(format!("{}/cases/new", s.base)).header("cookie", &clerk).form(&ok).send().await.unwrap();
    assert_eq!(r1.status(), 303);
    let location = r1.headers()["location"].to_str().unwrap().to_string();
    let r2 = http.post(format!("{}/cases/new", s.base)).header("cookie", &clerk).form(&ok).send().await.unwrap();
    assert_eq!(r2.headers()["location"].to_str().unwrap(), location, "a double click registers one case");
    let (_, case) = page(&s, &clerk, &location).await;
    assert!(case.contains("已登记待分流"));
    assert!(case.contains("110***********002X"), "masked on the page");
    assert!(!case.contains("11010519491231002X"), "never in full without a reveal");
    assert!(case.contains("受理告知 15 日"), "deadline rules are shown");
    assert!(case.contains("id=\"action-assign\""), "the clerk may assign it now");
    // The routing rules suggest the construction department for a construction matter.
    let assign_form = &case[case.find("id=\"action-assign\"").unwrap()..];
    let lead = &assign_form[..assign_form.find("</select>").unwrap()];
    assert!(lead.contains("<option value=\"zjj\" selected>"), "{lead}");
    assert!(!case.contains("id=\"action-reply\""), "…but not reply");

    // An action with an error keeps the form open with the message beside the field.
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let r = http
        .post(format!("{}/cases/{id}/act", s.base))
        .header("cookie", &clerk)
        .form(&[("_csrf", csrf.as_str()), ("action", "reject"), ("reason", "属于诉讼事项")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("请填写信访人可以选择的途径"), "the missing legal route is named");
    assert!(html.contains("属于诉讼事项"), "the typed reason is kept");
    let r = http
        .post(format!("{}/cases/{id}/act", s.base))
        .header("cookie", &clerk)
        .form(&[("_csrf", csrf.as_str()), ("action", "assign"), ("lead", "140105"), ("assisting", "zjj")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, case) = page(&s, &clerk, &format!("/cases/{id}")).await;
    assert!(case.contains("已转送交办待受理"));

    // Another county gets "not found" for the same page; the district sees it in its inbox.
    let other = login(&s, "qingxu").await;
    let (status, html) = page(&s, &other, &format!("/cases/{id}")).await;
    assert_eq!(status, 404);
    assert!(
        html.contains("信访事项不存在，或您无权查看") && html.contains("<html"),
        "a readable page, not JSON: {html}"
    );
    let district = login(&s, "xiaodian").await;
    let (_, home) = page(&s, &district, "/").await;
    assert!(home.contains(&format!("/cases/{id}")), "the routed case is in the district's inbox");

    // Revealing is audited and shows the number once; the analyst has no reveal button.
    let pid_at = case.find("/petitioners/").unwrap() + 13;
    let pid: String = case[pid_at..].chars().take_while(|c| c.is_ascii_digit()).collect();
    let r = http
        .post(format!("{}/cases/{id}/petitioners/{pid}/reveal", s.base))
        .header("cookie", &clerk)
        .form(&[("_csrf", csrf.as_str()), ("field", "id_number")])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("11010519491231002X"));
    let analyst = login(&s, "analyst").await;
    let (_, seen) = page(&s, &analyst, &format!("/cases/{id}")).await;
    assert!(!seen.contains("/reveal"));
    assert!(seen.contains("张*"));

    // Logging out needs the token too, and ends the session.
    let r =
        http.post(format!("{}/logout", s.base)).header("cookie", &clerk).form(&[("_csrf", "x")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = http
        .post(format!("{}/logout", s.base))
        .header("cookie", &clerk)
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (status, _) = page(&s, &clerk, "/").await;
    assert_eq!(status, 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hall_queue_and_live_display() {
    let env = Env::new(crate::e2e::harness::Backend::Sqlite).unwrap();
    let s = env.start(true);
    let http = client();

    // The display needs no login and shows who is on duty (the demo rota covers weekdays).
    let r = http.get(format!("{}/hall/display", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("今日值班") && html.contains("值班局领导") && html.contains("暂无叫号"), "{html}");
    use chrono::Datelike;
    if xinfang_core::case::local_date(chrono::Utc::now()).weekday().num_days_from_monday() < 5 {
        assert!(html.contains("林静"), "today's counselor from the demo rota");
    }

    // Listen to the display's event stream.
    let mut events = http.get(format!("{}/hall/display/events", s.base)).send().await.unwrap();
    assert_eq!(events.headers()["content-type"], "text/event-stream");

    let clerk = login(&s, "clerk").await;
    let (_, console) = page(&s, &clerk, "/hall").await;
    let csrf = csrf_of(&console);
    let r = http
        .post(format!("{}/hall/issue", s.base))
        .header("cookie", &clerk)
        .form(&[("_csrf", csrf.as_str()), ("name", "王守田"), ("group", "on"), ("headcount", "10")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, ticket) = page(&s, &clerk, r.headers()["location"].to_str().unwrap()).await;
    assert!(ticket.contains("B001") && ticket.contains("集体访 10 人"), "{ticket}");
    let r = http
        .post(format!("{}/hall/call", s.base))
        .header("cookie", &clerk)
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/hall?called=B001");
    let called = std::time::Instant::now();

    // The event arrives without reloading anything.
    let mut seen = String::new();
    while !seen.contains("event: call") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), events.chunk())
            .await
            .expect("a call event")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    eprintln!("hall display event {} ms after the call", called.elapsed().as_millis());
    let board = http.get(format!("{}/hall/display?fragment=1", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(board.contains("B001") && board.contains("登记分流台"), "{board}");
    assert!(board.contains("王**") && !board.contains("王守田"), "only masked names on the display");

    // Registering from the called number links it; assigning moves it to the unit's window.
    let (_, console) = page(&s, &clerk, "/hall").await;
    let link_at = console.find("/cases/new?ticket=").expect("a register link for the called number");
    let link: String = console[link_at..].split('"').next().unwrap().to_string();
    let (_, form) = page(&s, &clerk, &link).await;
    assert!(form.contains("value=\"王守田\"") && form.contains("value=\"10\""), "name and headcount carry over");
    let token = form_token(&form);
    let ticket_id = link.rsplit('=').next().unwrap().to_string();
    let mut fields = vec![
        ("_csrf", csrf.as_str()),
        ("_form", token.as_str()),
        ("ticket", ticket_id.as_str()),
        ("p0_name", "王守田"),
        ("statement", "拆迁补偿款未到位"),
        ("category", "expropriation"),
        ("petition_type", "grievance"),
        ("channel", "visit"),
        ("county", "140121"),
        ("headcount", "10"),
    ];
    // 王守田 of 清徐县 is in the demo's demolition case: the page offers it before saving.
    let r = http.post(format!("{}/cases/new", s.base)).header("cookie", &clerk).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("可能的重复信访") && html.contains("姓名和问题发生地相同（王守田）"), "{html}");
    fields.push(("confirm_new", "1"));
    let r = http.post(format!("{}/cases/new", s.base)).header("cookie", &clerk).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let case = r.headers()["location"].to_str().unwrap().to_string();
    let r = http
        .post(format!("{}{case}/act", s.base))
        .header("cookie", &clerk)
        .form(&[("_csrf", csrf.as_str()), ("action", "assign"), ("lead", "140121")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let county = login(&s, "qingxu").await;
    let (_, console) = page(&s, &county, "/hall").await;
    assert!(console.contains("B001") && console.contains("待进驻单位接待"), "{console}");
    let ccsrf = csrf_of(&console);
    let r = http
        .post(format!("{}/hall/call", s.base))
        .header("cookie", &county)
        .form(&[("_csrf", ccsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/hall?called=B001");
    let board = http.get(format!("{}/hall/display?fragment=1", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(board.contains("清徐县窗口"), "{board}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordination_meeting_through_the_case_page() {
    let env = Env::new(crate::e2e::harness::Backend::Sqlite).unwrap();
    let s = env.start(true);
    let http = client();
    let leader = login(&s, "leader").await;
    // The demo's demolition case already had its meeting; open it and check the minutes.
    let (_, list) = page(&s, &leader, "/cases").await;
    let at = list.find("/cases/1\"").expect("the demolition case");
    assert!(at > 0);
    let (_, case) = page(&s, &leader, "/cases/1").await;
    assert!(case.contains("协调会决定落实情况") && case.contains("拿出补偿款和过渡费发放的具体方案"), "{case}");
    let minutes_at = case.find("/cases/1/minutes/").expect("a minutes link");
    let link: String = case[minutes_at..].split('"').next().unwrap().to_string();
    let (status, minutes) = page(&s, &leader, &link).await;
    assert_eq!(status, 200);
    assert!(
        minutes.contains("协调会议纪要") && minutes.contains("分管副县长") && minutes.contains("2026-12-11"),
        "{minutes}"
    );

    // A new meeting through the form: a decision row with a bad period is refused beside the
    // form, what was typed stays; then a good one creates a task the unit carries out.
    let csrf = csrf_of(&case);
    let meeting = |days: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("action", "hold_meeting".to_string()),
            ("chair", "赵建国".to_string()),
            ("attendees", "群众代表、县征收办".to_string()),
            ("discussion", "补偿方案已拿出，确定发放时间".to_string()),
            ("d0_unit", "140121".to_string()),
            ("d0_implementer", "镇长".to_string()),
            ("d0_days", days.to_string()),
            ("d0_content", "12 月底前发放到户".to_string()),
        ]
    };
    let r = http
        .post(format!("{}/cases/1/act", s.base))
        .header("cookie", &leader)
        .form(&meeting("400"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("办结期限应为 1 至 365 日") && html.contains("12 月底前发放到户"), "error shown, input kept");
    let r = http
        .post(format!("{}/cases/1/act", s.base))
        .header("cookie", &leader)
        .form(&meeting("20"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let county = login(&s, "qingxu").await;
    let (_, case) = page(&s, &county, "/cases/1").await;
    assert!(
        case.contains("12 月底前发放到户") && case.contains("id=\"action-complete_task\""),
        "the county carries it out"
    );
    let ccsrf = csrf_of(&case);
    let r = http
        .post(format!("{}/cases/1/act", s.base))
        .header("cookie", &county)
        .form(&[("_csrf", ccsrf.as_str()), ("action", "complete_task"), ("task", "3"), ("note", "已发放到户")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, case) = page(&s, &county, "/cases/1").await;
    assert!(case.matches("已于").count() >= 1 && case.contains("已发放到户"), "task 3 done on the timeline");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duty_rota_and_leader_reception_days() {
    let env = Env::new(crate::e2e::harness::Backend::Sqlite).unwrap();
    let s = env.start(true);
    let http = client();
    let today = xinfang_core::case::local_date(chrono::Utc::now());
    let month = today.format("%Y-%m").to_string();

    // Everyone signed in reads the month; only administrators and leaders edit it.
    let clerk = login(&s, "clerk").await;
    let (status, html) = page(&s, &clerk, &format!("/rota?month={month}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("值班安排") && !html.contains("排本月所有该工作日"));
    let csrf = csrf_of(&html);
    let r = http
        .post(format!("{}/rota", s.base))
        .header("cookie", &clerk)
        .form(&[("_csrf", csrf.as_str()), ("day", &today.to_string()), ("duty", "leader"), ("names", "某某")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let admin = login(&s, "admin").await;
    let (_, html) = page(&s, &admin, &format!("/rota?month={month}")).await;
    let csrf = csrf_of(&html);
    let r = http
        .post(format!("{}/rota", s.base))
        .header("cookie", &admin)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("month", &month),
            ("day", &today.to_string()),
            ("duty", "leader"),
            ("names", "钱志远"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, html) = page(&s, &admin, &format!("/rota?month={month}")).await;
    assert!(html.contains("钱志远"));
    // 2026-10: 国庆 holidays are marked; 10-10 is a swapped working Saturday.
    let (_, october) = page(&s, &admin, "/rota?month=2026-10").await;
    assert!(october.contains("国庆节") && october.contains("调休上班"), "holidays on the month view");

    // A leader reception registered without a name carries the leader on duty that day.
    let r = s
        .request(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(serde_json::json!({"username": "clerk", "password": DEMO_PASSWORD})),
            &[],
        )
        .await;
    let token = r.body["token"].as_str().unwrap().to_string();
    let case = s
        .post(
            "/api/v1/cases",
            &token,
            serde_json::json!({
                "channel": "visit", "petition_type": "grievance", "category": "civil",
                "statement": "低保待遇被取消", "petitioners": [{"name": "孙某"}], "leader_reception": true
            }),
        )
        .await;
    assert_eq!(case.status, 201, "{:?}", case.body);
    assert_eq!(case.body["leader_name"], "钱志远");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_dockings_pages() {
    let env = Env::new(crate::e2e::harness::Backend::Sqlite).unwrap();
    let s = env.start(true);
    let http = client();
    let lawyer = login(&s, "lawyer").await;
    let (status, html) = page(&s, &lawyer, "/dockings").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"docking-legal\"") && html.contains("id=\"docking-counseling\""));
    let csrf = csrf_of(&html);
    let post = |fields: Vec<(&'static str, &'static str)>| {
        let mut f: Vec<(String, String)> = vec![("_csrf".into(), csrf.clone())];
        f.extend(fields.into_iter().map(|(k, v)| (k.to_string(), v.to_string())));
        http.post(format!("{}/dockings", s.base)).header("cookie", lawyer.clone()).form(&f).send()
    };
    let r = post(vec![("kind", "legal"), ("person", "周某"), ("summary", "工伤认定不服")]).await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("请填写律师的法律意见") && html.contains("工伤认定不服"),
        "error beside the field, input kept"
    );
    let r = post(vec![
        ("kind", "legal"),
        ("person", "周某"),
        ("summary", "工伤认定不服"),
        ("advice", "可申请行政复议"),
        ("route", "reconsideration"),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    let r =
        post(vec![("kind", "counseling"), ("person", "周某"), ("summary", "情绪激动"), ("advice", "已疏导，情绪平稳")])
            .await
            .unwrap();
    assert_eq!(r.status(), 303);
    let (_, list) = page(&s, &lawyer, "/dockings").await;
    assert!(list.contains("可申请行政复议（引导：行政复议）") && list.contains("已疏导，情绪平稳"));
    let clerk = login(&s, "clerk").await;
    let (_, list) = page(&s, &clerk, "/dockings").await;
    assert!(list.contains("可申请行政复议") && !list.contains("已疏导，情绪平稳"), "counseling stays private");
    // The lawyer sees no visitors' names in the hall queue.
    let (_, hall) = page(&s, &lawyer, "/hall").await;
    assert!(hall.contains("今天还没有排队号") || !hall.contains("<td><b>A"), "{hall}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn homes_of_the_leader_and_the_supervisor() {
    let env = Env::new(crate::e2e::harness::Backend::Sqlite).unwrap();
    let s = env.start(true);
    let token = s.login("clerk").await;
    let case = |statement: &str, received: String, leader: bool| {
        serde_json::json!({
            "channel": "visit", "petition_type": "grievance", "category": "civil", "statement": statement,
            "received_at": received, "petitioners": [{"name": "孙某"}], "leader_reception": leader, "leader_name": "赵建国"
        })
    };
    let now = chrono::Utc::now().with_timezone(&xinfang_core::case::china_offset());
    let r = s.post("/api/v1/cases", &token, case("今天领导接访的事项", now.to_rfc3339(), true)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    // A case whose 15-day decision falls due within the next 3 days: received 12–15 days ago,
    // whichever of those the calendar (weekends, holidays moving the end) makes due in time.
    let today = now.date_naive();
    let mut due = None;
    for back in (12..=15).rev() {
        let received = (now - chrono::Duration::days(back)).to_rfc3339();
        let r = s.post("/api/v1/cases", &token, case("快到期的事项", received, false)).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        let d = r.body["next_due"]["due"].as_str().unwrap().to_string();
        let day: chrono::NaiveDate = d.parse().unwrap();
        if day >= today && day <= today + chrono::Duration::days(3) {
            due = Some(d);
            break;
        }
    }
    let due = due.expect("one of the cases is due within 3 days");

    let leader = login(&s, "leader").await;
    let (_, home) = page(&s, &leader, "/").await;
    let today_at = home.find("<h2>今日领导接访</h2>").expect("the leader's first list");
    let open_at = home.find("<h2>在办事项（按期限）</h2>").expect("then the open cases");
    let first_list = &home[today_at..open_at];
    assert!(first_list.contains("孙某") && first_list.matches("/cases/").count() == 1, "{first_list}");

    // A supervision order on another case puts it on the supervisor's 督办中 list.
    let r = s.post("/api/v1/cases", &token, case("督办的事项", now.to_rfc3339(), false)).await;
    let supervised_id = r.body["id"].as_i64().unwrap();
    let number = r.body["number"].as_str().unwrap().to_string();
    s.act_ok(&token, supervised_id, serde_json::json!({"action": "assign", "lead": "mzj"})).await;
    let sv = s.login("supervisor").await;
    s.act_ok(&sv, supervised_id, serde_json::json!({"action": "supervise", "note": "请于30日内书面回复"})).await;

    let supervisor = login(&s, "supervisor").await;
    let (_, home) = page(&s, &supervisor, "/").await;
    let sup_at = home.find("<h2>督办中（待书面回复）</h2>").expect("the supervised list");
    let soon_at = home.find("<h2>临期事项（3 日内到期）</h2>").unwrap();
    assert!(home[sup_at..soon_at].contains(&number), "the supervised case is listed");
    assert!(home.contains("超期事项") && home.contains("临期事项（3 日内到期）"));
    let soon = &home[home.find("<h2>临期事项（3 日内到期）</h2>").unwrap()..];
    assert!(soon.contains(&due), "the case due on {due} is listed as due soon: {soon}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_visit_is_counted_on_the_earlier_case() {
    let env = Env::new(crate::e2e::harness::Backend::Sqlite).unwrap();
    let s = env.start(true);
    let http = client();
    let clerk = login(&s, "clerk").await;
    let (_, form) = page(&s, &clerk, "/cases/new").await;
    let (csrf, token) = (csrf_of(&form), form_token(&form));
    // The wage story's workers come back: the phone number finds their case (a blind-index match).
    let fields = [
        ("_csrf", csrf.as_str()),
        ("_form", token.as_str()),
        ("p0_name", "钱小工"),
        ("p0_phone", "136 0351 0002"),
        ("statement", "工资还有一部分没拿到"),
        ("category", "labor"),
        ("petition_type", "grievance"),
        ("channel", "visit"),
    ];
    let r = http.post(format!("{}/cases/new", s.base)).header("cookie", &clerk).form(&fields).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("电话号码相同（钱小工）"), "{html}");
    let at = html.find("/repeat-visit").expect("a link-to-this-case button");
    let action = &html[html[..at].rfind('"').unwrap() + 1..at + "/repeat-visit".len()];
    let r = http
        .post(format!("{}{action}", s.base))
        .header("cookie", &clerk)
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let case = r.headers()["location"].to_str().unwrap().to_string();
    let (_, page_html) = page(&s, &clerk, &case).await;
    assert!(
        page_html.contains("重复来访") && page_html.contains("同一事项再次来访"),
        "counted on the earlier case's timeline"
    );
    let token_api = s.login("clerk").await;
    let id = case.rsplit('/').next().unwrap();
    let v = s.get(&format!("/api/v1/cases/{id}"), &token_api).await;
    assert_eq!(v.body["repeat_visits"], 1);
    assert_eq!(s.get("/api/v1/cases?category=labor", &token_api).await.body["total"], 1, "no new case was made");
}

/// A multipart body by hand (the test client has no multipart feature): fields, then a file.
fn multipart(fields: &[(&str, &str)], filename: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----xinfang-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_on_the_case_page_and_the_api() {
    let env = Env::new(crate::e2e::harness::Backend::Sqlite).unwrap();
    let s = env.start(true);
    let http = client();
    let clerk = login(&s, "clerk").await;
    let (_, case) = page(&s, &clerk, "/cases/1").await;
    assert!(case.contains("enctype=\"multipart/form-data\""), "an upload form on the case page");
    let csrf = csrf_of(&case);
    let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n%%EOF\n";
    // Without the CSRF token: refused.
    let (ct, body) = multipart(&[("_csrf", "nope")], "来信.pdf", pdf);
    let r = http
        .post(format!("{}/cases/1/attachments", s.base))
        .header("cookie", &clerk)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A file that is not a scan or photo: refused with the reason.
    let (ct, body) = multipart(&[("_csrf", csrf.as_str())], "evil.pdf", b"MZ\x90\0binary");
    let r = http
        .post(format!("{}/cases/1/attachments", s.base))
        .header("cookie", &clerk)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("只能上传 PDF、JPG、PNG 或 TIFF"));
    // A real one: listed on the page, downloadable with its Chinese name.
    let (ct, body) = multipart(&[("_csrf", csrf.as_str())], "来信扫描.pdf", pdf);
    let r = http
        .post(format!("{}/cases/1/attachments", s.base))
        .header("cookie", &clerk)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, case) = page(&s, &clerk, "/cases/1").await;
    assert!(case.contains("来信扫描.pdf"));
    let r = http.get(format!("{}/cases/1/attachments/1", s.base)).header("cookie", &clerk).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"].to_str().unwrap().contains("UTF-8''%E6%9D%A5"),
        "the Chinese name survives"
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(&r.bytes().await.unwrap()[..], pdf);

    // The API: upload a PNG, list both, another county gets not found.
    let token = s.login("qingxu").await;
    let (ct, body) = multipart(&[], "现场照片.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let r = http
        .post(format!("{}/api/v1/cases/1/attachments", s.base))
        .bearer_auth(&token)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let list = s.get("/api/v1/cases/1/attachments", &token).await;
    assert_eq!(list.body.as_array().unwrap().len(), 2);
    assert_eq!(list.body[1]["content_type"], "image/png");
    let other = s.login("xiaodian").await;
    assert_eq!(s.get("/api/v1/cases/1/attachments", &other).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_and_login_lockout() {
    let env = Env::new(crate::e2e::harness::Backend::Sqlite).unwrap();
    let s = env.start(true);
    let http = client();
    // Every answer — page, API, asset, the public display — carries the security headers.
    for path in ["/login", "/api/v1/openapi.json", "/assets/app.js", "/hall/display"] {
        let r = http.get(format!("{}{path}", s.base)).send().await.unwrap();
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "no inline script or style allowed");
        assert_eq!(r.headers()["x-frame-options"], "DENY", "{path}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
    }
    // No page carries inline script (the policy would block it).
    let clerk = login(&s, "clerk").await;
    for path in ["/", "/cases/1", "/hall", "/cases/new", "/cases/1/minutes/3", "/rota", "/dockings"] {
        let (status, html) = page(&s, &clerk, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!html.contains("onclick=") && !html.contains("<script>") && !html.contains("style=\""), "{path}");
    }

    // Five wrong passwords lock the account for 15 minutes — even the right one is refused then;
    // another account is not affected.
    let attempt = |user: &'static str, pw: &'static str| {
        s.request("POST", "/api/v1/auth/login", None, Some(serde_json::json!({"username": user, "password": pw})), &[])
    };
    for _ in 0..5 {
        assert_eq!(attempt("zjj", "wrong-password").await.status, 401);
    }
    let r = attempt("zjj", DEMO_PASSWORD).await;
    assert_eq!(r.status, 429);
    assert!(r.message().contains("已暂时锁定，请 15 分钟后再试"), "{}", r.message());
    assert_eq!(attempt("rsj", DEMO_PASSWORD).await.status, 200);
    // The login page says the same.
    let r = http
        .post(format!("{}/login", s.base))
        .form(&[("username", "zjj"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("已暂时锁定"));
}
