//! The Lambda entry point: configuration and clients are built once per execution environment;
//! each invocation is one Kinesis batch.

// lambda_runtime's service stack makes a deeply nested future type.
#![recursion_limit = "256"]

use anyhow::Context as _;
use consumer::{Backoff, Config, Consumer, DeadLetters, Store};
use lambda_runtime::{LambdaEvent, service_fn};
use lambdabase::{LazySdk, SdkClient};
use serde_json::value::RawValue;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    lambdabase::logging::init();
    let config = Config::from_env().context("reading the consumer configuration")?;
    // The SDK and its clients are built by the first batch, not at init.
    let sdk = LazySdk::new();
    let store = Store::new(
        SdkClient::deferred(&sdk, aws_sdk_dynamodb::Client::new),
        config.table_name,
        config.write_concurrency,
        Backoff::default(),
    );
    let dead_letters = DeadLetters::new(
        SdkClient::deferred(&sdk, aws_sdk_sqs::Client::new),
        config.dead_letter_queue_url,
        config.write_concurrency,
        config.dead_letter_max_message_bytes,
    );
    // EMF records go to stdout on their own, so CloudWatch Logs sees each as a top-level JSON object.
    let metrics = emf::Metrics::new(
        config.metrics_namespace,
        consumer::handler::METRICS_SERVICE,
        emf::StdoutSink,
    );
    let consumer = Consumer::new(store, dead_letters)
        .with_metrics(metrics)
        .with_requests_in_flight(config.write_concurrency);
    let consumer = &consumer;
    // The payload stays raw JSON: the consumer reads each record on its own, so one unreadable
    // record never fails the whole batch's deserialization.
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| async move {
        consumer.handle(&event.payload).await
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}
