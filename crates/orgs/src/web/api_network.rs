//! JSON API of hub organizations, federations and their members.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::sea_orm::EntityTrait;
use gongzhi_platform::utoipa::{self, OpenApi, ToSchema};
use gongzhi_platform::web::Path;
use gongzhi_platform::web::{Access, ApiJson, AppError, AppResult, AppState, CurrentActor, Routes};
use serde::Serialize;

use crate::store::entity::{org, org_membership};
use crate::service::network::{self, DesignationInput, JoinInput, LeaveInput, Link, Side};
use crate::{ORG_EDIT, ORG_READ, ORG_REGISTER};

pub fn routes() -> Routes {
    Routes::new()
        .post(
            "/api/v1/orgs/{org_id}/designation",
            Access::Permission(ORG_REGISTER),
            designate,
        )
        .probe_json(r#"{"kind":"hub_org","reach":"{foreign_street}","version":1}"#)
        .get(
            "/api/v1/orgs/{hub_org_id}/members",
            Access::Permission(ORG_READ),
            members,
        )
        .post(
            "/api/v1/orgs/{hub_org_id}/members",
            Access::Permission(ORG_EDIT),
            join,
        )
        .probe_json(r#"{"member":"{member_org_id}","joined_on":"2025-03-01"}"#)
        .get(
            "/api/v1/orgs/{org_id}/memberships",
            Access::Permission(ORG_READ),
            memberships,
        )
        .post(
            "/api/v1/org-memberships/{membership_id}/end",
            Access::Permission(ORG_EDIT),
            leave,
        )
        .probe_json(r#"{"left_on":"2025-06-30","reason":"探针","version":1}"#)
        .get(
            "/api/v1/public/orgs/{org_id}/members",
            Access::Public,
            public_members,
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(designate, members, join, memberships, leave, public_members),
    components(schemas(
        DesignationInput,
        JoinInput,
        LeaveInput,
        MembershipView,
        MembersView,
        PublicMemberView
    ))
)]
struct NetworkApi;

pub fn openapi() -> utoipa::openapi::OpenApi {
    NetworkApi::openapi()
}

#[derive(Serialize, ToSchema)]
pub struct MembershipView {
    pub id: uuid::Uuid,
    pub hub_id: uuid::Uuid,
    pub member_id: uuid::Uuid,
    /// The organization on the other side: the member in a hub's list, the hub in an
    /// organization's memberships.
    pub name: String,
    pub uscc: Option<String>,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    /// left / hub_withdrawn / hub_ended / member_ended
    pub left_cause: Option<String>,
    pub left_reason: String,
    pub version: i32,
}

fn membership_view(m: org_membership::Model, other: &org::Model) -> MembershipView {
    MembershipView {
        id: m.id,
        hub_id: m.hub_id,
        member_id: m.member_id,
        name: other.name.clone(),
        uscc: other.uscc.clone(),
        joined_on: m.joined_on,
        left_on: m.left_on,
        left_cause: m.left_cause,
        left_reason: m.left_reason,
        version: m.version,
    }
}

fn link_view(l: Link) -> MembershipView {
    membership_view(l.membership, &l.other)
}

#[derive(Serialize, ToSchema)]
pub struct MembersView {
    /// hub_org / federation, or none when not (or no longer) recognized.
    pub kind: Option<String>,
    pub since: Option<NaiveDate>,
    /// Territory code whose organizations it gathers.
    pub reach: Option<String>,
    /// Current members.
    pub current: usize,
    /// Current memberships first, then ended ones.
    pub items: Vec<MembershipView>,
}

/// Recognize an organization as a hub organization (枢纽型社会组织) or federation (联合会) over a
/// territory, change it, or withdraw it (`kind` empty: current memberships end today).
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/designation", tag = "orgs",
    params(("org_id" = uuid::Uuid, Path)), request_body = DesignationInput,
    responses((status = 200, body = crate::web::api::OrgView), (status = 409, body = gongzhi_platform::api::Problem),
        (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn designate(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
    ApiJson(body): ApiJson<DesignationInput>,
) -> AppResult<Json<crate::web::api::OrgView>> {
    let o = network::designate(&state, &me.actor, &AuditActor::from(&me), &org_id, &body).await?;
    Ok(Json(crate::web::api::view_of(&state, o).await?))
}

/// A hub organization's or federation's members, current and past.
#[utoipa::path(get, path = "/api/v1/orgs/{hub_org_id}/members", tag = "orgs",
    params(("hub_org_id" = uuid::Uuid, Path)), responses((status = 200, body = MembersView)))]
pub async fn members(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(hub_org_id): Path<String>,
) -> AppResult<Json<MembersView>> {
    let hub = crate::service::get_visible(&state, &me.actor, &hub_org_id).await?;
    let items: Vec<MembershipView> = network::links(&state.db.read, hub.id, Side::Hub)
        .await?
        .into_iter()
        .map(link_view)
        .collect();
    Ok(Json(MembersView {
        current: items.iter().filter(|m| m.left_on.is_none()).count(),
        kind: hub.hub_kind,
        since: hub.hub_since,
        reach: hub.hub_reach,
        items,
    }))
}

/// Add a member organization (by id or USCC) from within the hub's reach.
#[utoipa::path(post, path = "/api/v1/orgs/{hub_org_id}/members", tag = "orgs",
    params(("hub_org_id" = uuid::Uuid, Path)), request_body = JoinInput,
    responses((status = 201, body = MembershipView), (status = 409, body = gongzhi_platform::api::Problem),
        (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn join(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(hub_org_id): Path<String>,
    ApiJson(body): ApiJson<JoinInput>,
) -> AppResult<(StatusCode, Json<MembershipView>)> {
    let l = network::join(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &hub_org_id,
        &body,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(link_view(l))))
}

/// The hub organizations and federations an organization belongs or belonged to.
#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/memberships", tag = "orgs",
    params(("org_id" = uuid::Uuid, Path)), responses((status = 200, body = Vec<MembershipView>)))]
pub async fn memberships(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
) -> AppResult<Json<Vec<MembershipView>>> {
    let o = crate::service::get_visible(&state, &me.actor, &org_id).await?;
    Ok(Json(
        network::links(&state.db.read, o.id, Side::Member)
            .await?
            .into_iter()
            .map(link_view)
            .collect(),
    ))
}

/// End a membership: the hub's people or the member's own (leaving).
#[utoipa::path(post, path = "/api/v1/org-memberships/{membership_id}/end", tag = "orgs",
    params(("membership_id" = uuid::Uuid, Path)), request_body = LeaveInput,
    responses((status = 200, body = MembershipView), (status = 409, body = gongzhi_platform::api::Problem),
        (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn leave(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(membership_id): Path<String>,
    ApiJson(body): ApiJson<LeaveInput>,
) -> AppResult<Json<MembershipView>> {
    let m = network::leave(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &membership_id,
        &body,
    )
    .await?;
    let member = org::Entity::find_by_id(m.member_id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(membership_view(m, &member)))
}

#[derive(Serialize, ToSchema)]
pub struct PublicMemberView {
    pub id: uuid::Uuid,
    pub name: String,
    pub joined_on: NaiveDate,
}

/// The current members of a hub organization or federation in the public directory.
#[utoipa::path(get, path = "/api/v1/public/orgs/{org_id}/members", tag = "public", security(()),
    params(("org_id" = uuid::Uuid, Path)), responses((status = 200, body = Vec<PublicMemberView>)))]
pub async fn public_members(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
) -> AppResult<Json<Vec<PublicMemberView>>> {
    let hub = crate::service::get_public(&state, &org_id).await?;
    Ok(Json(
        public_links(&state, &hub, Side::Hub)
            .await?
            .into_iter()
            .map(|l| PublicMemberView {
                id: l.other.id,
                name: l.other.name,
                joined_on: l.membership.joined_on,
            })
            .collect(),
    ))
}

/// Current memberships on one side of an organization whose other side is itself in the
/// public directory.
pub async fn public_links(state: &AppState, o: &org::Model, side: Side) -> AppResult<Vec<Link>> {
    Ok(network::links(&state.db.read, o.id, side)
        .await?
        .into_iter()
        .filter(|l| {
            l.membership.left_on.is_none()
                && crate::domain::PUBLIC_STATES.contains(&l.other.state.as_str())
        })
        .collect())
}
