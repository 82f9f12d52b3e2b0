//! API Gateway's authorizer result cache: verdicts keyed by the identity-source values (headers and
//! context variables, in the order of `identitySource`), per authorizer, for `ReauthorizeEvery`
//! seconds (0 = no caching). Errors are never cached.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde_json::Value as Json;

/// A cached authorizer answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// `isAuthorized` (or an Allow policy).
    pub authorized: bool,
    /// The authorizer's context (`$context.authorizer.*`).
    pub context: Json,
}

/// (authorizer name, identity-source values).
type Key = (String, Vec<String>);

/// Verdicts by (authorizer, identity values). The values are kept as a list, not joined into one
/// string, so that no two different identities can share a key.
#[derive(Debug, Default)]
pub struct AuthorizerCache {
    entries: Mutex<HashMap<Key, (Verdict, Instant)>>,
}

impl AuthorizerCache {
    /// The cached verdict, if it has not expired.
    pub fn get(&self, authorizer: &str, identity: &[String]) -> Option<Verdict> {
        let mut entries = self.entries.lock();
        let key = (authorizer.to_string(), identity.to_vec());
        match entries.get(&key) {
            Some((verdict, expires)) if Instant::now() < *expires => Some(verdict.clone()),
            Some(_) => {
                entries.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Caches a verdict for `ttl` (nothing when `ttl` is zero).
    pub fn put(&self, authorizer: &str, identity: Vec<String>, verdict: Verdict, ttl: Duration) {
        if ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock();
        entries.insert((authorizer.to_string(), identity), (verdict, Instant::now() + ttl));
    }
}

#[cfg(test)]
mod tests;
