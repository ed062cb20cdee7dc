use axum::http::StatusCode;
use gongzhi_kernel::authz::Role;
use gongzhi_platform::sea_orm::ConnectionTrait;
use gongzhi_platform::testing::{TEST_PASSWORD, TestApp, TestClient, TestResponse};
use serde_json::json;

use super::fixture::*;

#[tokio::test]
async fn login_sets_a_session_and_csrf_guards_unsafe_requests() {
    let app = app().await;
    app.user_model("a.admin", &[(Role::StreetAdmin, STREET_A)])
        .await;
    let c = app.login("a.admin").await;
    assert!(c.cookie.is_some() && c.csrf.is_some());
    let me = c.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["roles"][0]["role"], "street_admin");
    let mut no_csrf = c.clone();
    no_csrf.csrf = None;
    let r = no_csrf
        .post_json("/api/v1/tokens", json!({"name": "x"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(r.json()["type"], "/problems/csrf");
    let r = c.post_json("/api/v1/tokens", json!({"name": "x"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // Each login opens a new session id (rotation).
    let again = app.login("a.admin").await;
    assert_ne!(again.cookie, c.cookie);
    let r = c.post_json("/api/v1/auth/logout", json!({})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(again.get("/api/v1/me").await.status, StatusCode::OK);
}

async fn exec_sql(app: &TestApp, sql: &str) {
    app.state.db.write.execute_unprepared(sql).await.unwrap();
}

async fn attempt(c: &TestClient, login: &str, password: &str) -> TestResponse {
    c.post_json(
        "/api/v1/auth/login",
        json!({"login": login, "password": password}),
    )
    .await
}

/// Status, problem code and Retry-After of each answer: what a guesser can observe.
fn observed(r: &TestResponse) -> (StatusCode, String, bool) {
    let j = r.json();
    let code = j["errors"][0]["code"]
        .as_str()
        .or(j["type"].as_str())
        .unwrap_or("")
        .to_string();
    (r.status, code, r.headers.contains_key("retry-after"))
}

#[tokio::test]
async fn known_and_unknown_names_get_the_same_answers_at_every_step() {
    let app = app().await;
    app.user_model("a.admin", &[(Role::StreetAdmin, STREET_A)])
        .await;
    let guesser = app.anon().from_ip("203.0.113.9");
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..7 {
        known.push(observed(&attempt(&guesser, "a.admin", "wrong-pass1").await));
        unknown.push(observed(
            &attempt(&guesser, "nobody.here", "wrong-pass1").await,
        ));
    }
    assert_eq!(known, unknown, "no step tells an account from none");
    let bad = (
        StatusCode::UNPROCESSABLE_ENTITY,
        "auth.bad_credentials".to_string(),
        false,
    );
    assert_eq!(known[..5], vec![bad; 5], "five free failures");
    assert_eq!(
        known[5],
        (
            StatusCode::TOO_MANY_REQUESTS,
            "/problems/rate_limited".to_string(),
            true
        ),
        "then the next attempt must wait, with Retry-After"
    );
    // While it waits, even the right password from that address is asked to wait (and does not
    // count as a failure); the wait is about the address, not a lock of the account.
    let r = attempt(&guesser, "a.admin", TEST_PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.json()["detail"].as_str().unwrap().contains("秒后再试"));
    let en = attempt(&guesser.clone().english(), "a.admin", TEST_PASSWORD).await;
    assert!(
        en.json()["detail"].as_str().unwrap().contains("seconds"),
        "{}",
        en.text()
    );
}

#[tokio::test]
async fn a_guesser_elsewhere_never_locks_the_owner_out_and_the_owner_is_told() {
    let app = app().await;
    app.user_model("a.admin", &[(Role::StreetAdmin, STREET_A)])
        .await;
    let guesser = app.anon().from_ip("203.0.113.9");
    for _ in 0..6 {
        attempt(&guesser, "a.admin", "wrong-pass1").await;
    }
    assert_eq!(
        attempt(&guesser, "a.admin", "wrong-pass1").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The owner, from their own address, signs in at once.
    let mut owner = app.anon().from_ip("198.51.100.7");
    let r = attempt(&owner, "a.admin", TEST_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    owner.cookie = r.set_cookie("gz_session");
    let page = owner.get("/notifications").await;
    assert!(
        page.text().contains("203.0.113.9") && page.text().contains("修改密码"),
        "the owner is told where the guesses came from: {}",
        page.text()
    );
    // Each further failure from the guesser's address doubles its wait.
    let row = |app: &TestApp| {
        let db = app.state.db.read.clone();
        async move {
            use gongzhi_platform::entity::login_throttle;
            use gongzhi_platform::sea_orm::EntityTrait;
            let mut rows = login_throttle::Entity::find().all(&db).await.unwrap();
            rows.sort_by_key(|r| std::cmp::Reverse(r.failures));
            rows.remove(0)
        }
    };
    let before = row(&app).await;
    assert_eq!(
        before.failures, 5,
        "attempts made while waiting do not count"
    );
    exec_sql(&app, "UPDATE login_throttles SET blocked_until = NULL").await;
    attempt(&guesser, "a.admin", "wrong-pass1").await;
    let after = row(&app).await;
    assert_eq!(after.failures, 6);
    let wait = after.blocked_until.unwrap() - after.last_failure_at;
    assert_eq!(wait.num_seconds(), 4, "two seconds, then four");
}

#[tokio::test]
async fn many_addresses_slow_an_account_down_for_a_minute_but_never_at_a_known_address() {
    let app = app().await;
    let u = app
        .user_model("a.admin", &[(Role::StreetAdmin, STREET_A)])
        .await;
    // The owner has signed in from home before.
    let home = app.anon().from_ip("198.51.100.7");
    assert_eq!(
        attempt(&home, "a.admin", TEST_PASSWORD).await.status,
        StatusCode::OK
    );
    for i in 0..20 {
        let c = app.anon().from_ip(&format!("203.0.113.{}", i + 1));
        let r = attempt(&c, "a.admin", "wrong-pass1").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {i}");
    }
    // A new address waits, a minute at most.
    let fresh = app.anon().from_ip("192.0.2.44");
    let r = attempt(&fresh, "a.admin", TEST_PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let secs: i64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&secs), "{secs}");
    // Home is not held.
    assert_eq!(
        attempt(&home, "a.admin", TEST_PASSWORD).await.status,
        StatusCode::OK
    );
    // Another spelling of the same account is the same account: its phone number too.
    use gongzhi_platform::sea_orm::{ActiveModelTrait, Set};
    let mut am: gongzhi_platform::entity::user::ActiveModel = u.into();
    am.phone = Set(Some("13800138000".into()));
    am.update(&app.state.db.write).await.unwrap();
    let r = attempt(&fresh, "+86 138-0013-8000", TEST_PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    exec_sql(&app, "UPDATE login_throttles SET blocked_until = NULL").await;
    assert_eq!(
        attempt(&fresh, "A.Admin", TEST_PASSWORD).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "names are exact; the counter ignores case"
    );
    assert_eq!(
        attempt(&fresh, "a.admin", TEST_PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn spellings_of_one_phone_number_share_one_counter() {
    let app = app().await;
    let guesser = app.anon().from_ip("203.0.113.9");
    // No account has this number: the counter is the number's, however it is written.
    for spelling in [
        "13800138000",
        "+8613800138000",
        "138 0013 8000",
        "138-0013-8000",
        "008613800138000",
    ] {
        let r = attempt(&guesser, spelling, "wrong-pass1").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{spelling}");
    }
    assert_eq!(
        attempt(&guesser, "86 13800138000", "wrong-pass1")
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Failures on names no account has are audited too, keyed, without the name.
    let r = app
        .state
        .db
        .read
        .query_one_raw(gongzhi_platform::sea_orm::Statement::from_string(
            app.state.db.backend(),
            "SELECT COUNT(*) AS n FROM audit_entries WHERE action = 'auth.login_failed' AND entity_type = 'login'",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.try_get::<i64>("", "n").unwrap(), 5);
}

#[tokio::test]
async fn password_change_signs_out_other_sessions() {
    let app = app().await;
    app.user_model("a.admin", &[(Role::StreetAdmin, STREET_A)])
        .await;
    let first = app.login("a.admin").await;
    let second = app.login("a.admin").await;
    let r = first
        .post_json(
            "/api/v1/me/password",
            json!({"current_password": "nope", "new_password": "short"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, vec!["current_password", "new_password"]);
    let r = first
        .post_json(
            "/api/v1/me/password",
            json!({"current_password": TEST_PASSWORD, "new_password": "NewPass2026"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(first.get("/api/v1/me").await.status, StatusCode::OK);
    assert_eq!(
        second.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .anon()
        .post_json(
            "/api/v1/auth/login",
            json!({"login": "a.admin", "password": "NewPass2026"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn tokens_are_shown_once_and_revocable() {
    let app = app().await;
    let a = street_admin_a(&app).await;
    let before = app.token_count().await;
    let r = a
        .post_json("/api/v1/tokens", json!({"name": "", "expires_in_days": 0}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.token_count().await,
        before,
        "a refused token request stores nothing"
    );
    let r = a
        .post_json(
            "/api/v1/tokens",
            json!({"name": "报表同步", "expires_in_days": 30}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let secret = r.json()["secret"].as_str().unwrap().to_string();
    let id = r.json()["token"]["id"].as_str().unwrap().to_string();
    let list = a.get("/api/v1/tokens").await.json();
    assert!(
        !list.to_string().contains(&secret),
        "the secret is never listed"
    );
    let mut t = app.anon();
    t.bearer = Some(secret);
    assert_eq!(t.get("/api/v1/me").await.status, StatusCode::OK);
    let r = a
        .post_json(&format!("/api/v1/tokens/{id}/revoke"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(t.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    let r = a
        .post_json(&format!("/api/v1/tokens/{id}/revoke"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn admins_grant_roles_only_within_scope_and_rank() {
    let app = app().await;
    let a = street_admin_a(&app).await;
    let users_before = app.count("users").await;
    let r = a
        .post_json("/api/v1/users", json!({"username": "x", "password": "abc", "display_name": "", "phone": "12345", "home": STREET_A}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        vec!["display_name", "password", "phone", "username"]
    );
    assert_eq!(app.count("users").await, users_before);
    let r = a
        .post_json("/api/v1/users", json!({"username": "zhang.san", "password": "Zhang2026", "display_name": "张三", "phone": "13800001111", "home": COMMUNITY_A}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["phone"], "138****1111", "phone numbers are masked");
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = a
        .post_json("/api/v1/users", json!({"username": "zhang.san", "password": "Zhang2026", "display_name": "张三", "home": COMMUNITY_A}))
        .await;
    assert_eq!(r.json()["errors"][0]["code"], "user.username_taken");

    let roles_before = app.count("role_assignments").await;
    let grant = |role: &str, scope: &str| json!({"role": role, "scope": scope});
    let url = format!("/api/v1/users/{id}/roles");
    assert_eq!(
        a.post_json(&url, grant("district_admin", DISTRICT))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        a.post_json(&url, grant("supervisor", COMMUNITY_A))
            .await
            .status,
        StatusCode::FORBIDDEN,
        "supervisors rank above streets"
    );
    assert_eq!(
        a.post_json(&url, grant("community_admin", COMMUNITY_B))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = a.post_json(&url, grant("community_admin", STREET_A)).await;
    assert_eq!(r.json()["errors"][0]["code"], "role.wrong_level");
    let r = a.post_json(&url, grant("org_admin", COMMUNITY_A)).await;
    assert_eq!(r.json()["errors"][0]["code"], "role.needs_org_scope");
    assert_eq!(
        a.post_json(&url, grant("chief", COMMUNITY_A)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.count("role_assignments").await,
        roles_before,
        "refused grants change nothing"
    );

    let r = a
        .post_json(&url, grant("community_admin", COMMUNITY_A))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let assignment = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        a.post_json(&url, grant("community_admin", COMMUNITY_A))
            .await
            .status,
        StatusCode::CONFLICT
    );
    let r = a
        .post_json(
            &format!("/api/v1/users/{id}/roles/{assignment}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let user = a.get(&format!("/api/v1/users/{id}")).await.json();
    assert_eq!(user["roles"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn nobody_manages_an_account_that_outranks_them() {
    let app = app().await;
    let sup = app
        .user_model("a.supervisor", &[(Role::Supervisor, STREET_A)])
        .await;
    let a = street_admin_a(&app).await;
    let r = a
        .post_json(
            &format!("/api/v1/users/{}/password", sup.id),
            json!({"new_password": "Takeover123"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = a
        .post_json(
            &format!("/api/v1/users/{}/status", sup.id),
            json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let admin = district_admin(&app).await;
    let r = admin
        .post_json(
            &format!("/api/v1/users/{}/status", sup.id),
            json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .anon()
        .post_json(
            "/api/v1/auth/login",
            json!({"login": "a.supervisor", "password": TEST_PASSWORD}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a disabled account cannot sign in"
    );
}

#[tokio::test]
async fn an_admin_cannot_take_over_a_role_held_outside_their_scope() {
    let app = app().await;
    // Lives in community A, but administers community B (another street).
    let target = app
        .user_model(
            "two.places",
            &[
                (Role::Resident, COMMUNITY_A),
                (Role::CommunityAdmin, COMMUNITY_B),
            ],
        )
        .await;
    let a = app
        .user("c.a.admin", &[(Role::CommunityAdmin, COMMUNITY_A)])
        .await;
    let r = a
        .post_json(
            &format!("/api/v1/users/{}/password", target.id),
            json!({"new_password": "Takeover123"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = a
        .post_json(
            &format!("/api/v1/users/{}/status", target.id),
            json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn admins_do_not_manage_themselves() {
    let app = app().await;
    let me = app
        .user_model("a.self", &[(Role::StreetAdmin, STREET_A)])
        .await;
    let c = app.user("a.self2", &[(Role::StreetAdmin, STREET_A)]).await;
    let _ = c;
    let mut a = app.anon();
    let (_, secret) = gongzhi_platform::identity::create_token(
        &app.state,
        &gongzhi_platform::audit::AuditActor::system("test"),
        me.id,
        &me.home_path,
        "t",
        None,
    )
    .await
    .unwrap();
    a.bearer = Some(secret);
    let r = a
        .post_json(
            &format!("/api/v1/users/{}/password", me.id),
            json!({"new_password": "Myself12345"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["code"], "user.not_self");
    let r = a
        .post_json(
            &format!("/api/v1/users/{}/roles", me.id),
            json!({"role": "reviewer", "scope": STREET_A}),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["code"], "user.not_self");
}

#[tokio::test]
async fn parallel_wrong_passwords_all_count() {
    let app = app().await;
    app.user_model("a.admin", &[(Role::StreetAdmin, STREET_A)])
        .await;
    let anon = app.anon().from_ip("203.0.113.9");
    let body = json!({"login": "a.admin", "password": "wrong-pass1"});
    let rs = futures::future::join_all(
        (0..5).map(|_| anon.post_json("/api/v1/auth/login", body.clone())),
    )
    .await;
    assert!(
        rs.iter()
            .all(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY)
    );
    let r = attempt(&anon, "a.admin", TEST_PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "five parallel failures all counted"
    );
}

#[tokio::test]
async fn a_reset_password_must_be_changed_before_anything_else() {
    let app = app().await;
    let target = app
        .user_model("c.admin", &[(Role::CommunityAdmin, COMMUNITY_A)])
        .await;
    let a = street_admin_a(&app).await;
    let r = a
        .post_json(
            &format!("/api/v1/users/{}/password", target.id),
            json!({"new_password": "Temp123456"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let mut c = app.anon();
    let r = c
        .post_json(
            "/api/v1/auth/login",
            json!({"login": "c.admin", "password": "Temp123456"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    c.cookie = r.set_cookie("gz_session");
    c.csrf = r.json()["csrf_token"].as_str().map(str::to_string);
    assert_eq!(
        c.get("/api/v1/me").await.json()["must_change_password"],
        true
    );
    let r = c.get("/api/v1/territories").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["type"], "/problems/password_change_required");
    let r = c.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers["location"], "/account/password");
    let r = c
        .post_json(
            "/api/v1/me/password",
            json!({"current_password": "Temp123456", "new_password": "Mine123456"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/api/v1/territories").await.status, StatusCode::OK);
}

#[tokio::test]
async fn concurrent_grants_of_one_role_make_one_assignment() {
    let app = app().await;
    let target = app
        .user_model("c.new", &[(Role::Resident, COMMUNITY_A)])
        .await;
    let a = street_admin_a(&app).await;
    let url = format!("/api/v1/users/{}/roles", target.id);
    let body = json!({"role": "community_admin", "scope": COMMUNITY_A});
    let (r1, r2) = tokio::join!(
        a.post_json(&url, body.clone()),
        a.post_json(&url, body.clone())
    );
    let mut statuses = [r1.status, r2.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{} / {}",
        r1.text(),
        r2.text()
    );
}

#[tokio::test]
async fn search_patterns_are_literal() {
    let app = app().await;
    app.user_model("ab", &[(Role::Resident, COMMUNITY_A)]).await;
    app.user_model("a_b", &[(Role::Resident, COMMUNITY_A)])
        .await;
    let admin = district_admin(&app).await;
    let page = admin.get("/api/v1/users?q=a_").await.json();
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["a_b"], "`_` is not a wildcard");
}
