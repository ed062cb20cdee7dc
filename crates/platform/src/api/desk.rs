//! The shared desk and the dashboards' figures: each module reports its own through its
//! manifest (`Module::desk`, `Module::figures`); the platform only gathers them.

use axum::Json;
use axum::extract::State;
use gongzhi_kernel::authz::{Actor, ResourceScope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::authz::TERRITORY_READ;
use crate::entity::territory;
use crate::i18n::{Locale, tr_in};
use crate::module::{DeskItem, Figure, FigureUnit};
use crate::web::{Access, AppError, AppResult, AppState, CurrentActor, Query, RequestCtx, Routes};

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/desk", Access::SignedIn, desk)
        .get(
            "/api/v1/figures",
            Access::Permission(TERRITORY_READ),
            figures,
        )
        .probe_query("node={foreign_street}&year=2026")
}

/// Every module's waiting work for `actor`, in module order; empty lines left off.
pub async fn gather_desk(
    state: &AppState,
    actor: &Actor,
) -> AppResult<Vec<(&'static str, DeskItem)>> {
    let mut out = Vec::new();
    for m in &state.modules {
        for item in m.desk(state, actor).await? {
            if item.count > 0 {
                out.push((m.name(), item));
            }
        }
    }
    Ok(out)
}

/// Every module's figures for `node` and `year`, in module order.
pub async fn gather_figures(
    state: &AppState,
    node: &territory::Model,
    year: i32,
) -> AppResult<Vec<(&'static str, Figure)>> {
    let mut out = Vec::new();
    for m in &state.modules {
        out.extend(
            m.figures(state, node, year)
                .await?
                .into_iter()
                .map(|f| (m.name(), f)),
        );
    }
    Ok(out)
}

/// One kind of waiting work.
#[derive(Serialize, ToSchema)]
pub struct DeskLine {
    /// The module it belongs to.
    pub module: String,
    pub key: String,
    /// What it is, in the reader's language.
    pub label: String,
    pub count: u64,
    /// The page where it is done.
    pub href: String,
    /// A deadline has passed or is near.
    pub urgent: bool,
}

fn desk_line(locale: Locale, module: &str, d: DeskItem) -> DeskLine {
    DeskLine {
        module: module.to_string(),
        label: tr_in(locale, &d.key, &[]),
        key: d.key,
        count: d.count,
        href: d.href,
        urgent: d.urgent,
    }
}

/// What waits for you across every module: reviews, approvals, deadlines, your organization's
/// bids and reports.
#[utoipa::path(get, path = "/api/v1/desk", tag = "desk",
    responses((status = 200, body = Vec<DeskLine>)))]
pub async fn desk(
    State(state): State<AppState>,
    ctx: RequestCtx,
    me: CurrentActor,
) -> AppResult<Json<Vec<DeskLine>>> {
    let items = gather_desk(&state, &me.actor).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|(m, d)| desk_line(ctx.locale, m, d))
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// The district, street or community (and everything below it).
    pub node: String,
    /// Calendar year; this year when omitted.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

/// One figure.
#[derive(Serialize, ToSchema)]
pub struct FigureLine {
    pub module: String,
    pub key: String,
    pub label: String,
    pub value: i64,
    pub unit: FigureUnit,
}

/// The figures of a node for a year.
#[derive(Serialize, ToSchema)]
pub struct Figures {
    pub node: String,
    pub name: String,
    pub year: i32,
    pub figures: Vec<FigureLine>,
}

/// The year a figures request asks about: this year by default, within 2000–2100.
pub fn year_of(asked: Option<i32>) -> AppResult<i32> {
    let year = asked.unwrap_or_else(|| chrono::Datelike::year(&crate::clock::today()));
    if (2000..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(AppError::field("year", "figures.year_range"))
    }
}

/// Figures of every module for a node and a year: organizations, incubation, the catalog, the
/// purchase of services and its money.
#[utoipa::path(get, path = "/api/v1/figures", tag = "desk", params(FiguresQuery),
    responses((status = 200, body = Figures), (status = 404, body = crate::api::Problem),
        (status = 422, body = crate::api::Problem)))]
pub async fn figures(
    State(state): State<AppState>,
    ctx: RequestCtx,
    me: CurrentActor,
    Query(q): Query<FiguresQuery>,
) -> AppResult<Json<Figures>> {
    let node = crate::territory::get(&state.db.read, &q.node)
        .await?
        .ok_or(AppError::NotFound)?;
    state.authorize(
        &me.actor,
        TERRITORY_READ,
        &ResourceScope::territory(node.path.clone()),
    )?;
    let year = year_of(q.year)?;
    let figures = gather_figures(&state, &node, year)
        .await?
        .into_iter()
        .map(|(m, f)| FigureLine {
            module: m.to_string(),
            key: f.key.to_string(),
            label: tr_in(ctx.locale, f.key, &[]),
            value: f.value,
            unit: f.unit,
        })
        .collect();
    Ok(Json(Figures {
        node: node.code,
        name: node.name,
        year,
        figures,
    }))
}
