//! Who qualifies: the registry and standing facts of organizations, read in bulk, judged against
//! items' admission criteria. Computed on every request from the live registry, so the
//! qualified-provider catalog can never lag behind a change of either the registry or the
//! catalog.

use std::collections::HashMap;

use chrono::NaiveDate;
use gongzhi_orgs::domain::PUBLIC_STATES;
use gongzhi_orgs::entity::{org, org_grade, org_list_entry, org_standing_event};
use gongzhi_platform::sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use gongzhi_platform::web::{AppError, AppResult};

use crate::domain::{AdmissionCriteria, Eligibility, ItemDef, ProviderFacts, Snapshot};
use crate::entity::licence;

/// The standing event a 差 performance evaluation is recorded as.
pub const POOR_EVALUATION: &str = "performance_poor";

/// An organization as judged: its facts and what lists show of it.
#[derive(Debug, Clone)]
pub struct Provider {
    pub id: uuid::Uuid,
    pub name: String,
    pub facts: ProviderFacts,
}

/// Which organizations to read.
pub enum Which<'a> {
    /// One organization, whatever its state.
    One(uuid::Uuid),
    /// The district's filed and registered organizations, narrowed in SQL by what `criteria`
    /// allows (the exact check still runs on every one).
    District(&'a str, Option<&'a AdmissionCriteria>),
}

fn org_filter(which: &Which) -> Condition {
    match which {
        Which::One(id) => Condition::all().add(org::Column::Id.eq(*id)),
        Which::District(d, criteria) => {
            let mut c = Condition::all()
                .add(org::Column::ScopeDistrict.eq(*d))
                .add(org::Column::State.is_in(PUBLIC_STATES));
            if let Some(k) = criteria {
                if !k.legal_forms.is_empty() {
                    c = c.add(org::Column::LegalForm.is_in(k.legal_forms.iter().cloned()));
                }
                if !k.tiers.is_empty() {
                    c = c.add(org::Column::Tier.is_in(k.tiers.iter().cloned()));
                }
                if let Some(n) = k.min_social_workers {
                    c = c.add(org::Column::SocialWorkerCount.gte(n));
                }
            }
            c
        }
    }
}

/// The standing tables are small next to the registry: they are read whole (or for the one
/// organization) and matched in memory, which is cheaper than an `IN (subquery)` over a
/// district's organizations.
fn only<C: ColumnTrait>(which: &Which, col: C) -> Condition {
    match which {
        Which::One(id) => Condition::all().add(col.eq(*id)),
        Which::District(..) => Condition::all(),
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

/// Read the facts of the organizations `which` names, as they stand on `on`.
pub async fn providers(
    conn: &impl ConnectionTrait,
    which: Which<'_>,
    on: NaiveDate,
) -> AppResult<Vec<Provider>> {
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
        .filter(org_filter(&which))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: Vec<Provider> = Vec::with_capacity(rows.len());
    let mut at: HashMap<uuid::Uuid, usize> = HashMap::with_capacity(rows.len());
    for (id, name, state, legal_form, tier, registered_on, founded_on, social_workers) in rows {
        at.insert(id, out.len());
        out.push(Provider {
            id,
            name,
            facts: ProviderFacts {
                in_good_order: PUBLIC_STATES.contains(&state.as_str()),
                legal_form,
                tier,
                since: registered_on.or(founded_on),
                social_workers,
                ..Default::default()
            },
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    let grades: Vec<(uuid::Uuid, i32)> = org_grade::Entity::find()
        .select_only()
        .column(org_grade::Column::OrgId)
        .column(org_grade::Column::Grade)
        .filter(org_grade::Column::Status.eq("in_force"))
        .filter(org_grade::Column::AwardedOn.lte(on))
        .filter(org_grade::Column::ExpiresOn.gt(on))
        .filter(only(&which, org_grade::Column::OrgId))
        .into_tuple()
        .all(conn)
        .await?;
    for (id, g) in grades {
        if let Some(&i) = at.get(&id) {
            let f = &mut out[i].facts;
            f.grade = f.grade.max(Some(g));
        }
    }
    let lists: Vec<(uuid::Uuid, String)> = org_list_entry::Entity::find()
        .select_only()
        .column(org_list_entry::Column::OrgId)
        .column(org_list_entry::Column::List)
        .filter(org_list_entry::Column::RemovedOn.is_null())
        .filter(org_list_entry::Column::EnteredOn.lte(on))
        .filter(only(&which, org_list_entry::Column::OrgId))
        .into_tuple()
        .all(conn)
        .await?;
    for (id, list) in lists {
        if let Some(&i) = at.get(&id) {
            let f = &mut out[i].facts;
            match list.as_str() {
                "abnormal" => f.abnormal = true,
                "serious" => f.serious = true,
                _ => {}
            }
        }
    }
    let licences: Vec<(uuid::Uuid, String)> = licence::Entity::find()
        .select_only()
        .column(licence::Column::OrgId)
        .column(licence::Column::Kind)
        .filter(licence::Column::ValidFrom.lte(on))
        .filter(
            Condition::any()
                .add(licence::Column::ValidUntil.is_null())
                .add(licence::Column::ValidUntil.gte(on)),
        )
        .filter(
            Condition::any()
                .add(licence::Column::RevokedOn.is_null())
                .add(licence::Column::RevokedOn.gt(on)),
        )
        .filter(only(&which, licence::Column::OrgId))
        .into_tuple()
        .all(conn)
        .await?;
    for (id, kind) in licences {
        if let Some(&i) = at.get(&id) {
            out[i].facts.licences.push(kind);
        }
    }
    let poor: Vec<(uuid::Uuid, NaiveDate)> = org_standing_event::Entity::find()
        .select_only()
        .column(org_standing_event::Column::OrgId)
        .column(org_standing_event::Column::OccurredOn)
        .filter(org_standing_event::Column::Kind.eq(POOR_EVALUATION))
        .filter(org_standing_event::Column::OccurredOn.lte(on))
        .filter(only(&which, org_standing_event::Column::OrgId))
        .into_tuple()
        .all(conn)
        .await?;
    for (id, d) in poor {
        if let Some(&i) = at.get(&id) {
            out[i].facts.poor_evaluations.push(d);
        }
    }
    Ok(out)
}

/// One organization's facts.
pub async fn provider(
    conn: &impl ConnectionTrait,
    org_id: uuid::Uuid,
    on: NaiveDate,
) -> AppResult<Provider> {
    providers(conn, Which::One(org_id), on)
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// The organizations qualified for one item, by name, each with whether a warning applies.
pub async fn qualified_for(
    conn: &impl ConnectionTrait,
    district: &str,
    item: &ItemDef,
    on: NaiveDate,
) -> AppResult<Vec<(Provider, bool)>> {
    let all = providers(conn, Which::District(district, Some(&item.criteria)), on).await?;
    let mut out: Vec<(Provider, bool)> = all
        .into_iter()
        .filter_map(|p| item.criteria.admits(&p.facts, on).map(|w| (p, w)))
        .collect();
    out.sort_by(|a, b| a.0.name.cmp(&b.0.name).then(a.0.id.cmp(&b.0.id)));
    Ok(out)
}

/// Per item: how many organizations qualify, and how many of them only with a warning. One
/// read of the registry for the whole catalog.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Count {
    pub qualified: usize,
    pub warned: usize,
}

pub async fn counts(
    conn: &impl ConnectionTrait,
    district: &str,
    snap: &Snapshot,
    on: NaiveDate,
) -> AppResult<HashMap<String, Count>> {
    let all = providers(conn, Which::District(district, None), on).await?;
    Ok(count_all(&all, snap.items.values(), on))
}

/// Judge every provider against every item.
pub fn count_all<'a>(
    providers: &[Provider],
    items: impl Iterator<Item = &'a ItemDef>,
    on: NaiveDate,
) -> HashMap<String, Count> {
    items
        .map(|item| {
            let mut c = Count::default();
            for p in providers {
                if let Some(warned) = item.criteria.admits(&p.facts, on) {
                    c.qualified += 1;
                    c.warned += usize::from(warned);
                }
            }
            (item.code.clone(), c)
        })
        .collect()
}

/// One organization against every item of a version.
pub fn eligibility<'a>(
    p: &Provider,
    snap: &'a Snapshot,
    on: NaiveDate,
) -> Vec<(&'a ItemDef, Eligibility)> {
    snap.items
        .values()
        .map(|i| (i, i.criteria.evaluate(&p.facts, on)))
        .collect()
}
