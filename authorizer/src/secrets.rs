//! The Secrets Manager adapter: reads the `AWSCURRENT` and, during a rotation, the `AWSPENDING`
//! version of the credentials secret.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::DisplayErrorContext;
use serde::Deserialize;
use serde_json::Value;

use crate::cache::{SecretSource, SourceError};
use crate::credentials::{Credential, CredentialSet};

/// Stage label of the version in use.
pub const STAGE_CURRENT: &str = "AWSCURRENT";
/// Stage label of the version being rotated in; exists only during a rotation.
pub const STAGE_PENDING: &str = "AWSPENDING";

/// Credentials from one Secrets Manager secret holding `{"username": "...", "password": "..."}`.
#[derive(Debug, Clone)]
pub struct SecretsManagerSource {
    client: Client,
    secret_id: String,
}

struct Version {
    id: Option<String>,
    text: String,
}

impl SecretsManagerSource {
    /// A source reading `secret_id` (a name or an ARN) through `client`.
    pub fn new(client: Client, secret_id: impl Into<String>) -> Self {
        SecretsManagerSource {
            client,
            secret_id: secret_id.into(),
        }
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
            text,
        }))
    }
}

impl SecretSource for SecretsManagerSource {
    async fn fetch(&self) -> Result<CredentialSet, SourceError> {
        // Both stages at once: one round trip of latency, not two.
        let (current, pending) = tokio::join!(self.version(STAGE_CURRENT), self.version(STAGE_PENDING));
        let current = current?.ok_or_else(|| {
            SourceError::Unavailable(format!("secret has no {STAGE_CURRENT} version (does it exist?)"))
        })?;
        let mut accepted = vec![parse_credential(&current.text).map_err(|e| e.at(STAGE_CURRENT))?];
        match pending? {
            Some(pending) if pending.id != current.id => match parse_credential(&pending.text) {
                Ok(credential) => accepted.push(credential),
                // A half-made rotation must not lock out the current credentials.
                Err(error) => tracing::warn!(error = %error.at(STAGE_PENDING), "ignoring the pending secret version"),
            },
            _ => {}
        }
        Ok(CredentialSet::new(accepted))
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
