//! Bulk import of existing organizations from CSV or XLSX: every row checked, errors reported
//! per row (`rows.<n>.<field>`), all rows saved or none.

use std::collections::HashSet;

use gongzhi_kernel::authz::{Actor, ResourceScope};
use gongzhi_kernel::{FieldError, ValidationErrors};
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use gongzhi_platform::tabular::{column, data_rows};
use gongzhi_platform::territory as territory_svc;
use gongzhi_platform::web::{AppError, AppResult, AppState};
use serde_json::json;

use crate::ORG_REGISTER;
use crate::domain::{self, OrgInput, Tier};
use crate::store::entity::{org, org_category};
use crate::service;
use crate::domain::OrgState;

pub const MAX_ROWS: usize = 5_000;

/// (field, accepted header names). The first three and the territory are required.
pub const COLUMNS: [(&str, &[&str]); 17] = [
    ("name", &["name", "名称", "组织名称"]),
    ("legal_form", &["legal_form", "组织形式", "类型"]),
    ("tier", &["tier", "管理层级", "层级"]),
    (
        "territory",
        &["territory", "所属区划代码", "区划代码", "社区代码"],
    ),
    ("uscc", &["uscc", "统一社会信用代码"]),
    ("categories", &["categories", "类别", "分类"]),
    ("founded_on", &["founded_on", "成立日期"]),
    ("registered_on", &["registered_on", "登记日期"]),
    ("supervising_unit", &["supervising_unit", "业务主管单位"]),
    (
        "person_in_charge",
        &["person_in_charge", "负责人", "法定代表人"],
    ),
    (
        "person_in_charge_id",
        &["person_in_charge_id", "负责人身份证号", "身份证号"],
    ),
    ("contact_phone", &["contact_phone", "联系电话"]),
    ("staff_count", &["staff_count", "工作人员数"]),
    (
        "social_worker_count",
        &["social_worker_count", "持证社工数"],
    ),
    ("service_areas", &["service_areas", "服务领域"]),
    ("target_groups", &["target_groups", "服务对象"]),
    ("party_org", &["party_org", "党组织情况"]),
];

fn code_of(value: &str, pairs: &[(&str, &str)]) -> String {
    let v = value.trim();
    pairs
        .iter()
        .find(|(label, _)| *label == v)
        .map(|(_, code)| code.to_string())
        .unwrap_or_else(|| v.to_string())
}

fn date(v: &str) -> Result<Option<chrono::NaiveDate>, ()> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"] {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(v, f) {
            return Ok(Some(d));
        }
    }
    Err(())
}

/// The table's rows as records, or the header problem.
pub fn rows_of(
    table: &[Vec<String>],
    categories: &[org_category::Model],
    default_territory: Option<&str>,
    errors: &mut ValidationErrors,
) -> AppResult<Vec<(usize, OrgInput)>> {
    let header = &table[0];
    let cols: Vec<(&str, Option<usize>)> = COLUMNS
        .iter()
        .map(|(f, names)| (*f, column(header, names)))
        .collect();
    let at = |f: &str| cols.iter().find(|(n, _)| *n == f).and_then(|(_, i)| *i);
    if ["name", "legal_form", "tier"]
        .iter()
        .any(|f| at(f).is_none())
        || (at("territory").is_none() && default_territory.is_none())
    {
        return Err(AppError::field("file", "org.import_header"));
    }
    let mut out = Vec::new();
    for (n, r) in data_rows(table, MAX_ROWS)? {
        let get = |f: &str| {
            at(f)
                .and_then(|i| r.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let opt = |f: &str| Some(get(f)).filter(|s| !s.is_empty());
        let mut bad = |field: &str, key: &'static str| {
            errors.push(FieldError::new(format!("rows.{n}.{field}"), key));
        };
        let mut day = |field: &str| match date(&get(field)) {
            Ok(d) => d,
            Err(()) => {
                bad(field, "orgs.not_a_date");
                None
            }
        };
        let founded_on = day("founded_on");
        let registered_on = day("registered_on");
        let mut count = |field: &str| {
            let s = get(field);
            if s.is_empty() {
                return None;
            }
            match s.parse::<i32>() {
                Ok(c) => Some(c),
                Err(_) => {
                    errors.push(FieldError::new(
                        format!("rows.{n}.{field}"),
                        "orgs.not_a_number",
                    ));
                    None
                }
            }
        };
        let staff_count = count("staff_count");
        let social_worker_count = count("social_worker_count");
        let cats = get("categories")
            .split(['、', ',', ';', '，', '；'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                categories
                    .iter()
                    .find(|c| c.code == s || c.name_zh == s || c.name_en == s)
                    .map(|c| c.code.clone())
                    .unwrap_or_else(|| s.to_string())
            })
            .collect();
        out.push((
            n,
            OrgInput {
                name: get("name"),
                legal_form: code_of(
                    &get("legal_form"),
                    &[
                        ("社会团体", "association"),
                        ("社会服务机构", "service_agency"),
                        ("民办非企业单位", "service_agency"),
                        ("基金会", "foundation"),
                        ("社区社会组织", "community_org"),
                    ],
                ),
                tier: code_of(
                    &get("tier"),
                    &[
                        ("登记", "registered"),
                        ("备案", "filed"),
                        ("街道备案", "filed"),
                        ("指导", "guided"),
                        ("社区指导", "guided"),
                    ],
                ),
                uscc: opt("uscc"),
                territory: opt("territory")
                    .or_else(|| default_territory.map(str::to_string))
                    .unwrap_or_default(),
                categories: cats,
                founded_on,
                registered_on,
                service_areas: opt("service_areas"),
                target_groups: opt("target_groups"),
                supervising_unit: opt("supervising_unit"),
                person_in_charge: opt("person_in_charge"),
                person_in_charge_id: opt("person_in_charge_id"),
                contact_phone: opt("contact_phone"),
                staff_count,
                social_worker_count,
                party_org: opt("party_org").map(|p| {
                    code_of(
                        &p,
                        &[
                            ("未建立", "none"),
                            ("单独组建", "independent"),
                            ("联合组建", "joint"),
                            ("选派党建指导员", "instructor"),
                        ],
                    )
                }),
            },
        ));
    }
    Ok(out)
}

/// Import the table: registered organizations become active, community ones filed. Rows
/// without a territory go to `default_territory` when one is given.
pub async fn import(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    table: &[Vec<String>],
    default_territory: Option<&str>,
) -> AppResult<Vec<org::Model>> {
    let categories = org_category::Entity::find().all(&state.db.read).await?;
    let known: Vec<String> = categories.iter().map(|c| c.code.clone()).collect();
    if let Some(code) = default_territory {
        let node = territory_svc::get(&state.db.read, code)
            .await?
            .ok_or_else(|| AppError::field("territory", "territory.not_found"))?;
        state.authorize(actor, ORG_REGISTER, &ResourceScope::territory(node.path))?;
    }
    let mut errors = ValidationErrors::new();
    let rows = rows_of(table, &categories, default_territory, &mut errors)?;
    let today = gongzhi_platform::clock::today();
    let mut seen = HashSet::new();
    let mut checked = Vec::new();
    for (n, input) in rows {
        let v = match domain::validate(&input, today, &known) {
            Ok(v) => v,
            Err(e) => {
                for f in e.0 {
                    errors.push(FieldError {
                        field: format!("rows.{n}.{}", f.field),
                        ..f
                    });
                }
                continue;
            }
        };
        if let Some(u) = &v.uscc
            && !seen.insert(u.as_str().to_string())
        {
            errors.add(format!("rows.{n}.uscc"), "org.uscc_duplicate_in_file");
        }
        let node = territory_svc::get(&state.db.read, &v.territory).await?;
        match node {
            None => errors.add(format!("rows.{n}.territory"), "territory.not_found"),
            Some(node) if node.status != "active" => {
                errors.add(format!("rows.{n}.territory"), "territory.inactive")
            }
            Some(node) => {
                // A row outside the importer's reach refuses the whole file.
                state.authorize(
                    actor,
                    ORG_REGISTER,
                    &ResourceScope::territory(node.path.clone()),
                )?;
                checked.push((n, v, node))
            }
        }
    }
    let usccs: Vec<String> = checked
        .iter()
        .filter_map(|(_, v, _)| v.uscc.as_ref().map(|u| u.as_str().to_string()))
        .collect();
    let taken: HashSet<String> = org::Entity::find()
        .filter(org::Column::Uscc.is_in(usccs))
        .all(&state.db.read)
        .await?
        .into_iter()
        .filter_map(|o| o.uscc)
        .collect();
    for (n, v, _) in &checked {
        if v.uscc.as_ref().is_some_and(|u| taken.contains(u.as_str())) {
            errors.add(format!("rows.{n}.uscc"), "org.uscc_taken");
        }
    }
    errors.into_result()?;
    let txn = state.db.write.begin().await?;
    let mut created = Vec::new();
    for (_, v, node) in &checked {
        let s = if v.tier == Tier::Registered {
            OrgState::ACTIVE
        } else {
            OrgState::FILED
        };
        created.push(service::insert(&txn, who, v, node, s).await?);
    }
    let scope = created
        .first()
        .map(|o| o.scope_district.clone())
        .unwrap_or_default();
    audit::record(
        &txn,
        who,
        Change {
            action: "org.import",
            entity_type: "org",
            entity_id: "import",
            scope_path: &scope,
            summary: json!({"rows": created.len()}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_in_the_usual_spellings() {
        let d = chrono::NaiveDate::from_ymd_opt(2020, 1, 5);
        for s in ["2020-01-05", "2020/1/5", "2020年1月5日", "2020.01.05"] {
            assert_eq!(super::date(s), Ok(d), "{s}");
        }
        assert_eq!(super::date(""), Ok(None));
        assert!(super::date("去年").is_err());
    }
}
