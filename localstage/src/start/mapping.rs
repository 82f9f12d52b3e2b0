//! The event source mapping from the template's stream to its consumer function, with the
//! on-failure queue the template names.

use std::collections::HashMap;
use std::sync::Arc;

use aws_config::SdkConfig;
use parking_lot::Mutex;

use crate::error::StageError;
use crate::kinesis_esm::EventSourceMapping;
use crate::lambda::FunctionHost;
use crate::provision::Provisioned;
use crate::template::{Plan, Resolver};

/// The mapping of `plan`, ready to start (see [`EventSourceMapping::start`]).
pub(super) fn mapping(
    plan: &Plan,
    resolver: &Resolver,
    hosts: &HashMap<String, FunctionHost>,
    provisioned: &Provisioned,
    sdk: &SdkConfig,
    log: bool,
) -> Result<EventSourceMapping, StageError> {
    let consumer = hosts
        .get(&plan.mapping.function)
        .ok_or_else(|| StageError::NoFunction(format!("event source mapping: {}", plan.mapping.function)))?
        .clone();
    let on_failure_url = plan
        .mapping
        .on_failure_queue
        .as_ref()
        .and_then(|logical| resolver.refs.get(logical).cloned());
    Ok(EventSourceMapping {
        spec: plan.mapping.clone(),
        function: consumer,
        kinesis: aws_sdk_kinesis::Client::new(sdk),
        sqs: aws_sdk_sqs::Client::new(sdk),
        stream_name: provisioned.stream_name.clone(),
        stream_arn: provisioned.stream_arn.clone(),
        on_failure_url,
        deliveries: Arc::new(Mutex::new(Vec::new())),
        log,
    })
}
