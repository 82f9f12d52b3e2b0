//! Shared by the end-to-end tests: a local stage on free ports with the documented credentials.
#![allow(dead_code)] // each test file uses a different subset

use localstage::{Options, Stage};

pub const USERNAME: &str = "streamgate";
/// The documented local password: the sample events in events/ carry it.
pub const PASSWORD: &str = "streamgate-local-password";

/// Options for a stage with template parameter overrides and extra function environment
/// (logical id, name, value).
pub fn options(parameters: &[(&str, &str)], environment: &[(&str, &str, &str)]) -> Options {
    let mut options = Options::isolated(USERNAME, PASSWORD);
    options.parameter_overrides = parameters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    options.environment_overrides = environment
        .iter()
        .map(|(f, k, v)| (f.to_string(), k.to_string(), v.to_string()))
        .collect();
    options
}

/// A stage with template parameter overrides and extra function environment.
pub async fn stage(parameters: &[(&str, &str)], environment: &[(&str, &str, &str)]) -> Stage {
    Stage::start(options(parameters, environment))
        .await
        .unwrap_or_else(|e| panic!("the local stage did not start: {e}"))
}

/// A stage whose consumer fails its init (an empty TABLE_NAME), so every invocation is an Unhandled
/// error, with `MaximumRetryAttempts` = `retries` and a 3 s batching window.
pub async fn failing_consumer_stage(retries: &str) -> Stage {
    stage(
        &[
            ("MaximumRetryAttempts", retries),
            ("MaximumBatchingWindowInSeconds", "3"),
        ],
        &[("ConsumerFunction", "TABLE_NAME", "")],
    )
    .await
}

/// The submit route's URL for `event_id` on the stage's stream.
pub fn submit_url(stage: &Stage, event_id: &str) -> String {
    format!(
        "{}/submit/{}/{event_id}",
        stage.gateway_url, stage.provisioned.stream_name
    )
}

/// Every item of the stage's table (empty while the table is unreadable).
pub async fn items(stage: &Stage) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    testkit::scan_items(&stage.sdk_config().await, &stage.provisioned.table_name)
        .await
        .unwrap_or_default()
}

/// Every message now in the stage's queue (received and deleted).
pub async fn queue_messages(stage: &Stage) -> Vec<serde_json::Value> {
    testkit::drain_queue(&stage.sdk_config().await, &stage.provisioned.queue_url).await
}
