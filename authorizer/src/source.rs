//! Where the cache gets the accepted credentials: a [`SecretSource`] trait (Secrets Manager in
//! production, [`SecretsManagerSource`](crate::secrets::SecretsManagerSource); in-memory doubles in
//! tests) and the error a fetch ends with.

use std::future::Future;

use crate::credentials::CredentialSet;

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
