//! The function's configuration, read once from the environment.

use kafkatopic::TopicPolicy;
use lambdabase::{Env, EnvError};

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

/// A missing or unusable setting: the shared [`EnvError`], naming the variable.
pub type ConfigError = EnvError;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(lambdabase::env::process)
    }

    /// Reads settings through `lookup` (the environment, or a map in tests). A blank variable is
    /// unset here (KAFKA_SCRAM_SECRET is blank in the template unless the mechanism is scram).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let env = Env::new(lookup).blank_as_unset();
        let bootstrap = env.required_parsed(
            "KAFKA_BOOTSTRAP_SERVERS",
            "host:port entries separated by commas",
            bootstrap_servers,
        )?;
        let auth = match env.text_or("KAFKA_AUTH", "iam").as_str() {
            "iam" => AuthMode::Iam,
            "scram" => AuthMode::Scram {
                secret: env.required("KAFKA_SCRAM_SECRET")?,
            },
            "none" => AuthMode::None,
            other => return Err(ConfigError::invalid("KAFKA_AUTH", other, "iam, scram or none")),
        };
        let tls = env.flag_or("KAFKA_TLS", auth != AuthMode::None)?;
        let policy = env.parsed_or(
            "KAFKA_TOPIC_PATTERN",
            "*",
            "1 to 249 of A-Z a-z 0-9 . _ - * ?",
            TopicPolicy::new,
        )?;
        let namespace = env.metrics_namespace("METRICS_NAMESPACE")?;
        let produce_budget = env
            .number_of("PRODUCE_BUDGET_MS", "milliseconds", 100..=900_000)?
            .unwrap_or(DEFAULT_PRODUCE_BUDGET_MS);
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

/// `host:port` entries separated by commas, each with a host and a port from 1 to 65535.
fn bootstrap_servers(servers: &str) -> Result<Vec<String>, ()> {
    let bootstrap: Vec<String> = servers.split(',').map(|s| s.trim().to_string()).collect();
    let valid_server = |s: &String| {
        s.rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0))
    };
    bootstrap.iter().all(valid_server).then_some(bootstrap).ok_or(())
}

#[cfg(test)]
mod tests;
