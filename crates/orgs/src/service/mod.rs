//! Use cases of the registry: one transaction each, authorize → validate → change → audit.

pub mod changes;
pub mod desk;
pub mod documents;
pub mod network;
pub mod standing_svc;
pub mod import;

use std::collections::HashMap;

use gongzhi_kernel::authz::{Actor, Permission, ResourceScope, Role, ScopeFilter, path_levels};
use gongzhi_kernel::id::OrgId;
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::authz::level_condition;
use gongzhi_platform::entity::role_assignment;
use gongzhi_platform::sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Set, TransactionTrait,
};
use gongzhi_platform::territory as territory_svc;
use gongzhi_platform::web::PageParams;
use gongzhi_platform::web::{AppError, AppResult, AppState};
use gongzhi_platform::workflow::{self, Target};
use serde_json::json;

use crate::domain::{self, FilingCtx, OrgInput, PUBLIC_STATES, Tier, ValidOrg};
use crate::store::entity::{
    org, org_category, org_category_link, org_grade, org_list_entry, org_name_gram,
};
use crate::{ORG_APPLY, ORG_READ, ORG_REGISTER};

/// Whether the actor holds a role over this very organization (its own people).
fn holds_org(actor: &Actor, id: uuid::Uuid) -> bool {
    actor
        .grants
        .iter()
        .any(|g| matches!(g.scope, gongzhi_kernel::authz::Scope::Org { org_id } if org_id.0 == id))
}

/// The person in charge's ID number, masked (personal information).
pub fn masked_id(o: &org::Model) -> Option<String> {
    o.person_in_charge_id
        .as_deref()
        .and_then(|i| gongzhi_kernel::IdCardNumber::parse(i).ok())
        .map(|i| i.masked())
}

pub fn masked_phone(o: &org::Model) -> Option<String> {
    o.contact_phone
        .as_deref()
        .and_then(|p| gongzhi_kernel::PhoneNumber::parse(p).ok())
        .map(|p| p.masked())
}

pub fn resource(o: &org::Model) -> ResourceScope {
    ResourceScope {
        path: o.path.clone(),
        org_id: Some(OrgId(o.id)),
    }
}

pub async fn category_codes(conn: &impl ConnectionTrait) -> AppResult<Vec<String>> {
    Ok(org_category::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect())
}

pub async fn categories_of(
    conn: &impl ConnectionTrait,
    ids: &[uuid::Uuid],
) -> AppResult<HashMap<uuid::Uuid, Vec<String>>> {
    let mut out: HashMap<uuid::Uuid, Vec<String>> = HashMap::new();
    for l in org_category_link::Entity::find()
        .filter(org_category_link::Column::OrgId.is_in(ids.iter().copied()))
        .all(conn)
        .await?
    {
        out.entry(l.org_id).or_default().push(l.category_code);
    }
    Ok(out)
}

use gongzhi_platform::clock::today;
use crate::domain::{GradeStatus, OrgState};

/// Keep the name-piece index of one organization in step with its name.
pub async fn index_name(conn: &impl ConnectionTrait, id: uuid::Uuid, name: &str) -> AppResult<()> {
    org_name_gram::Entity::delete_many()
        .filter(org_name_gram::Column::OrgId.eq(id))
        .exec(conn)
        .await?;
    let rows: Vec<org_name_gram::ActiveModel> = name_gram_rows(id, name);
    if !rows.is_empty() {
        org_name_gram::Entity::insert_many(rows).exec(conn).await?;
    }
    Ok(())
}

pub fn name_gram_rows(id: uuid::Uuid, name: &str) -> Vec<org_name_gram::ActiveModel> {
    domain::name_grams(name)
        .into_iter()
        .map(|g| org_name_gram::ActiveModel {
            gram: Set(g),
            org_id: Set(id),
        })
        .collect()
}

/// Insert a checked record (no authorization: callers have done it) with its categories.
pub async fn insert(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    v: &ValidOrg,
    node: &gongzhi_platform::entity::territory::Model,
    state: &str,
) -> AppResult<org::Model> {
    if let Some(code) = &v.uscc {
        let taken = org::Entity::find()
            .filter(org::Column::Uscc.eq(code.as_str()))
            .one(conn)
            .await?;
        if taken.is_some() {
            return Err(AppError::field("uscc", "org.uscc_taken"));
        }
    }
    let [d, s, c] = path_levels(&node.path);
    let now = audit::now();
    let m = org::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        name: Set(v.name.clone()),
        uscc: Set(v.uscc.as_ref().map(|u| u.as_str().to_string())),
        legal_form: Set(v.legal_form.as_str().into()),
        tier: Set(v.tier.as_str().into()),
        state: Set(state.into()),
        territory_code: Set(node.code.clone()),
        path: Set(node.path.clone()),
        scope_district: Set(d.unwrap_or_default().into()),
        scope_street: Set(s.map(Into::into)),
        scope_community: Set(c.map(Into::into)),
        founded_on: Set(v.founded_on),
        registered_on: Set(v.registered_on),
        service_areas: Set(v.service_areas.clone()),
        target_groups: Set(v.target_groups.clone()),
        supervising_unit: Set(v.supervising_unit.clone()),
        person_in_charge: Set(v.person_in_charge.clone()),
        person_in_charge_id: Set(v
            .person_in_charge_id
            .as_ref()
            .map(|i| i.as_str().to_string())),
        contact_phone: Set(v.contact_phone.as_ref().map(|p| p.as_str().to_string())),
        staff_count: Set(v.staff_count),
        social_worker_count: Set(v.social_worker_count),
        party_org: Set(v.party_org.clone()),
        hub_kind: Set(None),
        hub_since: Set(None),
        hub_reach: Set(None),
        hub_path: Set(None),
        created_by: Set(who.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(conn)
    .await?;
    index_name(conn, m.id, &m.name).await?;
    for c in &v.categories {
        org_category_link::ActiveModel {
            org_id: Set(m.id),
            category_code: Set(c.clone()),
        }
        .insert(conn)
        .await?;
    }
    audit::record(
        conn,
        who,
        Change {
            action: if state == OrgState::ACTIVE { "org.register" } else { "org.apply" },
            entity_type: "org",
            entity_id: &m.id.to_string(),
            scope_path: &m.path,
            summary: json!({"name": m.name, "uscc": m.uscc, "legal_form": m.legal_form, "tier": m.tier, "state": m.state}),
        },
    )
    .await?;
    Ok(m)
}

/// Check the record and its node; the actor needs `permission` over the node.
async fn checked(
    state: &AppState,
    actor: &Actor,
    input: &OrgInput,
    permission: Permission,
) -> AppResult<(ValidOrg, gongzhi_platform::entity::territory::Model)> {
    let known = category_codes(&state.db.read).await?;
    let v = domain::validate(input, today(), &known)?;
    let node = territory_svc::get(&state.db.read, &v.territory)
        .await?
        .ok_or_else(|| AppError::field("territory", "territory.not_found"))?;
    state.authorize(
        actor,
        permission,
        &ResourceScope::territory(node.path.clone()),
    )?;
    if node.status != "active" {
        return Err(AppError::field("territory", "territory.inactive"));
    }
    Ok((v, node))
}

/// A registered organization (社团 / 社会服务机构 / 基金会), entered by the street or district.
pub async fn register(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    input: &OrgInput,
) -> AppResult<org::Model> {
    let (v, node) = checked(state, actor, input, ORG_REGISTER).await?;
    if v.tier != Tier::Registered {
        return Err(AppError::field("tier", "org.register_needs_registered"));
    }
    let txn = state.db.write.begin().await?;
    let m = insert(&txn, who, &v, &node, OrgState::ACTIVE).await?;
    txn.commit().await?;
    Ok(m)
}

/// A community organization applies to be filed (备案) or guided: the applicant becomes its
/// administrator and submits it when ready.
pub async fn apply(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    input: &OrgInput,
) -> AppResult<org::Model> {
    let (v, node) = checked(state, actor, input, ORG_APPLY).await?;
    if v.tier == Tier::Registered {
        return Err(AppError::field("tier", "org.apply_needs_community"));
    }
    let txn = state.db.write.begin().await?;
    let m = insert(&txn, who, &v, &node, OrgState::DRAFT).await?;
    grant_org_role(&txn, who, actor.user_id.0, &m, Role::OrgAdmin).await?;
    txn.commit().await?;
    Ok(m)
}

/// Give a user a role over an organization (its administrator or a member).
pub async fn grant_org_role(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    user_id: uuid::Uuid,
    o: &org::Model,
    role: Role,
) -> AppResult<()> {
    role_assignment::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        user_id: Set(user_id),
        role: Set(role.as_str().into()),
        scope_kind: Set("org".into()),
        scope_ref: Set(o.id.to_string()),
        scope_path: Set(o.path.clone()),
        granted_by: Set(who.user_id),
        granted_at: Set(audit::now()),
        revoked_at: Set(None),
        revoked_by: Set(None),
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        who,
        Change {
            action: "role.grant",
            entity_type: "user",
            entity_id: &user_id.to_string(),
            scope_path: &o.path,
            summary: json!({"role": role.as_str(), "org": o.id, "org_name": o.name}),
        },
    )
    .await?;
    Ok(())
}

/// The organization, if the actor may read it (403 otherwise, 404 when there is none).
pub async fn get_visible(state: &AppState, actor: &Actor, id: &str) -> AppResult<org::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let o = org::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    state.authorize(actor, ORG_READ, &resource(&o))?;
    if o.state == OrgState::DRAFT && !holds_org(actor, o.id) {
        return Err(AppError::NotFound);
    }
    Ok(o)
}

/// An organization in the public directory (404 for any other).
pub async fn get_public(state: &AppState, id: &str) -> AppResult<org::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    org::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .filter(|o| PUBLIC_STATES.contains(&o.state.as_str()))
        .ok_or(AppError::NotFound)
}

/// Move an organization along its lifecycle (filing decisions, deregistration, …).
pub async fn transition(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    name: &str,
    version: i32,
    reason: Option<&str>,
) -> AppResult<org::Model> {
    let o = get_visible(state, actor, id).await?;
    let txn = state.db.write.begin().await?;
    let ctx = FilingCtx {
        has_person_in_charge: !o.person_in_charge.is_empty(),
    };
    let target = Target {
        table: "orgs",
        id: o.id.into(),
        entity_id: &o.id.to_string(),
        state: &o.state,
        version,
        scope: resource(&o),
    };
    workflow::perform(
        &txn,
        state,
        actor,
        who,
        &domain::LIFECYCLE,
        target,
        name,
        reason,
        &ctx,
    )
    .await?;
    let updated = org::Entity::find_by_id(o.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if domain::ENDED_STATES.contains(&updated.state.as_str()) {
        crate::service::network::on_record_ended(&txn, who, &updated).await?;
    }
    txn.commit().await?;
    Ok(updated)
}

/// Filters of the directory; paging comes apart (`PageParams`), and the export takes every
/// match.
#[derive(Debug, Default, Clone, serde::Deserialize, gongzhi_platform::utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgFilter {
    /// Part of the name (Chinese works: `爱心`).
    pub q: Option<String>,
    pub uscc: Option<String>,
    pub category: Option<String>,
    pub tier: Option<String>,
    pub state: Option<String>,
    /// Territory code: organizations of that node and below.
    pub territory: Option<String>,
    /// Evaluation grade in force, 1 to 5.
    pub grade: Option<String>,
    /// abnormal / serious (on that list now) / clear (on neither)
    pub standing: Option<String>,
    /// hub_org / federation (recognized as such now), or `any` for either.
    pub hub: Option<String>,
}

fn contains(col: org::Column, needle: &str) -> gongzhi_platform::sea_orm::sea_query::Expr {
    let mut escaped = String::from("%");
    for ch in needle.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    escaped.push('%');
    Expr::col((org::Entity, col)).like(LikeExpr::new(escaped).escape('\\'))
}

/// How a name search runs. A piece no name has means no result. A rare piece leads through
/// the name-piece index to its few organizations; a common one (爱心) is cheaper found by
/// reading names in order, since the first page fills within a few hundred.
enum NameSearch {
    Nothing,
    Walk,
    Through(Vec<uuid::Uuid>),
}

/// At most this many organizations behind a piece, it leads the search.
const RARE_PIECE: i64 = 1_000;

async fn plan_name(conn: &impl ConnectionTrait, q: &OrgFilter) -> AppResult<NameSearch> {
    let grams = match q.q.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => domain::name_grams(text),
        _ => return Ok(NameSearch::Walk),
    };
    if grams.is_empty() {
        return Ok(NameSearch::Walk);
    }
    let counts: Vec<(String, i64)> = org_name_gram::Entity::find()
        .select_only()
        .column(org_name_gram::Column::Gram)
        .column_as(org_name_gram::Column::OrgId.count(), "n")
        .filter(org_name_gram::Column::Gram.is_in(grams.iter().cloned()))
        .group_by(org_name_gram::Column::Gram)
        .into_tuple()
        .all(conn)
        .await?;
    if counts.len() < grams.len() {
        return Ok(NameSearch::Nothing);
    }
    match counts.into_iter().min_by_key(|(_, n)| *n) {
        // The ids themselves, not a subquery: both planners then fetch them by key.
        Some((gram, n)) if n <= RARE_PIECE => Ok(NameSearch::Through(
            org_name_gram::Entity::find()
                .select_only()
                .column(org_name_gram::Column::OrgId)
                .filter(org_name_gram::Column::Gram.eq(gram))
                .into_tuple()
                .all(conn)
                .await?,
        )),
        _ => Ok(NameSearch::Walk),
    }
}

fn apply_filters(
    mut query: Select<org::Entity>,
    q: &OrgFilter,
    name: &NameSearch,
) -> Select<org::Entity> {
    let nz = |o: &Option<String>| {
        o.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if let Some(text) = nz(&q.q) {
        query = match name {
            NameSearch::Nothing => query.filter(Expr::val(1).eq(0)),
            NameSearch::Walk => query,
            NameSearch::Through(ids) => query.filter(org::Column::Id.is_in(ids.iter().copied())),
        };
        query = query.filter(contains(org::Column::Name, &text));
    }
    if let Some(u) = nz(&q.uscc) {
        query = query.filter(org::Column::Uscc.eq(u.to_uppercase()));
    }
    if let Some(t) = nz(&q.tier) {
        query = query.filter(org::Column::Tier.eq(t));
    }
    if let Some(s) = nz(&q.state) {
        query = query.filter(org::Column::State.eq(s));
    }
    // Grades and the lists are rare sets: collected first, then sorted.
    if let Some(g) = nz(&q.grade).and_then(|g| g.trim_end_matches(['A', 'a']).parse::<i32>().ok()) {
        let today = gongzhi_platform::clock::today();
        query = query.filter(
            org::Column::Id.in_subquery(
                gongzhi_platform::sea_orm::sea_query::Query::select()
                    .column(org_grade::Column::OrgId)
                    .from(org_grade::Entity)
                    .and_where(Expr::col(org_grade::Column::Grade).eq(g))
                    .and_where(Expr::col(org_grade::Column::Status).eq(GradeStatus::IN_FORCE))
                    .and_where(Expr::col(org_grade::Column::AwardedOn).lte(today))
                    .and_where(Expr::col(org_grade::Column::ExpiresOn).gt(today))
                    .to_owned(),
            ),
        );
    }
    if let Some(s) = nz(&q.standing) {
        let on_list = |list: Option<&str>| {
            let mut sub = gongzhi_platform::sea_orm::sea_query::Query::select();
            sub.column(org_list_entry::Column::OrgId)
                .from(org_list_entry::Entity)
                .and_where(Expr::col(org_list_entry::Column::RemovedOn).is_null());
            if let Some(l) = list {
                sub.and_where(Expr::col(org_list_entry::Column::List).eq(l));
            }
            sub.to_owned()
        };
        query = match s.as_str() {
            "abnormal" | "serious" => query.filter(org::Column::Id.in_subquery(on_list(Some(&s)))),
            "clear" => query.filter(org::Column::Id.not_in_subquery(on_list(None))),
            _ => query,
        };
    }
    if let Some(h) = nz(&q.hub) {
        query = match h.as_str() {
            "any" => query.filter(org::Column::HubKind.is_not_null()),
            kind => query.filter(org::Column::HubKind.eq(kind)),
        };
    }
    if let Some(c) = nz(&q.category) {
        // A category is common: correlated, so the directory is read in name order and each
        // organization checked, instead of collecting and sorting every member first.
        query = query.filter(Expr::exists(
            gongzhi_platform::sea_orm::sea_query::Query::select()
                .expr(Expr::val(1))
                .from(org_category_link::Entity)
                .and_where(
                    Expr::col((org_category_link::Entity, org_category_link::Column::OrgId))
                        .equals((org::Entity, org::Column::Id)),
                )
                .and_where(Expr::col(org_category_link::Column::CategoryCode).eq(c))
                .to_owned(),
        ));
    }
    query
}

/// Organizations within the filter: by the column of each subtree's tier, which the
/// `(tier, name, id)` indexes serve in name order; plus the actor's own organizations.
fn in_scope(filter: &ScopeFilter) -> gongzhi_platform::sea_orm::Condition {
    let mut c = level_condition(
        filter,
        [
            (org::Entity, org::Column::ScopeDistrict),
            (org::Entity, org::Column::ScopeStreet),
            (org::Entity, org::Column::ScopeCommunity),
        ],
        (org::Entity, org::Column::Path),
    );
    if !filter.orgs.is_empty() {
        c = c.add(org::Column::Id.is_in(filter.orgs.iter().map(|o| o.0)));
    }
    c
}

/// One page of the directory the actor may see, by name.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    q: &OrgFilter,
    params: &PageParams,
) -> AppResult<gongzhi_platform::web::Page<org::Model>> {
    let filter = match q.territory.as_deref().filter(|s| !s.is_empty()) {
        Some(code) => {
            let node = territory_svc::get(&state.db.read, code)
                .await?
                .ok_or(AppError::NotFound)?;
            state.authorize(
                actor,
                ORG_READ,
                &ResourceScope::territory(node.path.clone()),
            )?;
            ScopeFilter::subtree(node.path)
        }
        None => state.policy.scope_filter(actor, ORG_READ),
    };
    // A draft is its applicant's workspace: reviewers see it once it is submitted.
    let own: Vec<uuid::Uuid> = filter.orgs.iter().map(|o| o.0).collect();
    let not_draft = gongzhi_platform::sea_orm::Condition::any()
        .add(org::Column::State.ne(OrgState::DRAFT))
        .add(org::Column::Id.is_in(own));
    let query = org::Entity::find()
        .filter(in_scope(&filter))
        .filter(not_draft);
    let name = plan_name(&state.db.read, q).await?;
    page(state, apply_filters(query, q, &name), params).await
}

/// The public directory: filed and registered organizations only.
pub async fn list_public(
    state: &AppState,
    q: &OrgFilter,
    params: &PageParams,
) -> AppResult<gongzhi_platform::web::Page<org::Model>> {
    let mut q = q.clone();
    q.state = None;
    let mut query = org::Entity::find().filter(org::Column::State.is_in(PUBLIC_STATES));
    if let Some(code) = q.territory.as_deref().filter(|s| !s.is_empty()) {
        let node = territory_svc::get(&state.db.read, code)
            .await?
            .ok_or(AppError::NotFound)?;
        query = query.filter(in_scope(&ScopeFilter::subtree(node.path)));
    }
    let name = plan_name(&state.db.read, &q).await?;
    page(state, apply_filters(query, &q, &name), params).await
}

async fn page(
    state: &AppState,
    mut query: Select<org::Entity>,
    params: &PageParams,
) -> AppResult<gongzhi_platform::web::Page<org::Model>> {
    let limit = params.limit()?;
    if let Some((name, id)) = params.decode::<(String, uuid::Uuid)>()? {
        query = query.filter(
            Expr::tuple([
                Expr::col((org::Entity, org::Column::Name)),
                Expr::col((org::Entity, org::Column::Id)),
            ])
            .gt(Expr::tuple([Expr::val(name), Expr::val(id)])),
        );
    }
    let rows = query
        .order_by_asc(org::Column::Name)
        .order_by_asc(org::Column::Id)
        .limit(limit + 1)
        .all(&state.db.read)
        .await?;
    Ok(gongzhi_platform::web::Page::from_rows(rows, limit, |r| {
        (r.name.clone(), r.id)
    }))
}

pub const EXPORT_MAX_ROWS: u64 = 100_000;

/// Every organization the actor may see under the filters, by name (at most 100,000), for export.
pub async fn list_all(
    state: &AppState,
    actor: &Actor,
    q: &OrgFilter,
) -> AppResult<Vec<org::Model>> {
    let mut out = Vec::new();
    let mut params = PageParams {
        limit: Some(200),
        cursor: None,
    };
    loop {
        let page = list(state, actor, q, &params).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) if (out.len() as u64) < EXPORT_MAX_ROWS => params.cursor = Some(c),
            _ => break,
        }
    }
    out.truncate(EXPORT_MAX_ROWS as usize);
    Ok(out)
}
