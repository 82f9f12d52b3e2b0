//! The authorizer's configuration, read once from the environment.

use std::time::Duration;

use emf::{Namespace, NamespaceError};

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

/// A missing or unusable setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    /// A variable does not hold a whole number of seconds.
    #[error("environment variable {name} must be a whole number of seconds, got {value:?}")]
    NotSeconds {
        /// The variable.
        name: &'static str,
        /// What it held.
        value: String,
    },
    /// `PENDING_MAX_AGE_HOURS` is not a whole number of hours from 1 to 720.
    #[error("environment variable PENDING_MAX_AGE_HOURS must be a whole number of hours from 1 to 720, got {0:?}")]
    BadPendingMaxAge(String),
    /// `PREVIOUS_GRACE_MINUTES` is not a whole number of minutes from 0 to 10080.
    #[error("environment variable PREVIOUS_GRACE_MINUTES must be a whole number of minutes from 0 to 10080, got {0:?}")]
    BadPreviousGrace(String),
    /// `METRICS_NAMESPACE` is not a CloudWatch namespace.
    #[error("environment variable METRICS_NAMESPACE: {reason} (got {value:?})")]
    BadMetricsNamespace {
        /// What it held.
        value: String,
        /// Which rule it breaks.
        reason: NamespaceError,
    },
    /// `KAFKA_TOPIC_PATTERN` is not a topic glob.
    #[error("environment variable KAFKA_TOPIC_PATTERN: {0}")]
    BadTopicPattern(kafkatopic::PatternError),
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let secret_id = lookup("CREDENTIALS_SECRET")
            .filter(|v| !v.trim().is_empty())
            .ok_or(ConfigError::Missing("CREDENTIALS_SECRET"))?;
        let defaults = CachePolicy::default();
        let seconds = |name: &'static str, default: Duration| match lookup(name) {
            None => Ok(default),
            Some(value) => value
                .trim()
                .parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|_| ConfigError::NotSeconds { name, value }),
        };
        let pending_max_age = match lookup("PENDING_MAX_AGE_HOURS") {
            None => DEFAULT_PENDING_MAX_AGE,
            Some(value) => value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|hours| PENDING_MAX_AGE_HOURS.contains(hours))
                .map(|hours| Duration::from_secs(hours * 3600))
                .ok_or(ConfigError::BadPendingMaxAge(value))?,
        };
        let previous_grace = match lookup("PREVIOUS_GRACE_MINUTES") {
            None => DEFAULT_PREVIOUS_GRACE,
            Some(value) => value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|minutes| PREVIOUS_GRACE_MINUTES.contains(minutes))
                .map(|minutes| Duration::from_secs(minutes * 60))
                .ok_or(ConfigError::BadPreviousGrace(value))?,
        };
        let metrics_namespace = match lookup("METRICS_NAMESPACE") {
            None => Namespace::default(),
            Some(value) => {
                Namespace::parse(&value).map_err(|reason| ConfigError::BadMetricsNamespace { value, reason })?
            }
        };
        let topic_policy = match lookup("KAFKA_TOPIC_PATTERN").filter(|v| !v.trim().is_empty()) {
            None => kafkatopic::TopicPolicy::new("*"),
            Some(value) => kafkatopic::TopicPolicy::new(value.trim()),
        }
        .map_err(ConfigError::BadTopicPattern)?;
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
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults() {
        let c = config(&[("CREDENTIALS_SECRET", "streamgate/credentials")]).unwrap();
        assert_eq!(c.secret_id, "streamgate/credentials");
        assert_eq!(c.policy, CachePolicy::default());
        assert_eq!(c.policy.ttl, Duration::from_secs(300));
        assert_eq!(c.policy.min_refresh, Duration::from_secs(30));
        assert_eq!(c.pending_max_age, Duration::from_secs(24 * 3600));
        assert_eq!(c.metrics_namespace.as_str(), "streamgate");
    }

    #[test]
    fn metrics_namespace_is_a_cloudwatch_namespace() {
        let with = |value: &str| config(&[("CREDENTIALS_SECRET", "s"), ("METRICS_NAMESPACE", value)]);
        assert_eq!(with("My/App").unwrap().metrics_namespace.as_str(), "My/App");
        for bad in ["", "AWS/Lambda", "a\"b"] {
            let error = with(bad).unwrap_err();
            assert!(matches!(error, ConfigError::BadMetricsNamespace { .. }), "{bad:?}");
            assert!(error.to_string().contains("METRICS_NAMESPACE"), "{error}");
        }
    }

    #[test]
    fn pending_max_age_is_whole_hours_in_range() {
        let with = |value: &str| config(&[("CREDENTIALS_SECRET", "s"), ("PENDING_MAX_AGE_HOURS", value)]);
        for (value, hours) in [("1", 1), ("24", 24), (" 720 ", 720)] {
            assert_eq!(
                with(value).unwrap().pending_max_age,
                Duration::from_secs(hours * 3600),
                "{value}"
            );
        }
        for bad in ["0", "721", "", "1.5", "-1", "24h"] {
            let error = with(bad).unwrap_err();
            assert_eq!(error, ConfigError::BadPendingMaxAge(bad.to_string()));
            assert!(error.to_string().contains("PENDING_MAX_AGE_HOURS"), "{error}");
        }
    }

    #[test]
    fn previous_grace_is_whole_minutes_in_range() {
        let with = |value: &str| config(&[("CREDENTIALS_SECRET", "s"), ("PREVIOUS_GRACE_MINUTES", value)]);
        assert_eq!(
            config(&[("CREDENTIALS_SECRET", "s")]).unwrap().previous_grace,
            Duration::from_secs(3600)
        );
        for (value, minutes) in [("0", 0), ("1", 1), (" 10080 ", 10080)] {
            assert_eq!(
                with(value).unwrap().previous_grace,
                Duration::from_secs(minutes * 60),
                "{value}"
            );
        }
        for bad in ["10081", "", "-1", "1h"] {
            let error = with(bad).unwrap_err();
            assert_eq!(error, ConfigError::BadPreviousGrace(bad.to_string()));
            assert!(error.to_string().contains("PREVIOUS_GRACE_MINUTES"), "{error}");
        }
    }

    #[test]
    fn overrides_and_errors() {
        let c = config(&[
            ("CREDENTIALS_SECRET", "arn:aws:secretsmanager:us-east-1:1:secret:x"),
            ("CREDENTIALS_TTL_SECONDS", "60"),
            ("CREDENTIALS_MIN_REFRESH_SECONDS", "5"),
        ])
        .unwrap();
        assert_eq!(c.policy.ttl, Duration::from_secs(60));
        assert_eq!(c.policy.min_refresh, Duration::from_secs(5));
        assert_eq!(config(&[]), Err(ConfigError::Missing("CREDENTIALS_SECRET")));
        assert_eq!(
            config(&[("CREDENTIALS_SECRET", " ")]),
            Err(ConfigError::Missing("CREDENTIALS_SECRET"))
        );
        assert!(matches!(
            config(&[("CREDENTIALS_SECRET", "s"), ("CREDENTIALS_TTL_SECONDS", "5m")]),
            Err(ConfigError::NotSeconds {
                name: "CREDENTIALS_TTL_SECONDS",
                ..
            })
        ));
    }
}
