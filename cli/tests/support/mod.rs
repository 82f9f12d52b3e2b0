//! Shared by the end-to-end tests: a local stage on free ports with the documented credentials.
#![allow(dead_code)] // each test file uses a different subset

use std::collections::BTreeMap;
use std::net::SocketAddr;

use streamgate::local::{Options, Stage};

pub const USERNAME: &str = "streamgate";
/// The documented local password: the sample events in events/ carry it.
pub const PASSWORD: &str = "streamgate-local-password";

/// A stage with template parameter overrides and extra function environment (logical id, name, value).
pub async fn stage(parameters: &[(&str, &str)], environment: &[(&str, &str, &str)]) -> Stage {
    let mut options = Options::for_repository();
    options.gateway_addr = SocketAddr::from(([127, 0, 0, 1], 0));
    options.invoke_addr = SocketAddr::from(([127, 0, 0, 1], 0));
    options.username = Some(USERNAME.into());
    options.password = Some(PASSWORD.into());
    options.verbose = false;
    options.parameter_overrides = parameters
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<BTreeMap<_, _>>();
    options.environment_overrides = environment
        .iter()
        .map(|(f, k, v)| (f.to_string(), k.to_string(), v.to_string()))
        .collect();
    Stage::start(options)
        .await
        .unwrap_or_else(|e| panic!("the local stage did not start: {e}"))
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
