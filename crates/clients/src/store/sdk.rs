//! The Secrets Manager adapter: `GetSecretValue`, `PutSecretValue`, `UpdateSecretVersionStage`.

use std::time::SystemTime;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use lambdabase::SdkClient;

use super::{CURRENT, PENDING, SecretStore, StoreError, Version, VersionRef};

/// One secret in Secrets Manager.
#[derive(Debug, Clone)]
pub struct SecretsManagerStore {
    client: SdkClient<Client>,
    secret_id: String,
}

impl SecretsManagerStore {
    /// The secret `secret_id` (a name or an ARN), through `client`.
    pub fn new(client: impl Into<SdkClient<Client>>, secret_id: impl Into<String>) -> SecretsManagerStore {
        SecretsManagerStore {
            client: client.into(),
            secret_id: secret_id.into(),
        }
    }

    /// The secret's id as given.
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }
}

fn service<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    operation: &'static str,
) -> impl FnOnce(SdkError<E, R>) -> StoreError {
    move |error| StoreError::Service {
        operation,
        message: DisplayErrorContext(&error).to_string(),
    }
}

impl SecretStore for SecretsManagerStore {
    async fn get(&self, version: VersionRef<'_>) -> Result<Option<Version>, StoreError> {
        let request = self.client.get().await.get_secret_value().secret_id(&self.secret_id);
        let request = match version {
            VersionRef::Stage(stage) => request.version_stage(stage),
            VersionRef::Id(id) => request.version_id(id),
        };
        let output = match request.send().await {
            Ok(output) => output,
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                return Ok(None);
            }
            Err(error) => return Err(service("GetSecretValue")(error)),
        };
        let text = match (output.secret_string(), output.secret_binary()) {
            (Some(text), _) => text.to_owned(),
            (None, Some(binary)) => String::from_utf8(binary.as_ref().to_vec()).map_err(|_| StoreError::NotText)?,
            (None, None) => return Err(StoreError::NotText),
        };
        Ok(Some(Version {
            id: output.version_id().unwrap_or_default().to_owned(),
            stages: output.version_stages().to_vec(),
            created: output.created_date().and_then(|date| SystemTime::try_from(*date).ok()),
            text,
        }))
    }

    async fn put_pending(&self, token: &str, text: &str) -> Result<(), StoreError> {
        self.client
            .get()
            .await
            .put_secret_value()
            .secret_id(&self.secret_id)
            .client_request_token(token)
            .secret_string(text)
            .version_stages(PENDING)
            .send()
            .await
            .map_err(service("PutSecretValue"))?;
        Ok(())
    }

    async fn make_current(&self, to: &str, from: &str) -> Result<(), StoreError> {
        self.client
            .get()
            .await
            .update_secret_version_stage()
            .secret_id(&self.secret_id)
            .version_stage(CURRENT)
            .move_to_version_id(to)
            .remove_from_version_id(from)
            .send()
            .await
            .map_err(service("UpdateSecretVersionStage"))?;
        Ok(())
    }

    async fn clear_pending(&self, id: &str) -> Result<(), StoreError> {
        self.client
            .get()
            .await
            .update_secret_version_stage()
            .secret_id(&self.secret_id)
            .version_stage(PENDING)
            .remove_from_version_id(id)
            .send()
            .await
            .map_err(service("UpdateSecretVersionStage"))?;
        Ok(())
    }
}
