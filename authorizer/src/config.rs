//! The authorizer's configuration, read once from the environment.

use std::time::Duration;

use emf::Namespace;
use lambdabase::{Env, EnvError};

use crate::cache::CachePolicy;
use crate::rotation::DEFAULT_PENDING_MAX_AGE;
use crate::secrets::DEFAULT_PREVIOUS_GRACE;

/// The range of `PREVIOUS_GRACE_MINUTES`: 0 (never) to a week (the template parameter's bounds).
pub const PREVIOUS_GRACE_MINUTES: std::ops::RangeInclusive<u64> = 0..=10080;

/// The range of `PENDING_MAX_AGE_HOURS`: at least an hour (a rotation needs time to finish), at most
/// 30 days (the template parameter's bounds).
pub const PENDING_MAX_AGE_HOURS: std::ops::RangeInclusive<u64> = 1..=720;

/// Settings from the function's environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `CREDENTIALS_SECRET`: name or ARN of the credentials secret.
    pub secret_id: String,
    /// `CREDENTIALS_TTL_SECONDS` (default 300) and `CREDENTIALS_MIN_REFRESH_SECONDS` (default 30).
    pub policy: CachePolicy,
    /// `PENDING_MAX_AGE_HOURS` (default 24): a pending version is accepted only this long after its
    /// creation.
    pub pending_max_age: Duration,
    /// `PREVIOUS_GRACE_MINUTES` (default 60, 0 = never): the version a rotation demoted
    /// (AWSPREVIOUS) is accepted this long after the current version's creation.
    pub previous_grace: Duration,
    /// `METRICS_NAMESPACE` (default `streamgate`): the CloudWatch namespace of the EMF metrics.
    pub metrics_namespace: Namespace,
    /// `KAFKA_TOPIC_PATTERN` (default `*`): the topics `/topics/{topic}` routes may name.
    pub topic_policy: kafkatopic::TopicPolicy,
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
        let secret_id = env.required("CREDENTIALS_SECRET")?;
        let defaults = CachePolicy::default();
        let seconds = |name: &'static str, default: Duration| {
            Ok::<_, ConfigError>(
                env.number_of(name, "seconds", 0..=u64::MAX)?
                    .map_or(default, Duration::from_secs),
            )
        };
        let pending_max_age = env
            .number_of("PENDING_MAX_AGE_HOURS", "hours", PENDING_MAX_AGE_HOURS)?
            .map_or(DEFAULT_PENDING_MAX_AGE, |hours| Duration::from_secs(hours * 3600));
        let previous_grace = env
            .number_of("PREVIOUS_GRACE_MINUTES", "minutes", PREVIOUS_GRACE_MINUTES)?
            .map_or(DEFAULT_PREVIOUS_GRACE, |minutes| Duration::from_secs(minutes * 60));
        let metrics_namespace = env.metrics_namespace("METRICS_NAMESPACE")?;
        let topic_policy = env.parsed_or(
            "KAFKA_TOPIC_PATTERN",
            "*",
            "1 to 249 of A-Z a-z 0-9 . _ - * ?",
            kafkatopic::TopicPolicy::new,
        )?;
        Ok(Config {
            topic_policy,
            secret_id,
            pending_max_age,
            previous_grace,
            metrics_namespace,
            policy: CachePolicy {
                ttl: seconds("CREDENTIALS_TTL_SECONDS", defaults.ttl)?,
                min_refresh: seconds("CREDENTIALS_MIN_REFRESH_SECONDS", defaults.min_refresh)?,
                stale_grace: defaults.stale_grace,
            },
        })
    }
}

#[cfg(test)]
mod tests;
