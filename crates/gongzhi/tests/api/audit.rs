use axum::http::StatusCode;
use gongzhi_kernel::authz::Role;
use gongzhi_platform::audit::{self, Breach, VerifyOutcome};
use gongzhi_platform::entity::{audit_entry, audit_seal};
use gongzhi_platform::sea_orm::ConnectionTrait;
use gongzhi_platform::sea_orm::sea_query::Expr;
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
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
    assert!(app.state.audit.seal_all(&app.state.db).await.unwrap() >= 8);
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

async fn verify(app: &TestApp) -> VerifyOutcome {
    app.state.audit.verify(&app.state.db, None).await.unwrap()
}

fn broken(outcome: VerifyOutcome) -> Breach {
    match outcome {
        VerifyOutcome::Broken(b) => b,
        other => panic!("expected a breach, got {other:?}"),
    }
}

async fn entry_at(app: &TestApp, index: i64) -> audit_entry::Model {
    audit_entry::Entity::find()
        .order_by_asc(audit_entry::Column::ChainIndex)
        .all(&app.state.db.read)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.chain_index == Some(index))
        .unwrap()
}

async fn last_index(app: &TestApp) -> i64 {
    match verify(app).await {
        VerifyOutcome::Intact { sealed, .. } => sealed as i64,
        other => panic!("{other:?}"),
    }
}

/// An entry as a database administrator would write it: every column filled in (the chain hash
/// by the published rule where it has a position), but no code under the platform's key.
async fn forge(app: &TestApp, index: Option<i64>) -> uuid::Uuid {
    let mut e = entry_at(app, 1).await;
    e.id = uuid::Uuid::now_v7();
    e.at = audit::now();
    e.action = "territory.delete".into();
    e.chain_index = index;
    e.entry_mac = Some("deadbeefdeadbeef:00".into());
    e.entry_hash = None;
    if let Some(i) = index.filter(|i| *i > 1) {
        let prev = entry_at(app, i - 1).await;
        e.entry_hash = Some(audit::chain_hash(
            prev.entry_hash.as_deref().unwrap(),
            i,
            &audit::canonical(&e),
        ));
    } else if index.is_some() {
        e.entry_hash = Some("0".repeat(64));
    }
    let id = e.id;
    audit_entry::ActiveModel::from(e)
        .insert(&app.state.db.write)
        .await
        .unwrap();
    id
}

async fn set_entry(
    app: &TestApp,
    id: uuid::Uuid,
    col: audit_entry::Column,
    v: impl Into<gongzhi_platform::sea_orm::Value>,
) {
    audit_entry::Entity::update_many()
        .col_expr(col, Expr::value(v))
        .filter(audit_entry::Column::Id.eq(id))
        .exec(&app.state.db.write)
        .await
        .unwrap();
}

#[tokio::test]
async fn verify_passes_on_an_intact_chain() {
    let app = app_with_history().await;
    match verify(&app).await {
        VerifyOutcome::Intact {
            sealed,
            pending,
            seals,
            checkpoints,
        } => {
            assert!(sealed >= 8);
            assert_eq!(pending, 0);
            assert!(seals >= 1);
            assert_eq!(
                checkpoints, seals,
                "every seal is in the local checkpoint log"
            );
        }
        other => panic!("{other:?}"),
    }
    // New entries are pending until sealed, then verify again.
    app.user("a.newcomer", &[(Role::StreetAdmin, STREET_A)])
        .await;
    assert!(matches!(
        verify(&app).await,
        VerifyOutcome::Intact { pending: 1.., .. }
    ));
    app.state.audit.seal_all(&app.state.db).await.unwrap();
    assert!(matches!(
        verify(&app).await,
        VerifyOutcome::Intact { pending: 0, .. }
    ));
}

#[tokio::test]
async fn verify_names_an_edited_entry() {
    let app = app_with_history().await;
    let e = entry_at(&app, 3).await;
    exec(
        &app,
        "UPDATE audit_entries SET summary = '{\"name\":\"改过\"}' WHERE chain_index = 3",
    )
    .await;
    let b = broken(verify(&app).await);
    assert_eq!(
        (b.problem, b.chain_index, b.entry_id),
        ("entry_mac", Some(3), Some(e.id))
    );
}

#[tokio::test]
async fn verify_catches_a_deleted_entry() {
    let app = app_with_history().await;
    exec(&app, "DELETE FROM audit_entries WHERE chain_index = 4").await;
    let b = broken(verify(&app).await);
    assert_eq!((b.problem, b.chain_index), ("missing_entry", Some(4)));
}

#[tokio::test]
async fn verify_catches_a_deleted_tail_with_its_seal_through_the_checkpoint_log() {
    let app = app_with_history().await;
    let last = last_index(&app).await;
    exec(
        &app,
        &format!("DELETE FROM audit_entries WHERE chain_index = {last}"),
    )
    .await;
    let b = broken(verify(&app).await);
    assert_eq!((b.problem, b.chain_index), ("missing_entry", Some(last)));
    // Removing the last seal too leaves a shorter chain that holds in itself; the checkpoint
    // log outside the database still has the seal.
    exec(
        &app,
        "DELETE FROM audit_seals WHERE seal_no = (SELECT MAX(seal_no) FROM audit_seals)",
    )
    .await;
    exec(&app, "DELETE FROM audit_entries WHERE chain_index IS NOT NULL AND chain_index > COALESCE((SELECT MAX(last_index) FROM audit_seals), 0)").await;
    let b = broken(verify(&app).await);
    assert_eq!(b.problem, "checkpoint_missing_seal", "{b:?}");
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
    let b = broken(verify(&app).await);
    assert_eq!((b.problem, b.chain_index), ("hash_mismatch", Some(2)));
}

// The five forgeries of the hostile test (issue 15). Each must fail verification, naming the
// forged entry.

#[tokio::test]
async fn forgery_an_entry_with_a_forged_seal() {
    let app = app_with_history().await;
    let last = last_index(&app).await;
    // The attacker follows the published chain rule and writes a seal for the new entry,
    // borrowing a real seal's key id and signature.
    let id = forge(&app, Some(last + 1)).await;
    let stored = entry_at(&app, last + 1).await;
    let first = audit_seal::Entity::find_by_id(1i64)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    let seals = audit_seal::Entity::find()
        .all(&app.state.db.read)
        .await
        .unwrap()
        .len() as i64;
    audit_seal::ActiveModel::from(audit_seal::Model {
        seal_no: seals + 1,
        first_index: last + 1,
        last_index: last + 1,
        last_hash: stored.entry_hash.clone().unwrap(),
        sealed_at: audit::now(),
        key_id: first.key_id.clone(),
        signature: first.signature.clone(),
    })
    .insert(&app.state.db.write)
    .await
    .unwrap();
    let b = broken(verify(&app).await);
    assert_eq!(
        (b.problem, b.chain_index, b.entry_id),
        ("entry_mac", Some(last + 1), Some(id)),
        "{b:?}"
    );
}

#[tokio::test]
async fn forgery_an_unsealed_entry_is_never_chained() {
    let app = app_with_history().await;
    let id = forge(&app, None).await;
    // A genuine change after it: the sealer chains that one and leaves the forgery out.
    app.user("a.later", &[(Role::StreetAdmin, STREET_A)]).await;
    assert_eq!(app.state.audit.seal_all(&app.state.db).await.unwrap(), 1);
    let forged = audit_entry::Entity::find_by_id(id)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(forged.chain_index, None, "not chained");
    let b = broken(verify(&app).await);
    assert_eq!((b.problem, b.entry_id), ("entry_mac", Some(id)), "{b:?}");
}

#[tokio::test]
async fn forgery_an_entry_at_position_zero() {
    let app = app_with_history().await;
    let id = forge(&app, Some(0)).await;
    let b = broken(verify(&app).await);
    assert_eq!(
        (b.problem, b.chain_index, b.entry_id),
        ("index_out_of_range", Some(0), Some(id))
    );
}

#[tokio::test]
async fn forgery_a_changed_scope_is_inside_the_hash() {
    let app = app_with_history().await;
    let e = entry_at(&app, 2).await;
    // Moving an entry to another street would hide it from that street's supervisors.
    exec(
        &app,
        "UPDATE audit_entries SET scope_street = '440308002' WHERE chain_index = 2",
    )
    .await;
    let b = broken(verify(&app).await);
    assert_eq!(
        (b.problem, b.chain_index, b.entry_id),
        ("entry_mac", Some(2), Some(e.id))
    );
    set_entry(
        &app,
        e.id,
        audit_entry::Column::ScopeStreet,
        e.scope_street.clone(),
    )
    .await;
    exec(
        &app,
        "UPDATE audit_entries SET scope_district = '440309' WHERE chain_index = 2",
    )
    .await;
    assert_eq!(broken(verify(&app).await).entry_id, Some(e.id));
}

#[tokio::test]
async fn forgery_an_edit_with_the_chain_and_seals_recomputed() {
    let app = app_with_history().await;
    let victim = entry_at(&app, 3).await;
    exec(
        &app,
        "UPDATE audit_entries SET action = 'territory.rename' WHERE chain_index = 3",
    )
    .await;
    // Recompute every hash from the edit on, and every seal's last hash, as the rule says.
    let entries = audit_entry::Entity::find()
        .order_by_asc(audit_entry::Column::ChainIndex)
        .all(&app.state.db.read)
        .await
        .unwrap();
    let mut prev = audit::GENESIS.to_string();
    for e in entries.iter().filter(|e| e.chain_index.is_some()) {
        let idx = e.chain_index.unwrap();
        let h = audit::chain_hash(&prev, idx, &audit::canonical(e));
        set_entry(&app, e.id, audit_entry::Column::EntryHash, h.clone()).await;
        exec(
            &app,
            &format!("UPDATE audit_seals SET last_hash = '{h}' WHERE last_index = {idx}"),
        )
        .await;
        prev = h;
    }
    let b = broken(verify(&app).await);
    assert_eq!(
        (b.problem, b.chain_index, b.entry_id),
        ("entry_mac", Some(3), Some(victim.id)),
        "{b:?}"
    );
    // With the content put back, the recomputed hash no longer matches it.
    set_entry(
        &app,
        victim.id,
        audit_entry::Column::Action,
        victim.action.clone(),
    )
    .await;
    let b = broken(verify(&app).await);
    assert_eq!(
        (b.problem, b.chain_index),
        ("hash_mismatch", Some(3)),
        "{b:?}"
    );
}

#[tokio::test]
async fn forgery_an_appended_entry_is_named() {
    let app = app_with_history().await;
    let last = last_index(&app).await;
    let id = forge(&app, Some(last + 1)).await;
    let b = broken(verify(&app).await);
    assert_eq!(
        (b.problem, b.chain_index, b.entry_id),
        ("unsealed_index", Some(last + 1), Some(id)),
        "{b:?}"
    );
}

#[tokio::test]
async fn a_seal_rewritten_without_the_key_fails_its_signature() {
    let app = app_with_history().await;
    audit_seal::Entity::update_many()
        .col_expr(audit_seal::Column::SealedAt, Expr::value(audit::now()))
        .filter(audit_seal::Column::SealNo.eq(1))
        .exec(&app.state.db.write)
        .await
        .unwrap();
    let b = broken(verify(&app).await);
    assert_eq!((b.problem, b.seal_no), ("seal_signature", Some(1)), "{b:?}");
}

#[tokio::test]
async fn a_kept_checkpoint_file_proves_the_database_unchanged() {
    let app = app_with_history().await;
    let sup = app
        .user("qu.supervisor", &[(Role::Supervisor, DISTRICT)])
        .await;
    let r = sup.get("/api/v1/audit/checkpoints").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let kept =
        std::env::temp_dir().join(format!("gz-kept-{}.jsonl", uuid::Uuid::now_v7().simple()));
    std::fs::write(&kept, &r.body).unwrap();
    let lines = r.text().lines().count();
    assert!(lines >= 1);
    for line in r.text().lines() {
        let cp: audit::Checkpoint = serde_json::from_str(line).unwrap();
        assert!(
            cp.signature_holds(),
            "each line checks with its public key alone"
        );
    }
    match app
        .state
        .audit
        .verify(&app.state.db, Some(&kept))
        .await
        .unwrap()
    {
        VerifyOutcome::Intact { checkpoints, .. } => assert_eq!(checkpoints as usize, 2 * lines),
        other => panic!("{other:?}"),
    }
    // The database and the server's own log are rolled back together; the kept copy remains.
    exec(
        &app,
        "DELETE FROM audit_seals WHERE seal_no = (SELECT MAX(seal_no) FROM audit_seals)",
    )
    .await;
    exec(&app, "DELETE FROM audit_entries WHERE chain_index IS NOT NULL AND chain_index > COALESCE((SELECT MAX(last_index) FROM audit_seals), 0)").await;
    std::fs::remove_file(&app.state.audit.log).unwrap();
    assert!(
        matches!(verify(&app).await, VerifyOutcome::Intact { .. }),
        "alone, the shorter chain holds"
    );
    let b = broken(
        app.state
            .audit
            .verify(&app.state.db, Some(&kept))
            .await
            .unwrap(),
    );
    assert_eq!(b.problem, "checkpoint_missing_seal", "{b:?}");
    // Street admins are not auditors.
    let a = app.user("a.admin2", &[(Role::StreetAdmin, STREET_A)]).await;
    assert_eq!(
        a.get("/api/v1/audit/checkpoints").await.status,
        StatusCode::FORBIDDEN
    );
    std::fs::remove_file(&kept).unwrap();
}

#[tokio::test]
async fn forgery_a_second_entry_at_a_taken_position() {
    let app = app_with_history().await;
    // The administrator drops the unique index to slip a second entry in at position 2.
    exec(&app, "DROP INDEX ux_audit_chain").await;
    let id = forge(&app, Some(2)).await;
    let b = broken(verify(&app).await);
    assert_eq!(
        (b.problem, b.chain_index),
        ("duplicate_index", Some(2)),
        "{b:?}"
    );
    assert!(b.entry_id.is_some());
    let _ = id;
}

#[tokio::test]
async fn forged_entries_do_not_hold_up_sealing() {
    let app = app_with_history().await;
    // Older than anything genuine, so they come first in every batch.
    let forged: Vec<uuid::Uuid> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            let id = forge(&app, None).await;
            set_entry(
                &app,
                id,
                audit_entry::Column::At,
                chrono::Utc::now() - chrono::Duration::days(400),
            )
            .await;
            v.push(id);
        }
        v
    };
    app.user("a.later", &[(Role::StreetAdmin, STREET_A)]).await;
    assert_eq!(
        app.state
            .audit
            .seal_pending(&app.state.db, 2)
            .await
            .unwrap(),
        1,
        "the genuine entry is sealed past three forged ones in batches of two"
    );
    let b = broken(verify(&app).await);
    assert!(forged.contains(&b.entry_id.unwrap()), "{b:?}");
}

#[tokio::test]
async fn a_torn_checkpoint_line_is_overwritten_not_fatal() {
    let app = app_with_history().await;
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&app.state.audit.log)
        .unwrap();
    f.write_all(br#"{"seal_no":2,"first_in"#).unwrap();
    drop(f);
    assert!(matches!(verify(&app).await, VerifyOutcome::Intact { .. }));
    app.user("a.later", &[(Role::StreetAdmin, STREET_A)]).await;
    app.state.audit.seal_all(&app.state.db).await.unwrap();
    let text = std::fs::read_to_string(&app.state.audit.log).unwrap();
    assert!(
        text.lines()
            .all(|l| serde_json::from_str::<audit::Checkpoint>(l).is_ok()),
        "{text}"
    );
    assert!(matches!(
        verify(&app).await,
        VerifyOutcome::Intact {
            seals: 2,
            checkpoints: 2,
            ..
        }
    ));
}

#[tokio::test]
async fn a_rotated_key_signs_nothing_after_its_last_seal() {
    let app = app_with_history().await;
    // A ring like the installation's, rotated after seal 1: the old key is retired.
    let mut ring = (*app.state.audit.keys).clone();
    let old = ring.current().clone();
    ring.rotate(1);
    let rotated = audit::Trail {
        keys: std::sync::Arc::new(ring),
        log: app.state.audit.log.clone(),
    };
    assert!(matches!(
        rotated.verify(&app.state.db, None).await.unwrap(),
        VerifyOutcome::Intact { .. }
    ));
    // Whoever kept the old key writes an entry it authenticates: it is not chained, and
    // verify names it (the seals' side is in the key ring's unit test).
    let mut e = entry_at(&app, 1).await;
    e.id = uuid::Uuid::now_v7();
    e.chain_index = None;
    e.entry_hash = None;
    e.entry_mac = Some(old.mac(audit::canonical(&e).as_bytes()));
    let id = e.id;
    audit_entry::ActiveModel::from(e)
        .insert(&app.state.db.write)
        .await
        .unwrap();
    assert_eq!(rotated.seal_all(&app.state.db).await.unwrap(), 0);
    let b = broken(rotated.verify(&app.state.db, None).await.unwrap());
    assert_eq!((b.problem, b.entry_id), ("entry_mac", Some(id)), "{b:?}");
}

#[tokio::test]
async fn a_missing_key_ring_is_not_replaced_over_an_existing_chain() {
    let app = app_with_history().await;
    let config = gongzhi_platform::Config {
        audit_key_file: Some(std::env::temp_dir().join(format!(
            "gongzhi-missing-ring-{}",
            uuid::Uuid::now_v7().simple()
        ))),
        ..app.state.config.clone()
    };
    let e = audit::ensure_ring(&config, &app.state.db)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("missing"), "{e}");
    // The installation's own ring is there: nothing to refuse.
    audit::ensure_ring(&app.state.config, &app.state.db)
        .await
        .unwrap();
}
