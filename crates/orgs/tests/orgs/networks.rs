//! Hub organizations and federations: recognition over a territory, members joining and
//! leaving, what ends memberships, the directory's flags and the public view.

use axum::http::StatusCode;
use gongzhi_kernel::Uscc;
use gongzhi_kernel::authz::Role;
use serde_json::{Value, json};

use super::fixture::*;

fn uscc(first16: &str) -> String {
    Uscc::complete(first16).unwrap().as_str().to_string()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", gongzhi_platform::ui::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn fields(r: &gongzhi_platform::testing::TestResponse) -> Vec<String> {
    r.error_fields()
}

async fn version(client: &gongzhi_platform::testing::TestClient, id: &str) -> i64 {
    client.get(&format!("/api/v1/orgs/{id}")).await.json()["version"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_street_recognizes_a_federation_whose_members_join_and_leave() {
    let app = app().await;
    app.node("440308002002", "海山社区", "community").await;
    let street = app.user("b.admin", &[(Role::StreetAdmin, STREET_B)]).await;
    let other_street = street_admin_a(&app).await;
    let fed = registered_org(&app, COMMUNITY_B, &uscc("51440308MJ0000F1")).await;
    let fed_id = fed.id.to_string();
    let foundation = registered_org(&app, COMMUNITY_B, &uscc("53440308MJ0000F2")).await;
    let near = filed_org(&app, "田东社区书画社", COMMUNITY_B).await;
    let next_door = filed_org(&app, "海山社区舞蹈队", "440308002002").await;
    let far = filed_org(&app, "中英街社区环保队", COMMUNITY_A).await;
    let registered = registered_org(&app, "440308002002", &uscc("52440308MJ0000F3")).await;

    // Not a hub yet: no members.
    let admin = org_role(&app, "fed.admin", fed.id, Role::OrgAdmin).await;
    let r = admin
        .post_json(
            &format!("/api/v1/orgs/{fed_id}/members"),
            json!({"member": near}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

    // Recognition: rules, scope and concurrency.
    let url = format!("/api/v1/orgs/{fed_id}/designation");
    let r = street
        .post_json(
            &format!("/api/v1/orgs/{}/designation", foundation.id),
            json!({"kind": "federation", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&r), vec!["kind"]);
    assert!(
        r.text().contains("基金会和社会服务机构没有会员"),
        "{}",
        r.text()
    );
    let r = street
        .post_json(
            &url,
            json!({"kind": "federation", "reach": STREET_A, "version": 1}),
        )
        .await;
    assert_eq!(fields(&r), vec!["reach"], "{}", r.text());
    let r = street
        .post_json(&url, json!({"kind": "club", "version": 1}))
        .await;
    assert_eq!(fields(&r), vec!["kind"]);
    let r = other_street
        .post_json(&url, json!({"kind": "federation", "version": 1}))
        .await;
    assert!(
        r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
        "{}",
        r.status
    );
    // The organization's own administrator cannot recognize itself.
    let r = admin
        .post_json(&url, json!({"kind": "federation", "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A community admin holds no recognition over the street.
    let district = district_admin(&app).await;
    let r = street
        .post_json(
            &url,
            json!({"kind": "federation", "reach": STREET_B, "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let body = r.json();
    assert_eq!(body["hub_kind"], "federation");
    assert_eq!(body["hub_reach"], STREET_B);
    assert_eq!(body["version"], 2);
    let r = district
        .post_json(&url, json!({"kind": "hub_org", "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a stale version loses");

    // Members: by id or by code, within the reach, once at a time.
    let members = format!("/api/v1/orgs/{fed_id}/members");
    let r = admin
        .post_json(&members, json!({"member": near, "joined_on": "2026-03-01"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let near_membership = r.json()["id"].as_str().unwrap().to_string();
    let r = admin
        .post_json(
            &members,
            json!({"member": registered.uscc.clone().unwrap().to_lowercase()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "by code: {}", r.text());
    let r = admin
        .post_json(
            &members,
            json!({"member": next_door, "joined_on": "2026-04-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    for (body, field) in [
        (json!({"member": far}), "member"),
        (json!({"member": fed.id}), "member"),
        (json!({"member": "91440300MA5XXXXX"}), "member"),
        (json!({"member": ""}), "member"),
        (
            json!({"member": foundation.id, "joined_on": "2099-01-01"}),
            "joined_on",
        ),
    ] {
        let r = admin.post_json(&members, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text()
        );
        assert_eq!(fields(&r), vec![field], "{body}");
    }
    let r = admin.post_json(&members, json!({"member": near})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "already a member");
    let r = admin
        .clone()
        .english()
        .post_json(&members, json!({"member": far}))
        .await;
    assert!(r.text().contains("outside the hub's reach"), "{}", r.text());

    let list = admin.get(&members).await.json();
    assert_eq!(list["kind"], "federation");
    assert_eq!(list["current"], 3);
    // The member sees what it belongs to.
    let member_admin = org_role(&app, "near.admin", near, Role::OrgAdmin).await;
    let mine = member_admin
        .get(&format!("/api/v1/orgs/{near}/memberships"))
        .await
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["name"], fed.name.as_str());

    // The member leaves on its own; not before it joined, not twice.
    let end = format!("/api/v1/org-memberships/{near_membership}/end");
    let r = member_admin
        .post_json(&end, json!({"left_on": "2026-02-01", "version": 1}))
        .await;
    assert_eq!(fields(&r), vec!["left_on"]);
    let outsider = org_role(&app, "far.admin", far, Role::OrgAdmin).await;
    let r = outsider.post_json(&end, json!({"version": 1})).await;
    assert!(
        r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
        "{}",
        r.status
    );
    let r = member_admin
        .post_json(&end, json!({"reason": "活动调整", "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["left_cause"], "left");
    let r = member_admin.post_json(&end, json!({"version": 2})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // It may join again later: a new membership, the old one kept.
    let r = admin.post_json(&members, json!({"member": near})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let list = admin.get(&members).await.json();
    assert_eq!(list["current"], 3);
    assert_eq!(list["items"].as_array().unwrap().len(), 4);

    // The directory flags hubs; the public sees the federation and its members, no people.
    let found = street.get("/api/v1/orgs?hub=federation").await.json();
    let names: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec![fed.name.as_str()]);
    let public = app.anon().get("/api/v1/public/orgs?hub=any").await.json();
    assert_eq!(public["items"][0]["hub_kind"], "federation");
    let public_members = app
        .anon()
        .get(&format!("/api/v1/public/orgs/{fed_id}/members"))
        .await
        .json();
    assert_eq!(public_members.as_array().unwrap().len(), 3);
    let page = app.anon().get(&format!("/public/orgs/{fed_id}")).await;
    assert!(page.text().contains("田东社区书画社"), "{}", page.text());

    // A member's record ends: its membership ends with it.
    let r = street
        .post_json(
            &format!("/api/v1/orgs/{next_door}/transitions"),
            json!({"transition": "deregister", "version": version(&street, &next_door.to_string()).await, "reason": "自行解散"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let list: Value = admin.get(&members).await.json();
    assert_eq!(list["current"], 2);
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["left_cause"] == "member_ended")
    );

    // Withdrawing the recognition ends the rest today and keeps the history.
    let v = version(&street, &fed_id).await;
    let r = street
        .post_json(&url, json!({"kind": null, "version": v}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["hub_kind"], Value::Null);
    let list = admin.get(&members).await.json();
    assert_eq!(list["current"], 0);
    assert_eq!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["left_cause"] == "hub_withdrawn")
            .count(),
        2
    );
    assert_eq!(
        admin
            .post_json(&members, json!({"member": near}))
            .await
            .status,
        StatusCode::CONFLICT
    );

    // Every step is in the audit trail.
    let audit = district.get("/api/v1/audit?limit=200").await.json();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "org.designate",
        "org.withdraw_designation",
        "org.member_join",
        "org.member_leave",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

#[tokio::test]
async fn two_people_adding_the_same_member_at_once_make_one_membership() {
    let app = app().await;
    let member = filed_org(&app, "田东社区舞蹈队", COMMUNITY_B).await;
    let other = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let (fed, _) = federation(&app, other.id).await;
    let street = app.user("b.admin", &[(Role::StreetAdmin, STREET_B)]).await;
    let admin = org_role(&app, "fed.admin", fed, Role::OrgAdmin).await;
    let url = format!("/api/v1/orgs/{fed}/members");
    let body = json!({"member": member});
    let (a, b) = tokio::join!(
        street.post_json(&url, body.clone()),
        admin.post_json(&url, body)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{} / {}",
        a.text(),
        b.text()
    );
    assert_eq!(street.get(&url).await.json()["current"], 2);
}

#[tokio::test]
async fn the_organization_page_recognizes_adds_and_ends_members() {
    let app = app().await;
    let near = filed_org(&app, "田东社区书画社", COMMUNITY_B).await;
    let fed = registered_org(&app, COMMUNITY_B, &uscc("51440308MJ0000F1")).await;
    app.user_model("b.page", &[(Role::StreetAdmin, STREET_B)])
        .await;
    let street = app.login("b.page").await;
    let page = street.get(&format!("/orgs/{}", fed.id)).await;
    assert!(
        page.text().contains("name=\"op\" value=\"designate\""),
        "{}",
        page.text()
    );
    let r = street
        .post_form(
            &format!("/orgs/{}/network", fed.id),
            &form(&[
                ("op", "designate"),
                ("kind", "federation"),
                ("reach", STREET_B),
                ("version", "1"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = street.get(&format!("/orgs/{}", fed.id)).await.text();
    assert!(page.contains("联合会"), "{page}");
    assert!(
        page.contains("田东社区书画社"),
        "the candidate is offered: {page}"
    );
    let r = street
        .post_form(
            &format!("/orgs/{}/network", fed.id),
            &form(&[
                ("op", "join"),
                ("member", &near.to_string()),
                ("joined_on", "2099-01-01"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("日期不能晚于今天"), "{}", r.text());
    let r = street
        .post_form(
            &format!("/orgs/{}/network", fed.id),
            &form(&[
                ("op", "join"),
                ("member", &near.to_string()),
                ("joined_on", "2026-01-05"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let list = street
        .get(&format!("/api/v1/orgs/{}/members", fed.id))
        .await
        .json();
    let membership = list["items"][0]["id"].as_str().unwrap().to_string();
    // From the member's own page, it shows where it belongs and can be ended there.
    let member_page = street.get(&format!("/orgs/{near}")).await.text();
    assert!(member_page.contains(fed.name.as_str()), "{member_page}");
    let r = street
        .post_form(
            &format!("/orgs/{near}/network"),
            &form(&[
                ("op", "leave"),
                ("membership_id", &membership),
                ("version", "1"),
                ("reason", "调整"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let list = street
        .get(&format!("/api/v1/orgs/{}/members", fed.id))
        .await
        .json();
    assert_eq!(list["current"], 0);
    assert_eq!(list["items"][0]["left_reason"], "调整");
}
