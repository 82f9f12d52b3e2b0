//! The Lambda entry point: configuration and the Secrets Manager client once, one step per
//! invocation.

// lambda_runtime's service stack makes a deeply nested future type.
#![recursion_limit = "256"]
use anyhow::Context as _;
use clients::store::sdk::SecretsManagerStore;
use lambda_runtime::{LambdaEvent, service_fn};
use lambdabase::{LazySdk, SdkClient};
use rotation::Config;
use serde_json::Value;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    lambdabase::logging::init();
    let config = Config::from_env().context("reading the rotation function's configuration")?;
    // The SDK and its client are built by the first step, not at init.
    let sdk = LazySdk::new();
    let secrets = SdkClient::deferred(&sdk, aws_sdk_secretsmanager::Client::new);
    let store = SecretsManagerStore::new(secrets, config.secret_id.clone());
    let (store, secret_id) = (&store, config.secret_id.as_str());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        rotation::handle(store, secret_id, event.payload, &event.context.request_id)
            .await
            .map(|outcome| serde_json::json!({ "outcome": format!("{outcome:?}") }))
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}
