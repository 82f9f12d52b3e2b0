//! One step per invocation: check the event, run the step, log what it did (never a password).

use clients::SecretStore;
use clients::steps::{self, Outcome, Step, StepError};
use lambda_runtime::Diagnostic;

use crate::event::{EventError, Request};

/// An invocation that failed: Secrets Manager marks the rotation failed and `AWSCURRENT` stays.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    /// The event is not one to act on.
    #[error(transparent)]
    Event(#[from] EventError),
    /// The step failed.
    #[error("{step}: {error}", step = .0.as_str(), error = .1)]
    Step(Step, StepError),
}

impl From<RotationError> for Diagnostic {
    fn from(error: RotationError) -> Diagnostic {
        let error_type = match &error {
            RotationError::Event(_) => "InvalidEvent",
            RotationError::Step(..) => "StepFailed",
        };
        Diagnostic {
            error_type: error_type.into(),
            error_message: error.to_string(),
        }
    }
}

/// Runs the step `event` asks for on `store`, the secret `secret_id` names.
pub async fn handle(
    store: &impl SecretStore,
    secret_id: &str,
    event: serde_json::Value,
    request_id: &str,
) -> Result<Outcome, RotationError> {
    let request = Request::from_event(event, secret_id).inspect_err(|error| {
        tracing::error!(request_id, %error, "refused the rotation event");
    })?;
    let step = request.step;
    let token = request.token.as_str();
    let result = match step {
        Step::CreateSecret => steps::create_secret(store, token, &request.change).await,
        Step::SetSecret => steps::set_secret(store, token).await,
        Step::TestSecret => steps::test_secret(store, token).await,
        Step::FinishSecret => steps::finish_secret(store, token).await,
    };
    match &result {
        Ok(Outcome::Staged { changed }) => {
            tracing::info!(request_id, step = step.as_str(), version = token, clients = ?changed, "staged a new version as AWSPENDING")
        }
        Ok(Outcome::AlreadyStaged) => {
            tracing::info!(
                request_id,
                step = step.as_str(),
                version = token,
                "the version exists already: nothing to do"
            )
        }
        Ok(Outcome::NothingToSet) => tracing::info!(
            request_id,
            step = step.as_str(),
            version = token,
            "nothing to set: the authorizer reads the secret itself (AWSPENDING is accepted while young)"
        ),
        Ok(Outcome::Tested { clients, weak_kept }) => {
            tracing::info!(
                request_id,
                step = step.as_str(),
                version = token,
                clients,
                "the pending version is valid"
            );
            if !weak_kept.is_empty() {
                tracing::warn!(
                    request_id,
                    clients = ?weak_kept,
                    "clients keep a weak password (under 32 characters or too few distinct ones) from the current version: rotate them"
                );
            }
        }
        Ok(Outcome::Finished { previous }) => tracing::info!(
            request_id,
            step = step.as_str(),
            version = token,
            previous = %previous,
            "AWSCURRENT moved to the new version; the old one is AWSPREVIOUS"
        ),
        Ok(Outcome::AlreadyCurrent) => {
            tracing::info!(
                request_id,
                step = step.as_str(),
                version = token,
                "already AWSCURRENT: nothing to do"
            )
        }
        Err(error) => tracing::error!(request_id, step = step.as_str(), version = token, %error, "step failed"),
    }
    result.map_err(|error| RotationError::Step(step, error))
}
