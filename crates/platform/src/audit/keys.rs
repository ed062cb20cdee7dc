//! The audit key ring: Ed25519 keys kept in a file outside the database, so that whoever can
//! write to the database cannot forge what the keys vouch for. The newest key signs new seals
//! and authenticates new entries. A rotated key is retired after the last seal it signed: it
//! still verifies what it signed before, and nothing after.
//!
//! File format, one key per line (comments start with `#`):
//! `ed25519 <key id> <32-byte seed, hex> [retired-after <seal number>]`. The file must be
//! readable by its owner only.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// One key: its id (the first 16 hex digits of the SHA-256 of its public key), the signing key,
/// the key of the entry authentication codes derived from it, and the last seal it may sign.
#[derive(Clone)]
pub struct AuditKey {
    pub id: String,
    signing: SigningKey,
    mac_key: [u8; 32],
    /// Set when the key was rotated out: the last seal it signed.
    pub retired_after: Option<i64>,
}

impl AuditKey {
    fn from_seed(seed: [u8; 32]) -> AuditKey {
        let signing = SigningKey::from_bytes(&seed);
        AuditKey {
            id: key_id(&signing.verifying_key()),
            mac_key: derive(&seed, b"gongzhi-audit-entry-mac"),
            signing,
            retired_after: None,
        }
    }

    fn generate() -> AuditKey {
        AuditKey::from_seed(rand::random())
    }

    pub fn public_key_hex(&self) -> String {
        hex::encode(self.signing.verifying_key().as_bytes())
    }

    pub fn sign(&self, message: &[u8]) -> String {
        hex::encode(self.signing.sign(message).to_bytes())
    }

    /// The entry authentication code: `<key id>:<HMAC-SHA256, hex>`.
    pub fn mac(&self, message: &[u8]) -> String {
        let mut m = Hmac::<Sha256>::new_from_slice(&self.mac_key).expect("any key length");
        m.update(message);
        format!("{}:{}", self.id, hex::encode(m.finalize().into_bytes()))
    }

    fn check_mac(&self, message: &[u8], tag_hex: &str) -> bool {
        let Ok(tag) = hex::decode(tag_hex) else {
            return false;
        };
        let mut m = Hmac::<Sha256>::new_from_slice(&self.mac_key).expect("any key length");
        m.update(message);
        m.verify_slice(&tag).is_ok()
    }

    /// May this key have made seal number `seal_no` (or an entry chained in it)?
    fn serves(&self, seal_no: i64) -> bool {
        self.retired_after.is_none_or(|last| seal_no <= last)
    }

    /// A secret for another purpose, derived from this key's seed.
    pub fn derived(&self, purpose: &[u8]) -> [u8; 32] {
        derive(&self.signing.to_bytes(), purpose)
    }
}

fn derive(seed: &[u8; 32], purpose: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(purpose);
    h.update(b"\n");
    h.update(seed);
    h.finalize().into()
}

pub fn key_id(public: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(public.as_bytes())[..8])
}

/// Check a signature against a public key given in hex (for checkpoints kept elsewhere).
pub fn verify_with_public(public_hex: &str, message: &[u8], signature_hex: &str) -> bool {
    let Ok(public) = hex::decode(public_hex) else {
        return false;
    };
    let Ok(public) = <[u8; 32]>::try_from(public.as_slice()) else {
        return false;
    };
    let Ok(public) = VerifyingKey::from_bytes(&public) else {
        return false;
    };
    signature_from_hex(signature_hex).is_some_and(|s| public.verify(message, &s).is_ok())
}

fn signature_from_hex(s: &str) -> Option<Signature> {
    let bytes = hex::decode(s).ok()?;
    let bytes = <[u8; 64]>::try_from(bytes.as_slice()).ok()?;
    Some(Signature::from_bytes(&bytes))
}

/// Every key of the installation, oldest first; the last one signs.
#[derive(Clone)]
pub struct KeyRing {
    keys: Vec<AuditKey>,
    pub path: PathBuf,
}

impl KeyRing {
    /// Load the ring; create it with one new key when the file does not exist yet. Creation is
    /// atomic: of two processes starting together, one creates and the other loads.
    pub fn load_or_create(path: &Path) -> anyhow::Result<KeyRing> {
        let ring = KeyRing {
            keys: vec![AuditKey::generate()],
            path: path.to_path_buf(),
        };
        match ring.write(true) {
            Ok(()) => Ok(ring),
            Err(e)
                if e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::AlreadyExists) =>
            {
                KeyRing::load(path)
            }
            Err(e) => Err(e),
        }
    }

    pub fn load(path: &Path) -> anyhow::Result<KeyRing> {
        check_owner_only(path)?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("audit key file {}: {e}", path.display()))?;
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = || {
                anyhow::anyhow!(
                    "audit key file {} line {}: malformed",
                    path.display(),
                    n + 1
                )
            };
            let parts: Vec<&str> = line.split_whitespace().collect();
            let (id, seed, retired_after) = match parts.as_slice() {
                ["ed25519", id, seed] => (*id, *seed, None),
                ["ed25519", id, seed, "retired-after", last] => {
                    (*id, *seed, Some(last.parse::<i64>().map_err(|_| bad())?))
                }
                _ => return Err(bad()),
            };
            let seed = hex::decode(seed).map_err(|_| bad())?;
            let seed = <[u8; 32]>::try_from(seed.as_slice()).map_err(|_| bad())?;
            let mut key = AuditKey::from_seed(seed);
            if key.id != id {
                return Err(bad());
            }
            key.retired_after = retired_after;
            keys.push(key);
        }
        anyhow::ensure!(
            keys.last().is_some_and(|k| k.retired_after.is_none()),
            "audit key file {} holds no current key",
            path.display()
        );
        Ok(KeyRing {
            keys,
            path: path.to_path_buf(),
        })
    }

    /// Write the ring with owner-only permissions: a new file (`create_new`, failing when one
    /// exists), or the existing one replaced through a temporary file and a rename.
    fn write(&self, new: bool) -> anyhow::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let target = if new {
            self.path.clone()
        } else {
            self.path.with_extension("tmp")
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true);
        if new {
            options.create_new(true);
        } else {
            options.create(true).truncate(true);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&target)?;
        let mut text = String::from(
            "# Gongzhi audit keys. Keep secret and back up apart from the database.\n# The last key signs new seals; a retired key verifies only the seals up to its number.\n",
        );
        for k in &self.keys {
            text.push_str(&format!(
                "ed25519 {} {}",
                k.id,
                hex::encode(k.signing.to_bytes())
            ));
            if let Some(last) = k.retired_after {
                text.push_str(&format!(" retired-after {last}"));
            }
            text.push('\n');
        }
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if !new {
            std::fs::rename(&target, &self.path)?;
        }
        Ok(())
    }

    pub fn save(&self) -> anyhow::Result<()> {
        self.write(false)
    }

    /// A new signing key. The current one is retired after `last_seal`, the last seal it
    /// signed: a leaked old key can sign nothing that verifies after the rotation.
    pub fn rotate(&mut self, last_seal: i64) -> &AuditKey {
        if let Some(k) = self.keys.last_mut() {
            k.retired_after = Some(last_seal);
        }
        self.keys.push(AuditKey::generate());
        self.current()
    }

    pub fn current(&self) -> &AuditKey {
        self.keys.last().expect("a ring holds at least one key")
    }

    pub fn get(&self, id: &str) -> Option<&AuditKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    pub fn keys(&self) -> &[AuditKey] {
        &self.keys
    }

    /// Check the signature of seal number `seal_no` made by the key named `id`.
    pub fn verify(&self, id: &str, seal_no: i64, message: &[u8], signature_hex: &str) -> bool {
        let Some(key) = self.get(id).filter(|k| k.serves(seal_no)) else {
            return false;
        };
        signature_from_hex(signature_hex)
            .is_some_and(|s| key.signing.verifying_key().verify(message, &s).is_ok())
    }

    /// Check an entry authentication code made by `mac`, for an entry chained in seal number
    /// `seal_no` (for a pending entry: the next seal, which only the current key serves).
    pub fn check_mac(&self, seal_no: i64, message: &[u8], mac: Option<&str>) -> bool {
        let Some((id, tag)) = mac.and_then(|m| m.split_once(':')) else {
            return false;
        };
        self.get(id)
            .filter(|k| k.serves(seal_no))
            .is_some_and(|k| k.check_mac(message, tag))
    }
}

#[cfg(unix)]
fn check_owner_only(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| anyhow::anyhow!("audit key file {}: {e}", path.display()))?
        .permissions()
        .mode();
    anyhow::ensure!(
        mode & 0o077 == 0,
        "审计密钥文件只能由其所有者读取 / audit key file {} must be readable by its owner only (chmod 600)",
        path.display()
    );
    Ok(())
}

#[cfg(not(unix))]
fn check_owner_only(_: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// The ring that `record` authenticates new entries with: one per process, installed when the
/// application is built (entries are written from deep inside services, far from any state).
static INSTALLED: RwLock<Option<Arc<KeyRing>>> = RwLock::new(None);

/// Make `ring` the process's ring. A process keeps one ring: building a second application on a
/// different ring would authenticate one application's entries with the other's key.
pub fn install(ring: Arc<KeyRing>) -> anyhow::Result<()> {
    let mut slot = INSTALLED.write().expect("audit key lock");
    if let Some(old) = slot.as_ref() {
        anyhow::ensure!(
            old.current().id == ring.current().id,
            "this process already authenticates audit entries with key {}; one audit key ring per process",
            old.current().id
        );
    }
    *slot = Some(ring);
    Ok(())
}

pub(crate) fn installed() -> Option<Arc<KeyRing>> {
    INSTALLED.read().expect("audit key lock").clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("gz-keys-{name}-{}", uuid::Uuid::now_v7().simple()))
    }

    #[test]
    fn a_ring_survives_a_round_trip_and_a_retired_key_verifies_only_its_past() {
        let path = temp("ring");
        let mut ring = KeyRing::load_or_create(&path).unwrap();
        let old = ring.current().clone();
        let sig = old.sign(b"seal 1");
        let mac = old.mac(b"entry 1");
        ring.rotate(1);
        ring.save().unwrap();
        let again = KeyRing::load(&path).unwrap();
        assert_eq!(again.keys().len(), 2);
        assert_ne!(again.current().id, old.id, "the new key signs");
        assert!(
            again.verify(&old.id, 1, b"seal 1", &sig),
            "old seals still verify"
        );
        assert!(!again.verify(&old.id, 1, b"seal 2", &sig));
        assert!(
            !again.verify(&old.id, 2, b"seal 1", &old.sign(b"seal 1")),
            "a retired key signs nothing after its last seal"
        );
        assert!(again.check_mac(1, b"entry 1", Some(&mac)));
        assert!(
            !again.check_mac(2, b"entry 1", Some(&mac)),
            "nor authenticates new entries"
        );
        assert!(!again.check_mac(1, b"entry 2", Some(&mac)));
        assert!(!again.check_mac(1, b"entry 1", None));
        assert!(verify_with_public(&old.public_key_hex(), b"seal 1", &sig));
        // A second start loads the ring instead of minting another.
        assert_eq!(
            KeyRing::load_or_create(&path).unwrap().current().id,
            again.current().id
        );
        std::fs::remove_file(&path).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let path = temp("open");
        KeyRing::load_or_create(&path).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(KeyRing::load(&path).is_err());
        std::fs::remove_file(&path).unwrap();
    }
}
