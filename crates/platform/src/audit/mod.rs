//! The audit log. Every change of state writes one entry in the same transaction as the change,
//! authenticated by a code (HMAC) under the installation's audit key. A sealer periodically takes
//! the pending entries whose code checks, gives them the next chain positions, hashes each over its
//! predecessor (SHA-256) and records a seal signed with the audit key (Ed25519); each signed seal is
//! also appended to a checkpoint log outside the database that supervisors download and keep.
//! The key lives in a file, not in the database, so a database administrator can neither forge an
//! entry nor re-sign a rewritten chain; `verify` names the first entry or seal that does not hold.

mod chain;
pub mod keys;

pub use chain::{Breach, Checkpoint, Trail, VerifyOutcome, ensure_ring};

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::entity::audit_entry;
use crate::web::CurrentActor;

/// Who did it, from where. Built from the request, or for the CLI and jobs from a name.
#[derive(Debug, Clone)]
pub struct AuditActor {
    pub user_id: Option<uuid::Uuid>,
    pub name: String,
    pub ip: Option<String>,
}

impl AuditActor {
    pub fn system(name: &str) -> Self {
        AuditActor {
            user_id: None,
            name: name.to_string(),
            ip: None,
        }
    }
}

impl From<&CurrentActor> for AuditActor {
    fn from(a: &CurrentActor) -> Self {
        AuditActor {
            user_id: Some(a.actor.user_id.0),
            name: a.actor.username.clone(),
            ip: a.ip.clone(),
        }
    }
}

/// One change to record.
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub scope_path: &'a str,
    pub summary: Value,
}

/// Write the entry; call inside the transaction that makes the change.
pub async fn record(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    change: Change<'_>,
) -> Result<(), DbErr> {
    let [district, street, community] = gongzhi_kernel::authz::path_levels(change.scope_path);
    let entry = audit_entry::Model {
        scope_district: district.unwrap_or_default().to_string(),
        scope_street: street.map(str::to_string),
        scope_community: community.map(str::to_string),
        id: uuid::Uuid::now_v7(),
        at: now(),
        actor_id: who.user_id,
        actor_name: who.name.clone(),
        action: change.action.to_string(),
        entity_type: change.entity_type.to_string(),
        entity_id: change.entity_id.to_string(),
        scope_path: change.scope_path.to_string(),
        summary: change.summary.to_string(),
        ip: who.ip.clone(),
        chain_index: None,
        entry_hash: None,
        entry_mac: None,
    };
    audit_entry::ActiveModel::from(authenticated(entry)?)
        .insert(conn)
        .await?;
    Ok(())
}

/// The entry with its code under the installed key (for `record`, and for bulk inserts of
/// generated history in benchmarks).
pub fn authenticated(mut entry: audit_entry::Model) -> Result<audit_entry::Model, DbErr> {
    let ring = keys::installed()
        .ok_or_else(|| DbErr::Custom("audit keys are not loaded (app::build loads them)".into()))?;
    entry.entry_mac = Some(ring.current().mac(canonical(&entry).as_bytes()));
    Ok(entry)
}

/// Timestamps at microsecond precision, which both backends store exactly.
pub use crate::clock::now;

/// The canonical text an entry's code and hash cover: everything that says what happened and
/// who may see it (the scope levels decide which supervisors read the entry).
pub fn canonical(e: &audit_entry::Model) -> String {
    serde_json::json!([
        e.id.to_string(),
        e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        e.actor_id.map(|u| u.to_string()),
        e.actor_name,
        e.action,
        e.entity_type,
        e.entity_id,
        e.scope_path,
        e.scope_district,
        e.scope_street,
        e.scope_community,
        e.summary,
        e.ip,
    ])
    .to_string()
}

/// An entry's link in the chain: its position and content (its `canonical` text) over its
/// predecessor's hash.
pub fn chain_hash(prev: &str, index: i64, canonical: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(format!("\n{index}\n").as_bytes());
    h.update(canonical.as_bytes());
    hex::encode(h.finalize())
}

pub const GENESIS: &str = "gongzhi-audit-genesis";
