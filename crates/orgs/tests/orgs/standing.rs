//! Standing: list triggers and clocks run by the scheduled job, grades with their eligibility
//! rules, annual reports and inspections, the summary other modules query, and documents.

use axum::http::{Method, StatusCode};
use gongzhi_kernel::authz::Role;
use gongzhi_orgs::domain::standing::Purpose;
use gongzhi_orgs::store::entity::{org, org_list_entry};
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use gongzhi_platform::testing::{TestApp, TestClient};

use serde_json::json;

use super::fixture::*;

const JOB: &str = "orgs.standing_clocks";

async fn entries(app: &TestApp, org: uuid::Uuid) -> Vec<org_list_entry::Model> {
    org_list_entry::Entity::find()
        .filter(org_list_entry::Column::OrgId.eq(org))
        .all(&app.state.db.read)
        .await
        .unwrap()
}

fn open<'a>(es: &'a [org_list_entry::Model], list: &str) -> Option<&'a org_list_entry::Model> {
    es.iter().find(|e| e.list == list && e.removed_on.is_none())
}

async fn version(app: &TestApp, id: uuid::Uuid) -> i32 {
    org::Entity::find_by_id(id)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap()
        .version
}

async fn run_job(app: &TestApp, on: chrono::NaiveDate) -> String {
    gongzhi_platform::jobs::run_now(&app.state, JOB, on)
        .await
        .unwrap()
        .expect("not held elsewhere")
}

async fn org_admin(app: &TestApp, name: &str, o: &org::Model) -> TestClient {
    let u = app.user_model(name, &[]).await;
    gongzhi_orgs::service::grant_org_role(
        &app.state.db.write,
        &gongzhi_platform::audit::AuditActor::system("test"),
        u.id,
        o,
        Role::OrgAdmin,
    )
    .await
    .unwrap();
    app.login(name).await
}

#[tokio::test]
async fn penalties_put_organizations_on_the_lists() {
    let app = app().await;
    let o = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let b = app.user("b.admin", &[(Role::StreetAdmin, STREET_B)]).await;
    let url = format!("/api/v1/orgs/{}/standing/events", o.id);
    let r = b
        .post_json(
            &url,
            json!({"kind": "warning", "occurred_on": "2025-03-01", "note": "未按规定使用票据", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert_eq!(v["abnormal_since"], "2025-03-01");
    assert!(v["serious_since"].is_null());
    assert_eq!(v["entries"][0]["removal_due"], "2025-09-01");
    let purchase = &v["eligibility"][0];
    assert_eq!(purchase["purpose"], "purchase");
    assert_eq!(
        purchase["eligible"], true,
        "the abnormal list only warns by default"
    );
    assert_eq!(
        v["eligibility"][1]["eligible"], false,
        "…or blocks, by policy"
    );

    // A stale version is refused, and nothing is recorded.
    let r = b
        .post_json(
            &url,
            json!({"kind": "fine", "amount_fen": 300000, "occurred_on": "2025-06-01", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    // A second small penalty within three years: the serious list as well.
    let r = b
        .post_json(
            &url,
            json!({"kind": "fine", "amount_fen": 300000, "occurred_on": "2025-06-01", "version": 2}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert_eq!(v["serious_since"], "2025-06-01");
    let es = entries(&app, o.id).await;
    assert_eq!(
        open(&es, "abnormal").unwrap().triggers,
        "warning,small_fine"
    );
    assert_eq!(open(&es, "abnormal").unwrap().clock_from, ymd(2025, 6, 1));
    assert_eq!(open(&es, "serious").unwrap().triggers, "repeated_penalties");
    let verdict = gongzhi_orgs::service::standing_svc::is_eligible_for(
        &app.state.db.read,
        o.id,
        Purpose::Purchase {
            abnormal_blocks: false,
        },
        ymd(2026, 1, 1),
    )
    .await
    .unwrap();
    assert!(!verdict.eligible);
    assert!(
        verdict
            .notes
            .iter()
            .any(|n| n.key == "standing.on_serious_list" && n.blocking)
    );

    // Bad input: a fine without an amount, an unknown kind, a future date.
    for (body, field) in [
        (
            json!({"kind": "fine", "occurred_on": "2025-06-01", "version": 3}),
            "amount_fen",
        ),
        (
            json!({"kind": "gossip", "occurred_on": "2025-06-01", "version": 3}),
            "kind",
        ),
        (
            json!({"kind": "warning", "occurred_on": "2099-01-01", "version": 3}),
            "occurred_on",
        ),
    ] {
        let r = b.post_json(&url, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.error_fields(), vec![field.to_string()]);
    }
    assert_eq!(app.count("org_standing_events").await, 2);
    // Another street cannot record anything here; the district can.
    let a = street_admin_a(&app).await;
    let r = a
        .post_json(
            &url,
            json!({"kind": "warning", "occurred_on": "2025-06-01", "version": 3}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(app.count("audit_entries").await >= 5);
}

#[tokio::test]
async fn the_clock_job_ends_and_escalates_stays() {
    let app = app().await;
    let quiet = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let fixing = registered_org(&app, COMMUNITY_B, "52440308MJ0000026B").await;
    let stuck = registered_org(&app, COMMUNITY_A, "52440308MJL123454J").await;
    for o in [&quiet, &fixing, &stuck] {
        annual_report(&app, o.id, 2024).await;
        annual_report(&app, o.id, 2025).await;
    }
    list_entry(
        &app,
        quiet.id,
        "abnormal",
        "unreachable",
        ymd(2025, 1, 10),
        "none",
    )
    .await;
    let e = list_entry(
        &app,
        fixing.id,
        "abnormal",
        "no_party_org",
        ymd(2025, 1, 10),
        "pending",
    )
    .await;
    list_entry(
        &app,
        stuck.id,
        "abnormal",
        "rectification_overdue",
        ymd(2024, 3, 1),
        "pending",
    )
    .await;

    // The day before six months: nothing; on the day: the quiet one leaves by itself.
    run_job(&app, ymd(2025, 7, 9)).await;
    assert!(open(&entries(&app, quiet.id).await, "abnormal").is_some());
    let out = run_job(&app, ymd(2025, 7, 10)).await;
    assert!(out.contains("removed 1"), "{out}");
    let es = entries(&app, quiet.id).await;
    assert!(open(&es, "abnormal").is_none());
    assert_eq!(es[0].removal_reason.as_deref(), Some("auto"));
    assert!(open(&entries(&app, fixing.id).await, "abnormal").is_some());
    // Two years unrectified: moved to the serious list, dated when the two years ran out.
    run_job(&app, ymd(2026, 2, 28)).await;
    assert!(open(&entries(&app, stuck.id).await, "abnormal").is_some());
    let out = run_job(&app, ymd(2026, 3, 1)).await;
    assert!(out.contains("escalated 1"), "{out}");
    let es = entries(&app, stuck.id).await;
    assert!(open(&es, "abnormal").is_none());
    let serious = open(&es, "serious").unwrap();
    assert_eq!(serious.entered_on, ymd(2026, 3, 1));
    assert_eq!(serious.triggers, "abnormal_two_years");
    // Pending rectification holds the other one; once verified, five working days later.
    assert!(open(&entries(&app, fixing.id).await, "abnormal").is_some());
    let b = app.user("b.admin", &[(Role::StreetAdmin, STREET_B)]).await;
    let r = b
        .post_json(
            &format!("/api/v1/org-list-entries/{e}/actions"),
            json!({"action": "verify_rectification", "version": 1, "on": "2026-09-28"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let due = app.state.calendar.add_working_days(ymd(2026, 9, 28), 5);
    assert_eq!(r.json()["entries"][0]["removal_due"], due.to_string());
    assert!(
        due > ymd(2026, 10, 7),
        "the National Day holiday does not count"
    );
    run_job(&app, due.pred_opt().unwrap()).await;
    assert!(open(&entries(&app, fixing.id).await, "abnormal").is_some());
    let out = run_job(&app, due).await;
    assert!(out.contains("removed 1"), "{out}");
    let es = entries(&app, fixing.id).await;
    assert!(open(&es, "abnormal").is_none());
    assert_eq!(es[0].removal_reason.as_deref(), Some("rectified"));
    // Running again changes nothing.
    let before = app.count("audit_entries").await;
    let out = run_job(&app, due).await;
    assert_eq!(out, "removed 0, escalated 0, annual reports late 0");
    assert_eq!(app.count("audit_entries").await, before);
}

#[tokio::test]
async fn a_missing_annual_report_puts_a_registered_organization_on_the_abnormal_list() {
    let app = app().await;
    let late = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let on_time = registered_org(&app, COMMUNITY_B, "52440308MJ0000026B").await;
    annual_report(&app, late.id, 2024).await;
    annual_report(&app, on_time.id, 2024).await;
    annual_report(&app, on_time.id, 2025).await;
    // Not yet due on 31 May.
    let out = run_job(&app, ymd(2026, 5, 31)).await;
    assert!(out.contains("annual reports late 0"), "{out}");
    let out = run_job(&app, ymd(2026, 6, 1)).await;
    assert!(out.contains("annual reports late 1"), "{out}");
    let es = entries(&app, late.id).await;
    let e = open(&es, "abnormal").unwrap();
    assert_eq!(e.triggers, "annual_report_late");
    assert_eq!(e.rectification, "pending");
    assert!(entries(&app, on_time.id).await.is_empty());
    let out = run_job(&app, ymd(2026, 6, 2)).await;
    assert!(
        out.contains("annual reports late 0"),
        "once per year: {out}"
    );

    // The organization files it itself; staff inspect it.
    let admin = org_admin(&app, "late.admin", &late).await;
    let url = format!("/api/v1/orgs/{}/annual-reports", late.id);
    let r = admin.post_json(&url, json!({"year": 2025})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let report = r.json()["reports"][0].clone();
    assert_eq!(report["year"], 2025);
    assert_eq!(report["late"], true);
    assert_eq!(report["inspection"], "pending");
    for year in [2025, 2099, 2010] {
        let r = admin.post_json(&url, json!({"year": year})).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{year}: {}",
            r.text()
        );
        assert_eq!(r.error_fields(), vec!["year".to_string()]);
    }
    let inspect = format!(
        "/api/v1/org-annual-reports/{}/inspection",
        report["id"].as_str().unwrap()
    );
    let r = admin
        .post_json(&inspect, json!({"result": "qualified", "version": 1}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "organizations do not inspect themselves"
    );
    let b = app.user("b.admin", &[(Role::StreetAdmin, STREET_B)]).await;
    let r = b
        .post_json(&inspect, json!({"result": "excellent", "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = b
        .post_json(
            &inspect,
            json!({"result": "basically_qualified", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["reports"][0]["inspection"], "basically_qualified");
    let r = b
        .post_json(&inspect, json!({"result": "qualified", "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn grades_follow_the_eligibility_rules() {
    let app = app().await;
    let o = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let qu = district_admin(&app).await;
    let url = format!("/api/v1/orgs/{}/grades", o.id);
    let body = |grade: i32, version: i32| json!({"grade": grade, "score": 860, "awarded_on": "2026-07-01", "version": version});
    // No annual report for 2025: the missed inspection excludes it.
    let r = qu.post_json(&url, body(4, 1)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text().contains("inspection_missed") || r.text().contains("年检"),
        "{}",
        r.text()
    );
    annual_report(&app, o.id, 2025).await;
    let r = qu.post_json(&url, body(6, 1)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_fields(), vec!["grade".to_string()]);
    // A street may not grade.
    let b = app.user("b.admin", &[(Role::StreetAdmin, STREET_B)]).await;
    assert_eq!(
        b.post_json(&url, body(4, 1)).await.status,
        StatusCode::FORBIDDEN
    );
    let r = qu.post_json(&url, body(4, 1)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert_eq!(v["grade"], "4A");
    assert_eq!(v["grade_expires_on"], "2031-07-01");
    // Still valid: no second grade.
    let r = qu.post_json(&url, body(5, version(&app, o.id).await)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("有效期"), "{}", r.text());
    // Lowered, then revoked, each with a reason.
    let gid = v["grades"][0]["id"].as_str().unwrap().to_string();
    let dg = format!("/api/v1/org-grades/{gid}/downgrade");
    let r = qu
        .post_json(&dg, json!({"grade": 5, "reason": "x", "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = qu
        .post_json(&dg, json!({"grade": 2, "reason": "", "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = qu
        .post_json(
            &dg,
            json!({"grade": 2, "reason": "年检基本合格", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["grade"], "2A");
    let r = qu
        .post_json(
            &dg,
            json!({"grade": 0, "reason": "被责令停止活动", "version": 2}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.json()["grade"].is_null());
    // Community organizations are never graded.
    let resident = app.user("resident", &[(Role::Resident, COMMUNITY_B)]).await;
    let c = resident
        .post_json(
            "/api/v1/orgs/applications",
            json!({"name": "邻里互助队", "legal_form": "community_org", "tier": "guided",
                   "territory": COMMUNITY_B, "categories": ["191.mutual_aid"], "person_in_charge": "李四"}),
        )
        .await
        .json();
    let r = qu
        .post_json(
            &format!("/api/v1/orgs/{}/grades", c["id"].as_str().unwrap()),
            json!({"grade": 1, "awarded_on": "2026-07-01", "version": 1}),
        )
        .await;
    // A draft is its applicant's own: not even visible to the district yet.
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn two_graders_at_once_award_one_grade() {
    let app = app().await;
    let o = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    annual_report(&app, o.id, 2025).await;
    let one = district_admin(&app).await;
    let two = app.user("qu.two", &[(Role::DistrictAdmin, DISTRICT)]).await;
    let url = format!("/api/v1/orgs/{}/grades", o.id);
    let body = json!({"grade": 3, "awarded_on": "2026-07-01", "version": 1});
    let (a, b) = tokio::join!(one.post_json(&url, body.clone()), two.post_json(&url, body));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    // The loser either raced the winner (409) or read its grade already (422 still valid).
    assert_eq!(
        statuses[0],
        StatusCode::CREATED,
        "{} / {}",
        a.text(),
        b.text()
    );
    assert!(
        matches!(
            statuses[1],
            StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
        ),
        "{} / {}",
        a.text(),
        b.text()
    );
    assert_eq!(app.count("org_grades").await, 1);
}

#[tokio::test]
async fn a_serious_stay_ends_on_request_after_two_clean_years() {
    let app = app().await;
    let o = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let young = registered_org(&app, COMMUNITY_B, "52440308MJ0000026B").await;
    let today = gongzhi_platform::clock::today();
    let recent = list_entry(
        &app,
        young.id,
        "serious",
        "large_fine",
        today - chrono::Duration::days(300),
        "none",
    )
    .await;
    let old = list_entry(&app, o.id, "serious", "large_fine", ymd(2023, 1, 1), "none").await;
    let admin = org_admin(&app, "o.admin", &young).await;
    let r = admin
        .post_json(
            &format!("/api/v1/org-list-entries/{recent}/actions"),
            json!({"action": "request_removal", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("满 2 年"), "{}", r.text());
    // The organization's own people cannot decide; staff can decline (with a reason) or grant.
    let admin = org_admin(&app, "o2.admin", &o).await;
    let url = format!("/api/v1/org-list-entries/{old}/actions");
    let r = admin
        .post_json(&url, json!({"action": "request_removal", "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = admin
        .post_json(&url, json!({"action": "remove", "version": 2}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let b = app.user("b.admin", &[(Role::StreetAdmin, STREET_B)]).await;
    let r = b
        .post_json(&url, json!({"action": "decline_removal", "version": 2}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = b
        .post_json(
            &url,
            json!({"action": "decline_removal", "version": 2, "reason": "尚有未履行的处罚"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = b
        .post_json(&url, json!({"action": "remove", "version": 3}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert!(v["serious_since"].is_null());
    assert_eq!(v["entries"][0]["removal_reason"], "request");
    let r = b
        .post_json(&url, json!({"action": "remove", "version": 4}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
}

fn multipart(kind: &str, name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--XyZ--\r\n");
    body
}

#[tokio::test]
async fn documents_are_checked_stored_and_served_as_attachments() {
    let app = app().await;
    let o = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let admin = org_admin(&app, "o.admin", &o).await;
    let url = format!("/api/v1/orgs/{}/documents", o.id);
    let ct = "multipart/form-data; boundary=XyZ";
    let pdf = b"%PDF-1.7\n% charter of the organization\n".to_vec();
    let r = admin
        .send(
            Method::POST,
            &url,
            Some((ct, multipart("charter", "章程.pdf", &pdf))),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let d = r.json();
    assert_eq!(d["content_type"], "application/pdf");
    assert_eq!(d["title"], "章程.pdf");
    let got = admin
        .get(&format!("{url}/{}", d["id"].as_str().unwrap()))
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, pdf);
    let disposition = got.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("%E7%AB%A0%E7%A8%8B.pdf"),
        "{disposition}"
    );

    // Too large, a disguised executable, no file, an unknown kind: refused, nothing stored.
    let big = [b"%PDF-1.7\n".as_slice(), &vec![b'x'; 10 * 1024 * 1024]].concat();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (multipart("charter", "big.pdf", &big), "MB"),
        (multipart("charter", "证书.pdf", b"MZ\x90\x00\x03"), "PDF"),
        (
            b"--XyZ\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ncharter\r\n--XyZ--\r\n"
                .to_vec(),
            "选择",
        ),
        (multipart("selfie", "a.pdf", &pdf), "类别"),
    ];
    for (body, says) in cases {
        let r = admin.send(Method::POST, &url, Some((ct, body))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains(says), "{says}: {}", r.text());
    }
    assert_eq!(app.count("stored_files").await, 1);
    assert_eq!(app.count("org_documents").await, 1);
    // Another street can neither read nor add.
    let a = street_admin_a(&app).await;
    assert_eq!(a.get(&url).await.status, StatusCode::FORBIDDEN);
    let r = a
        .send(
            Method::POST,
            &url,
            Some((ct, multipart("charter", "x.pdf", &pdf))),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("stored_files").await, 1);
}

#[tokio::test]
async fn standing_and_documents_work_through_the_page() {
    let app = app().await;
    let o = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    app.user_model("b.admin", &[(Role::StreetAdmin, STREET_B)])
        .await;
    let b = app.login("b.admin").await;
    let page = format!("/orgs/{}", o.id);
    let html = b.get(&page).await.text();
    assert!(html.contains("登记信用事件"), "staff see the event form");
    let r = b
        .post_form(
            &format!("{page}/standing"),
            "op=event&kind=fine&amount_yuan=2000&occurred_on=2025-03-01&needs_rectification=1&version=1",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = b.get(&page).await.text();
    assert!(html.contains("活动异常名录"), "{html}");
    assert!(html.contains("罚款（5 万元以下）"));
    assert!(html.contains("核实整改"));
    // A bad date comes back with the message, nothing recorded.
    let r = b
        .post_form(
            &format!("{page}/standing"),
            "op=event&kind=warning&occurred_on=2099-01-01&version=2",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("不能晚于今天") || r.text().contains("日期"),
        "{}",
        r.text()
    );
    assert_eq!(app.count("org_standing_events").await, 1);
    // Upload through the page form: the CSRF token rides in the query string.
    let csrf = b.csrf.clone().unwrap();
    let mut upload = b.clone();
    upload.csrf = None;
    let r = upload
        .send(
            Method::POST,
            &format!("{page}/documents?_csrf={csrf}"),
            Some((
                "multipart/form-data; boundary=XyZ",
                multipart("certificate", "登记证书.png", b"\x89PNG\r\n\x1a\nimage"),
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = upload
        .send(
            Method::POST,
            &format!("{page}/documents?_csrf=wrong"),
            Some((
                "multipart/form-data; boundary=XyZ",
                multipart("certificate", "x.png", b"\x89PNG\r\n\x1a\nimage"),
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(b.get(&page).await.text().contains("登记证书.png"));
}

#[tokio::test]
async fn the_directory_filters_by_grade_and_standing_and_the_public_sees_no_people() {
    let app = app().await;
    let graded = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let listed = registered_org(&app, COMMUNITY_B, "52440308MJ0000026B").await;
    let clear = registered_org(&app, COMMUNITY_A, "52440308MJL123454J").await;
    grade(&app, graded.id, 4, ymd(2024, 9, 1)).await;
    list_entry(
        &app,
        listed.id,
        "abnormal",
        "unreachable",
        ymd(2026, 1, 5),
        "pending",
    )
    .await;
    let qu = district_admin(&app).await;
    let ids = |v: serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(qu.get("/api/v1/orgs?grade=4").await.json()),
        vec![graded.id.to_string()]
    );
    assert!(ids(qu.get("/api/v1/orgs?grade=5").await.json()).is_empty());
    assert_eq!(
        ids(qu.get("/api/v1/orgs?standing=abnormal").await.json()),
        vec![listed.id.to_string()]
    );
    let mut clear_ids = ids(qu.get("/api/v1/orgs?standing=clear").await.json());
    clear_ids.sort();
    let mut expected = vec![graded.id.to_string(), clear.id.to_string()];
    expected.sort();
    assert_eq!(clear_ids, expected);

    // The public API and pages: grade and lists are public, people are not.
    let anon = app.anon();
    let public = anon.get("/api/v1/public/orgs?grade=4").await.json();
    assert_eq!(public["items"][0]["grade"], "4A");
    assert_eq!(public["items"][0]["on_abnormal_list"], false);
    assert!(public["items"][0].get("person_in_charge").is_none());
    let html = anon.get("/public/orgs?standing=abnormal").await;
    assert_eq!(html.status, StatusCode::OK);
    let html = html.text();
    assert!(html.contains("活动异常名录"), "{html}");
    assert!(!html.contains("负责人"), "no people on public pages");
    let page = anon.get(&format!("/public/orgs/{}", graded.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = page.text();
    assert!(page.contains("4A") && page.contains("52440308MJ0000018G"));
    assert!(!page.contains("负责人"), "{page}");
    // A draft is not public.
    let resident = app.user("resident", &[(Role::Resident, COMMUNITY_B)]).await;
    let draft = resident
        .post_json(
            "/api/v1/orgs/applications",
            json!({"name": "未提交的互助会", "legal_form": "community_org", "tier": "filed",
                   "territory": COMMUNITY_B, "categories": ["191.mutual_aid"], "person_in_charge": "周九"}),
        )
        .await
        .json();
    let r = anon
        .get(&format!("/public/orgs/{}", draft["id"].as_str().unwrap()))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
