//! The Lambda entry point: configuration and the Secrets Manager client once, one step per
//! invocation.

// lambda_runtime's service stack makes a deeply nested future type.
#![recursion_limit = "256"]
use anyhow::Context as _;
use clients::store::sdk::SecretsManagerStore;
use lambda_runtime::{LambdaEvent, service_fn};
use rotation::Config;
use serde_json::Value;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    lambdabase::logging::init();
    let config = Config::from_env().context("reading the rotation function's configuration")?;
    let sdk = lambdabase::sdk::load().await;
    let store = SecretsManagerStore::new(aws_sdk_secretsmanager::Client::new(&sdk), config.secret_id.clone());
    let (store, secret_id) = (&store, config.secret_id.as_str());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        rotation::handle(store, secret_id, event.payload, &event.context.request_id)
            .await
            .map(|outcome| serde_json::json!({ "outcome": format!("{outcome:?}") }))
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}
