//! Who qualifies: the registry and standing facts of organizations, read in bulk, judged against
//! items' admission criteria. Computed on every request from the live registry, so the
//! qualified-provider catalog can never lag behind a change of either the registry or the
//! catalog.

use std::collections::HashMap;

use chrono::NaiveDate;
use gongzhi_orgs::face::{self as registry, Among};
use gongzhi_platform::sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use gongzhi_platform::web::{AppError, AppResult};

use crate::domain::{AdmissionCriteria, Eligibility, ItemDef, ProviderFacts, Snapshot};
use crate::store::entity::licence;

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

/// Read the facts of the organizations `which` names, as they stand on `on`: the registry's
/// from its face, the licences from the catalog's own table.
pub async fn providers(
    conn: &impl ConnectionTrait,
    which: Which<'_>,
    on: NaiveDate,
) -> AppResult<Vec<Provider>> {
    let among = match &which {
        Which::One(id) => Among::One(*id),
        Which::District(district, criteria) => Among::District {
            district,
            legal_forms: criteria.map(|k| k.legal_forms.as_slice()).unwrap_or(&[]),
            tiers: criteria.map(|k| k.tiers.as_slice()).unwrap_or(&[]),
            min_social_workers: criteria.and_then(|k| k.min_social_workers),
        },
    };
    let facts = registry::registry_facts(conn, among, on).await?;
    let mut out: Vec<Provider> = Vec::with_capacity(facts.len());
    let mut at: HashMap<uuid::Uuid, usize> = HashMap::with_capacity(facts.len());
    for f in facts {
        at.insert(f.id, out.len());
        out.push(Provider {
            id: f.id,
            name: f.name,
            facts: ProviderFacts {
                in_good_order: f.in_good_order,
                legal_form: f.legal_form,
                tier: f.tier,
                since: f.since,
                social_workers: f.social_workers,
                grade: f.grade,
                abnormal: f.abnormal,
                serious: f.serious,
                poor_evaluations: f.poor_evaluations,
                ..Default::default()
            },
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    let one = match which {
        Which::One(id) => Condition::all().add(licence::Column::OrgId.eq(id)),
        Which::District(..) => Condition::all(),
    };
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
        .filter(one)
        .into_tuple()
        .all(conn)
        .await?;
    for (id, kind) in licences {
        if let Some(&i) = at.get(&id) {
            out[i].facts.licences.push(kind);
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
