//! Sealing the chain, the signed checkpoint log, and verification.

use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::keys::{self, KeyRing};
use super::{GENESIS, canonical, chain_hash, now};
use crate::config::Config;
use crate::db::Db;
use crate::entity::{audit_entry, audit_seal};

/// A signed seal as kept outside the database: one JSON line of the checkpoint log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seal_no: i64,
    pub first_index: i64,
    pub last_index: i64,
    pub last_hash: String,
    pub sealed_at: String,
    pub key_id: String,
    /// The signing key's public half, so a kept file can be checked without the ring.
    pub public_key: String,
    pub signature: String,
}

/// The bytes a seal's signature covers.
fn seal_message(
    seal_no: i64,
    first_index: i64,
    last_index: i64,
    last_hash: &str,
    sealed_at: &str,
    key_id: &str,
) -> Vec<u8> {
    format!(
        "gongzhi-audit-checkpoint/1\n{seal_no}\n{first_index}\n{last_index}\n{last_hash}\n{sealed_at}\n{key_id}"
    )
    .into_bytes()
}

fn sealed_at_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl Checkpoint {
    fn message(&self) -> Vec<u8> {
        seal_message(
            self.seal_no,
            self.first_index,
            self.last_index,
            &self.last_hash,
            &self.sealed_at,
            &self.key_id,
        )
    }

    /// The signature checks against the public key the line names, and that key is the one its
    /// id names: a kept file can be checked with nothing else.
    pub fn signature_holds(&self) -> bool {
        let id_matches = hex::decode(&self.public_key)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok())
            .is_some_and(|k| keys::key_id(&k) == self.key_id);
        id_matches && keys::verify_with_public(&self.public_key, &self.message(), &self.signature)
    }

    fn matches(&self, s: &audit_seal::Model) -> bool {
        self.seal_no == s.seal_no
            && self.first_index == s.first_index
            && self.last_index == s.last_index
            && self.last_hash == s.last_hash
            && s.key_id.as_deref() == Some(self.key_id.as_str())
            && s.signature.as_deref() == Some(self.signature.as_str())
    }
}

/// What was found wrong, and where: the entry (position and id) or the seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    pub problem: &'static str,
    pub chain_index: Option<i64>,
    pub entry_id: Option<uuid::Uuid>,
    pub seal_no: Option<i64>,
}

impl Breach {
    fn entry(problem: &'static str, e: &audit_entry::Model) -> Breach {
        Breach {
            problem,
            chain_index: e.chain_index,
            entry_id: Some(e.id),
            seal_no: None,
        }
    }
    fn seal(problem: &'static str, seal_no: i64, chain_index: Option<i64>) -> Breach {
        Breach {
            problem,
            chain_index,
            entry_id: None,
            seal_no: Some(seal_no),
        }
    }
    fn missing(index: i64) -> Breach {
        Breach {
            problem: "missing_entry",
            chain_index: Some(index),
            entry_id: None,
            seal_no: None,
        }
    }

    /// One line for the terminal, Chinese first.
    pub fn describe(&self) -> String {
        let what = match self.problem {
            "index_out_of_range" => "位置不在链内 / position outside the chain",
            "duplicate_index" => "两个条目占同一位置 / two entries at one position",
            "missing_entry" => "条目缺失 / entry missing",
            "entry_mac" => {
                "条目认证码不符（非平台写入或被改动）/ entry code does not check (not written by the platform, or altered)"
            }
            "hash_mismatch" => "哈希不符 / hash does not match",
            "unsealed_index" => "有位置却不在任何封存内 / has a position but no seal covers it",
            "seal_sequence" => "封存不连续 / seals not contiguous",
            "seal_signature" => "封存签名无效 / seal signature invalid",
            "seal_mismatch" => "封存与链不符 / seal does not match the chain",
            "checkpoint_signature" => "检查点签名无效 / checkpoint signature invalid",
            "checkpoint_mismatch" => {
                "数据库与保存的检查点不符 / database differs from the kept checkpoint"
            }
            "checkpoint_missing_seal" => {
                "保存的检查点在数据库中已不存在 / a kept checkpoint's seal is gone from the database"
            }
            other => other,
        };
        let mut at = Vec::new();
        if let Some(i) = self.chain_index {
            at.push(format!("#{i}"));
        }
        if let Some(id) = self.entry_id {
            at.push(format!("id {id}"));
        }
        if let Some(s) = self.seal_no {
            at.push(format!("seal {s}"));
        }
        format!("{what} [{}] ({})", at.join(", "), self.problem)
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum VerifyOutcome {
    Intact {
        sealed: u64,
        pending: u64,
        seals: u64,
        /// Checkpoints compared (the local log and any kept file).
        checkpoints: u64,
    },
    Broken(Breach),
}

fn key_path(config: &Config) -> PathBuf {
    config
        .audit_key_file
        .clone()
        .unwrap_or_else(|| config.data_dir.join("audit-keys"))
}

/// Refuse to start where a key ring would be minted for a chain it cannot continue: the ring
/// is missing but the database already holds audit entries (a wrong data directory, an
/// unmounted volume, a ring lost), or the database's seals predate signed seals.
pub async fn ensure_ring(config: &Config, db: &Db) -> anyhow::Result<()> {
    let unsigned = audit_seal::Entity::find()
        .filter(audit_seal::Column::Signature.is_null())
        .count(&db.read)
        .await?;
    anyhow::ensure!(
        unsigned == 0,
        "此数据库的审计链早于签名封存，无法续接，请重新创建 / this database's audit chain predates signed seals and cannot be continued: create the database anew"
    );
    let path = key_path(config);
    if !path.exists() {
        let entries = audit_entry::Entity::find().count(&db.read).await?;
        anyhow::ensure!(
            entries == 0,
            "找不到审计密钥 {} ，而数据库已有审计记录：请恢复密钥文件（或设置 audit_key_file） / the audit key ring {} is missing but the database holds audit entries: restore it (or set audit_key_file)",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

/// The installation's audit trail: its key ring and its checkpoint log.
#[derive(Clone)]
pub struct Trail {
    pub keys: Arc<KeyRing>,
    pub log: PathBuf,
}

impl Trail {
    /// Load (or on first start create) the key ring named by the configuration and make it the
    /// one new entries are authenticated with.
    pub fn open(config: &Config) -> anyhow::Result<Trail> {
        let keys = Arc::new(KeyRing::load_or_create(&key_path(config))?);
        keys::install(keys.clone())?;
        std::fs::create_dir_all(&config.data_dir)?;
        Ok(Trail {
            keys,
            log: config.data_dir.join("audit-checkpoints.jsonl"),
        })
    }

    /// Seal up to `batch` pending entries whose code checks, then bring the checkpoint log up
    /// to date. Returns how many were sealed. Two sealers racing conflict on the seal number and
    /// one rolls back, so the chain never forks. An entry whose code does not check stays
    /// pending (skipped, so it cannot hold up the others), and `verify` names it.
    pub async fn seal_pending(&self, db: &Db, batch: u64) -> Result<u64, DbErr> {
        let count = self.seal_batch(db, batch).await?;
        if count > 0
            && let Err(e) = self.sync_log(db).await
        {
            tracing::error!(error = %e, "audit checkpoint log not written");
        }
        Ok(count)
    }

    async fn seal_batch(&self, db: &Db, batch: u64) -> Result<u64, DbErr> {
        let txn = db.write.begin().await?;
        let last = audit_seal::Entity::find()
            .order_by_desc(audit_seal::Column::SealNo)
            .one(&txn)
            .await?;
        let (seal_no, mut index, mut prev) = match &last {
            Some(s) => (s.seal_no + 1, s.last_index, s.last_hash.clone()),
            None => (1, 0, GENESIS.to_string()),
        };
        let first_index = index + 1;
        let mut after: Option<(DateTime<Utc>, uuid::Uuid)> = None;
        'pages: while ((index - first_index + 1) as u64) < batch {
            let mut q =
                audit_entry::Entity::find().filter(audit_entry::Column::ChainIndex.is_null());
            if let Some((at, id)) = after {
                q = q.filter(
                    Expr::tuple([
                        Expr::col(audit_entry::Column::At),
                        Expr::col(audit_entry::Column::Id),
                    ])
                    .gt(Expr::tuple([Expr::val(at), Expr::val(id)])),
                );
            }
            let page = q
                .order_by_asc(audit_entry::Column::At)
                .order_by_asc(audit_entry::Column::Id)
                .limit(batch)
                .all(&txn)
                .await?;
            let Some(tail) = page.last() else { break };
            after = Some((tail.at, tail.id));
            for e in page {
                let text = canonical(&e);
                if !self
                    .keys
                    .check_mac(seal_no, text.as_bytes(), e.entry_mac.as_deref())
                {
                    tracing::error!(entry = %e.id, "audit entry with a code that does not check left unsealed");
                    continue;
                }
                index += 1;
                let hash = chain_hash(&prev, index, &text);
                audit_entry::Entity::update_many()
                    .col_expr(audit_entry::Column::ChainIndex, Expr::value(index))
                    .col_expr(audit_entry::Column::EntryHash, Expr::value(hash.clone()))
                    .filter(audit_entry::Column::Id.eq(e.id))
                    .exec(&txn)
                    .await?;
                prev = hash;
                if (index - first_index + 1) as u64 >= batch {
                    break 'pages;
                }
            }
        }
        if index < first_index {
            txn.rollback().await?;
            return Ok(0);
        }
        let sealed_at = now();
        let key = self.keys.current();
        let signature = key.sign(&seal_message(
            seal_no,
            first_index,
            index,
            &prev,
            &sealed_at_text(sealed_at),
            &key.id,
        ));
        audit_seal::ActiveModel {
            seal_no: Set(seal_no),
            first_index: Set(first_index),
            last_index: Set(index),
            last_hash: Set(prev),
            sealed_at: Set(sealed_at),
            key_id: Set(Some(key.id.clone())),
            signature: Set(Some(signature)),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok((index - first_index + 1) as u64)
    }

    /// Seal everything pending (the CLI and tests; the server seals on a timer).
    pub async fn seal_all(&self, db: &Db) -> Result<u64, DbErr> {
        let mut total = 0;
        loop {
            let n = self.seal_pending(db, 5_000).await?;
            total += n;
            if n == 0 {
                return Ok(total);
            }
        }
    }

    /// Append to the checkpoint log every seal it lacks whose signature holds, in order.
    /// Several processes may seal: the file lock keeps their lines whole, in order and single.
    pub async fn sync_log(&self, db: &Db) -> anyhow::Result<u64> {
        let log = self.log.clone();
        let logged = tokio::task::spawn_blocking(move || last_logged(&log)).await??;
        let seals = audit_seal::Entity::find()
            .filter(audit_seal::Column::SealNo.gt(logged))
            .order_by_asc(audit_seal::Column::SealNo)
            .all(&db.read)
            .await?;
        let mut checkpoints = Vec::new();
        for s in &seals {
            match self.checkpoint_of(s) {
                Some(cp) => checkpoints.push(cp),
                None => {
                    tracing::error!(
                        seal = s.seal_no,
                        "audit seal not signed by a key of the ring: not logged"
                    );
                    break;
                }
            }
        }
        let log = self.log.clone();
        tokio::task::spawn_blocking(move || append(&log, checkpoints)).await?
    }

    /// The seal as a checkpoint, if its signature holds under a key of the ring that may have
    /// signed it.
    fn checkpoint_of(&self, s: &audit_seal::Model) -> Option<Checkpoint> {
        let (key_id, signature) = (s.key_id.as_deref()?, s.signature.as_deref()?);
        let key = self.keys.get(key_id)?;
        let cp = Checkpoint {
            seal_no: s.seal_no,
            first_index: s.first_index,
            last_index: s.last_index,
            last_hash: s.last_hash.clone(),
            sealed_at: sealed_at_text(s.sealed_at),
            key_id: key_id.to_string(),
            public_key: key.public_key_hex(),
            signature: signature.to_string(),
        };
        self.keys
            .verify(key_id, s.seal_no, &cp.message(), signature)
            .then_some(cp)
    }

    /// The checkpoint log as stored (JSON lines), for supervisors to download and keep.
    pub async fn log_text(&self) -> std::io::Result<String> {
        match tokio::fs::read_to_string(&self.log).await {
            Ok(s) => Ok(s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(e) => Err(e),
        }
    }

    /// Check the whole trail: every seal's place and signature; every entry from position 1 on
    /// (one per position), its code, its hash and its seal; every pending entry's code; the
    /// local checkpoint log and, when given, a checkpoint file kept elsewhere. Streams in pages
    /// so a million entries fit in memory. The first breach found in chain order is returned.
    pub async fn verify(&self, db: &Db, kept: Option<&Path>) -> anyhow::Result<VerifyOutcome> {
        let conn = &db.read;
        let seals = audit_seal::Entity::find()
            .order_by_asc(audit_seal::Column::SealNo)
            .all(conn)
            .await?;
        let mut seal_end = 0;
        // Where each seal ends, and which seal covers a position (seals are contiguous).
        let mut ends = std::collections::HashMap::new();
        let mut starts = Vec::with_capacity(seals.len());
        for (i, s) in seals.iter().enumerate() {
            if s.seal_no != i as i64 + 1
                || s.first_index != seal_end + 1
                || s.last_index < s.first_index
            {
                return Ok(VerifyOutcome::Broken(Breach::seal(
                    "seal_sequence",
                    s.seal_no,
                    Some(s.first_index),
                )));
            }
            seal_end = s.last_index;
            ends.insert(s.last_index, s);
            starts.push(s.first_index);
        }
        let seal_of = |idx: i64| starts.partition_point(|f| *f <= idx) as i64;
        let mut prev = GENESIS.to_string();
        let mut expected: i64 = 1;
        // Every positioned entry, in (position, id) order, so that neither a position outside
        // 1..=end nor a second entry at one position can hide between pages.
        let mut after: Option<(i64, uuid::Uuid)> = None;
        loop {
            let mut q =
                audit_entry::Entity::find().filter(audit_entry::Column::ChainIndex.is_not_null());
            if let Some((idx, id)) = after {
                q = q.filter(
                    Expr::tuple([
                        Expr::col(audit_entry::Column::ChainIndex),
                        Expr::col(audit_entry::Column::Id),
                    ])
                    .gt(Expr::tuple([Expr::val(idx), Expr::val(id)])),
                );
            }
            let page = q
                .order_by_asc(audit_entry::Column::ChainIndex)
                .order_by_asc(audit_entry::Column::Id)
                .limit(10_000)
                .all(conn)
                .await?;
            let Some(tail) = page.last() else { break };
            after = Some((tail.chain_index.unwrap_or_default(), tail.id));
            for e in page {
                let idx = e.chain_index.unwrap_or_default();
                if idx < 1 {
                    return Ok(VerifyOutcome::Broken(Breach::entry(
                        "index_out_of_range",
                        &e,
                    )));
                }
                if idx < expected {
                    return Ok(VerifyOutcome::Broken(Breach::entry("duplicate_index", &e)));
                }
                if idx > expected {
                    return Ok(VerifyOutcome::Broken(Breach::missing(expected)));
                }
                if idx > seal_end {
                    return Ok(VerifyOutcome::Broken(Breach::entry("unsealed_index", &e)));
                }
                let text = canonical(&e);
                if !self
                    .keys
                    .check_mac(seal_of(idx), text.as_bytes(), e.entry_mac.as_deref())
                {
                    return Ok(VerifyOutcome::Broken(Breach::entry("entry_mac", &e)));
                }
                let hash = chain_hash(&prev, idx, &text);
                if e.entry_hash.as_deref() != Some(hash.as_str()) {
                    return Ok(VerifyOutcome::Broken(Breach::entry("hash_mismatch", &e)));
                }
                if let Some(s) = ends.get(&idx) {
                    if self.checkpoint_of(s).is_none() {
                        return Ok(VerifyOutcome::Broken(Breach::seal(
                            "seal_signature",
                            s.seal_no,
                            Some(s.first_index),
                        )));
                    }
                    if s.last_hash != hash {
                        return Ok(VerifyOutcome::Broken(Breach {
                            problem: "seal_mismatch",
                            chain_index: Some(idx),
                            entry_id: Some(e.id),
                            seal_no: Some(s.seal_no),
                        }));
                    }
                }
                prev = hash;
                expected += 1;
            }
        }
        if expected - 1 < seal_end {
            return Ok(VerifyOutcome::Broken(Breach::missing(expected)));
        }
        // Pending entries: each must carry a code the current key made.
        let next_seal = seals.len() as i64 + 1;
        let mut pending = 0u64;
        let mut after_id = uuid::Uuid::nil();
        loop {
            let page = audit_entry::Entity::find()
                .filter(audit_entry::Column::ChainIndex.is_null())
                .filter(audit_entry::Column::Id.gt(after_id))
                .order_by_asc(audit_entry::Column::Id)
                .limit(10_000)
                .all(conn)
                .await?;
            let Some(tail) = page.last() else { break };
            after_id = tail.id;
            for e in page {
                if !self
                    .keys
                    .check_mac(next_seal, canonical(&e).as_bytes(), e.entry_mac.as_deref())
                {
                    return Ok(VerifyOutcome::Broken(Breach::entry("entry_mac", &e)));
                }
                pending += 1;
            }
        }
        // Checkpoints kept outside the database: the local log, and a supervisor's copy. Each
        // must be signed by the ring's key of that id and match the database's seal.
        let mut checkpoints = 0;
        let by_no: std::collections::HashMap<i64, &audit_seal::Model> =
            seals.iter().map(|s| (s.seal_no, s)).collect();
        let local = Some(self.log.as_path()).filter(|p| p.exists());
        for file in local.into_iter().chain(kept) {
            for cp in read_checkpoints(file)? {
                let ours = self
                    .keys
                    .get(&cp.key_id)
                    .is_some_and(|k| k.public_key_hex() == cp.public_key);
                if !ours || !cp.signature_holds() {
                    return Ok(VerifyOutcome::Broken(Breach::seal(
                        "checkpoint_signature",
                        cp.seal_no,
                        Some(cp.first_index),
                    )));
                }
                match by_no.get(&cp.seal_no) {
                    None => {
                        return Ok(VerifyOutcome::Broken(Breach::seal(
                            "checkpoint_missing_seal",
                            cp.seal_no,
                            Some(cp.first_index),
                        )));
                    }
                    Some(s) if !cp.matches(s) => {
                        return Ok(VerifyOutcome::Broken(Breach::seal(
                            "checkpoint_mismatch",
                            cp.seal_no,
                            Some(cp.first_index),
                        )));
                    }
                    Some(_) => checkpoints += 1,
                }
            }
        }
        Ok(VerifyOutcome::Intact {
            sealed: (expected - 1) as u64,
            pending,
            seals: seals.len() as u64,
            checkpoints,
        })
    }
}

/// Read a checkpoint file (JSON lines). A last line cut short (a crash in mid-append) is
/// ignored; any other line that is not a checkpoint is an error.
pub fn read_checkpoints(path: &Path) -> anyhow::Result<Vec<Checkpoint>> {
    let f = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("checkpoint file {}: {e}", path.display()))?;
    let lines: Vec<String> = std::io::BufReader::new(f)
        .lines()
        .collect::<Result<_, _>>()?;
    let last = lines.iter().rposition(|l| !l.trim().is_empty());
    let mut out = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(cp) => out.push(cp),
            Err(_) if Some(n) == last && !line.ends_with('}') => {}
            Err(e) => anyhow::bail!("checkpoint file {} line {}: {e}", path.display(), n + 1),
        }
    }
    Ok(out)
}

/// The number of the last whole checkpoint in the log (0 when there is none), from its tail.
fn last_logged(path: &Path) -> anyhow::Result<i64> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    Ok(tail(&mut file)?.0)
}

/// The last whole checkpoint's number (0 when there is none) and where the whole lines end: a
/// line cut short by a crash in mid-append has no line break, and is left out to be overwritten.
fn tail(file: &mut std::fs::File) -> anyhow::Result<(i64, u64)> {
    let len = file.seek(SeekFrom::End(0))?;
    // Lines are a few hundred bytes: the last 8 KiB hold the last whole one.
    let start = len.saturating_sub(8192);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let text = String::from_utf8_lossy(&bytes[..whole]);
    let seal_no = match text.lines().rev().find(|l| !l.trim().is_empty()) {
        None => 0,
        Some(line) => {
            serde_json::from_str::<Checkpoint>(line)
                .map_err(|e| anyhow::anyhow!("checkpoint log: last line unreadable: {e}"))?
                .seal_no
        }
    };
    Ok((seal_no, start + whole as u64))
}

/// Append the checkpoints after the last one logged, under an exclusive lock; a torn last
/// line is cut off first.
fn append(path: &Path, checkpoints: Vec<Checkpoint>) -> anyhow::Result<u64> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)?;
    file.lock()?;
    let (logged, whole) = tail(&mut file)?;
    file.set_len(whole)?;
    file.seek(SeekFrom::End(0))?;
    let mut out = String::new();
    let mut next = logged + 1;
    for cp in checkpoints.into_iter().filter(|c| c.seal_no > logged) {
        if cp.seal_no != next {
            break;
        }
        out.push_str(&serde_json::to_string(&cp)?);
        out.push('\n');
        next += 1;
    }
    file.write_all(out.as_bytes())?;
    file.sync_data()?;
    file.unlock()?;
    Ok((next - logged - 1) as u64)
}
