//! How the function authenticates to Kafka (`KAFKA_AUTH`): the TLS settings and the SASL mechanism
//! rskafka is built with, and the SCRAM secret's shape.
//!
//! - `iam`: TLS + SASL/OAUTHBEARER with an MSK IAM token ([`crate::msk_iam`]) signed with the
//!   function's role credentials, rebuilt before it expires (MSK's port 9098).
//! - `scram`: TLS + SCRAM-SHA-512 with `{"username","password"}` from a Secrets Manager secret
//!   (MSK's `AmazonMSK_` secrets; port 9096), read again on every new connection so a rotated
//!   password is picked up without a redeploy.
//! - `none`: plaintext, no SASL (self-hosted Kafka inside the VPC, the local stage).
//!
//! TLS trusts the system's roots (on Lambda, Amazon Linux's CA bundle; MSK's certificates chain to
//! Amazon Trust Services), read once, on the first connection that needs TLS: never at init, so a
//! cold start does no certificate-store work. (Mozilla's roots compiled in, `webpki-roots`, would
//! spare that read but add ~0.1 MB to a zip kept under 4 MB.)

use std::sync::{Arc, OnceLock};

use rskafka::client::{Credentials, SaslConfig};
use serde::Deserialize;

use crate::msk_iam::{self, TokenProvider};

/// The SASL side of `KAFKA_AUTH`, ready to produce rskafka's settings.
#[derive(Clone)]
pub enum Sasl {
    /// No SASL.
    None,
    /// MSK IAM tokens.
    Iam(Arc<TokenProvider>),
    /// SCRAM-SHA-512 with credentials read from Secrets Manager.
    Scram {
        /// The Secrets Manager client.
        secrets: lambdabase::SdkClient<aws_sdk_secretsmanager::Client>,
        /// The secret's ARN or name.
        secret_id: String,
    },
}

impl std::fmt::Debug for Sasl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Sasl::None => f.write_str("None"),
            Sasl::Iam(_) => f.write_str("Iam"),
            Sasl::Scram { secret_id, .. } => f.debug_struct("Scram").field("secret_id", secret_id).finish(),
        }
    }
}

impl Sasl {
    /// rskafka's SASL settings for a new connection (`None`: no SASL).
    pub async fn config(&self) -> Result<Option<SaslConfig>, String> {
        match self {
            Sasl::None => Ok(None),
            Sasl::Iam(provider) => Ok(Some(msk_iam::sasl_config(Arc::clone(provider)))),
            Sasl::Scram { secrets, secret_id } => {
                let output = secrets
                    .get()
                    .await
                    .get_secret_value()
                    .secret_id(secret_id)
                    .send()
                    .await
                    .map_err(|e| {
                        format!(
                            "reading the SCRAM secret {secret_id}: {}",
                            aws_sdk_secretsmanager::error::DisplayErrorContext(e)
                        )
                    })?;
                let text = output
                    .secret_string()
                    .ok_or_else(|| format!("the SCRAM secret {secret_id} has no SecretString"))?;
                let credentials = scram_credentials(text).map_err(|e| format!("the SCRAM secret {secret_id}: {e}"))?;
                Ok(Some(SaslConfig::ScramSha512(credentials)))
            }
        }
    }
}

#[derive(Deserialize)]
struct ScramSecret {
    username: String,
    password: String,
}

/// The credentials in an MSK SCRAM secret (`{"username","password"}`). The error never quotes the
/// secret.
pub fn scram_credentials(secret: &str) -> Result<Credentials, String> {
    let parsed: ScramSecret = serde_json::from_str(secret)
        .map_err(|_| "must be JSON {\"username\": ..., \"password\": ...} (MSK's SCRAM secret format)".to_string())?;
    if parsed.username.is_empty() || parsed.password.is_empty() {
        return Err("username and password must not be empty".into());
    }
    Ok(Credentials::new(parsed.username, parsed.password))
}

/// TLS for `iam` and `scram`: rustls with aws-lc-rs (the SDK's provider, named explicitly: rskafka
/// also compiles ring in) and the system's roots, built once per execution environment.
pub fn tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    // Only a success is kept: a failed read is tried again by the next connection.
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    if let Some(config) = CONFIG.get() {
        return Ok(Arc::clone(config));
    }
    let config = build_tls_config()?;
    Ok(Arc::clone(CONFIG.get_or_init(|| config)))
}

fn build_tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        return Err(format!(
            "no trusted root certificates found on this system ({} errors reading them)",
            found.errors.len()
        ));
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scram_secret_is_msks_json_and_errors_never_quote_it() {
        let credentials = scram_credentials(r#"{"username":"alice","password":"s3cret"}"#);
        assert!(credentials.is_ok_and(|c| c.username == "alice" && c.password == "s3cret"));
        for bad in [
            "s3cret",
            r#"{"username":"alice"}"#,
            r#"{"username":"","password":"s3cret"}"#,
        ] {
            let error = scram_credentials(bad).err().unwrap_or_default();
            assert!(!error.is_empty() && !error.contains("s3cret"), "{bad}: {error}");
        }
    }

    #[test]
    fn tls_config_builds_with_the_systems_roots() {
        assert!(tls_config().is_ok());
    }
}
