//! The administration pages over plain HTTP: units, users, categories, the holiday calendar —
//! signed in through the form, CSRF token taken from the page, as an administrator and as a
//! clerk who is refused.

use std::time::Duration;

use crate::both;
use crate::e2e::harness::{Env, Server, DEMO_PASSWORD};

/// A client that does not follow redirects, so each answer can be checked.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Sign in through the login form; returns the session cookie, or None when refused.
async fn try_login(s: &Server, user: &str, password: &str) -> Option<String> {
    let r = client()
        .post(format!("{}/login", s.base))
        .form(&[("username", user), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap();
    if r.status() != 303 {
        let body = r.text().await.unwrap();
        assert!(body.contains("用户名或密码不正确"), "{body}");
        return None;
    }
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    Some(cookie.split(';').next().unwrap().to_string())
}

pub async fn login(s: &Server, user: &str, password: &str) -> String {
    try_login(s, user, password).await.unwrap_or_else(|| panic!("{user} could not sign in"))
}

pub async fn page(s: &Server, cookie: &str, path: &str) -> (u16, String) {
    let r = client().get(format!("{}{path}", s.base)).header("cookie", cookie).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// POST a form; returns the status, the redirect target (if any) and the body.
async fn post(s: &Server, cookie: &str, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let r = client().post(format!("{}{path}", s.base)).header("cookie", cookie).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

fn csrf_of(html: &str) -> String {
    let i = html.find("name=\"_csrf\" value=\"").expect("a CSRF field") + 20;
    html[i..i + 32].to_string()
}

/// The text of the page's text area, as a browser would submit it.
fn textarea(html: &str) -> String {
    let start = html.find("<textarea").expect("a text area");
    let start = start + html[start..].find('>').unwrap() + 1;
    let end = start + html[start..].find("</textarea>").unwrap();
    html[start..end]
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The id in `<tr id="user-{id}">` of the row showing this username.
fn user_id(html: &str, username: &str) -> String {
    html.split("<tr id=\"user-")
        .skip(1)
        .find(|row| row.contains(&format!("<td>{username}")))
        .map(|row| row.chars().take_while(|c| c.is_ascii_digit()).collect())
        .unwrap_or_else(|| panic!("{username} is listed"))
}

both!(administration_pages, |env: Env| async move {
    let s = env.start(true);
    let admin = login(&s, "admin", DEMO_PASSWORD).await;
    let (status, home) = page(&s, &admin, "/").await;
    assert_eq!(status, 200);
    assert!(home.contains("<a href=\"/admin\">系统管理</a>"), "the administrator sees the link");
    let (status, overview) = page(&s, &admin, "/admin").await;
    assert_eq!(status, 200);
    for link in ["/admin/units", "/admin/users", "/admin/categories", "/admin/calendar", "/rota"] {
        assert!(overview.contains(&format!("href=\"{link}\"")), "{link} on the overview");
    }
    let csrf = csrf_of(&overview);

    // Units: the tree shows a township under its county; a bad code is explained beside the field.
    let (status, units) = page(&s, &admin, "/admin/units").await;
    assert_eq!(status, 200);
    assert!(units.contains("id=\"unit-140121\" data-depth=\"1\""), "counties under the bureau");
    let unit = |code: &'static str| {
        [("_csrf", csrf.as_str()), ("code", code), ("name", "清源镇"), ("kind", "township"), ("parent", "140121")]
    };
    let (status, _, html) = post(&s, &admin, "/admin/units", &unit("Qing Yuan")).await;
    assert_eq!(status, 200);
    assert!(html.contains("单位代码「Qing Yuan」无效"), "the error beside the code");
    assert!(html.contains("value=\"清源镇\""), "the name typed is kept");
    let (status, location, _) = post(&s, &admin, "/admin/units", &unit("qingyuan")).await;
    assert_eq!((status, location.as_str()), (303, "/admin/units?saved=qingyuan"));
    let (_, units) = page(&s, &admin, &location).await;
    assert!(units.contains("已保存"));
    let at = units.find("id=\"unit-qingyuan\" data-depth=\"2\"").expect("the township two levels down");
    assert!(at > units.find("id=\"unit-140121\"").unwrap(), "listed under its county");
    assert!(units[at..].contains("乡镇（街道）"));

    // Users: a mismatched confirmation and a taken name are refused beside the fields.
    let user = |name: &'static str, confirm: &'static str| {
        [
            ("_csrf", csrf.as_str()),
            ("username", name),
            ("display_name", "登记员 赵六"),
            ("role", "clerk"),
            ("unit", "xfj"),
            ("password", "zhaoliu-pass-1"),
            ("confirm", confirm),
        ]
    };
    let (status, _, html) = post(&s, &admin, "/admin/users", &user("zhaoliu", "zhaoliu-pass-2")).await;
    assert_eq!(status, 200);
    assert!(html.contains("两次输入的密码不一致") && html.contains("value=\"zhaoliu\""), "error shown, name kept");
    let (_, _, html) = post(&s, &admin, "/admin/users", &user("clerk", "zhaoliu-pass-1")).await;
    assert!(html.contains("用户名「clerk」已被使用"));
    let (status, location, _) = post(&s, &admin, "/admin/users", &user("zhaoliu", "zhaoliu-pass-1")).await;
    assert_eq!((status, location.as_str()), (303, "/admin/users?done=added"));
    let (_, users) = page(&s, &admin, &location).await;
    assert!(users.contains("已添加用户") && users.contains("登记员 赵六"));
    let id = user_id(&users, "zhaoliu");

    // The new user signs in and works; the administrator has no button to deactivate themselves.
    let zhaoliu = login(&s, "zhaoliu", "zhaoliu-pass-1").await;
    let (status, home) = page(&s, &zhaoliu, "/").await;
    assert_eq!(status, 200);
    assert!(home.contains("zhaoliu") && !home.contains("href=\"/admin\""), "a clerk has no admin link");
    let admin_id = user_id(&users, "admin");
    assert!(!users.contains(&format!("/admin/users/{admin_id}/active")));
    let (status, _, html) =
        post(&s, &admin, &format!("/admin/users/{admin_id}/active"), &[("_csrf", &csrf), ("active", "0")]).await;
    assert_eq!(status, 403, "refused by the store too");
    assert!(html.contains("不能停用自己的账号"));

    // Deactivated: their session ends at once and they cannot sign in again.
    let (status, location, _) =
        post(&s, &admin, &format!("/admin/users/{id}/active"), &[("_csrf", &csrf), ("active", "0")]).await;
    assert_eq!((status, location.as_str()), (303, "/admin/users?done=deactivated"));
    let (status, _) = page(&s, &zhaoliu, "/").await;
    assert_eq!(status, 303, "the session ended");
    assert_eq!(try_login(&s, "zhaoliu", "zhaoliu-pass-1").await, None);
    let (_, users) = page(&s, &admin, "/admin/users").await;
    assert!(users.contains(&format!("<tr id=\"user-{id}\" class=\"inactive\">")));
    // Reactivated with a new password.
    let (status, _, _) =
        post(&s, &admin, &format!("/admin/users/{id}/active"), &[("_csrf", &csrf), ("active", "1")]).await;
    assert_eq!(status, 303);
    let (_, reset) = page(&s, &admin, &format!("/admin/users?reset={id}")).await;
    assert!(reset.contains("为 登记员 赵六（zhaoliu） 设置新密码"), "{reset}");
    let path = format!("/admin/users/{id}/password");
    let (status, _, html) =
        post(&s, &admin, &path, &[("_csrf", &csrf), ("new_password", "short"), ("new_confirm", "short")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("密码至少 8 位") && html.contains("id=\"reset-form\""), "the error beside the reset form");
    let (status, location, _) = post(
        &s,
        &admin,
        &path,
        &[("_csrf", &csrf), ("new_password", "zhaoliu-new-1"), ("new_confirm", "zhaoliu-new-1")],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/admin/users?done=reset"));
    assert_eq!(try_login(&s, "zhaoliu", "zhaoliu-pass-1").await, None);
    login(&s, "zhaoliu", "zhaoliu-new-1").await;

    // Categories: edit the default unit of one; a taken code is refused when adding.
    let (_, cats) = page(&s, &admin, "/admin/categories").await;
    let row = |html: &str, code: &str| {
        let at = html.find(&format!("id=\"category-{code}\"")).unwrap_or_else(|| panic!("{code} listed"));
        html[at..at + html[at..].find("</tr>").unwrap()].to_string()
    };
    assert!(row(&cats, "rural").contains("属地"), "农业农村 goes to the county where it arose");
    let (_, edit) = page(&s, &admin, "/admin/categories?edit=rural").await;
    assert!(edit.contains("name=\"editing\" value=\"1\"") && edit.contains("value=\"农业农村\""));
    let form =
        [("_csrf", csrf.as_str()), ("editing", "1"), ("code", "rural"), ("name", "农业农村"), ("default_unit", "ghzy")];
    let (status, location, _) = post(&s, &admin, "/admin/categories", &form).await;
    assert_eq!((status, location.as_str()), (303, "/admin/categories?saved=rural"));
    let (_, cats) = page(&s, &admin, &location).await;
    assert!(row(&cats, "rural").contains("市规划和自然资源局"), "{}", row(&cats, "rural"));
    let form = [("_csrf", csrf.as_str()), ("code", "rural"), ("name", "农村"), ("default_unit", "")];
    let (status, _, html) = post(&s, &admin, "/admin/categories", &form).await;
    assert_eq!(status, 200);
    assert!(html.contains("类别代码「rural」已存在") && html.contains("value=\"农村\""), "refused, input kept");
    let form = [("_csrf", csrf.as_str()), ("code", "water"), ("name", "水利水务"), ("default_unit", "")];
    let (status, _, _) = post(&s, &admin, "/admin/categories", &form).await;
    assert_eq!(status, 303);
    let (_, register) = page(&s, &login(&s, "clerk", DEMO_PASSWORD).await, "/cases/new").await;
    assert!(register.contains("value=\"water\""), "the new category can be registered at once");

    // The calendar: correct 2026 (05-06 becomes a holiday) from the page's own text.
    let (_, cal) = page(&s, &admin, "/admin/calendar").await;
    assert!(cal.contains("id=\"year-2026\"") && cal.contains("国务院办公厅通知"));
    let (_, cal) = page(&s, &admin, "/admin/calendar?year=2026").await;
    let text = textarea(&cal);
    assert!(text.contains("{ name = \"劳动节\", from = 2026-05-01, to = 2026-05-05 }"), "{text}");
    // A bad date is named with its line; the text stays.
    let bad = text.replace("to = 2026-06-21", "to = 2026-06-31");
    let line = bad.lines().position(|l| l.contains("2026-06-31")).unwrap() + 1;
    let (status, _, html) = post(&s, &admin, "/admin/calendar", &[("_csrf", &csrf), ("toml", &bad)]).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("第 {line} 行")),
        "the line is named: {}",
        &html[html.find("form-errors").unwrap_or(0)..][..300]
    );
    assert!(textarea(&html).contains("to = 2026-06-31"), "the pasted text is kept");
    let good = text.replace("to = 2026-05-05", "to = 2026-05-06");
    let (status, location, _) = post(&s, &admin, "/admin/calendar", &[("_csrf", &csrf), ("toml", &good)]).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/admin/calendar?year=2026&recomputed="), "{location}");
    let n: u64 = location.rsplit('=').next().unwrap().parse().unwrap();
    assert!(n > 0, "the demo has open cases");
    let (_, cal) = page(&s, &admin, &location).await;
    assert!(cal.contains(&format!("已导入 2026 年节假日安排，{n} 件在办事项的期限已重新计算")), "the count is shown");
    assert!(textarea(&cal).contains("from = 2026-05-01, to = 2026-05-06"), "the corrected year in force");
    let year_row = &cal[cal.find("id=\"year-2026\"").unwrap()..];
    assert!(year_row.contains("<td>34</td>"), "33 + 1 days off");
    // A year not stored yet opens as a derived draft.
    let (_, draft) = page(&s, &admin, "/admin/calendar?year=2031").await;
    assert!(draft.contains("2031 年尚未导入") && textarea(&draft).contains("kind = \"derived\""));

    // In English on request.
    let r = client()
        .get(format!("{}/admin/users", s.base))
        .header("cookie", &admin)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("Add a user") && html.contains("Administrator"), "English labels");

    // A clerk is refused every page and every form, readably.
    let clerk = login(&s, "clerk", DEMO_PASSWORD).await;
    let (_, home) = page(&s, &clerk, "/").await;
    assert!(!home.contains("href=\"/admin\""));
    let ccsrf = csrf_of(&home);
    for path in ["/admin", "/admin/units", "/admin/users", "/admin/categories", "/admin/calendar?year=2026"] {
        let (status, html) = page(&s, &clerk, path).await;
        assert_eq!(status, 403, "{path}");
        assert!(html.contains("只有系统管理员") && html.contains("<html"), "{path}: a readable page");
    }
    let (status, _, _) =
        post(&s, &clerk, "/admin/units", &[("_csrf", &ccsrf), ("code", "x"), ("name", "某"), ("kind", "department")])
            .await;
    assert_eq!(status, 403);
    let (status, _, _) =
        post(&s, &clerk, &format!("/admin/users/{admin_id}/active"), &[("_csrf", &ccsrf), ("active", "0")]).await;
    assert_eq!(status, 403);
    let (status, _, _) = post(&s, &clerk, "/admin/calendar", &[("_csrf", &ccsrf), ("toml", &good)]).await;
    assert_eq!(status, 403);
    let (_, units) = page(&s, &admin, "/admin/units").await;
    assert!(!units.contains("id=\"unit-x\""), "nothing was changed");
    // Without the session's CSRF token nothing happens either.
    let (status, _, _) =
        post(&s, &admin, &format!("/admin/users/{id}/active"), &[("_csrf", "x"), ("active", "0")]).await;
    assert_eq!(status, 403);
    login(&s, "zhaoliu", "zhaoliu-new-1").await;
});

both!(open311_keys_are_made_shown_once_and_revoked, |env: Env| async move {
    let s = env.start(true);
    let admin = login(&s, "admin", DEMO_PASSWORD).await;
    let (status, html) = page(&s, &admin, "/admin/open311").await;
    assert_eq!(status, 200);
    assert!(html.contains("Open311 接口密钥") && html.contains("id=\"key-form\""), "{html}");
    let csrf = csrf_of(&html);
    // Without the CSRF token nothing is made.
    let (status, _, _) = post(&s, &admin, "/admin/open311", &[("name", "x")]).await;
    assert_eq!(status, 403);
    let (status, _, html) = post(&s, &admin, "/admin/open311", &[("_csrf", &csrf), ("name", " ")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("请填写密钥名称"), "{html}");
    let (status, _, html) = post(&s, &admin, "/admin/open311", &[("_csrf", &csrf), ("name", "12345 热线平台")]).await;
    assert_eq!(status, 200);
    let i = html.find("id=\"new-key\">").expect("the new key, shown once") + 13;
    let key = html[i..i + 64].to_string();
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
    // Shown once: the list never shows it again.
    let (_, html) = page(&s, &admin, "/admin/open311").await;
    assert!(html.contains("12345 热线平台") && !html.contains(&key), "{html}");
    // The key posts; revoked, it is refused.
    let http = reqwest::Client::new();
    let form = [
        ("api_key", key.as_str()),
        ("service_code", "civil"),
        ("address_id", "140106"),
        ("last_name", "上官"),
        ("first_name", "云"),
        ("description", "低保申请迟迟没有答复"),
    ];
    let r = http.post(format!("{}/open311/v2/requests.json", s.base)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let id = html.split("<tr id=\"key-").nth(1).and_then(|t| t.split('"').next()).unwrap().to_string();
    let (status, location, _) = post(&s, &admin, &format!("/admin/open311/{id}/revoke"), &[("_csrf", &csrf)]).await;
    assert_eq!((status, location.as_str()), (303, "/admin/open311?done=revoked"));
    let r = http.post(format!("{}/open311/v2/requests.json", s.base)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // Clerks may not manage keys.
    let clerk = login(&s, "clerk", DEMO_PASSWORD).await;
    let (status, _) = page(&s, &clerk, "/admin/open311").await;
    assert_eq!(status, 403);
});
