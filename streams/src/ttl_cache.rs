//! A small time-to-live cache whose misses are fetched once per key: concurrent requests for the
//! same key wait for the one fetch in flight and share its answer. Errors are never cached.
//!
//! Hand-written rather than a cache crate: the streams function's zip is within a few hundred KB of
//! Lambda's 4 MB target, and this needs only a map of slots.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Most keys kept: past it, expired entries are dropped, and if that is not enough, all of them
/// (keys come from request paths; a caller must not grow the map without bound).
const MAX_KEYS: usize = 1024;

type Slot<V> = Arc<tokio::sync::Mutex<Option<(Instant, V)>>>;

/// Values by key, each fresh for the cache's time to live.
#[derive(Debug)]
pub struct TtlCache<K, V> {
    ttl: Duration,
    slots: Mutex<HashMap<K, Slot<V>>>,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    /// A cache whose values are fresh for `ttl` (zero: every call fetches).
    pub fn new(ttl: Duration) -> Self {
        TtlCache {
            ttl,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The value of `key`: the cached one while fresh, otherwise what `fetch` gives (stored when
    /// it succeeds).
    pub async fn get_or_fetch<E, Fut>(&self, key: &K, fetch: impl FnOnce() -> Fut) -> Result<V, E>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            if slots.len() >= MAX_KEYS && !slots.contains_key(key) {
                let ttl = self.ttl;
                slots.retain(|_, slot| {
                    slot.try_lock()
                        .map_or(true, |value| value.as_ref().is_some_and(|(at, _)| at.elapsed() < ttl))
                });
                if slots.len() >= MAX_KEYS {
                    slots.clear();
                }
            }
            Arc::clone(slots.entry(key.clone()).or_default())
        };
        let mut value = slot.lock().await;
        if let Some((at, cached)) = value.as_ref()
            && at.elapsed() < self.ttl
        {
            return Ok(cached.clone());
        }
        let fetched = fetch().await?;
        *value = Some((Instant::now(), fetched.clone()));
        Ok(fetched)
    }

    /// Forgets `key` (after a change that makes its value wrong).
    pub fn invalidate(&self, key: &K) {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn fresh_values_are_served_and_concurrent_misses_fetch_once() {
        let cache: TtlCache<String, u32> = TtlCache::new(Duration::from_secs(60));
        let fetches = AtomicUsize::new(0);
        let fetch = || async {
            fetches.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok::<_, ()>(7)
        };
        let key = "a".to_string();
        let answers = futures_util::future::join_all((0..10).map(|_| cache.get_or_fetch(&key, fetch))).await;
        assert_eq!(answers, vec![Ok(7); 10]);
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "one fetch for ten concurrent misses");
        cache.invalidate(&key);
        assert_eq!(cache.get_or_fetch(&key, fetch).await, Ok(7));
        assert_eq!(fetches.load(Ordering::SeqCst), 2, "fetched again after invalidate");
    }

    #[tokio::test]
    async fn errors_are_not_cached_and_stale_values_are_fetched_again() {
        let cache: TtlCache<u8, u32> = TtlCache::new(Duration::ZERO);
        assert_eq!(
            cache.get_or_fetch(&1, || async { Err::<u32, &str>("down") }).await,
            Err("down")
        );
        assert_eq!(cache.get_or_fetch(&1, || async { Ok::<_, &str>(1) }).await, Ok(1));
        assert_eq!(
            cache.get_or_fetch(&1, || async { Ok::<_, &str>(2) }).await,
            Ok(2),
            "ttl 0"
        );
    }

    #[tokio::test]
    async fn the_map_is_bounded() {
        let cache: TtlCache<usize, usize> = TtlCache::new(Duration::ZERO);
        for key in 0..(MAX_KEYS * 2) {
            cache
                .get_or_fetch(&key, || async move { Ok::<_, ()>(key) })
                .await
                .unwrap();
        }
        assert!(cache.slots.lock().unwrap().len() <= MAX_KEYS);
    }
}
