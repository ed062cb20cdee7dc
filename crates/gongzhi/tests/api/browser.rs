//! End-to-end flows in real headless Chromium (Debian's `chromium` and `chromium-driver`; `.ci/run`
//! installs them). Each flow saves screenshots under `target/screenshots/` (phone and desktop) and
//! runs axe-core: no serious or critical accessibility violations allowed. The server is the real
//! binary, `serve --demo`, on this test's own database (SQLite or PostgreSQL).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use gongzhi_platform::testing::TestApp;
use serde_json::json;

const AXE: &str = include_str!("../assets/axe.min.js");

struct Killer(Child);
impl Drop for Killer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Browser flows skipped on this run, counted in the SKIPPED lines.
static SKIPPED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Whether Chromium can run the flow `name`. When it cannot, a counted `SKIPPED` line goes
/// straight to stderr (past the test harness's capture), and `.ci/run` fails on any such line,
/// so a flow never passes by not running.
fn browser_available(name: &str) -> bool {
    let ok = std::path::Path::new("/usr/bin/chromium").exists()
        && std::path::Path::new("/usr/bin/chromedriver").exists();
    if !ok {
        use std::io::Write;
        let n = SKIPPED.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED ({n}) browser flow {name}: install chromium and chromium-driver to run it"
        );
    }
    ok
}

async fn wait_for(url: &str) {
    for _ in 0..150 {
        if let Ok(mut s) = tokio::net::TcpStream::connect(url.trim_start_matches("http://")).await {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let _ = s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").await;
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf).await;
            if buf.starts_with(b"HTTP/1.1 200") || buf.starts_with(b"HTTP/1.0 200") {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} did not come up");
}

struct Session {
    _app: TestApp,
    _server: Killer,
    _driver: Killer,
    client: Client,
    base: String,
    _dir: PathBuf,
}

async fn start() -> Session {
    // Both rustls back-ends are in the build (via sqlx and hyper-rustls): name one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = TestApp::new(gongzhi::modules()).await;
    let dir =
        std::env::temp_dir().join(format!("gongzhi-browser-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .args([
            "serve",
            "--demo",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(&dir)
        .env("DATABASE_URL", &app.state.config.database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start gongzhi");
    let server = Killer(server);
    let dport = free_port();
    let driver = Killer(
        Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={dport}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    wait_for(&base).await;
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                     "--lang=zh-CN"],
            "prefs": {"intl.accept_languages": "zh-CN,zh"}
        }
    });
    let caps: serde_json::Map<String, serde_json::Value> = caps.as_object().unwrap().clone();
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{dport}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    Session {
        _app: app,
        _server: server,
        _driver: driver,
        client: client.expect("chromedriver session"),
        base,
        _dir: dir,
    }
}

fn shots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Session {
    async fn go(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
        self.settle().await;
    }

    async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn fill(&self, css: &str, value: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap();
        el.clear().await.unwrap();
        el.send_keys(value).await.unwrap();
    }

    /// Click something that loads a new page, and wait until that page has loaded.
    async fn click(&self, css: &str) {
        self.client
            .execute("window.__gzOld = true;", vec![])
            .await
            .unwrap();
        let el = self.client.find(Locator::Css(css)).await.unwrap();
        let handle = serde_json::to_value(&el).unwrap();
        // A control the layout covers at the window's edge is clicked as a user reaches it:
        // scrolled to, then pressed.
        if el.click().await.is_err() {
            self.client
                .execute(
                    "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();",
                    vec![handle],
                )
                .await
                .unwrap();
        }
        self.settle().await;
    }

    /// Press a control that changes nothing but the page itself (a radio button's label).
    /// The DOM's own click: at a phone's width headless Chromium may report the control as
    /// covered where a finger would reach it.
    async fn tap(&self, css: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap();
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();",
                vec![serde_json::to_value(&el).unwrap()],
            )
            .await
            .unwrap();
    }

    /// Wait for a new document (the marker gone) that has finished loading.
    async fn settle(&self) {
        for _ in 0..100 {
            let done = self
                .client
                .execute(
                    "return !window.__gzOld && document.readyState === 'complete';",
                    vec![],
                )
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if done {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the page did not load");
    }

    /// Follow the first link matching `css` (by its address, wherever it is on the page).
    async fn follow(&self, css: &str) {
        let href = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .expect("a link");
        self.go(&href).await;
    }

    /// Click something that updates the page in place (htmx), then wait for the swap.
    async fn click_in_place(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        for _ in 0..100 {
            let busy = self
                .client
                .execute(
                    "return document.querySelector('.htmx-request') !== null;",
                    vec![],
                )
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if !busy {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    /// Phone (360 px) and desktop screenshots of the current page.
    async fn shots(&self, name: &str) {
        for (label, w, h) in [("phone", 360, 780), ("desktop", 1280, 900)] {
            self.client.set_window_size(w, h).await.unwrap();
            tokio::time::sleep(Duration::from_millis(150)).await;
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(shots_dir().join(format!("{name}-{label}.png")), png).unwrap();
        }
    }

    /// axe-core on the current page: fail on serious or critical violations.
    async fn axe(&self, name: &str) {
        self.client.execute(AXE, vec![]).await.unwrap();
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']}).then(r => done(
                   r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))));",
                vec![],
            )
            .await
            .unwrap();
        let list = found.as_array().cloned().unwrap_or_default();
        assert!(
            list.is_empty(),
            "{name}: accessibility violations: {list:#?}"
        );
    }

    async fn login(&self, username: &str) {
        self.go("/login").await;
        self.fill("#login", username).await;
        self.fill("#password", gongzhi::demo::DEMO_PASSWORD).await;
        self.click("form button[type=submit]").await;
    }

    async fn close(self) {
        let _ = self.client.close().await;
    }
}

#[tokio::test]
async fn street_admin_creates_a_community_in_the_browser() {
    if !browser_available("street_admin_creates_a_community_in_the_browser") {
        return;
    }
    let s = start().await;
    // Signing in after asking for a page returns to that page.
    s.go("/territory/440308002000").await;
    assert!(
        s.client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains("/login?next=")
    );
    s.axe("login").await;
    s.shots("01-login").await;
    s.fill("#login", "haishan.admin").await;
    s.fill("#password", "wrong-password1").await;
    s.click("form button[type=submit]").await;
    assert!(s.text().await.contains("用户名或密码不正确"));
    s.fill("#password", gongzhi::demo::DEMO_PASSWORD).await;
    s.click("form button[type=submit]").await;
    assert!(
        s.client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with("/territory/440308002000")
    );

    s.go("/").await;
    let home = s.text().await;
    assert!(
        home.contains("海山街道") && home.contains("各角色账号数"),
        "{home}"
    );
    assert!(
        s.client.find(Locator::Css(".chart svg")).await.is_ok(),
        "the ECharts chart renders"
    );
    let tiandong = s
        .client
        .find(Locator::XPath("//tr[td/a[text()='田东社区']]/td[3]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        tiandong, "8",
        "accounts per community: six community roles and two of its organization's"
    );
    s.axe("dashboard").await;
    s.shots("02-dashboard").await;

    s.click("a.nav-link[href='/territory']").await;
    assert!(
        s.client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with("/territory/440308002000")
    );
    s.fill("#code", "44030800200X").await;
    s.fill("#name", "新港社区").await;
    s.click("form[action$='/children'] button[type=submit]")
        .await;
    let feedback = s
        .client
        .find(Locator::Css("#code-err"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        feedback.contains("第 12 位"),
        "the message sits beside the field: {feedback}"
    );
    let kept = s
        .client
        .find(Locator::Css("#name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        kept.as_deref(),
        Some("新港社区"),
        "values are kept on error"
    );
    s.axe("territory-error").await;
    s.shots("03-territory-error").await;
    s.fill("#code", "440308002005").await;
    s.click("form[action$='/children'] button[type=submit]")
        .await;
    let page = s.text().await;
    assert!(
        page.contains("已创建下级单位") && page.contains("新港社区"),
        "{page}"
    );
    s.axe("territory").await;
    s.shots("04-territory").await;
    s.close().await;
}

#[tokio::test]
async fn other_streets_are_closed_and_language_switches() {
    if !browser_available("other_streets_are_closed_and_language_switches") {
        return;
    }
    let s = start().await;
    s.login("haishan.admin").await;
    s.go("/territory/440308001000").await;
    let page = s.text().await;
    assert!(page.contains("无权访问"), "{page}");
    s.axe("forbidden").await;
    s.shots("05-forbidden").await;

    s.go("/users").await;
    s.click("a[href^='/lang/en']").await;
    let page = s.text().await;
    assert!(
        page.contains("Accounts") && page.contains("Sign out") || page.contains("Accounts"),
        "{page}"
    );
    assert!(!page.contains("账号与角色"), "{page}");
    s.axe("users-en").await;
    s.shots("06-users-en").await;
    s.click("a[href^='/lang/zh-CN']").await;
    assert!(s.text().await.contains("账号与角色"));

    // The organization directory, the reviewer queue and an organization's page.
    s.go("/orgs?q=%E7%88%B1%E5%BF%83").await;
    let page = s.text().await;
    assert!(page.contains("田东社区爱心互助会"), "{page}");
    s.axe("orgs").await;
    s.shots("08-orgs").await;
    s.go("/orgs/queue").await;
    assert!(s.text().await.contains("待街道决定"));
    s.click("#orgs-table a[href^='/orgs/']").await;
    let page = s.text().await;
    assert!(
        page.contains("准予备案") && page.contains("不予备案"),
        "{page}"
    );
    s.axe("org").await;
    s.shots("09-org").await;

    // The audit browser for a supervisor, with a filter applied through htmx.
    s.client.delete_all_cookies().await.unwrap();
    s.login("qu.supervisor").await;
    s.go("/audit").await;
    s.fill("#f-action", "territory.").await;
    s.click_in_place("form[action='/audit'] button[type=submit]")
        .await;
    let page = s.text().await;
    assert!(page.contains("territory.create"), "{page}");
    assert!(!page.contains("user.create"), "the filter applied");
    s.axe("audit").await;
    s.shots("07-audit").await;

    // Standing on an organization's page, its edit page, and the public directory.
    s.client.delete_all_cookies().await.unwrap();
    s.login("qu.admin").await;
    s.go("/orgs?standing=abnormal").await;
    s.click("#orgs-table a[href^='/orgs/']").await;
    let page = s.text().await;
    assert!(
        page.contains("活动异常名录") && page.contains("核实整改"),
        "{page}"
    );
    s.axe("org-standing").await;
    s.shots("10-org-standing").await;
    s.click("a[href$='/edit']").await;
    assert!(s.text().await.contains("关键信息变更"));
    s.axe("org-edit").await;
    s.client.delete_all_cookies().await.unwrap();
    s.go("/public/orgs?grade=5").await;
    let page = s.text().await;
    assert!(page.contains("5A"), "{page}");
    s.axe("public-orgs").await;
    s.click("#orgs-table a[href^='/public/orgs/']").await;
    let page = s.text().await;
    assert!(page.contains("5A") && page.contains("440308MJ"), "{page}");
    s.axe("public-org").await;
    s.shots("11-public-org").await;
    s.go("/public/orgs?hub=federation").await;
    s.click("#orgs-table a[href^='/public/orgs/']").await;
    let page = s.text().await;
    assert!(
        page.contains("联合会") && page.contains("成员组织"),
        "{page}"
    );
    s.axe("public-federation").await;

    // Hubs and federations: the registry's view with the member forms; an organization's own
    // page shows the federation it belongs to.
    s.login("aixin.admin").await;
    s.go("/orgs").await;
    s.click("#orgs-table a[href^='/orgs/']").await;
    let page = s.text().await;
    assert!(
        page.contains("所属枢纽组织与联合会") && page.contains("结束成员关系"),
        "{page}"
    );
    s.client.delete_all_cookies().await.unwrap();

    // Incubation: the manager's incubator and stay pages, targets and coverage; the mentor's
    // phone page with a check-in; an organization applying to the open call.
    s.login("qu.admin").await;
    s.go("/orgs?hub=any").await;
    s.click("#orgs-table a[href^='/orgs/']").await;
    let page = s.text().await;
    assert!(
        page.contains("现有成员") && page.contains("添加成员"),
        "{page}"
    );
    s.axe("org-hub").await;
    s.shots("11b-org-hub").await;
    s.go("/incubators").await;
    s.axe("incubators").await;
    s.follow("a[href^='/incubators/']").await;
    let page = s.text().await;
    assert!(
        page.contains("一次入驻诊断") && page.contains("第三期"),
        "{page}"
    );
    s.axe("incubator").await;
    s.shots("12-incubator").await;
    s.follow("a[href^='/incubations/']").await;
    assert!(s.text().await.contains("督导陪伴计划"));
    s.axe("incubation").await;
    s.go("/incubation/targets").await;
    assert!(s.text().await.contains("功能型社区社会组织"));
    s.axe("targets").await;
    s.client.delete_all_cookies().await.unwrap();
    s.login("tiandong.admin").await;
    s.go("/mentoring").await;
    s.client
        .execute("document.querySelector('details').open = true;", vec![])
        .await
        .unwrap();
    s.axe("mentoring").await;
    s.shots("13-mentoring").await;
    s.fill("details[open] textarea[name=notes]", "电话了解活动筹备进展")
        .await;
    s.click("details[open] button[type=submit]").await;
    assert!(s.text().await.contains("督导记录已保存"));
    s.client.delete_all_cookies().await.unwrap();
    s.login("aixin.admin").await;
    s.go("/public/incubation").await;
    s.axe("public-calls").await;
    s.follow("a[href$='/apply']").await;
    let page = s.text().await;
    assert!(page.contains("田东社区爱心互助会"), "{page}");
    s.axe("incubation-apply").await;

    // The service catalog: the district approves the street's proposal on its desk; the public
    // catalog, an item with its qualified organizations, and the versions with their diff.
    s.client.delete_all_cookies().await.unwrap();
    s.login("qu.admin").await;
    s.go("/catalog?node=440308000000").await;
    s.axe("catalog-desk").await;
    s.follow("table a[href^='/catalog/changes/']").await;
    assert!(s.text().await.contains("寒假儿童托管服务"));
    s.axe("catalog-change").await;
    s.click("button[value=approve]").await;
    assert!(s.text().await.contains("调整申请已通过"));
    s.go("/catalog/changes/new?node=440308000000").await;
    s.axe("catalog-propose").await;
    s.go("/public/catalogs/440308000000").await;
    s.axe("catalog-public").await;
    s.shots("14-catalog").await;
    s.follow("a[href$='/items/A01-03']").await;
    s.axe("catalog-item").await;
    s.go("/public/catalogs/440308000000/versions").await;
    assert!(s.text().await.contains("E01-04"));
    s.axe("catalog-versions").await;
    s.close().await;
}

#[tokio::test]
async fn purchase_of_services_in_the_browser() {
    if !browser_available("purchase_of_services_in_the_browser") {
        return;
    }
    let s = start().await;
    // The street's desk: approve a submitted project, see an award with its challenge, a
    // contract in delivery, the budget lines and the project form.
    s.login("haishan.admin").await;
    s.go("/purchase").await;
    let page = s.text().await;
    assert!(
        page.contains("待审批的项目") && page.contains("待答复的质疑"),
        "{page}"
    );
    s.axe("purchase-desk").await;
    s.shots("15-purchase-desk").await;
    s.follow("section[aria-labelledby='q-to_approve'] a").await;
    assert!(s.text().await.contains("事项范围审查通过"));
    s.axe("purchase-project").await;
    s.click("button[value=approve]").await;
    assert!(s.text().await.contains("项目已批准立项"));
    s.go("/purchase").await;
    s.follow("section[aria-labelledby='q-to_sign'] a").await;
    let page = s.text().await;
    assert!(
        page.contains("评审推荐") && page.contains("答复结论"),
        "{page}"
    );
    s.axe("purchase-award").await;
    s.shots("16-purchase-award").await;
    s.go("/purchase").await;
    s.follow("section[aria-labelledby='q-in_delivery'] a").await;
    assert!(s.text().await.contains("履约阶段与付款"));
    s.axe("purchase-contract").await;
    s.shots("17-purchase-contract").await;
    s.go("/purchase/budget?node=440308002000").await;
    assert!(s.text().await.contains("社区服务购买经费"));
    s.axe("purchase-budget").await;
    s.go("/purchase/projects/new?node=440308002000").await;
    s.axe("purchase-project-form").await;
    s.go("/purchase/results?node=440308002000").await;
    assert!(s.text().await.contains("A05-01"));
    s.axe("purchase-results").await;
    s.go("/purchase/settings?district=440308002000").await;
    s.axe("purchase-settings").await;

    // An organization sees the notices it qualifies for and bids.
    s.client.delete_all_cookies().await.unwrap();
    s.login("aixin.admin").await;
    s.go("/purchase").await;
    s.follow("section[aria-labelledby='q-open_notices'] a")
        .await;
    assert!(s.text().await.contains("本组织符合准入标准"));
    s.axe("purchase-notice-org").await;
    s.fill("#price", "99999999").await;
    s.fill(
        "#proposal",
        "每期课程由两名社工带领，配备志愿者一对一辅导，按月提交台账与满意度调查。",
    )
    .await;
    s.click("form input[value=bid] ~ div button[type=submit]")
        .await;
    let page = s.text().await;
    assert!(page.contains("报价不得超过采购预算"), "{page}");
    s.axe("purchase-bid-refused").await;
    // The proposal typed is kept; a price within the budget goes in.
    s.fill("#price", "28000").await;
    s.click("form input[value=bid] ~ div button[type=submit]")
        .await;
    let page = s.text().await;
    assert!(
        page.contains("响应文件已提交") && page.contains("¥28,000.00"),
        "{page}"
    );

    // A reviewer's score sheet. Panels are drawn at random from the pool, so look for the
    // expert whose desk lists a seat still to score.
    let seat = "section[aria-labelledby='q-my_reviews'] a";
    let mut found = false;
    for n in 1..=6 {
        s.client.delete_all_cookies().await.unwrap();
        s.login(&format!("expert{n}")).await;
        s.go("/purchase").await;
        if s.client.find(Locator::Css(seat)).await.is_ok() {
            found = true;
            break;
        }
    }
    assert!(found, "no expert of the demo has a seat to score");
    s.follow(seat).await;
    s.axe("purchase-review").await;

    // The public portal, and the survey a resident answers on a phone.
    s.client.delete_all_cookies().await.unwrap();
    s.go("/public/notices").await;
    s.axe("public-notices").await;
    s.follow("#notices-table a").await;
    s.axe("public-notice").await;
    s.login("haishan.admin").await;
    s.go("/purchase").await;
    let contract = s
        .client
        .find(Locator::Css("section[aria-labelledby='q-in_delivery'] a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap()
        .replace("/purchase/contracts/", "");
    s.client.delete_all_cookies().await.unwrap();
    s.go(&format!("/public/contracts/{contract}")).await;
    s.axe("public-contract").await;
    s.follow("a[href$='/credit']").await;
    assert!(s.text().await.contains("基础分"));
    s.axe("public-credit").await;
    s.client.set_window_size(360, 780).await.unwrap();
    s.go(&format!("/public/surveys/{contract}")).await;
    s.axe("public-survey").await;
    for q in 1..=4 {
        s.tap(&format!("label[for='q{q}-5']")).await;
    }
    s.shots("18-survey").await;
    s.click("form button[type=submit]").await;
    assert!(s.text().await.contains("感谢您的评价"));
    s.close().await;
}
