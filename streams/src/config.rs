//! The function's configuration, read once from the environment.

use std::time::Duration;

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

/// A missing or unusable setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    /// A variable's value is not what it must be.
    #[error("environment variable {name} must be {expected}, got {value:?}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What it must be.
        expected: &'static str,
        /// What it is.
        value: String,
    },
    /// `MAX_SHARD_COUNT` is below `DEFAULT_SHARD_COUNT`.
    #[error("MAX_SHARD_COUNT ({max}) must be at least DEFAULT_SHARD_COUNT ({default})")]
    MaxBelowDefault {
        /// `DEFAULT_SHARD_COUNT`.
        default: u32,
        /// `MAX_SHARD_COUNT`.
        max: u32,
    },
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let required = |name: &'static str| {
            lookup(name)
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
                .ok_or(ConfigError::Missing(name))
        };
        let invalid =
            |name: &'static str, expected: &'static str, value: String| ConfigError::Invalid { name, expected, value };

        let ingestion_stream = required("INGESTION_STREAM")?;
        if check_stream_name(&ingestion_stream).is_err() {
            return Err(invalid(
                "INGESTION_STREAM",
                "a stream name (1 to 128 of a-z A-Z 0-9 _ . -)",
                ingestion_stream,
            ));
        }
        // An empty prefix would open every stream of the account: it is required and checked.
        let proxy_prefix = required("PROXY_STREAM_PREFIX")?;
        if proxy_prefix.len() >= MAX_STREAM_NAME || check_stream_name(&proxy_prefix).is_err() {
            return Err(invalid(
                "PROXY_STREAM_PREFIX",
                "the start of a stream name (1 to 127 of a-z A-Z 0-9 _ . -)",
                proxy_prefix,
            ));
        }
        let flag = |name: &'static str| match lookup(name) {
            None => Ok(false),
            Some(value) => match value.trim() {
                "true" => Ok(true),
                "false" | "" => Ok(false),
                _ => Err(invalid(name, "true or false", value)),
            },
        };
        let management = flag("STREAM_MANAGEMENT")?;
        let stack_id = required("STACK_ID")?;
        let count = |name: &'static str, default: u32| match lookup(name) {
            None => Ok(default),
            Some(value) => value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| invalid(name, "a whole number, at least 1", value)),
        };
        let bounds = ProxyBounds {
            max_streams: count("PROXY_STREAM_MAX_COUNT", DEFAULT_MAX_STREAMS)?,
            shard_budget: count("PROXY_SHARD_BUDGET", DEFAULT_SHARD_BUDGET)?,
            on_demand: flag("PROXY_ON_DEMAND")?,
        };
        let namespace_text = lookup("METRICS_NAMESPACE").unwrap_or_else(|| emf::DEFAULT_NAMESPACE.into());
        let namespace = emf::Namespace::parse(&namespace_text)
            .map_err(|_| invalid("METRICS_NAMESPACE", "a CloudWatch namespace", namespace_text))?;
        let default = count("DEFAULT_SHARD_COUNT", DEFAULT_SHARD_COUNT)?;
        let max = count("MAX_SHARD_COUNT", DEFAULT_MAX_SHARD_COUNT)?;
        if max < default {
            return Err(ConfigError::MaxBelowDefault { default, max });
        }
        let put_records_retry_budget = match lookup("PUT_RECORDS_RETRY_BUDGET_MS") {
            None => DEFAULT_RETRY_BUDGET,
            Some(value) => value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| *ms <= MAX_RETRY_BUDGET_MS)
                .map(Duration::from_millis)
                .ok_or_else(|| {
                    invalid(
                        "PUT_RECORDS_RETRY_BUDGET_MS",
                        "a whole number of milliseconds from 0 to 900000",
                        value,
                    )
                })?,
        };
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
mod tests {
    use super::*;
    use std::collections::HashMap;

    const BASE: [(&str, &str); 3] = [
        ("INGESTION_STREAM", "mystack-events"),
        ("PROXY_STREAM_PREFIX", "mystack-proxy-"),
        ("STACK_ID", "arn:aws:cloudformation:us-east-1:1:stack/mystack/id"),
    ];

    fn config(extra: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = BASE
            .iter()
            .chain(extra)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults() {
        let config = config(&[]).unwrap();
        assert_eq!(
            config,
            Config {
                policy: StreamPolicy {
                    ingestion_stream: "mystack-events".into(),
                    proxy_prefix: "mystack-proxy-".into(),
                    management: false,
                },
                shards: ShardLimits { default: 1, max: 4 },
                put_records_retry_budget: Duration::from_secs(10),
                stack_id: "arn:aws:cloudformation:us-east-1:1:stack/mystack/id".into(),
                bounds: ProxyBounds {
                    max_streams: 10,
                    shard_budget: 20,
                    on_demand: false,
                },
                namespace: emf::Namespace::default(),
            }
        );
    }

    #[test]
    fn every_setting() {
        let config = config(&[
            ("STREAM_MANAGEMENT", "true"),
            ("DEFAULT_SHARD_COUNT", "2"),
            ("MAX_SHARD_COUNT", " 8 "),
            ("PUT_RECORDS_RETRY_BUDGET_MS", "250"),
            ("PROXY_STREAM_MAX_COUNT", "3"),
            ("PROXY_SHARD_BUDGET", "12"),
            ("PROXY_ON_DEMAND", "true"),
        ])
        .unwrap();
        assert_eq!(
            config.bounds,
            ProxyBounds {
                max_streams: 3,
                shard_budget: 12,
                on_demand: true
            }
        );
        assert!(config.policy.management);
        assert_eq!(config.shards, ShardLimits { default: 2, max: 8 });
        assert_eq!(config.put_records_retry_budget, Duration::from_millis(250));
        assert_eq!(
            super::tests::config(&[("PUT_RECORDS_RETRY_BUDGET_MS", "0")])
                .unwrap()
                .put_records_retry_budget,
            Duration::ZERO
        );
    }

    #[test]
    fn required_variables() {
        let vars: HashMap<&str, &str> = HashMap::from([("PROXY_STREAM_PREFIX", "p-")]);
        assert_eq!(
            Config::from_lookup(|n| vars.get(n).map(|v| v.to_string())),
            Err(ConfigError::Missing("INGESTION_STREAM"))
        );
        let vars: HashMap<&str, &str> = HashMap::from([("INGESTION_STREAM", "s"), ("PROXY_STREAM_PREFIX", "  ")]);
        assert_eq!(
            Config::from_lookup(|n| vars.get(n).map(|v| v.to_string())),
            Err(ConfigError::Missing("PROXY_STREAM_PREFIX"))
        );
        let vars: HashMap<&str, &str> = HashMap::from([("INGESTION_STREAM", "s"), ("PROXY_STREAM_PREFIX", "p-")]);
        assert_eq!(
            Config::from_lookup(|n| vars.get(n).map(|v| v.to_string())),
            Err(ConfigError::Missing("STACK_ID"))
        );
    }

    #[test]
    fn refusals_name_the_variable() {
        let cases: [(&str, &str, &str); 14] = [
            ("PROXY_STREAM_MAX_COUNT", "0", "PROXY_STREAM_MAX_COUNT"),
            ("PROXY_SHARD_BUDGET", "many", "PROXY_SHARD_BUDGET"),
            ("PROXY_ON_DEMAND", "yes", "PROXY_ON_DEMAND"),
            ("STREAM_MANAGEMENT", "yes", "STREAM_MANAGEMENT"),
            ("STREAM_MANAGEMENT", "TRUE", "STREAM_MANAGEMENT"),
            ("DEFAULT_SHARD_COUNT", "0", "DEFAULT_SHARD_COUNT"),
            ("DEFAULT_SHARD_COUNT", "x", "DEFAULT_SHARD_COUNT"),
            ("MAX_SHARD_COUNT", "-1", "MAX_SHARD_COUNT"),
            ("MAX_SHARD_COUNT", "1.5", "MAX_SHARD_COUNT"),
            ("PUT_RECORDS_RETRY_BUDGET_MS", "900001", "PUT_RECORDS_RETRY_BUDGET_MS"),
            ("PUT_RECORDS_RETRY_BUDGET_MS", "10s", "PUT_RECORDS_RETRY_BUDGET_MS"),
            ("INGESTION_STREAM", "bad name", "INGESTION_STREAM"),
            ("PROXY_STREAM_PREFIX", "a/b-", "PROXY_STREAM_PREFIX"),
            ("PROXY_STREAM_PREFIX", &"p".repeat(128), "PROXY_STREAM_PREFIX"),
        ];
        for (name, value, named) in cases {
            let error = config(&[(name, value)]).unwrap_err();
            assert!(
                matches!(&error, ConfigError::Invalid { name, .. } if *name == named),
                "{name}={value}: {error:?}"
            );
            assert!(error.to_string().contains(named), "{error}");
        }
    }

    #[test]
    fn max_must_cover_the_default() {
        assert_eq!(
            config(&[("DEFAULT_SHARD_COUNT", "5")]),
            Err(ConfigError::MaxBelowDefault { default: 5, max: 4 })
        );
        assert!(config(&[("DEFAULT_SHARD_COUNT", "5"), ("MAX_SHARD_COUNT", "5")]).is_ok());
    }
}
