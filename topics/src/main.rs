//! The Lambda entry point: configuration and the Kafka client are built once per execution
//! environment (the connection is made by the first request and kept while the environment is
//! warm); each invocation is one HTTP API request (payload format 2.0).

// lambda_runtime's service stack makes a deeply nested future type.
#![recursion_limit = "256"]

use std::convert::Infallible;
use std::sync::Arc;

use anyhow::Context as _;
use aws_config::environment::EnvironmentVariableRegionProvider;
use aws_config::meta::region::ProvideRegion as _;
use aws_credential_types::provider::SharedCredentialsProvider;
use lambda_runtime::{LambdaEvent, service_fn};
use lambdabase::{LazyCredentials, LazySdk, SdkClient};
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
/// only when the mechanism needs AWS, and then by the first connection, not at init: `none` never
/// loads it.
async fn sasl(auth: &AuthMode) -> anyhow::Result<Sasl> {
    Ok(match auth {
        AuthMode::None => Sasl::None,
        AuthMode::Iam => {
            // Lambda always sets AWS_REGION; read it as the SDK does, without loading the rest.
            let region = EnvironmentVariableRegionProvider::new()
                .region()
                .await
                .map(|region| region.to_string())
                .context("no AWS region (AWS_REGION) for MSK IAM authentication")?;
            let credentials = SharedCredentialsProvider::new(LazyCredentials::new(&LazySdk::new()));
            Sasl::Iam(Arc::new(TokenProvider::new(credentials, region)))
        }
        AuthMode::Scram { secret } => Sasl::Scram {
            secrets: SdkClient::deferred(&LazySdk::new(), aws_sdk_secretsmanager::Client::new),
            secret_id: secret.clone(),
        },
    })
}
