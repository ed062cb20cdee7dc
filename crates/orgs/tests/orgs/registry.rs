//! The organization registry: filing flow, rules, scopes, public directory.

use axum::http::StatusCode;
use gongzhi_kernel::authz::Role;
use serde_json::json;

use super::fixture::*;

fn application(territory: &str) -> serde_json::Value {
    json!({
        "name": "爱心互助会",
        "legal_form": "community_org",
        "tier": "filed",
        "territory": territory,
        "categories": ["191.mutual_aid", "gz.charity"],
        "founded_on": "2024-03-01",
        "person_in_charge": "张三",
        "person_in_charge_id": "11010519491231002X",
        "contact_phone": "13800001111",
        "staff_count": 5,
        "social_worker_count": 1
    })
}

#[tokio::test]
async fn a_community_organization_is_filed_through_community_and_street() {
    let app = app().await;
    let resident = app.user("resident", &[(Role::Resident, COMMUNITY_A)]).await;
    let r = resident
        .post_json("/api/v1/orgs/applications", application(COMMUNITY_A))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let org = r.json();
    let id = org["id"].as_str().unwrap().to_string();
    assert_eq!(org["state"], "draft");
    assert_eq!(
        org["person_in_charge_id"], "1101**********002X",
        "ID numbers are masked"
    );
    assert_eq!(org["contact_phone"], "138****1111");
    // The applicant now administers the organization and sees it (and only it) by org scope.
    let me = resident.get("/api/v1/me").await.json();
    assert!(
        me["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["role"] == "org_admin" && r["scope"] == id.as_str())
    );
    // Until submitted, the draft is the applicant's own.
    let reviewer = app
        .user("c.reviewer", &[(Role::CommunityAdmin, COMMUNITY_A)])
        .await;
    assert_eq!(
        reviewer.get(&format!("/api/v1/orgs/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        reviewer.get("/api/v1/orgs").await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        resident.get("/api/v1/orgs").await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let url = format!("/api/v1/orgs/{id}/transitions");
    let r = resident
        .post_json(&url, json!({"transition": "submit", "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["state"], "submitted");

    let community = app
        .user("c.admin", &[(Role::CommunityAdmin, COMMUNITY_A)])
        .await;
    let r = community
        .post_json(&url, json!({"transition": "approve", "version": 2}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "the street decides, after the community's review"
    );
    let r = community
        .post_json(
            &url,
            json!({"transition": "forward", "version": 2, "reason": "材料齐全"}),
        )
        .await;
    assert_eq!(r.json()["state"], "community_reviewed", "{}", r.text());

    let street = street_admin_a(&app).await;
    let r = street
        .post_json(&url, json!({"transition": "reject", "version": 3}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a rejection needs a reason"
    );
    let foreign = app.user("b.admin", &[(Role::StreetAdmin, STREET_B)]).await;
    assert_eq!(
        foreign
            .post_json(&url, json!({"transition": "approve", "version": 3}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = street
        .post_json(&url, json!({"transition": "approve", "version": 3}))
        .await;
    assert_eq!(r.json()["state"], "filed", "{}", r.text());

    let public = app
        .anon()
        .get("/api/v1/public/orgs?q=%E7%88%B1%E5%BF%83")
        .await
        .json();
    let item = &public["items"][0];
    assert_eq!(item["name"], "爱心互助会");
    assert!(
        item.get("person_in_charge").is_none() && item.get("contact_phone").is_none(),
        "no personal data: {item}"
    );
    let audit = app.count("workflow_events").await;
    assert_eq!(audit, 3);
}

#[tokio::test]
async fn two_streets_reviewers_deciding_at_once_make_one_decision() {
    let app = app().await;
    let resident = app.user("resident", &[(Role::Resident, COMMUNITY_A)]).await;
    let id = resident
        .post_json("/api/v1/orgs/applications", application(COMMUNITY_A))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let url = format!("/api/v1/orgs/{id}/transitions");
    resident
        .post_json(&url, json!({"transition": "submit", "version": 1}))
        .await;
    let community = app
        .user("c.admin", &[(Role::CommunityAdmin, COMMUNITY_A)])
        .await;
    community
        .post_json(&url, json!({"transition": "forward", "version": 2}))
        .await;
    let s1 = street_admin_a(&app).await;
    let s2 = district_admin(&app).await;
    let (a, b) = tokio::join!(
        s1.post_json(&url, json!({"transition": "approve", "version": 3})),
        s2.post_json(
            &url,
            json!({"transition": "reject", "version": 3, "reason": "不符合条件"})
        )
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} / {}",
        a.text(),
        b.text()
    );
}

#[tokio::test]
async fn bad_records_are_refused_and_nothing_is_saved() {
    let app = app().await;
    let admin = street_admin_a(&app).await;
    let before = app.count("orgs").await;
    let registered = |uscc: &str, form: &str| {
        json!({"name": "盐田社工服务中心", "legal_form": form, "tier": "registered", "uscc": uscc,
               "registered_on": "2020-05-01", "territory": STREET_A, "categories": ["191.service"]})
    };
    let cases = [
        (
            registered("52440308MJL123454X", "service_agency"),
            "uscc",
            "uscc.check",
        ),
        (
            registered("53100000500021676K", "service_agency"),
            "uscc",
            "org.uscc_form_mismatch",
        ),
        (
            registered("", "service_agency"),
            "uscc",
            "org.uscc_required",
        ),
        (
            json!({"name": "互助会", "legal_form": "community_org", "tier": "registered", "territory": STREET_A, "categories": ["191.service"]}),
            "tier",
            "org.community_not_registered",
        ),
        (
            json!({"name": "未来会", "legal_form": "service_agency", "tier": "registered", "uscc": "52440308MJL123454J", "registered_on": "2099-01-01", "territory": STREET_A, "categories": ["191.service"]}),
            "registered_on",
            "org.date_in_future",
        ),
    ];
    for (body, field, code) in cases {
        let r = admin.post_json("/api/v1/orgs", body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text()
        );
        assert!(
            r.json()["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field && e["code"] == code),
            "{body}: {}",
            r.text()
        );
    }
    assert_eq!(app.count("orgs").await, before);
    let ok = registered("52440308MJL123454J", "service_agency");
    assert_eq!(
        admin.post_json("/api/v1/orgs", ok.clone()).await.status,
        StatusCode::CREATED
    );
    let r = admin.post_json("/api/v1/orgs", ok).await;
    assert_eq!(
        r.json()["errors"][0]["code"],
        "org.uscc_taken",
        "{}",
        r.text()
    );
    let r = app.user("resident", &[(Role::Resident, COMMUNITY_A)]).await
        .post_json("/api/v1/orgs/applications", json!({"name": "x", "legal_form": "community_org", "tier": "filed", "territory": COMMUNITY_A, "categories": [], "person_in_charge_id": "110105194912310021"}))
        .await;
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, vec!["categories", "name", "person_in_charge_id"]);
}

#[tokio::test]
async fn scopes_decide_who_sees_which_organization() {
    let app = app().await;
    let a_org = registered_org(&app, COMMUNITY_A, "52440308MJ0000018G").await;
    let b_org = registered_org(&app, COMMUNITY_B, "52440308MJ0000026B").await;
    let a = street_admin_a(&app).await;
    let names: Vec<String> = a.get("/api/v1/orgs").await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec![a_org.id.to_string()]);
    assert_eq!(
        a.get(&format!("/api/v1/orgs/{}", b_org.id)).await.status,
        StatusCode::FORBIDDEN
    );
    // An organization's own administrator sees exactly their organization.
    let member = app.user_model("org.staff", &[]).await;
    {
        use gongzhi_platform::sea_orm::TransactionTrait;
        let txn = app.state.db.write.begin().await.unwrap();
        gongzhi_orgs::service::grant_org_role(
            &txn,
            &gongzhi_platform::audit::AuditActor::system("test"),
            member.id,
            &b_org,
            Role::OrgAdmin,
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
    }
    let mut c = app.anon();
    let (_, secret) = gongzhi_platform::identity::create_token(
        &app.state,
        &gongzhi_platform::audit::AuditActor::system("t"),
        member.id,
        &member.home_path,
        "t",
        None,
    )
    .await
    .unwrap();
    c.bearer = Some(secret);
    let mine: Vec<String> = c.get("/api/v1/orgs").await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(mine, vec![b_org.id.to_string()]);
    assert_eq!(
        c.get(&format!("/api/v1/orgs/{}", a_org.id)).await.status,
        StatusCode::FORBIDDEN
    );
    // Category search and the public code lists.
    let cats = app.anon().get("/api/v1/public/org-categories").await.json();
    assert_eq!(cats.as_array().unwrap().len(), 10);
    let found = app
        .anon()
        .get("/api/v1/public/orgs?category=191.service")
        .await
        .json();
    assert_eq!(found["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_filing_flow_works_through_the_pages() {
    let app = app().await;
    let resident = app.user("resident", &[(Role::Resident, COMMUNITY_A)]).await;
    let page = resident.get("/orgs/apply").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("name=\"categories\""));
    let before = app.count("orgs").await;
    let bad = resident.post_form("/orgs/apply", &format!("name=%E4%B9%A6%E7%94%BB%E7%A4%BE&tier=filed&territory={COMMUNITY_A}&categories=191.culture_sports&staff_count=abc&_once=f1")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("请填写整数"));
    assert_eq!(app.count("orgs").await, before, "nothing saved");
    let body = format!(
        "name=%E4%B9%A6%E7%94%BB%E7%A4%BE&tier=filed&territory={COMMUNITY_A}&categories=191.culture_sports&categories=gz.culture&person_in_charge=%E6%9D%8E%E5%9B%9B&staff_count=4&social_worker_count=1&_once=f2"
    );
    let r = resident.post_form("/orgs/apply", &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let location = r.headers["location"].to_str().unwrap().to_string();
    let id = location
        .trim_start_matches("/orgs/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        resident.post_form("/orgs/apply", &body).await.status,
        StatusCode::SEE_OTHER,
        "a double submit"
    );
    assert_eq!(app.count("orgs").await, before + 1);
    let cats = app.count("org_category_links").await;
    assert_eq!(cats, 2, "both checked categories kept");
    let page = resident.get(&format!("/orgs/{id}")).await.text();
    assert!(page.contains("提交备案") && page.contains("草稿"), "{page}");
    let r = resident
        .post_form(
            &format!("/orgs/{id}/transitions"),
            "transition=submit&version=1",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    let community = app
        .user("c.admin", &[(Role::CommunityAdmin, COMMUNITY_A)])
        .await;
    assert!(community.get("/orgs/queue").await.text().contains("书画社"));
    let r = community
        .post_form(
            &format!("/orgs/{id}/transitions"),
            "transition=forward&version=2&reason=",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    let street = street_admin_a(&app).await;
    let queue = street.get("/orgs/queue").await.text();
    assert!(
        queue.contains("书画社") && queue.contains("待我审核"),
        "{queue}"
    );
    let r = street
        .post_form(
            &format!("/orgs/{id}/transitions"),
            "transition=reject&version=3&reason=",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("此操作须填写理由"));
    let r = street
        .post_form(
            &format!("/orgs/{id}/transitions"),
            "transition=approve&version=3&reason=",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = street
        .get(&format!("/orgs/{id}?done=org_approve"))
        .await
        .text();
    assert!(
        page.contains("已准予备案") && page.contains("已备案"),
        "{page}"
    );
    let list = street
        .get("/orgs?q=%E4%B9%A6%E7%94%BB&state=filed")
        .await
        .text();
    assert!(list.contains("书画社"));
    assert!(
        !street.get("/orgs/queue").await.text().contains("书画社"),
        "decided items leave the queue"
    );
}

#[tokio::test]
async fn the_filtered_directory_exports_to_excel() {
    use calamine::Reader;
    let app = app().await;
    registered_org(&app, COMMUNITY_A, "52440308MJ0000018G").await;
    registered_org(&app, COMMUNITY_B, "52440308MJ0000026B").await;
    let a = street_admin_a(&app).await;
    let r = a.get("/api/v1/orgs/export.xlsx?category=191.service").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.body.clone())).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows.len(),
        2,
        "header and street A's one organization: {rows:?}"
    );
    assert_eq!(rows[0][0], "名称");
    assert_eq!(rows[1][1], "52440308MJ0000018G");
    assert_eq!(rows[1][4], "已登记");
    let none = a.get("/api/v1/orgs/export.xlsx?category=gz.culture").await;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(none.body.clone())).unwrap();
    assert_eq!(
        wb.worksheet_range_at(0).unwrap().unwrap().rows().count(),
        1,
        "only the header"
    );
}

#[tokio::test]
async fn existing_organizations_import_all_or_nothing_with_row_errors() {
    use axum::http::Method;
    let app = app().await;
    let b = app.user("b.admin", &[(Role::StreetAdmin, STREET_B)]).await;
    let header = "名称,组织形式,管理层级,统一社会信用代码,所属区划代码,类别,成立日期,登记日期,负责人,负责人身份证号,工作人员数,持证社工数";
    let bad = format!(
        "\u{feff}{header}\n\
         海山义工协会,社会团体,登记,51440308MJ01234560,{COMMUNITY_B},为民服务,2015-01-01,2016/3/1,王五,,8,2\n\
         海山书画社,社区社会组织,备案,,{COMMUNITY_B},文体娱乐、不存在的类别,去年,,赵六,110105194912310021,3,1\n\
         海山舞蹈队,社区社会组织,指导,,440308002099,文体娱乐,2020-05-01,,钱七,,3,0\n\
         海山重复协会,社会团体,登记,51440308MJ01234560,{COMMUNITY_B},为民服务,2015-01-01,2016-03-01,孙八,,5,2\n         海山书画协会,社会团体,登记,51440308MJ0000018G,{COMMUNITY_B},为民服务,2015-01-01,2016-03-01,孙九,,5,9\n"
    );
    let r = b
        .send(
            Method::POST,
            "/api/v1/orgs/import",
            Some(("text/csv", bad.into_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "rows.3.categories",
            "rows.3.founded_on",
            "rows.3.person_in_charge_id",
            "rows.4.territory",
            "rows.5.uscc",
            "rows.6.social_worker_count",
            "rows.6.uscc",
        ]
    );
    assert_eq!(app.count("orgs").await, 0, "nothing saved");
    // A row in another street refuses the whole file.
    let foreign = format!(
        "{header}\n沙头角舞蹈队,社区社会组织,指导,,{COMMUNITY_A},文体娱乐,2020-05-01,,钱七,,3,0\n"
    );
    let r = b
        .send(
            Method::POST,
            "/api/v1/orgs/import",
            Some(("text/csv", foreign.into_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let good = format!(
        "{header}\n\
         海山义工协会,社会团体,登记,51440308MJ01234560,{COMMUNITY_B},为民服务,2015-01-01,2016/3/1,王五,,8,2\n\
         海山书画社,社区社会组织,备案,,{COMMUNITY_B},文体娱乐、gz.culture,2019年5月1日,,赵六,11010519491231002X,3,1\n\
         海山邻里互助队,community_org,guided,,{COMMUNITY_B},邻里互助,,,钱七,,,\n"
    );
    let r = b
        .send(
            Method::POST,
            "/api/v1/orgs/import",
            Some(("text/csv", good.clone().into_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["created"], 3);
    let list = b.get("/api/v1/orgs?q=海山").await.json();
    let states: Vec<(&str, &str)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["name"].as_str().unwrap(), o["state"].as_str().unwrap()))
        .collect();
    assert!(states.contains(&("海山义工协会", "active")), "{states:?}");
    assert!(states.contains(&("海山书画社", "filed")), "{states:?}");
    // Importing the same file again: every USCC is taken now.
    let r = b
        .send(
            Method::POST,
            "/api/v1/orgs/import",
            Some(("text/csv", good.into_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_fields(), vec!["rows.2.uscc".to_string()]);
    // The same through the page, from an Excel file.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (i, h) in [
        "名称",
        "组织形式",
        "管理层级",
        "所属区划代码",
        "类别",
        "成立日期",
    ]
    .iter()
    .enumerate()
    {
        ws.write(0, i as u16, *h).unwrap();
    }
    for (i, v) in [
        "海山环保队",
        "社区社会组织",
        "备案",
        COMMUNITY_B,
        "公益慈善",
    ]
    .iter()
    .enumerate()
    {
        ws.write(1, i as u16, *v).unwrap();
    }
    let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2021, 4, 8).unwrap();
    ws.write_datetime_with_format(
        1,
        5,
        &day,
        &rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd"),
    )
    .unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    app.user_model("b.page", &[(Role::StreetAdmin, STREET_B)])
        .await;
    let page = app.login("b.page").await;
    let mut body =
        b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"orgs.xlsx\"\r\n\r\n"
            .to_vec();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(b"\r\n--XyZ--\r\n");
    let mut upload = page.clone();
    let csrf = upload.csrf.take().unwrap();
    let r = upload
        .send(
            Method::POST,
            &format!("/orgs/import?_csrf={csrf}"),
            Some(("multipart/form-data; boundary=XyZ", body)),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let found = b.get("/api/v1/orgs?q=环保队").await.json();
    assert_eq!(found["items"][0]["founded_on"], "2021-04-08");
    // A page upload with a bad row shows the row and the problem.
    let csv = format!(
        "名称,组织形式,管理层级,所属区划代码,类别\n海,社区社会组织,备案,{COMMUNITY_B},邻里互助\n"
    );
    let mut body =
        b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"orgs.csv\"\r\n\r\n"
            .to_vec();
    body.extend_from_slice(csv.as_bytes());
    body.extend_from_slice(b"\r\n--XyZ--\r\n");
    let r = upload
        .send(
            Method::POST,
            &format!("/orgs/import?_csrf={csrf}"),
            Some(("multipart/form-data; boundary=XyZ", body)),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("<td>2</td><td>名称</td>"), "{html}");
}
