//! The consumer's configuration, read once from the environment.

use emf::Namespace;
use lambdabase::{Env, EnvError};

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
        let write_concurrency = env
            .number("WRITE_CONCURRENCY", 1..=64)?
            .unwrap_or(DEFAULT_WRITE_CONCURRENCY);
        // SQS's range for the queue's `MaximumMessageSize`.
        let dead_letter_max_message_bytes = env
            .number_of(
                "DEAD_LETTER_MAX_MESSAGE_BYTES",
                "bytes",
                MIN_MESSAGE_BYTES..=MAX_MESSAGE_BYTES,
            )?
            .unwrap_or(MAX_MESSAGE_BYTES);
        let metrics_namespace = env.metrics_namespace("METRICS_NAMESPACE")?;
        Ok(Config {
            table_name: env.required("TABLE_NAME")?,
            dead_letter_queue_url: env.required("DEAD_LETTER_QUEUE_URL")?,
            write_concurrency,
            dead_letter_max_message_bytes,
            metrics_namespace,
        })
    }
}

#[cfg(test)]
mod tests;
