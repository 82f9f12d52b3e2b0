//! The SDK's HTTPS client with its trust store loaded on first use instead of at client build.
//!
//! The SDK's default client (hyper 1 + rustls + aws-lc) deliberately builds a throwaway connector
//! when each service client is built (`HttpClient::validate_base_client_config`), so that the
//! system's root certificates load during init: on Debian that opens the bundle and then every
//! file in `/etc/ssl/certs` (~290), about 2 ms of a function's 5–6 ms cold start, once per service
//! client for the connector, although the first request builds its own connector again anyway.
//! [`TlsOnFirstUse`] is that same client with the warm-up left out: the first request's connector
//! loads the roots it needs then, once, and the connector is shared by every service client of
//! the configuration. Trust is unchanged: the same roots, the same verifier, built by the SDK.

use aws_smithy_runtime::client::defaults::default_http_client_plugin_v2;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector};
use aws_smithy_runtime_api::client::runtime_components::{RuntimeComponents, RuntimeComponentsBuilder};
use aws_smithy_runtime_api::client::runtime_plugin::RuntimePlugin;
use aws_smithy_types::config_bag::ConfigBag;

/// The SDK's default HTTPS client for `behavior_version`, without its warm-up at client build.
#[derive(Debug, Clone)]
pub struct TlsOnFirstUse {
    inner: SharedHttpClient,
}

impl TlsOnFirstUse {
    /// The SDK's own default client (whatever it is for this version: TLS stack, crypto, proxy
    /// from the environment), taken from the runtime plugin the service clients would use; `None`
    /// when the build has no default HTTPS client.
    pub fn default_client(behavior_version: BehaviorVersion) -> Option<TlsOnFirstUse> {
        let plugin = default_http_client_plugin_v2(behavior_version)?;
        let inner = plugin
            .runtime_components(&RuntimeComponentsBuilder::new("lambdabase"))
            .http_client()?;
        Some(TlsOnFirstUse { inner })
    }

    /// Whatever `inner` is, without its warm-up (tests wrap a client that counts).
    pub fn wrapping(inner: SharedHttpClient) -> TlsOnFirstUse {
        TlsOnFirstUse { inner }
    }
}

impl HttpClient for TlsOnFirstUse {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        self.inner.http_connector(settings, components)
    }

    /// The inner client's warm-up is skipped on purpose: its only job is to load the trust store
    /// before the first request, which is the cost this type moves out of init. The inner
    /// connector still validates every certificate when the first request connects.
    fn validate_base_client_config(&self, _: &RuntimeComponentsBuilder, _: &ConfigBag) -> Result<(), BoxError> {
        Ok(())
    }

    fn validate_final_config(&self, components: &RuntimeComponents, cfg: &ConfigBag) -> Result<(), BoxError> {
        self.inner.validate_final_config(components, cfg)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

#[cfg(test)]
mod tests;
