//! Fixtures for tests (feature `testing`): incubation records written directly, and the
//! module's part of the route walk.

use gongzhi_orgs::testing::{registered_org, ymd};
use gongzhi_platform::testing::{COMMUNITY_B, STREET_B, TestApp, WalkStage};

/// Street B's incubator with an open call, an accepted application, a stay of the walk's
/// graded organization and a graduated stay.
pub fn walk() -> Vec<WalkStage> {
    vec![WalkStage {
        name: "incubation",
        after: &["orgs"],
        provides: &[
            "hub_id",
            "incubator_id",
            "cohort_id",
            "application_id",
            "attachment_id",
            "incubation_id",
            "item_id",
            "graduate_id",
        ],
        serves: &[],
        build: |app, v| {
            Box::pin(async move {
                let inc = incubation(app, v["member_org_id"].parse().unwrap()).await;
                v.extend([
                    ("hub_id", inc.hub.to_string()),
                    ("incubator_id", inc.incubator.to_string()),
                    ("cohort_id", inc.cohort.to_string()),
                    ("application_id", inc.application.to_string()),
                    ("attachment_id", inc.attachment.to_string()),
                    ("incubation_id", inc.stay.to_string()),
                    ("item_id", inc.item.to_string()),
                    ("graduate_id", inc.graduate.to_string()),
                ]);
            })
        },
    }]
}

/// Incubation records in street B, written directly (see `incubation()`).
pub struct Incubation {
    pub hub: uuid::Uuid,
    pub incubator: uuid::Uuid,
    /// A cohort whose call is open today.
    pub cohort: uuid::Uuid,
    /// An accepted application of a third organization, with one attachment.
    pub application: uuid::Uuid,
    pub attachment: uuid::Uuid,
    /// A stay of `incubated` since 2026-01-01 and its first plan item.
    pub stay: uuid::Uuid,
    pub item: uuid::Uuid,
    /// A stay of the third organization that graduated on 2026-10-01.
    pub graduate: uuid::Uuid,
}

/// A street-level incubator (capacity 10) at a social work station in street B, with an open
/// call, an accepted application, a stay in progress and a graduated one.
pub async fn incubation(app: &TestApp, incubated: uuid::Uuid) -> Incubation {
    use crate::store::entity::{
        application, application_document, cohort, incubation, incubator, plan_item,
    };
    use gongzhi_platform::sea_orm::{ActiveModelTrait, Set};
    let who = gongzhi_platform::audit::AuditActor::system("test");
    let db = &app.state.db.write;
    let node = gongzhi_platform::territory::get(db, STREET_B)
        .await
        .unwrap()
        .unwrap();
    let hub = gongzhi_platform::territory::seed_hub(
        db,
        &who,
        &node,
        "social_work_station",
        "海山街道社会工作服务站",
    )
    .await
    .unwrap();
    let uscc = gongzhi_kernel::Uscc::complete("52440308MJ000077").unwrap();
    let applicant = registered_org(app, COMMUNITY_B, uscc.as_str()).await.id;
    let now = gongzhi_platform::audit::now();
    let today = gongzhi_platform::clock::today();
    let days = chrono::Duration::days;
    let i = incubator::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        hub_id: Set(hub.id),
        name: Set("海山街道社会组织培育基地".into()),
        level: Set("street".into()),
        territory_code: Set(hub.territory_code.clone()),
        path: Set(hub.path.clone()),
        capacity: Set(10),
        review_days: Set(10),
        operator_org_id: Set(None),
        description: Set(String::new()),
        plan: Set(serde_json::to_string(&crate::domain::default_plan()).unwrap()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(db)
    .await
    .unwrap();
    let c = cohort::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        incubator_id: Set(i.id),
        name: Set("第一期".into()),
        call_text: Set(String::new()),
        opens_on: Set(today - days(5)),
        closes_on: Set(today + days(20)),
        starts_on: Set(today + days(30)),
        ends_on: Set(today + days(395)),
        seats: Set(5),
        created_at: Set(now),
        version: Set(1),
    }
    .insert(db)
    .await
    .unwrap();
    let app_row = |org: uuid::Uuid, state: &str| application::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        cohort_id: Set(c.id),
        incubator_id: Set(i.id),
        org_id: Set(org),
        path: Set(i.path.clone()),
        plan: Set("完善治理结构，打造品牌项目".into()),
        needs: Set(String::new()),
        state: Set(state.into()),
        submitted_on: Set(today - days(2)),
        review_due_on: Set(today + days(12)),
        reviewed_on: Set(None),
        created_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    };
    let accepted = app_row(applicant, "accepted").insert(db).await.unwrap();
    let f = gongzhi_platform::files::store(
        &app.state,
        db,
        &who,
        &gongzhi_platform::files::Upload {
            name: "计划书.pdf".into(),
            bytes: b"%PDF-1.4 plan".to_vec(),
        },
    )
    .await
    .unwrap();
    let attachment = application_document::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        application_id: Set(accepted.id),
        file_id: Set(f.id),
        title: Set("计划书".into()),
        uploaded_by: Set(None),
        uploaded_at: Set(now),
    }
    .insert(db)
    .await
    .unwrap();
    let stay_row =
        |org: uuid::Uuid, application: uuid::Uuid, state: &str| incubation::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            incubator_id: Set(i.id),
            cohort_id: Set(c.id),
            application_id: Set(application),
            org_id: Set(org),
            path: Set(i.path.clone()),
            stage: Set("budding".into()),
            stage_since: Set(ymd(2026, 1, 1)),
            mentor_id: Set(None),
            agreement_signed_on: Set(ymd(2025, 12, 20)),
            agreement_terms: Set(String::new()),
            starts_on: Set(ymd(2026, 1, 1)),
            ends_on: Set(ymd(2026, 12, 31)),
            state: Set(state.into()),
            ended_on: Set((state == "graduated").then(|| ymd(2026, 10, 1))),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        };
    let a1 = app_row(incubated, "admitted").insert(db).await.unwrap();
    let stay = stay_row(incubated, a1.id, "in_incubation")
        .insert(db)
        .await
        .unwrap();
    let item = plan_item::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        incubation_id: Set(stay.id),
        position: Set(1),
        title: Set("一次入驻诊断".into()),
        due_on: Set(ymd(2026, 1, 15)),
        done_on: Set(None),
        done_note: Set(String::new()),
        done_by: Set(None),
        version: Set(1),
    }
    .insert(db)
    .await
    .unwrap();
    let a2 = app_row(applicant, "admitted").insert(db).await.unwrap();
    let graduate = stay_row(applicant, a2.id, "graduated")
        .insert(db)
        .await
        .unwrap();
    Incubation {
        hub: hub.id,
        incubator: i.id,
        cohort: c.id,
        application: accepted.id,
        attachment: attachment.id,
        stay: stay.id,
        item: item.id,
        graduate: graduate.id,
    }
}
