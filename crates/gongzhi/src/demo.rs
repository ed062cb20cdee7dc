//! The demo district: 盐田区 (440308) with its four streets, their communities, hubs at each
//! level, and one account per role per tier. Seeded only by `serve --demo` into an empty database.

use gongzhi_kernel::authz::{Role, territory_path};
use gongzhi_platform::audit::{self, AuditActor};
use gongzhi_platform::entity::{role_assignment, territory, user};
use gongzhi_platform::module::DemoAccounts;
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, EntityTrait, PaginatorTrait, Set, TransactionTrait,
};
use gongzhi_platform::territory as territory_svc;
use gongzhi_platform::{AppState, identity};

pub const DEMO_PASSWORD: &str = "Gongzhi2026";

pub const DISTRICT: (&str, &str) = ("440308000000", "盐田区");

/// (street code, street name, short pinyin for account names, communities)
pub const STREETS: [(&str, &str, &str, [&str; 4]); 4] = [
    (
        "440308001000",
        "沙头角街道",
        "shatoujiao",
        ["中英街社区", "沙头角社区", "东和社区", "桥东社区"],
    ),
    (
        "440308002000",
        "海山街道",
        "haishan",
        ["田东社区", "梧桐社区", "鹏湾社区", "海涛社区"],
    ),
    (
        "440308003000",
        "盐田街道",
        "yantian",
        ["盐田社区", "永安社区", "沿港社区", "明珠社区"],
    ),
    (
        "440308004000",
        "梅沙街道",
        "meisha",
        ["东海岸社区", "大梅沙社区", "小梅沙社区", "滨海社区"],
    ),
];

/// The demo community for community-tier accounts: 海山街道 田东社区.
pub const DEMO_COMMUNITY: &str = "440308002001";

pub async fn is_empty(state: &AppState) -> anyhow::Result<bool> {
    Ok(territory::Entity::find().count(&state.db.read).await? == 0)
}

pub fn accounts() -> Vec<(&'static str, Role, &'static str, &'static str)> {
    let mut a = vec![
        (
            "qu.admin",
            Role::DistrictAdmin,
            DISTRICT.0,
            "区民政局管理员",
        ),
        (
            "qu.supervisor",
            Role::Supervisor,
            DISTRICT.0,
            "区纪检监督员",
        ),
        ("qu.reviewer", Role::Reviewer, DISTRICT.0, "评审专家"),
        (
            "qu.evaluator",
            Role::Evaluator,
            DISTRICT.0,
            "第三方评估机构",
        ),
    ];
    for (code, _, short, _) in STREETS {
        let name: &'static str = match short {
            "shatoujiao" => "shatoujiao.admin",
            "haishan" => "haishan.admin",
            "yantian" => "yantian.admin",
            _ => "meisha.admin",
        };
        a.push((name, Role::StreetAdmin, code, "街道管理员"));
    }
    a.push((
        "haishan.supervisor",
        Role::Supervisor,
        "440308002000",
        "街道纪检监督员",
    ));
    a.extend([
        (
            "tiandong.admin",
            Role::CommunityAdmin,
            DEMO_COMMUNITY,
            "田东社区工作人员",
        ),
        ("tiandong.resident", Role::Resident, DEMO_COMMUNITY, "居民"),
        (
            "tiandong.volunteer",
            Role::Volunteer,
            DEMO_COMMUNITY,
            "志愿者",
        ),
        (
            "tiandong.party",
            Role::PartyMember,
            DEMO_COMMUNITY,
            "在职党员",
        ),
        (
            "tiandong.merchant",
            Role::Merchant,
            DEMO_COMMUNITY,
            "爱心商户",
        ),
        (
            "tiandong.leader",
            Role::CommunityLeader,
            DEMO_COMMUNITY,
            "社区能人",
        ),
    ]);
    a
}

/// Seed the territory, hubs and accounts in one transaction, then every module's demo data.
pub async fn seed(state: &AppState) -> anyhow::Result<DemoAccounts> {
    let who = AuditActor::system("demo");
    let hash = identity::hash_password(DEMO_PASSWORD.to_string()).await?;
    let txn = state.db.write.begin().await?;
    let district = territory_svc::seed_node(&txn, &who, DISTRICT.0, DISTRICT.1, "district").await?;
    territory_svc::seed_hub(
        &txn,
        &who,
        &district,
        "party_service_center",
        "盐田区社会组织党群服务中心",
    )
    .await?;
    territory_svc::seed_hub(
        &txn,
        &who,
        &district,
        "cultivation_center",
        "盐田区社会组织培育发展中心",
    )
    .await?;
    territory_svc::seed_hub(
        &txn,
        &who,
        &district,
        "innovation_center",
        "盐田区社会创新中心总部",
    )
    .await?;
    for (code, name, _, communities) in STREETS {
        let street = territory_svc::seed_node(&txn, &who, code, name, "street").await?;
        territory_svc::seed_hub(
            &txn,
            &who,
            &street,
            "social_work_station",
            &format!("{name}社会工作服务站"),
        )
        .await?;
        for (i, cname) in communities.iter().enumerate() {
            let ccode = format!("{}{:03}", &code[..9], i + 1);
            let c = territory_svc::seed_node(&txn, &who, &ccode, cname, "community").await?;
            territory_svc::seed_hub(
                &txn,
                &who,
                &c,
                "party_service_center",
                &format!("{cname}党群服务中心"),
            )
            .await?;
        }
    }
    let mut demo = DemoAccounts {
        password: DEMO_PASSWORD.into(),
        accounts: Vec::new(),
    };
    for (username, role, code, display) in accounts() {
        let (_, path) =
            territory_path(code).ok_or_else(|| anyhow::anyhow!("bad demo code {code}"))?;
        let now = gongzhi_platform::audit::now();
        let u = user::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            username: Set(username.into()),
            phone: Set(None),
            display_name: Set(display.into()),
            password_hash: Set(hash.clone()),
            status: Set("active".into()),
            must_change_password: Set(false),
            home_code: Set(code.into()),
            home_path: Set(path.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
        role_assignment::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            user_id: Set(u.id),
            role: Set(role.as_str().into()),
            scope_kind: Set("territory".into()),
            scope_ref: Set(code.into()),
            scope_path: Set(path.clone()),
            granted_by: Set(None),
            granted_at: Set(now),
            revoked_at: Set(None),
            revoked_by: Set(None),
        }
        .insert(&txn)
        .await?;
        gongzhi_platform::audit::record(
            &txn,
            &who,
            gongzhi_platform::audit::Change {
                action: "user.create",
                entity_type: "user",
                entity_id: &u.id.to_string(),
                scope_path: &path,
                summary: serde_json::json!({"username": username, "role": role.as_str(), "demo": true}),
            },
        )
        .await?;
        demo.accounts
            .push((username.into(), role.as_str().into(), code.into()));
    }
    txn.commit().await?;
    for m in &state.modules {
        m.seed_demo(state, &mut demo).await?;
    }
    Ok(demo)
}

pub fn print_accounts(
    modules: &[std::sync::Arc<dyn gongzhi_platform::Module>],
    demo_password: &str,
) {
    println!("演示账号 / demo accounts (password 密码: {demo_password}):");
    for (username, role, code, display) in accounts() {
        println!("  {username:<20} {:<16} {code}  {display}", role.as_str());
    }
    for (username, role, label) in modules.iter().flat_map(|m| m.demo_accounts()) {
        println!("  {username:<20} {:<16} {label}", role.as_str());
    }
}

/// Insert `n` synthetic audit entries spread over the demo district's streets and communities
/// (as many as its nodes allow), then seal them; prints the rates. For benchmarks only.
pub async fn bench_audit(state: &AppState, n: u64) -> anyhow::Result<()> {
    use gongzhi_platform::entity::audit_entry;
    use gongzhi_platform::sea_orm::{ConnectionTrait, QueryOrder};
    let nodes = territory::Entity::find()
        .order_by_asc(territory::Column::Path)
        .all(&state.db.read)
        .await?;
    anyhow::ensure!(!nodes.is_empty(), "seed a district first (serve --demo)");
    let actions = [
        "territory.update",
        "user.create",
        "role.grant",
        "auth.login",
        "hub.create",
    ];
    let start = std::time::Instant::now();
    let base = gongzhi_platform::clock::now() - chrono::Duration::days(365);
    let mut done = 0u64;
    while done < n {
        let batch = (n - done).min(1_000);
        let txn = state.db.write.begin().await?;
        let rows = (0..batch)
            .map(|i| {
                let k = done + i;
                let node = &nodes[(k as usize * 7919) % nodes.len()];
                let [d, st, cm] = gongzhi_kernel::authz::path_levels(&node.path);
                audit::authenticated(audit_entry::Model {
                    scope_district: d.unwrap_or_default().into(),
                    scope_street: st.map(Into::into),
                    scope_community: cm.map(Into::into),
                    id: uuid::Uuid::now_v7(),
                    at: base + chrono::Duration::milliseconds((k * 31_536) as i64),
                    actor_id: None,
                    actor_name: format!("bench.user{}", k % 500),
                    action: actions[(k % 5) as usize].into(),
                    entity_type: "territory".into(),
                    entity_id: node.code.clone(),
                    scope_path: node.path.clone(),
                    summary: format!("{{\"n\":{k}}}"),
                    ip: Some("127.0.0.1".into()),
                    chain_index: None,
                    entry_hash: None,
                    entry_mac: None,
                })
                .map(audit_entry::ActiveModel::from)
            })
            .collect::<Result<Vec<_>, _>>()?;
        audit_entry::Entity::insert_many(rows).exec(&txn).await?;
        txn.commit().await?;
        done += batch;
    }
    // Fresh statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` would give a live system.
    state
        .db
        .write
        .execute_unprepared("ANALYZE audit_entries")
        .await?;
    let inserted = start.elapsed();
    println!(
        "inserted {n} audit entries in {:.1}s ({:.0}/s)",
        inserted.as_secs_f64(),
        n as f64 / inserted.as_secs_f64()
    );
    let start = std::time::Instant::now();
    let sealed = state.audit.seal_all(&state.db).await?;
    let t = start.elapsed();
    println!(
        "sealed {sealed} entries in {:.1}s ({:.0}/s)",
        t.as_secs_f64(),
        sealed as f64 / t.as_secs_f64()
    );
    let start = std::time::Instant::now();
    let outcome = state.audit.verify(&state.db, None).await?;
    let t = start.elapsed();
    println!("verified in {:.1}s: {outcome:?}", t.as_secs_f64());
    Ok(())
}
