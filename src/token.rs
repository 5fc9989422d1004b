//! Access tokens: who may call the API, in which role, over which part of the org tree.
//!
//! A token is `trl_<id>_<secret>`: a ULID naming the grant and 256 random bits. The store
//! keeps only the SHA-256 of the secret (in the `aux-tokens` tree beside the log), compared
//! in constant time; the secret itself is shown once, when the token is made. Granting and
//! revoking are also recorded in the log as events (who, role, scope, by whom; never the
//! secret or its digest), so the audit trail shows who could do what. Those events are
//! appended by the caller (the server's writer or the CLI), before the digest is stored, so
//! no token ever works without its grant in the log.

use std::collections::BTreeMap;
use std::sync::RwLock;

use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use trellis_events::{Event, Log, LogError, NewEvent};

/// The stream that grants and revocations are appended to.
pub const STREAM: &str = "access";

/// The prefix that makes a Trellis token recognisable (in logs, or in a secret scanner).
const PREFIX: &str = "trl_";

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including token management.
    Admin,
    /// Writes and reads within one org subtree.
    Editor,
    /// Reads everything, writes nothing.
    Auditor,
    /// Reads within one org subtree.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Auditor => "auditor",
            Role::Viewer => "viewer",
        }
    }

    /// Editors and viewers work within one org subtree; admins and auditors see the whole.
    pub fn is_scoped(self) -> bool {
        matches!(self, Role::Editor | Role::Viewer)
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "editor" => Some(Role::Editor),
            "auditor" => Some(Role::Auditor),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

/// A token's grant: everything about it but the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub id: String,
    /// Recorded as the actor of every event written with the token.
    pub login: String,
    pub role: Role,
    /// The org subtree an editor or viewer is limited to.
    pub org: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Grant {
    /// The event that records this grant in the log.
    pub fn granted_event(&self) -> NewEvent {
        NewEvent {
            occurred_on: self.created_at.date_naive(),
            event: Event::AccessGranted {
                token: self.id.clone(),
                login: self.login.clone(),
                role: self.role.as_str().to_string(),
                org: self.org.clone(),
            },
        }
    }

    /// The event that records this grant's revocation.
    pub fn revoked_event(&self, on: DateTime<Utc>) -> NewEvent {
        NewEvent {
            occurred_on: on.date_naive(),
            event: Event::AccessRevoked {
                token: self.id.clone(),
                login: self.login.clone(),
            },
        }
    }
}

/// A grant as stored: with the digest of its secret.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Stored {
    grant: Grant,
    /// SHA-256 of the secret, hex.
    digest: String,
}

/// A newly made token, before it is stored: the caller records the grant in the log first.
pub struct Minted {
    pub grant: Grant,
    /// The whole token, to be shown once.
    pub token: String,
    digest: [u8; 32],
}

/// Why a token could not be made or revoked.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{field}: {rule}")]
    Invalid { field: &'static str, rule: String },
    #[error("no token {0:?}")]
    NotFound(String),
    #[error("token store: {0}")]
    Store(String),
}

/// The tokens of one store, cached in memory; every change is written through and flushed.
pub struct Tokens {
    tree: sled::Tree,
    log: Log,
    cache: RwLock<BTreeMap<String, Stored>>,
}

impl Tokens {
    /// Loads the tokens of the store that `log` is kept in.
    pub fn open(log: &Log) -> Result<Tokens, LogError> {
        let tree = log.aux_tree("tokens")?;
        let mut cache = BTreeMap::new();
        for entry in tree.iter() {
            let (_, value) = entry?;
            match serde_json::from_slice::<Stored>(&value) {
                Ok(stored) => {
                    cache.insert(stored.grant.id.clone(), stored);
                }
                Err(e) => tracing::error!(error = %e, "an unreadable token record is ignored"),
            }
        }
        Ok(Tokens {
            tree,
            log: log.clone(),
            cache: RwLock::new(cache),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Stored>> {
        self.cache.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether no token was ever made (the server then makes the first admin token).
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// Every grant, revoked ones included, oldest first.
    pub fn list(&self) -> Vec<Grant> {
        let mut grants: Vec<Grant> = self.read().values().map(|s| s.grant.clone()).collect();
        grants.sort_by(|a, b| a.id.cmp(&b.id));
        grants
    }

    pub fn get(&self, id: &str) -> Option<Grant> {
        self.read().get(id).map(|s| s.grant.clone())
    }

    /// Makes a token for `login` in `role`, limited to `org` for editors and viewers. The
    /// caller checks that the org exists, appends [`Grant::granted_event`], then [`Tokens::store`]s it.
    pub fn mint(
        login: &str,
        role: Role,
        org: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Minted, TokenError> {
        check_login(login)?;
        match (role.is_scoped(), &org) {
            (true, None) => {
                return Err(TokenError::Invalid {
                    field: "org",
                    rule: format!(
                        "an {} token is limited to an org unit: name it",
                        role.as_str()
                    ),
                })
            }
            (false, Some(_)) => {
                return Err(TokenError::Invalid {
                    field: "org",
                    rule: format!(
                        "an {} token covers every org unit: name none",
                        role.as_str()
                    ),
                })
            }
            _ => {}
        }
        let id = ulid::Ulid::from_datetime(now.into())
            .to_string()
            .to_lowercase();
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let secret = hex::encode(secret);
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        Ok(Minted {
            token: format!("{PREFIX}{id}_{secret}"),
            grant: Grant {
                id,
                login: login.to_string(),
                role,
                org,
                created_at: now,
                revoked_at: None,
            },
            digest,
        })
    }

    /// Stores a minted token (its grant already in the log); from then on it authenticates.
    pub fn store(&self, minted: &Minted) -> Result<(), TokenError> {
        let stored = Stored {
            grant: minted.grant.clone(),
            digest: hex::encode(minted.digest),
        };
        self.write(&stored)?;
        self.cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(stored.grant.id.clone(), stored);
        Ok(())
    }

    /// Revokes a token: refused from the next request on. The caller then appends
    /// [`Grant::revoked_event`]. Revoking a revoked token changes nothing.
    pub fn revoke(&self, id: &str, now: DateTime<Utc>) -> Result<Grant, TokenError> {
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        let Some(stored) = cache.get(id) else {
            return Err(TokenError::NotFound(id.to_string()));
        };
        if stored.grant.revoked_at.is_some() {
            return Ok(stored.grant.clone());
        }
        let mut changed = stored.clone();
        changed.grant.revoked_at = Some(now);
        self.write(&changed)?;
        let grant = changed.grant.clone();
        cache.insert(id.to_string(), changed);
        Ok(grant)
    }

    fn write(&self, stored: &Stored) -> Result<(), TokenError> {
        let bytes = serde_json::to_vec(stored).map_err(|e| TokenError::Store(e.to_string()))?;
        self.tree
            .insert(stored.grant.id.as_bytes(), bytes)
            .map_err(|e| TokenError::Store(e.to_string()))?;
        self.log
            .flush()
            .map_err(|e| TokenError::Store(e.to_string()))?;
        Ok(())
    }

    /// The live grant a bearer token stands for, if it is well formed, known, unrevoked and
    /// its secret matches.
    pub fn authenticate(&self, token: &str) -> Option<Grant> {
        let (id, secret) = token.strip_prefix(PREFIX)?.split_once('_')?;
        let cache = self.read();
        let stored = cache.get(id)?;
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        let mut expected = [0u8; 32];
        hex::decode_to_slice(&stored.digest, &mut expected).ok()?;
        // Both sides are 32 bytes, so the comparison takes the same time whatever matches.
        let same: bool = digest.ct_eq(&expected).into();
        (same && stored.grant.revoked_at.is_none()).then(|| stored.grant.clone())
    }
}

fn check_login(login: &str) -> Result<(), TokenError> {
    let ok = !login.is_empty()
        && login.len() <= 64
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@'));
    if ok {
        Ok(())
    } else {
        Err(TokenError::Invalid {
            field: "login",
            rule: "a login is 1-64 letters, digits, '-', '_', '.' or '@'".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    #[test]
    fn a_stored_token_authenticates_and_a_changed_or_revoked_one_does_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = Log::open(dir.path()).expect("log");
        let tokens = Tokens::open(&log).expect("tokens");
        assert!(tokens.is_empty());
        let minted = Tokens::mint("ana", Role::Editor, Some("north".into()), now()).expect("mint");
        assert!(
            tokens.authenticate(&minted.token).is_none(),
            "not stored yet"
        );
        tokens.store(&minted).expect("store");
        let grant = tokens.authenticate(&minted.token).expect("authenticates");
        assert_eq!((grant.login.as_str(), grant.role), ("ana", Role::Editor));
        let mut wrong = minted.token.clone();
        let last = wrong.pop().expect("a character");
        wrong.push(if last == '0' { '1' } else { '0' });
        assert!(tokens.authenticate(&wrong).is_none());
        assert!(tokens.authenticate("trl_x").is_none());
        assert!(tokens.authenticate("").is_none());
        tokens.revoke(&minted.grant.id, now()).expect("revoke");
        assert!(tokens.authenticate(&minted.token).is_none());
    }

    #[test]
    fn the_store_keeps_only_the_digest_and_tokens_survive_a_reopen() {
        let dir = tempfile::tempdir().expect("temp dir");
        let minted = Tokens::mint("ana", Role::Admin, None, now()).expect("mint");
        {
            let log = Log::open(dir.path()).expect("log");
            Tokens::open(&log)
                .expect("tokens")
                .store(&minted)
                .expect("store");
            let tree = log.aux_tree("tokens").expect("tree");
            let secret = minted.token.rsplit('_').next().expect("secret");
            for entry in tree.iter() {
                let (_, v) = entry.expect("entry");
                let text = String::from_utf8_lossy(&v);
                assert!(!text.contains(secret), "the secret is never stored");
            }
        }
        let log = Log::open(dir.path()).expect("log");
        let tokens = Tokens::open(&log).expect("tokens");
        assert!(tokens.authenticate(&minted.token).is_some());
    }

    #[test]
    fn scoped_roles_need_an_org_and_unscoped_ones_refuse_one() {
        assert!(Tokens::mint("ana", Role::Viewer, None, now()).is_err());
        assert!(Tokens::mint("ana", Role::Auditor, Some("x".into()), now()).is_err());
        assert!(Tokens::mint("a b", Role::Admin, None, now()).is_err());
        assert!(Tokens::mint("ana", Role::Auditor, None, now()).is_ok());
    }
}
