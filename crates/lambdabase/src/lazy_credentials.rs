//! The credential chain of a [`LazySdk`], as a credentials provider that loads the configuration on
//! the first credentials request: for code that signs with the SDK's credentials without a service
//! client (the topics function's MSK IAM tokens).

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, future};

use crate::sdk::LazySdk;

/// The default credential chain of `sdk`'s configuration, loaded on first use.
#[derive(Debug, Clone)]
pub struct LazyCredentials {
    sdk: LazySdk,
}

impl LazyCredentials {
    /// The credentials of `sdk`'s configuration (shared with every client built from it).
    pub fn new(sdk: &LazySdk) -> LazyCredentials {
        LazyCredentials { sdk: sdk.clone() }
    }
}

impl ProvideCredentials for LazyCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let provider = self
                .sdk
                .config()
                .await
                .credentials_provider()
                .ok_or_else(|| CredentialsError::not_loaded("the SDK configuration has no credentials provider"))?;
            provider.provide_credentials().await
        })
    }
}
