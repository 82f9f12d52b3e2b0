//! Test doubles of the credential cache's inputs: a clock moved by hand, fixed credentials, and a
//! source counting its fetches. Only with the cargo feature `test-util` (this crate's tests and
//! benches turn it on): not part of the public API, not in the Lambda binary.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::clock::Clock;
use crate::credentials::CredentialSet;
use crate::source::{SecretSource, SourceError};

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
