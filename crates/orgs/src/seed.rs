//! Demo data for the registry: about 230 organizations across the demo district's communities,
//! tiers, categories and filing states, and demo accounts for one community organization.

use gongzhi_kernel::Uscc;
use gongzhi_kernel::authz::Role;
use gongzhi_platform::AppState;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::entity::{territory, user};
use gongzhi_platform::module::DemoAccounts;
use gongzhi_platform::sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set, TransactionTrait};

use crate::domain::{self, OrgInput};
use crate::service;

/// (username, role, display name): administrator and member of 田东社区爱心互助会.
pub const DEMO_ACCOUNTS: [(&str, Role, &str); 2] = [
    ("aixin.admin", Role::OrgAdmin, "爱心互助会负责人"),
    ("aixin.member", Role::OrgMember, "爱心互助会成员"),
];
pub const DEMO_ORG: &str = "田东社区爱心互助会";

const THEMES: [(&str, &str); 13] = [
    ("爱心互助会", "191.mutual_aid"),
    ("长者关爱队", "191.service"),
    ("书画社", "191.culture_sports"),
    ("舞蹈队", "191.culture_sports"),
    ("环保志愿队", "191.charity"),
    ("邻里议事会", "gz.deliberation"),
    ("亲子阅读会", "gz.culture"),
    ("助残服务队", "191.charity"),
    ("平安巡逻队", "gz.community_service"),
    ("健康促进会", "191.service"),
    ("青年志愿者协会", "gz.charity"),
    ("调解工作室", "gz.social_affairs"),
    ("志愿服务站", "191.charity"),
];

const STATES: [&str; 12] = [
    "filed",
    "filed",
    "filed",
    "filed",
    "filed",
    "filed",
    "filed",
    "submitted",
    "community_reviewed",
    "draft",
    "returned",
    "rejected",
];

const REGISTERED: [(&str, &str, &str); 6] = [
    ("社会工作服务中心", "service_agency", "52"),
    ("义工联合会", "association", "51"),
    ("社区发展基金会", "foundation", "53"),
    ("长者服务中心", "service_agency", "52"),
    ("青少年服务中心", "service_agency", "52"),
    ("公益组织联合会", "association", "51"),
];

pub async fn demo(state: &AppState, demo: &mut DemoAccounts) -> anyhow::Result<()> {
    let who = AuditActor::system("demo");
    let nodes = territory::Entity::find()
        .order_by_asc(territory::Column::Path)
        .all(&state.db.read)
        .await?;
    let known = service::category_codes(&state.db.read).await?;
    let today = gongzhi_platform::clock::today();
    let txn = state.db.write.begin().await?;
    let mut n = 0u32;
    for (ci, node) in nodes.iter().filter(|n| n.level == "community").enumerate() {
        let short = node.name.trim_end_matches("社区");
        for (i, (theme, category)) in THEMES.iter().enumerate() {
            let state_name = STATES[(i + ci) % STATES.len()];
            let name = if node.code == "440308002001" && i == 0 {
                DEMO_ORG.to_string()
            } else {
                format!("{short}{theme}")
            };
            let input = OrgInput {
                name,
                legal_form: "community_org".into(),
                tier: if i % 3 == 2 { "guided" } else { "filed" }.into(),
                territory: node.code.clone(),
                categories: vec![category.to_string()],
                founded_on: chrono::NaiveDate::from_ymd_opt(
                    2016 + (i as i32 % 9),
                    1 + (i as u32 % 12),
                    1 + (n % 27),
                ),
                service_areas: Some(format!("{}及周边", node.name)),
                target_groups: Some(["长者", "儿童青少年", "残障人士", "全体居民"][i % 4].into()),
                person_in_charge: Some(format!("负责人{n:03}")),
                staff_count: Some(3 + (i as i32 % 7)),
                social_worker_count: Some(i as i32 % 2),
                party_org: Some(["none", "joint", "instructor"][i % 3].into()),
                ..Default::default()
            };
            let v = domain::validate(&input, today, &known)
                .map_err(|e| anyhow::anyhow!("demo org: {e}"))?;
            let o = service::insert(
                &txn,
                &who,
                &v,
                node,
                if node.code == "440308002001" && i == 0 {
                    "filed"
                } else {
                    state_name
                },
            )
            .await?;
            if o.name == DEMO_ORG {
                for (username, role, display) in DEMO_ACCOUNTS {
                    let hash =
                        gongzhi_platform::identity::hash_password(demo.password.clone()).await?;
                    let now = gongzhi_platform::audit::now();
                    let u = user::ActiveModel {
                        id: Set(uuid::Uuid::now_v7()),
                        username: Set(username.into()),
                        phone: Set(None),
                        display_name: Set(display.into()),
                        password_hash: Set(hash),
                        status: Set("active".into()),
                        must_change_password: Set(false),
                        home_code: Set(node.code.clone()),
                        home_path: Set(node.path.clone()),
                        created_at: Set(now),
                        updated_at: Set(now),
                        version: Set(1),
                    }
                    .insert(&txn)
                    .await?;
                    service::grant_org_role(&txn, &who, u.id, &o, role).await?;
                    demo.accounts
                        .push((username.into(), role.as_str().into(), o.name.clone()));
                }
            }
            n += 1;
        }
    }
    // Registered organizations at the streets and the district, with valid codes.
    let mut serial = 0u32;
    for node in nodes.iter().filter(|n| n.level != "community") {
        let short = node.name.trim_end_matches("街道");
        for (i, (kind, form, prefix)) in REGISTERED.iter().enumerate() {
            if node.level == "street" && i >= 4 {
                continue;
            }
            serial += 1;
            let first16 = format!("{prefix}440308MJ{serial:06}");
            let uscc =
                Uscc::complete(&first16).ok_or_else(|| anyhow::anyhow!("demo uscc {first16}"))?;
            let input = OrgInput {
                name: format!("盐田区{short}{kind}"),
                legal_form: (*form).into(),
                tier: "registered".into(),
                uscc: Some(uscc.as_str().into()),
                territory: node.code.clone(),
                categories: vec![
                    ["191.service", "191.charity", "gz.community_service"][i % 3].into(),
                ],
                founded_on: chrono::NaiveDate::from_ymd_opt(2012 + i as i32, 3, 1),
                registered_on: chrono::NaiveDate::from_ymd_opt(2012 + i as i32, 6, 1),
                supervising_unit: Some("盐田区民政局".into()),
                person_in_charge: Some(format!("法定代表人{serial:02}")),
                staff_count: Some(10 + i as i32 * 3),
                social_worker_count: Some(2 + i as i32),
                party_org: Some("independent".into()),
                ..Default::default()
            };
            let v = domain::validate(&input, today, &known)
                .map_err(|e| anyhow::anyhow!("demo org: {e}"))?;
            let state_name = if serial == 3 {
                "deregistered"
            } else {
                "active"
            };
            let o = service::insert(&txn, &who, &v, node, state_name).await?;
            if state_name == "active" {
                standing(&txn, &who, &o, serial, today).await?;
            }
        }
    }
    networks(&txn, &who, &nodes, today).await?;
    txn.commit().await?;
    Ok(())
}

/// Hubs and federations: each street's volunteers' federation gathers a share of the street's
/// community organizations (田东's 爱心互助会 among them, one member gone); at the district, the
/// social work centre is the hub organization of the registered centres and the charity
/// federation gathers the streets' federations.
async fn networks(
    txn: &impl gongzhi_platform::sea_orm::ConnectionTrait,
    who: &AuditActor,
    nodes: &[territory::Model],
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    use crate::store::entity::{org, org_membership};
    use crate::service::network;
    use gongzhi_platform::sea_orm::sea_query::Expr;
    use gongzhi_platform::sea_orm::{ColumnTrait, QueryFilter};
    let days = chrono::Duration::days;
    let all = org::Entity::find()
        .order_by_asc(org::Column::Name)
        .all(txn)
        .await?;
    let at = |code: &str, form: &str, suffix: &str| {
        all.iter()
            .find(|o| {
                o.territory_code == code
                    && o.legal_form == form
                    && o.state == "active"
                    && o.name.ends_with(suffix)
            })
            .cloned()
    };
    let recognize = async |o: &org::Model, kind: &str, node: &territory::Model, since| {
        network::recognize(txn, who, o, Some((kind, node)), Some(since), o.version).await
    };
    let mut street_federations = Vec::new();
    for node in nodes.iter().filter(|n| n.level == "street") {
        let Some(f) = at(&node.code, "association", "义工联合会") else {
            continue;
        };
        let f = recognize(&f, "federation", node, today - days(400)).await?;
        // The demo organization first, so that its people see a federation they belong to.
        let filed = || {
            all.iter()
                .filter(|o| o.path.starts_with(&node.path) && o.state == "filed")
        };
        let members = filed()
            .filter(|o| o.name == DEMO_ORG)
            .chain(filed().filter(|o| o.name != DEMO_ORG).step_by(2))
            .take(10);
        for (i, m) in members.enumerate() {
            let joined = today - days(380 - 20 * i as i64);
            let membership = network::add(txn, who, &f, m, joined).await?;
            if i == 3 {
                // A past member: the history stays on the federation's page.
                org_membership::Entity::update_many()
                    .col_expr(
                        org_membership::Column::LeftOn,
                        Expr::value(Some(today - days(30))),
                    )
                    .col_expr(org_membership::Column::LeftCause, Expr::value(Some("left")))
                    .col_expr(
                        org_membership::Column::LeftReason,
                        Expr::value("活动调整，自愿退出"),
                    )
                    .filter(org_membership::Column::Id.eq(membership.id))
                    .exec(txn)
                    .await?;
            }
        }
        street_federations.push(f);
    }
    let Some(district) = nodes.iter().find(|n| n.level == "district") else {
        return Ok(());
    };
    if let Some(hub) = at(&district.code, "service_agency", "社会工作服务中心") {
        let hub = recognize(&hub, "hub_org", district, today - days(700)).await?;
        for m in all.iter().filter(|o| {
            o.territory_code != district.code
                && o.state == "active"
                && (o.name.ends_with("社会工作服务中心") || o.name.ends_with("长者服务中心"))
        }) {
            network::add(txn, who, &hub, m, today - days(650)).await?;
        }
    }
    if let Some(f) = at(&district.code, "association", "公益组织联合会") {
        let f = recognize(&f, "federation", district, today - days(900)).await?;
        for m in &street_federations {
            network::add(txn, who, &f, m, today - days(360)).await?;
        }
    }
    Ok(())
}

/// Standing of the demo's registered organizations: annual reports and inspections, grades
/// across 5A–3A, one on the abnormal list awaiting rectification, one removable from the
/// serious list, and one whose latest report is missing (the clock job will flag it).
async fn standing(
    txn: &impl gongzhi_platform::sea_orm::ConnectionTrait,
    who: &AuditActor,
    o: &crate::store::entity::org::Model,
    serial: u32,
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    use crate::store::entity::{org_annual_report, org_grade};
    use crate::domain::standing::{self, List};
    let last = standing::last_due_year(today);
    for year in [last - 1, last] {
        if serial == 7 && year == last {
            continue;
        }
        let inspection = match (serial % 5, year == last) {
            (4, _) => "basically_qualified",
            (_, true) if serial.is_multiple_of(2) => "pending",
            _ => "qualified",
        };
        org_annual_report::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            org_id: Set(o.id),
            year: Set(year),
            submitted_on: Set(chrono::NaiveDate::from_ymd_opt(year + 1, 4, 20).expect("date")),
            inspection: Set(inspection.into()),
            inspected_on: Set((inspection != "pending")
                .then(|| chrono::NaiveDate::from_ymd_opt(year + 1, 8, 15).expect("date"))),
            note: Set(String::new()),
            version: Set(1),
        }
        .insert(txn)
        .await?;
    }
    let grade = [5, 4, 3, 0][serial as usize % 4];
    if grade > 0 {
        let awarded =
            chrono::NaiveDate::from_ymd_opt(2022 + (serial as i32 % 4), 9, 1).expect("date");
        org_grade::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            org_id: Set(o.id),
            grade: Set(grade),
            score: Set(Some(600 + grade * 70)),
            awarded_on: Set(awarded),
            expires_on: Set(standing::plus_years(awarded, standing::GRADE_YEARS)),
            status: Set("in_force".into()),
            note: Set(String::new()),
            created_by: Set(None),
            created_at: Set(gongzhi_platform::audit::now()),
            version: Set(1),
        }
        .insert(txn)
        .await?;
        crate::service::standing_svc::log(
            txn,
            who,
            o,
            "org.grade_award",
            serde_json::json!({"grade": grade, "awarded_on": awarded}),
        )
        .await?;
    }
    let event = match serial {
        5 => Some((
            "unreachable",
            List::Abnormal,
            today - chrono::Duration::days(40),
            true,
        )),
        9 => Some((
            "large_fine",
            List::Serious,
            today - chrono::Duration::days(800),
            false,
        )),
        _ => None,
    };
    if let Some((kind, list, on, rectify)) = event {
        let amount = (kind == "large_fine").then_some(6_000_000);
        crate::service::standing_svc::insert_event(txn, who, o, kind, on, amount, "", None).await?;
        crate::service::standing_svc::place(txn, who, o, list, kind, on, rectify).await?;
    }
    Ok(())
}

/// Words in generated names: a common one such as 爱心 appears in one name of 40.
const BENCH_WORDS: [&str; 40] = [
    "爱心",
    "阳光",
    "和谐",
    "幸福",
    "邻里",
    "夕阳红",
    "同心",
    "睦邻",
    "启明",
    "春晖",
    "向日葵",
    "绿色",
    "彩虹",
    "暖心",
    "乐龄",
    "青禾",
    "星光",
    "蒲公英",
    "同舟",
    "善行",
    "微光",
    "益心",
    "银龄",
    "花开",
    "晨曦",
    "海韵",
    "山海",
    "榕树",
    "木棉",
    "红棉",
    "惠民",
    "安康",
    "康乐",
    "悦享",
    "朝阳",
    "友善",
    "同行",
    "共享",
    "守望",
    "新芽",
];

/// Generate `n` organizations over the district's communities for the directory benchmark
/// (docs/benchmarks.md): a fifth registered with valid codes, categories, grades in force on a
/// tenth of those, a share on the credit lists and a few hubs. Bulk rows, not audited: for
/// benchmarks only.
pub async fn bench(state: &AppState, n: u64) -> anyhow::Result<()> {
    use crate::store::entity::{org, org_category_link, org_grade, org_list_entry};
    use gongzhi_platform::sea_orm::ConnectionTrait;
    let nodes: Vec<territory::Model> = territory::Entity::find()
        .order_by_asc(territory::Column::Path)
        .all(&state.db.read)
        .await?
        .into_iter()
        .filter(|n| n.level == "community")
        .collect();
    anyhow::ensure!(!nodes.is_empty(), "seed a district first (serve --demo)");
    let categories = service::category_codes(&state.db.read).await?;
    let today = gongzhi_platform::clock::today();
    let start = std::time::Instant::now();
    let now = gongzhi_platform::audit::now();
    let mut done = 0u64;
    while done < n {
        let batch = (n - done).min(500);
        let (mut orgs, mut links, mut grades, mut entries) = (vec![], vec![], vec![], vec![]);
        let mut grams = vec![];
        for k in done..done + batch {
            let i = k as usize;
            let node = &nodes[(i * 7919) % nodes.len()];
            let short = node.name.trim_end_matches("社区");
            let (theme, category) = THEMES[i % THEMES.len()];
            let word = BENCH_WORDS[(i / THEMES.len()) % BENCH_WORDS.len()];
            let registered = i.is_multiple_of(5);
            let (form, prefix) = [
                ("service_agency", "52"),
                ("association", "51"),
                ("foundation", "53"),
            ][(i / 5) % 3];
            let uscc = registered
                .then(|| Uscc::complete(&format!("{prefix}440308MH{k:06}")))
                .flatten()
                .map(|u| u.as_str().to_string());
            let state_name = match (registered, i % 20) {
                (_, 19) => "deregistered",
                (true, _) => "active",
                (false, 17) => "submitted",
                (false, _) => "filed",
            };
            let [d, s, c] = gongzhi_kernel::authz::path_levels(&node.path);
            let id = uuid::Uuid::now_v7();
            let hub = (i.is_multiple_of(97) && state_name != "deregistered").then_some("hub_org");
            let name = format!("{short}{word}{theme}{k:05}");
            grams.extend(service::name_gram_rows(id, &name));
            orgs.push(org::ActiveModel {
                id: Set(id),
                name: Set(name),
                uscc: Set(uscc),
                legal_form: Set(if registered { form } else { "community_org" }.into()),
                tier: Set(if registered {
                    "registered"
                } else if i % 3 == 2 {
                    "guided"
                } else {
                    "filed"
                }
                .into()),
                state: Set(state_name.into()),
                territory_code: Set(node.code.clone()),
                path: Set(node.path.clone()),
                scope_district: Set(d.unwrap_or_default().into()),
                scope_street: Set(s.map(Into::into)),
                scope_community: Set(c.map(Into::into)),
                founded_on: Set(chrono::NaiveDate::from_ymd_opt(
                    2010 + (i % 15) as i32,
                    1 + (i % 12) as u32,
                    1,
                )),
                registered_on: Set(None),
                service_areas: Set(format!("{}及周边", node.name)),
                target_groups: Set(["长者", "儿童青少年", "残障人士", "全体居民"][i % 4].into()),
                supervising_unit: Set(String::new()),
                person_in_charge: Set(format!("负责人{}", k % 1000)),
                person_in_charge_id: Set(None),
                contact_phone: Set(None),
                staff_count: Set(3 + (i % 20) as i32),
                social_worker_count: Set((i % 3) as i32),
                party_org: Set(["none", "joint", "instructor", "independent"][i % 4].into()),
                hub_kind: Set(hub.map(Into::into)),
                hub_since: Set(hub.map(|_| today)),
                hub_reach: Set(hub.map(|_| node.code.clone())),
                hub_path: Set(hub.map(|_| node.path.clone())),
                created_by: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            });
            links.push(org_category_link::ActiveModel {
                org_id: Set(id),
                category_code: Set(category.into()),
            });
            let second = &categories[i % categories.len()];
            if second != category {
                links.push(org_category_link::ActiveModel {
                    org_id: Set(id),
                    category_code: Set(second.clone()),
                });
            }
            if registered && i.is_multiple_of(10) {
                let awarded = today - chrono::Duration::days(100 + (i % 1000) as i64);
                grades.push(org_grade::ActiveModel {
                    id: Set(uuid::Uuid::now_v7()),
                    org_id: Set(id),
                    grade: Set(1 + (i / 10 % 5) as i32),
                    score: Set(None),
                    awarded_on: Set(awarded),
                    expires_on: Set(crate::domain::standing::plus_years(
                        awarded,
                        crate::domain::standing::GRADE_YEARS,
                    )),
                    status: Set("in_force".into()),
                    note: Set(String::new()),
                    created_by: Set(None),
                    created_at: Set(now),
                    version: Set(1),
                });
            }
            let list = match i % 50 {
                7 => Some("abnormal"),
                13 if registered => Some("serious"),
                _ => None,
            };
            if let Some(list) = list {
                let on = today - chrono::Duration::days(30 + (i % 300) as i64);
                entries.push(org_list_entry::ActiveModel {
                    id: Set(uuid::Uuid::now_v7()),
                    org_id: Set(id),
                    list: Set(list.into()),
                    triggers: Set("unreachable".into()),
                    entered_on: Set(on),
                    clock_from: Set(on),
                    rectification: Set("none".into()),
                    rectified_on: Set(None),
                    removal_requested_on: Set(None),
                    removed_on: Set(None),
                    removal_reason: Set(None),
                    version: Set(1),
                });
            }
        }
        let txn = state.db.write.begin().await?;
        org::Entity::insert_many(orgs).exec(&txn).await?;
        org_category_link::Entity::insert_many(links)
            .exec(&txn)
            .await?;
        for chunk in grams.chunks(5000) {
            crate::store::entity::org_name_gram::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await?;
        }
        if !grades.is_empty() {
            org_grade::Entity::insert_many(grades).exec(&txn).await?;
        }
        if !entries.is_empty() {
            org_list_entry::Entity::insert_many(entries)
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        done += batch;
    }
    // Fresh statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` would give a live system.
    for table in [
        "orgs",
        "org_category_links",
        "org_grades",
        "org_list_entries",
        "org_name_grams",
    ] {
        state
            .db
            .write
            .execute_unprepared(&format!("ANALYZE {table}"))
            .await?;
    }
    let t = start.elapsed();
    println!(
        "inserted {n} organizations in {:.1}s ({:.0}/s)",
        t.as_secs_f64(),
        n as f64 / t.as_secs_f64()
    );
    Ok(())
}
