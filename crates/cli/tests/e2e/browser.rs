//! Browser tests: the staff pages in headless Chromium (Debian's `chromium` and
//! `chromium-driver`, never downloaded here), driven through ChromeDriver with fantoccini,
//! against the real `xinfang demo` server on SQLite. They walk the article's two stories as the
//! people who do the work — the clerk registering a group visit with the keyboard only, the
//! county accepting and replying, the labour bureau recording recovered wages — and write the
//! screenshots in docs/screenshots/.
//!
//! Without Chromium or ChromeDriver the tests print a SKIPPED line and pass, except in CI
//! (`CI=true`), where they must run.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::e2e::harness::{Backend, Env, Server, DEMO_PASSWORD};

const CHROMIUM: &str = "/usr/bin/chromium";
const WIDTH: u32 = 1366;
const HEIGHT: u32 = 768;
/// Longest wait for anything to appear; pages are server-rendered and local, so this is slack.
const WAIT: Duration = Duration::from_secs(15);

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| p.is_file())
}

/// ChromeDriver's path, or None (with the SKIPPED line) when the browser is not installed.
/// In CI a missing browser is a failure: these tests must run there.
fn chromedriver() -> Option<PathBuf> {
    let driver = on_path("chromedriver");
    if driver.is_some() && Path::new(CHROMIUM).is_file() {
        return driver;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("chromium or chromedriver is not installed in CI: the browser tests must run (see .ci/run)");
    }
    eprintln!("SKIPPED: browser tests (install chromium chromium-driver)");
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots")
}

fn today() -> chrono::NaiveDate {
    xinfang_core::case::local_date(chrono::Utc::now())
}

/// A valid ID number: region + birth date + sequence + GB 11643 check character.
fn id_number(region: &str, birth: &str, seq: u32) -> String {
    let first17 = format!("{region}{birth}{seq:03}");
    format!("{first17}{}", xinfang_core::petitioner::id_check_char(&first17).expect("17 digits"))
}

/// The same number with a wrong check character.
fn with_wrong_check(id: &str) -> String {
    let right = id.chars().last().expect("id");
    let wrong = if right == '0' { '1' } else { '0' };
    format!("{}{wrong}", &id[..17])
}

/// A ChromeDriver (in its own process group) with one headless Chromium session and a fresh
/// profile. Dropping it ends the browser, the driver and the profile.
struct Browser {
    client: Option<Client>,
    base: String,
    driver: Child,
    profile: PathBuf,
}

impl Browser {
    async fn start(driver_path: &Path, server: &Server) -> Browser {
        let port = free_port();
        let profile = std::env::temp_dir().join(format!("xinfang_chromium_{}_{port}", std::process::id()));
        std::fs::create_dir_all(&profile).expect("profile dir");
        let driver = {
            use std::os::unix::process::CommandExt;
            Command::new(driver_path)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .expect("start chromedriver")
        };
        let mut browser = Browser { client: None, base: server.base.clone(), driver, profile };
        let deadline = Instant::now() + WAIT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = browser.driver.try_wait() {
                panic!("chromedriver exited ({status}) before listening on port {port}");
            }
            assert!(Instant::now() < deadline, "chromedriver did not listen on port {port}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-dev-shm-usage",
                    format!("--window-size={WIDTH},{HEIGHT}"),
                    format!("--user-data-dir={}", browser.profile.display()),
                    // A clerk's browser in China asks for Chinese (headless Chromium asks for en-US).
                    "--lang=zh-CN",
                ],
                "prefs": {"intl.accept_languages": "zh-CN,zh"},
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("start a Chromium session");
        browser.client = Some(client);
        browser
    }

    fn c(&self) -> &Client {
        self.client.as_ref().expect("session")
    }

    /// End the session cleanly (Chromium exits), then the driver.
    async fn quit(mut self) {
        if let Some(c) = self.client.take() {
            let _ = c.close().await;
        }
    }

    async fn goto(&self, path: &str) {
        self.c().goto(&format!("{}{path}", self.base)).await.unwrap_or_else(|e| panic!("goto {path}: {e}"));
    }

    /// The path and query of the page shown.
    async fn path(&self) -> String {
        let u = self.c().current_url().await.expect("current url");
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    /// Insist on the page shown (after a page load has been waited for).
    async fn expect_path(&self, path: &str) {
        let now = self.path().await;
        assert!(now == path, "expected {path}, on {now}:\n{}", self.body_text().await);
    }

    /// Wait until the page's path (and query) satisfies `ok`.
    async fn wait_path(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let p = self.path().await;
            if ok(&p) {
                return p;
            }
            if Instant::now() > deadline {
                panic!("waited for {what}; still on {p}:\n{}", self.body_text().await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn find(&self, css: &str) -> Element {
        match self.c().wait().at_most(WAIT).for_element(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => panic!("no {css} on {} ({e}):\n{}", self.path().await, self.body_text().await),
        }
    }

    async fn count(&self, css: &str) -> usize {
        self.c().find_all(Locator::Css(css)).await.expect("find_all").len()
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    async fn body_text(&self) -> String {
        match self.c().find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// The value of a form field as the browser holds it now (what would be submitted).
    async fn value(&self, name: &str) -> String {
        let e = self.find(&format!("[name=\"{name}\"]")).await;
        e.prop("value").await.expect("value").unwrap_or_default()
    }

    async fn checked(&self, name: &str) -> bool {
        let e = self.find(&format!("[name=\"{name}\"]")).await;
        e.is_selected().await.expect("checked")
    }

    /// Type into a field found by name (mouse-free, but not keyboard-only: for quick setup).
    async fn fill(&self, scope: &str, name: &str, text: &str) {
        let e = self.find(&format!("{scope} [name=\"{name}\"]")).await;
        e.clear().await.ok();
        e.send_keys(text).await.unwrap_or_else(|e| panic!("type into {name}: {e}"));
    }

    async fn choose(&self, scope: &str, name: &str, value: &str) {
        let e = self.find(&format!("{scope} [name=\"{name}\"]")).await;
        e.select_by_value(value).await.unwrap_or_else(|e| panic!("choose {value} in {name}: {e}"));
    }

    // -- the keyboard ---------------------------------------------------------------------

    /// Keys to whatever has the focus, as a person at the keyboard sends them.
    async fn keys(&self, keys: &str) {
        let focused = self.c().active_element().await.expect("focused element");
        focused.send_keys(keys).await.unwrap_or_else(|e| panic!("keys {keys:?}: {e}"));
    }

    async fn tab(&self) {
        self.keys(&Key::Tab.to_string()).await;
    }

    /// The name (or else the id) of the focused element.
    async fn focused(&self) -> String {
        let e = self.c().active_element().await.expect("focused element");
        match e.attr("name").await.expect("name") {
            Some(n) if !n.is_empty() => n,
            _ => e.attr("id").await.expect("id").unwrap_or_else(|| "?".into()),
        }
    }

    async fn expect_focus(&self, name: &str) {
        let f = self.focused().await;
        assert_eq!(f, name, "the focus should be on {name}");
    }

    /// Press Tab until `name` has the focus; at most `max` presses.
    async fn tab_to(&self, name: &str, max: usize) {
        for _ in 0..max {
            self.tab().await;
            if self.focused().await == name {
                return;
            }
        }
        panic!("{name} is not reached within {max} Tab presses (focus on {})", self.focused().await);
    }

    /// Pick an option of the focused <select> with the arrow keys.
    async fn arrow_to(&self, value: &str) {
        let select = self.c().active_element().await.expect("focused");
        let options = select.find_all(Locator::Css("option")).await.expect("options");
        let (mut target, mut current) = (None, 0);
        for (i, o) in options.iter().enumerate() {
            if o.attr("value").await.expect("value").as_deref() == Some(value) {
                target = Some(i);
            }
            if o.is_selected().await.expect("selected") {
                current = i;
            }
        }
        let target = target.unwrap_or_else(|| panic!("no option {value}"));
        assert!(target >= current, "{value} is above the current choice");
        self.keys(&Key::Down.to_string().repeat(target - current)).await;
        let now = select.prop("value").await.expect("value").unwrap_or_default();
        assert_eq!(now, value, "arrow keys should choose {value}");
    }

    // -- navigation -------------------------------------------------------------------------

    /// Mark the page shown now, so a test can tell when the next one has replaced it.
    async fn mark_page(&self) {
        self.c().execute("window.xinfangOldPage = true", vec![]).await.expect("mark the page");
    }

    /// Wait until a new page (not the marked one) has loaded. Submitting a form on a case page
    /// comes back to the same address, so the address alone cannot tell.
    async fn wait_new_page(&self, what: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let done = self
                .c()
                .execute("return !window.xinfangOldPage && document.readyState === 'complete'", vec![])
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if done {
                return;
            }
            if Instant::now() > deadline {
                panic!("no new page after {what}; still on {}:\n{}", self.path().await, self.body_text().await);
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }

    /// Click something that loads another page, and wait for it.
    async fn click_to_page(&self, css: &str) {
        self.mark_page().await;
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
        self.wait_new_page(css).await;
    }

    /// Press keys that load another page (Ctrl+Enter saves), and wait for it.
    async fn keys_to_page(&self, keys: &str) {
        self.mark_page().await;
        self.keys(keys).await;
        self.wait_new_page("the keys").await;
    }

    // -- people ---------------------------------------------------------------------------

    async fn login(&self, user: &str, password: &str) {
        self.find("input[name=username]").await;
        self.fill("form", "username", user).await;
        self.fill("form", "password", password).await;
        self.click_to_page("form button[type=submit]").await;
    }

    /// Sign in from wherever the browser is, and wait to leave the login page.
    async fn sign_in(&self, user: &str) {
        if !self.path().await.starts_with("/login") {
            self.goto("/login").await;
        }
        self.login(user, DEMO_PASSWORD).await;
        self.wait_path("leaving the login page", |p| !p.starts_with("/login")).await;
    }

    async fn sign_out(&self) {
        self.click_to_page("header .who form button").await;
        self.wait_path("the login page", |p| p.starts_with("/login")).await;
    }

    /// Open an action's <details> on the case page and return its CSS scope.
    async fn open_action(&self, action: &str) -> String {
        let scope = format!("details#action-{action}");
        let d = self.find(&scope).await;
        if d.attr("open").await.expect("open").is_none() {
            self.find(&format!("{scope} > summary")).await.click().await.expect("open action");
        }
        scope
    }

    async fn submit_action(&self, scope: &str) {
        self.click_to_page(&format!("{scope} button[type=submit]")).await;
    }

    /// The state label on the case page.
    async fn state(&self) -> String {
        self.text(".case-head .state").await
    }

    /// A PNG of the whole page, 1366 px wide and at least 768 high, written to docs/screenshots/.
    async fn screenshot(&self, name: &str) {
        let c = self.c();
        // The window is larger than the page area by the (headless) browser frame.
        let sizes = c
            .execute("return [window.outerHeight - window.innerHeight, document.documentElement.scrollHeight]", vec![])
            .await
            .expect("page size");
        let frame = sizes[0].as_u64().unwrap_or(0) as u32;
        let page = (sizes[1].as_u64().unwrap_or(0) as u32).clamp(HEIGHT, 4000);
        c.set_window_size(WIDTH, page + frame).await.expect("resize");
        let png = c.screenshot().await.expect("screenshot");
        c.set_window_size(WIDTH, HEIGHT).await.expect("resize back");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("docs/screenshots");
        std::fs::write(dir.join(name), png).expect("write screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // After a failure the session was not closed: end the driver's whole process group
        // (Chromium included). Only processes this test started are in it.
        let pgid = self.driver.id();
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pgid}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// A demo server and a browser on it, or None when the browser tests are skipped.
async fn setup() -> Option<(Env, Server, Browser)> {
    let driver = chromedriver()?;
    let env = Env::new(Backend::Sqlite).expect("sqlite env");
    let server = env.start(true);
    let browser = Browser::start(&driver, &server).await;
    Some((env, server, browser))
}

// ---------------------------------------------------------------------------------------------
// a. Signing in
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_login_home_and_back_to_the_page_asked_for() {
    let Some((_env, _server, b)) = setup().await else { return };

    // A page without a session goes to the login page, remembering where it was going.
    b.goto("/cases").await;
    let p = b.wait_path("the login page", |p| p.starts_with("/login")).await;
    assert_eq!(p, "/login?next=%2Fcases");
    assert_eq!(b.focused().await, "username", "the cursor starts in the user name");
    b.screenshot("login.png").await;

    // Wrong password: the Chinese message on the page, the user name kept, still signed out.
    b.login("clerk", "not-the-password").await;
    assert_eq!(b.text("p.alert[role=alert]").await, "用户名或密码不正确");
    assert_eq!(b.value("username").await, "clerk");
    assert_eq!(b.value("password").await, "", "a wrong password is not sent back");
    assert!(b.path().await.starts_with("/login"));

    // Right password: back to the page that was asked for.
    b.fill("form", "password", DEMO_PASSWORD).await;
    b.click_to_page("form button[type=submit]").await;
    b.wait_path("the case list", |p| p == "/cases").await;
    assert!(b.text("main h1").await.contains("信访事项"));
    assert!(b.count("table.cases tbody tr").await >= 2, "the two demo cases are listed");
    b.screenshot("cases.png").await;

    // The clerk's home: today's registrations, and registering one key away.
    b.goto("/").await;
    assert_eq!(b.text("main h2").await, "今日登记");
    let who = b.text("header .who span").await;
    assert!(who.contains("clerk") && who.contains("登记员"), "{who}");
    assert_eq!(b.find("#nav-register").await.attr("accesskey").await.expect("accesskey").as_deref(), Some("n"));
    b.screenshot("home-clerk.png").await;

    // Signing out ends the session: the home page asks to sign in again.
    b.sign_out().await;
    b.goto("/").await;
    b.wait_path("the login page", |p| p.starts_with("/login")).await;

    // Another role lands on its own home.
    b.sign_in("supervisor").await;
    assert_eq!(b.path().await, "/");
    assert_eq!(b.text("main h2").await, "超期与临期事项");
    b.quit().await;
}

// ---------------------------------------------------------------------------------------------
// b, c, e. The demolition group visit: keyboard registration, triage, the county's handling
// ---------------------------------------------------------------------------------------------

struct Villager {
    name: String,
    id: String,
    phone: String,
    address: String,
    representative: bool,
}

fn villagers() -> Vec<Villager> {
    ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"]
        .iter()
        .enumerate()
        .map(|(i, n)| Villager {
            name: format!("村民{n}"),
            id: id_number("140121", &format!("19{}0101", 60 + i), 100 + i as u32),
            phone: format!("1393512{i:04}"),
            address: if i < 2 { format!("清徐县某镇某村{}号", i + 1) } else { String::new() },
            representative: i < 5,
        })
        .collect()
}

const STATEMENT: &str = "十位村民反映拆迁补偿款和过渡费迟迟没有足额发放，要求尽快足额发放。";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_demolition_group_visit_by_keyboard_then_the_county() {
    let Some((_env, _server, b)) = setup().await else { return };
    let people = villagers();
    let bad_id = with_wrong_check(&people[1].id);

    b.sign_in("clerk").await;
    // From the home page to the form with the keyboard shortcut's link.
    b.click_to_page("#nav-register").await;
    b.wait_path("the registration form", |p| p == "/cases/new").await;

    // The cursor starts in the first petitioner's name; everything else is Tab, keys, Enter.
    b.expect_focus("p0_name").await;
    for (i, v) in people.iter().enumerate() {
        if i > 0 {
            if i >= 3 {
                // The three empty rows are used up: Tab has reached 再加一人; Enter adds a row
                // and puts the cursor in its name.
                b.expect_focus("add-person").await;
                b.keys(&Key::Enter.to_string()).await;
            }
            b.expect_focus(&format!("p{i}_name")).await;
        }
        b.keys(&v.name).await;
        b.tab().await;
        b.expect_focus(&format!("p{i}_id")).await;
        b.keys(if i == 1 { &bad_id } else { &v.id }).await;
        b.tab().await;
        if i == 1 {
            // Checked as typed, beside the field, before anything is sent.
            let err = b.text("tr.person:nth-child(2) td:nth-child(2) .err").await;
            assert!(err.contains("校验位"), "no check-digit warning while typing: {err:?}");
        }
        b.expect_focus(&format!("p{i}_phone")).await;
        b.keys(&v.phone).await;
        b.tab().await;
        b.expect_focus(&format!("p{i}_address")).await;
        b.keys(&v.address).await;
        b.tab().await;
        b.expect_focus(&format!("p{i}_rep")).await;
        if v.representative {
            b.keys(&Key::Space.to_string()).await;
        }
        b.tab().await;
    }
    assert_eq!(b.count("tr.person").await, 10);
    b.expect_focus("add-person").await;
    b.tab().await;
    b.expect_focus("statement").await;
    b.keys(STATEMENT).await;
    b.tab().await;
    b.expect_focus("demands").await;
    b.keys("尽快足额发放补偿款").await;
    b.tab().await;
    b.expect_focus("category").await;
    b.arrow_to("expropriation").await;
    b.tab().await;
    b.expect_focus("petition_type").await;
    assert_eq!(b.value("petition_type").await, "grievance");
    b.tab().await;
    b.expect_focus("channel").await;
    assert_eq!(b.value("channel").await, "visit");
    // The received time stays empty (now); its date/time parts take a few Tab presses.
    b.tab_to("county", 8).await;
    b.arrow_to("140121").await;
    b.tab().await;
    b.expect_focus("address").await;
    b.keys("清徐县某镇某村").await;
    b.tab().await;
    b.expect_focus("headcount").await;
    b.keys("10").await;
    b.screenshot("register.png").await;

    // Ctrl+Enter saves. The bad ID number comes back beside its field, with everything kept.
    b.keys_to_page(&(Key::Control + &Key::Enter.to_string())).await;
    b.find("#form-errors").await;
    assert_eq!(b.path().await, "/cases/new");
    assert!(b.text("#form-errors").await.contains("已填写的内容都保留着"));
    let err = b.text("tr.person:nth-child(2) td:nth-child(2) .err").await;
    assert!(err.contains("校验位") && err.contains(&bad_id[17..]), "error beside p1_id: {err:?}");
    assert_eq!(b.count(".err:not(:empty)").await, 1, "only the bad number is marked");
    b.expect_focus("p1_id").await;
    for (i, v) in people.iter().enumerate() {
        assert_eq!(b.value(&format!("p{i}_name")).await, v.name);
        assert_eq!(b.value(&format!("p{i}_id")).await, if i == 1 { bad_id.clone() } else { v.id.clone() });
        assert_eq!(b.value(&format!("p{i}_phone")).await, v.phone);
        assert_eq!(b.value(&format!("p{i}_address")).await, v.address);
        assert_eq!(b.checked(&format!("p{i}_rep")).await, v.representative, "representative {i}");
    }
    assert_eq!(b.value("statement").await, STATEMENT);
    assert_eq!(b.value("demands").await, "尽快足额发放补偿款");
    assert_eq!(b.value("category").await, "expropriation");
    assert_eq!(b.value("county").await, "140121");
    assert_eq!(b.value("address").await, "清徐县某镇某村");
    assert_eq!(b.value("headcount").await, "10");
    b.screenshot("register-errors.png").await;

    // The cursor is already in the wrong number: select it, retype, save.
    b.keys(&(Key::Control + "a")).await;
    b.keys(&people[1].id).await;
    b.keys_to_page(&(Key::Control + &Key::Enter.to_string())).await;
    let case_path = b.wait_path("the new case", |p| p.starts_with("/cases/") && p != "/cases/new").await;
    let id: i64 = case_path.trim_start_matches("/cases/").parse().expect("case id");

    let number = b.text(".case-head h1").await.split_whitespace().next().expect("number").to_string();
    assert!(number.chars().filter(char::is_ascii_digit).count() >= 8, "case number {number}");
    assert_eq!(b.state().await, "已登记待分流");
    assert_eq!(b.text(".case-head .tag").await, "集体访 10 人");
    assert_eq!(b.count("table.people tbody tr").await, 10);
    assert_eq!(b.count("table.people tbody .tag").await, 5, "five representatives");
    let deadlines = b.text("ul.deadlines").await;
    assert!(deadlines.contains(&format!("受理告知 15 日，自 {} 起算", today())), "{deadlines}");
    let masked = format!("140***********{}", &people[0].id[14..]);
    assert!(b.text("table.people tbody tr:first-child").await.contains(&masked));
    assert!(!b.body_text().await.contains(&people[0].id), "the full number is not on the page");
    b.screenshot("case.png").await;

    // e. Reveal: the full number, on purpose (the act is audited).
    b.click_to_page("table.people tbody tr:first-child form:has(input[name=field][value=id_number]) button").await;
    assert_eq!(b.text("b.revealed").await, people[0].id);

    // c. Triage: the clerk assigns it to the county, 规划和自然资源局 assisting.
    b.goto(&case_path).await;
    let assign = b.open_action("assign").await;
    b.choose(&assign, "lead", "140121").await;
    b.choose(&assign, "assisting", "ghzy").await;
    b.submit_action(&assign).await;
    b.expect_path(&case_path).await;
    assert_eq!(b.state().await, "已转送交办待受理");
    let meta = b.text(".case-head .meta").await;
    assert!(meta.contains("承办：清徐县") && meta.contains("协办：") && meta.contains("自然资源"), "{meta}");
    assert_eq!(b.count("details#action-assign").await, 0, "assigning is no longer offered");
    b.sign_out().await;

    // The county's staff find it in their inbox, accept and reply.
    b.sign_in("qingxu").await;
    assert_eq!(b.text("main h2").await, "本单位待办（按期限排序）");
    let link = format!("table.cases a[href=\"/cases/{id}\"]");
    assert_eq!(b.text(&link).await, number);
    b.screenshot("home-unit.png").await;
    b.click_to_page(&link).await;
    b.expect_path(&case_path).await;
    let accept = b.open_action("accept").await;
    b.fill(&accept, "note", "县征收办牵头").await;
    b.submit_action(&accept).await;
    b.expect_path(&case_path).await;
    assert_eq!(b.state().await, "已受理办理中");
    let reply = b.open_action("reply").await;
    b.choose(&reply, "finding", "true").await;
    b.choose(&reply, "outcome", "support").await;
    b.fill(&reply, "opinion", "补偿款于 30 日内足额发放").await;
    b.submit_action(&reply).await;
    b.expect_path(&case_path).await;
    assert_eq!(b.state().await, "已出具处理意见");
    let timeline = b.text("ol.timeline").await;
    for step in ["登记", "交办", "受理", "出具处理意见", "补偿款于 30 日内足额发放"] {
        assert!(timeline.contains(step), "{step} missing from the timeline:\n{timeline}");
    }
    b.sign_out().await;

    // Another county: the same address answers "not found", and shows nothing of the case.
    b.sign_in("xiaodian").await;
    b.goto(&case_path).await;
    let page = b.body_text().await;
    assert!(page.contains("信访事项不存在，或您无权查看"), "{page}");
    assert!(!page.contains("村民") && !page.contains("拆迁"), "{page}");
    b.quit().await;
}

// ---------------------------------------------------------------------------------------------
// d, e. The wage arrears: money in yuan; the analyst cannot reveal
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_wage_arrears_money_in_yuan() {
    let Some((_env, _server, b)) = setup().await else { return };
    b.sign_in("clerk").await;
    b.goto("/cases/new").await;
    let f = "form#register";
    b.fill(f, "p0_name", "蔡某").await;
    b.fill(f, "p0_phone", "13603510001").await;
    b.find("[name=p0_rep]").await.click().await.expect("representative");
    b.fill(f, "p1_name", "钱某").await;
    b.fill(f, "p1_id", &id_number("340102", "19900802", 331)).await;
    b.fill(
        f,
        "statement",
        "15名农民工承揽电力工程，工程款及工资共计340万元，只付160万元，剩余180万元（含工资110万元）未付。",
    )
    .await;
    b.choose(f, "category", "labor").await;
    b.choose(f, "county", "140105").await;
    b.fill(f, "headcount", "15").await;
    b.fill(f, "money_claimed", "3400000").await;
    b.fill(f, "money_paid", "1,600,000").await;
    b.click_to_page("#save").await;
    let case_path = b.wait_path("the new case", |p| p.starts_with("/cases/") && p != "/cases/new").await;
    assert_eq!(b.state().await, "已登记待分流");
    assert_eq!(b.text("table.money tr:nth-child(2) td:nth-child(4)").await, "1,800,000.00");

    let assign = b.open_action("assign").await;
    b.choose(&assign, "lead", "rsj").await;
    b.submit_action(&assign).await;
    b.expect_path(&case_path).await;
    assert_eq!(b.state().await, "已转送交办待受理");
    b.sign_out().await;

    b.sign_in("rsj").await;
    b.goto(&case_path).await;
    let accept = b.open_action("accept").await;
    b.submit_action(&accept).await;
    b.expect_path(&case_path).await;
    let money = b.open_action("record_money").await;
    b.fill(&money, "recovered", "1100000").await;
    b.submit_action(&money).await;
    b.expect_path(&case_path).await;
    let cells: Vec<String> = {
        let mut out = Vec::new();
        for td in b.c().find_all(Locator::Css("table.money td")).await.expect("money cells") {
            out.push(td.text().await.expect("text"));
        }
        out
    };
    assert_eq!(cells, ["3,400,000.00", "1,600,000.00", "1,100,000.00", "700,000.00"]);
    assert!(b.text("ol.timeline").await.contains("记录金额"));
    b.sign_out().await;

    // The analyst reads the case with names and numbers masked, and has no reveal button.
    b.sign_in("analyst").await;
    b.goto(&case_path).await;
    let people = b.text("table.people").await;
    assert!(people.contains("蔡*") && !people.contains("蔡某"), "{people}");
    assert_eq!(b.count("form[action*=\"/reveal\"]").await, 0, "the analyst has a reveal button");
    assert_eq!(b.count("details.action").await, 0, "the analyst acts on nothing");
    b.quit().await;
}

/// A bad ID number in a row after an empty row: the server numbers petitioners without the
/// empty rows, so its error must still land beside the row the clerk typed it in.
///
/// (The store numbers only the filled rows; `RegForm::filled_rows` maps them back to the form.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_error_beside_the_right_row_after_an_empty_row() {
    let Some((_env, _server, b)) = setup().await else { return };
    b.sign_in("clerk").await;
    b.goto("/cases/new").await;
    let f = "form#register";
    let bad = with_wrong_check(&id_number("140121", "19700101", 200));
    b.fill(f, "p0_name", "张某").await;
    b.fill(f, "p2_name", "李某").await;
    b.fill(f, "p2_id", &bad).await;
    b.fill(f, "statement", "反映内容").await;
    b.choose(f, "category", "labor").await;
    b.click_to_page("#save").await;
    b.find("#form-errors").await;
    let beside_row3 = b.text("tr.person:nth-child(3) td:nth-child(2) .err").await;
    let beside_row2 = b.text("tr.person:nth-child(2) td:nth-child(2) .err").await;
    assert_eq!(beside_row2, "", "the error is beside the empty row");
    assert!(beside_row3.contains("校验位"), "no error beside the row typed in: {beside_row3:?}");
    b.quit().await;
}
