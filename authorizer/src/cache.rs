//! The credential cache of one execution environment, and the policy deciding when it asks Secrets
//! Manager again.
//!
//! - Fetched on first use, refreshed when older than the TTL.
//! - A presented pair that does not match triggers one refresh before the deny, so a rotation is seen
//!   within seconds, but never more than one attempt per `min_refresh`: a flood of wrong passwords
//!   costs at most one Secrets Manager round per interval. Concurrent refreshes coalesce into one.
//! - When Secrets Manager fails, credentials that expired less than `stale_grace` ago keep deciding
//!   (with a warning); with nothing usable the cache answers [`Check::Unavailable`] (fail closed).
//!
//! Time comes from a [`Clock`] and credentials from a [`SecretSource`], so the policy is tested
//! without I/O and without waiting (with the test doubles of the `test-util` feature).

use std::future::Future;
use std::sync::Arc;

use parking_lot::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::basic::Presented;
use crate::credentials::{CredentialSet, Identity};
use crate::rotation::{SystemWallClock, WallClock};

/// Monotonic time since an arbitrary origin.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Duration;
}

/// The real clock.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock { origin: Instant::now() }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// Why the accepted credentials could not be loaded. Messages never contain secret material.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The secret store could not be asked or refused to answer.
    #[error("secret store unavailable: {0}")]
    Unavailable(String),
    /// The secret exists but does not hold `{"username": "...", "password": "..."}`.
    #[error("secret is malformed: {0}")]
    Malformed(String),
}

/// Where the accepted credentials come from (Secrets Manager in production).
pub trait SecretSource: Send + Sync {
    /// Loads every currently accepted pair.
    fn fetch(&self) -> impl Future<Output = Result<CredentialSet, SourceError>> + Send;

    /// Requests to the secret store one [`fetch`](SecretSource::fetch) makes (for the
    /// `SecretFetches` metric).
    fn requests_per_fetch(&self) -> u64 {
        1
    }
}

/// How one [`CredentialCache::check_counted`] got its answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lookup {
    /// Requests this check made to the secret store (0 when answered from the cache, or when it
    /// waited for a refresh another task made).
    pub store_requests: u64,
    /// Answered from the cache without asking the store.
    pub cache_hit: bool,
}

/// When the cache refreshes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// Age after which cached credentials are refreshed before use.
    pub ttl: Duration,
    /// Shortest time between two attempts to reach the secret store.
    pub min_refresh: Duration,
    /// How long past the TTL cached credentials may still decide while the store is failing.
    pub stale_grace: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy {
            ttl: Duration::from_secs(300),
            min_refresh: Duration::from_secs(30),
            stale_grace: Duration::from_secs(3600),
        }
    }
}

/// The cache's answer for one presented pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The pair is accepted. `stale` when the answer came from credentials past their TTL because
    /// the store is failing.
    Accepted {
        /// Decided from expired credentials.
        stale: bool,
        /// Who it authenticates.
        client: Arc<Identity>,
    },
    /// The pair is not accepted.
    Rejected,
    /// No usable credentials: the store failed and nothing cached is recent enough.
    Unavailable,
}

#[derive(Clone, Default)]
struct Snapshot {
    credentials: Option<Arc<CredentialSet>>,
    fetched_at: Option<Duration>,
    attempted_at: Option<Duration>,
    /// Bumped by every attempt, so a waiter can tell that a refresh happened while it waited.
    generation: u64,
}

impl Snapshot {
    fn expired(&self, now: Duration, policy: &CachePolicy) -> bool {
        self.fetched_at.is_none_or(|at| now.saturating_sub(at) >= policy.ttl)
    }

    fn may_attempt(&self, now: Duration, policy: &CachePolicy) -> bool {
        self.attempted_at
            .is_none_or(|at| now.saturating_sub(at) >= policy.min_refresh)
    }

    fn usable(&self, now: Duration, policy: &CachePolicy) -> Option<&CredentialSet> {
        let fetched_at = self.fetched_at?;
        let credentials = self.credentials.as_deref()?;
        (now.saturating_sub(fetched_at) < policy.ttl + policy.stale_grace).then_some(credentials)
    }

    /// The answer from this snapshot alone, without asking the store.
    fn judge(&self, now: Duration, wall: SystemTime, policy: &CachePolicy, presented: &Presented) -> Check {
        match self.usable(now, policy) {
            None => Check::Unavailable,
            Some(credentials) => match credentials.identify(presented, wall) {
                Some(client) => Check::Accepted {
                    stale: self.expired(now, policy),
                    client,
                },
                None => Check::Rejected,
            },
        }
    }
}

/// Cached credentials of one execution environment.
pub struct CredentialCache<S, C = SystemClock> {
    source: S,
    clock: C,
    wall: Arc<dyn WallClock>,
    policy: CachePolicy,
    state: Mutex<Arc<Snapshot>>,
    refresh_gate: tokio::sync::Mutex<()>,
}

impl<S: SecretSource, C: Clock> CredentialCache<S, C> {
    /// An empty cache; the first check fetches.
    pub fn new(source: S, clock: C, policy: CachePolicy) -> Self {
        CredentialCache {
            source,
            clock,
            wall: Arc::new(SystemWallClock),
            policy,
            state: Mutex::new(Arc::new(Snapshot::default())),
            refresh_gate: tokio::sync::Mutex::new(()),
        }
    }

    /// Judges the end of a demoted version's grace by `wall` instead of the system's clock (tests).
    pub fn with_wall_clock(mut self, wall: impl WallClock + 'static) -> Self {
        self.wall = Arc::new(wall);
        self
    }

    /// The source, e.g. to read its counters in tests.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// Decides whether `presented` is an accepted pair, refreshing first when the policy says so.
    pub async fn check(&self, presented: &Presented) -> Check {
        self.check_counted(presented).await.0
    }

    /// [`check`](Self::check), also saying whether the store was asked.
    pub async fn check_counted(&self, presented: &Presented) -> (Check, Lookup) {
        let mut fetches = 0;
        let mut snapshot = self.snapshot();
        if snapshot.expired(self.clock.now(), &self.policy) && snapshot.may_attempt(self.clock.now(), &self.policy) {
            let fetched;
            (snapshot, fetched) = self.refresh(snapshot.generation).await;
            fetches += u64::from(fetched);
        }
        let mut check = snapshot.judge(self.clock.now(), self.wall.now(), &self.policy, presented);
        if check == Check::Rejected && snapshot.may_attempt(self.clock.now(), &self.policy) {
            // A mismatch may mean the secret was rotated since we fetched it: look once more.
            let (snapshot, fetched) = self.refresh(snapshot.generation).await;
            fetches += u64::from(fetched);
            check = snapshot.judge(self.clock.now(), self.wall.now(), &self.policy, presented);
        }
        let lookup = Lookup {
            store_requests: fetches * self.source.requests_per_fetch(),
            cache_hit: fetches == 0,
        };
        (check, lookup)
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        // A panic while holding this lock cannot leave the Arc half-written: keep using it.
        Arc::clone(&self.state.lock())
    }

    /// Fetches from the source, unless another task already did since `seen_generation`; says
    /// whether this call fetched.
    async fn refresh(&self, seen_generation: u64) -> (Arc<Snapshot>, bool) {
        let _gate = self.refresh_gate.lock().await;
        let current = self.snapshot();
        if current.generation != seen_generation {
            return (current, false); // coalesced into the refresh that just finished
        }
        let started = self.clock.now();
        let mut next = Snapshot {
            attempted_at: Some(started),
            generation: current.generation + 1,
            ..Snapshot::clone(&current)
        };
        match self.source.fetch().await {
            Ok(credentials) => {
                tracing::debug!(accepted = credentials.len(), "credentials refreshed");
                next.credentials = Some(Arc::new(credentials));
                next.fetched_at = Some(started);
            }
            Err(error) => match current.usable(started, &self.policy) {
                Some(_) => tracing::warn!(
                    %error,
                    age_seconds = current.fetched_at.map(|at| started.saturating_sub(at).as_secs()),
                    "credential refresh failed; deciding from cached credentials"
                ),
                None => tracing::error!(%error, "credential refresh failed and no usable cached credentials"),
            },
        }
        let next = Arc::new(next);
        *self.state.lock() = Arc::clone(&next);
        (next, true)
    }
}

/// Test doubles: a clock moved by hand, fixed credentials, and a source counting its fetches. Only
/// with the cargo feature `test-util` (this crate's tests and benches turn it on): not part of the
/// public API, not in the Lambda binary.
#[cfg(any(test, feature = "test-util"))]
mod doubles {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    use super::{Clock, SecretSource, SourceError};
    use crate::credentials::CredentialSet;

    /// A clock that moves only when told to; shared by clones.
    #[derive(Debug, Clone, Default)]
    pub struct ManualClock {
        nanos: Arc<AtomicU64>,
    }

    impl ManualClock {
        /// Moves time forward.
        pub fn advance(&self, by: Duration) {
            let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
            self.nanos.fetch_add(by, Ordering::SeqCst);
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> Duration {
            Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
        }
    }

    /// Fixed credentials.
    #[derive(Debug, Clone)]
    pub struct StaticSource(pub CredentialSet);

    impl SecretSource for StaticSource {
        async fn fetch(&self) -> Result<CredentialSet, SourceError> {
            Ok(self.0.clone())
        }
    }

    /// Wraps a source and counts its fetches, to prove how often the store is asked.
    #[derive(Debug)]
    pub struct CountingSource<S> {
        inner: S,
        fetches: AtomicU64,
    }

    impl<S> CountingSource<S> {
        /// Counts the fetches of `inner`.
        pub fn new(inner: S) -> Self {
            CountingSource {
                inner,
                fetches: AtomicU64::new(0),
            }
        }

        /// Fetches so far.
        pub fn fetches(&self) -> u64 {
            self.fetches.load(Ordering::SeqCst)
        }
    }

    impl<S: SecretSource> SecretSource for CountingSource<S> {
        async fn fetch(&self) -> Result<CredentialSet, SourceError> {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            self.inner.fetch().await
        }

        fn requests_per_fetch(&self) -> u64 {
            self.inner.requests_per_fetch()
        }
    }
}

#[cfg(any(test, feature = "test-util"))]
pub use doubles::{CountingSource, ManualClock, StaticSource};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Credential;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A source whose answer the test sets, counting the calls.
    #[derive(Default, Clone)]
    struct FakeSource {
        calls: Arc<AtomicUsize>,
        answer: Arc<Mutex<Option<CredentialSet>>>,
        delay: Option<Duration>,
    }

    impl FakeSource {
        fn with(pairs: &[(&str, &str)]) -> FakeSource {
            let source = FakeSource::default();
            source.set(Some(pairs));
            source
        }
        fn set(&self, pairs: Option<&[(&str, &str)]>) {
            *self.answer.lock() =
                pairs.map(|p| CredentialSet::new(p.iter().map(|(u, w)| Credential::new(u, w)).collect()));
        }
        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
    }

    impl SecretSource for FakeSource {
        async fn fetch(&self) -> Result<CredentialSet, SourceError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if let Some(delay) = self.delay {
                tokio::time::sleep(delay).await;
            }
            let answer = self.answer.lock().clone();
            answer.ok_or_else(|| SourceError::Unavailable("injected failure".into()))
        }
    }

    fn p(username: &str, password: &str) -> Presented {
        Presented {
            username: username.into(),
            password: password.into(),
        }
    }

    fn accepted(stale: bool) -> Check {
        Check::Accepted {
            stale,
            client: Arc::new(Identity::unrestricted("u")),
        }
    }

    fn cache(source: &FakeSource, clock: &ManualClock) -> CredentialCache<FakeSource, ManualClock> {
        CredentialCache::new(source.clone(), clock.clone(), CachePolicy::default())
    }

    #[tokio::test]
    async fn fetches_once_then_serves_from_cache() {
        let (source, clock) = (FakeSource::with(&[("u", "pw")]), ManualClock::default());
        let cache = cache(&source, &clock);
        for _ in 0..100 {
            assert_eq!(cache.check(&p("u", "pw")).await, accepted(false));
            clock.advance(Duration::from_secs(1));
        }
        assert_eq!(source.calls(), 1, "100 s of allows within the 300 s TTL: one fetch");
    }

    #[tokio::test]
    async fn refreshes_after_ttl() {
        let (source, clock) = (FakeSource::with(&[("u", "old")]), ManualClock::default());
        let cache = cache(&source, &clock);
        assert_eq!(cache.check(&p("u", "old")).await, accepted(false));
        source.set(Some(&[("u", "new")]));
        clock.advance(Duration::from_secs(299));
        assert_eq!(cache.check(&p("u", "old")).await, accepted(false), "still within TTL");
        assert_eq!(source.calls(), 1);
        clock.advance(Duration::from_secs(1));
        assert_eq!(cache.check(&p("u", "old")).await, Check::Rejected);
        assert_eq!(
            source.calls(),
            2,
            "expired: one refresh, no second one for the mismatch"
        );
    }

    #[tokio::test]
    async fn mismatch_refreshes_once_after_min_refresh_so_rotation_is_seen() {
        let (source, clock) = (FakeSource::with(&[("u", "old")]), ManualClock::default());
        let cache = cache(&source, &clock);
        assert_eq!(cache.check(&p("u", "old")).await, accepted(false));
        source.set(Some(&[("u", "new")]));
        clock.advance(Duration::from_secs(10));
        assert_eq!(
            cache.check(&p("u", "new")).await,
            Check::Rejected,
            "too soon to look again"
        );
        assert_eq!(source.calls(), 1);
        clock.advance(Duration::from_secs(20));
        assert_eq!(
            cache.check(&p("u", "new")).await,
            accepted(false),
            "30 s later the mismatch refreshes"
        );
        assert_eq!(source.calls(), 2);
        assert_eq!(cache.check(&p("u", "old")).await, Check::Rejected);
        assert_eq!(source.calls(), 2);
    }

    #[tokio::test]
    async fn a_thousand_wrong_passwords_cost_one_call_per_interval() {
        let (source, clock) = (FakeSource::with(&[("u", "pw")]), ManualClock::default());
        let cache = cache(&source, &clock);
        // 1,000 wrong passwords over 100 s (one every 100 ms).
        for i in 0..1000 {
            assert_eq!(cache.check(&p("u", &format!("guess{i}"))).await, Check::Rejected);
            clock.advance(Duration::from_millis(100));
        }
        // Fetch at 0 s, then at most one per 30 s: 30, 60, 90.
        assert_eq!(source.calls(), 4);
    }

    #[tokio::test]
    async fn concurrent_refreshes_coalesce() {
        let mut source = FakeSource::with(&[("u", "pw")]);
        source.delay = Some(Duration::from_millis(50));
        let clock = ManualClock::default();
        let cache = Arc::new(cache(&source, &clock));
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let cache = Arc::clone(&cache);
                tokio::spawn(async move { cache.check(&p("u", if i % 2 == 0 { "pw" } else { "bad" })).await })
            })
            .collect();
        for (i, task) in tasks.into_iter().enumerate() {
            let expected = if i % 2 == 0 { accepted(false) } else { Check::Rejected };
            assert_eq!(task.await.unwrap(), expected);
        }
        assert_eq!(source.calls(), 1, "50 concurrent cold checks, one fetch");
    }

    #[tokio::test]
    async fn fails_closed_without_cache() {
        let (source, clock) = (FakeSource::default(), ManualClock::default());
        let cache = cache(&source, &clock);
        assert_eq!(cache.check(&p("u", "pw")).await, Check::Unavailable);
        // A failing store is not hammered either.
        assert_eq!(cache.check(&p("u", "pw")).await, Check::Unavailable);
        assert_eq!(source.calls(), 1);
        clock.advance(Duration::from_secs(30));
        source.set(Some(&[("u", "pw")]));
        assert_eq!(
            cache.check(&p("u", "pw")).await,
            accepted(false),
            "recovers once the store answers"
        );
    }

    #[tokio::test]
    async fn serves_stale_within_grace_then_fails_closed() {
        let (source, clock) = (FakeSource::with(&[("u", "pw")]), ManualClock::default());
        let cache = cache(&source, &clock);
        assert_eq!(cache.check(&p("u", "pw")).await, accepted(false));
        source.set(None);
        clock.advance(Duration::from_secs(300));
        assert_eq!(cache.check(&p("u", "pw")).await, accepted(true));
        assert_eq!(cache.check(&p("u", "bad")).await, Check::Rejected);
        // TTL 300 s + grace 3600 s after the last successful fetch, nothing is usable.
        clock.advance(Duration::from_secs(3599));
        assert_eq!(cache.check(&p("u", "pw")).await, accepted(true));
        clock.advance(Duration::from_secs(1));
        assert_eq!(cache.check(&p("u", "pw")).await, Check::Unavailable);
        let calls = source.calls();
        assert!(
            calls <= 2 + 3900 / 30,
            "failing store asked at most once per interval ({calls} calls)"
        );
    }

    #[tokio::test]
    async fn check_counted_says_when_the_store_was_asked() {
        let (source, clock) = (FakeSource::with(&[("u", "pw")]), ManualClock::default());
        let cache = cache(&source, &clock);
        let fetched = Lookup {
            store_requests: 1,
            cache_hit: false,
        };
        let hit = Lookup {
            store_requests: 0,
            cache_hit: true,
        };
        assert_eq!(
            cache.check_counted(&p("u", "pw")).await,
            (accepted(false), fetched),
            "cold"
        );
        assert_eq!(cache.check_counted(&p("u", "pw")).await, (accepted(false), hit));
        assert_eq!(
            cache.check_counted(&p("u", "x")).await,
            (Check::Rejected, hit),
            "too soon to look again"
        );
        clock.advance(Duration::from_secs(30));
        assert_eq!(
            cache.check_counted(&p("u", "x")).await,
            (Check::Rejected, fetched),
            "a mismatch looks again"
        );
        clock.advance(Duration::from_secs(300));
        // Expired, refreshed, still a mismatch, and no second look within the interval.
        assert_eq!(cache.check_counted(&p("u", "x")).await, (Check::Rejected, fetched));
        assert_eq!(source.calls(), 3);
    }

    #[tokio::test]
    async fn rotation_accepts_current_and_pending() {
        let (source, clock) = (FakeSource::with(&[("u", "current")]), ManualClock::default());
        let cache = cache(&source, &clock);
        assert_eq!(cache.check(&p("u", "current")).await, accepted(false));
        source.set(Some(&[("u", "current"), ("u", "pending")]));
        clock.advance(Duration::from_secs(30));
        assert_eq!(cache.check(&p("u", "pending")).await, accepted(false));
        assert_eq!(cache.check(&p("u", "current")).await, accepted(false));
    }
}
