//! `rotate NAME|--all`: the stack's rotation function invoked as Secrets Manager invokes it, with
//! createSecret, setSecret, testSecret and finishSecret in order under one new token, plus
//! `Clients: [NAME]` for one client. A step the function fails stops the rotation: `AWSCURRENT` moves
//! only in finishSecret, so until then the current passwords stay as they were.

use anyhow::Context as _;
use aws_sdk_lambda::primitives::Blob;
use clients::steps::Step;
use serde_json::{Value as Json, json};

use super::target::Target;

/// The four steps, in the order Secrets Manager runs them.
pub const STEPS: [Step; 4] = [
    Step::CreateSecret,
    Step::SetSecret,
    Step::TestSecret,
    Step::FinishSecret,
];

/// The event of one step: Secrets Manager's, with `Clients` when only some clients rotate.
pub fn event(secret_arn: &str, token: &str, step: Step, clients: Option<&[String]>) -> Json {
    let mut event = json!({"SecretId": secret_arn, "ClientRequestToken": token, "Step": step.as_str()});
    if let Some(clients) = clients {
        event["Clients"] = json!(clients);
    }
    event
}

/// What a failed invocation says: `errorMessage (errorType)` of Lambda's error payload.
pub fn function_error(kind: &str, payload: &[u8]) -> String {
    let error: Json = serde_json::from_slice(payload).unwrap_or(Json::Null);
    match (error["errorMessage"].as_str(), error["errorType"].as_str()) {
        (Some(message), Some(error_type)) => format!("{message} ({error_type})"),
        (Some(message), None) => message.to_string(),
        _ => format!("{kind} error without a message"),
    }
}

/// Invokes the four steps; no `names` rotates every client.
pub async fn run(target: &Target, names: Vec<String>) -> anyhow::Result<String> {
    let function = target.rotation_function()?;
    let secret_arn = target.secret_arn().await?;
    let token = uuid::Uuid::new_v4().to_string();
    let clients = (!names.is_empty()).then(|| names.clone());
    for step in STEPS {
        let payload = event(&secret_arn, &token, step, clients.as_deref()).to_string();
        let output = target
            .lambda
            .invoke()
            .function_name(function)
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{}", aws_sdk_lambda::error::DisplayErrorContext(e)))
            .with_context(|| format!("invoking {function} ({}) for {}", target.place(), step.as_str()))?;
        if let Some(kind) = output.function_error() {
            let message = function_error(kind, output.payload().map_or(&[][..], |p| p.as_ref()));
            // The staged version must not stay AWSPENDING: the authorizer would accept it, and
            // Secrets Manager refuses to start a scheduled rotation while it is there.
            let state = match clients::steps::abandon(&target.store, &token).await {
                Ok(()) if step == Step::FinishSecret => {
                    "AWSCURRENT may not have moved: run the rotation again".to_string()
                }
                Ok(()) => "AWSCURRENT is unchanged and the staged version is no longer AWSPENDING".to_string(),
                Err(error) => format!(
                    "AWSCURRENT is unchanged, but the staged version {token} could not be taken off \
                     AWSPENDING ({error}): remove it with aws secretsmanager update-secret-version-stage \
                     --secret-id {secret_arn} --version-stage AWSPENDING --remove-from-version-id {token}"
                ),
            };
            anyhow::bail!(
                "the rotation failed at {}: {function} says: {message}\n{state}",
                step.as_str()
            );
        }
    }
    let who = match names.is_empty() {
        true => "every client".to_string(),
        false => names.join(", "),
    };
    let show = match names.as_slice() {
        [name] => format!("streamgate credentials{} show {name} --reveal", target.flags()),
        _ => format!("streamgate credentials{} show NAME --reveal", target.flags()),
    };
    Ok(format!(
        "rotated {who}: version {token} is AWSCURRENT; the previous password keeps working for \
         PreviousCredentialsGraceMinutes\nthe new password: {show}\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_secrets_managers_with_the_clients_to_rotate() {
        let names: Vec<&str> = STEPS.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["createSecret", "setSecret", "testSecret", "finishSecret"]);
        assert_eq!(
            event("arn:s", "t", Step::CreateSecret, None),
            json!({"SecretId": "arn:s", "ClientRequestToken": "t", "Step": "createSecret"})
        );
        assert_eq!(
            event("arn:s", "t", Step::TestSecret, Some(&["partner".to_string()]))["Clients"],
            json!(["partner"])
        );
    }

    #[test]
    fn function_errors_name_their_message() {
        let payload = br#"{"errorType":"StepFailed","errorMessage":"createSecret: no client named \"x\""}"#;
        assert_eq!(
            function_error("Unhandled", payload),
            "createSecret: no client named \"x\" (StepFailed)"
        );
        assert_eq!(
            function_error("Unhandled", b"nope"),
            "Unhandled error without a message"
        );
    }
}
