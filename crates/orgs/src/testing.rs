//! Fixtures for tests (feature `testing`): organizations and their standing records written
//! directly, organization roles, and the module's part of the route walk.

use gongzhi_kernel::authz::Role;
use gongzhi_platform::testing::{
    COMMUNITY_B, STREET_B, TestApp, TestClient, WalkStage, WalkValues,
};

/// Street B's organization records for the route walk: a registered organization with a report
/// awaiting inspection, a document and an administrator; a second one, graded, on the serious
/// list, with a key-fact change awaiting review and a federation it belongs to.
pub fn walk() -> Vec<WalkStage> {
    vec![WalkStage {
        name: "orgs",
        after: &["core"],
        provides: &[
            "org_id",
            "report_id",
            "grade_id",
            "entry_id",
            "document_id",
            "change_id",
            "hub_org_id",
            "member_org_id",
            "membership_id",
            "as:org_admin",
        ],
        serves: &[],
        build: |app, v| Box::pin(walk_orgs(app, v)),
    }]
}

async fn walk_orgs(app: &TestApp, v: &mut WalkValues) {
    let org = registered_org(app, COMMUNITY_B, "52440308MJ0000018G").await;
    // The first organization stays gradable; a grade and a removable serious-list stay go on a
    // second one.
    let report = annual_report(app, org.id, 2025).await;
    let graded = registered_org(app, COMMUNITY_B, "52440308MJ0000026B").await;
    let grade = grade(app, graded.id, 4, ymd(2025, 1, 1)).await;
    let entry = list_entry(
        app,
        graded.id,
        "serious",
        "large_fine",
        ymd(2023, 1, 1),
        "none",
    )
    .await;
    let document = document(app, org.id).await;
    let change = key_change(app, graded.id, r#"{"name":"改名后的服务中心"}"#).await;
    let (hub_org, membership) = federation(app, org.id).await;
    org_role(app, "probe.org", org.id, Role::OrgAdmin).await;
    v.extend([
        ("org_id", org.id.to_string()),
        ("report_id", report.to_string()),
        ("grade_id", grade.to_string()),
        ("entry_id", entry.to_string()),
        ("document_id", document.to_string()),
        ("change_id", change.to_string()),
        ("hub_org_id", hub_org.to_string()),
        ("member_org_id", graded.id.to_string()),
        ("membership_id", membership.to_string()),
        ("as:org_admin", "probe.org".to_string()),
    ]);
}

/// A user holding `role` over an organization, signed in.
pub async fn org_role(app: &TestApp, name: &str, o: uuid::Uuid, role: Role) -> TestClient {
    use gongzhi_platform::sea_orm::EntityTrait;
    let o = crate::store::entity::org::Entity::find_by_id(o)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    let u = app.user_model(name, &[]).await;
    crate::service::grant_org_role(
        &app.state.db.write,
        &gongzhi_platform::audit::AuditActor::system("test"),
        u.id,
        &o,
        role,
    )
    .await
    .unwrap();
    app.login(name).await
}

/// A registered organization (active) at `territory`, entered directly; the code's type
/// (51 / 52 / 53) gives its legal form.
pub async fn registered_org(
    app: &TestApp,
    territory: &str,
    uscc: &str,
) -> crate::store::entity::org::Model {
    let (form, label) = match &uscc[..2] {
        "51" => ("association", "协会"),
        "53" => ("foundation", "基金会"),
        _ => ("service_agency", "服务中心"),
    };
    let input = crate::domain::OrgInput {
        name: format!("测试{label}{territory}"),
        legal_form: form.into(),
        tier: "registered".into(),
        uscc: Some(uscc.into()),
        territory: territory.into(),
        categories: vec!["191.service".into()],
        registered_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1),
        person_in_charge: Some("负责人".into()),
        ..Default::default()
    };
    insert_org(app, &input, crate::domain::OrgState::ACTIVE).await
}

/// A filed community organization named `name` in `community`, written directly.
pub async fn filed_org(app: &TestApp, name: &str, community: &str) -> uuid::Uuid {
    community_org(app, name, community, crate::domain::OrgState::FILED).await
}

/// A community organization's filing in `state` (submitted, returned…), written directly.
pub async fn community_org(app: &TestApp, name: &str, community: &str, state: &str) -> uuid::Uuid {
    let input = crate::domain::OrgInput {
        name: name.into(),
        legal_form: "community_org".into(),
        tier: "filed".into(),
        territory: community.into(),
        categories: vec!["191.mutual_aid".into()],
        person_in_charge: Some("负责人".into()),
        ..Default::default()
    };
    insert_org(app, &input, state).await.id
}

async fn insert_org(
    app: &TestApp,
    input: &crate::domain::OrgInput,
    state: &str,
) -> crate::store::entity::org::Model {
    use gongzhi_platform::sea_orm::TransactionTrait;
    let known = crate::service::category_codes(&app.state.db.read)
        .await
        .unwrap();
    let v = crate::domain::validate(
        input,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        &known,
    )
    .unwrap();
    let node = gongzhi_platform::territory::get(&app.state.db.read, &input.territory)
        .await
        .unwrap()
        .unwrap();
    let txn = app.state.db.write.begin().await.unwrap();
    let who = gongzhi_platform::audit::AuditActor::system("test");
    let o = crate::service::insert(&txn, &who, &v, &node, state)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    o
}

/// Standing records written directly (dates chosen, not today's): a 2025 annual report
/// awaiting inspection; returns its id.
pub async fn annual_report(app: &TestApp, org: uuid::Uuid, year: i32) -> uuid::Uuid {
    use crate::store::entity::org_annual_report;
    use gongzhi_platform::sea_orm::{ActiveModelTrait, Set};
    org_annual_report::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(org),
        year: Set(year),
        submitted_on: Set(chrono::NaiveDate::from_ymd_opt(year + 1, 4, 1).unwrap()),
        inspection: Set("pending".into()),
        inspected_on: Set(None),
        note: Set(String::new()),
        version: Set(1),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap()
    .id
}

/// A grade in force, awarded on `on`; returns its id.
pub async fn grade(
    app: &TestApp,
    org: uuid::Uuid,
    grade: i32,
    on: chrono::NaiveDate,
) -> uuid::Uuid {
    use crate::store::entity::org_grade;
    use gongzhi_platform::sea_orm::{ActiveModelTrait, Set};
    org_grade::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(org),
        grade: Set(grade),
        score: Set(None),
        awarded_on: Set(on),
        expires_on: Set(crate::domain::standing::plus_years(on, 5)),
        status: Set("in_force".into()),
        note: Set(String::new()),
        created_by: Set(None),
        created_at: Set(gongzhi_platform::audit::now()),
        version: Set(1),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap()
    .id
}

/// An open stay on a list since `on`; returns its id.
pub async fn list_entry(
    app: &TestApp,
    org: uuid::Uuid,
    list: &str,
    trigger: &str,
    on: chrono::NaiveDate,
    rectification: &str,
) -> uuid::Uuid {
    use crate::store::entity::org_list_entry;
    use gongzhi_platform::sea_orm::{ActiveModelTrait, Set};
    org_list_entry::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(org),
        list: Set(list.into()),
        triggers: Set(trigger.into()),
        entered_on: Set(on),
        clock_from: Set(on),
        rectification: Set(rectification.into()),
        rectified_on: Set(None),
        removal_requested_on: Set(None),
        removed_on: Set(None),
        removal_reason: Set(None),
        version: Set(1),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap()
    .id
}

/// A stored PDF attached to the organization; returns the document id.
pub async fn document(app: &TestApp, org: uuid::Uuid) -> uuid::Uuid {
    use crate::store::entity::org_document;
    use gongzhi_platform::sea_orm::{ActiveModelTrait, Set};
    let who = gongzhi_platform::audit::AuditActor::system("test");
    let f = gongzhi_platform::files::store(
        &app.state,
        &app.state.db.write,
        &who,
        &gongzhi_platform::files::Upload {
            name: "章程.pdf".into(),
            bytes: b"%PDF-1.4 fixture".to_vec(),
        },
    )
    .await
    .unwrap();
    org_document::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(org),
        kind: Set("charter".into()),
        file_id: Set(f.id),
        title: Set("章程".into()),
        uploaded_by: Set(None),
        uploaded_at: Set(gongzhi_platform::audit::now()),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap()
    .id
}

pub fn ymd(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A key-fact change awaiting review; returns its id.
pub async fn key_change(app: &TestApp, org: uuid::Uuid, proposed: &str) -> uuid::Uuid {
    use crate::store::entity::org_change;
    use gongzhi_platform::sea_orm::{ActiveModelTrait, Set};
    org_change::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(org),
        proposed: Set(proposed.into()),
        reason: Set("换届".into()),
        state: Set("submitted".into()),
        created_by: Set(None),
        created_at: Set(gongzhi_platform::audit::now()),
        updated_at: Set(gongzhi_platform::audit::now()),
        version: Set(1),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap()
    .id
}

/// A federation in community B reaching street B, with one current member (`member`, joined
/// 2025-01-01); returns (federation id, membership id).
pub async fn federation(app: &TestApp, member: uuid::Uuid) -> (uuid::Uuid, uuid::Uuid) {
    use gongzhi_platform::sea_orm::EntityTrait;
    let uscc = gongzhi_kernel::Uscc::complete("51440308MJ0000F1").unwrap();
    let f = registered_org(app, COMMUNITY_B, uscc.as_str()).await;
    let who = gongzhi_platform::audit::AuditActor::system("test");
    let db = &app.state.db.write;
    let street = gongzhi_platform::territory::get(db, STREET_B)
        .await
        .unwrap()
        .unwrap();
    let f = crate::service::network::recognize(
        db,
        &who,
        &f,
        Some(("federation", &street)),
        Some(ymd(2024, 6, 1)),
        f.version,
    )
    .await
    .unwrap();
    let m = crate::store::entity::org::Entity::find_by_id(member)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let membership = crate::service::network::add(db, &who, &f, &m, ymd(2025, 1, 1))
        .await
        .unwrap();
    (f.id, membership.id)
}

/// Set an organization's number of social workers directly (what a qualification reads).
pub async fn set_social_workers(app: &TestApp, id: uuid::Uuid, n: i32) {
    use crate::store::entity::org;
    use gongzhi_platform::sea_orm::sea_query::Expr;
    use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    org::Entity::update_many()
        .col_expr(org::Column::SocialWorkerCount, Expr::value(n))
        .filter(org::Column::Id.eq(id))
        .exec(&app.state.db.write)
        .await
        .unwrap();
}
