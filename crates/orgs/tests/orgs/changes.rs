//! Editing organizations: everyday facts directly, key facts through a reviewed change.

use axum::http::StatusCode;
use gongzhi_kernel::authz::Role;
use gongzhi_orgs::store::entity::org;
use gongzhi_platform::sea_orm::EntityTrait;
use serde_json::json;

use super::fixture::*;

async fn reload(app: &gongzhi_platform::testing::TestApp, id: uuid::Uuid) -> org::Model {
    org::Entity::find_by_id(id)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap()
}

/// A filed community organization in community B and its administrator.
async fn filed(
    app: &gongzhi_platform::testing::TestApp,
) -> (String, gongzhi_platform::testing::TestClient) {
    let resident = app.user("resident", &[(Role::Resident, COMMUNITY_B)]).await;
    let o = resident
        .post_json(
            "/api/v1/orgs/applications",
            json!({"name": "田东爱心互助会", "legal_form": "community_org", "tier": "filed",
                   "territory": COMMUNITY_B, "categories": ["191.mutual_aid"], "person_in_charge": "张三"}),
        )
        .await
        .json();
    let id = o["id"].as_str().unwrap().to_string();
    // Still a draft: even the name can change directly.
    let r = resident
        .patch_json(
            &format!("/api/v1/orgs/{id}"),
            json!({"version": 1, "name": "田东社区爱心互助会", "staff_count": 4, "social_worker_count": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["name"], "田东社区爱心互助会");
    let c = app
        .user("c.b", &[(Role::CommunityAdmin, COMMUNITY_B)])
        .await;
    let b = app.user("b.admin", &[(Role::StreetAdmin, STREET_B)]).await;
    let url = format!("/api/v1/orgs/{id}/transitions");
    for (who, t, v) in [
        (&resident, "submit", 2),
        (&c, "forward", 3),
        (&b, "approve", 4),
    ] {
        let r = who
            .post_json(&url, json!({"transition": t, "version": v}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{t}: {}", r.text());
    }
    (id, resident)
}

#[tokio::test]
async fn everyday_facts_change_directly_and_key_facts_through_review() {
    let app = app().await;
    let (id, admin) = filed(&app).await;
    let oid: uuid::Uuid = id.parse().unwrap();
    let url = format!("/api/v1/orgs/{id}");
    let r = admin
        .patch_json(
            &url,
            json!({"version": 5, "service_areas": "田东社区全域", "contact_phone": "13800001111"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["contact_phone"], "138****1111");
    assert_eq!(r.json()["version"], 6);
    // Stale, a key fact, a bad count: refused, nothing changes.
    let r = admin
        .patch_json(&url, json!({"version": 5, "service_areas": "x"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = admin
        .patch_json(&url, json!({"version": 6, "name": "新名字"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_fields(), vec!["name"]);
    let r = admin
        .patch_json(
            &url,
            json!({"version": 6, "uscc": "52440300MJL000000X", "person_in_charge": "王五"}),
        )
        .await;
    assert_eq!(
        r.error_fields(),
        vec!["uscc", "person_in_charge"],
        "each key fact sent is named: {}",
        r.text()
    );
    let r = admin
        .patch_json(&url, json!({"version": 6, "social_worker_count": 9}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reload(&app, oid).await.service_areas, "田东社区全域");
    // A client sends back the record as it read it, one everyday fact changed: the key facts
    // and the masked ID number and phone it resends are no change.
    let mut doc = admin.get(&url).await.json();
    doc["service_areas"] = json!("田东社区及周边");
    let r = admin.patch_json(&url, doc).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["contact_phone"], "138****1111");
    let stored = reload(&app, oid).await;
    assert_eq!(stored.service_areas, "田东社区及周边");
    assert_eq!(stored.contact_phone.as_deref(), Some("13800001111"));
    assert_eq!(r.json()["version"], 7);

    // A change of key facts: community first, then the street; the ID number stays masked.
    let changes = format!("{url}/changes");
    let r = admin
        .post_json(&changes, json!({"person_in_charge": "李四", "person_in_charge_id": "11010519491231002X", "reason": ""}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required"
    );
    let r = admin
        .post_json(
            &changes,
            json!({"person_in_charge_id": "110105194912310021", "reason": "换届"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = admin
        .post_json(&changes, json!({"person_in_charge": "李四", "person_in_charge_id": "11010519491231002X", "reason": "换届选举"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let ch = r.json();
    assert_eq!(ch["proposed"]["person_in_charge_id"], "1101**********002X");
    let r = admin
        .post_json(&changes, json!({"name": "又一个名字", "reason": "再改"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "one change at a time");
    let t = format!(
        "/api/v1/org-changes/{}/transitions",
        ch["id"].as_str().unwrap()
    );
    let b = app.user("b.admin2", &[(Role::StreetAdmin, STREET_B)]).await;
    let r = b
        .post_json(&t, json!({"transition": "approve", "version": 1}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "community review comes first: {}",
        r.text()
    );
    assert_eq!(reload(&app, oid).await.person_in_charge, "张三");
    let c = app
        .user("c.b2", &[(Role::CommunityAdmin, COMMUNITY_B)])
        .await;
    let r = c
        .post_json(&t, json!({"transition": "forward", "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let a = street_admin_a(&app).await;
    let r = a
        .post_json(&t, json!({"transition": "approve", "version": 2}))
        .await;
    assert!(matches!(
        r.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    let r = b
        .post_json(&t, json!({"transition": "approve", "version": 2}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["state"], "approved");
    let o = reload(&app, oid).await;
    assert_eq!(o.person_in_charge, "李四");
    assert_eq!(o.person_in_charge_id.as_deref(), Some("11010519491231002X"));
    let listed = admin.get(&changes).await.json();
    assert_eq!(listed[0]["state"], "approved");
}

#[tokio::test]
async fn a_registered_organizations_change_goes_straight_to_the_street() {
    let app = app().await;
    let o = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let other = registered_org(&app, COMMUNITY_B, "52440308MJ0000026B").await;
    let b = app.user("b.admin", &[(Role::StreetAdmin, STREET_B)]).await;
    let changes = format!("/api/v1/orgs/{}/changes", o.id);
    // A USCC that another organization holds, or of the wrong type: refused.
    for uscc in [other.uscc.clone().unwrap(), "51440308MJ01234560".into()] {
        let r = b
            .post_json(&changes, json!({"uscc": uscc, "reason": "换证"}))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    }
    assert_eq!(app.count("org_changes").await, 0);
    let r = b
        .post_json(
            &changes,
            json!({"name": "盐田区田东社会工作服务中心", "reason": "更名核准"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let t = format!(
        "/api/v1/org-changes/{}/transitions",
        r.json()["id"].as_str().unwrap()
    );
    // It waits in the street's queue, not in another street's.
    let page = app.login("b.admin").await.get("/orgs/queue").await;
    assert!(
        page.text().contains("盐田区田东社会工作服务中心"),
        "{}",
        page.text()
    );
    app.user_model("a.admin", &[(Role::StreetAdmin, STREET_A)])
        .await;
    let page = app.login("a.admin").await.get("/orgs/queue").await;
    assert!(!page.text().contains("盐田区田东社会工作服务中心"));
    let r = b
        .post_json(&t, json!({"transition": "approve", "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(reload(&app, o.id).await.name, "盐田区田东社会工作服务中心");
    // The directory finds it by its new name; the old name's words find only the other one.
    let found = |q: &'static str| {
        let b = b.clone();
        async move {
            b.get(&format!(
                "/api/v1/orgs?q={}",
                gongzhi_platform::ui::urlencode(q)
            ))
            .await
            .json()["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(found("社会工作").await, 1);
    assert_eq!(found("测试服务").await, 1);
    let page = app.login("b.admin").await.get("/orgs/queue").await;
    assert!(
        !page.text().contains("盐田区田东社会工作服务中心"),
        "decided"
    );
}

#[tokio::test]
async fn the_edit_page_saves_and_proposes() {
    let app = app().await;
    let (id, _) = filed(&app).await;
    let oid: uuid::Uuid = id.parse().unwrap();
    let u = app.user_model("o.page", &[]).await;
    gongzhi_orgs::service::grant_org_role(
        &app.state.db.write,
        &gongzhi_platform::audit::AuditActor::system("test"),
        u.id,
        &reload(&app, oid).await,
        Role::OrgAdmin,
    )
    .await
    .unwrap();
    let admin = app.login("o.page").await;
    let page = format!("/orgs/{id}/edit");
    let html = admin.get(&page).await.text();
    assert!(html.contains("关键信息变更"), "{html}");
    let r = admin
        .post_form(&page, "op=edit&version=5&service_areas=%E5%85%A8%E5%9F%9F&categories=191.service&staff_count=6&social_worker_count=2&party_org=joint")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let o = reload(&app, oid).await;
    assert_eq!((o.staff_count, o.party_org.as_str()), (6, "joint"));
    let r = admin
        .post_form(
            &page,
            "op=edit&version=6&staff_count=abc&categories=191.service",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post_form(&page, "op=change&name=%E6%96%B0%E5%90%8D%E7%A7%B0%E4%BA%92%E5%8A%A9%E4%BC%9A&reason=%E6%9B%B4%E5%90%8D")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = admin.get(&format!("/orgs/{id}")).await.text();
    assert!(
        html.contains("新名称互助会"),
        "the pending change is listed"
    );
    assert!(html.contains("撤回"), "its proposer may withdraw it");
}
