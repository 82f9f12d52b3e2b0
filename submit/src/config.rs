//! The function's configuration, read once from the environment.

use lambdabase::{Env, EnvError};
use streams::request::check_stream_name;

/// Settings from the function's environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `INGESTION_STREAM` (required): the one stream the route writes, as the direct integration's
    /// role allows only the stack's stream.
    pub ingestion_stream: String,
}

/// A missing or unusable setting: the shared [`EnvError`], naming the variable.
pub type ConfigError = EnvError;

/// What `INGESTION_STREAM` must hold, in an error's words.
const STREAM_NAME_RULE: &str = "a stream name (1 to 128 of a-z A-Z 0-9 _ . -)";

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(lambdabase::env::process)
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let ingestion_stream = Env::new(lookup).required_parsed("INGESTION_STREAM", STREAM_NAME_RULE, |name| {
            check_stream_name(name).map(|()| name.to_owned())
        })?;
        Ok(Config { ingestion_stream })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(value: Option<&str>) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| {
            (name == "INGESTION_STREAM")
                .then(|| value.map(str::to_string))
                .flatten()
        })
    }

    #[test]
    fn the_stream_is_required_and_must_be_a_stream_name() {
        assert_eq!(
            read(Some(" app-events ")),
            Ok(Config {
                ingestion_stream: "app-events".into()
            })
        );
        assert_eq!(read(None), Err(ConfigError::Missing("INGESTION_STREAM")));
        assert_eq!(read(Some("  ")), Err(ConfigError::Missing("INGESTION_STREAM")));
        assert_eq!(
            read(Some("a/b")),
            Err(ConfigError::invalid("INGESTION_STREAM", "a/b", STREAM_NAME_RULE))
        );
    }
}
