//! The hub-and-members part of an organization's page, and its forms.

use std::collections::HashMap;

use axum::extract::State;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::entity::territory;
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use gongzhi_platform::ui::{PageCtx, PageError};
use gongzhi_platform::web::Form;
use gongzhi_platform::web::Path;
use gongzhi_platform::web::{AppError, AppState, CurrentActor};

use crate::store::entity::org;
use crate::service::network::{self, DesignationInput, JoinInput, LeaveInput, Link, Side};
use crate::service::resource;
use crate::{ORG_EDIT, ORG_REGISTER};

/// Candidates offered in the add-member list; beyond this, members are added by USCC.
const CANDIDATE_LIMIT: u64 = 500;

pub struct MemberRow {
    pub id: uuid::Uuid,
    pub org_id: uuid::Uuid,
    pub name: String,
    pub joined_on: String,
    /// Empty while current; otherwise when and why it ended.
    pub ended: String,
    pub version: i32,
    pub can_end: bool,
}

pub struct NetworkPart {
    /// "枢纽型社会组织 · 海山街道 · 自 2026-01-05", empty when not recognized.
    pub recognition: String,
    pub kind_label: String,
    pub is_hub: bool,
    pub can_designate: bool,
    pub kinds: Vec<(&'static str, String, bool)>,
    /// Territory nodes the recognition may reach: (code, name, selected).
    pub reaches: Vec<(String, String, bool)>,
    pub members: Vec<MemberRow>,
    pub current: usize,
    pub member_of: Vec<MemberRow>,
    pub can_manage: bool,
    pub candidates: Vec<(uuid::Uuid, String)>,
}

impl NetworkPart {
    /// Whether the page shows the part at all.
    pub fn shown(&self) -> bool {
        self.is_hub || self.can_designate || !self.members.is_empty() || !self.member_of.is_empty()
    }
}

fn rows(c: &PageCtx, links: Vec<Link>, can_end: impl Fn(&org::Model) -> bool) -> Vec<MemberRow> {
    links
        .into_iter()
        .map(|l| {
            let m = l.membership;
            let ended = match m.left_on {
                None => String::new(),
                Some(d) => {
                    let mut parts = vec![
                        d.to_string(),
                        c.t(&format!(
                            "org.left_cause.{}",
                            m.left_cause.as_deref().unwrap_or("left")
                        )),
                    ];
                    if !m.left_reason.is_empty() {
                        parts.push(m.left_reason.clone());
                    }
                    parts.join(" · ")
                }
            };
            MemberRow {
                can_end: m.left_on.is_none() && can_end(&l.other),
                id: m.id,
                org_id: l.other.id,
                name: l.other.name,
                joined_on: m.joined_on.to_string(),
                ended,
                version: m.version,
            }
        })
        .collect()
}

/// How a recognition reads: kind, reach and date.
pub fn recognition(c: &PageCtx, o: &org::Model, reach_name: Option<String>) -> String {
    let Some(kind) = &o.hub_kind else {
        return String::new();
    };
    let mut parts = vec![c.t(&format!("org.hub_kind.{kind}"))];
    parts.extend(reach_name.or_else(|| o.hub_reach.clone()));
    if let Some(d) = o.hub_since {
        parts.push(format!("{} {d}", c.t("orgs.hub_since")));
    }
    parts.join(" · ")
}

pub async fn network_part(
    state: &AppState,
    c: &PageCtx,
    me: &CurrentActor,
    o: &org::Model,
) -> Result<NetworkPart, PageError> {
    let may = |p, target: &org::Model| {
        state
            .policy
            .authorize(&me.actor, p, &resource(target))
            .is_ok()
    };
    let can_designate =
        may(ORG_REGISTER, o) && crate::domain::PUBLIC_STATES.contains(&o.state.as_str());
    let is_hub = o.hub_kind.is_some();
    let can_manage = is_hub && may(ORG_EDIT, o);
    // The node itself and the nodes above it, where the viewer may recognize.
    let mut prefixes = Vec::new();
    let mut acc = String::from("/");
    for seg in o.path.split('/').filter(|s| !s.is_empty()) {
        acc.push_str(seg);
        acc.push('/');
        prefixes.push(acc.clone());
    }
    let nodes = territory::Entity::find()
        .filter(territory::Column::Path.is_in(prefixes))
        .order_by_asc(territory::Column::Path)
        .all(&state.db.read)
        .await?;
    let reach_name = nodes
        .iter()
        .find(|n| Some(&n.code) == o.hub_reach.as_ref())
        .map(|n| n.name.clone());
    let current_reach = o
        .hub_reach
        .clone()
        .unwrap_or_else(|| o.territory_code.clone());
    let reaches = if can_designate {
        nodes
            .iter()
            .filter(|n| {
                state
                    .policy
                    .authorize(
                        &me.actor,
                        ORG_REGISTER,
                        &gongzhi_kernel::authz::ResourceScope::territory(n.path.clone()),
                    )
                    .is_ok()
            })
            .map(|n| (n.code.clone(), n.name.clone(), n.code == current_reach))
            .collect()
    } else {
        Vec::new()
    };
    let kinds = crate::domain::HUB_KINDS
        .iter()
        .map(|k| {
            (
                *k,
                c.t(&format!("org.hub_kind.{k}")),
                o.hub_kind.as_deref() == Some(k),
            )
        })
        .collect();
    let hub_links = network::links(&state.db.read, o.id, Side::Hub).await?;
    let current = hub_links
        .iter()
        .filter(|l| l.membership.left_on.is_none())
        .count();
    let members = rows(c, hub_links, |_| can_manage);
    // An organization's own people may leave a hub; so may the hub's.
    let own = may(ORG_EDIT, o);
    let member_of = rows(
        c,
        network::links(&state.db.read, o.id, Side::Member).await?,
        |hub| own || may(ORG_EDIT, hub),
    );
    let candidates = if can_manage {
        network::candidates(&state.db.read, o, CANDIDATE_LIMIT)
            .await?
            .into_iter()
            .map(|m| (m.id, m.name))
            .collect()
    } else {
        Vec::new()
    };
    Ok(NetworkPart {
        recognition: recognition(c, o, reach_name),
        kind_label: o
            .hub_kind
            .as_ref()
            .map(|k| c.t(&format!("org.hub_kind.{k}")))
            .unwrap_or_default(),
        is_hub,
        can_designate,
        kinds,
        reaches,
        members,
        current,
        member_of,
        can_manage,
        candidates,
    })
}

/// The forms of the part: recognize (or withdraw), add a member, end a membership.
pub async fn network_submit(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(org_id): Path<String>,
    Form(fields): Form<HashMap<String, String>>,
) -> Result<axum::response::Response, PageError> {
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let version = gongzhi_platform::ui::form_version(&fields);
    let date = |k: &str| match get(k).trim() {
        "" => Ok(None),
        s => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::field(k, "orgs.not_a_date")),
    };
    let who = AuditActor::from(&me);
    let a = &me.actor;
    let (result, done) = match get("op").as_str() {
        "designate" => {
            let input = DesignationInput {
                kind: Some(get("kind")),
                reach: Some(get("reach")),
                version,
            };
            let r = network::designate(&state, a, &who, &org_id, &input).await;
            let done = if get("kind").trim().is_empty() {
                "org_hub_withdrawn"
            } else {
                "org_hub_designated"
            };
            (r.map(|_| ()), done)
        }
        "join" => {
            // The list offers what is near; the code field finds any organization.
            let member = match get("member_uscc").trim() {
                "" => get("member"),
                uscc => uscc.to_string(),
            };
            let r = match date("joined_on") {
                Err(e) => Err(e),
                Ok(joined_on) => {
                    network::join(&state, a, &who, &org_id, &JoinInput { member, joined_on })
                        .await
                        .map(|_| ())
                }
            };
            (r, "org_member_joined")
        }
        "leave" => {
            let r = match date("left_on") {
                Err(e) => Err(e),
                Ok(left_on) => network::leave(
                    &state,
                    a,
                    &who,
                    &get("membership_id"),
                    &LeaveInput {
                        left_on,
                        reason: Some(get("reason")),
                        version,
                    },
                )
                .await
                .map(|_| ()),
            };
            (r, "org_member_left")
        }
        _ => (Err(AppError::BadRequest("standing.action_unknown")), ""),
    };
    crate::web::ui::org_outcome(&state, c, &me, &org_id, result, done).await
}
