//! The AWS SDK configuration every function loads once at init.
//!
//! The same as `aws_config::load_from_env()` (the default credential chain, so Lambda's
//! environment credentials; the region; `AWS_ENDPOINT_URL*`; retries and timeouts from the
//! environment) with one difference: the HTTPS client is the SDK's default one as
//! [`TlsOnFirstUse`], shared by every service client built from the configuration, so no trust
//! store is read before the first request needs it.

use aws_config::{BehaviorVersion, SdkConfig};

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
