//! A service client that is either given (tests, tools) or built from a [`LazySdk`] by the first
//! request that uses it: the functions' adapters hold an [`SdkClient`] and ask it for the client
//! per call, so their constructors take either.

use std::sync::Arc;

use aws_config::SdkConfig;
use tokio::sync::OnceCell;

use crate::sdk::LazySdk;

/// A service client of type `C`, built on first use or given ready.
pub struct SdkClient<C> {
    inner: Arc<Source<C>>,
}

enum Source<C> {
    Ready(C),
    Deferred {
        sdk: LazySdk,
        build: fn(&SdkConfig) -> C,
        client: OnceCell<C>,
    },
}

impl<C> SdkClient<C> {
    /// A client `build` makes from `sdk`'s configuration on the first [`SdkClient::get`]
    /// (`aws_sdk_dynamodb::Client::new`, say).
    pub fn deferred(sdk: &LazySdk, build: fn(&SdkConfig) -> C) -> SdkClient<C> {
        SdkClient {
            inner: Arc::new(Source::Deferred {
                sdk: sdk.clone(),
                build,
                client: OnceCell::new(),
            }),
        }
    }

    /// The client, built now if this is the first call.
    pub async fn get(&self) -> &C {
        match &*self.inner {
            Source::Ready(client) => client,
            Source::Deferred { sdk, build, client } => client.get_or_init(|| async { build(sdk.config().await) }).await,
        }
    }

    /// Whether the client exists yet (tests: that init built nothing).
    pub fn is_built(&self) -> bool {
        match &*self.inner {
            Source::Ready(_) => true,
            Source::Deferred { client, .. } => client.initialized(),
        }
    }
}

impl<C> From<C> for SdkClient<C> {
    /// A client built already (tests against the emulator, the CLI).
    fn from(client: C) -> SdkClient<C> {
        SdkClient {
            inner: Arc::new(Source::Ready(client)),
        }
    }
}

impl<C> Clone for SdkClient<C> {
    fn clone(&self) -> SdkClient<C> {
        SdkClient {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<C> std::fmt::Debug for SdkClient<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkClient").field("built", &self.is_built()).finish()
    }
}

#[cfg(test)]
mod tests;
