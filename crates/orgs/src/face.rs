//! The registry's public face: all another module may use of it. Organization cards, finding
//! organizations, what the registry knows of an organization's standing on a day, eligibility
//! for a purpose, recording a poor performance, and what demo seeds need. Everything else in
//! this crate is private to it.

use chrono::NaiveDate;
use gongzhi_kernel::authz::{Actor, ResourceScope, Role, ScopeFilter};
use gongzhi_kernel::id::OrgId;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use gongzhi_platform::web::{AppError, AppResult, AppState};

use crate::domain::GradeStatus;
use crate::store::entity::{org, org_grade, org_list_entry, org_standing_event};

pub use crate::domain::standing::{Purpose, Verdict};
pub use crate::domain::{LegalForm, PUBLIC_STATES, Tier};
pub use crate::seed::{DEMO_ACCOUNTS, DEMO_ORG};
pub use crate::service::standing_svc::{POOR_EVALUATION, is_eligible_for, record_poor_performance};
pub use crate::web::api_standing::{NoteView, VerdictView, verdict_view};

/// An organization as other modules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgCard {
    pub id: uuid::Uuid,
    pub name: String,
    /// The unified social credit code (registered organizations).
    pub uscc: Option<String>,
    pub legal_form: String,
    pub tier: String,
    /// Its lifecycle state; see [`OrgCard::is_public`].
    pub state: String,
    pub territory_code: String,
    pub path: String,
    pub scope_district: String,
    pub scope_street: Option<String>,
    pub scope_community: Option<String>,
    pub founded_on: Option<NaiveDate>,
    pub registered_on: Option<NaiveDate>,
    pub social_worker_count: i32,
}

impl From<org::Model> for OrgCard {
    fn from(o: org::Model) -> Self {
        OrgCard {
            id: o.id,
            name: o.name,
            uscc: o.uscc,
            legal_form: o.legal_form,
            tier: o.tier,
            state: o.state,
            territory_code: o.territory_code,
            path: o.path,
            scope_district: o.scope_district,
            scope_street: o.scope_street,
            scope_community: o.scope_community,
            founded_on: o.founded_on,
            registered_on: o.registered_on,
            social_worker_count: o.social_worker_count,
        }
    }
}

impl OrgCard {
    /// What authorization checks against: the organization's place and itself.
    pub fn resource(&self) -> ResourceScope {
        ResourceScope {
            path: self.path.clone(),
            org_id: Some(OrgId(self.id)),
        }
    }

    /// Filed or registered: shown in public lists and able to take part.
    pub fn is_public(&self) -> bool {
        PUBLIC_STATES.contains(&self.state.as_str())
    }
}

/// One organization, whatever its state.
pub async fn card(conn: &impl ConnectionTrait, id: uuid::Uuid) -> AppResult<Option<OrgCard>> {
    Ok(org::Entity::find_by_id(id).one(conn).await?.map(Into::into))
}

/// One organization the actor may read (a draft only for its own people); 404 otherwise.
pub async fn visible(state: &AppState, actor: &Actor, id: &str) -> AppResult<OrgCard> {
    crate::service::get_visible(state, actor, id)
        .await
        .map(Into::into)
}

/// How [`find`] orders what it finds.
#[derive(Debug, Clone, Copy, Default)]
pub enum Order {
    #[default]
    Name,
    /// By place, then by age: a street's organizations together, oldest first.
    PathThenAge,
    Age,
}

/// Which organizations [`find`] returns; every part left empty does not narrow.
#[derive(Debug, Clone, Default)]
pub struct Find<'a> {
    pub ids: Option<&'a [uuid::Uuid]>,
    /// Under this territory path.
    pub under: Option<&'a str>,
    /// Exactly at this territory node.
    pub territory_code: Option<&'a str>,
    /// By unified social credit code (upper case).
    pub uscc: Option<&'a str>,
    /// Within an actor's scope; `with_org` also admits the organizations the actor holds a role
    /// in wherever they are.
    pub scope: Option<(&'a ScopeFilter, bool)>,
    pub states: &'a [&'a str],
    pub tiers: &'a [&'a str],
    pub legal_forms: &'a [&'a str],
    pub order: Order,
    pub limit: Option<u64>,
}

fn condition(f: &Find<'_>) -> Condition {
    let mut c = Condition::all();
    if let Some(ids) = f.ids {
        c = c.add(org::Column::Id.is_in(ids.iter().copied()));
    }
    if let Some(p) = f.under {
        c = c.add(gongzhi_platform::authz::starts_with(org::Column::Path, p));
    }
    if let Some(t) = f.territory_code {
        c = c.add(org::Column::TerritoryCode.eq(t));
    }
    if let Some(u) = f.uscc {
        c = c.add(org::Column::Uscc.eq(u));
    }
    if let Some((filter, with_org)) = f.scope {
        c = c.add(if with_org {
            gongzhi_platform::authz::scope_condition_with_org(
                filter,
                org::Column::Path,
                org::Column::Id,
            )
        } else {
            gongzhi_platform::authz::scope_condition(filter, org::Column::Path)
        });
    }
    if !f.states.is_empty() {
        c = c.add(org::Column::State.is_in(f.states.iter().copied()));
    }
    if !f.tiers.is_empty() {
        c = c.add(org::Column::Tier.is_in(f.tiers.iter().copied()));
    }
    if !f.legal_forms.is_empty() {
        c = c.add(org::Column::LegalForm.is_in(f.legal_forms.iter().copied()));
    }
    c
}

/// The organizations `f` describes.
pub async fn find(conn: &impl ConnectionTrait, f: Find<'_>) -> AppResult<Vec<OrgCard>> {
    if f.ids.is_some_and(|ids| ids.is_empty()) {
        return Ok(Vec::new());
    }
    let mut q = org::Entity::find().filter(condition(&f));
    q = match f.order {
        Order::Name => q
            .order_by_asc(org::Column::Name)
            .order_by_asc(org::Column::Id),
        Order::PathThenAge => q
            .order_by_asc(org::Column::Path)
            .order_by_asc(org::Column::CreatedAt),
        Order::Age => q.order_by_asc(org::Column::CreatedAt),
    };
    if let Some(n) = f.limit {
        q = q.limit(n);
    }
    Ok(q.all(conn).await?.into_iter().map(Into::into).collect())
}

/// How many organizations `f` describes in each community (`None`: above community level).
pub async fn count_by_community(
    conn: &impl ConnectionTrait,
    f: Find<'_>,
) -> AppResult<Vec<(Option<String>, i64)>> {
    Ok(org::Entity::find()
        .select_only()
        .column(org::Column::ScopeCommunity)
        .column_as(org::Column::Id.count(), "n")
        .filter(condition(&f))
        .group_by(org::Column::ScopeCommunity)
        .into_tuple()
        .all(conn)
        .await?)
}

/// What the registry knows of an organization on a day, for admission criteria.
#[derive(Debug, Clone, Default)]
pub struct RegistryFacts {
    pub id: uuid::Uuid,
    pub name: String,
    /// Filed or registered.
    pub in_good_order: bool,
    pub legal_form: String,
    pub tier: String,
    /// Registered (or else founded) on.
    pub since: Option<NaiveDate>,
    pub social_workers: i32,
    /// The highest evaluation grade in force.
    pub grade: Option<i32>,
    pub abnormal: bool,
    pub serious: bool,
    /// Days poor performance evaluations were recorded.
    pub poor_evaluations: Vec<NaiveDate>,
}

/// Which organizations [`registry_facts`] reads.
pub enum Among<'a> {
    /// One organization, whatever its state.
    One(uuid::Uuid),
    /// A district's filed and registered organizations, narrowed by these (empty: any).
    District {
        district: &'a str,
        legal_forms: &'a [String],
        tiers: &'a [String],
        min_social_workers: Option<i32>,
    },
}

/// The standing tables are small next to the registry: they are read whole (or for the one
/// organization) and matched in memory, which is cheaper than an `IN (subquery)` over a
/// district's organizations.
fn only<C: ColumnTrait>(among: &Among, col: C) -> Condition {
    match among {
        Among::One(id) => Condition::all().add(col.eq(*id)),
        Among::District { .. } => Condition::all(),
    }
}

type OrgRow = (
    uuid::Uuid,
    String,
    String,
    String,
    String,
    Option<NaiveDate>,
    Option<NaiveDate>,
    i32,
);

/// The registry and standing facts of the organizations `among` names, as they stand on `on`,
/// read in bulk (one query per table).
pub async fn registry_facts(
    conn: &impl ConnectionTrait,
    among: Among<'_>,
    on: NaiveDate,
) -> AppResult<Vec<RegistryFacts>> {
    let filter = match &among {
        Among::One(id) => Condition::all().add(org::Column::Id.eq(*id)),
        Among::District {
            district,
            legal_forms,
            tiers,
            min_social_workers,
        } => {
            let mut c = Condition::all()
                .add(org::Column::ScopeDistrict.eq(*district))
                .add(org::Column::State.is_in(PUBLIC_STATES));
            if !legal_forms.is_empty() {
                c = c.add(org::Column::LegalForm.is_in(legal_forms.iter().cloned()));
            }
            if !tiers.is_empty() {
                c = c.add(org::Column::Tier.is_in(tiers.iter().cloned()));
            }
            if let Some(n) = min_social_workers {
                c = c.add(org::Column::SocialWorkerCount.gte(*n));
            }
            c
        }
    };
    let rows: Vec<OrgRow> = org::Entity::find()
        .select_only()
        .column(org::Column::Id)
        .column(org::Column::Name)
        .column(org::Column::State)
        .column(org::Column::LegalForm)
        .column(org::Column::Tier)
        .column(org::Column::RegisteredOn)
        .column(org::Column::FoundedOn)
        .column(org::Column::SocialWorkerCount)
        .filter(filter)
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: Vec<RegistryFacts> = Vec::with_capacity(rows.len());
    let mut at = std::collections::HashMap::with_capacity(rows.len());
    for (id, name, state, legal_form, tier, registered_on, founded_on, social_workers) in rows {
        at.insert(id, out.len());
        out.push(RegistryFacts {
            id,
            name,
            in_good_order: PUBLIC_STATES.contains(&state.as_str()),
            legal_form,
            tier,
            since: registered_on.or(founded_on),
            social_workers,
            ..Default::default()
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    let grades: Vec<(uuid::Uuid, i32)> = org_grade::Entity::find()
        .select_only()
        .column(org_grade::Column::OrgId)
        .column(org_grade::Column::Grade)
        .filter(org_grade::Column::Status.eq(GradeStatus::IN_FORCE))
        .filter(org_grade::Column::AwardedOn.lte(on))
        .filter(org_grade::Column::ExpiresOn.gt(on))
        .filter(only(&among, org_grade::Column::OrgId))
        .into_tuple()
        .all(conn)
        .await?;
    for (id, g) in grades {
        if let Some(&i) = at.get(&id) {
            out[i].grade = out[i].grade.max(Some(g));
        }
    }
    let lists: Vec<(uuid::Uuid, String)> = org_list_entry::Entity::find()
        .select_only()
        .column(org_list_entry::Column::OrgId)
        .column(org_list_entry::Column::List)
        .filter(org_list_entry::Column::RemovedOn.is_null())
        .filter(org_list_entry::Column::EnteredOn.lte(on))
        .filter(only(&among, org_list_entry::Column::OrgId))
        .into_tuple()
        .all(conn)
        .await?;
    for (id, list) in lists {
        if let Some(&i) = at.get(&id) {
            match list.as_str() {
                "abnormal" => out[i].abnormal = true,
                "serious" => out[i].serious = true,
                _ => {}
            }
        }
    }
    let poor: Vec<(uuid::Uuid, NaiveDate)> = org_standing_event::Entity::find()
        .select_only()
        .column(org_standing_event::Column::OrgId)
        .column(org_standing_event::Column::OccurredOn)
        .filter(org_standing_event::Column::Kind.eq(POOR_EVALUATION))
        .filter(org_standing_event::Column::OccurredOn.lte(on))
        .filter(only(&among, org_standing_event::Column::OrgId))
        .into_tuple()
        .all(conn)
        .await?;
    for (id, d) in poor {
        if let Some(&i) = at.get(&id) {
            out[i].poor_evaluations.push(d);
        }
    }
    Ok(out)
}

/// Give a user a role in an organization (demo seeds; audited).
pub async fn grant_org_role(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    user_id: uuid::Uuid,
    org: &OrgCard,
    role: Role,
) -> AppResult<()> {
    let o = org::Entity::find_by_id(org.id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::service::grant_org_role(conn, who, user_id, &o, role).await
}
