//! The engine on a real table: version check, events, audit, concurrency.

use axum::http::StatusCode;
use gongzhi_kernel::CodeError;
use gongzhi_kernel::authz::{Permission, ResourceScope, Role, territory_path};
use gongzhi_kernel::workflow::{ReasonRule, TransitionDef, WorkflowDef};
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use gongzhi_platform::testing::TestApp;
use gongzhi_platform::workflow::{Target, perform};
use gongzhi_platform::{AppError, authz};

use super::fixture::*;

struct Doc {
    complete: bool,
}

fn complete(d: &Doc) -> Result<(), CodeError> {
    if d.complete {
        Ok(())
    } else {
        Err(CodeError::new("workflow.reason_required"))
    }
}

// Borrow territory permissions so the test needs no module of its own.
const SUBMIT: Permission = authz::TERRITORY_READ;
const DECIDE: Permission = authz::TERRITORY_WRITE;

static FLOW: WorkflowDef<Doc> = WorkflowDef {
    name: "test_filing",
    states: &["draft", "submitted", "approved", "rejected"],
    initial: "draft",
    terminal: &["approved", "rejected"],
    transitions: &[
        TransitionDef {
            name: "submit",
            from: &["draft"],
            to: "submitted",
            permission: SUBMIT,
            reason: ReasonRule::None,
            guard: Some(complete),
        },
        TransitionDef {
            name: "return",
            from: &["submitted"],
            to: "draft",
            permission: DECIDE,
            reason: ReasonRule::Required,
            guard: None,
        },
        TransitionDef {
            name: "approve",
            from: &["submitted"],
            to: "approved",
            permission: DECIDE,
            reason: ReasonRule::Optional,
            guard: None,
        },
        TransitionDef {
            name: "reject",
            from: &["submitted"],
            to: "rejected",
            permission: DECIDE,
            reason: ReasonRule::Required,
            guard: None,
        },
    ],
};

async fn setup() -> (TestApp, String) {
    let app = app().await;
    let ts = if app.state.db.backend() == DbBackend::Postgres {
        "TIMESTAMPTZ"
    } else {
        "TEXT"
    };
    app.state
        .db
        .write
        .execute_unprepared(&format!(
            "CREATE TABLE test_filing (id VARCHAR(40) PRIMARY KEY, state VARCHAR(40) NOT NULL, version INTEGER NOT NULL, updated_at {ts})"
        ))
        .await
        .unwrap();
    app.state
        .db
        .write
        .execute_unprepared(
            "INSERT INTO test_filing (id, state, version) VALUES ('doc1', 'draft', 1)",
        )
        .await
        .unwrap();
    (app, "doc1".into())
}

async fn row(app: &TestApp) -> (String, i32) {
    let r = app
        .state
        .db
        .read
        .query_one_raw(Statement::from_string(
            app.state.db.backend(),
            "SELECT state, version FROM test_filing WHERE id = 'doc1'",
        ))
        .await
        .unwrap()
        .unwrap();
    (
        r.try_get("", "state").unwrap(),
        r.try_get("", "version").unwrap(),
    )
}

#[allow(clippy::too_many_arguments)]
async fn step(
    app: &TestApp,
    actor_roles: &[(Role, &str)],
    username: &str,
    t: &str,
    version: i32,
    state: &str,
    reason: Option<&str>,
    complete: bool,
) -> Result<(), AppError> {
    use gongzhi_platform::entity::user;
    use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let existing = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.state.db.read)
        .await
        .unwrap();
    let u = match existing {
        Some(u) => u,
        None => app.user_model(username, actor_roles).await,
    };
    let actor = gongzhi_platform::authz::load_actor(&app.state.db.read, u.id, username)
        .await
        .unwrap();
    let who = AuditActor {
        user_id: Some(u.id),
        name: username.into(),
        ip: None,
    };
    let (_, path) = territory_path(COMMUNITY_A).unwrap();
    let txn = app.state.db.write.begin().await.unwrap();
    let target = Target {
        table: "test_filing",
        id: "doc1".into(),
        entity_id: "doc1",
        state,
        version,
        scope: ResourceScope::territory(path),
    };
    perform(
        &txn,
        &app.state,
        &actor,
        &who,
        &FLOW,
        target,
        t,
        reason,
        &Doc { complete },
    )
    .await?;
    txn.commit().await.unwrap();
    Ok(())
}

#[tokio::test]
async fn transitions_check_permission_reason_guard_and_version() {
    let (app, _) = setup().await;
    let community = [(Role::CommunityAdmin, COMMUNITY_A)];
    let street = [(Role::StreetAdmin, STREET_A)];
    let foreign = [(Role::StreetAdmin, STREET_B)];
    let err = step(&app, &community, "c", "submit", 1, "draft", None, false)
        .await
        .unwrap_err();
    assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY, "guard");
    step(&app, &community, "c", "submit", 1, "draft", None, true)
        .await
        .unwrap();
    assert_eq!(row(&app).await, ("submitted".into(), 2));
    let err = step(&app, &community, "c", "approve", 2, "submitted", None, true)
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        StatusCode::FORBIDDEN,
        "community admins do not decide"
    );
    let err = step(&app, &foreign, "b", "approve", 2, "submitted", None, true)
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        StatusCode::FORBIDDEN,
        "another street does not decide"
    );
    let err = step(
        &app,
        &street,
        "s",
        "reject",
        2,
        "submitted",
        Some(" "),
        true,
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "reason required"
    );
    let err = step(&app, &street, "s", "approve", 1, "submitted", None, true)
        .await
        .unwrap_err();
    assert_eq!(err.status(), StatusCode::CONFLICT, "stale version");
    assert_eq!(
        row(&app).await,
        ("submitted".into(), 2),
        "refusals change nothing"
    );
    let events_before = app.count("workflow_events").await;
    step(
        &app,
        &street,
        "s",
        "return",
        2,
        "submitted",
        Some("材料不全"),
        true,
    )
    .await
    .unwrap();
    assert_eq!(row(&app).await, ("draft".into(), 3));
    assert_eq!(app.count("workflow_events").await, events_before + 1);
    let err = step(&app, &street, "s", "approve", 3, "draft", None, true)
        .await
        .unwrap_err();
    assert_eq!(err.status(), StatusCode::CONFLICT, "not allowed from draft");
}

#[tokio::test]
async fn two_deciders_at_once_make_one_decision() {
    let (app, _) = setup().await;
    step(
        &app,
        &[(Role::CommunityAdmin, COMMUNITY_A)],
        "c",
        "submit",
        1,
        "draft",
        None,
        true,
    )
    .await
    .unwrap();
    app.user_model("s1", &[(Role::StreetAdmin, STREET_A)]).await;
    app.user_model("s2", &[(Role::DistrictAdmin, DISTRICT)])
        .await;
    let (a, b) = tokio::join!(
        step(&app, &[], "s1", "approve", 2, "submitted", None, true),
        step(
            &app,
            &[],
            "s2",
            "reject",
            2,
            "submitted",
            Some("不符合条件"),
            true
        )
    );
    let wins = [a.is_ok(), b.is_ok()].iter().filter(|x| **x).count();
    assert_eq!(wins, 1, "{a:?} / {b:?}");
    let loser = a.err().or(b.err()).unwrap();
    assert_eq!(loser.status(), StatusCode::CONFLICT);
    let (state, version) = row(&app).await;
    assert!(state == "approved" || state == "rejected");
    assert_eq!(version, 3);
    let decisions = app
        .state
        .db
        .read
        .query_one_raw(Statement::from_string(
            app.state.db.backend(),
            "SELECT COUNT(*) AS n FROM workflow_events WHERE transition IN ('approve', 'reject')",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(decisions, 1);
}
