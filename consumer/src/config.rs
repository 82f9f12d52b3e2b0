//! The consumer's configuration, read once from the environment.

/// Settings from the function's environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `TABLE_NAME`: the DynamoDB table (hash key `eventId`, S).
    pub table_name: String,
    /// `DEAD_LETTER_QUEUE_URL`: the SQS queue for poison records.
    pub dead_letter_queue_url: String,
    /// `WRITE_CONCURRENCY` (default 4): DynamoDB requests in flight at once.
    pub write_concurrency: usize,
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
        Ok(Config {
            table_name: required("TABLE_NAME")?,
            dead_letter_queue_url: required("DEAD_LETTER_QUEUE_URL")?,
            write_concurrency,
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
}
