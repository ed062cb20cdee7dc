//! Hub organizations (枢纽型社会组织) and federations (联合会): the street or district recognizes
//! them over a territory, and they keep a dated list of member organizations from it. Ending a
//! membership, withdrawing a recognition or ending a record keeps the history.

use gongzhi_platform::sea_orm::QueryTrait as _;
use gongzhi_platform::versioned::{self, Stamp};
use std::collections::HashMap;

use chrono::NaiveDate;
use gongzhi_kernel::authz::{Actor, ResourceScope};
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::sea_orm::sea_query::{Expr, ExprTrait};
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use gongzhi_platform::territory as territory_svc;
use gongzhi_platform::web::{AppError, AppResult, AppState};
use serde::Deserialize;
use serde_json::json;

use crate::domain::{self, Designation, MemberSide};
use crate::store::entity::{org, org_membership};
use crate::service::{get_visible, resource};
use crate::{ORG_EDIT, ORG_REGISTER};

use gongzhi_platform::clock::today;

#[derive(Debug, Clone, Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct DesignationInput {
    /// hub_org / federation; empty or absent withdraws the recognition.
    pub kind: Option<String>,
    /// Territory code whose organizations it gathers: the organization's own node (the
    /// default) or one above it.
    pub reach: Option<String>,
    pub version: i32,
}

#[derive(Debug, Clone, Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct JoinInput {
    /// The member organization: its id or its unified social credit code.
    pub member: String,
    /// Defaults to today.
    pub joined_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct LeaveInput {
    /// Defaults to today.
    pub left_on: Option<NaiveDate>,
    pub reason: Option<String>,
    pub version: i32,
}

/// A membership and the organization on its other side.
pub struct Link {
    pub membership: org_membership::Model,
    pub other: org::Model,
}

/// Recognize an organization as a hub organization or federation over a territory, change the
/// recognition, or withdraw it (which ends its current memberships).
pub async fn designate(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    org_id: &str,
    input: &DesignationInput,
) -> AppResult<org::Model> {
    let o = get_visible(state, actor, org_id).await?;
    state.authorize(actor, ORG_REGISTER, &resource(&o))?;
    let kind = input
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let reach = match kind {
        None => None,
        Some(kind) => {
            let code = input
                .reach
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .unwrap_or(&o.territory_code);
            let node = territory_svc::get(&state.db.read, code)
                .await?
                .ok_or_else(|| AppError::field("reach", "territory.not_found"))?;
            domain::check_designation(&Designation {
                kind,
                legal_form: &o.legal_form,
                state: &o.state,
                org_path: &o.path,
                reach_path: &node.path,
            })?;
            // Recognizing over a territory is the territory's decision.
            state.authorize(
                actor,
                ORG_REGISTER,
                &ResourceScope::territory(node.path.clone()),
            )?;
            Some((kind, node))
        }
    };
    let since = match (&o.hub_kind, kind) {
        (Some(old), Some(new)) if old == new => o.hub_since,
        (_, Some(_)) => Some(today()),
        (_, None) => None,
    };
    let txn = state.db.write.begin().await?;
    let reach = reach.as_ref().map(|(k, n)| (*k, n));
    let updated = recognize(&txn, who, &o, reach, since, input.version).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Write a recognition (or its withdrawal, `reach` none) over `o` if its version is still
/// `version`; a withdrawal ends the current memberships.
pub async fn recognize(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    o: &org::Model,
    reach: Option<(&str, &gongzhi_platform::entity::territory::Model)>,
    since: Option<NaiveDate>,
    version: i32,
) -> AppResult<org::Model> {
    let kind = reach.map(|(k, _)| k);
    let node = reach.map(|(_, n)| n);
    versioned::bump(
        conn,
        org::Entity::update_many()
            .col_expr(org::Column::HubKind, Expr::value(kind.map(str::to_string)))
            .col_expr(org::Column::HubSince, Expr::value(since))
            .col_expr(
            org::Column::HubReach,
            Expr::value(node.map(|n| n.code.clone())),
        )
            .col_expr(
            org::Column::HubPath,
            Expr::value(node.map(|n| n.path.clone())),
        )
            .filter(org::Column::Id.eq(o.id))
            .into_query(),
        version,
        Stamp::UpdatedAt,
    )
    .await?;
    let ended = if kind.is_none() {
        end_current(conn, who, o, Side::Hub, "hub_withdrawn").await?
    } else {
        0
    };
    audit::record(
        conn,
        who,
        Change {
            action: if kind.is_some() {
                "org.designate"
            } else {
                "org.withdraw_designation"
            },
            entity_type: "org",
            entity_id: &o.id.to_string(),
            scope_path: &o.path,
            summary: json!({
                "kind": kind,
                "previous": o.hub_kind,
                "reach": node.map(|n| &n.code),
                "memberships_ended": ended,
            }),
        },
    )
    .await?;
    org::Entity::find_by_id(o.id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Find the member organization by id or by USCC.
async fn find_member(conn: &impl ConnectionTrait, member: &str) -> AppResult<org::Model> {
    let member = member.trim();
    let found = match member.parse::<uuid::Uuid>() {
        Ok(id) => org::Entity::find_by_id(id).one(conn).await?,
        Err(_) => {
            org::Entity::find()
                .filter(org::Column::Uscc.eq(member.to_uppercase()))
                .one(conn)
                .await?
        }
    };
    found.ok_or_else(|| AppError::field("member", "org.member_not_found"))
}

/// Add a member to a hub organization or federation (its own people or the registry's staff).
pub async fn join(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    hub_id: &str,
    input: &JoinInput,
) -> AppResult<Link> {
    let hub = get_visible(state, actor, hub_id).await?;
    state.authorize(actor, ORG_EDIT, &resource(&hub))?;
    let (Some(_), Some(hub_path)) = (&hub.hub_kind, &hub.hub_path) else {
        return Err(AppError::Conflict("org.not_a_hub"));
    };
    if !domain::PUBLIC_STATES.contains(&hub.state.as_str()) {
        return Err(AppError::Conflict("org.hub_not_active"));
    }
    if input.member.trim().is_empty() {
        return Err(AppError::field("member", "org.member_required"));
    }
    let member = find_member(&state.db.read, &input.member).await?;
    let joined_on = input.joined_on.unwrap_or_else(today);
    domain::check_joining(
        &MemberSide {
            id: hub.id,
            path: hub_path,
            state: &hub.state,
        },
        &MemberSide {
            id: member.id,
            path: &member.path,
            state: &member.state,
        },
        joined_on,
        today(),
    )?;
    let txn = state.db.write.begin().await?;
    let current = org_membership::Entity::find()
        .filter(org_membership::Column::HubId.eq(hub.id))
        .filter(org_membership::Column::MemberId.eq(member.id))
        .filter(org_membership::Column::LeftOn.is_null())
        .one(&txn)
        .await?;
    if current.is_some() {
        return Err(AppError::Conflict("org.already_member"));
    }
    let m = add(&txn, who, &hub, &member, joined_on).await?;
    txn.commit().await?;
    Ok(Link {
        membership: m,
        other: member,
    })
}

/// Audit a step of a membership, naming both sides.
async fn log(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    action: &'static str,
    membership_id: uuid::Uuid,
    hub: &org::Model,
    member: &org::Model,
    mut detail: serde_json::Value,
) -> AppResult<()> {
    detail["hub"] = json!(hub.id);
    detail["hub_name"] = json!(hub.name);
    detail["member"] = json!(member.id);
    detail["member_name"] = json!(member.name);
    audit::record(
        conn,
        who,
        Change {
            action,
            entity_type: "org_membership",
            entity_id: &membership_id.to_string(),
            scope_path: &hub.path,
            summary: detail,
        },
    )
    .await?;
    Ok(())
}

/// Insert a checked membership, audited.
pub async fn add(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    hub: &org::Model,
    member: &org::Model,
    joined_on: NaiveDate,
) -> AppResult<org_membership::Model> {
    let now = audit::now();
    // A concurrent second insert of the same pair fails on the unique index of current
    // memberships.
    let m = org_membership::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        hub_id: Set(hub.id),
        member_id: Set(member.id),
        joined_on: Set(joined_on),
        left_on: Set(None),
        left_cause: Set(None),
        left_reason: Set(String::new()),
        created_by: Set(who.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(conn)
    .await?;
    log(
        conn,
        who,
        "org.member_join",
        m.id,
        hub,
        member,
        json!({"joined_on": joined_on}),
    )
    .await?;
    Ok(m)
}

/// End a membership: the hub's people and staff, or the member's own people (leaving).
pub async fn leave(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    membership_id: &str,
    input: &LeaveInput,
) -> AppResult<org_membership::Model> {
    let id: uuid::Uuid = membership_id.parse().map_err(|_| AppError::NotFound)?;
    let m = org_membership::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let find = |id| org::Entity::find_by_id(id).one(&state.db.read);
    let hub = find(m.hub_id).await?.ok_or(AppError::NotFound)?;
    let member = find(m.member_id).await?.ok_or(AppError::NotFound)?;
    let may = |o: &org::Model| state.authorize(actor, ORG_EDIT, &resource(o)).is_ok();
    if !may(&hub) && !may(&member) {
        state.authorize(actor, crate::ORG_READ, &resource(&hub))?;
        return Err(AppError::Forbidden);
    }
    if m.left_on.is_some() {
        return Err(AppError::Conflict("org.membership_ended"));
    }
    let left_on = input.left_on.unwrap_or_else(today);
    domain::check_leaving(m.joined_on, left_on, today())?;
    let reason = input.reason.as_deref().unwrap_or("").trim().to_string();
    if reason.chars().count() > 500 {
        return Err(gongzhi_kernel::FieldError::new("reason", "org.too_long")
            .arg("max", 500)
            .into());
    }
    let txn = state.db.write.begin().await?;
    versioned::bump(
        &txn,
        org_membership::Entity::update_many()
            .col_expr(org_membership::Column::LeftOn, Expr::value(Some(left_on)))
            .col_expr(
            org_membership::Column::LeftCause,
            Expr::value(Some("left".to_string())),
        )
            .col_expr(
            org_membership::Column::LeftReason,
            Expr::value(reason.clone()),
        )
            .filter(org_membership::Column::Id.eq(m.id))
            .filter(org_membership::Column::LeftOn.is_null())
            .into_query(),
        input.version,
        Stamp::UpdatedAt,
    )
    .await?;
    let detail = json!({"left_on": left_on, "reason": reason});
    log(&txn, who, "org.member_leave", m.id, &hub, &member, detail).await?;
    let updated = org_membership::Entity::find_by_id(m.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(updated)
}

/// Which side of its memberships an organization is on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Hub,
    Member,
}

/// End today the current memberships on one side of `o`, each audited; returns how many.
pub async fn end_current(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    o: &org::Model,
    side: Side,
    cause: &str,
) -> AppResult<usize> {
    let col = match side {
        Side::Hub => org_membership::Column::HubId,
        Side::Member => org_membership::Column::MemberId,
    };
    let current = org_membership::Entity::find()
        .filter(col.eq(o.id))
        .filter(org_membership::Column::LeftOn.is_null())
        .all(conn)
        .await?;
    let on = today();
    for m in &current {
        // A membership dated to begin later than today ends on its first day.
        let left_on = std::cmp::max(on, m.joined_on);
        org_membership::Entity::update_many()
            .col_expr(org_membership::Column::LeftOn, Expr::value(Some(left_on)))
            .col_expr(
                org_membership::Column::LeftCause,
                Expr::value(Some(cause.to_string())),
            )
            .col_expr(
                org_membership::Column::Version,
                Expr::col(org_membership::Column::Version).add(1),
            )
            .col_expr(org_membership::Column::UpdatedAt, Expr::value(audit::now()))
            .filter(org_membership::Column::Id.eq(m.id))
            .exec(conn)
            .await?;
        audit::record(
            conn,
            who,
            Change {
                action: "org.member_leave",
                entity_type: "org_membership",
                entity_id: &m.id.to_string(),
                scope_path: &o.path,
                summary: json!({"hub": m.hub_id, "member": m.member_id, "left_on": left_on, "cause": cause}),
            },
        )
        .await?;
    }
    Ok(current.len())
}

/// When a record ends (deregistered or revoked), its memberships on both sides end with it.
pub async fn on_record_ended(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    o: &org::Model,
) -> AppResult<()> {
    end_current(conn, who, o, Side::Hub, "hub_ended").await?;
    end_current(conn, who, o, Side::Member, "member_ended").await?;
    Ok(())
}

/// Memberships on one side of an organization, current ones first, then by joining date.
pub async fn links(
    conn: &impl ConnectionTrait,
    org_id: uuid::Uuid,
    side: Side,
) -> AppResult<Vec<Link>> {
    let mine = match side {
        Side::Hub => org_membership::Column::HubId,
        Side::Member => org_membership::Column::MemberId,
    };
    let rows = org_membership::Entity::find()
        .filter(mine.eq(org_id))
        .order_by_desc(org_membership::Column::JoinedOn)
        .limit(5000)
        .all(conn)
        .await?;
    let other_id = |m: &org_membership::Model| match side {
        Side::Hub => m.member_id,
        Side::Member => m.hub_id,
    };
    let orgs: HashMap<uuid::Uuid, org::Model> = org::Entity::find()
        .filter(org::Column::Id.is_in(rows.iter().map(other_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut out: Vec<Link> = rows
        .into_iter()
        .filter_map(|m| {
            let o = orgs.get(&other_id(&m)).cloned()?;
            Some(Link {
                membership: m,
                other: o,
            })
        })
        .collect();
    out.sort_by_key(|l| l.membership.left_on.is_some());
    Ok(out)
}

/// Current member counts of the given hubs, in one grouped query.
pub async fn member_counts(
    conn: &impl ConnectionTrait,
    hub_ids: &[uuid::Uuid],
) -> AppResult<HashMap<uuid::Uuid, i64>> {
    if hub_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(org_membership::Entity::find()
        .select_only()
        .column(org_membership::Column::HubId)
        .column_as(org_membership::Column::Id.count(), "n")
        .filter(org_membership::Column::HubId.is_in(hub_ids.iter().copied()))
        .filter(org_membership::Column::LeftOn.is_null())
        .group_by(org_membership::Column::HubId)
        .into_tuple::<(uuid::Uuid, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// Organizations that may join `hub` now: in the directory, within its reach, not the hub and
/// not current members, by name (at most `limit`).
pub async fn candidates(
    conn: &impl ConnectionTrait,
    hub: &org::Model,
    limit: u64,
) -> AppResult<Vec<org::Model>> {
    let Some(path) = &hub.hub_path else {
        return Ok(Vec::new());
    };
    let current = gongzhi_platform::sea_orm::sea_query::Query::select()
        .column(org_membership::Column::MemberId)
        .from(org_membership::Entity)
        .and_where(Expr::col(org_membership::Column::HubId).eq(hub.id))
        .and_where(Expr::col(org_membership::Column::LeftOn).is_null())
        .to_owned();
    Ok(org::Entity::find()
        .filter(org::Column::State.is_in(domain::PUBLIC_STATES))
        .filter(org::Column::Path.starts_with(path.as_str()))
        .filter(org::Column::Id.ne(hub.id))
        .filter(Condition::all().add(org::Column::Id.not_in_subquery(current)))
        .order_by_asc(org::Column::Name)
        .limit(limit)
        .all(conn)
        .await?)
}
