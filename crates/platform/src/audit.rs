//! The audit log. Every change of state writes one entry in the same transaction as the change.
//! Entries are append-only; a sealer periodically takes the unsealed ones, gives them the next
//! chain positions and hashes each over its predecessor (SHA-256), then records a seal. Sealing
//! in batches keeps writers from serializing on the chain; `verify` recomputes the whole chain
//! and names the first entry that does not match.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::entity::{audit_entry, audit_seal};
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
    audit_entry::ActiveModel {
        scope_district: Set(district.unwrap_or_default().to_string()),
        scope_street: Set(street.map(str::to_string)),
        scope_community: Set(community.map(str::to_string)),
        id: Set(uuid::Uuid::now_v7()),
        at: Set(now()),
        actor_id: Set(who.user_id),
        actor_name: Set(who.name.clone()),
        action: Set(change.action.to_string()),
        entity_type: Set(change.entity_type.to_string()),
        entity_id: Set(change.entity_id.to_string()),
        scope_path: Set(change.scope_path.to_string()),
        summary: Set(change.summary.to_string()),
        ip: Set(who.ip.clone()),
        chain_index: Set(None),
        entry_hash: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Timestamps at microsecond precision, which both backends store exactly.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The canonical text an entry's hash covers.
fn canonical(e: &audit_entry::Model) -> String {
    serde_json::json!([
        e.id.to_string(),
        e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        e.actor_id.map(|u| u.to_string()),
        e.actor_name,
        e.action,
        e.entity_type,
        e.entity_id,
        e.scope_path,
        e.summary,
        e.ip,
    ])
    .to_string()
}

fn chain_hash(prev: &str, e: &audit_entry::Model) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(canonical(e).as_bytes());
    hex::encode(h.finalize())
}

const GENESIS: &str = "gongzhi-audit-genesis";

/// Seal up to `batch` pending entries. Returns how many were sealed. Two sealers racing conflict
/// on the seal number and one rolls back, so the chain never forks.
pub async fn seal_pending(db: &Db, batch: u64) -> Result<u64, DbErr> {
    let txn = db.write.begin().await?;
    let last = audit_seal::Entity::find()
        .order_by_desc(audit_seal::Column::SealNo)
        .one(&txn)
        .await?;
    let (seal_no, mut index, mut prev) = match &last {
        Some(s) => (s.seal_no + 1, s.last_index, s.last_hash.clone()),
        None => (1, 0, GENESIS.to_string()),
    };
    let pending = audit_entry::Entity::find()
        .filter(audit_entry::Column::ChainIndex.is_null())
        .order_by_asc(audit_entry::Column::At)
        .order_by_asc(audit_entry::Column::Id)
        .limit(batch)
        .all(&txn)
        .await?;
    if pending.is_empty() {
        txn.rollback().await?;
        return Ok(0);
    }
    let first_index = index + 1;
    let count = pending.len() as u64;
    for e in pending {
        index += 1;
        let hash = chain_hash(&prev, &e);
        audit_entry::Entity::update_many()
            .col_expr(audit_entry::Column::ChainIndex, Expr::value(index))
            .col_expr(audit_entry::Column::EntryHash, Expr::value(hash.clone()))
            .filter(audit_entry::Column::Id.eq(e.id))
            .exec(&txn)
            .await?;
        prev = hash;
    }
    audit_seal::ActiveModel {
        seal_no: Set(seal_no),
        first_index: Set(first_index),
        last_index: Set(index),
        last_hash: Set(prev),
        sealed_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(count)
}

/// Seal everything pending (the CLI and tests; the server seals on a timer).
pub async fn seal_all(db: &Db) -> Result<u64, DbErr> {
    let mut total = 0;
    loop {
        let n = seal_pending(db, 5_000).await?;
        total += n;
        if n == 0 {
            return Ok(total);
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum VerifyOutcome {
    Intact {
        sealed: u64,
        pending: u64,
    },
    Broken {
        chain_index: i64,
        entry_id: Option<uuid::Uuid>,
        problem: &'static str,
    },
}

/// Recompute the chain from the start. Streams in pages so a million entries fit in memory.
pub async fn verify(db: &Db) -> Result<VerifyOutcome, DbErr> {
    let conn = &db.read;
    let mut prev = GENESIS.to_string();
    let mut expected_index: i64 = 1;
    let mut hashes_at_seal_ends = std::collections::HashMap::new();
    let seals = audit_seal::Entity::find()
        .order_by_asc(audit_seal::Column::SealNo)
        .all(conn)
        .await?;
    let mut seal_end = 0;
    for (i, s) in seals.iter().enumerate() {
        if s.seal_no != i as i64 + 1
            || s.first_index != seal_end + 1
            || s.last_index < s.first_index
        {
            return Ok(VerifyOutcome::Broken {
                chain_index: s.first_index,
                entry_id: None,
                problem: "seal_sequence",
            });
        }
        seal_end = s.last_index;
        hashes_at_seal_ends.insert(s.last_index, s.last_hash.clone());
    }
    loop {
        let page = audit_entry::Entity::find()
            .filter(audit_entry::Column::ChainIndex.gte(expected_index))
            .order_by_asc(audit_entry::Column::ChainIndex)
            .limit(10_000)
            .all(conn)
            .await?;
        if page.is_empty() {
            break;
        }
        for e in page {
            let idx = e.chain_index.unwrap_or_default();
            if idx != expected_index {
                return Ok(VerifyOutcome::Broken {
                    chain_index: expected_index,
                    entry_id: Some(e.id),
                    problem: "missing_entry",
                });
            }
            let hash = chain_hash(&prev, &e);
            if e.entry_hash.as_deref() != Some(hash.as_str()) {
                return Ok(VerifyOutcome::Broken {
                    chain_index: idx,
                    entry_id: Some(e.id),
                    problem: "hash_mismatch",
                });
            }
            if let Some(sealed) = hashes_at_seal_ends.get(&idx)
                && *sealed != hash
            {
                return Ok(VerifyOutcome::Broken {
                    chain_index: idx,
                    entry_id: Some(e.id),
                    problem: "seal_mismatch",
                });
            }
            prev = hash;
            expected_index += 1;
        }
    }
    let sealed = expected_index - 1;
    if sealed != seal_end {
        return Ok(VerifyOutcome::Broken {
            chain_index: sealed + 1,
            entry_id: None,
            problem: "missing_entry",
        });
    }
    let pending = audit_entry::Entity::find()
        .filter(audit_entry::Column::ChainIndex.is_null())
        .count(conn)
        .await?;
    Ok(VerifyOutcome::Intact {
        sealed: sealed as u64,
        pending,
    })
}
