//! The catalog's public face: all another module may use of it. The snapshot of a district's
//! catalog version (items with their admission criteria, the negative list), whether an item may
//! be bought, and how an organization fares against an item's criteria. Everything else in this
//! crate is private to it.

use chrono::NaiveDate;
use gongzhi_platform::sea_orm::ConnectionTrait;
use gongzhi_platform::web::AppResult;

use crate::service;

pub use crate::domain::{Check, Eligibility, ItemDef, ProviderFacts, Snapshot};
pub use crate::service::qualify::{Provider, provider};
pub use crate::service::{ScopeAnswer, scope_check};
pub use crate::web::api::check_message;

/// A district's catalog version `number` (`district`: the short code, `440308`).
pub async fn version(
    conn: &impl ConnectionTrait,
    district: &str,
    number: i32,
) -> AppResult<Option<Snapshot>> {
    let all = service::versions(conn, district).await?;
    match all.iter().find(|v| v.number == number) {
        Some(v) => Ok(Some(service::snapshot(conn, v.id).await?)),
        None => Ok(None),
    }
}

/// The version in force in a district on `on`: its number and snapshot.
pub async fn in_force(
    conn: &impl ConnectionTrait,
    district: &str,
    on: NaiveDate,
) -> AppResult<Option<(i32, Snapshot)>> {
    let all = service::versions(conn, district).await?;
    match service::in_force(&all, on) {
        Some(v) => Ok(Some((v.number, service::snapshot(conn, v.id).await?))),
        None => Ok(None),
    }
}

/// What a district's catalog shows on `on`: the version in force, or before any is, the first
/// published (empty when there is none).
pub async fn current(
    conn: &impl ConnectionTrait,
    district: &str,
    on: NaiveDate,
) -> AppResult<Snapshot> {
    let all = service::versions(conn, district).await?;
    match service::in_force(&all, on).or(all.first()) {
        Some(v) => service::snapshot(conn, v.id).await,
        None => Ok(Snapshot::default()),
    }
}
