//! The authorizer's configuration, read once from the environment.

use std::time::Duration;

use crate::cache::CachePolicy;

/// Settings from the function's environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `CREDENTIALS_SECRET`: name or ARN of the credentials secret.
    pub secret_id: String,
    /// `CREDENTIALS_TTL_SECONDS` (default 300) and `CREDENTIALS_MIN_REFRESH_SECONDS` (default 30).
    pub policy: CachePolicy,
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
        Ok(Config {
            secret_id,
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
