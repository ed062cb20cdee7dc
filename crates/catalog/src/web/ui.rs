//! Pages of the catalog everyone may read (the district's catalog in any version, an item with
//! its qualified providers, versions and diffs, a street's purchase catalog, a community's
//! public services) and an organization's eligibility with its licences.

use askama::Template;
use axum::extract::State;
use gongzhi_orgs::face::OrgCard;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::entity::territory;
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use gongzhi_platform::ui::{
    Fields, PageCtx, PageError, PageResult, get, typed_form, outcome, render_status, status_of,
};
use gongzhi_platform::web::Form;
use gongzhi_platform::web::{Access, AppError, AppState, CurrentActor, PageParams, Routes};
use gongzhi_platform::web::{Path, Query};
use serde::Deserialize;

use crate::web::api::{self, DiffView, TierCatalogView, VersionView, check_message};
use crate::domain::{ItemDef, LICENCE_KINDS, NegativeDef};
use crate::web::export::{criteria_lines, yuan};
use crate::service::licences::{self, LicenceInput, RevokeInput};
use crate::service::{self as svc, today};
use crate::{CATALOG_READ, service::qualify};

pub fn routes() -> Routes {
    Routes::new()
        .get("/public/catalogs/{district}", Access::Public, catalog_page)
        .get("/public/catalogs/{district}/items/{item_code}", Access::Public, item_page)
        .get("/public/catalogs/{district}/versions", Access::Public, versions_page)
        .get("/public/catalogs/purchase/{street}", Access::Public, purchase_page)
        .get("/public/catalogs/public-services/{community}", Access::Public, services_page)
        .get("/orgs/{org_id}/eligibility", Access::Permission(CATALOG_READ), eligibility_page)
        .post("/orgs/{org_id}/licences", Access::Permission(gongzhi_orgs::ORG_STANDING), licence_post)
        .probe_form("op=record&kind=food_business&number=JY34403080000001&issued_by=&valid_from=2024-01-01&valid_until=")
}

/// An item as lists show it.
pub struct ItemRow {
    pub code: String,
    pub name: String,
    pub tier: String,
    pub purchasable: bool,
    pub unit: String,
    pub price: String,
    pub qualified: String,
}

pub fn item_row(c: &PageCtx, i: &ItemDef, qualified: Option<(usize, usize)>) -> ItemRow {
    let price = match (i.price_min_fen, i.price_max_fen) {
        (None, None) => String::new(),
        (a, b) if a == b => yuan(a),
        (a, b) => format!("{} – {}", yuan(a), yuan(b)),
    };
    ItemRow {
        code: i.code.clone(),
        name: i.name.clone(),
        tier: c.t(&format!("catalog.tier.{}", i.tier)),
        purchasable: i.purchasable,
        unit: i.unit.clone(),
        price,
        qualified: match qualified {
            None => String::new(),
            Some((n, 0)) => n.to_string(),
            Some((n, w)) => c.t_args(
                "catalog.qualified_warned",
                &[("n", n.to_string()), ("w", w.to_string())],
            ),
        },
    }
}

/// A category with its items, for grouped lists.
pub struct Group {
    pub code: String,
    pub name: String,
    /// Second-level categories are indented.
    pub nested: bool,
    pub items: Vec<ItemRow>,
}

pub fn groups(
    c: &PageCtx,
    categories: &[(String, Option<String>, String)],
    items: &[(ItemDef, Option<(usize, usize)>)],
) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    // First-level categories, each followed by its children.
    let top = categories.iter().filter(|(_, p, _)| p.is_none());
    for (code, _, name) in top {
        let children = categories
            .iter()
            .filter(|(_, p, _)| p.as_deref() == Some(code.as_str()));
        for (cc, nested, cn) in
            std::iter::once((code, false, name)).chain(children.map(|(cc, _, cn)| (cc, true, cn)))
        {
            let rows: Vec<ItemRow> = items
                .iter()
                .filter(|(i, _)| &i.category == cc)
                .map(|(i, q)| item_row(c, i, *q))
                .collect();
            if !rows.is_empty() || !nested {
                out.push(Group {
                    code: cc.clone(),
                    name: cn.clone(),
                    nested,
                    items: rows,
                });
            }
        }
    }
    out
}

pub struct VersionRow {
    pub number: i32,
    pub title: String,
    pub effective: String,
    pub in_force: bool,
    pub notes: String,
}

pub fn version_row(c: &PageCtx, v: &VersionView) -> VersionRow {
    VersionRow {
        number: v.number,
        title: v.title.clone(),
        effective: match v.until {
            Some(u) => c.t_args(
                "catalog.effective_range",
                &[
                    ("from", v.effective_from.to_string()),
                    ("until", (u - chrono::Duration::days(1)).to_string()),
                ],
            ),
            None => c.t_args(
                "catalog.effective_from_on",
                &[("from", v.effective_from.to_string())],
            ),
        },
        in_force: v.in_force,
        notes: v.notes.clone(),
    }
}

pub struct NegativeRow {
    pub code: String,
    pub category: String,
    pub title: String,
    pub description: String,
    pub terms: String,
    pub basis: String,
}

pub fn negative_row(c: &PageCtx, e: &NegativeDef) -> NegativeRow {
    NegativeRow {
        code: e.code.clone(),
        category: c.t(&format!("catalog.negative.{}", e.category)),
        title: e.title.clone(),
        description: e.description.clone(),
        terms: e.terms.join("、"),
        basis: e.basis.clone(),
    }
}

#[derive(Template)]
#[template(path = "catalog_public.html")]
struct CatalogPage {
    c: PageCtx,
    district: String,
    district_name: String,
    version: Option<VersionRow>,
    versions: Vec<VersionRow>,
    groups: Vec<Group>,
    negatives: Vec<NegativeRow>,
    streets: Vec<(String, String)>,
    communities: Vec<(String, String)>,
    query: String,
}

#[derive(Deserialize)]
struct VersionParam {
    version: Option<i32>,
}

async fn children(
    state: &AppState,
    parent_path: &str,
    level: &str,
) -> Result<Vec<(String, String)>, PageError> {
    Ok(territory::Entity::find()
        .filter(territory::Column::Path.starts_with(parent_path))
        .filter(territory::Column::Level.eq(level))
        .filter(territory::Column::Status.eq("active"))
        .order_by_asc(territory::Column::Code)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|n| (n.code, n.name))
        .collect())
}

fn category_triples(v: &[api::CategoryView]) -> Vec<(String, Option<String>, String)> {
    v.iter()
        .map(|c| (c.code.clone(), c.parent_code.clone(), c.name.clone()))
        .collect()
}

async fn catalog_page(
    State(state): State<AppState>,
    c: PageCtx,
    Path(district): Path<String>,
    Query(q): Query<VersionParam>,
) -> PageResult {
    let l = api::load(&state, &district, q.version).await?;
    let key = &l.district.district_code;
    let counts = qualify::counts(&state.db.read, key, &l.snap, today()).await?;
    let cats = svc::categories(&state.db.read, key).await?;
    let cats: Vec<(String, Option<String>, String)> = cats
        .into_iter()
        .map(|k| (k.code, k.parent_code, k.name))
        .collect();
    let items: Vec<(ItemDef, Option<(usize, usize)>)> = l
        .snap
        .items
        .values()
        .map(|i| {
            let n = counts.get(&i.code).copied().unwrap_or_default();
            (i.clone(), Some((n.qualified, n.warned)))
        })
        .collect();
    let versions: Vec<VersionRow> = l
        .all
        .iter()
        .map(|v| version_row(&c, &api::version_view(&l.all, v)))
        .collect();
    let page = CatalogPage {
        groups: groups(&c, &cats, &items),
        version: l
            .version
            .as_ref()
            .map(|v| version_row(&c, &api::version_view(&l.all, v))),
        versions,
        negatives: l
            .snap
            .negatives
            .values()
            .map(|e| negative_row(&c, e))
            .collect(),
        streets: children(&state, &l.district.path, "street").await?,
        communities: children(&state, &l.district.path, "community").await?,
        query: l
            .version
            .as_ref()
            .map(|v| format!("?version={}", v.number))
            .unwrap_or_default(),
        district: l.district.code,
        district_name: l.district.name,
        c,
    };
    Ok(render_status(axum::http::StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "catalog_item.html")]
struct ItemPage {
    c: PageCtx,
    district: String,
    district_name: String,
    version: i32,
    item: ItemRow,
    category: String,
    description: String,
    standard: String,
    indicators: Vec<(String, String)>,
    criteria: Vec<String>,
    excluded_by: Option<String>,
    total: usize,
    providers: Vec<(uuid::Uuid, String, String, String)>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct ItemParams {
    version: Option<i32>,
    cursor: Option<String>,
}

async fn item_page(
    State(state): State<AppState>,
    c: PageCtx,
    Path((district, code)): Path<(String, String)>,
    Query(q): Query<ItemParams>,
) -> PageResult {
    let page = PageParams {
        limit: Some(50),
        cursor: q.cursor.clone(),
    };
    let l = api::load(&state, &district, q.version).await?;
    let p = api::providers_of(&state, &l, &code, &page).await?;
    let category = svc::categories(&state.db.read, &l.district.district_code)
        .await?
        .into_iter()
        .find(|k| k.code == p.item.category)
        .map(|k| format!("{} {}", k.code, k.name))
        .unwrap_or_else(|| p.item.category.clone());
    let excluded_by = l
        .snap
        .exclusion(&p.item)
        .map(|(e, t)| format!("{} {} ({t})", e.code, e.title));
    let next = p.page.next_cursor.as_ref().map(|cur| {
        format!(
            "/public/catalogs/{}/items/{}?version={}&cursor={}",
            l.district.code,
            p.item.code,
            p.version,
            gongzhi_platform::ui::urlencode(cur)
        )
    });
    let providers = p
        .page
        .items
        .iter()
        .map(|r| {
            (
                r.org_id,
                r.name.clone(),
                r.grade.map(|g| format!("{g}A")).unwrap_or_default(),
                r.warnings.join("；"),
            )
        })
        .collect();
    let out = ItemPage {
        item: item_row(&c, &p.item, None),
        category,
        description: p.item.description.clone(),
        standard: p.item.service_standard.clone(),
        indicators: p
            .item
            .indicators
            .iter()
            .map(|i| (i.name.clone(), i.target.clone()))
            .collect(),
        criteria: criteria_lines(&p.item.criteria),
        excluded_by,
        total: p.total,
        providers,
        next,
        version: p.version,
        district: l.district.code,
        district_name: l.district.name,
        c,
    };
    Ok(render_status(axum::http::StatusCode::OK, &out))
}

#[derive(Template)]
#[template(path = "catalog_versions.html")]
struct VersionsPage {
    c: PageCtx,
    district: String,
    district_name: String,
    versions: Vec<VersionRow>,
    from: i32,
    to: i32,
    diff: Option<DiffRows>,
}

pub struct DiffRows {
    pub title: String,
    pub added: Vec<ItemRow>,
    pub retired: Vec<ItemRow>,
    /// Code, name, the fields that changed.
    pub modified: Vec<(String, String, String)>,
    pub negatives_added: Vec<NegativeRow>,
    pub negatives_removed: Vec<NegativeRow>,
    pub empty: bool,
}

pub fn diff_rows(c: &PageCtx, d: &crate::domain::Diff, title: String) -> DiffRows {
    DiffRows {
        title,
        added: d.added.iter().map(|i| item_row(c, i, None)).collect(),
        retired: d.retired.iter().map(|i| item_row(c, i, None)).collect(),
        modified: d
            .modified
            .iter()
            .map(|m| {
                (
                    m.code.clone(),
                    m.name.clone(),
                    m.fields
                        .iter()
                        .map(|f| c.t(&format!("catalog.field.{f}")))
                        .collect::<Vec<_>>()
                        .join("、"),
                )
            })
            .collect(),
        negatives_added: d
            .negatives_added
            .iter()
            .map(|e| negative_row(c, e))
            .collect(),
        negatives_removed: d
            .negatives_removed
            .iter()
            .map(|e| negative_row(c, e))
            .collect(),
        empty: d.is_empty(),
    }
}

#[derive(Deserialize)]
struct DiffParams {
    from: Option<i32>,
    to: Option<i32>,
}

async fn versions_page(
    State(state): State<AppState>,
    c: PageCtx,
    Path(district): Path<String>,
    Query(q): Query<DiffParams>,
) -> PageResult {
    let d = svc::district_node(&state.db.read, &district).await?;
    let all = svc::versions(&state.db.read, &d.district_code).await?;
    let last = all.last().map_or(0, |v| v.number);
    let to = q.to.unwrap_or(last);
    let from = q.from.unwrap_or((to - 1).max(1));
    let diff = if from > 0 && to > 0 && from != to {
        let DiffView {
            from: a,
            to: b,
            diff,
        } = api::diff_of(&state, &d.code, from, to).await?;
        let title = c.t_args(
            "catalog.diff_title",
            &[("from", a.number.to_string()), ("to", b.number.to_string())],
        );
        Some(diff_rows(&c, &diff, title))
    } else {
        None
    };
    let page = VersionsPage {
        versions: all
            .iter()
            .rev()
            .map(|v| version_row(&c, &api::version_view(&all, v)))
            .collect(),
        from,
        to,
        diff,
        district: d.code,
        district_name: d.name,
        c,
    };
    Ok(render_status(axum::http::StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "catalog_tier.html")]
struct TierPage {
    c: PageCtx,
    heading: String,
    help: String,
    district: String,
    version: Option<VersionRow>,
    groups: Vec<Group>,
}

fn tier_page(c: PageCtx, v: TierCatalogView, heading_key: &str, help_key: &str) -> PageResult {
    let cats = category_triples(&v.categories);
    let items: Vec<(ItemDef, Option<(usize, usize)>)> = v
        .items
        .into_iter()
        .map(|i| {
            let q = i
                .qualified
                .map(|n| (n, i.qualified_with_warning.unwrap_or(0)));
            (i.item, q)
        })
        .collect();
    let page = TierPage {
        heading: c.t_args(heading_key, &[("name", v.name.clone())]),
        help: c.t(help_key),
        groups: groups(&c, &cats, &items),
        version: v.version.as_ref().map(|x| version_row(&c, x)),
        district: v.district,
        c,
    };
    Ok(render_status(axum::http::StatusCode::OK, &page))
}

async fn purchase_page(
    State(state): State<AppState>,
    c: PageCtx,
    Path(street): Path<String>,
) -> PageResult {
    let v = api::purchase_catalog(&state, &street).await?;
    tier_page(c, v, "catalog.purchase_title", "catalog.purchase_help")
}

async fn services_page(
    State(state): State<AppState>,
    c: PageCtx,
    Path(community): Path<String>,
) -> PageResult {
    let v = api::public_service_catalog(&state, &community).await?;
    tier_page(c, v, "catalog.services_title", "catalog.services_help")
}

// ---- an organization's eligibility ---------------------------------------------------------------

pub struct EligibilityRow {
    pub code: String,
    pub name: String,
    /// Failed criteria (blocking first) or warnings, in words.
    pub lacks: Vec<String>,
    pub warnings: Vec<String>,
}

pub struct LicenceRow {
    pub id: uuid::Uuid,
    pub kind: String,
    pub number: String,
    pub valid: String,
    pub revoked: bool,
    pub version: i32,
}

#[derive(Template)]
#[template(path = "org_eligibility.html")]
struct EligibilityPage {
    c: PageCtx,
    o: OrgCard,
    district: String,
    version: Option<i32>,
    qualified: Vec<EligibilityRow>,
    others: Vec<EligibilityRow>,
    licences: Vec<LicenceRow>,
    can_record: bool,
    kinds: Vec<(&'static str, String)>,
    today: String,
    error: Option<String>,
}

async fn eligibility_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(org_id): Path<String>,
) -> PageResult {
    eligibility_view(&state, c, &me, &org_id, None).await
}

async fn eligibility_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    org_id: &str,
    error: Option<String>,
) -> PageResult {
    let o = api::readable_org(state, &me.actor, org_id).await?;
    let scope = o.resource();
    let can_record = state
        .policy
        .authorize(&me.actor, gongzhi_orgs::ORG_STANDING, &scope)
        .is_ok();
    let (version, rows) = api::eligibility_of(state, &o).await?;
    let (mut qualified, mut others) = (Vec::new(), Vec::new());
    for (i, e) in rows {
        let failed = |blocking: bool| -> Vec<String> {
            e.checks
                .iter()
                .filter(|k| !k.passed && k.blocking == blocking)
                .map(check_message)
                .collect()
        };
        let row = EligibilityRow {
            code: i.code.clone(),
            name: i.name.clone(),
            lacks: failed(true),
            warnings: failed(false),
        };
        if e.qualified {
            qualified.push(row);
        } else {
            others.push(row);
        }
    }
    let licences = licences::list(&state.db.read, o.id)
        .await?
        .into_iter()
        .map(|l| LicenceRow {
            id: l.id,
            kind: c.t(&format!("catalog.licence.{}", l.kind)),
            number: l.number,
            valid: match (l.valid_until, l.revoked_on) {
                (_, Some(r)) => c.t_args("catalog.licence_revoked_on", &[("on", r.to_string())]),
                (Some(u), None) => format!("{} – {u}", l.valid_from),
                (None, None) => format!("{} –", l.valid_from),
            },
            revoked: l.revoked_on.is_some(),
            version: l.version,
        })
        .collect();
    let page = EligibilityPage {
        kinds: LICENCE_KINDS
            .iter()
            .map(|k| (*k, c.t(&format!("catalog.licence.{k}"))))
            .collect(),
        district: o.scope_district.clone(),
        today: today().to_string(),
        version,
        qualified,
        others,
        licences,
        can_record,
        o,
        c,
        error: error.clone(),
    };
    Ok(render_status(status_of(&error), &page))
}

async fn licence_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(org_id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let who = AuditActor::from(&me);
    let result = match get(&f, "op") {
        "record" => {
            match typed_form::<LicenceInput>(&f) {
                Ok(i) => licences::record(&state, &me.actor, &who, &org_id, &i)
                    .await
                    .map(|_| "licence_recorded"),
                Err(e) => Err(e),
            }
        }
        "revoke" => match typed_form::<RevokeInput>(&f) {
            Ok(input) => {
                // The licence must belong to this organization's page.
                let l = licences::get(&state, get(&f, "licence_id")).await?;
                if l.org_id.to_string() != org_id {
                    return Err(AppError::NotFound.into());
                }
                licences::revoke(
                    &state,
                    &me.actor,
                    &who,
                    get(&f, "licence_id"),
                    &input,
                )
                .await
                .map(|_| "licence_revoked")
            }
            Err(e) => Err(e),
        },
        _ => Err(AppError::field("op", "catalog.kind_unknown")),
    };
    let (flash, result) = match result {
        Ok(k) => (k, Ok(())),
        Err(e) => ("", Err(e)),
    };
    let to = format!("/orgs/{org_id}/eligibility?done={flash}");
    let (st, m, id) = (&state, &me, org_id.clone());
    outcome(c, result, to, |c, error| async move {
        eligibility_view(st, c, m, &id, error).await
    })
    .await
}

pub fn parse_date(f: &Fields, k: &str) -> Result<chrono::NaiveDate, AppError> {
    get(f, k)
        .parse()
        .map_err(|_| AppError::field(k, "catalog.date_invalid"))
}
