//! The function's configuration, read once from the environment.

use std::time::Duration;

use lambdabase::{Env, EnvError};

use crate::bounds::ProxyBounds;
use crate::guard::StreamPolicy;
use crate::request::{MAX_STREAM_NAME, ShardLimits, check_stream_name};

/// Default for `DEFAULT_SHARD_COUNT`.
pub const DEFAULT_SHARD_COUNT: u32 = 1;
/// Default for `MAX_SHARD_COUNT`.
pub const DEFAULT_MAX_SHARD_COUNT: u32 = 4;
/// Default for `PUT_RECORDS_RETRY_BUDGET_MS`.
pub const DEFAULT_RETRY_BUDGET: Duration = Duration::from_millis(10_000);
/// Largest `PUT_RECORDS_RETRY_BUDGET_MS`: a Lambda function runs 15 minutes at most.
pub const MAX_RETRY_BUDGET_MS: u64 = 900_000;
/// Default for `PROXY_STREAM_MAX_COUNT`.
pub const DEFAULT_MAX_STREAMS: u32 = 10;
/// Default for `PROXY_SHARD_BUDGET`.
pub const DEFAULT_SHARD_BUDGET: u32 = 20;

/// Settings from the function's environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `INGESTION_STREAM` (required), `PROXY_STREAM_PREFIX` (required) and `STREAM_MANAGEMENT`
    /// (`true`/`false`, default false): which streams may be touched, and how.
    pub policy: StreamPolicy,
    /// `DEFAULT_SHARD_COUNT` (default 1) and `MAX_SHARD_COUNT` (default 4, at least the default):
    /// shards of a stream created through the API.
    pub shards: ShardLimits,
    /// `PUT_RECORDS_RETRY_BUDGET_MS` (default 10,000): the longest time throttled PutRecords entries
    /// are retried, within the invocation's deadline.
    pub put_records_retry_budget: Duration,
    /// `STACK_ID` (required): the value of the owner tag on the proxy streams this stack creates.
    pub stack_id: String,
    /// `PROXY_STREAM_MAX_COUNT` (default 10), `PROXY_SHARD_BUDGET` (default 20) and
    /// `PROXY_ON_DEMAND` (`true`/`false`, default false): what the stack may create.
    pub bounds: ProxyBounds,
    /// `METRICS_NAMESPACE` (default `streamgate`): where the create and delete counts go.
    pub namespace: emf::Namespace,
}

/// A missing or unusable setting: the shared [`EnvError`], naming the variable.
pub type ConfigError = EnvError;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(lambdabase::env::process)
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let env = Env::new(lookup);
        let ingestion_stream = env.required_parsed(
            "INGESTION_STREAM",
            "a stream name (1 to 128 of a-z A-Z 0-9 _ . -)",
            |name| check_stream_name(name).map(|()| name.to_owned()),
        )?;
        // An empty prefix would open every stream of the account: it is required and checked.
        let proxy_prefix = env.required_parsed(
            "PROXY_STREAM_PREFIX",
            "the start of a stream name (1 to 127 of a-z A-Z 0-9 _ . -)",
            |prefix| {
                // A name must have room after the prefix.
                if prefix.len() >= MAX_STREAM_NAME {
                    return Err("too long".to_owned());
                }
                check_stream_name(prefix).map(|()| prefix.to_owned())
            },
        )?;
        let management = env.flag_or("STREAM_MANAGEMENT", false)?;
        let stack_id = env.required("STACK_ID")?;
        let count =
            |name: &'static str, default: u32| Ok::<_, ConfigError>(env.number(name, 1..=u32::MAX)?.unwrap_or(default));
        let bounds = ProxyBounds {
            max_streams: count("PROXY_STREAM_MAX_COUNT", DEFAULT_MAX_STREAMS)?,
            shard_budget: count("PROXY_SHARD_BUDGET", DEFAULT_SHARD_BUDGET)?,
            on_demand: env.flag_or("PROXY_ON_DEMAND", false)?,
        };
        let namespace = env.metrics_namespace("METRICS_NAMESPACE")?;
        let default = count("DEFAULT_SHARD_COUNT", DEFAULT_SHARD_COUNT)?;
        let max = count("MAX_SHARD_COUNT", DEFAULT_MAX_SHARD_COUNT)?;
        if max < default {
            return Err(ConfigError::invalid(
                "MAX_SHARD_COUNT",
                max.to_string(),
                format!("at least DEFAULT_SHARD_COUNT ({default})"),
            ));
        }
        let put_records_retry_budget = env
            .number_of("PUT_RECORDS_RETRY_BUDGET_MS", "milliseconds", 0..=MAX_RETRY_BUDGET_MS)?
            .map_or(DEFAULT_RETRY_BUDGET, Duration::from_millis);
        Ok(Config {
            policy: StreamPolicy {
                ingestion_stream,
                proxy_prefix,
                management,
            },
            shards: ShardLimits { default, max },
            put_records_retry_budget,
            stack_id,
            bounds,
            namespace,
        })
    }
}

#[cfg(test)]
mod tests;
