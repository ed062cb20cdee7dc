//! The shared desk, the dashboards' figures and the public portal: each module reports through
//! its manifest, the platform gathers.

use axum::http::StatusCode;
use gongzhi_kernel::authz::Role;
use gongzhi_orgs::testing::community_org;
use serde_json::Value;

use super::fixture::*;

fn line<'a>(desk: &'a Value, key: &str) -> Option<&'a Value> {
    desk.as_array().unwrap().iter().find(|l| l["key"] == key)
}

#[tokio::test]
async fn the_desk_gathers_every_modules_waiting_work_for_its_user() {
    let app = app().await;
    let org = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    catalog(&app, org.id).await;
    // A purchase in street B: a raised need, an approved project with an open notice, a bid.
    let buy = purchase(&app, org.id).await;
    // Two community filings waiting in community B, one sent back to its applicant.
    community_org(&app, "田东社区读书会", COMMUNITY_B, "submitted").await;
    let returned = community_org(&app, "田东社区合唱团", COMMUNITY_B, "returned").await;

    let street = app.login("fx.purchaser").await;
    let desk = street.get("/api/v1/desk").await;
    assert_eq!(desk.status, StatusCode::OK, "{}", desk.text());
    let desk = desk.json();
    let needs = line(&desk, "procurement.queue.needs_raised").expect("the raised need");
    assert_eq!(needs["count"], 1);
    assert!(!needs["label"].as_str().unwrap().is_empty());
    assert!(
        desk.as_array()
            .unwrap()
            .iter()
            .all(|l| l["count"].as_u64().unwrap() > 0),
        "lines with nothing waiting are left off: {desk}"
    );
    assert!(
        line(&desk, "orgs.desk.filings").is_none(),
        "the street decides reviewed filings only"
    );

    let community = app
        .user("b.community", &[(Role::CommunityAdmin, COMMUNITY_B)])
        .await;
    let desk = community.get("/api/v1/desk").await.json();
    assert_eq!(
        line(&desk, "orgs.desk.filings").unwrap()["count"],
        1,
        "{desk}"
    );
    assert_eq!(
        line(&desk, "orgs.desk.filings").unwrap()["href"],
        "/orgs/queue"
    );
    // Street A's community sees nothing of street B.
    let other = app
        .user("a.community", &[(Role::CommunityAdmin, COMMUNITY_A)])
        .await;
    let desk = other.get("/api/v1/desk").await.json();
    assert!(line(&desk, "orgs.desk.filings").is_none(), "{desk}");

    // The applicant whose filing came back is sent straight to it.
    let applicant = org_role(&app, "chorus.admin", returned, Role::OrgAdmin).await;
    let desk = applicant.get("/api/v1/desk").await.json();
    let back = line(&desk, "orgs.desk.returned").expect("the returned filing");
    assert_eq!(back["href"], format!("/orgs/{returned}"));
    assert_eq!(back["urgent"], true);

    // The home page shows the same desk, in Chinese; a resident's says nothing waits.
    let page = street.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("待办"), "{}", page.text());
    let resident = app
        .user("b.resident", &[(Role::Resident, COMMUNITY_B)])
        .await;
    let page = resident.get("/").await.text();
    assert!(page.contains("眼下没有等您处理的事项"), "{page}");
    let _ = buy;
}

#[tokio::test]
async fn figures_sum_a_nodes_year_for_those_who_may_read_it() {
    let app = app().await;
    let org = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    catalog(&app, org.id).await;
    let buy = purchase(&app, org.id).await;
    let year = chrono::Datelike::year(&buy.period_start);
    let district = district_admin(&app).await;
    let r = district
        .get(&format!("/api/v1/figures?node={STREET_B}&year={year}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let f = r.json();
    let value = |key: &str| {
        f["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["key"] == key)
            .unwrap_or_else(|| panic!("{key} in {f}"))["value"]
            .as_i64()
            .unwrap()
    };
    // The fixture's budget line of ¥500,000 holds the approved project's ¥30,000.
    assert_eq!(value("procurement.figure.budget"), 50_000_000);
    assert_eq!(value("procurement.figure.committed"), 3_000_000);
    assert_eq!(value("procurement.figure.spent"), 0);
    assert_eq!(value("procurement.figure.execution"), 0);
    assert_eq!(value("orgs.figure.registered"), 1);
    assert_eq!(f["name"], "海山街道");
    // Another year has no budget; street A's admin may not read street B.
    let r = district
        .get(&format!(
            "/api/v1/figures?node={STREET_B}&year={}",
            year + 1
        ))
        .await
        .json();
    assert!(
        r["figures"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["key"] != "procurement.figure.execution"),
        "no share of nothing: {r}"
    );
    let a = street_admin_a(&app).await;
    let r = a.get(&format!("/api/v1/figures?node={STREET_B}")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = district
        .get(&format!("/api/v1/figures?node={STREET_B}&year=1900"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_fields(), vec!["year".to_string()]);
}

#[tokio::test]
async fn the_portal_lists_every_modules_public_pages_for_anyone() {
    let app = app().await;
    let r = app.anon().get("/public").await;
    assert_eq!(r.status, StatusCode::OK);
    let page = r.text();
    for href in [
        "/public/orgs",
        "/public/incubation",
        &format!("/public/catalogs/{DISTRICT}"),
        "/public/notices",
    ] {
        assert!(page.contains(&format!("href=\"{href}\"")), "{href}: {page}");
    }
    assert!(page.contains("社会组织名录"));
    // Each link opens for anyone.
    let catalog = app
        .anon()
        .get(&format!("/public/catalogs/{DISTRICT}"))
        .await;
    assert_ne!(catalog.status, StatusCode::SEE_OTHER);
    let login = app.anon().get("/login").await.text();
    assert!(
        login.contains("href=\"/public\""),
        "the sign-in page leads to the portal"
    );
}
