//! API plumbing: OpenAPI document, problem documents, limits, locale, ops endpoints.

use axum::http::{Method, StatusCode};
use gongzhi_platform::testing::TestApp;
use gongzhi_platform::web::Access;

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
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
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
