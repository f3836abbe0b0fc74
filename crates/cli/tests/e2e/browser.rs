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

pub(crate) fn on_path(program: &str) -> Option<PathBuf> {
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

    /// After saving a registration the page may list possible earlier cases of the same person
    /// or matter (最多访一次) and ask whether this is one of them; these tests register new
    /// matters, so confirm that. Returns whether the page asked.
    async fn confirm_new_if_asked(&self) -> bool {
        if !self.path().await.starts_with("/cases/new") || self.count("#repeats").await == 0 {
            return false;
        }
        self.click_to_page("#confirm-new").await;
        true
    }

    /// The state label on the case page.
    async fn state(&self) -> String {
        self.text(".case-head .state").await
    }

    /// A PNG of the whole page, 1366 px wide and at least 768 high, written to docs/screenshots/.
    async fn screenshot(&self, name: &str) {
        self.screenshot_at(name, WIDTH, HEIGHT).await;
    }

    /// The browser frame around the page area: (width, height).
    async fn frame(&self) -> (u32, u32) {
        let v = self
            .c()
            .execute("return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]", vec![])
            .await
            .expect("frame size");
        (v[0].as_u64().unwrap_or(0) as u32, v[1].as_u64().unwrap_or(0) as u32)
    }

    /// Lay the page out in a `width` × `height` page area.
    async fn viewport(&self, width: u32, height: u32) {
        let (fw, fh) = self.frame().await;
        self.c().set_window_size(width + fw, height + fh).await.expect("resize");
    }

    /// A PNG of the whole page laid out `width` px wide, at least `height` high, written to
    /// docs/screenshots/; the window is back at 1366×768 afterwards.
    async fn screenshot_at(&self, name: &str, width: u32, height: u32) {
        self.viewport(width, height).await;
        let page = self
            .c()
            .execute("return document.documentElement.scrollHeight", vec![])
            .await
            .expect("page height")
            .as_u64()
            .unwrap_or(0) as u32;
        self.viewport(width, page.clamp(height, 4000)).await;
        self.write_png(name).await;
        self.viewport(WIDTH, HEIGHT).await;
    }

    /// A PNG of what a `width` × `height` screen shows (no scrolling: a wall display).
    async fn screenshot_screen(&self, name: &str, width: u32, height: u32) {
        self.viewport(width, height).await;
        self.write_png(name).await;
    }

    async fn write_png(&self, name: &str) {
        let png = self.c().screenshot().await.expect("screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("docs/screenshots");
        std::fs::write(dir.join(name), png).expect("write screenshot");
    }

    /// What sticks out at the current width: the page scrolling sideways, anything past the
    /// right edge or out of its column on the case page, the two columns overlapping.
    async fn layout_problems(&self) -> Vec<String> {
        let v = self
            .c()
            .execute(
                r#"
                var vw = document.documentElement.clientWidth, out = [];
                if (document.documentElement.scrollWidth > vw + 1)
                  out.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " px in " + vw);
                function desc(e) {
                  var t = (e.innerText || e.value || "").trim().replace(/\s+/g, " ").slice(0, 30);
                  return e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ").join(".") : "")
                    + (e.name ? "[name=" + e.name + "]" : "") + (t ? " «" + t + "»" : "");
                }
                function outside(e) {
                  var r = e.getBoundingClientRect();
                  if (r.width === 0 || r.height === 0) return 0;
                  var col = e.closest(".main-col, .side-col");
                  var right = col ? col.getBoundingClientRect().right : vw;
                  return Math.round(r.right - right);
                }
                document.querySelectorAll("body *").forEach(function (e) {
                  var d = outside(e);
                  if (d > 1 && !(e.parentElement && outside(e.parentElement) > 1)) {
                    var col = e.closest(".main-col, .side-col");
                    out.push(desc(e) + " sticks out " + d + " px past " + (col ? "its column (" + col.className + ")" : "the window"));
                  }
                });
                var m = document.querySelector(".main-col"), s = document.querySelector(".side-col");
                if (m && s) {
                  var a = m.getBoundingClientRect(), b = s.getBoundingClientRect();
                  if (a.right > b.left && a.left < b.right && a.bottom > b.top && a.top < b.bottom)
                    out.push("the main column and the side column overlap");
                }
                return out;
                "#,
                vec![],
            )
            .await
            .expect("layout check");
        v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
    }

    // -- the hall display -------------------------------------------------------------------

    /// Wait until the display's own live connection is open: a second EventSource on the same
    /// address opens after the page's (opened at DOMContentLoaded) has been answered. A call
    /// made before the page's connection is answered would not be pushed to it.
    async fn wait_live(&self) {
        let open = self
            .c()
            .execute_async(
                r#"
                var done = arguments[arguments.length - 1];
                var probe = new EventSource("/hall/display/events");
                probe.onopen = function () { probe.close(); done(true); };
                setTimeout(function () { probe.close(); done(false); }, 5000);
                "#,
                vec![],
            )
            .await
            .expect("probe the event stream");
        assert_eq!(open.as_bool(), Some(true), "the hall display's event stream did not open within 5 s");
    }

    /// Note the page (to tell a reload from a live update) and watch the board for changes.
    async fn watch_board(&self) {
        self.c()
            .execute(
                r#"
                window.xinfangOldPage = true;
                window.xinfangChangedAt = null;
                if (!window.xinfangObserver) {
                  window.xinfangObserver = new MutationObserver(function () {
                    if (!window.xinfangChangedAt) window.xinfangChangedAt = Date.now();
                  });
                  window.xinfangObserver.observe(document.getElementById("board"),
                    {childList: true, subtree: true, characterData: true});
                }
                "#,
                vec![],
            )
            .await
            .expect("watch the board");
    }

    /// Wait (up to 5 s) until the latest call on the display shows all of `want`, on the same
    /// page (no reload); returns the latest call's text and how long after `since_ms` (ms
    /// since the epoch, this machine's clock) the board changed.
    async fn wait_board(&self, since_ms: f64, want: &[&str]) -> (String, Duration) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let v = self
                .c()
                .execute(
                    r#"var l = document.querySelector('#board li.latest');
                    return [l ? l.innerText : "", window.xinfangOldPage === true, window.xinfangChangedAt];"#,
                    vec![],
                )
                .await
                .expect("read the board");
            let latest = v[0].as_str().unwrap_or("").to_string();
            assert_eq!(v[1].as_bool(), Some(true), "the hall display reloaded instead of updating in place");
            if want.iter().all(|w| latest.contains(w)) {
                let at = v[2].as_f64().expect("the board shows the call, but no change of it was seen");
                return (latest, Duration::from_secs_f64((at - since_ms).max(0.0) / 1000.0));
            }
            if Instant::now() > deadline {
                panic!("the hall display did not show {want:?} within 5 s; latest call: {latest:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn epoch_ms() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs_f64() * 1000.0
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
    // The supervisor's home: what is overdue, then what falls due within days.
    let headings: Vec<String> = {
        let mut out = Vec::new();
        for h in b.c().find_all(Locator::Css("main > h2")).await.expect("headings") {
            out.push(h.text().await.expect("text"));
        }
        out
    };
    assert_eq!(headings, ["超期事项", "督办中（待书面回复）", "临期事项（3 日内到期）"]);
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
    b.confirm_new_if_asked().await;
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
    b.confirm_new_if_asked().await;
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

// ---------------------------------------------------------------------------------------------
// f. The first story through the reception hall: a number at the door, the calls on the hall
//    display, registration from the called number, the county's window, the coordination
//    meeting and its decisions, the county's reply
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_hall_ticket_display_meeting_and_reply() {
    let started = Instant::now();
    let Some((_env, server, b)) = setup().await else { return };
    let driver = chromedriver().expect("chromedriver");
    let rep = &villagers()[0];

    // The clerk at the door: a group of ten, keyboard only once the cursor is in the name.
    b.sign_in("clerk").await;
    b.goto("/hall").await;
    assert_eq!(b.text(".empty").await, "今天还没有排队号");
    b.find("#ticket-name").await.click().await.expect("into the name");
    b.keys(&rep.name).await;
    b.tab().await;
    b.expect_focus("group").await;
    b.keys(&Key::Space.to_string()).await;
    b.tab().await;
    b.expect_focus("headcount").await;
    b.keys("10").await;
    b.keys_to_page(&Key::Enter.to_string()).await;
    let ticket_path = b.wait_path("the printable ticket", |p| p.starts_with("/hall/tickets/")).await;
    let ticket_id: i64 = ticket_path.trim_start_matches("/hall/tickets/").parse().expect("ticket id");
    let number = b.text("#ticket-number").await;
    assert!(number.starts_with('B') && number.len() == 4, "a group ticket number: {number}");
    let card = b.text(".ticket-card").await;
    assert!(card.contains("集体访 10 人") && card.contains("前面还有 0 位"), "{card}");

    // The hall display: a second browser, nobody signed in. Nothing has been called yet.
    let display = Browser::start(&driver, &server).await;
    display.goto("/hall/display").await;
    display.expect_path("/hall/display").await;
    let board = display.text("#board").await;
    assert!(board.contains("暂无叫号") && board.contains("等候中：1"), "{board}");
    assert!(!board.contains(&number), "{number} is on the display before it is called:\n{board}");
    display.wait_live().await;
    display.watch_board().await;

    // The platform calls the next number: the display shows it without being reloaded.
    b.goto("/hall").await;
    let call_ms = epoch_ms();
    b.click_to_page("#call-next").await;
    let (latest, platform_delay) = display.wait_board(call_ms, &[&number, "登记分流台"]).await;
    assert!(!latest.contains(&rep.name), "the display shows the full name: {latest}");
    assert_eq!(b.text("p.notice").await, format!("已叫号：{number}"));
    b.screenshot("hall.png").await;

    // Registration from the called number: name and headcount carried over; the keyboard does
    // the rest.
    b.click_to_page("a.register-ticket").await;
    b.expect_path(&format!("/cases/new?ticket={ticket_id}")).await;
    b.expect_focus("p0_name").await;
    assert_eq!(b.value("p0_name").await, rep.name);
    assert_eq!(b.value("headcount").await, "10");
    b.tab().await;
    b.expect_focus("p0_id").await;
    b.keys(&rep.id).await;
    b.tab().await;
    b.keys(&rep.phone).await;
    b.tab().await;
    b.keys(&rep.address).await;
    b.tab().await;
    b.expect_focus("p0_rep").await;
    b.keys(&Key::Space.to_string()).await;
    b.tab_to("statement", 15).await;
    b.keys(STATEMENT).await;
    b.tab().await;
    b.keys("尽快足额发放补偿款").await;
    b.tab().await;
    b.expect_focus("category").await;
    b.arrow_to("expropriation").await;
    b.tab_to("county", 12).await;
    b.arrow_to("140121").await;
    b.tab().await;
    b.keys("清徐县某镇某村").await;
    b.tab().await;
    b.expect_focus("headcount").await;
    b.keys_to_page(&(Key::Control + &Key::Enter.to_string())).await;
    b.confirm_new_if_asked().await;
    let case_path = b.wait_path("the new case", |p| p.starts_with("/cases/") && !p.starts_with("/cases/new")).await;
    let case_id: i64 = case_path.trim_start_matches("/cases/").parse().expect("case id");
    assert_eq!(b.text(".case-head .tag").await, "集体访 10 人");

    // The queue shows the number linked to its case; triage to the county moves it to the
    // county's window.
    b.goto("/hall").await;
    assert_eq!(b.count(&format!("table.cases a[href=\"/cases/{case_id}\"]")).await, 1, "the ticket links the case");
    b.goto(&case_path).await;
    let assign = b.open_action("assign").await;
    b.choose(&assign, "lead", "140121").await;
    b.submit_action(&assign).await;
    assert_eq!(b.state().await, "已转送交办待受理");
    b.goto("/hall").await;
    let row = b.text("table.cases tbody tr:first-child").await;
    assert!(row.contains(&number) && row.contains("清徐县"), "routed to the county: {row}");
    b.sign_out().await;

    // The county's staff call the number to their window: the display follows.
    b.sign_in("qingxu").await;
    b.goto("/hall").await;
    display.watch_board().await;
    let call_ms = epoch_ms();
    b.click_to_page("#call-window").await;
    let (latest, window_delay) = display.wait_board(call_ms, &[&number, "清徐县窗口"]).await;
    assert!(!latest.contains("登记分流台"), "{latest}");
    assert_eq!(b.text("p.notice").await, format!("已叫号：{number}"));
    let calls = display.text("#board .calls").await;
    assert!(calls.contains("登记分流台"), "the earlier call is still listed:\n{calls}");
    display.screenshot_screen("hall-display.png", WIDTH, HEIGHT).await;
    let cut = display
        .c()
        .execute(
            "return [document.documentElement.scrollWidth > innerWidth, document.documentElement.scrollHeight > innerHeight]",
            vec![],
        )
        .await
        .expect("display size");
    assert_eq!(cut, json!([false, false]), "the hall display does not fit 1366×768 (sideways, downwards)");
    display.quit().await;
    b.sign_out().await;

    // The duty leader summons the units and holds the coordination meeting: two decisions.
    b.sign_in("leader").await;
    b.goto(&case_path).await;
    let summon = b.open_action("summon_meeting").await;
    for unit in ["140121", "ghzy"] {
        b.find(&format!("{summon} select[name=units] option[value=\"{unit}\"]")).await.click().await.expect("unit");
    }
    let chosen = b
        .c()
        .execute(
            "return Array.from(document.querySelectorAll('#action-summon_meeting select[name=units] option:checked')).map(o => o.value)",
            vec![],
        )
        .await
        .expect("chosen units");
    assert_eq!(chosen, json!(["140121", "ghzy"]));
    b.fill(&summon, "place", "接待中心三楼会议室").await;
    b.submit_action(&summon).await;
    b.expect_path(&case_path).await;
    assert!(b.text("ol.timeline").await.contains("召集协调会"));

    let hold = b.open_action("hold_meeting").await;
    b.fill(&hold, "chair", "局领导 王某").await;
    b.fill(&hold, "attendees", "信访群众代表 5 人；清徐县征收办、市规划和自然资源局负责人；接访人员").await;
    b.fill(&hold, "discussion", "反映问题属实，补偿款和过渡费应足额发放。").await;
    let decisions = [
        ("140121", "县征收办 赵某", "60", "足额发放拆迁补偿款和过渡费"),
        ("ghzy", "用地科 钱某", "30", "核实安置用地规划手续"),
    ];
    for (i, (unit, who, days, what)) in decisions.iter().enumerate() {
        b.choose(&hold, &format!("d{i}_unit"), unit).await;
        b.fill(&hold, &format!("d{i}_implementer"), who).await;
        b.fill(&hold, &format!("d{i}_days"), days).await;
        b.fill(&hold, &format!("d{i}_content"), what).await;
    }
    b.submit_action(&hold).await;
    b.expect_path(&case_path).await;
    assert!(b.text("ol.timeline").await.contains("召开协调会"));

    // The minutes: both decisions, each with its unit, implementer and due date.
    b.click_to_page("a.minutes-link").await;
    b.wait_path("the minutes", |p| p.starts_with(&format!("/cases/{case_id}/minutes/"))).await;
    let calendar = xinfang_core::calendar::Calendar::shipped();
    let due = |days: u32| calendar.add_days(today(), days).date.to_string();
    let rows = b.count("table.tasks tbody tr").await;
    assert_eq!(rows, 2, "two decisions in the minutes");
    let first = b.text("table.tasks tbody tr:nth-child(1)").await;
    let second = b.text("table.tasks tbody tr:nth-child(2)").await;
    for (row, (name, (_, who, days, what))) in
        [first, second].iter().zip([("清徐县", decisions[0]), ("规划和自然资源局", decisions[1])])
    {
        let days: u32 = days.parse().expect("days");
        for part in [name, who, what, due(days).as_str()] {
            assert!(row.contains(part), "{part} missing from the minutes' row: {row}");
        }
    }
    assert!(b.text("main.minutes").await.contains("局领导 王某"));
    b.screenshot("minutes.png").await;

    // The duty rota's month view.
    b.goto("/rota").await;
    assert!(b.text("main h1").await.starts_with("值班安排"));
    assert!(b.count("table.month td.today").await == 1, "today is marked");
    b.screenshot("rota.png").await;
    b.sign_out().await;

    // The duty lawyer records the legal consultation with the group.
    b.sign_in("lawyer").await;
    b.goto("/dockings").await;
    b.find("details#docking-legal > summary").await.click().await.expect("open the form");
    let legal = "details#docking-legal";
    // (Without the case number: duty staff see no cases, so they cannot link one; see
    // browser_duty_lawyer_links_the_consultation_to_the_case.)
    b.fill(legal, "person", &rep.name).await;
    b.fill(legal, "summary", "拆迁补偿款和过渡费未足额发放").await;
    b.fill(legal, "advice", "补偿协议有效，可先由协调会督促履行；仍不履行的可依法提起诉讼").await;
    b.click_to_page(&format!("{legal} button.primary")).await;
    b.expect_path("/dockings").await;
    let record = b.text("table.cases tbody tr:first-child").await;
    assert!(record.contains("律师接访") && record.contains(&rep.name), "{record}");
    b.screenshot("dockings.png").await;
    b.sign_out().await;

    // The county accepts, carries out its decision, and replies.
    b.sign_in("qingxu").await;
    b.goto(&case_path).await;
    let accept = b.open_action("accept").await;
    b.submit_action(&accept).await;
    assert_eq!(b.state().await, "已受理办理中");
    let task = b.open_action("complete_task").await;
    let offered = b
        .c()
        .execute(
            "return Array.from(document.querySelectorAll('#action-complete_task select[name=task] option')).map(o => o.value).filter(v => v)",
            vec![],
        )
        .await
        .expect("tasks offered");
    assert_eq!(offered, json!(["1"]), "the county is offered its own decision only");
    b.choose(&task, "task", "1").await;
    b.fill(&task, "note", "补偿款和过渡费已足额发放到户").await;
    b.submit_action(&task).await;
    b.expect_path(&case_path).await;
    let reply = b.open_action("reply").await;
    b.choose(&reply, "finding", "true").await;
    b.choose(&reply, "outcome", "support").await;
    b.fill(&reply, "opinion", "补偿款和过渡费已足额发放").await;
    b.submit_action(&reply).await;
    b.expect_path(&case_path).await;
    assert_eq!(b.state().await, "已出具处理意见");

    // The case page: the decisions' table with the first done, the second open.
    assert_eq!(b.count("table.tasks tbody tr").await, 2);
    let done = b.text("table.tasks tbody tr:nth-child(1)").await;
    let open = b.text("table.tasks tbody tr:nth-child(2)").await;
    assert!(done.contains(&format!("已于 {}", today())) && done.contains(&due(60)), "task 1: {done}");
    assert!(open.contains("未落实") && open.contains(&due(30)), "task 2: {open}");
    let timeline = b.text("ol.timeline").await;
    for step in ["登记", "交办", "召集协调会", "召开协调会", "受理", "落实协调会决定", "出具处理意见"]
    {
        assert!(timeline.contains(step), "{step} missing from the timeline:\n{timeline}");
    }

    // The same page on a tablet.
    b.viewport(1024, 768).await;
    let problems = b.layout_problems().await;
    b.screenshot_at("case-tablet.png", 1024, 768).await;
    assert!(problems.is_empty(), "the case page at 1024×768:\n{}", problems.join("\n"));
    b.quit().await;

    eprintln!(
        "hall display: {number} on the display {} ms after 叫号 at the platform, {} ms after the call to the window; the test took {:.1} s",
        platform_delay.as_millis(),
        window_delay.as_millis(),
        started.elapsed().as_secs_f64()
    );
}

/// The duty lawyer's 律师接访 form offers 事项编号 (to link the consultation to the case), but
/// duty staff see no case at all (`access::case_scope`: `CaseScope::None`), so any number is
/// refused with 「事项编号…不存在，或您无权查看」 and the lawyer cannot link the record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_duty_lawyer_links_the_consultation_to_the_case() {
    let Some((_env, _server, b)) = setup().await else { return };
    // A demo case's number, as the clerk sees it.
    b.sign_in("clerk").await;
    b.goto("/cases").await;
    let number = b.text("table.cases tbody tr:first-child a").await;
    b.sign_out().await;

    b.sign_in("lawyer").await;
    b.goto("/dockings").await;
    b.find("details#docking-legal > summary").await.click().await.expect("open the form");
    let legal = "details#docking-legal";
    b.fill(legal, "case_number", &number).await;
    b.fill(legal, "person", "村民甲").await;
    b.fill(legal, "summary", "拆迁补偿款和过渡费未足额发放").await;
    b.fill(legal, "advice", "可先由协调会督促履行；仍不履行的可依法提起诉讼").await;
    b.click_to_page(&format!("{legal} button.primary")).await;
    if b.count("p.alert").await > 0 {
        panic!("refused: {}", b.text(&format!("{legal} [name=case_number] + .err")).await);
    }
    assert!(b.text("table.cases tbody tr:first-child").await.contains(&number));
    b.quit().await;
}

/// The case page's 协调会决定落实情况 table shows the responsible unit as its code ("140121",
/// "ghzy"), where the minutes and the timeline name it (清徐县, 市规划和自然资源局):
/// templates/case.html prints `t.unit` as stored, `pages::minutes` maps it through the names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_case_tasks_name_the_responsible_units() {
    let Some((_env, _server, b)) = setup().await else { return };
    b.sign_in("leader").await;
    // The demo's demolition case: a meeting with decisions for 140121 and ghzy.
    b.goto("/cases/1").await;
    let units: Vec<String> = {
        let mut out = Vec::new();
        for td in b.c().find_all(Locator::Css("table.tasks tbody td:nth-child(3)")).await.expect("units") {
            out.push(td.text().await.expect("text"));
        }
        out
    };
    assert_eq!(units, ["清徐县", "市规划和自然资源局"]);
    b.quit().await;
}

// ---------------------------------------------------------------------------------------------
// The public portal (网上信访), on a phone-sized screen
// ---------------------------------------------------------------------------------------------

/// The six digits after 验证码 in a text message.
fn code_in(line: &str, after: &str, len: usize) -> String {
    let rest = line.split(after).nth(1).unwrap_or("");
    rest.chars().skip_while(|c| !c.is_ascii_digit()).take_while(|c| c.is_ascii_digit()).take(len).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_portal_file_track_and_rate() {
    let Some((_env, server, b)) = setup().await else { return };
    b.viewport(390, 844).await;
    b.goto("/portal").await;
    b.find("#portal-file").await;
    b.screenshot_at("portal-home.png", 390, 844).await;
    b.click_to_page("#portal-file").await;
    b.expect_path("/portal/file").await;
    b.viewport(390, 844).await;
    b.choose("#filing", "category", "labor").await;
    b.fill("#filing", "statement", "我在小店区一个工地干了三个月，老板一直拖着不发工资，一共欠一万二千元。").await;
    b.fill("#filing", "demands", "请求督促老板结清工资").await;
    b.choose("#filing", "county", "140105").await;
    b.fill("#filing", "name", "网上测试人").await;
    b.fill("#filing", "phone", "13903510077").await;
    // The code is asked for without leaving the form; it arrives by text message (the log
    // channel here).
    b.find("#send-code").await.click().await.expect("send code");
    let status = b.find("#code-status:not([hidden])").await;
    let deadline = Instant::now() + WAIT;
    while !status.text().await.unwrap_or_default().contains("139****0077") {
        assert!(Instant::now() < deadline, "no confirmation that the code was sent:\n{}", b.body_text().await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(b.path().await, "/portal/file", "the form stays as typed");
    let sms = server.log_line(&["139****0077", "phone_code"], 15).await.expect("the code's text message in the log");
    let otp = code_in(&sms, "验证码", 6);
    assert_eq!(otp.len(), 6, "{sms}");
    // A wrong code first: the form comes back with everything typed and the error at the code.
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    b.fill("#filing", "code", wrong).await;
    b.click_to_page("#submit-filing").await;
    b.find("#code-error").await;
    assert_eq!(b.value("name").await, "网上测试人");
    assert!(b.value("statement").await.contains("一万二千元"));
    b.fill("#filing", "code", &otp).await;
    b.click_to_page("#submit-filing").await;
    let number = b.text("#filed-number").await;
    let query = b.text("#filed-code").await;
    assert_eq!(query.len(), 8, "query code {query}");
    b.screenshot_at("portal-filed.png", 390, 844).await;
    // The same number and query code reach the phone by text message (the log channel here).
    let sms = server.log_line(&["registered", &number], 30).await.expect("the registration's text message in the log");
    assert!(sms.contains(&format!("查询码 {query}")) && sms.contains("139****0077"), "{sms}");

    // The bureau accepts it and replies (as staff do, through the API).
    let clerk = server.login("clerk").await;
    let found = server.get("/api/v1/cases?channel=web&per_page=100", &clerk).await;
    let id = found.body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|c| c["number"] == number.as_str()))
        .and_then(|c| c["id"].as_i64())
        .unwrap_or_else(|| panic!("case {number} not in the web cases: {:?}", found.body));
    server.act_ok(&clerk, id, json!({"action": "accept"})).await;
    server
        .act_ok(
            &clerk,
            id,
            json!({"action": "reply", "finding": "true", "outcome": "support",
                   "opinion": "经核实，已责成用工单位于本月底前结清工资。", "basis": "《保障农民工工资支付条例》"}),
        )
        .await;

    // Tracking in a fresh visit: number and query code.
    b.click_to_page(".portal-top .brand").await;
    b.click_to_page("#portal-track").await;
    b.fill("#track", "number", &number).await;
    b.fill("#track", "query_code", &query).await;
    b.click_to_page("#track-button").await;
    b.expect_path("/portal/case").await;
    assert_eq!(b.text("#case-state").await, "已出具处理意见");
    let timeline = b.text("#portal-timeline").await;
    for step in ["信访事项已登记", "已受理", "已出具处理意见", "已责成用工单位"] {
        assert!(timeline.contains(step), "{step} missing from the timeline:\n{timeline}");
    }
    assert!(b.text("#review-until").await.starts_with("20"), "the review window's last day is shown");
    // The notices and the opinion addressed to the petitioner, in writing.
    let docs = b.text("#portal-documents").await;
    assert!(docs.contains("受理告知书") && docs.contains("处理意见书"), "{docs}");
    b.screenshot_at("portal-case.png", 390, 844).await;
    b.click_to_page("#portal-documents li:first-child a").await;
    let notice = b.body_text().await;
    assert!(notice.contains("受理告知书") && notice.contains("网上测试人"), "{notice}");
    b.c().back().await.expect("back to the case");
    b.find("#rate").await;
    // Rate the handling unit's reply: satisfied.
    b.choose("#rate", "stage", "unit").await;
    b.find("#rate input[value=satisfied]").await.click().await.expect("satisfied");
    b.click_to_page("#rate-button").await;
    b.find("#case-done").await;
    assert!(b.text("#portal-timeline").await.contains("已评价：满意"));
    // The staff see the petitioner's rating on the case.
    let case = server.get(&format!("/api/v1/cases/{id}"), &clerk).await;
    let kinds: Vec<&str> =
        case.body["events"].as_array().expect("events").iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds.last(), Some(&"rated"));
    b.quit().await;
}
