//! The Lambda entry point: configuration and the Kinesis client are built once per execution
//! environment; each invocation is one `POST /submit/{streamName}/{eventId}` (payload format 2.0).

// lambda_runtime's service stack makes a deeply nested future type.
#![recursion_limit = "256"]

use std::convert::Infallible;

use anyhow::Context as _;
use lambda_runtime::{LambdaEvent, service_fn};
use lambdabase::{LazySdk, SdkClient};
use serde_json::value::RawValue;
use streams::Kinesis;
use submit::{Config, Submitter};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    lambdabase::logging::init();
    let config = Config::from_env().context("reading the submit configuration")?;
    // The SDK and its client are built by the first request, not at init.
    let sdk = LazySdk::new();
    let submitter = Submitter::new(
        Kinesis::new(SdkClient::deferred(&sdk, aws_sdk_kinesis::Client::new)),
        config,
    );
    let submitter = &submitter;
    // The payload stays raw JSON, so even an unreadable event gets the route's 500 answer rather
    // than a function error.
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| async move {
        let deadline = event.context.deadline();
        Ok::<_, Infallible>(submitter.handle_event(&event.payload, deadline).await.response())
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}
