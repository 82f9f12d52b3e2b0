//! Tests of the authorizer cache: one entry per identity for the TTL, context values in the key.

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
