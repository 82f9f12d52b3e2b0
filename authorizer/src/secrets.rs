//! The Secrets Manager adapter: reads the `AWSCURRENT` and, during a rotation, the `AWSPENDING`
//! version of the credentials secret (the latter only while it is recent: [`crate::rotation`]).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::DisplayErrorContext;
use serde::Deserialize;
use serde_json::Value;

use crate::cache::{SecretSource, SourceError};
use crate::credentials::{Credential, CredentialSet};
use crate::rotation::{DEFAULT_PENDING_MAX_AGE, PendingAge, SystemWallClock, WallClock, judge_pending};

/// Stage label of the version in use.
pub const STAGE_CURRENT: &str = "AWSCURRENT";
/// Stage label of the version being rotated in; exists only during a rotation.
pub const STAGE_PENDING: &str = "AWSPENDING";

/// Credentials from one Secrets Manager secret holding `{"username": "...", "password": "..."}`.
#[derive(Clone)]
pub struct SecretsManagerSource {
    client: Client,
    secret_id: String,
    pending_max_age: Duration,
    wall_clock: Arc<dyn WallClock>,
}

impl std::fmt::Debug for SecretsManagerSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretsManagerSource")
            .field("secret_id", &self.secret_id)
            .field("pending_max_age", &self.pending_max_age)
            .finish_non_exhaustive()
    }
}

struct Version {
    id: Option<String>,
    created: Option<SystemTime>,
    text: String,
}

impl SecretsManagerSource {
    /// A source reading `secret_id` (a name or an ARN) through `client`, accepting a pending version
    /// for [`DEFAULT_PENDING_MAX_AGE`] after its creation.
    pub fn new(client: Client, secret_id: impl Into<String>) -> Self {
        SecretsManagerSource {
            client,
            secret_id: secret_id.into(),
            pending_max_age: DEFAULT_PENDING_MAX_AGE,
            wall_clock: Arc::new(SystemWallClock),
        }
    }

    /// Accepts a pending version only while it is younger than `max_age` (`PENDING_MAX_AGE_HOURS`).
    pub fn with_pending_max_age(mut self, max_age: Duration) -> Self {
        self.pending_max_age = max_age;
        self
    }

    /// Measures the age of a pending version with `clock` instead of the system's (tests).
    pub fn with_wall_clock(mut self, clock: impl WallClock + 'static) -> Self {
        self.wall_clock = Arc::new(clock);
        self
    }

    /// One stage of the secret; `None` when that stage does not exist.
    async fn version(&self, stage: &str) -> Result<Option<Version>, SourceError> {
        let result = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .version_stage(stage)
            .send()
            .await;
        let output = match result {
            Ok(output) => output,
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                return Ok(None);
            }
            Err(error) => {
                return Err(SourceError::Unavailable(format!(
                    "GetSecretValue {stage}: {}",
                    DisplayErrorContext(&error)
                )));
            }
        };
        let text = match (output.secret_string(), output.secret_binary()) {
            (Some(text), _) => text.to_owned(),
            (None, Some(binary)) => String::from_utf8(binary.as_ref().to_vec())
                .map_err(|_| SourceError::Malformed(format!("{stage}: SecretBinary is not UTF-8")))?,
            (None, None) => return Err(SourceError::Malformed(format!("{stage}: no SecretString"))),
        };
        Ok(Some(Version {
            id: output.version_id().map(str::to_owned),
            // A date SystemTime cannot hold is as unknown as a missing one.
            created: output.created_date().and_then(|date| SystemTime::try_from(*date).ok()),
            text,
        }))
    }
}

impl SecretSource for SecretsManagerSource {
    /// `GetSecretValue` of AWSCURRENT and of AWSPENDING.
    fn requests_per_fetch(&self) -> u64 {
        2
    }

    async fn fetch(&self) -> Result<CredentialSet, SourceError> {
        // Both stages at once: one round trip of latency, not two.
        let (current, pending) = tokio::join!(self.version(STAGE_CURRENT), self.version(STAGE_PENDING));
        let current = current?.ok_or_else(|| {
            SourceError::Unavailable(format!("secret has no {STAGE_CURRENT} version (does it exist?)"))
        })?;
        let mut accepted = vec![parse_credential(&current.text).map_err(|e| e.at(STAGE_CURRENT))?];
        match pending? {
            Some(pending) if pending.id != current.id => {
                if let Some(credential) = self.accept_pending(&pending) {
                    accepted.push(credential);
                }
            }
            _ => {}
        }
        Ok(CredentialSet::new(accepted))
    }
}

impl SecretsManagerSource {
    /// The pending version's credential, if it is recent and well-formed. Warnings name the version
    /// id and its age, never its value.
    fn accept_pending(&self, pending: &Version) -> Option<Credential> {
        let version_id = pending.id.as_deref().unwrap_or("unknown");
        let max_age_hours = self.pending_max_age.as_secs() / 3600;
        match judge_pending(pending.created, self.wall_clock.now(), self.pending_max_age) {
            PendingAge::Fresh => {}
            PendingAge::Stale { age } => {
                tracing::warn!(
                    version_id,
                    age_hours = age.as_secs() / 3600,
                    max_age_hours,
                    "ignoring the pending secret version: older than the maximum age (an abandoned rotation?)"
                );
                return None;
            }
            PendingAge::Undated => {
                tracing::warn!(
                    version_id,
                    "ignoring the pending secret version: Secrets Manager gave no creation date to bound its age"
                );
                return None;
            }
        }
        match parse_credential(&pending.text) {
            Ok(credential) => Some(credential),
            // A half-made rotation must not lock out the current credentials.
            Err(error) => {
                tracing::warn!(error = %error.at(STAGE_PENDING), version_id, "ignoring the pending secret version");
                None
            }
        }
    }
}

#[derive(Deserialize)]
struct SecretDocument {
    username: String,
    password: String,
}

/// Why a secret value is not a credential. Never quotes the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretFormatError {
    /// Not a JSON object with string `username` and `password`.
    #[error("expected JSON {{\"username\": string, \"password\": string}} (error at line {line}, column {column})")]
    NotCredentialJson {
        /// Line of the JSON error.
        line: usize,
        /// Column of the JSON error.
        column: usize,
    },
    /// Valid JSON, but not an object.
    #[error("expected a JSON object {{\"username\": string, \"password\": string}}")]
    NotAnObject,
    /// `username` or `password` is empty: such a secret would weaken or disable authentication.
    #[error("username and password must not be empty")]
    Empty,
    /// Contains a `:` in the username or a control character, which Basic authentication cannot carry.
    #[error("username must not contain ':' and neither may contain control characters")]
    Unrepresentable,
}

impl SecretFormatError {
    fn at(self, stage: &str) -> SourceError {
        SourceError::Malformed(format!("{stage}: {self}"))
    }
}

/// Reads one secret value. serde_json's own messages can quote the offending value, so only the
/// position of the error is kept.
pub fn parse_credential(text: &str) -> Result<Credential, SecretFormatError> {
    let not_json = |e: serde_json::Error| SecretFormatError::NotCredentialJson {
        line: e.line(),
        column: e.column(),
    };
    // Through `Value` first: serde would also read a struct from a JSON array.
    let document = match serde_json::from_str(text).map_err(not_json)? {
        object @ Value::Object(_) => serde_json::from_value::<SecretDocument>(object).map_err(not_json)?,
        _ => return Err(SecretFormatError::NotAnObject),
    };
    if document.username.is_empty() || document.password.is_empty() {
        return Err(SecretFormatError::Empty);
    }
    if document.username.contains(':')
        || document
            .username
            .chars()
            .chain(document.password.chars())
            .any(char::is_control)
    {
        return Err(SecretFormatError::Unrepresentable);
    }
    Ok(Credential::new(&document.username, &document.password))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basic::Presented;

    #[test]
    fn parses_the_documented_shape() {
        let credential = parse_credential(r#"{"username": "streamgate", "password": "pw:with:colons"}"#).unwrap();
        let set = CredentialSet::new(vec![credential]);
        assert!(set.accepts(&Presented {
            username: "streamgate".into(),
            password: "pw:with:colons".into()
        }));
    }

    #[test]
    fn refuses_other_shapes_without_quoting_them() {
        for text in [
            "",
            "hunter2",
            r#"{"username": "u"}"#,
            r#"{"username": "u", "password": 12345678}"#,
            r#"["u", "hunter2"]"#,
        ] {
            let error = parse_credential(text).unwrap_err();
            let message = error.to_string();
            assert!(
                !message.contains("hunter2") && !message.contains("12345678"),
                "{message}"
            );
        }
        assert_eq!(
            parse_credential(r#"{"username": "", "password": "x"}"#).unwrap_err(),
            SecretFormatError::Empty
        );
        assert_eq!(
            parse_credential(r#"{"username": "u", "password": ""}"#).unwrap_err(),
            SecretFormatError::Empty
        );
        assert_eq!(
            parse_credential(r#"{"username": "a:b", "password": "x"}"#).unwrap_err(),
            SecretFormatError::Unrepresentable
        );
    }
}
