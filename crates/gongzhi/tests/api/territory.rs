use axum::http::StatusCode;
use gongzhi_kernel::authz::Role;
use serde_json::json;

use super::fixture::*;

#[tokio::test]
async fn street_admin_creates_a_community_after_fixing_a_bad_field() {
    let app = app().await;
    let a = street_admin_a(&app).await;
    let before = app.count("territories").await;
    let r = a
        .post_json(
            "/api/v1/territories",
            json!({"code": "44030800100X", "name": "新社区", "kind": "community"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_fields(), vec!["code"]);
    assert!(
        r.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("第 12 位"),
        "{}",
        r.text()
    );
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert_eq!(
        app.count("territories").await,
        before,
        "a refused request changes nothing"
    );

    let r = a
        .post_json(
            "/api/v1/territories",
            json!({"code": "440308001005", "name": "新社区", "kind": "community"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["path"], "/440308/440308001/440308001005/");
    assert_eq!(r.json()["parent_code"], STREET_A);

    let list = a
        .get(&format!("/api/v1/territories?parent={STREET_A}"))
        .await;
    let names: Vec<String> = list.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.iter().any(|n| n == "新社区"), "{names:?}");
}

#[tokio::test]
async fn codes_names_and_kinds_are_checked() {
    let app = app().await;
    let admin = district_admin(&app).await;
    let cases = [
        (
            json!({"code": "440308001001", "name": "重复", "kind": "community"}),
            "code",
            "territory.code_taken",
        ),
        (
            json!({"code": "440308001002", "name": "中英街社区", "kind": "community"}),
            "name",
            "territory.name_taken",
        ),
        (
            json!({"code": "440308001002", "name": "x", "kind": "street"}),
            "kind",
            "territory.kind_level",
        ),
        (
            json!({"code": "440308101000", "name": "某镇", "kind": "street"}),
            "kind",
            "territory.kind_code",
        ),
        (
            json!({"code": "440308009001", "name": "孤儿社区", "kind": "community"}),
            "code",
            "territory.parent_missing",
        ),
        (
            json!({"code": "440300000000", "name": "市", "kind": "district"}),
            "code",
            "territory.code_level",
        ),
        (
            json!({"code": "440308001001", "name": "  ", "kind": "grid"}),
            "kind",
            "territory.kind_level",
        ),
    ];
    let before = app.count("territories").await;
    for (body, field, code) in cases {
        let r = admin.post_json("/api/v1/territories", body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text()
        );
        let errors = r.json()["errors"].clone();
        assert!(
            errors
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field && e["code"] == code),
            "{body}: expected {field}/{code}, got {errors}"
        );
    }
    assert_eq!(app.count("territories").await, before);
    // A grid under a community, and a town by its code.
    let r = admin
        .post_json(
            "/api/v1/territories",
            json!({"code": "440308001001001", "name": "第一网格", "kind": "grid"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = admin
        .post_json(
            "/api/v1/territories",
            json!({"code": "440308101000", "name": "某镇", "kind": "town"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

#[tokio::test]
async fn a_stale_update_is_a_conflict_and_changes_nothing() {
    let app = app().await;
    let a = street_admin_a(&app).await;
    let url = format!("/api/v1/territories/{COMMUNITY_A}");
    let r = a
        .patch_json(&url, json!({"name": "中英街社区（新）", "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["version"], 2);
    let r = a
        .patch_json(&url, json!({"name": "又一个名字", "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let now = a.get(&url).await.json();
    assert_eq!(now["name"], "中英街社区（新）");
    assert_eq!(now["version"], 2);
}

#[tokio::test]
async fn concurrent_updates_never_both_win() {
    let app = app().await;
    let a = street_admin_a(&app).await;
    let url = format!("/api/v1/territories/{COMMUNITY_A}");
    let (r1, r2) = tokio::join!(
        a.patch_json(&url, json!({"name": "甲", "version": 1})),
        a.patch_json(&url, json!({"name": "乙", "version": 1}))
    );
    let ok = [r1.status, r2.status]
        .iter()
        .filter(|s| **s == StatusCode::OK)
        .count();
    let conflicts = [r1.status, r2.status]
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, conflicts), (1, 1), "{} / {}", r1.text(), r2.text());
    assert_eq!(a.get(&url).await.json()["version"], 2);
}

#[tokio::test]
async fn csv_import_is_all_or_nothing_with_a_report_per_row() {
    let app = app().await;
    let admin = district_admin(&app).await;
    let before = app.count("territories").await;
    let audit_before = app.count("audit_entries").await;
    let bad = "\u{feff}代码,名称,类型\n440308001002,东和社区,community\n440308001003,桥东社区,street\n440308001004,沙头角社区,community\n";
    let r = admin
        .send(
            axum::http::Method::POST,
            "/api/v1/territories/import",
            Some(("text/csv", bad.as_bytes().to_vec())),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_fields(), vec!["rows.3.kind"]);
    assert_eq!(app.count("territories").await, before, "no row saved");
    assert_eq!(app.count("audit_entries").await, audit_before);

    let good = "code,name,kind\n440308003000,盐田街道,street\n440308003001,盐田社区,community\n440308003002,永安社区,community\n";
    let r = admin
        .send(
            axum::http::Method::POST,
            "/api/v1/territories/import",
            Some(("text/csv", good.as_bytes().to_vec())),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["created"].as_array().unwrap().len(), 3);
    assert_eq!(app.count("territories").await, before + 3);
}

#[tokio::test]
async fn xlsx_import_and_a_foreign_row_is_refused_whole() {
    let app = app().await;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (i, row) in [
        ["code", "name", "kind"],
        ["440308001002", "东和社区", "community"],
        ["440308002002", "梧桐社区", "community"],
    ]
    .iter()
    .enumerate()
    {
        for (j, cell) in row.iter().enumerate() {
            ws.write_string(i as u32, j as u16, *cell).unwrap();
        }
    }
    let bytes = wb.save_to_buffer().unwrap();
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let a = street_admin_a(&app).await;
    let before = app.count("territories").await;
    let r = a
        .send(
            axum::http::Method::POST,
            "/api/v1/territories/import",
            Some((xlsx, bytes.clone())),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "street A may not import into street B: {}",
        r.text()
    );
    assert_eq!(app.count("territories").await, before);
    let admin = district_admin(&app).await;
    let r = admin
        .send(
            axum::http::Method::POST,
            "/api/v1/territories/import",
            Some((xlsx, bytes)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(app.count("territories").await, before + 2);
}

#[tokio::test]
async fn hubs_attach_to_nodes_at_their_level() {
    let app = app().await;
    let a = street_admin_a(&app).await;
    let r = a
        .post_json(
            &format!("/api/v1/territories/{COMMUNITY_A}/hubs"),
            json!({"kind": "social_work_station", "name": "站"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["code"], "hub.kind_level");
    let r = a
        .post_json(
            &format!("/api/v1/territories/{STREET_A}/hubs"),
            json!({"kind": "social_work_station", "name": "沙头角街道社会工作服务站", "phone": "138 1234 5678"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["phone"], "13812345678");
    let list = a.get(&format!("/api/v1/territories/{STREET_A}/hubs")).await;
    assert_eq!(list.json().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn community_admin_reads_only_its_subtree() {
    let app = app().await;
    let c = app
        .user("c.admin", &[(Role::CommunityAdmin, COMMUNITY_A)])
        .await;
    let all = c.get("/api/v1/territories").await;
    let codes: Vec<String> = all.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, vec![COMMUNITY_A.to_string()]);
    assert_eq!(
        c.get(&format!("/api/v1/territories/{STREET_A}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        c.post_json(
            "/api/v1/territories",
            json!({"code": "440308001001002", "name": "网格", "kind": "grid"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "community admins read but do not write territory"
    );
}

#[tokio::test]
async fn keyset_pages_walk_the_whole_list_once() {
    let app = app().await;
    let admin = district_admin(&app).await;
    let mut seen = Vec::new();
    let mut url = "/api/v1/territories?limit=2".to_string();
    loop {
        let page = admin.get(&url).await.json();
        for i in page["items"].as_array().unwrap() {
            seen.push(i["code"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/territories?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        vec![DISTRICT, STREET_A, COMMUNITY_A, STREET_B, COMMUNITY_B]
    );
    let r = admin.get("/api/v1/territories?limit=500").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin.get("/api/v1/territories?cursor=garbage!").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn nothing_new_under_an_inactive_node() {
    let app = app().await;
    let a = street_admin_a(&app).await;
    let r = a
        .patch_json(
            &format!("/api/v1/territories/{COMMUNITY_A}"),
            json!({"status": "inactive", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = a
        .post_json(
            "/api/v1/territories",
            json!({"code": "440308001001001", "name": "网格", "kind": "grid"}),
        )
        .await;
    assert_eq!(
        r.json()["errors"][0]["code"],
        "territory.inactive",
        "{}",
        r.text()
    );
    let r = a
        .post_json(
            &format!("/api/v1/territories/{COMMUNITY_A}/hubs"),
            json!({"kind": "social_work_room", "name": "室"}),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["code"], "territory.inactive");
    let r = a
        .post_json("/api/v1/users", json!({"username": "new.one", "password": "Newone2026", "display_name": "新人", "home": COMMUNITY_A}))
        .await;
    assert_eq!(r.json()["errors"][0]["code"], "territory.inactive");
}
