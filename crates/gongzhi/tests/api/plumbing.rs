//! API plumbing: OpenAPI document, problem documents, limits, locale, ops endpoints.

use axum::http::{Method, StatusCode};
use gongzhi_kernel::authz::Role;
use gongzhi_platform::testing::TestApp;
use gongzhi_platform::web::Access;
use serde_json::json;

use super::fixture::*;

#[tokio::test]
async fn openapi_document_matches_the_snapshot_and_every_api_route() {
    let app = TestApp::new(gongzhi::modules()).await;
    let r = app.anon().get("/api/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for route in app
        .state
        .routes
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/"))
    {
        let method = route.method.as_str().to_lowercase();
        assert!(
            doc["paths"][route.path][&method].is_object(),
            "{} {} is routed but missing from the OpenAPI document",
            route.method,
            route.path
        );
    }
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    let routed = app
        .state
        .routes
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/"))
        .count();
    assert_eq!(documented, routed, "every documented operation is routed");
    // The document says what the server does: errors are problem documents, parameters sit
    // where they are sent, public operations need no credentials.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let here = format!("{method} {path}");
            for (status, resp) in op["responses"].as_object().unwrap() {
                if status == "default" || status.starts_with('4') || status.starts_with('5') {
                    let content = resp["content"].as_object().unwrap();
                    assert!(
                        content.keys().all(|k| k == "application/problem+json"),
                        "{here} {status}: {content:?}"
                    );
                }
            }
            assert!(op["responses"].get("default").is_some(), "{here}");
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" {
                    let name = p["name"].as_str().unwrap();
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{here}: {name} is not in the path"
                    );
                }
            }
            let public = app.state.routes.iter().any(|r| {
                r.path == path
                    && r.method.as_str().eq_ignore_ascii_case(method)
                    && r.access == Access::Public
            });
            assert_eq!(
                op.get("security") == Some(&serde_json::json!([{}])),
                public,
                "{here}"
            );
        }
    }
    insta::assert_snapshot!("openapi", r.text());
}

#[tokio::test]
async fn docs_page_is_served() {
    let app = TestApp::new(gongzhi::modules()).await;
    let r = app.anon().get("/api/docs/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("swagger"), "{}", r.text());
}

#[tokio::test]
async fn malformed_oversized_and_mistyped_bodies_are_problems() {
    let app = app().await;
    let admin = district_admin(&app).await;
    let r = admin
        .send(
            Method::POST,
            "/api/v1/territories",
            Some(("application/json", b"{not json".to_vec())),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["code"], "error.json_malformed");
    let r = admin
        .send(
            Method::POST,
            "/api/v1/territories",
            Some(("application/json", br#"{"code": 5}"#.to_vec())),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "code", "{}", r.text());
    assert_eq!(r.json()["errors"][0]["code"], "input.expected_text");
    let r = admin
        .send(
            Method::POST,
            "/api/v1/territories",
            Some(("text/plain", b"x".to_vec())),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = vec![b' '; 3 * 1024 * 1024];
    let r = admin
        .send(
            Method::POST,
            "/api/v1/territories",
            Some(("application/json", big)),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    assert_eq!(r.headers["content-type"], "application/problem+json");
    let r = admin.get("/api/v1/nothing-here").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["status"], 404);
}

#[tokio::test]
async fn messages_follow_the_requested_language() {
    let app = app().await;
    let admin = district_admin(&app).await;
    let body = serde_json::json!({"code": "123", "name": "x", "kind": "community"});
    let zh = admin
        .post_json("/api/v1/territories", body.clone())
        .await
        .json();
    let en = admin
        .clone()
        .english()
        .post_json("/api/v1/territories", body.clone())
        .await
        .json();
    let q = admin
        .post_json("/api/v1/territories?lang=en", body)
        .await
        .json();
    assert!(zh["title"].as_str().unwrap().contains("有误"), "{zh}");
    assert_eq!(en["title"], "Some fields need correcting");
    assert_eq!(q["title"], "Some fields need correcting");
    assert_eq!(zh["errors"][0]["code"], en["errors"][0]["code"]);
}

#[tokio::test]
async fn ops_endpoints() {
    let app = TestApp::new(gongzhi::modules()).await;
    let anon = app.anon();
    assert_eq!(anon.get("/healthz").await.text(), "ok");
    assert_eq!(anon.get("/readyz").await.status, StatusCode::OK);
    let _ = anon.get("/healthz").await;
    let m = anon.get("/metrics").await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(m.text().contains("http_requests_total"), "{}", m.text());
    let r = anon.get("/healthz").await;
    let csp = r.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
}

#[tokio::test]
async fn every_route_declares_access() {
    let app = TestApp::new(gongzhi::modules()).await;
    let mut public: Vec<String> = app
        .state
        .routes
        .iter()
        .filter(|r| r.access == Access::Public)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    public.sort();
    assert_eq!(
        public,
        vec![
            "GET /api/openapi.json",
            "GET /api/v1/public/catalogs/public-services/{community}",
            "GET /api/v1/public/catalogs/purchase/{street}",
            "GET /api/v1/public/catalogs/{district}",
            "GET /api/v1/public/catalogs/{district}/check",
            "GET /api/v1/public/catalogs/{district}/diff",
            "GET /api/v1/public/catalogs/{district}/export.xlsx",
            "GET /api/v1/public/catalogs/{district}/items/{item_code}/providers",
            "GET /api/v1/public/catalogs/{district}/versions",
            "GET /api/v1/public/contracts/{purchase_contract_id}",
            "GET /api/v1/public/incubation-calls",
            "GET /api/v1/public/notices",
            "GET /api/v1/public/notices/{notice_id}",
            "GET /api/v1/public/ocds/extension.json",
            "GET /api/v1/public/ocds/records/{ocid}",
            "GET /api/v1/public/ocds/release-schema.json",
            "GET /api/v1/public/ocds/releases",
            "GET /api/v1/public/ocds/releases/{ocid}",
            "GET /api/v1/public/org-categories",
            "GET /api/v1/public/orgs",
            "GET /api/v1/public/orgs/{org_id}/credit",
            "GET /api/v1/public/orgs/{org_id}/members",
            "GET /api/v1/public/surveys/{purchase_contract_id}",
            "GET /healthz",
            "GET /lang/{lang}",
            "GET /login",
            "GET /metrics",
            "GET /public",
            "GET /public/catalogs/public-services/{community}",
            "GET /public/catalogs/purchase/{street}",
            "GET /public/catalogs/{district}",
            "GET /public/catalogs/{district}/items/{item_code}",
            "GET /public/catalogs/{district}/versions",
            "GET /public/contracts/{purchase_contract_id}",
            "GET /public/incubation",
            "GET /public/notices",
            "GET /public/notices/{notice_id}",
            "GET /public/orgs",
            "GET /public/orgs/{org_id}",
            "GET /public/orgs/{org_id}/credit",
            "GET /public/surveys/{purchase_contract_id}",
            "GET /readyz",
            "GET /static/{file}",
            "POST /api/v1/auth/login",
            "POST /api/v1/public/surveys/{purchase_contract_id}",
            "POST /login",
            "POST /public/surveys/{purchase_contract_id}",
        ]
    );
}

fn is_problem(r: &gongzhi_platform::testing::TestResponse) -> bool {
    r.headers["content-type"] == "application/problem+json" && r.json()["status"].is_u64()
}

#[tokio::test]
async fn every_api_error_is_a_problem_in_the_request_language() {
    let app = app().await;
    let admin = district_admin(&app).await;
    let sup = app
        .user("qu.supervisor", &[(Role::Supervisor, DISTRICT)])
        .await;
    let anon = app.anon();
    // Query strings: a bad number and an impossible date name their field, in either language.
    let r = anon.get("/api/v1/public/orgs?limit=abc").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(is_problem(&r));
    assert_eq!(r.json()["errors"][0]["field"], "limit");
    assert!(
        r.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("整数")
    );
    let r = anon
        .clone()
        .english()
        .get("/api/v1/public/orgs?limit=abc")
        .await;
    assert!(
        r.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("whole number")
    );
    let r = sup.get("/api/v1/audit?from=2026-02-30T00:00:00Z").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["field"], "from");
    // Bodies: an impossible date in JSON names its field.
    let r = admin
        .post_json(
            "/api/v1/orgs/applications",
            json!({"name": "x", "legal_form": "community_org", "tier": "filed", "territory": COMMUNITY_A, "founded_on": "2026-02-30"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["field"], "founded_on");
    // Path parameters that cannot name anything, unknown routes, wrong methods.
    for path in [
        "/api/v1/public/contracts/not-a-uuid",
        "/api/v1/public/orgs/%00",
        "/api/v1/territories/%FF",
        "/api/v1/nothing-here",
    ] {
        let r = admin.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text());
        assert!(is_problem(&r), "{path}: {}", r.text());
    }
    let r = admin
        .send(Method::DELETE, "/api/v1/territories", None)
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(is_problem(&r), "{}", r.text());
    assert!(r.headers.contains_key("allow"));
    let r = admin
        .clone()
        .english()
        .send(Method::PUT, "/api/v1/me", None)
        .await;
    assert_eq!(
        r.json()["title"],
        "This address does not accept that request method"
    );
    // Pages keep the project's error page.
    let r = anon.get("/public/orgs/not-a-uuid").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let r = anon.send(Method::DELETE, "/login", None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn text_is_cleaned_at_the_edge_the_same_on_both_databases() {
    let app = app().await;
    let admin = district_admin(&app).await;
    // NUL (which PostgreSQL cannot store) and other control characters: a field message,
    // nothing saved.
    for bad in [r"桥东\u0000社区", r"桥东\u001b社区", r"桥东\u0085社区"] {
        let body = format!(r#"{{"code": "440308001003", "name": "{bad}", "kind": "community"}}"#);
        let r = admin
            .send(
                Method::POST,
                "/api/v1/territories",
                Some(("application/json", body.into_bytes())),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text()
        );
        assert_eq!(r.json()["errors"][0]["field"], "name");
        assert_eq!(r.json()["errors"][0]["code"], "text.control");
    }
    assert_eq!(
        admin.get("/api/v1/territories/440308001003").await.status,
        StatusCode::NOT_FOUND
    );
    // Zero-width and bidirectional characters are removed, and the text is composed (NFC).
    let r = admin
        .post_json(
            "/api/v1/territories",
            json!({"code": "440308001003", "name": "\u{202E}桥\u{200B}东社区\u{FEFF}", "kind": "community"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["name"], "桥东社区");
    let r = admin
        .patch_json(
            "/api/v1/territories/440308001003",
            json!({"name": "Cafe\u{301}社区", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["name"], "Caf\u{e9}社区");
    // Query strings too: a NUL in a search is refused, not sent to the database.
    let r = app.anon().get("/api/v1/public/orgs?q=%00").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "q");
}
