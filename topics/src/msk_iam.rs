//! MSK IAM authentication: the SASL/OAUTHBEARER token AWS's signer libraries build.
//!
//! The token is a `GET https://kafka.REGION.amazonaws.com/?Action=kafka-cluster%3AConnect`
//! presigned with SigV4 (service `kafka-cluster`, valid 900 s, the session token signed in as
//! `X-Amz-Security-Token`), a `User-Agent` query parameter appended after signing, and the whole
//! URL base64url-encoded without padding. The broker checks the signature and reads the caller's
//! IAM identity from it; `User-Agent` is informational only, which is why it stays unsigned.
//!
//! [`auth_token`] builds one (pure); [`TokenProvider`] caches one and rebuilds it before it expires;
//! [`sasl_config`] hands a provider to rskafka. Neither the token nor the credentials are ever
//! logged: the token is a bearer credential for the cluster until it expires.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::FutureExt;
use rskafka::client::{OauthBearerCredentials, SaslConfig};

#[cfg(test)]
mod tests;

/// How long a token is valid after it is signed (`X-Amz-Expires`): what AWS's signers use.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(900);

/// A cached token with less than this left is rebuilt: a connection that authenticates with it
/// must not see it expire halfway, and a credentials refresh gets time to happen first.
pub const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);

/// The `User-Agent` query parameter of our tokens: MSK records it, so a cluster operator can tell
/// which client connected.
pub const USER_AGENT: &str = concat!("streamgate-topics/", env!("CARGO_PKG_VERSION"));

/// SigV4 service name of MSK's IAM access control.
const SIGNING_NAME: &str = "kafka-cluster";

/// Why no token could be built.
#[derive(Debug, thiserror::Error)]
pub enum MskIamError {
    /// The credentials provider gave no credentials.
    #[error("AWS credentials are unavailable: {0}")]
    CredentialsUnavailable(#[source] CredentialsError),
    /// The credentials had already expired at signing time: a token signed with them would be
    /// rejected, so none is built.
    #[error("the AWS credentials have expired")]
    CredentialsExpired,
    /// The region is not a region name: it becomes the host of the signed URL, so it is checked.
    #[error("{0:?} is not an AWS region name")]
    InvalidRegion(String),
    /// The SigV4 signer refused the request (never expected for the fixed URL we sign).
    #[error("signing the MSK IAM token failed: {0}")]
    SigningFailed(String),
}

/// The MSK IAM token for these credentials, region and signing time, with `user_agent` as its
/// (unsigned) `User-Agent` parameter. Pure: the same arguments give the same token.
pub fn auth_token(
    credentials: &Credentials,
    region: &str,
    signed_at: SystemTime,
    user_agent: &str,
) -> Result<String, MskIamError> {
    check_region(region)?;
    let url = format!("https://kafka.{region}.amazonaws.com/?Action=kafka-cluster%3AConnect");
    let identity = Identity::from(credentials.clone());
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(TOKEN_LIFETIME);
    // The defaults otherwise match AWS's signers: the session token is part of the canonical
    // request (MSK verifies it that way), the path "/" needs no normalisation, no payload header.
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SIGNING_NAME)
        .time(signed_at)
        .settings(settings)
        .build()
        .map_err(|e| MskIamError::SigningFailed(e.to_string()))?
        .into();
    let request = SignableRequest::new("GET", url.as_str(), std::iter::empty(), SignableBody::Bytes(&[]))
        .map_err(|e| MskIamError::SigningFailed(e.to_string()))?;
    let (instructions, _signature) = sign(request, &params)
        .map_err(|e| MskIamError::SigningFailed(e.to_string()))?
        .into_parts();
    let (_headers, query) = instructions.into_parts();

    let mut signed = url;
    for (name, value) in &query {
        append_param(&mut signed, name, value);
    }
    // After signing, so not covered by the signature: what AWS's signers do too.
    append_param(&mut signed, "User-Agent", user_agent);
    Ok(URL_SAFE_NO_PAD.encode(signed.as_bytes()))
}

/// When a token signed at `signed_at` with `credentials` stops working: after its own lifetime, or
/// when the credentials that signed it expire, whichever is first. `X-Amz-Date` has whole seconds,
/// so the lifetime counts from the second the signature names.
fn token_expiry(credentials: &Credentials, signed_at: SystemTime) -> SystemTime {
    let whole_seconds = signed_at
        .duration_since(UNIX_EPOCH)
        .map(|d| UNIX_EPOCH + Duration::from_secs(d.as_secs()))
        .unwrap_or(signed_at);
    let own = whole_seconds + TOKEN_LIFETIME;
    match credentials.expiry() {
        Some(expiry) if expiry < own => expiry,
        _ => own,
    }
}

/// Region names are lowercase letters, digits and dashes (`us-east-1`, `us-gov-west-1`); anything
/// else would change the host or the query of the signed URL.
fn check_region(region: &str) -> Result<(), MskIamError> {
    let valid = !region.is_empty()
        && !region.starts_with('-')
        && !region.ends_with('-')
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(MskIamError::InvalidRegion(region.to_owned()))
    }
}

/// Appends `&name=value` with SigV4's encoding (RFC 3986: all but unreserved characters
/// percent-encoded), the encoding the signature was computed over.
fn append_param(url: &mut String, name: &str, value: &str) {
    url.push('&');
    percent_encode_into(url, name);
    url.push('=');
    percent_encode_into(url, value);
}

fn percent_encode_into(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// A token and the moment it stops working.
struct CachedToken {
    token: String,
    expires_at: SystemTime,
}

/// Hands out MSK IAM tokens: caches one and builds a new one from the credentials provider when the
/// cached one has less than [`REFRESH_BEFORE`] left (its own 900 s or its credentials' expiry,
/// whichever is sooner). Concurrent callers coalesce: while one builds, the others wait for its
/// token instead of each fetching credentials and signing.
pub struct TokenProvider {
    credentials: SharedCredentialsProvider,
    region: String,
    // The cache lock is held across the build: that is what coalesces concurrent callers.
    cached: tokio::sync::Mutex<Option<CachedToken>>,
    // The wall clock, injectable so tests can move time; SigV4 signs wall-clock time.
    clock: Arc<dyn Fn() -> SystemTime + Send + Sync>,
}

impl fmt::Debug for TokenProvider {
    // Without the cached token: it is a bearer credential.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProvider")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl TokenProvider {
    /// A provider signing with `credentials` for the cluster's `region`. Nothing is fetched until
    /// the first [`token`](Self::token).
    pub fn new(credentials: SharedCredentialsProvider, region: String) -> Self {
        Self::with_clock(credentials, region, Arc::new(SystemTime::now))
    }

    fn with_clock(
        credentials: SharedCredentialsProvider,
        region: String,
        clock: Arc<dyn Fn() -> SystemTime + Send + Sync>,
    ) -> Self {
        Self {
            credentials,
            region,
            cached: tokio::sync::Mutex::new(None),
            clock,
        }
    }

    /// A token valid for at least [`REFRESH_BEFORE`] when it can be (less only when the
    /// credentials provider hands out credentials that expire sooner).
    pub async fn token(&self) -> Result<String, MskIamError> {
        let mut cached = self.cached.lock().await;
        let now = (self.clock)();
        if let Some(current) = cached.as_ref() {
            if current
                .expires_at
                .duration_since(now)
                .is_ok_and(|left| left > REFRESH_BEFORE)
            {
                return Ok(current.token.clone());
            }
        }
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(MskIamError::CredentialsUnavailable)?;
        // Signed when the credentials arrived: fetching them may have taken a while.
        let signed_at = (self.clock)();
        let expires_at = token_expiry(&credentials, signed_at);
        if expires_at <= signed_at {
            return Err(MskIamError::CredentialsExpired);
        }
        let token = auth_token(&credentials, &self.region, signed_at, USER_AGENT)?;
        *cached = Some(CachedToken {
            token: token.clone(),
            expires_at,
        });
        Ok(token)
    }
}

/// rskafka's SASL/OAUTHBEARER configuration with tokens from `provider`: rskafka calls it for
/// every connection it authenticates, and the provider's cache keeps that cheap.
pub fn sasl_config(provider: Arc<TokenProvider>) -> SaslConfig {
    SaslConfig::Oauthbearer(OauthBearerCredentials {
        callback: Arc::new(move || {
            let provider = Arc::clone(&provider);
            async move {
                provider
                    .token()
                    .await
                    .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)
            }
            .boxed()
        }),
        authz_id: None,
        bearer_kvs: vec![],
    })
}
