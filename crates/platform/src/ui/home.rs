//! The home page every signed-in user lands on (the shared desk of every module's waiting work,
//! the node's figures and its territory at a glance) and the public portal.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use gongzhi_kernel::Money;
use gongzhi_kernel::authz::{Actor, ResourceScope, Scope};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{PageCtx, PageError, crumbs_for, render};
use crate::api::audit::{AuditFilter, query as audit_query};
use crate::api::desk::{gather_desk, gather_figures};
use crate::authz::{AUDIT_READ, TERRITORY_READ, scope_condition};
use crate::entity::{hub, role_assignment, territory};
use crate::module::FigureUnit;
use crate::territory as territory_svc;
use crate::web::{Access, AppResult, AppState, CurrentActor, PageParams, Query, Routes};

type PageResult = Result<axum::response::Response, PageError>;

pub fn routes() -> Routes {
    Routes::new()
        .get("/", Access::SignedIn, home)
        .get("/public", Access::Public, portal)
}

pub struct NodeSummary {
    pub code: String,
    pub name: String,
    pub level_key: String,
}

pub struct ChildRow {
    pub code: String,
    pub name: String,
    pub accounts: i64,
}

/// A line of the shared desk, ready to show.
pub struct DeskRow {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub urgent: bool,
}

/// The node's territory at a glance, for those who may read it.
#[derive(Default)]
struct TerritoryFacts {
    stats: Vec<(&'static str, i64)>,
    role_counts: Vec<(String, i64)>,
    children: Vec<ChildRow>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    c: PageCtx,
    desk: Vec<DeskRow>,
    node: Option<NodeSummary>,
    year: i32,
    figures_title: String,
    figures: Vec<(String, String)>,
    stats: Vec<(&'static str, i64)>,
    role_counts: Vec<(String, i64)>,
    chart_json: String,
    children: Vec<ChildRow>,
    hubs: Vec<(String, String)>,
    can_audit: bool,
    recent: Vec<(String, String, String, String)>,
    my_roles: Vec<String>,
}

fn subtree(col: impl sea_orm::sea_query::IntoColumnRef + Clone, path: &str) -> sea_orm::Condition {
    scope_condition(&gongzhi_kernel::authz::ScopeFilter::subtree(path), col)
}

/// Display in Asia/Shanghai (UTC+8, no daylight saving).
pub fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[derive(serde::Deserialize)]
struct HomeQuery {
    /// The year of the figures; this year by default.
    year: Option<i32>,
}

async fn home(
    State(state): State<AppState>,
    mut c: PageCtx,
    me: CurrentActor,
    Query(q): Query<HomeQuery>,
) -> PageResult {
    let desk = gather_desk(&state, &me.actor)
        .await?
        .into_iter()
        .map(|(_, d)| DeskRow {
            label: c.t(&d.key),
            count: d.count,
            href: d.href,
            urgent: d.urgent,
        })
        .collect();
    let my_roles = my_roles(&state, &c, &me.actor).await?;
    let year = crate::api::desk::year_of(q.year)
        .unwrap_or_else(|_| chrono::Datelike::year(&crate::clock::today()));
    let node = match &c.scope_code {
        Some(code) => territory_svc::get(&state.db.read, code).await?,
        None => None,
    };
    let Some(node) = node else {
        return Ok(render(&Dashboard {
            c,
            desk,
            node: None,
            year,
            figures_title: String::new(),
            figures: vec![],
            stats: vec![],
            role_counts: vec![],
            chart_json: "{}".into(),
            children: vec![],
            hubs: vec![],
            can_audit: false,
            recent: vec![],
            my_roles,
        }));
    };
    let res = ResourceScope::territory(node.path.clone());
    let hubs = hubs_at(&state, &c, &node).await?;
    let (figures, facts) = if state.authorize(&me.actor, TERRITORY_READ, &res).is_ok() {
        (
            figures(&state, &c, &node, year).await?,
            territory_facts(&state, &c, &node).await?,
        )
    } else {
        (Vec::new(), TerritoryFacts::default())
    };
    let chart_json = serde_json::json!({
        "name": c.t("dashboard.accounts"),
        "labels": facts.role_counts.iter().map(|(l, _)| l).collect::<Vec<_>>(),
        "values": facts.role_counts.iter().map(|(_, n)| n).collect::<Vec<_>>(),
    })
    .to_string()
    .replace('<', "\\u003c");
    let can_audit = state.authorize(&me.actor, AUDIT_READ, &res).is_ok();
    let recent = if can_audit {
        recent(&state, &me.actor, &node).await?
    } else {
        Vec::new()
    };
    let c_title = c.t_args("figures.title", &[("year", year.to_string())]);
    c.crumbs = crumbs_for(&state, &node.path).await?;
    Ok(render(&Dashboard {
        c,
        desk,
        node: Some(NodeSummary {
            code: node.code,
            name: node.name,
            level_key: format!("level.{}", node.level),
        }),
        year,
        figures_title: c_title,
        figures,
        stats: facts.stats,
        role_counts: facts.role_counts,
        chart_json,
        children: facts.children,
        hubs,
        can_audit,
        recent,
        my_roles,
    }))
}

/// "Role · place" for each territory role the user holds.
async fn my_roles(state: &AppState, c: &PageCtx, actor: &Actor) -> AppResult<Vec<String>> {
    let codes = actor.grants.iter().filter_map(|g| match &g.scope {
        Scope::Territory { code, .. } => Some(code.clone()),
        _ => None,
    });
    let nodes: HashMap<String, String> = territory::Entity::find()
        .filter(territory::Column::Code.is_in(codes))
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|n| (n.code, n.name))
        .collect();
    Ok(actor
        .grants
        .iter()
        .filter_map(|g| match &g.scope {
            Scope::Territory { code, .. } => Some(format!(
                "{} · {}",
                c.t(&format!("role.name.{}", g.role.as_str())),
                nodes.get(code).cloned().unwrap_or_default()
            )),
            _ => None,
        })
        .collect())
}

/// Every module's figures for the node this year, formatted by unit.
async fn figures(
    state: &AppState,
    c: &PageCtx,
    node: &territory::Model,
    year: i32,
) -> AppResult<Vec<(String, String)>> {
    Ok(gather_figures(state, node, year)
        .await?
        .into_iter()
        .map(|(_, f)| {
            let value = match f.unit {
                FigureUnit::Count => f.value.to_string(),
                FigureUnit::Fen => Money::from_fen(f.value).to_string(),
                FigureUnit::Percent => format!("{}%", f.value),
            };
            (c.t(f.key), value)
        })
        .collect())
}

async fn hubs_at(
    state: &AppState,
    c: &PageCtx,
    node: &territory::Model,
) -> AppResult<Vec<(String, String)>> {
    Ok(hub::Entity::find()
        .filter(hub::Column::TerritoryCode.eq(node.code.clone()))
        .order_by_asc(hub::Column::Name)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|h| (h.name, c.t(&format!("hub.kind.{}", h.kind))))
        .collect())
}

/// Nodes, hubs and accounts below the node, accounts by role and per child.
async fn territory_facts(
    state: &AppState,
    c: &PageCtx,
    node: &territory::Model,
) -> AppResult<TerritoryFacts> {
    let db = &state.db.read;
    let nodes_below = territory::Entity::find()
        .filter(subtree(
            (territory::Entity, territory::Column::Path),
            &node.path,
        ))
        .count(db)
        .await?
        - 1;
    let hubs_below = hub::Entity::find()
        .filter(subtree((hub::Entity, hub::Column::Path), &node.path))
        .count(db)
        .await?;
    let live = || {
        role_assignment::Entity::find()
            .filter(subtree(
                (role_assignment::Entity, role_assignment::Column::ScopePath),
                &node.path,
            ))
            .filter(role_assignment::Column::RevokedAt.is_null())
    };
    let accounts: i64 = live()
        .select_only()
        .column_as(
            Expr::col(role_assignment::Column::UserId).count_distinct(),
            "n",
        )
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0);
    let counts: Vec<(String, i64)> = live()
        .select_only()
        .column(role_assignment::Column::Role)
        .column_as(role_assignment::Column::Id.count(), "n")
        .group_by(role_assignment::Column::Role)
        .into_tuple()
        .all(db)
        .await?;
    let children = children_of(state, node).await?;
    Ok(TerritoryFacts {
        stats: vec![
            ("dashboard.children_count", children.len() as i64),
            ("dashboard.nodes_below", nodes_below as i64),
            ("dashboard.hubs", hubs_below as i64),
            ("dashboard.accounts", accounts),
        ],
        role_counts: counts
            .into_iter()
            .map(|(r, n)| (c.t(&format!("role.name.{r}")), n))
            .collect(),
        children,
    })
}

/// The node's children with the accounts below each, in one grouped query.
async fn children_of(state: &AppState, node: &territory::Model) -> AppResult<Vec<ChildRow>> {
    let db = &state.db.read;
    let kids = territory::Entity::find()
        .filter(territory::Column::ParentCode.eq(node.code.clone()))
        .order_by_asc(territory::Column::Path)
        .all(db)
        .await?;
    // Every child's path has the same length.
    let per_child: HashMap<String, i64> = match kids.first() {
        Some(k) => {
            // An integer we computed, inlined: `$1` twice is one named slot on SQLite.
            let prefix = format!("substr(scope_path, 1, {})", k.path.len());
            role_assignment::Entity::find()
                .select_only()
                .column_as(Expr::cust(prefix.clone()), "p")
                .column_as(
                    Expr::col(role_assignment::Column::UserId).count_distinct(),
                    "n",
                )
                .filter(subtree(
                    (role_assignment::Entity, role_assignment::Column::ScopePath),
                    &node.path,
                ))
                .filter(role_assignment::Column::ScopePath.ne(node.path.clone()))
                .filter(role_assignment::Column::RevokedAt.is_null())
                .group_by(Expr::cust(prefix.clone()))
                .into_tuple::<(String, i64)>()
                .all(db)
                .await?
                .into_iter()
                .collect()
        }
        None => HashMap::new(),
    };
    Ok(kids
        .into_iter()
        .map(|k| ChildRow {
            accounts: per_child.get(&k.path).copied().unwrap_or(0),
            code: k.code,
            name: k.name,
        })
        .collect())
}

/// The node's last eight audited changes.
async fn recent(
    state: &AppState,
    actor: &Actor,
    node: &territory::Model,
) -> AppResult<Vec<(String, String, String, String)>> {
    let q = AuditFilter {
        scope: Some(node.code.clone()),
        ..Default::default()
    };
    let eight = PageParams {
        limit: Some(8),
        cursor: None,
    };
    Ok(audit_query(state, actor, &q, &eight)
        .await?
        .items
        .into_iter()
        .map(|r| (local_time(r.at), r.actor, r.action, r.entity_id))
        .collect())
}

// ---- the public portal -------------------------------------------------------------------------

pub struct PortalRow {
    pub title: String,
    pub about: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage {
    c: PageCtx,
    links: Vec<PortalRow>,
}

/// What every module makes public, for anyone: the district's links in one place.
async fn portal(State(state): State<AppState>, c: PageCtx) -> PageResult {
    let district = territory::Entity::find()
        .filter(territory::Column::Level.eq("district"))
        .filter(territory::Column::Status.eq("active"))
        .order_by_asc(territory::Column::Code)
        .one(&state.db.read)
        .await?
        .map(|d| d.code)
        .unwrap_or_default();
    let mut links: Vec<_> = state.modules.iter().flat_map(|m| m.portal()).collect();
    links.sort_by_key(|l| l.order);
    let links = links
        .into_iter()
        // A page of the district needs one to exist.
        .filter(|l| !(l.href.contains("{district}") && district.is_empty()))
        .map(|l| PortalRow {
            title: c.t(l.title),
            about: c.t(l.about),
            href: l.href.replace("{district}", &district),
        })
        .collect();
    Ok(render(&PortalPage { c, links }))
}
