//! The Lambda entry point: configuration, clients and the cache are built once per execution
//! environment; each invocation is one decision.

// lambda_runtime's service stack makes a deeply nested future type.
#![recursion_limit = "256"]
use anyhow::Context as _;
use authorizer::{Authorizer, Config, CredentialCache, SecretsManagerSource, SystemClock};
use lambda_runtime::{LambdaEvent, service_fn};
use lambdabase::{LazySdk, SdkClient};
use serde_json::Value;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    lambdabase::logging::init();
    let config = Config::from_env().context("reading the authorizer configuration")?;
    // The SDK and its client are built by the first request that needs the secret, not at init.
    let sdk = LazySdk::new();
    let secrets = SdkClient::deferred(&sdk, aws_sdk_secretsmanager::Client::new);
    let source = SecretsManagerSource::new(secrets, config.secret_id)
        .with_pending_max_age(config.pending_max_age)
        .with_previous_grace(config.previous_grace);
    // EMF records go to stdout on their own, so CloudWatch Logs sees each as a top-level JSON object.
    let metrics = emf::Metrics::new(
        config.metrics_namespace,
        authorizer::handler::METRICS_SERVICE,
        emf::StdoutSink,
    );
    let authorizer = Authorizer::new(CredentialCache::new(source, SystemClock::default(), config.policy))
        .with_metrics(metrics)
        .with_topic_policy(config.topic_policy);
    let authorizer = &authorizer;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        authorizer.handle(event.payload, &event.context.request_id).await
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}
