//! The service catalog: versions and their diffs, adjustment proposals reviewed on the workflow
//! engine and published in the next version, the scope check, admission criteria explained per
//! organization, the three catalogs, licences, and the pages.

use axum::http::StatusCode;
use gongzhi_kernel::Uscc;
use gongzhi_kernel::authz::Role;
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::fixture::*;

fn uscc(first16: &str) -> String {
    Uscc::complete(first16).unwrap().as_str().to_string()
}

fn today() -> chrono::NaiveDate {
    gongzhi_platform::clock::today()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", gongzhi_platform::ui::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn keys(r: &gongzhi_platform::testing::TestResponse) -> Vec<String> {
    r.json()["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["code"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn item(code: &str, name: &str) -> Value {
    json!({
        "code": code, "category": "A02", "name": name, "tier": "community",
        "description": "寒假期间为双职工家庭儿童提供看护和课业辅导。",
        "service_standard": "每日看护不少于 6 小时，师生比不低于 1:10。",
        "unit": "人·天", "price_min": "60", "price_max": "90",
        "indicators": [{"name": "家长满意度", "target": "≥ 90%"}],
        "criteria": {"tiers": ["registered"], "min_years": 1, "min_grade": 3}
    })
}

async fn counts(app: &gongzhi_platform::testing::TestApp) -> (i64, i64, i64) {
    (
        app.count("catalog_changes").await,
        app.count("catalog_versions").await,
        app.count("catalog_items").await,
    )
}

#[tokio::test]
async fn a_street_proposes_the_district_approves_and_the_next_version_takes_effect() {
    let app = app().await;
    let holder = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let fx = catalog(&app, holder.id).await;
    let anon = app.anon();
    let street = app.user("b.admin", &[(Role::StreetAdmin, STREET_B)]).await;
    let district = district_admin(&app).await;

    // The version in force, the history and what the adjustment changed.
    let r = anon
        .get(&format!("/api/v1/public/catalogs/{DISTRICT}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let cat = r.json();
    assert_eq!(cat["version"]["number"], 2);
    assert_eq!(cat["version"]["in_force"], true);
    assert_eq!(cat["items"].as_array().unwrap().len(), 59);
    assert_eq!(cat["negatives"].as_array().unwrap().len(), 8);
    assert_eq!(cat["categories"].as_array().unwrap().len(), 21);
    let r = anon
        .get(&format!("/api/v1/public/catalogs/{DISTRICT}/versions"))
        .await;
    let versions = r.json();
    assert_eq!(versions[0]["until"], versions[1]["effective_from"]);
    assert_eq!(versions[0]["in_force"], false);
    let r = anon
        .get(&format!(
            "/api/v1/public/catalogs/{DISTRICT}/diff?from=1&to=2"
        ))
        .await;
    let d = r.json();
    assert_eq!(d["retired"][0]["code"], "E01-04");
    assert_eq!(d["modified"][0]["code"], "A01-01");
    assert_eq!(d["modified"][0]["fields"], json!(["price", "criteria"]));
    assert_eq!(d["negatives_added"][0]["code"], "L02");
    let r = anon
        .get(&format!("/api/v1/public/catalogs/{DISTRICT}?version=1"))
        .await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 60);

    // Street B proposes a new item; another street's user cannot see it.
    let r = street
        .post_json(
            "/api/v1/catalog-changes",
            json!({"kind": "add_item", "item": item("A02-07", "寒假儿童托管服务"),
                "reason": "寒假托管需求集中"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let change = r.json();
    assert_eq!(change["node_code"], STREET_B);
    assert_eq!(change["state"], "proposed");
    let id = change["id"].as_str().unwrap().to_string();
    let other = street_admin_a(&app).await;
    let r = other.get(&format!("/api/v1/catalog-changes/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A street may not approve its own proposal.
    let r = street
        .post_json(
            &format!("/api/v1/catalog-changes/{id}/transitions"),
            json!({"transition": "approve", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = district
        .post_json(
            &format!("/api/v1/catalog-changes/{id}/transitions"),
            json!({"transition": "reject", "version": 1}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a rejection needs a reason"
    );
    let r = district
        .post_json(
            &format!("/api/v1/catalog-changes/{id}/transitions"),
            json!({"transition": "approve", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["state"], "approved");
    let r = district
        .post_json(
            &format!("/api/v1/catalog-changes/{id}/transitions"),
            json!({"transition": "approve", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Publishing takes every approved change (this one and the fixture's) into version 3.
    let tomorrow = today() + chrono::Duration::days(1);
    let r = street
        .post_json(
            &format!("/api/v1/catalogs/{DISTRICT}/versions"),
            json!({"effective_from": tomorrow, "title": "第二次动态调整"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = district
        .post_json(
            &format!("/api/v1/catalogs/{DISTRICT}/versions"),
            json!({"effective_from": tomorrow, "title": "第二次动态调整", "notes": "新增寒假托管"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["number"], 3);
    assert_eq!(r.json()["in_force"], false, "it takes effect tomorrow");
    let r = district.get(&format!("/api/v1/catalog-changes/{id}")).await;
    assert_eq!(r.json()["state"], "applied");
    let r = district
        .get(&format!("/api/v1/catalog-changes/{}", fx.approved))
        .await;
    assert_eq!(r.json()["state"], "applied");
    let d = anon
        .get(&format!(
            "/api/v1/public/catalogs/{DISTRICT}/diff?from=2&to=3"
        ))
        .await
        .json();
    assert_eq!(d["added"][0]["code"], "A02-07");
    assert_eq!(d["retired"][0]["code"], "A05-03");
    // The proposal from street B that is still open is not in it.
    let r = district
        .get(&format!("/api/v1/catalog-changes/{}", fx.proposed))
        .await;
    assert_eq!(r.json()["state"], "proposed");

    // The scope check the purchase module makes: today under version 2, tomorrow under 3, and a
    // purchase pinned to version 2 is not in force tomorrow.
    let check = |q: String| {
        let anon = anon.clone();
        async move {
            anon.get(&format!("/api/v1/public/catalogs/{DISTRICT}/check?{q}"))
                .await
                .json()
        }
    };
    let c = check("item=A02-07".into()).await;
    assert_eq!(c["allowed"], false);
    assert_eq!(c["reasons"][0]["key"], "catalog.scope_not_in_catalog");
    let c = check(format!("item=A02-07&on={tomorrow}")).await;
    assert_eq!(c["allowed"], true, "{c}");
    assert_eq!(c["version"], 3);
    let c = check(format!("item=A01-02&on={tomorrow}&version=2")).await;
    assert_eq!(c["reasons"][0]["key"], "catalog.scope_version_not_in_force");
    let c = check("item=E01-03".into()).await;
    assert_eq!(c["reasons"][0]["key"], "catalog.scope_not_purchasable");
    // The check the purchase module calls directly gives the same answer.
    let a = gongzhi_catalog::service::scope_check(
        &app.state.db.read,
        "440308",
        "A02-07",
        None,
        tomorrow,
    )
    .await
    .unwrap();
    assert!(a.reasons.is_empty());
    assert_eq!(a.version.unwrap().number, 3);

    // Withdrawing the other proposal; every step is in the audit log.
    let street_b = app.login("b.admin").await;
    let r = street_b
        .post_json(
            &format!("/api/v1/catalog-changes/{}/transitions", fx.proposed),
            json!({"transition": "withdraw", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let actions: Vec<String> = gongzhi_platform::entity::audit_entry::Entity::find()
        .filter(
            gongzhi_platform::entity::audit_entry::Column::EntityType
                .is_in(["catalog_change", "catalog_version"]),
        )
        .all(&app.state.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "catalog.change_proposed",
        "catalog_change.approve",
        "catalog_change.apply",
        "catalog.version_published",
        "catalog_change.withdraw",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
    // The list is scoped: street B sees its own proposals.
    let r = street_b.get("/api/v1/catalog-changes").await;
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    let r = street_b
        .get(&format!("/api/v1/catalog-changes?node={STREET_A}"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_proposals_and_versions_get_a_clear_message_and_change_nothing() {
    let app = app().await;
    let holder = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let _fx = catalog(&app, holder.id).await;
    let district = district_admin(&app).await;
    let before = counts(&app).await;
    let propose = |body: Value| {
        let d = district.clone();
        async move { d.post_json("/api/v1/catalog-changes", body).await }
    };

    // An item that falls under the negative list.
    let r = propose(json!({"kind": "add_item", "reason": "改善活动场地",
        "item": item("A05-09", "社区活动室装修工程")}))
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(keys(&r), vec!["catalog.item_excluded"]);
    assert!(r.text().contains("N3"), "{}", r.text());
    // A grade that does not exist, a discriminatory criterion, an unknown licence.
    let mut bad = item("A02-08", "周末儿童托管服务");
    bad["criteria"] = json!({"min_grade": 6});
    let r = propose(json!({"kind": "add_item", "reason": "需求", "item": bad})).await;
    assert_eq!(keys(&r), vec!["catalog.grade_unknown"]);
    assert!(r.text().contains("1A 至 5A"), "{}", r.text());
    let mut bad = item("A02-08", "周末儿童托管服务");
    bad["criteria"] = json!({"registered_in": STREET_B});
    let r = propose(json!({"kind": "add_item", "reason": "需求", "item": bad})).await;
    assert_eq!(keys(&r), vec!["catalog.criteria_discriminatory"]);
    let mut bad = item("A02-08", "周末儿童托管服务");
    bad["criteria"] = json!({"notes": "限本区注册的社会组织"});
    let r = district
        .clone()
        .english()
        .post_json(
            "/api/v1/catalog-changes",
            json!({"kind": "add_item", "reason": "need", "item": bad}),
        )
        .await;
    assert_eq!(keys(&r), vec!["catalog.criteria_discriminatory"]);
    assert!(r.text().contains("may not discriminate"), "{}", r.text());
    // A negative-list entry that would catch an item in the catalog; removing a national one.
    let r = propose(
        json!({"kind": "add_negative", "reason": "助餐改由政府直接提供",
        "entry": {"code": "L09", "category": "n2", "title": "助餐服务", "terms": ["助餐"]}}),
    )
    .await;
    assert_eq!(keys(&r), vec!["catalog.item_excluded"]);
    let r = propose(json!({"kind": "remove_negative", "code": "N3", "reason": "试试"})).await;
    assert_eq!(keys(&r), vec!["catalog.negative_national_fixed"]);
    // A taken code, a missing item, no reason, an unchanged modification.
    let r =
        propose(json!({"kind": "add_item", "reason": "重复", "item": item("A01-01", "长者助餐")}))
            .await;
    assert_eq!(keys(&r), vec!["catalog.code_taken"]);
    let r = propose(json!({"kind": "retire_item", "code": "Z9-99", "reason": "不存在"})).await;
    assert_eq!(keys(&r), vec!["catalog.item_not_found"]);
    let r = propose(json!({"kind": "retire_item", "code": "A01-02"})).await;
    assert_eq!(keys(&r), vec!["catalog.reason_required"]);
    let current = app
        .anon()
        .get(&format!("/api/v1/public/catalogs/{DISTRICT}"))
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "A01-02")
        .cloned()
        .unwrap();
    let mut same = current.clone();
    same["price_min"] = json!("40");
    same["price_max"] = json!("60");
    let r = propose(json!({"kind": "modify_item", "reason": "无变化", "item": same})).await;
    assert_eq!(keys(&r), vec!["catalog.nothing_changed"], "{}", r.text());
    // Versions: a past date; a date on the latest version's; the fixture's approved change is
    // there to publish.
    let url = format!("/api/v1/catalogs/{DISTRICT}/versions");
    let yesterday = today() - chrono::Duration::days(1);
    let r = district
        .post_json(
            &url,
            json!({"effective_from": yesterday, "title": "补发版本"}),
        )
        .await;
    assert_eq!(keys(&r), vec!["catalog.effective_in_past"]);
    assert_eq!(counts(&app).await, before, "nothing saved");

    let later = today() + chrono::Duration::days(10);
    let r = district
        .post_json(&url, json!({"effective_from": later, "title": "第三版"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let after = counts(&app).await;
    let sooner = today() + chrono::Duration::days(5);
    let r = district
        .post_json(&url, json!({"effective_from": sooner, "title": "第四版"}))
        .await;
    assert_eq!(keys(&r), vec!["catalog.version_overlaps"]);
    let r = district
        .post_json(
            &url,
            json!({"effective_from": later + chrono::Duration::days(1), "title": "第四版"}),
        )
        .await;
    assert_eq!(keys(&r), vec!["catalog.nothing_to_publish"]);
    assert_eq!(counts(&app).await, after, "nothing saved");

    // Categories: a taken code, an unknown parent; renaming keeps the code.
    let r = district
        .post_json(
            &format!("/api/v1/catalogs/{DISTRICT}/categories"),
            json!({"code": "A01", "name": "重复"}),
        )
        .await;
    assert_eq!(keys(&r), vec!["catalog.code_taken"]);
    let r = district
        .post_json(
            &format!("/api/v1/catalogs/{DISTRICT}/categories"),
            json!({"code": "F01", "parent_code": "F", "name": "没有上级"}),
        )
        .await;
    assert_eq!(keys(&r), vec!["catalog.category_unknown"]);
    let r = district
        .post_json(
            &format!("/api/v1/catalogs/{DISTRICT}/categories"),
            json!({"code": "A07", "parent_code": "A", "name": "就业服务", "sort": 7}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let cid = r.json()["id"].as_str().unwrap().to_string();
    let r = district
        .patch_json(
            &format!("/api/v1/catalog-categories/{cid}"),
            json!({"name": "就业与创业服务", "version": 1}),
        )
        .await;
    assert_eq!(r.json()["name"], "就业与创业服务");
    let r = district
        .patch_json(
            &format!("/api/v1/catalog-categories/{cid}"),
            json!({"name": "再改", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn two_approvals_that_clash_cannot_both_pass() {
    let app = app().await;
    let holder = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let _fx = catalog(&app, holder.id).await;
    let district = district_admin(&app).await;
    let mut ids = Vec::new();
    for name in ["寒假儿童托管服务", "冬令营儿童托管服务"] {
        let r = district
            .post_json(
                "/api/v1/catalog-changes",
                json!({"kind": "add_item", "reason": "需求", "item": item("A02-07", name)}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        ids.push(r.json()["id"].as_str().unwrap().to_string());
    }
    let approve = |id: String| {
        let d = district.clone();
        async move {
            d.post_json(
                &format!("/api/v1/catalog-changes/{id}/transitions"),
                json!({"transition": "approve", "version": 1}),
            )
            .await
        }
    };
    let (a, b) = tokio::join!(approve(ids[0].clone()), approve(ids[1].clone()));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY],
        "{} / {}",
        a.text(),
        b.text()
    );
    let refused = if a.status == StatusCode::OK { &b } else { &a };
    assert_eq!(keys(refused), vec!["catalog.code_taken"]);
}

#[tokio::test]
async fn eligibility_is_explained_criterion_by_criterion_and_the_three_catalogs_follow_the_registry()
 {
    let app = app().await;
    // A: a 4A social work agency with five social workers and the agency licence (fixture).
    let a = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let fx = catalog(&app, a.id).await;
    let _ = fx;
    grade(&app, a.id, 4, ymd(2024, 1, 1)).await;
    set_social_workers(&app, a.id, 5).await;
    // B: the same but 3A, no licence, and on the abnormal list.
    let b = registered_org(&app, COMMUNITY_A, &uscc("52440308MJ0000F4")).await;
    grade(&app, b.id, 3, ymd(2024, 1, 1)).await;
    set_social_workers(&app, b.id, 5).await;
    list_entry(
        &app,
        b.id,
        "abnormal",
        "annual_report_late",
        ymd(2026, 6, 1),
        "none",
    )
    .await;
    let filed = filed_org(&app, "田东社区读书会", COMMUNITY_B).await;

    let admin = org_role(&app, "a.admin.org", a.id, Role::OrgAdmin).await;
    let r = admin
        .get(&format!("/api/v1/orgs/{}/eligibility", a.id))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let e = r.json();
    let find = |v: &Value, code: &str| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == code)
            .cloned()
            .unwrap()
    };
    // B02-01 (preset 3: 4A, five social workers, agency licence, abnormal list excludes).
    assert_eq!(find(&e, "B02-01")["qualified"], true);
    // A01-02 needs the elderly-care filing too; the message names it.
    let home = find(&e, "A01-02");
    assert_eq!(home["qualified"], false);
    let failed: Vec<&Value> = home["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "{home}");
    assert_eq!(failed[0]["message"], "持有养老机构备案");
    // Another organization cannot read it.
    let other = org_role(&app, "b.admin.org", b.id, Role::OrgAdmin).await;
    let r = other
        .get(&format!("/api/v1/orgs/{}/eligibility", a.id))
        .await;
    assert!(matches!(
        r.status,
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
    ));

    // B: the abnormal list warns for preset 2 items but excludes for preset 3, and the missing
    // licence shows.
    let e = other
        .get(&format!("/api/v1/orgs/{}/eligibility", b.id))
        .await
        .json();
    let strict = find(&e, "B02-01");
    assert_eq!(strict["qualified"], false);
    let lacks: Vec<String> = strict["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["criterion"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(lacks, vec!["abnormal_list", "grade", "licence"]);
    let open = find(&e, "A05-01");
    assert_eq!(open["qualified"], true, "{open}");
    assert!(
        open["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["criterion"] == "abnormal_list"
                && c["passed"] == false
                && c["blocking"] == false)
    );

    // The qualified providers of an item, computed from the registry.
    let anon = app.anon();
    let url = format!("/api/v1/public/catalogs/{DISTRICT}/items/B02-01/providers");
    let p = anon.get(&url).await.json();
    assert_eq!(p["total"], 1);
    assert_eq!(p["page"]["items"][0]["org_id"], a.id.to_string());
    // A 差 evaluation recorded on A takes it out of items that look back three years.
    let staff = district_admin(&app).await;
    let r = staff
        .post_json(
            &format!("/api/v1/orgs/{}/standing/events", a.id),
            json!({"kind": "performance_poor", "occurred_on": today(), "version": a.version}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    assert_eq!(anon.get(&url).await.json()["total"], 0);
    // The filed reading club qualifies for open community items only.
    let p = anon
        .get(&format!(
            "/api/v1/public/catalogs/{DISTRICT}/items/A05-01/providers"
        ))
        .await
        .json();
    let names: Vec<&str> = p["page"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"田东社区读书会"), "{names:?}");
    let _ = filed;

    // The three catalogs.
    let street = anon
        .get(&format!("/api/v1/public/catalogs/purchase/{STREET_B}"))
        .await
        .json();
    let items = street["items"].as_array().unwrap();
    assert_eq!(items.len(), 57, "purchasable items of version 2");
    assert!(items.iter().all(|i| i["purchasable"] == true));
    assert!(items.iter().all(|i| i["qualified"].is_number()));
    let community = anon
        .get(&format!(
            "/api/v1/public/catalogs/public-services/{COMMUNITY_B}"
        ))
        .await
        .json();
    let items = community["items"].as_array().unwrap();
    assert!(items.iter().all(|i| i["tier"] == "community"));
    assert!(items.iter().any(|i| i["purchasable"] == false));
    let r = anon
        .get(&format!("/api/v1/public/catalogs/purchase/{COMMUNITY_B}"))
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "a community is not a street"
    );
    let r = anon
        .get(&format!("/api/v1/public/catalogs/{DISTRICT}/export.xlsx"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(&r.body[..2], b"PK");

    // Licences: staff record and revoke; the organization reads; bad input changes nothing.
    let lic = format!("/api/v1/orgs/{}/licences", b.id);
    let r = staff
        .post_json(
            &lic,
            json!({"kind": "pilot", "number": "", "valid_from": today() + chrono::Duration::days(3)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        keys(&r),
        vec![
            "catalog.licence_unknown",
            "catalog.required",
            "catalog.date_in_future"
        ]
    );
    let r = other
        .post_json(
            &lic,
            json!({"kind": "social_work_agency", "number": "SG-2", "valid_from": "2024-01-01"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "an organization cannot vouch for itself"
    );
    let r = staff
        .post_json(
            &lic,
            json!({"kind": "social_work_agency", "number": "SG-2", "valid_from": "2024-01-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let lid = r.json()["id"].as_str().unwrap().to_string();
    let listed = other.get(&lic).await.json();
    assert_eq!(listed[0]["kind_label"], "社会工作服务机构资质");
    let r = staff
        .post_json(
            &format!("/api/v1/org-licences/{lid}/revoke"),
            json!({"revoked_on": today(), "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = staff
        .post_json(
            &format!("/api/v1/org-licences/{lid}/revoke"),
            json!({"revoked_on": today(), "version": 2}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn catalog_pages_work_for_the_district_the_street_and_the_public() {
    let app = app().await;
    let holder = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let fx = catalog(&app, holder.id).await;
    let anon = app.anon();
    for url in [
        format!("/public/catalogs/{DISTRICT}"),
        format!("/public/catalogs/{DISTRICT}?version=1"),
        format!("/public/catalogs/{DISTRICT}/items/A01-03"),
        format!("/public/catalogs/{DISTRICT}/versions?from=1&to=2"),
        format!("/public/catalogs/purchase/{STREET_B}"),
        format!("/public/catalogs/public-services/{COMMUNITY_B}"),
    ] {
        let r = anon.get(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.text());
    }
    let r = anon
        .get(&format!("/public/catalogs/{DISTRICT}/versions?from=1&to=2"))
        .await;
    assert!(
        r.text().contains("E01-04"),
        "the diff lists the retired item"
    );

    // The street proposes through the form: a bad one comes back with messages, kept values.
    let street = app.user("b.admin", &[(Role::StreetAdmin, STREET_B)]).await;
    let r = street.get("/catalog").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("/catalog/changes/new?node=440308002000"));
    let r = street
        .get(&format!(
            "/catalog/changes/new?node={STREET_B}&kind=modify_item&code=A01-02"
        ))
        .await;
    assert!(r.text().contains("居家养老上门服务"), "prefilled");
    let bad = form(&[
        ("node", STREET_B),
        ("kind", "add_item"),
        ("code", "A05-09"),
        ("category", "A05"),
        ("name", "活动室装修工程"),
        ("tier", "community"),
        ("purchasable", "on"),
        ("min_grade", "7"),
        ("reason", "改善场地"),
    ]);
    let r = street.post_form("/catalog/changes", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("活动室装修工程"), "values kept");
    assert!(r.text().contains("1A 至 5A"), "{}", r.text());
    let before = app.count("catalog_changes").await;
    let good = form(&[
        ("node", STREET_B),
        ("kind", "add_item"),
        ("code", "A02-07"),
        ("category", "A02"),
        ("name", "寒假儿童托管服务"),
        ("tier", "community"),
        ("purchasable", "on"),
        ("unit", "人·天"),
        ("price_min", "60"),
        ("price_max", "90"),
        ("indicators", "家长满意度|≥ 90%\n出勤率|≥ 95%"),
        ("ot_registered", "on"),
        ("min_grade", "3"),
        ("lic_social_work_agency", "on"),
        ("reason", "寒假托管需求集中"),
    ]);
    let r = street.post_form("/catalog/changes", &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(app.count("catalog_changes").await, before + 1);
    let to = r.headers["location"].to_str().unwrap().to_string();
    let id = to
        .trim_start_matches("/catalog/changes/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let r = street.get(&to).await;
    assert!(r.text().contains("寒假儿童托管服务"));
    assert!(r.text().contains("3A"), "criteria in words");

    // The district approves on the page and publishes from its desk.
    let district = district_admin(&app).await;
    let r = district
        .post_form(
            &format!("/catalog/changes/{id}"),
            "transition=approve&version=1&reason=",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = district.get(&format!("/catalog?node={DISTRICT}")).await;
    assert!(r.text().contains("A02-07"), "the preview lists what comes");
    let r = district
        .post_form(
            "/catalog/versions",
            &form(&[
                ("district", DISTRICT),
                ("effective_from", "2020-01-01"),
                ("title", "第三版"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("生效日期不能早于今天"));
    let tomorrow = (today() + chrono::Duration::days(1)).to_string();
    let r = district
        .post_form(
            "/catalog/versions",
            &form(&[
                ("district", DISTRICT),
                ("effective_from", &tomorrow),
                ("title", "第三版"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = anon
        .get(&format!("/public/catalogs/{DISTRICT}?version=3"))
        .await;
    assert!(r.text().contains("寒假儿童托管服务"));
    let _ = fx;

    // The organization's eligibility page, and staff recording a licence there.
    let org_admin = org_role(&app, "holder.admin", holder.id, Role::OrgAdmin).await;
    let r = org_admin
        .get(&format!("/orgs/{}/eligibility", holder.id))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("持有养老机构备案"), "what it lacks");
    assert!(
        !r.text().contains("name=\"op\" value=\"record\""),
        "no staff form"
    );
    let r = district
        .post_form(
            &format!("/orgs/{}/licences", holder.id),
            &form(&[
                ("op", "record"),
                ("kind", "elderly_care_filing"),
                ("number", ""),
                ("valid_from", "2024-01-01"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = district
        .post_form(
            &format!("/orgs/{}/licences", holder.id),
            &form(&[
                ("op", "record"),
                ("kind", "elderly_care_filing"),
                ("number", "YL-0001"),
                ("valid_from", "2024-01-01"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}
