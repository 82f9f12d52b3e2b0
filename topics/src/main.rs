//! The Lambda entry point: configuration and the Kafka client are built once per execution
//! environment (the connection is made by the first request and kept while the environment is
//! warm); each invocation is one HTTP API request (payload format 2.0).

// lambda_runtime's service stack makes a deeply nested future type.
#![recursion_limit = "256"]

use std::convert::Infallible;
use std::sync::Arc;

use anyhow::Context as _;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::value::RawValue;
use topics::kafka::auth::Sasl;
use topics::kafka::client::KafkaClient;
use topics::msk_iam::TokenProvider;
use topics::{AuthMode, Config, Handler, RestProxy};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    lambdabase::logging::init();
    let config = Config::from_env().context("reading the topics configuration")?;
    let sasl = sasl(&config.auth).await?;
    let kafka = KafkaClient::new(config.bootstrap.clone(), config.tls, sasl);
    let metrics = emf::Metrics::new(config.namespace.clone(), "topics", emf::StdoutSink);
    let handler = Handler::new(
        RestProxy::new(kafka, config.policy.clone()),
        metrics,
        config.produce_budget,
    );
    let handler = &handler;
    // The payload stays raw JSON: even an unreadable event gets an HTTP answer.
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| async move {
        let deadline = event.context.deadline();
        Ok::<_, Infallible>(handler.handle_event(&event.payload, deadline).await)
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}

/// The SASL mechanism `auth` names, with what it needs from AWS. The SDK configuration is loaded
/// only when the mechanism needs AWS: `none` starts without it.
async fn sasl(auth: &AuthMode) -> anyhow::Result<Sasl> {
    Ok(match auth {
        AuthMode::None => Sasl::None,
        AuthMode::Iam => {
            let sdk = lambdabase::sdk::load().await;
            let credentials = sdk
                .credentials_provider()
                .context("no AWS credentials provider for MSK IAM authentication")?;
            let region = sdk
                .region()
                .map(ToString::to_string)
                .context("no AWS region (AWS_REGION) for MSK IAM authentication")?;
            Sasl::Iam(Arc::new(TokenProvider::new(credentials, region)))
        }
        AuthMode::Scram { secret } => {
            let sdk = lambdabase::sdk::load().await;
            Sasl::Scram {
                secrets: aws_sdk_secretsmanager::Client::new(&sdk),
                secret_id: secret.clone(),
            }
        }
    })
}
