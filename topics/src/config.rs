//! The function's configuration, read once from the environment.

use kafkatopic::TopicPolicy;

/// How the function authenticates to Kafka (`KAFKA_AUTH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMode {
    /// MSK IAM (SASL/OAUTHBEARER), TLS.
    Iam,
    /// SCRAM-SHA-512 with the credentials in this secret (ARN or name), TLS.
    Scram {
        /// `KAFKA_SCRAM_SECRET`.
        secret: String,
    },
    /// Plaintext, no SASL.
    None,
}

/// Settings from the function's environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `KAFKA_BOOTSTRAP_SERVERS` (required): `host:port` entries, comma-separated.
    pub bootstrap: Vec<String>,
    /// `KAFKA_AUTH` (`iam`, `scram` or `none`; default `iam`) and `KAFKA_SCRAM_SECRET`.
    pub auth: AuthMode,
    /// `KAFKA_TLS` (`true`/`false`): default true for iam and scram, false for none.
    pub tls: bool,
    /// `KAFKA_TOPIC_PATTERN` (default `*`): the topics clients may use.
    pub policy: TopicPolicy,
    /// `METRICS_NAMESPACE` (default `streamgate`).
    pub namespace: emf::Namespace,
    /// `PRODUCE_BUDGET_MS` (default 20,000; 100 to 900,000): the longest a request spends on Kafka
    /// (producing and retrying), within the invocation's deadline. What is not acknowledged by then
    /// comes back as 50003.
    pub produce_budget: std::time::Duration,
}

/// Default for `PRODUCE_BUDGET_MS`: below API Gateway's 30 s with room to answer.
pub const DEFAULT_PRODUCE_BUDGET_MS: u64 = 20_000;

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
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let invalid =
            |name: &'static str, expected: &'static str, value: String| ConfigError::Invalid { name, expected, value };

        let servers = get("KAFKA_BOOTSTRAP_SERVERS").ok_or(ConfigError::Missing("KAFKA_BOOTSTRAP_SERVERS"))?;
        let bootstrap: Vec<String> = servers.split(',').map(|s| s.trim().to_string()).collect();
        let valid_server = |s: &String| {
            s.rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0))
        };
        if !bootstrap.iter().all(valid_server) {
            return Err(invalid(
                "KAFKA_BOOTSTRAP_SERVERS",
                "host:port entries separated by commas",
                servers,
            ));
        }
        let auth = match get("KAFKA_AUTH").as_deref().unwrap_or("iam") {
            "iam" => AuthMode::Iam,
            "scram" => AuthMode::Scram {
                secret: get("KAFKA_SCRAM_SECRET").ok_or(ConfigError::Missing("KAFKA_SCRAM_SECRET"))?,
            },
            "none" => AuthMode::None,
            other => return Err(invalid("KAFKA_AUTH", "iam, scram or none", other.to_string())),
        };
        let tls = match get("KAFKA_TLS").as_deref() {
            None => auth != AuthMode::None,
            Some("true") => true,
            Some("false") => false,
            Some(other) => return Err(invalid("KAFKA_TLS", "true or false", other.to_string())),
        };
        let pattern = get("KAFKA_TOPIC_PATTERN").unwrap_or_else(|| "*".into());
        let policy = TopicPolicy::new(&pattern).map_err(|_| {
            invalid(
                "KAFKA_TOPIC_PATTERN",
                "1 to 249 of A-Z a-z 0-9 . _ - * ?",
                pattern.clone(),
            )
        })?;
        let namespace_text = get("METRICS_NAMESPACE").unwrap_or_else(|| emf::DEFAULT_NAMESPACE.into());
        let namespace = emf::Namespace::parse(&namespace_text).map_err(|_| {
            invalid(
                "METRICS_NAMESPACE",
                "a CloudWatch namespace (not AWS/...)",
                namespace_text.clone(),
            )
        })?;
        let produce_budget = match get("PRODUCE_BUDGET_MS") {
            None => DEFAULT_PRODUCE_BUDGET_MS,
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|ms| (100..=900_000).contains(ms))
                .ok_or_else(|| invalid("PRODUCE_BUDGET_MS", "milliseconds from 100 to 900000", text.clone()))?,
        };
        Ok(Config {
            bootstrap,
            auth,
            tls,
            policy,
            namespace,
            produce_budget: std::time::Duration::from_millis(produce_budget),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_are_iam_over_tls_and_every_topic() {
        let c = config(&[("KAFKA_BOOTSTRAP_SERVERS", "b-1.x:9098, b-2.x:9098")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.bootstrap, vec!["b-1.x:9098", "b-2.x:9098"]);
        assert_eq!((c.auth, c.tls), (AuthMode::Iam, true));
        assert_eq!(c.policy.pattern(), "*");
    }

    #[test]
    fn none_is_plaintext_and_scram_needs_its_secret() {
        let c = config(&[("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"), ("KAFKA_AUTH", "none")]);
        assert!(c.is_ok_and(|c| !c.tls && c.auth == AuthMode::None));
        assert_eq!(
            config(&[("KAFKA_BOOTSTRAP_SERVERS", "h:9096"), ("KAFKA_AUTH", "scram")]),
            Err(ConfigError::Missing("KAFKA_SCRAM_SECRET"))
        );
        let c = config(&[
            ("KAFKA_BOOTSTRAP_SERVERS", "h:9096"),
            ("KAFKA_AUTH", "scram"),
            ("KAFKA_SCRAM_SECRET", "AmazonMSK_x"),
        ]);
        assert!(c.is_ok_and(|c| c.tls
            && c.auth
                == AuthMode::Scram {
                    secret: "AmazonMSK_x".into()
                }));
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (pairs, variable) in [
            (vec![], "KAFKA_BOOTSTRAP_SERVERS"),
            (vec![("KAFKA_BOOTSTRAP_SERVERS", "nohost")], "KAFKA_BOOTSTRAP_SERVERS"),
            (vec![("KAFKA_BOOTSTRAP_SERVERS", "h:0")], "KAFKA_BOOTSTRAP_SERVERS"),
            (
                vec![("KAFKA_BOOTSTRAP_SERVERS", "h:1"), ("KAFKA_AUTH", "plain")],
                "KAFKA_AUTH",
            ),
            (
                vec![("KAFKA_BOOTSTRAP_SERVERS", "h:1"), ("KAFKA_TOPIC_PATTERN", "a/b")],
                "KAFKA_TOPIC_PATTERN",
            ),
            (
                vec![("KAFKA_BOOTSTRAP_SERVERS", "h:1"), ("KAFKA_TLS", "yes")],
                "KAFKA_TLS",
            ),
            (
                vec![("KAFKA_BOOTSTRAP_SERVERS", "h:1"), ("METRICS_NAMESPACE", "AWS/Kafka")],
                "METRICS_NAMESPACE",
            ),
        ] {
            let error = config(&pairs).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(error.contains(variable), "{pairs:?}: {error}");
        }
    }
}
