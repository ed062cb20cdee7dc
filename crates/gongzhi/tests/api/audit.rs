use axum::http::StatusCode;
use gongzhi_kernel::authz::Role;
use gongzhi_platform::audit::{self, VerifyOutcome};
use gongzhi_platform::sea_orm::ConnectionTrait;
use gongzhi_platform::testing::TestApp;
use serde_json::json;

use super::fixture::*;

async fn app_with_history() -> TestApp {
    let app = app().await;
    let a = street_admin_a(&app).await;
    for (code, name) in [
        ("440308001002", "东和社区"),
        ("440308001003", "桥东社区"),
        ("440308001004", "沙头角社区"),
    ] {
        let r = a
            .post_json(
                "/api/v1/territories",
                json!({"code": code, "name": name, "kind": "community"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    assert!(audit::seal_all(&app.state.db).await.unwrap() >= 8);
    app
}

async fn exec(app: &TestApp, sql: &str) {
    app.state.db.write.execute_unprepared(sql).await.unwrap();
}

#[tokio::test]
async fn every_change_is_audited_in_its_scope() {
    let app = app_with_history().await;
    let sup = app
        .user("a.supervisor", &[(Role::Supervisor, STREET_A)])
        .await;
    let page = sup.get("/api/v1/audit?action=territory.create").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let items = page.json()["items"].as_array().unwrap().clone();
    assert_eq!(
        items.len(),
        5,
        "the street, its seeded community and three new ones: {items:?}"
    );
    assert!(items.iter().all(|i| {
        i["scope_path"]
            .as_str()
            .unwrap()
            .starts_with("/440308/440308001/")
    }));
    assert_eq!(items[0]["actor"], "a.admin");
    assert_eq!(items[0]["entity_id"], "440308001004", "newest first");
    // Street B's history is not theirs to read.
    assert_eq!(
        sup.get(&format!("/api/v1/audit?scope={STREET_B}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Street admins are not auditors.
    let a = app.user("a.admin2", &[(Role::StreetAdmin, STREET_A)]).await;
    assert_eq!(a.get("/api/v1/audit").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn csv_export_opens_in_excel() {
    let app = app_with_history().await;
    let sup = app
        .user("qu.supervisor", &[(Role::Supervisor, DISTRICT)])
        .await;
    let r = sup
        .get("/api/v1/audit/export.csv?entity_type=territory")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        r.body.starts_with("\u{feff}".as_bytes()),
        "UTF-8 BOM for Excel"
    );
    let text = r.text();
    assert!(text.contains("时间,操作人,操作"), "{text}");
    assert_eq!(
        text.lines().count(),
        1 + 8,
        "header + 5 seeded nodes + 3 created: {text}"
    );
}

#[tokio::test]
async fn verify_passes_on_an_intact_chain() {
    let app = app_with_history().await;
    match audit::verify(&app.state.db).await.unwrap() {
        VerifyOutcome::Intact { sealed, pending } => {
            assert!(sealed >= 8);
            assert_eq!(pending, 0);
        }
        other => panic!("{other:?}"),
    }
    // New entries are pending until sealed, then verify again.
    app.user("a.newcomer", &[(Role::StreetAdmin, STREET_A)])
        .await;
    assert!(matches!(
        audit::verify(&app.state.db).await.unwrap(),
        VerifyOutcome::Intact { pending: 1.., .. }
    ));
    audit::seal_all(&app.state.db).await.unwrap();
    assert!(matches!(
        audit::verify(&app.state.db).await.unwrap(),
        VerifyOutcome::Intact { pending: 0, .. }
    ));
}

#[tokio::test]
async fn verify_catches_an_edited_entry() {
    let app = app_with_history().await;
    exec(
        &app,
        "UPDATE audit_entries SET summary = '{\"name\":\"改过\"}' WHERE chain_index = 3",
    )
    .await;
    assert!(matches!(
        audit::verify(&app.state.db).await.unwrap(),
        VerifyOutcome::Broken {
            chain_index: 3,
            problem: "hash_mismatch",
            ..
        }
    ));
}

#[tokio::test]
async fn verify_catches_a_deleted_entry() {
    let app = app_with_history().await;
    exec(&app, "DELETE FROM audit_entries WHERE chain_index = 4").await;
    assert!(matches!(
        audit::verify(&app.state.db).await.unwrap(),
        VerifyOutcome::Broken {
            chain_index: 4,
            problem: "missing_entry",
            ..
        }
    ));
}

#[tokio::test]
async fn verify_catches_a_deleted_tail() {
    let app = app_with_history().await;
    exec(&app, "DELETE FROM audit_entries WHERE chain_index = (SELECT MAX(chain_index) FROM audit_entries)").await;
    assert!(matches!(
        audit::verify(&app.state.db).await.unwrap(),
        VerifyOutcome::Broken {
            problem: "missing_entry",
            ..
        }
    ));
}

#[tokio::test]
async fn verify_catches_reordered_entries() {
    let app = app_with_history().await;
    exec(
        &app,
        "UPDATE audit_entries SET chain_index = -1 WHERE chain_index = 2",
    )
    .await;
    exec(
        &app,
        "UPDATE audit_entries SET chain_index = 2 WHERE chain_index = 5",
    )
    .await;
    exec(
        &app,
        "UPDATE audit_entries SET chain_index = 5 WHERE chain_index = -1",
    )
    .await;
    assert!(matches!(
        audit::verify(&app.state.db).await.unwrap(),
        VerifyOutcome::Broken {
            chain_index: 2,
            problem: "hash_mismatch",
            ..
        }
    ));
}

#[tokio::test]
async fn verify_catches_a_rewritten_hash_through_the_seal() {
    let app = app_with_history().await;
    // Even with the entry's own hash recomputed, the next entry (or the seal) no longer agrees.
    exec(&app, "UPDATE audit_entries SET action = 'territory.forged', entry_hash = 'x' WHERE chain_index = 1").await;
    assert!(matches!(
        audit::verify(&app.state.db).await.unwrap(),
        VerifyOutcome::Broken { chain_index: 1, .. }
    ));
}
