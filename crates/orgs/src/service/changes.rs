//! Editing an organization: everyday facts directly (its administrators or staff), key facts
//! (name, USCC, person in charge, territory) only through a reviewed change request once the
//! record is filed or registered.

use gongzhi_platform::sea_orm::QueryTrait as _;
use gongzhi_platform::versioned::{self, Stamp};
use gongzhi_kernel::ValidationErrors;
use gongzhi_kernel::authz::Actor;
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use gongzhi_platform::territory as territory_svc;
use gongzhi_platform::web::{AppError, AppResult, AppState};
use gongzhi_platform::workflow::{self, Target};
use serde_json::json;

use crate::domain::{self, ChangeCtx, KEY_FACT_CHANGE, KeyFacts, OrgInput, ValidOrg};
use crate::store::entity::{org, org_category_link, org_change};
use crate::service::{self, categories_of, category_codes, get_visible, resource};
use crate::{ORG_EDIT, ORG_READ};
use crate::domain::{ChangeState, OrgState};

/// States in which the applicant still edits everything directly.
const OPEN_STATES: [&str; 2] = [OrgState::DRAFT, OrgState::RETURNED];
/// States that take key-fact changes through review.
const LIVE_STATES: [&str; 2] = [OrgState::FILED, OrgState::ACTIVE];

/// The record as input, to be changed and checked again.
pub fn input_of(o: &org::Model, categories: Vec<String>) -> OrgInput {
    OrgInput {
        name: o.name.clone(),
        legal_form: o.legal_form.clone(),
        tier: o.tier.clone(),
        uscc: o.uscc.clone(),
        territory: o.territory_code.clone(),
        categories,
        founded_on: o.founded_on,
        registered_on: o.registered_on,
        service_areas: Some(o.service_areas.clone()),
        target_groups: Some(o.target_groups.clone()),
        supervising_unit: Some(o.supervising_unit.clone()),
        person_in_charge: Some(o.person_in_charge.clone()),
        person_in_charge_id: o.person_in_charge_id.clone(),
        contact_phone: o.contact_phone.clone(),
        staff_count: Some(o.staff_count),
        social_worker_count: Some(o.social_worker_count),
        party_org: Some(o.party_org.clone()),
    }
}

/// Everyday facts; absent fields stay as they are.
#[derive(Debug, Clone, Default, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct EverydayFacts {
    /// The version you last read.
    pub version: i32,
    pub categories: Option<Vec<String>>,
    pub founded_on: Option<chrono::NaiveDate>,
    pub service_areas: Option<String>,
    pub target_groups: Option<String>,
    pub supervising_unit: Option<String>,
    pub contact_phone: Option<String>,
    pub staff_count: Option<i32>,
    pub social_worker_count: Option<i32>,
    pub party_org: Option<String>,
}

/// Everyday facts and key facts. Key facts that differ from the record are accepted only while
/// it is still the applicant's draft (or returned for changes).
#[derive(Debug, Clone, Default, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct OrgPatch {
    #[serde(flatten)]
    pub facts: EverydayFacts,
    #[serde(flatten)]
    pub key_facts: KeyFacts,
}

impl OrgPatch {
    /// Read part by part, so that a field that fails is named (inside a flattened part serde
    /// would lose its path).
    pub fn read(v: &serde_json::Value) -> AppResult<OrgPatch> {
        Ok(OrgPatch {
            facts: gongzhi_platform::web::typed(v)?,
            key_facts: gongzhi_platform::web::typed(v)?,
        })
    }
}

async fn check(
    conn: &impl ConnectionTrait,
    input: &OrgInput,
    own_id: uuid::Uuid,
) -> AppResult<(ValidOrg, gongzhi_platform::entity::territory::Model)> {
    let known = category_codes(conn).await?;
    let v = domain::validate(input, gongzhi_platform::clock::today(), &known)?;
    if let Some(code) = &v.uscc {
        let taken = org::Entity::find()
            .filter(org::Column::Uscc.eq(code.as_str()))
            .filter(org::Column::Id.ne(own_id))
            .one(conn)
            .await?;
        if taken.is_some() {
            return Err(AppError::field("uscc", "org.uscc_taken"));
        }
    }
    let node = territory_svc::get(conn, &v.territory)
        .await?
        .ok_or_else(|| AppError::field("territory", "territory.not_found"))?;
    if node.status != "active" {
        return Err(AppError::field("territory", "territory.inactive"));
    }
    Ok((v, node))
}

/// Write a checked record over the organization, if its version is still `version`.
async fn save(
    conn: &impl ConnectionTrait,
    o: &org::Model,
    version: i32,
    v: &ValidOrg,
    node: &gongzhi_platform::entity::territory::Model,
) -> AppResult<org::Model> {
    let [d, s, c] = gongzhi_kernel::authz::path_levels(&node.path);
    let mut a: org::ActiveModel = o.clone().into();
    a.name = Set(v.name.clone());
    a.uscc = Set(v.uscc.as_ref().map(|u| u.as_str().to_string()));
    a.territory_code = Set(node.code.clone());
    a.path = Set(node.path.clone());
    a.scope_district = Set(d.unwrap_or_default().into());
    a.scope_street = Set(s.map(Into::into));
    a.scope_community = Set(c.map(Into::into));
    a.founded_on = Set(v.founded_on);
    a.service_areas = Set(v.service_areas.clone());
    a.target_groups = Set(v.target_groups.clone());
    a.supervising_unit = Set(v.supervising_unit.clone());
    a.person_in_charge = Set(v.person_in_charge.clone());
    a.person_in_charge_id = Set(v
        .person_in_charge_id
        .as_ref()
        .map(|i| i.as_str().to_string()));
    a.contact_phone = Set(v.contact_phone.as_ref().map(|p| p.as_str().to_string()));
    a.staff_count = Set(v.staff_count);
    a.social_worker_count = Set(v.social_worker_count);
    a.party_org = Set(v.party_org.clone());
    versioned::bump(
        conn,
        org::Entity::update_many()
            .set(a)
            .filter(org::Column::Id.eq(o.id))
            .into_query(),
        version,
        Stamp::UpdatedAt,
    )
    .await?;
    if v.name != o.name {
        crate::service::index_name(conn, o.id, &v.name).await?;
    }
    org_category_link::Entity::delete_many()
        .filter(org_category_link::Column::OrgId.eq(o.id))
        .exec(conn)
        .await?;
    for cat in &v.categories {
        org_category_link::ActiveModel {
            org_id: Set(o.id),
            category_code: Set(cat.clone()),
        }
        .insert(conn)
        .await?;
    }
    org::Entity::find_by_id(o.id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// What changed, for the audit entry (personal data masked).
fn diff(before: &OrgInput, after: &ValidOrg) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    let mut put = |k: &str, a: String, b: String| {
        if a != b {
            out.insert(k.into(), json!({"from": a, "to": b}));
        }
    };
    put("name", before.name.clone(), after.name.clone());
    put(
        "uscc",
        before.uscc.clone().unwrap_or_default(),
        after
            .uscc
            .as_ref()
            .map(|u| u.as_str().to_string())
            .unwrap_or_default(),
    );
    put(
        "territory",
        before.territory.clone(),
        after.territory.clone(),
    );
    put(
        "person_in_charge",
        before.person_in_charge.clone().unwrap_or_default(),
        after.person_in_charge.clone(),
    );
    let masked = |s: &Option<String>| {
        s.as_deref()
            .and_then(|i| gongzhi_kernel::IdCardNumber::parse(i).ok())
            .map(|i| i.masked())
            .unwrap_or_default()
    };
    put(
        "person_in_charge_id",
        masked(&before.person_in_charge_id),
        after
            .person_in_charge_id
            .as_ref()
            .map(|i| i.masked())
            .unwrap_or_default(),
    );
    put(
        "service_areas",
        before.service_areas.clone().unwrap_or_default(),
        after.service_areas.clone(),
    );
    put(
        "target_groups",
        before.target_groups.clone().unwrap_or_default(),
        after.target_groups.clone(),
    );
    put(
        "staff",
        format!(
            "{}/{}",
            before.staff_count.unwrap_or(0),
            before.social_worker_count.unwrap_or(0)
        ),
        format!("{}/{}", after.staff_count, after.social_worker_count),
    );
    put(
        "categories",
        before.categories.join(","),
        after.categories.join(","),
    );
    serde_json::Value::Object(out)
}

pub async fn edit(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    org_id: &str,
    patch: &OrgPatch,
) -> AppResult<org::Model> {
    let o = get_visible(state, actor, org_id).await?;
    state.authorize(actor, ORG_EDIT, &resource(&o))?;
    let open = OPEN_STATES.contains(&o.state.as_str());
    if !open && !LIVE_STATES.contains(&o.state.as_str()) {
        return Err(AppError::Conflict("org.ended"));
    }
    if patch.facts.version != o.version {
        return Err(AppError::Conflict("error.stale_version"));
    }
    let cats = categories_of(&state.db.read, &[o.id])
        .await?
        .remove(&o.id)
        .unwrap_or_default();
    let before = input_of(&o, cats);
    // A client that sends back what it read changes no key fact by resending it.
    let changed = patch
        .key_facts
        .changed_from(&before, service::masked_id(&o).as_deref());
    if !open {
        let mut errors = ValidationErrors::new();
        for f in changed.fields() {
            errors.add(f, "org.key_fact_needs_review");
        }
        errors.into_result()?;
    }
    let mut input = changed.apply(before.clone());
    if let Some(c) = &patch.facts.categories {
        input.categories = c.clone();
    }
    macro_rules! take {
        ($($f:ident),*) => { $( if patch.facts.$f.is_some() { input.$f = patch.facts.$f.clone(); } )* };
    }
    take!(
        founded_on,
        service_areas,
        target_groups,
        supervising_unit,
        staff_count,
        social_worker_count,
        party_org
    );
    // The phone as the API shows it (masked) is the stored one, resent.
    if patch.facts.contact_phone.is_some() && patch.facts.contact_phone != service::masked_phone(&o)
    {
        input.contact_phone = patch.facts.contact_phone.clone();
    }
    let txn = state.db.write.begin().await?;
    let (v, node) = check(&txn, &input, o.id).await?;
    if node.path != o.path {
        // Moving is a key fact: the new place must be within the editor's reach too.
        state.authorize(
            actor,
            ORG_EDIT,
            &gongzhi_kernel::authz::ResourceScope::territory(node.path.clone()),
        )?;
    }
    let updated = save(&txn, &o, patch.facts.version, &v, &node).await?;
    audit::record(
        &txn,
        who,
        Change {
            action: "org.edit",
            entity_type: "org",
            entity_id: &o.id.to_string(),
            scope_path: &updated.path,
            summary: diff(&before, &v),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

fn masked_facts(f: &KeyFacts) -> KeyFacts {
    KeyFacts {
        person_in_charge_id: f.person_in_charge_id.as_deref().map(|i| {
            gongzhi_kernel::IdCardNumber::parse(i)
                .map(|i| i.masked())
                .unwrap_or_else(|_| "****".into())
        }),
        ..f.clone()
    }
}

/// The proposed facts with the person's ID number masked.
pub fn proposed(c: &org_change::Model) -> KeyFacts {
    masked_facts(&serde_json::from_str(&c.proposed).unwrap_or_default())
}

/// Propose a change of key facts for review.
pub async fn propose(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    org_id: &str,
    facts: &KeyFacts,
    reason: &str,
) -> AppResult<org_change::Model> {
    let o = get_visible(state, actor, org_id).await?;
    state.authorize(actor, ORG_EDIT, &resource(&o))?;
    if !LIVE_STATES.contains(&o.state.as_str()) {
        return Err(AppError::Conflict("org.change_needs_live_record"));
    }
    let cats = categories_of(&state.db.read, &[o.id])
        .await?
        .remove(&o.id)
        .unwrap_or_default();
    let before = input_of(&o, cats);
    let facts = &facts.changed_from(&before, service::masked_id(&o).as_deref());
    if facts.is_empty() {
        return Err(AppError::field("name", "org.change_empty"));
    }
    if reason.trim().is_empty() {
        return Err(AppError::field("reason", "workflow.reason_required"));
    }
    let txn = state.db.write.begin().await?;
    check(&txn, &facts.apply(before), o.id).await?;
    let pending = org_change::Entity::find()
        .filter(org_change::Column::OrgId.eq(o.id))
        .filter(org_change::Column::State.is_in([ChangeState::SUBMITTED, ChangeState::COMMUNITY_REVIEWED]))
        .one(&txn)
        .await?;
    if pending.is_some() {
        return Err(AppError::Conflict("org.change_open"));
    }
    let c = org_change::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(o.id),
        proposed: Set(serde_json::to_string(facts).map_err(anyhow::Error::from)?),
        reason: Set(reason.trim().chars().take(500).collect()),
        state: Set(KEY_FACT_CHANGE.initial.into()),
        created_by: Set(who.user_id),
        created_at: Set(audit::now()),
        updated_at: Set(audit::now()),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        Change {
            action: "org.change_propose",
            entity_type: "org",
            entity_id: &o.id.to_string(),
            scope_path: &o.path,
            summary: json!({"change": c.id, "proposed": masked_facts(facts), "reason": c.reason}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

pub async fn list(
    state: &AppState,
    actor: &Actor,
    org_id: &str,
) -> AppResult<Vec<org_change::Model>> {
    let o = get_visible(state, actor, org_id).await?;
    Ok(org_change::Entity::find()
        .filter(org_change::Column::OrgId.eq(o.id))
        .order_by_desc(org_change::Column::CreatedAt)
        .all(&state.db.read)
        .await?)
}

/// A change and its organization, if the actor may read it.
pub async fn get(
    state: &AppState,
    actor: &Actor,
    change_id: &str,
) -> AppResult<(org::Model, org_change::Model)> {
    let id: uuid::Uuid = change_id.parse().map_err(|_| AppError::NotFound)?;
    let c = org_change::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let o = get_visible(state, actor, &c.org_id.to_string()).await?;
    state.authorize(actor, ORG_READ, &resource(&o))?;
    Ok((o, c))
}

/// Move a change along its review; an approval applies the facts to the record.
pub async fn transition(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    change_id: &str,
    name: &str,
    version: i32,
    reason: Option<&str>,
) -> AppResult<org_change::Model> {
    let (o, c) = get(state, actor, change_id).await?;
    let ctx = ChangeCtx {
        needs_community_review: o.tier != "registered",
        state: c.state.clone(),
    };
    let txn = state.db.write.begin().await?;
    let step = workflow::perform(
        &txn,
        state,
        actor,
        who,
        &KEY_FACT_CHANGE,
        Target {
            table: "org_changes",
            id: c.id.into(),
            entity_id: &c.id.to_string(),
            state: &c.state,
            version,
            scope: resource(&o),
        },
        name,
        reason,
        &ctx,
    )
    .await?;
    if step.to == ChangeState::APPROVED {
        if !LIVE_STATES.contains(&o.state.as_str()) {
            return Err(AppError::Conflict("org.change_needs_live_record"));
        }
        let facts: KeyFacts = serde_json::from_str(&c.proposed).map_err(anyhow::Error::from)?;
        let cats = categories_of(&txn, &[o.id])
            .await?
            .remove(&o.id)
            .unwrap_or_default();
        let before = input_of(&o, cats);
        let (v, node) = check(&txn, &facts.apply(before.clone()), o.id).await?;
        let updated = save(&txn, &o, o.version, &v, &node).await?;
        audit::record(
            &txn,
            who,
            Change {
                action: "org.key_facts_changed",
                entity_type: "org",
                entity_id: &o.id.to_string(),
                scope_path: &updated.path,
                summary: json!({"change": c.id, "diff": diff(&before, &v)}),
            },
        )
        .await?;
    }
    let c = org_change::Entity::find_by_id(c.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(c)
}
