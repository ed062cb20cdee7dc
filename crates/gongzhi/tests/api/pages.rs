//! Page behaviour through the router: forms, htmx fragments, CSRF for forms, double submits,
//! the scope switcher, redirects to sign-in.

use axum::http::{Method, StatusCode};
use gongzhi_kernel::authz::Role;

use super::fixture::*;

#[tokio::test]
async fn a_double_submitted_form_creates_one_record() {
    let app = app().await;
    let a = street_admin_a(&app).await;
    let before = app.count("territories").await;
    let body = "code=440308001007&name=%E5%8F%8C%E5%87%BB&kind=community&_once=abc123";
    let first = a
        .post_form(&format!("/territory/{STREET_A}/children"), body)
        .await;
    let second = a
        .post_form(&format!("/territory/{STREET_A}/children"), body)
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text());
    assert_eq!(
        second.status,
        StatusCode::SEE_OTHER,
        "the repeat lands on the same page"
    );
    assert_eq!(app.count("territories").await, before + 1);
}

#[tokio::test]
async fn a_bad_field_re_renders_the_form_with_the_message_and_saves_nothing() {
    let app = app().await;
    let a = street_admin_a(&app).await;
    let before = app.count("territories").await;
    let r = a
        .post_form(
            &format!("/territory/{STREET_A}/children"),
            "code=4403080010&name=%E6%96%B0&kind=community&_once=x1",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(
        html.contains("id=\"code-err\"") && html.contains("is-invalid"),
        "{html}"
    );
    assert!(html.contains("value=\"4403080010\""), "the value is kept");
    // A code that belongs to another parent is refused on this parent's page.
    let r = a
        .post_form(
            &format!("/territory/{COMMUNITY_A}/children"),
            "code=440308001002&name=x&kind=community&_once=x2",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("territories").await, before);
}

#[tokio::test]
async fn inline_rename_answers_htmx_with_a_fragment() {
    let app = app().await;
    let a = street_admin_a(&app).await;
    let mut req = axum::http::Request::builder()
        .method(Method::POST)
        .uri(format!("/territory/{COMMUNITY_A}/rename"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("hx-request", "true")
        .header(
            "authorization",
            format!("Bearer {}", a.bearer.clone().unwrap()),
        );
    req = req.header("accept-language", "zh-CN");
    let resp = tower::ServiceExt::oneshot(
        app.router.clone(),
        req.body(axum::body::Body::from("name=%E6%96%B0%E5%90%8D&version=1"))
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    let html = String::from_utf8_lossy(&bytes);
    assert!(!html.contains("<html"), "a fragment, not a page");
    assert!(html.contains("新名"), "{html}");
    let node = a
        .get(&format!("/api/v1/territories/{COMMUNITY_A}"))
        .await
        .json();
    assert_eq!(node["name"], "新名");
    assert_eq!(node["version"], 2);
}

#[tokio::test]
async fn cookie_forms_need_the_csrf_field() {
    let app = app().await;
    app.user_model("a.admin", &[(Role::StreetAdmin, STREET_A)])
        .await;
    let c = app.login("a.admin").await;
    let mut no_header = c.clone();
    no_header.csrf = None;
    let before = app.count("territories").await;
    let r = no_header
        .post_form(
            &format!("/territory/{STREET_A}/children"),
            "code=440308001008&name=a&kind=community",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.text().contains("<html"),
        "pages get an error page, not JSON"
    );
    let csrf = c.csrf.clone().unwrap();
    let r = no_header
        .post_form(
            &format!("/territory/{STREET_A}/children"),
            &format!("code=440308001008&name=a&kind=community&_csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(app.count("territories").await, before + 1);
}

#[tokio::test]
async fn signed_out_pages_go_to_sign_in_and_back() {
    let app = app().await;
    let r = app.anon().get("/users?q=zh").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers["location"], "/login?next=/users%3Fq%3Dzh");
    // An expired or revoked session is the same as none.
    let mut stale = app.anon();
    stale.cookie = Some("not-a-session".into());
    let r = stale.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // After signing in, the form's next= is followed (only to our own paths).
    app.user_model("a.admin", &[(Role::StreetAdmin, STREET_A)])
        .await;
    let r = app
        .anon()
        .post_form(
            "/login",
            "login=a.admin&password=Test12345&next=%2Fusers%3Fq%3Dzh",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers["location"], "/users?q=zh");
    let r = app
        .anon()
        .post_form(
            "/login",
            "login=a.admin&password=Test12345&next=https%3A%2F%2Fevil.example%2F",
        )
        .await;
    assert_eq!(r.headers["location"], "/", "no open redirect");
    let r = app
        .anon()
        .post_form("/login", "login=a.admin&password=nope")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("用户名或密码不正确"));
}

#[tokio::test]
async fn the_scope_switcher_changes_the_dashboard() {
    let app = app().await;
    app.user_model(
        "worker",
        &[
            (Role::CommunityAdmin, COMMUNITY_A),
            (Role::CommunityAdmin, COMMUNITY_B),
        ],
    )
    .await;
    let c = app.login("worker").await;
    let home = c.get("/").await.text();
    assert!(
        home.contains("中英街社区") && home.contains("id=\"scope-switch\""),
        "{home}"
    );
    let csrf = c.csrf.clone().unwrap();
    let r = c
        .post_form(
            "/scope",
            &format!("scope={COMMUNITY_B}&next=%2F&_csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = r.set_cookie("gz_scope").unwrap();
    assert_eq!(cookie, COMMUNITY_B);
    let mut switched = c.clone();
    switched.cookie = Some(format!("{}; gz_scope={cookie}", c.cookie.clone().unwrap()));
    let home = switched.get("/").await.text();
    assert!(home.contains("<h1 class=\"h3\">田东社区"), "{home}");
    let r = c
        .post_form("/scope", &format!("scope={STREET_B}&_csrf={csrf}"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only scopes one holds");
}

#[tokio::test]
async fn menus_follow_roles() {
    let app = app().await;
    let resident = app.user("r", &[(Role::Resident, COMMUNITY_A)]).await;
    let home = resident.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let html = home.text();
    assert!(
        !html.contains("href=\"/users\"")
            && !html.contains("href=\"/audit\"")
            && !html.contains("href=\"/territory\""),
        "{html}"
    );
    let sup = app.user("s", &[(Role::Supervisor, DISTRICT)]).await;
    let html = sup.get("/").await.text();
    assert!(html.contains("href=\"/audit\""));
    assert_eq!(resident.get("/audit").await.status, StatusCode::FORBIDDEN);
    let r = resident.get("/nowhere").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("找不到页面"));
}

#[tokio::test]
async fn a_granted_role_shows_up_in_the_notifications_area() {
    let app = app().await;
    let a = street_admin_a(&app).await;
    let target = app
        .user_model("zhang", &[(Role::Resident, COMMUNITY_A)])
        .await;
    let r = a
        .post_json(
            &format!("/api/v1/users/{}/roles", target.id),
            serde_json::json!({"role": "community_admin", "scope": COMMUNITY_A}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let z = app.login("zhang").await;
    let home = z.get("/").await.text();
    assert!(
        home.contains("badge text-bg-warning\">1<"),
        "one unread notification in the shell"
    );
    let page = z.get("/notifications").await.text();
    assert!(page.contains("您被授予了“社区管理员”角色"), "{page}");
    let csrf = z.csrf.clone().unwrap();
    let r = z
        .post_form("/notifications/read", &format!("_csrf={csrf}"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!z.get("/").await.text().contains("badge text-bg-warning"));
    let en = z.clone().english().get("/notifications").await.text();
    assert!(
        en.contains("You were granted the role Community administrator"),
        "{en}"
    );
}
