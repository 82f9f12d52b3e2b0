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

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;

use crate::basic::Presented;
use crate::credentials::{CredentialSet, Identity};
use crate::rotation::{SystemWallClock, WallClock};

// The cache's inputs, also at their first home here (tests, benches and other crates name them so).
pub use crate::clock::{Clock, SystemClock};
#[cfg(any(test, feature = "test-util"))]
pub use crate::doubles::{CountingSource, ManualClock, StaticSource};
pub use crate::source::{SecretSource, SourceError};

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

#[cfg(test)]
mod tests;
