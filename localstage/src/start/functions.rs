//! The template's functions: each one's executable must be built, each runs behind its own
//! [`FunctionHost`] with the environment the template gives it (resolved against the local
//! resources) plus the emulator's and Lambda's own variables, and the invoke API serves them all.

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::StageError;
use crate::lambda::{self, FunctionConfig, FunctionHost};
use crate::options::Options;
use crate::provision::{function_arn, function_name};
use crate::server::serve;
use crate::template::{FunctionSpec, Plan, Resolver, scalar_text};

/// Fails (before anything starts) when a function's executable is missing from `bin_dir`.
pub(super) fn check_built(plan: &Plan, bin_dir: &Path) -> Result<(), StageError> {
    for spec in plan.functions.values() {
        let program = bin_dir.join(&spec.binary);
        if !program.exists() {
            return Err(StageError::NotBuilt {
                program: program.display().to_string(),
                binary: spec.binary.clone(),
            });
        }
    }
    Ok(())
}

/// Starts a host for each function (the processes start on their first invocation); `kinesis_url`
/// is the PutRecord guard the functions' Kinesis clients go through.
pub(super) async fn start(
    plan: &Plan,
    options: &Options,
    resolver: &Resolver,
    endpoint: &str,
    kinesis_url: &str,
) -> Result<HashMap<String, FunctionHost>, StageError> {
    let mut emulator_env = motoserver::client_env(endpoint);
    emulator_env.push(("AWS_ENDPOINT_URL_KINESIS", kinesis_url.to_string()));
    let mut hosts = HashMap::new();
    for (logical_id, spec) in &plan.functions {
        let environment = environment(logical_id, spec, options, resolver, &emulator_env)?;
        let config = FunctionConfig {
            logical_id: logical_id.clone(),
            binary: spec.binary.clone(),
            name: function_name(logical_id),
            arn: function_arn(logical_id),
            program: options.bin_dir.join(&spec.binary),
            environment,
            timeout: Duration::from_secs(spec.timeout_seconds),
            memory_mb: spec.memory_mb,
            logging: spec.logging.clone(),
        };
        let host = FunctionHost::start(config, options.verbose)
            .await
            .map_err(|source| StageError::Runtime {
                logical_id: logical_id.clone(),
                source,
            })?;
        hosts.insert(logical_id.clone(), host);
    }
    Ok(hosts)
}

/// A function's process environment, each source overriding the one before: the template's
/// variables, the options' overrides for this function, the emulator's client variables, and the
/// variables Lambda reserves.
fn environment(
    logical_id: &str,
    spec: &FunctionSpec,
    options: &Options,
    resolver: &Resolver,
    emulator_env: &[(&'static str, String)],
) -> Result<BTreeMap<String, String>, StageError> {
    let mut environment = BTreeMap::new();
    for (name, value) in &spec.environment {
        let value = resolver.resolve(value)?.map(|v| scalar_text(&v)).unwrap_or_default();
        environment.insert(name.clone(), value);
    }
    for (function, name, value) in &options.environment_overrides {
        if function == logical_id {
            environment.insert(name.clone(), value.clone());
        }
    }
    for (name, value) in emulator_env {
        environment.insert(name.to_string(), value.clone());
    }
    let name = function_name(logical_id);
    for (variable, value) in lambda::reserved_environment(&name, spec.memory_mb, &spec.logging) {
        environment.insert(variable.to_string(), value);
    }
    Ok(environment)
}

/// Serves the invoke API over every function on `listener` (its servers join `tasks`).
pub(super) async fn serve_invoke_api(
    listener: tokio::net::TcpListener,
    options: &Options,
    hosts: &HashMap<String, FunctionHost>,
    stopping: &watch::Receiver<bool>,
    tasks: &mut Vec<JoinHandle<()>>,
) {
    let app = lambda::invoke_api::router(hosts.values().cloned().collect());
    let mut listeners = vec![listener];
    // `cargo lambda invoke` connects to [::1] by default: answer there too when we can.
    if options.invoke_addr.ip() == Ipv4Addr::LOCALHOST
        && options.invoke_addr.port() != 0
        && let Ok(v6) = tokio::net::TcpListener::bind((Ipv6Addr::LOCALHOST, options.invoke_addr.port())).await
    {
        listeners.push(v6);
    }
    for listener in listeners {
        tasks.push(serve(listener, app.clone(), stopping.clone()));
    }
}
