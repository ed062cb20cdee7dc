//! Fixtures for tests (feature `testing`): the demo catalog with changes and a licence, and
//! the module's part of the route walk.

use gongzhi_orgs::testing::ymd;
use gongzhi_platform::testing::{DISTRICT, STREET_B, TestApp, WalkStage};

/// The catalog in force, street B's proposal, and a licence on the walk's graded organization.
pub fn walk() -> Vec<WalkStage> {
    vec![WalkStage {
        name: "catalog",
        after: &["orgs"],
        provides: &["catalog_change_id", "category_id", "licence_id"],
        serves: &["/api/v1/catalog", "/catalog"],
        build: |app, v| {
            Box::pin(async move {
                let cat = catalog(app, v["member_org_id"].parse().unwrap()).await;
                v.extend([
                    ("catalog_change_id", cat.proposed.to_string()),
                    ("category_id", cat.category.to_string()),
                    ("licence_id", cat.licence.to_string()),
                ]);
            })
        },
    }]
}

/// The demo catalog in the test district (two versions, the second in force), a proposal from
/// street B to retire A05-02, an approved one from the district to retire A05-03, and a
/// licence on `holder`.
pub struct Catalog {
    pub proposed: uuid::Uuid,
    pub approved: uuid::Uuid,
    pub category: uuid::Uuid,
    pub licence: uuid::Uuid,
}

pub async fn catalog(app: &TestApp, holder: uuid::Uuid) -> Catalog {
    use crate::domain::Change;
    use crate::store::entity::{category, licence};
    use gongzhi_platform::sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let db = &app.state.db.read;
    let node = |code: &'static str| async move {
        gongzhi_platform::territory::get(db, code)
            .await
            .unwrap()
            .unwrap()
    };
    let district = node(DISTRICT).await;
    let today = gongzhi_platform::clock::today();
    crate::seed::seed_catalog(&app.state, &district, today)
        .await
        .unwrap();
    let proposed = crate::seed::change(
        &app.state,
        &district.district_code,
        &node(STREET_B).await,
        &Change::RetireItem("A05-02".into()),
        "图书室改由社区自办",
        "proposed",
    )
    .await
    .unwrap();
    let approved = crate::seed::change(
        &app.state,
        &district.district_code,
        &district,
        &Change::RetireItem("A05-03".into()),
        "健身指导并入文体活动",
        "approved",
    )
    .await
    .unwrap();
    let category = category::Entity::find()
        .filter(category::Column::Code.eq("A"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let now = gongzhi_platform::audit::now();
    let licence = licence::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(holder),
        kind: Set("social_work_agency".into()),
        number: Set("SG-0001".into()),
        issued_by: Set("盐田区民政局".into()),
        valid_from: Set(ymd(2023, 1, 1)),
        valid_until: Set(None),
        revoked_on: Set(None),
        recorded_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap();
    Catalog {
        proposed: proposed.id,
        approved: approved.id,
        category: category.id,
        licence: licence.id,
    }
}
