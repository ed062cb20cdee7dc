//! Incubation: an incubator's call, applications with documents and first review, the agreement
//! and capacity, the mentoring plan with check-ins, assessments, graduation and alumni services,
//! targets and coverage; refusals that change nothing; the mentor's and the manager's pages.

use axum::http::{Method, StatusCode};
use gongzhi_kernel::authz::Role;
use gongzhi_platform::testing::{TestApp, TestClient};
use serde_json::{Value, json};

use super::fixture::*;

fn today() -> chrono::NaiveDate {
    gongzhi_platform::clock::today()
}

fn scores(each: f64) -> Value {
    json!({
        "governance": (20.0 * each) as i32, "projects": (30.0 * each) as i32,
        "finance": (20.0 * each) as i32, "team": (15.0 * each) as i32, "impact": (15.0 * each) as i32
    })
}

/// A district admin's street-B incubator with the given capacity and a call open today.
async fn incubator_with_call(app: &TestApp, admin: &TestClient, capacity: i32) -> (String, String) {
    let node = gongzhi_platform::territory::get(&app.state.db.read, STREET_B)
        .await
        .unwrap()
        .unwrap();
    let hub = gongzhi_platform::territory::seed_hub(
        &app.state.db.write,
        &gongzhi_platform::audit::AuditActor::system("test"),
        &node,
        "social_work_station",
        "海山街道社会工作服务站",
    )
    .await
    .unwrap();
    let r = admin
        .post_json(
            "/api/v1/incubators",
            json!({"hub_id": hub.id, "name": "海山街道社会组织培育基地", "capacity": capacity, "review_days": 10}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["level"], "street");
    assert_eq!(
        r.json()["plan"].as_array().unwrap().len(),
        5,
        "the five ones"
    );
    let incubator = r.json()["id"].as_str().unwrap().to_string();
    let t = today();
    let r = admin
        .post_json(
            &format!("/api/v1/incubators/{incubator}/cohorts"),
            json!({"name": "第一期", "call_text": "招募", "opens_on": t - chrono::Duration::days(1),
                   "closes_on": t + chrono::Duration::days(20), "starts_on": t, "ends_on": t + chrono::Duration::days(365),
                   "seats": capacity}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["call"], "open");
    (incubator, r.json()["id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn an_organization_goes_from_application_to_graduation_and_alumni_services() {
    let app = app().await;
    let admin = district_admin(&app).await;
    let (incubator, cohort) = incubator_with_call(&app, &admin, 5).await;
    let o = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let applicant = org_role(&app, "o.admin", o.id, Role::OrgAdmin).await;

    // The call is public.
    let calls = app.anon().get("/api/v1/public/incubation-calls").await;
    assert_eq!(calls.json()[0]["cohort"]["id"], cohort.as_str());

    let r = applicant
        .post_json(
            &format!("/api/v1/incubation-cohorts/{cohort}/applications"),
            json!({"org_id": o.id, "plan": "完善理事会制度，开发一个长者服务品牌项目", "needs": "场地"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let a = r.json();
    let id = a["id"].as_str().unwrap().to_string();
    assert_eq!(a["state"], "submitted");
    assert!(a["eligibility"]["eligible"].as_bool().unwrap());
    let due: chrono::NaiveDate = a["review_due_on"].as_str().unwrap().parse().unwrap();
    assert_eq!(due, app.state.calendar.add_working_days(today(), 10));

    // A document over the API.
    let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nplan\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 x\r\n--XyZ--\r\n";
    let r = applicant
        .send(
            Method::POST,
            &format!("/api/v1/incubation-applications/{id}/documents"),
            Some(("multipart/form-data; boundary=XyZ", body.to_vec())),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    // Returned with a reason, resubmitted, accepted.
    let step = |t: &'static str, v: i64, reason: Option<&'static str>| json!({"transition": t, "version": v, "reason": reason});
    let url = format!("/api/v1/incubation-applications/{id}/transitions");
    let r = admin.post_json(&url, step("return", 1, None)).await;
    assert_eq!(r.error_fields(), ["reason"]);
    assert_eq!(
        admin
            .post_json(&url, step("return", 1, Some("请补充章程")))
            .await
            .status,
        StatusCode::OK
    );

    assert_eq!(
        applicant
            .post_json(&url, step("resubmit", 2, None))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        applicant
            .post_json(&url, step("accept", 3, None))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = admin.post_json(&url, step("accept", 3, None)).await;
    assert_eq!(r.json()["state"], "accepted");
    assert!(r.json()["reviewed_on"].is_string());

    // Only the agreement admits; the plan is laid out from the template.
    assert_eq!(
        admin.post_json(&url, step("admit", 4, None)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let t = today();
    let r = admin
        .post_json(
            &format!("/api/v1/incubation-applications/{id}/agreement"),
            json!({"signed_on": t, "starts_on": t, "ends_on": t + chrono::Duration::days(365), "terms": "工位与督导", "version": 4}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let stay = r.json();
    let sid = stay["id"].as_str().unwrap().to_string();
    assert_eq!(stay["stage"], "budding");
    assert_eq!(stay["plan"].as_array().unwrap().len(), 5);
    assert_eq!(
        stay["plan"][1]["due_on"],
        (t + chrono::Duration::days(30)).to_string()
    );
    let inc = admin.get(&format!("/api/v1/incubators/{incubator}")).await;
    assert_eq!(inc.json()["occupied"], 1);

    // A mentor is assigned; before that, the would-be mentor sees nothing.
    let mentor = app
        .user("hs.social", &[(Role::CommunityAdmin, COMMUNITY_B)])
        .await;
    let outsider = app
        .user("a.social", &[(Role::CommunityAdmin, COMMUNITY_A)])
        .await;
    assert_eq!(
        outsider
            .get(&format!("/api/v1/incubations/{sid}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = admin
        .post_json(
            &format!("/api/v1/incubations/{sid}/mentor"),
            json!({"username": "a.social", "version": 1}),
        )
        .await;
    assert_eq!(r.error_fields(), ["mentor"], "not near the incubator");
    let r = admin
        .post_json(
            &format!("/api/v1/incubations/{sid}/mentor"),
            json!({"username": "o.admin", "version": 1}),
        )
        .await;
    assert_eq!(
        r.error_fields(),
        ["mentor"],
        "never the organization's own people"
    );
    let r = admin
        .post_json(
            &format!("/api/v1/incubations/{sid}/mentor"),
            json!({"username": "hs.social", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mine = mentor.get("/api/v1/mentoring").await;
    assert_eq!(mine.json()[0]["id"], sid.as_str());

    // Check-ins and a plan item by the mentor; bad input changes nothing.
    let checkins = app.count("mentoring_checkins").await;
    let r = mentor
        .post_json(
            &format!("/api/v1/incubations/{sid}/checkins"),
            json!({"met_on": t + chrono::Duration::days(1), "mode": "fax", "minutes": 1, "notes": ""}),
        )
        .await;
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["met_on", "minutes", "mode", "notes"]);
    assert_eq!(app.count("mentoring_checkins").await, checkins);
    let item = stay["plan"][0]["id"].as_str().unwrap();
    let r = mentor
        .post_json(
            &format!("/api/v1/incubations/{sid}/checkins"),
            json!({"met_on": t, "mode": "visit", "minutes": 90, "notes": "入驻诊断：梳理组织架构", "plan_item_id": item}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = mentor
        .post_json(
            &format!("/api/v1/mentoring-plan-items/{item}/done"),
            json!({"note": "诊断报告已存档", "version": 1}),
        )
        .await;
    assert_eq!(r.json()["plan"][0]["done_on"], t.to_string());
    let again = mentor
        .post_json(
            &format!("/api/v1/mentoring-plan-items/{item}/done"),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // Mentors record, managers decide.
    assert_eq!(
        mentor
            .post_json(
                &format!("/api/v1/incubations/{sid}/stage"),
                json!({"stage": "startup", "version": 2})
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = admin
        .post_json(
            &format!("/api/v1/incubations/{sid}/stage"),
            json!({"stage": "startup", "version": 2}),
        )
        .await;
    assert_eq!(r.json()["stage"], "startup");

    // Graduation needs a passed graduation assessment.
    let graduate = json!({"transition": "graduate", "version": 3});
    let grad_url = format!("/api/v1/incubations/{sid}/transitions");
    let r = admin
        .post_json(
            &format!("/api/v1/incubations/{sid}/assessments"),
            json!({"kind": "midterm", "assessed_on": t, "scores": scores(0.9)}),
        )
        .await;
    assert_eq!(r.json()["assessments"][0]["passed"], true);
    assert_eq!(
        admin.post_json(&grad_url, graduate.clone()).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = admin
        .post_json(
            &format!("/api/v1/incubations/{sid}/assessments"),
            json!({"kind": "graduation", "assessed_on": t, "scores": scores(0.5)}),
        )
        .await;
    assert_eq!(r.json()["assessments"][1]["passed"], false);
    assert_eq!(
        admin.post_json(&grad_url, graduate.clone()).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = admin
        .post_json(
            &format!("/api/v1/incubations/{sid}/assessments"),
            json!({"kind": "graduation", "assessed_on": t, "scores": {"governance": 21}}),
        )
        .await;
    assert!(r.error_fields().contains(&"scores.governance".to_string()));
    admin
        .post_json(
            &format!("/api/v1/incubations/{sid}/assessments"),
            json!({"kind": "graduation", "assessed_on": t, "scores": scores(0.8)}),
        )
        .await;
    let r = admin.post_json(&grad_url, graduate.clone()).await;
    assert_eq!(r.json()["state"], "graduated", "{}", r.text());
    assert_eq!(r.json()["ended_on"], t.to_string());
    assert_eq!(
        admin.post_json(&grad_url, graduate).await.status,
        StatusCode::CONFLICT
    );

    // Alumni services afterwards, by the mentor.
    let r = mentor
        .post_json(
            &format!("/api/v1/incubations/{sid}/alumni-services"),
            json!({"kind": "resource_link", "served_on": t, "note": "对接社区基金会"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["alumni_services"][0]["kind"], "resource_link");

    // The organization sees its own records, and progress counts it.
    assert_eq!(
        applicant
            .get(&format!("/api/v1/incubations/{sid}"))
            .await
            .status,
        StatusCode::OK
    );
    let own = applicant.get("/api/v1/incubation-applications").await;
    assert_eq!(own.json().as_array().unwrap().len(), 1);
    let r = admin
        .post_json("/api/v1/cultivation-targets", json!({"territory": DISTRICT, "year": chrono::Datelike::year(&t), "level": "street", "target": 30}))
        .await;
    let street = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["level"] == "street")
        .unwrap()
        .clone();
    assert_eq!(
        (
            street["cultivated"].as_i64(),
            street["graduated"].as_i64(),
            street["progress"].as_i64()
        ),
        (Some(1), Some(1), Some(3))
    );
    // Changing it needs the version read.
    let r = admin
        .post_json("/api/v1/cultivation-targets", json!({"territory": DISTRICT, "year": chrono::Datelike::year(&t), "level": "street", "target": 31}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Every step was audited.
    let audit = admin.get("/api/v1/audit?limit=200").await;
    let actions: Vec<String> = audit.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    for a in [
        "incubator.create",
        "incubation.call_open",
        "incubation_application.submit",
        "incubation_application.document_add",
        "incubation_application.return",
        "incubation_application.resubmit",
        "incubation_application.accept",
        "incubation_application.admit",
        "incubation.agreement_sign",
        "incubation.mentor_assign",
        "incubation.checkin",
        "incubation.plan_item_done",
        "incubation.stage",
        "incubation.assess",
        "incubation.graduate",
        "incubation.alumni_service",
        "incubation.target_set",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "no audit entry {a}: {actions:?}"
        );
    }
}

#[tokio::test]
async fn refusals_change_nothing() {
    let app = app().await;
    let admin = district_admin(&app).await;
    let (incubator, cohort) = incubator_with_call(&app, &admin, 5).await;
    let listed = registered_org(&app, COMMUNITY_B, "52440308MJ0000026B").await;
    list_entry(
        &app,
        listed.id,
        "serious",
        "large_fine",
        ymd(2026, 1, 1),
        "none",
    )
    .await;
    let o = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let apps = app.count("incubation_applications").await;
    let apply = |org: uuid::Uuid| json!({"org_id": org, "plan": "完善理事会制度，开发品牌项目"});
    let url = format!("/api/v1/incubation-cohorts/{cohort}/applications");

    // The serious list bars incubation, with the reason.
    let r = admin.post_json(&url, apply(listed.id)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("standing.on_serious_list"),
        "{}",
        r.text()
    );
    // Too short a plan; then a duplicate.
    let r = admin
        .post_json(&url, json!({"org_id": o.id, "plan": "短"}))
        .await;
    assert_eq!(r.error_fields(), ["plan"]);
    assert_eq!(app.count("incubation_applications").await, apps);
    assert_eq!(
        admin.post_json(&url, apply(o.id)).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        admin.post_json(&url, apply(o.id)).await.error_fields(),
        ["org_id"]
    );

    // A call that has not opened.
    let t = today();
    let r = admin
        .post_json(
            &format!("/api/v1/incubators/{incubator}/cohorts"),
            json!({"name": "第二期", "opens_on": t + chrono::Duration::days(30), "closes_on": t + chrono::Duration::days(60),
                   "starts_on": t + chrono::Duration::days(70), "ends_on": t + chrono::Duration::days(400), "seats": 9}),
        )
        .await;
    assert_eq!(r.error_fields(), ["seats"], "seats within capacity");
    let r = admin
        .post_json(
            &format!("/api/v1/incubators/{incubator}/cohorts"),
            json!({"name": "第二期", "opens_on": t + chrono::Duration::days(30), "closes_on": t + chrono::Duration::days(60),
                   "starts_on": t + chrono::Duration::days(70), "ends_on": t + chrono::Duration::days(400), "seats": 3}),
        )
        .await;
    let later = r.json()["id"].as_str().unwrap().to_string();
    let other = registered_org(&app, COMMUNITY_B, "52440308MJL123454J").await;
    let r = admin
        .post_json(
            &format!("/api/v1/incubation-cohorts/{later}/applications"),
            apply(other.id),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // A plan template that does not parse, in English on request.
    let r = admin
        .clone()
        .english()
        .patch_json(
            &format!("/api/v1/incubators/{incubator}"),
            json!({"plan": [{"title": "x", "due_after_days": -1}], "version": 1}),
        )
        .await;
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["plan.0.due_after_days", "plan.0.title"]);
    assert!(r.text().contains("between"), "{}", r.text());
    // A foreign street's manager sees neither the incubator nor its applications.
    let foreign = street_admin_a(&app).await;
    assert_eq!(
        foreign
            .get(&format!("/api/v1/incubators/{incubator}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        foreign
            .get("/api/v1/incubation-applications")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn two_managers_admitting_for_the_last_place_never_overfill() {
    let app = app().await;
    let admin = district_admin(&app).await;
    let street = app.user("b.admin", &[(Role::StreetAdmin, STREET_B)]).await;
    let (incubator, cohort) = incubator_with_call(&app, &admin, 1).await;
    let mut ids = Vec::new();
    for uscc in ["52440308MJ0000018G", "52440308MJL123454J"] {
        let o = registered_org(&app, COMMUNITY_B, uscc).await;
        let r = admin
            .post_json(
                &format!("/api/v1/incubation-cohorts/{cohort}/applications"),
                json!({"org_id": o.id, "plan": "完善理事会制度，开发品牌项目"}),
            )
            .await;
        let id = r.json()["id"].as_str().unwrap().to_string();
        admin
            .post_json(
                &format!("/api/v1/incubation-applications/{id}/transitions"),
                json!({"transition": "accept", "version": 1}),
            )
            .await;
        ids.push(id);
    }
    let t = today();
    let sign = |c: &TestClient, id: &str| {
        let c = c.clone();
        let url = format!("/api/v1/incubation-applications/{id}/agreement");
        async move {
            c.post_json(&url, json!({"signed_on": t, "starts_on": t, "ends_on": t + chrono::Duration::days(300), "version": 2}))
                .await
        }
    };
    let (a, b) = futures::join!(sign(&admin, &ids[0]), sign(&street, &ids[1]));
    let statuses = [a.status, b.status];
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{} / {}",
        a.text(),
        b.text()
    );
    assert!(statuses.iter().all(|s| {
        [
            StatusCode::CREATED,
            StatusCode::CONFLICT,
            StatusCode::UNPROCESSABLE_ENTITY,
        ]
        .contains(s)
    }));
    assert_eq!(app.count("incubations").await, 1);
    let inc = admin.get(&format!("/api/v1/incubators/{incubator}")).await;
    assert_eq!(inc.json()["occupied"], 1);
    // The loser, retried, is told the incubator is full.
    let loser = if a.status == StatusCode::CREATED {
        &ids[1]
    } else {
        &ids[0]
    };
    let r = sign(&admin, loser).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("incubation.full"));
}

#[tokio::test]
async fn coverage_counts_community_organizations_against_191_goals() {
    let app = app().await;
    app.node("440308002201", "某村", "village").await;
    let admin = district_admin(&app).await;
    registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let r = admin
        .get(&format!("/api/v1/community-coverage?territory={STREET_B}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let rows = r.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let village = rows.iter().find(|r| r["code"] == "440308002201").unwrap();
    assert_eq!(
        (village["rural"].as_bool(), village["goal"].as_i64()),
        (Some(true), Some(5))
    );
    let urban = rows.iter().find(|r| r["code"] == COMMUNITY_B).unwrap();
    // A registered service agency is not a community organization.
    assert_eq!(
        (
            urban["goal"].as_i64(),
            urban["orgs"].as_i64(),
            urban["met"].as_bool()
        ),
        (Some(10), Some(0), Some(false))
    );
    let foreign = street_admin_a(&app).await;
    assert_eq!(
        foreign
            .get(&format!("/api/v1/community-coverage?territory={STREET_B}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn pages_for_the_manager_the_applicant_and_the_mentor() {
    let app = app().await;
    let o = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let f = incubation(&app, o.id).await;
    app.user_model("b.admin", &[(Role::StreetAdmin, STREET_B)])
        .await;
    let manager = app.login("b.admin").await;
    let page = manager.get("/incubators").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("海山街道社会组织培育基地"));
    let page = manager.get(&format!("/incubators/{}", f.incubator)).await;
    assert!(page.text().contains("一次入驻诊断"), "the plan template");
    // A call from the page; a bad one re-renders with the message.
    let r = manager
        .post_form(&format!("/incubators/{}", f.incubator), "op=cohort&name=%E7%AC%AC%E4%BA%8C%E6%9C%9F&opens_on=2027-01-01&closes_on=2026-12-01&starts_on=2027-02-01&ends_on=2027-12-01&seats=3&call_text=")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("截止日期不能早于开始日期"));
    // Values that are not of their type: each field says so and nothing is written.
    let before = app.count("incubation_cohorts").await;
    let r = manager
        .post_form(&format!("/incubators/{}", f.incubator), "op=cohort&name=%E7%AC%AC%E4%BA%8C%E6%9C%9F&opens_on=2027-02-30&closes_on=2027-03-01&starts_on=2027-04-01&ends_on=2027-12-01&seats=%E5%8D%81%E4%B8%AA&call_text=")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(text.contains("这里应填写整数"), "seats: {text}");
    assert!(text.contains("这个值无效"), "opens_on");
    assert_eq!(app.count("incubation_cohorts").await, before);
    // The applicant's application page and the agreement form for the manager.
    let page = manager
        .get(&format!("/incubation-applications/{}", f.application))
        .await;
    assert!(page.text().contains("name=\"op\" value=\"agreement\""));
    let r = manager
        .post_form(
            &format!("/incubation-applications/{}", f.application),
            &format!(
                "op=agreement&version=1&signed_on={}&starts_on={}&ends_on={}&stage=startup&terms=",
                today(),
                today(),
                today() + chrono::Duration::days(200)
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let stay_page = r.headers["location"].to_str().unwrap().to_string();
    assert!(stay_page.starts_with("/incubations/"));

    // The mentor, assigned on the stay page, checks in from the phone page.
    app.user_model("hs.social", &[(Role::CommunityAdmin, COMMUNITY_B)])
        .await;
    let r = manager
        .post_form(
            &stay_page.replace("?done=agreement_signed", ""),
            "op=mentor&username=hs.social&version=1",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let mentor = app.login("hs.social").await;
    let page = mentor.get("/mentoring").await;
    assert!(page.text().contains("测试服务中心"), "{}", page.text());
    let sid = stay_page
        .trim_start_matches("/incubations/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let r = mentor
        .post_form(&format!("/incubations/{sid}"), &format!("op=checkin&back=mentoring&met_on={}&mode=phone&minutes=30&notes=%E7%94%B5%E8%AF%9D%E5%9B%9E%E8%AE%BF%E8%BF%9B%E5%B1%95&plan_item_id=", today()))
        .await;
    assert_eq!(r.headers["location"], "/mentoring?done=stay_checkin");
    let page = mentor.get(&format!("/incubations/{sid}")).await;
    assert!(page.text().contains("电话回访进展"));
    // Targets and coverage for the manager; the public list of calls for anyone.
    let page = manager
        .get(&format!("/incubation/targets?territory={STREET_B}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("田东社区"));
    let page = app.anon().get("/public/incubation").await;
    assert!(page.text().contains("第一期"));
}
