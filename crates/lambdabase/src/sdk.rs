//! The AWS SDK configuration every function uses, loaded once, on the first request that needs it.
//!
//! [`load`] is `aws_config::load_from_env()` (the default credential chain, so Lambda's environment
//! credentials; the region; `AWS_ENDPOINT_URL*`; retries and timeouts from the environment) with
//! one difference: the HTTPS client is the SDK's default one as [`TlsOnFirstUse`], shared by every
//! service client built from the configuration, so no trust store is read before a request needs
//! it.
//!
//! [`LazySdk`] runs [`load`] on first use rather than at init. Loading the configuration builds the
//! credential chain's clients (~0.8 ms on the development machine) and each service client parses
//! its endpoint partitions (~0.25 ms): together most of what a function did at init beyond a
//! hello-world runtime. Nothing there can fail (configuration errors surface on the first
//! request either way), so doing it on the first request costs that request what init no longer
//! does, and nothing more.

use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};
use tokio::sync::OnceCell;

use crate::tls_on_first_use::TlsOnFirstUse;

/// The configuration every service client of a function is built from.
pub async fn load() -> SdkConfig {
    let loader = aws_config::defaults(BehaviorVersion::latest());
    let loader = match TlsOnFirstUse::default_client(BehaviorVersion::latest()) {
        Some(client) => loader.http_client(client),
        // Without a default HTTPS client in the build, the SDK's own choice stands (and fails as
        // it would have).
        None => loader,
    };
    loader.load().await
}

/// The function's SDK configuration, [`load`]ed by whichever request needs it first; cloning
/// shares it.
#[derive(Clone, Default)]
pub struct LazySdk {
    config: Arc<OnceCell<SdkConfig>>,
}

impl LazySdk {
    /// Nothing loaded yet.
    pub fn new() -> LazySdk {
        LazySdk::default()
    }

    /// The configuration, loaded now if this is the first call (concurrent first calls share one load).
    pub async fn config(&self) -> &SdkConfig {
        self.config.get_or_init(load).await
    }
}

impl std::fmt::Debug for LazySdk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazySdk")
            .field("loaded", &self.config.initialized())
            .finish()
    }
}
