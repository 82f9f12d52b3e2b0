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
mod tests {
    use super::*;
    use serde_json::json;

    fn key(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn caches_for_the_ttl_per_identity() {
        let cache = AuthorizerCache::default();
        let yes = Verdict {
            authorized: true,
            context: json!({"username": "u"}),
        };
        cache.put("A", key(&["Basic x"]), yes.clone(), Duration::from_secs(60));
        assert_eq!(cache.get("A", &key(&["Basic x"])), Some(yes.clone()));
        assert_eq!(cache.get("A", &key(&["Basic y"])), None);
        assert_eq!(cache.get("B", &key(&["Basic x"])), None);
        cache.put("A", key(&["Basic z"]), yes.clone(), Duration::ZERO);
        assert_eq!(cache.get("A", &key(&["Basic z"])), None, "TTL 0 disables caching");
        cache.put("A", key(&["Basic w"]), yes, Duration::from_nanos(1));
        std::thread::sleep(Duration::from_millis(1));
        assert_eq!(cache.get("A", &key(&["Basic w"])), None, "expired");
    }

    #[test]
    fn context_values_are_part_of_the_key() {
        let cache = AuthorizerCache::default();
        let yes = Verdict {
            authorized: true,
            context: json!({}),
        };
        let ttl = Duration::from_secs(60);
        cache.put(
            "A",
            key(&["Basic x", "POST /topics/{topic}", "/topics/a"]),
            yes.clone(),
            ttl,
        );
        assert_eq!(
            cache.get("A", &key(&["Basic x", "POST /topics/{topic}", "/topics/a"])),
            Some(yes)
        );
        assert_eq!(
            cache.get("A", &key(&["Basic x", "POST /topics/{topic}", "/topics/b"])),
            None
        );
        assert_eq!(
            cache.get("A", &key(&["Basic x", "GET /topics/{topic}", "/topics/a"])),
            None
        );
        assert_eq!(cache.get("A", &key(&["Basic x"])), None);
        // Values that would collide once joined by a separator do not.
        cache.put(
            "A",
            key(&["a\u{0}b", "c"]),
            Verdict {
                authorized: false,
                context: json!({}),
            },
            ttl,
        );
        assert_eq!(cache.get("A", &key(&["a", "b\u{0}c"])), None);
    }
}
