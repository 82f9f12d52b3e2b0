//! The Lambda entry point: configuration and the Kinesis client are built once per execution
//! environment; each invocation is one HTTP API request (payload format 2.0).

// lambda_runtime's service stack makes a deeply nested future type.
#![recursion_limit = "256"]

use std::convert::Infallible;

use anyhow::Context as _;
use lambda_runtime::{LambdaEvent, service_fn};
use lambdabase::{LazySdk, SdkClient};
use serde_json::value::RawValue;
use streams::{Config, Kinesis, Proxy};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    lambdabase::logging::init();
    let config = Config::from_env().context("reading the streams configuration")?;
    // The SDK and its client are built by the first request, not at init.
    let sdk = LazySdk::new();
    let metrics = emf::Metrics::new(config.namespace.clone(), "streams", emf::StdoutSink);
    let proxy = Proxy::new(
        Kinesis::new(SdkClient::deferred(&sdk, aws_sdk_kinesis::Client::new)),
        config,
    )
    .with_metrics(metrics);
    let proxy = &proxy;
    // The payload stays raw JSON: the proxy reads the request itself, so even an unreadable event
    // gets an HTTP response rather than a function error (a bare 502 at the gateway).
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| async move {
        let deadline = event.context.deadline();
        Ok::<_, Infallible>(proxy.handle_event(&event.payload, deadline).await)
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}
