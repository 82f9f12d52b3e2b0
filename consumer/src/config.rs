//! The consumer's configuration, read once from the environment.

use emf::{Namespace, NamespaceError};

use crate::dlq::{MAX_MESSAGE_BYTES, MIN_MESSAGE_BYTES};

/// Settings from the function's environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `TABLE_NAME`: the DynamoDB table (hash key `eventId`, S).
    pub table_name: String,
    /// `DEAD_LETTER_QUEUE_URL`: the SQS queue for poison records.
    pub dead_letter_queue_url: String,
    /// `WRITE_CONCURRENCY` (default 4): DynamoDB requests in flight at once.
    pub write_concurrency: usize,
    /// `DEAD_LETTER_MAX_MESSAGE_BYTES` (default 1,048,576): the largest dead-letter message, and the
    /// most one SendMessageBatch call carries. At most the queue's `MaximumMessageSize`.
    pub dead_letter_max_message_bytes: usize,
    /// `METRICS_NAMESPACE` (default `streamgate`): the CloudWatch namespace of the EMF metrics.
    pub metrics_namespace: Namespace,
}

/// Default for `WRITE_CONCURRENCY`.
pub const DEFAULT_WRITE_CONCURRENCY: usize = 4;

/// A missing or unusable setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    /// `WRITE_CONCURRENCY` is not a whole number from 1 to 64.
    #[error("environment variable WRITE_CONCURRENCY must be a whole number from 1 to 64, got {0:?}")]
    BadConcurrency(String),
    /// `DEAD_LETTER_MAX_MESSAGE_BYTES` is not a whole number from 1024 to 1048576 (SQS's range for
    /// `MaximumMessageSize`).
    #[error(
        "environment variable DEAD_LETTER_MAX_MESSAGE_BYTES must be a whole number from 1024 to 1048576 \
         (the queue's MaximumMessageSize), got {0:?}"
    )]
    BadMaxMessageBytes(String),
    /// `METRICS_NAMESPACE` is not a CloudWatch namespace.
    #[error("environment variable METRICS_NAMESPACE: {reason} (got {value:?})")]
    BadMetricsNamespace {
        /// What it held.
        value: String,
        /// Which rule it breaks.
        reason: NamespaceError,
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
                .filter(|value| !value.trim().is_empty())
                .ok_or(ConfigError::Missing(name))
        };
        let write_concurrency = match lookup("WRITE_CONCURRENCY") {
            None => DEFAULT_WRITE_CONCURRENCY,
            Some(value) => value
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .ok_or(ConfigError::BadConcurrency(value))?,
        };
        let dead_letter_max_message_bytes = match lookup("DEAD_LETTER_MAX_MESSAGE_BYTES") {
            None => MAX_MESSAGE_BYTES,
            Some(value) => value
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (MIN_MESSAGE_BYTES..=MAX_MESSAGE_BYTES).contains(n))
                .ok_or(ConfigError::BadMaxMessageBytes(value))?,
        };
        let metrics_namespace = match lookup("METRICS_NAMESPACE") {
            None => Namespace::default(),
            Some(value) => {
                Namespace::parse(&value).map_err(|reason| ConfigError::BadMetricsNamespace { value, reason })?
            }
        };
        Ok(Config {
            table_name: required("TABLE_NAME")?,
            dead_letter_queue_url: required("DEAD_LETTER_QUEUE_URL")?,
            write_concurrency,
            dead_letter_max_message_bytes,
            metrics_namespace,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn reads_and_validates() {
        let ok = config(&[("TABLE_NAME", "t"), ("DEAD_LETTER_QUEUE_URL", "http://q")]).unwrap();
        assert_eq!(ok.write_concurrency, DEFAULT_WRITE_CONCURRENCY);
        assert_eq!(ok.dead_letter_max_message_bytes, 1_048_576);
        assert_eq!(ok.metrics_namespace.as_str(), "streamgate");
        assert_eq!(
            config(&[("DEAD_LETTER_QUEUE_URL", "q")]),
            Err(ConfigError::Missing("TABLE_NAME"))
        );
        assert_eq!(
            config(&[("TABLE_NAME", "t")]),
            Err(ConfigError::Missing("DEAD_LETTER_QUEUE_URL"))
        );
        let eight = config(&[
            ("TABLE_NAME", "t"),
            ("DEAD_LETTER_QUEUE_URL", "q"),
            ("WRITE_CONCURRENCY", "8"),
        ]);
        assert_eq!(eight.unwrap().write_concurrency, 8);
        for bad in ["0", "65", "x", "-1"] {
            assert!(
                config(&[
                    ("TABLE_NAME", "t"),
                    ("DEAD_LETTER_QUEUE_URL", "q"),
                    ("WRITE_CONCURRENCY", bad)
                ])
                .is_err()
            );
        }
    }

    #[test]
    fn metrics_namespace_is_a_cloudwatch_namespace() {
        let with = |value: &str| {
            config(&[
                ("TABLE_NAME", "t"),
                ("DEAD_LETTER_QUEUE_URL", "q"),
                ("METRICS_NAMESPACE", value),
            ])
        };
        assert_eq!(
            with("prod/streamgate").unwrap().metrics_namespace.as_str(),
            "prod/streamgate"
        );
        for bad in ["", " ", "AWS/Kinesis", "naïve"] {
            let error = with(bad).unwrap_err();
            assert!(matches!(error, ConfigError::BadMetricsNamespace { .. }), "{bad:?}");
            assert!(error.to_string().contains("METRICS_NAMESPACE"), "{error}");
        }
    }

    #[test]
    fn dead_letter_message_limit_is_sqs_range() {
        let with = |value: &str| {
            config(&[
                ("TABLE_NAME", "t"),
                ("DEAD_LETTER_QUEUE_URL", "q"),
                ("DEAD_LETTER_MAX_MESSAGE_BYTES", value),
            ])
        };
        for (value, bytes) in [("1024", 1024), ("262144", 262_144), (" 1048576 ", 1_048_576)] {
            assert_eq!(with(value).unwrap().dead_letter_max_message_bytes, bytes, "{value}");
        }
        for bad in ["1023", "1048577", "0", "", "1MiB", "-1", "1e6"] {
            let error = with(bad).unwrap_err();
            assert_eq!(error, ConfigError::BadMaxMessageBytes(bad.to_string()));
            assert!(
                error.to_string().contains("DEAD_LETTER_MAX_MESSAGE_BYTES"),
                "the message names the variable: {error}"
            );
        }
    }
}
