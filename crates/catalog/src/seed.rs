//! The demo district's catalog: the five first-level categories of the national guidance
//! catalog with second-level ones, about sixty items with standards, prices, indicators and
//! admission criteria, the six national negative-list entries and two local ones, two published
//! versions (so there is a diff to read), licences for a few organizations, and one pending
//! proposal from a street.

use chrono::NaiveDate;
use gongzhi_orgs::face::{self as registry, Find};
use gongzhi_platform::audit::{self, AuditActor};
use gongzhi_platform::entity::territory;
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use gongzhi_platform::web::AppState;

use crate::domain::{AdmissionCriteria, Change, Indicator, ItemDef, NegativeDef, Snapshot};
use crate::store::entity::{catalog_version, category, change, licence};
use crate::service;

const CATEGORIES: [(&str, Option<&str>, &str); 21] = [
    ("A", None, "基本公共服务"),
    ("A01", Some("A"), "养老服务"),
    ("A02", Some("A"), "儿童青少年服务"),
    ("A03", Some("A"), "残疾人服务"),
    ("A04", Some("A"), "社会救助与困难帮扶"),
    ("A05", Some("A"), "公共文化体育"),
    ("A06", Some("A"), "健康与心理服务"),
    ("B", None, "社会管理性服务"),
    ("B01", Some("B"), "社区治理与居民自治"),
    ("B02", Some("B"), "社区矫正与安置帮教"),
    ("B03", Some("B"), "禁毒与戒毒康复"),
    ("B04", Some("B"), "矛盾纠纷调解"),
    ("B05", Some("B"), "志愿服务"),
    ("C", None, "行业管理与协调性服务"),
    ("C01", Some("C"), "社会组织培育发展"),
    ("C02", Some("C"), "行业调查与统计分析"),
    ("D", None, "技术性服务"),
    ("D01", Some("D"), "评估评审"),
    ("D02", Some("D"), "信息化与数据服务"),
    ("E", None, "政府履职所需辅助性服务"),
    ("E01", Some("E"), "宣传与会务"),
];

/// Admission criteria of the demo items, from open to strict.
fn preset(p: u8) -> AdmissionCriteria {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    match p {
        // Community services small organizations can do.
        0 => AdmissionCriteria {
            tiers: s(&["registered", "filed"]),
            ..Default::default()
        },
        // Registered social organizations.
        1 => AdmissionCriteria {
            tiers: s(&["registered"]),
            min_years: Some(1),
            ..Default::default()
        },
        // Professional social work.
        2 => AdmissionCriteria {
            legal_forms: s(&["service_agency"]),
            tiers: s(&["registered"]),
            min_years: Some(2),
            min_grade: Some(3),
            min_social_workers: Some(2),
            no_poor_years: Some(2),
            licences: s(&["social_work_agency"]),
            ..Default::default()
        },
        // Larger contracts and sensitive groups.
        _ => AdmissionCriteria {
            legal_forms: s(&["service_agency"]),
            tiers: s(&["registered"]),
            min_years: Some(3),
            min_grade: Some(4),
            min_social_workers: Some(5),
            abnormal_blocks: true,
            no_poor_years: Some(3),
            licences: s(&["social_work_agency"]),
            ..Default::default()
        },
    }
}

/// (code, category, name, tier, unit, price range in yuan, criteria preset, extra licence)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    (i64, i64),
    u8,
    Option<&'static str>,
);

const ITEMS: [Row; 60] = [
    (
        "A01-01",
        "A01",
        "长者助餐服务",
        "community",
        "人次",
        (12, 18),
        1,
        Some("food_business"),
    ),
    (
        "A01-02",
        "A01",
        "居家养老上门服务",
        "community",
        "小时",
        (40, 60),
        2,
        Some("elderly_care_filing"),
    ),
    (
        "A01-03",
        "A01",
        "长者日间照料中心运营",
        "community",
        "月",
        (25000, 40000),
        3,
        Some("elderly_care_filing"),
    ),
    (
        "A01-04",
        "A01",
        "独居长者探访关爱",
        "community",
        "户·月",
        (80, 120),
        0,
        None,
    ),
    (
        "A01-05",
        "A01",
        "长者健康讲座与义诊组织",
        "community",
        "场",
        (1500, 3000),
        1,
        None,
    ),
    (
        "A01-06",
        "A01",
        "认知障碍长者照护支持",
        "street",
        "人·月",
        (600, 900),
        3,
        Some("elderly_care_filing"),
    ),
    (
        "A01-07",
        "A01",
        "长者数字技能培训",
        "community",
        "期",
        (3000, 5000),
        0,
        None,
    ),
    (
        "A02-01",
        "A02",
        "四点半课堂",
        "community",
        "期",
        (8000, 15000),
        1,
        None,
    ),
    (
        "A02-02",
        "A02",
        "困境儿童关爱保护",
        "street",
        "人·年",
        (3000, 5000),
        3,
        None,
    ),
    (
        "A02-03",
        "A02",
        "青少年成长小组",
        "community",
        "组",
        (4000, 8000),
        2,
        None,
    ),
    (
        "A02-04",
        "A02",
        "儿童友好社区营造",
        "community",
        "项",
        (30000, 60000),
        2,
        None,
    ),
    (
        "A02-05",
        "A02",
        "社区托育服务",
        "community",
        "人·月",
        (1500, 2500),
        3,
        Some("childcare_filing"),
    ),
    (
        "A02-06",
        "A02",
        "暑期青少年公益活动",
        "community",
        "期",
        (10000, 20000),
        0,
        None,
    ),
    (
        "A03-01",
        "A03",
        "残疾人康复服务",
        "street",
        "人次",
        (80, 150),
        3,
        Some("medical_practice"),
    ),
    (
        "A03-02",
        "A03",
        "残疾人辅助性就业支持",
        "street",
        "人·月",
        (300, 500),
        2,
        None,
    ),
    (
        "A03-03",
        "A03",
        "精神障碍社区康复",
        "street",
        "人·年",
        (4000, 6000),
        3,
        Some("psychological_counselling"),
    ),
    (
        "A03-04",
        "A03",
        "残障家庭喘息服务",
        "community",
        "小时",
        (40, 60),
        2,
        None,
    ),
    (
        "A04-01",
        "A04",
        "困难家庭个案帮扶",
        "street",
        "户·年",
        (2000, 3500),
        2,
        None,
    ),
    (
        "A04-02",
        "A04",
        "低保对象社会融入服务",
        "street",
        "人·年",
        (800, 1500),
        2,
        None,
    ),
    (
        "A04-03",
        "A04",
        "临时遇困人员救助转介",
        "street",
        "人次",
        (100, 200),
        1,
        None,
    ),
    (
        "A04-04",
        "A04",
        "慈善超市运营",
        "street",
        "月",
        (8000, 15000),
        1,
        None,
    ),
    (
        "A05-01",
        "A05",
        "社区文体活动组织",
        "community",
        "场",
        (2000, 5000),
        0,
        None,
    ),
    (
        "A05-02",
        "A05",
        "社区图书室运营",
        "community",
        "月",
        (3000, 6000),
        1,
        None,
    ),
    (
        "A05-03",
        "A05",
        "全民健身指导",
        "community",
        "场",
        (800, 1500),
        0,
        None,
    ),
    (
        "A05-04",
        "A05",
        "传统文化传承活动",
        "community",
        "场",
        (2000, 4000),
        0,
        None,
    ),
    (
        "A05-05",
        "A05",
        "社区艺术团培育",
        "community",
        "年",
        (20000, 40000),
        1,
        None,
    ),
    (
        "A06-01",
        "A06",
        "社区心理健康服务",
        "community",
        "人次",
        (150, 300),
        3,
        Some("psychological_counselling"),
    ),
    (
        "A06-02",
        "A06",
        "心理危机干预支持",
        "street",
        "个案",
        (2000, 5000),
        3,
        Some("psychological_counselling"),
    ),
    (
        "A06-03",
        "A06",
        "健康生活方式宣教",
        "community",
        "场",
        (1000, 2000),
        0,
        None,
    ),
    (
        "B01-01",
        "B01",
        "居民议事协商辅导",
        "community",
        "场",
        (1500, 3000),
        1,
        None,
    ),
    (
        "B01-02",
        "B01",
        "楼栋自治小组培育",
        "community",
        "个",
        (3000, 6000),
        1,
        None,
    ),
    (
        "B01-03",
        "B01",
        "社区营造微项目辅导",
        "community",
        "项",
        (10000, 30000),
        2,
        None,
    ),
    (
        "B01-04",
        "B01",
        "新市民融入服务",
        "street",
        "人·年",
        (300, 600),
        2,
        None,
    ),
    (
        "B01-05",
        "B01",
        "社区居民需求调查",
        "community",
        "次",
        (5000, 15000),
        1,
        None,
    ),
    (
        "B01-06",
        "B01",
        "邻里互助网络建设",
        "community",
        "项",
        (8000, 20000),
        0,
        None,
    ),
    (
        "B02-01",
        "B02",
        "社区矫正对象帮扶",
        "street",
        "人·年",
        (3000, 5000),
        3,
        None,
    ),
    (
        "B02-02",
        "B02",
        "刑满释放人员安置帮教",
        "street",
        "人·年",
        (2000, 4000),
        3,
        None,
    ),
    (
        "B03-01",
        "B03",
        "社区戒毒康复帮扶",
        "street",
        "人·年",
        (4000, 7000),
        3,
        None,
    ),
    (
        "B03-02",
        "B03",
        "禁毒宣传教育",
        "community",
        "场",
        (1500, 3000),
        1,
        None,
    ),
    (
        "B04-01",
        "B04",
        "家庭矛盾纠纷调处支持",
        "community",
        "件",
        (300, 800),
        2,
        None,
    ),
    (
        "B04-02",
        "B04",
        "物业纠纷协商辅导",
        "community",
        "件",
        (500, 1000),
        1,
        None,
    ),
    (
        "B05-01",
        "B05",
        "社区志愿者队伍培育",
        "community",
        "支",
        (5000, 10000),
        0,
        None,
    ),
    (
        "B05-02",
        "B05",
        "志愿服务站点运营",
        "community",
        "月",
        (3000, 6000),
        1,
        None,
    ),
    (
        "B05-03",
        "B05",
        "志愿服务记录与激励管理",
        "street",
        "年",
        (20000, 40000),
        1,
        None,
    ),
    (
        "C01-01",
        "C01",
        "社区社会组织孵化培育",
        "street",
        "家",
        (5000, 10000),
        2,
        None,
    ),
    (
        "C01-02",
        "C01",
        "社会组织能力建设培训",
        "street",
        "期",
        (10000, 20000),
        2,
        None,
    ),
    (
        "C01-03",
        "C01",
        "社会组织党建指导服务",
        "street",
        "家·年",
        (2000, 4000),
        1,
        None,
    ),
    (
        "C01-04",
        "C01",
        "公益创投项目辅导",
        "street",
        "项",
        (3000, 6000),
        2,
        None,
    ),
    (
        "C02-01",
        "C02",
        "社区服务需求统计分析",
        "street",
        "项",
        (20000, 50000),
        1,
        None,
    ),
    (
        "C02-02",
        "C02",
        "社会组织发展状况调查",
        "street",
        "项",
        (30000, 60000),
        2,
        None,
    ),
    (
        "D01-01",
        "D01",
        "购买服务项目绩效评价",
        "street",
        "项",
        (5000, 20000),
        3,
        None,
    ),
    (
        "D01-02",
        "D01",
        "社会组织等级评估辅助",
        "street",
        "家",
        (2000, 5000),
        3,
        None,
    ),
    (
        "D01-03",
        "D01",
        "项目事前绩效评估",
        "street",
        "项",
        (3000, 10000),
        2,
        None,
    ),
    (
        "D01-04",
        "D01",
        "服务对象满意度测评",
        "street",
        "次",
        (5000, 15000),
        1,
        None,
    ),
    (
        "D02-01",
        "D02",
        "社区服务数据整理与分析",
        "street",
        "项",
        (10000, 30000),
        1,
        None,
    ),
    (
        "D02-02",
        "D02",
        "居民服务线上平台运维支持",
        "street",
        "年",
        (30000, 80000),
        1,
        None,
    ),
    (
        "E01-01",
        "E01",
        "政策宣传品设计与发放",
        "street",
        "批",
        (5000, 20000),
        0,
        None,
    ),
    (
        "E01-02",
        "E01",
        "社区活动会务保障",
        "community",
        "场",
        (1000, 3000),
        0,
        None,
    ),
    (
        "E01-03",
        "E01",
        "社区公共服务政策咨询",
        "community",
        "月",
        (2000, 5000),
        1,
        None,
    ),
    (
        "E01-04",
        "E01",
        "社区公众号内容运营",
        "community",
        "月",
        (2000, 4000),
        0,
        None,
    ),
];

/// Public services communities provide themselves: listed, not bought.
const NOT_PURCHASABLE: [&str; 2] = ["E01-03", "A06-03"];

pub fn item(r: &Row) -> ItemDef {
    let (code, category, name, tier, unit, (lo, hi), p, licence) = *r;
    let mut criteria = preset(p);
    if let Some(l) = licence {
        criteria.licences.push(l.into());
    }
    ItemDef {
        code: code.into(),
        category: category.into(),
        name: name.into(),
        description: format!(
            "面向辖区居民提供{name}，由承接方按服务方案组织实施，接受街道和社区的监督。"
        ),
        tier: tier.into(),
        purchasable: !NOT_PURCHASABLE.contains(&code),
        service_standard: format!(
            "制定{name}年度服务方案；建立服务对象档案和服务台账；每季度提交服务报告；服务人员持证上岗，配备督导。"
        ),
        unit: unit.into(),
        price_min_fen: Some(lo * 100),
        price_max_fen: Some(hi * 100),
        indicators: vec![
            Indicator {
                name: "服务对象满意度".into(),
                target: "≥ 90%".into(),
            },
            Indicator {
                name: "服务台账完整率".into(),
                target: "100%".into(),
            },
            Indicator {
                name: format!("{unit}数完成率"),
                target: "≥ 95%".into(),
            },
        ],
        criteria,
    }
}

pub fn negatives() -> Vec<NegativeDef> {
    let e = |code: &str, cat: &str, title: &str, terms: &[&str], basis: &str| NegativeDef {
        code: code.into(),
        category: cat.into(),
        title: title.into(),
        description: String::new(),
        terms: terms.iter().map(|t| t.to_string()).collect(),
        basis: basis.into(),
    };
    let art10 = "财政部令第102号 第十条";
    vec![
        e(
            "N1",
            "n1",
            "不属于政府职责范围的服务事项",
            &["商业经营", "营利性经营"],
            art10,
        ),
        e(
            "N2",
            "n2",
            "应当由政府直接履职的事项",
            &["行政执法", "行政处罚", "行政许可", "行政审批"],
            art10,
        ),
        e(
            "N3",
            "n3",
            "货物、工程以及将工程和服务打包的项目",
            &["工程", "装修", "修缮", "设备采购", "物资采购"],
            art10,
        ),
        e("N4", "n4", "融资行为", &["融资", "贷款", "借款"], art10),
        e(
            "N5",
            "n5",
            "购买主体的人员招聘、劳务派遣、公益性岗位",
            &["招聘", "劳务派遣", "公益性岗位", "人员派遣"],
            art10,
        ),
        e(
            "N6",
            "n6",
            "法律法规及国务院规定不得购买的其他事项",
            &[],
            art10,
        ),
        e(
            "L01",
            "local",
            "社区党组织、居委会依法履职的事项",
            &["换届选举", "党组织换届"],
            "盐田区社会组织承接街道服务职能负面清单",
        ),
    ]
}

/// What the second version added, changed and retired.
fn second_version(first: &Snapshot) -> Vec<Change> {
    let mut changed = first.items["A01-01"].clone();
    changed.criteria.min_grade = Some(3);
    changed.price_max_fen = Some(2000);
    vec![
        Change::ModifyItem(changed),
        Change::RetireItem("E01-04".into()),
        Change::AddNegative(NegativeDef {
            code: "L02".into(),
            category: "local".into(),
            title: "涉密事项".into(),
            description: "涉及国家秘密、工作秘密的事项不得委托承接。".into(),
            terms: vec!["涉密".into()],
            basis: "保守国家秘密法".into(),
        }),
    ]
}

pub async fn demo(
    state: &AppState,
    demo: &mut gongzhi_platform::module::DemoAccounts,
) -> anyhow::Result<()> {
    let _ = demo;
    let db = &state.db.read;
    let Some(district) = territory::Entity::find()
        .filter(territory::Column::Level.eq("district"))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    if category::Entity::find()
        .filter(category::Column::District.eq(district.district_code.clone()))
        .count(db)
        .await?
        > 0
    {
        return Ok(());
    }
    let today = gongzhi_platform::clock::today();
    seed_catalog(state, &district, today).await?;
    seed_licences(state, today).await?;
    // One pending proposal from a street: add an item for the school holidays.
    let street = territory::Entity::find()
        .filter(territory::Column::Level.eq("street"))
        .order_by_asc(territory::Column::Code)
        .all(db)
        .await?;
    if let Some(s) = street.get(1).or(street.first()) {
        let mut proposed = item(&ITEMS[12]);
        proposed.code = "A02-07".into();
        proposed.name = "寒假儿童托管服务".into();
        proposed.description = "寒假期间为双职工家庭儿童提供看护、课业辅导和文体活动。".into();
        change(
            state,
            &district.district_code,
            s,
            &Change::AddItem(proposed),
            "辖区双职工家庭较多，寒假托管需求集中，现有目录只覆盖暑期。",
            "proposed",
        )
        .await?;
    }
    Ok(())
}

/// Categories and two published versions for `district` (also used by the benchmark).
pub async fn seed_catalog(
    state: &AppState,
    district: &territory::Model,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let who = AuditActor::system("demo");
    let txn = state.db.write.begin().await?;
    let now = audit::now();
    for (i, (code, parent, name)) in CATEGORIES.iter().enumerate() {
        category::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            district: Set(district.district_code.clone()),
            code: Set(code.to_string()),
            parent_code: Set(parent.map(str::to_string)),
            name: Set(name.to_string()),
            sort: Set(i as i32),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
    }
    let mut first = Snapshot::default();
    for e in negatives() {
        first
            .apply(&Change::AddNegative(e))
            .map_err(|e| anyhow::anyhow!("demo negative list: {e:?}"))?;
    }
    for r in &ITEMS {
        first
            .apply(&Change::AddItem(item(r)))
            .map_err(|e| anyhow::anyhow!("demo item {}: {e:?}", r.0))?;
    }
    let mut second = first.clone();
    let changes = second_version(&first);
    for c in &changes {
        second
            .apply(c)
            .map_err(|e| anyhow::anyhow!("demo change: {e:?}"))?;
    }
    let start = NaiveDate::from_ymd_opt(chrono::Datelike::year(&today) - 1, 1, 1).expect("date");
    let starts = [start, start + chrono::Months::new(12)];
    let titles = [
        "社会组织承接街道服务职能事项目录（试行）",
        "事项目录（第一次动态调整）",
    ];
    let mut second_id = None;
    for (n, snap) in [&first, &second].into_iter().enumerate() {
        let v = catalog_version::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            district: Set(district.district_code.clone()),
            number: Set(n as i32 + 1),
            title: Set(titles[n].into()),
            notes: Set(String::new()),
            effective_from: Set(starts[n].min(today)),
            published_at: Set(now),
            published_by: Set(None),
        }
        .insert(&txn)
        .await?;
        service::write_snapshot(&txn, v.id, snap).await?;
        second_id = Some(v.id);
    }
    for c in &changes {
        let mut row = service::change_row(
            &district.district_code,
            district,
            c,
            "年度评估后调整：助餐服务提高准入等级，公众号运营改由社区自行承担，新增涉密事项。",
            "applied",
            None,
        );
        row.applied_in = Set(second_id);
        row.insert(&txn).await?;
    }
    audit::record(
        &txn,
        &who,
        audit::Change {
            action: "catalog.demo_seeded",
            entity_type: "catalog_version",
            entity_id: &district.code,
            scope_path: &district.path,
            summary: serde_json::json!({"items": second.items.len(), "versions": 2}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Licences for the registered organizations, so that the strict items have providers.
async fn seed_licences(state: &AppState, today: NaiveDate) -> anyhow::Result<()> {
    let orgs = registry::find(
        &state.db.read,
        Find {
            tiers: &["registered"],
            states: &["active"],
            ..Default::default()
        },
    )
    .await?;
    let now = audit::now();
    let kinds = [
        "social_work_agency",
        "elderly_care_filing",
        "psychological_counselling",
        "food_business",
        "childcare_filing",
    ];
    for (i, o) in orgs.iter().enumerate() {
        if o.legal_form != "service_agency" {
            continue;
        }
        for (k, kind) in kinds.iter().enumerate().take(1 + i % kinds.len()) {
            licence::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                org_id: Set(o.id),
                kind: Set(kind.to_string()),
                number: Set(format!("YT{:04}{:02}", i + 1, k + 1)),
                issued_by: Set("深圳市盐田区民政局".into()),
                valid_from: Set(today - chrono::Duration::days(400)),
                valid_until: Set(Some(today + chrono::Duration::days(700))),
                revoked_on: Set(None),
                recorded_by: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(&state.db.write)
            .await?;
        }
    }
    Ok(())
}

/// A proposal from `node`, entered directly in `state` (proposed or approved), as the demo and
/// the tests need one.
pub async fn change(
    state: &AppState,
    district: &str,
    node: &territory::Model,
    c: &Change,
    reason: &str,
    in_state: &str,
) -> anyhow::Result<change::Model> {
    Ok(
        service::change_row(district, node, c, reason, in_state, None)
            .insert(&state.db.write)
            .await?,
    )
}
