//! API Gateway's authorizer result cache: verdicts keyed by the identity-source values, per
//! authorizer, for `ReauthorizeEvery` seconds (0 = no caching). Errors are never cached.

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

/// Verdicts by (authorizer, identity values).
#[derive(Debug, Default)]
pub struct AuthorizerCache {
    entries: Mutex<HashMap<(String, String), (Verdict, Instant)>>,
}

impl AuthorizerCache {
    /// The cached verdict, if it has not expired.
    pub fn get(&self, authorizer: &str, identity: &str) -> Option<Verdict> {
        let mut entries = self.entries.lock();
        let key = (authorizer.to_string(), identity.to_string());
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
    pub fn put(&self, authorizer: &str, identity: String, verdict: Verdict, ttl: Duration) {
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

    #[test]
    fn caches_for_the_ttl_per_identity() {
        let cache = AuthorizerCache::default();
        let yes = Verdict {
            authorized: true,
            context: json!({"username": "u"}),
        };
        cache.put("A", "Basic x".into(), yes.clone(), Duration::from_secs(60));
        assert_eq!(cache.get("A", "Basic x"), Some(yes.clone()));
        assert_eq!(cache.get("A", "Basic y"), None);
        assert_eq!(cache.get("B", "Basic x"), None);
        cache.put("A", "Basic z".into(), yes.clone(), Duration::ZERO);
        assert_eq!(cache.get("A", "Basic z"), None, "TTL 0 disables caching");
        cache.put("A", "Basic w".into(), yes, Duration::from_nanos(1));
        std::thread::sleep(Duration::from_millis(1));
        assert_eq!(cache.get("A", "Basic w"), None, "expired");
    }
}
