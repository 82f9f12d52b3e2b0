//! The HTTP API: the template's routes and authorizers over the function hosts, its
//! `Kinesis-PutRecord` integrations calling through the PutRecord guard, once, as API Gateway does.

use std::collections::HashMap;

use aws_config::retry::RetryConfig;

use crate::apigw::Gateway;
use crate::error::StageError;
use crate::lambda::FunctionHost;
use crate::options::Options;
use crate::sdk_config;
use crate::template::{Plan, Resolver};

/// The gateway of `plan`, ready to serve (see [`crate::apigw::router`]).
pub(super) async fn gateway(
    plan: &Plan,
    resolver: &Resolver,
    hosts: &HashMap<String, FunctionHost>,
    http: httpclient::HttpClient,
    kinesis_url: &str,
    options: &Options,
) -> Result<Gateway, StageError> {
    let mut authorizers = HashMap::new();
    for (name, spec) in &plan.authorizers {
        let host = hosts
            .get(&spec.function)
            .ok_or_else(|| StageError::NoFunction(format!("authorizer {name}: {}", spec.function)))?;
        authorizers.insert(name.clone(), (spec.clone(), host.clone()));
    }
    let allowed_streams = plan
        .integration_streams
        .iter()
        .filter_map(|logical| resolver.refs.get(logical).cloned())
        .collect();
    // API Gateway makes one call per request to the service it integrates; it does not retry.
    let once = sdk_config(kinesis_url)
        .await
        .to_builder()
        .retry_config(RetryConfig::disabled())
        .build();
    Ok(Gateway {
        routes: plan.routes.clone(),
        authorizers,
        functions: hosts.clone(),
        http,
        kinesis: aws_sdk_kinesis::Client::new(&once),
        allowed_streams,
        data_as_base64: options.direct_data_as_base64,
        cache: Default::default(),
        access_log: options.verbose,
    })
}
