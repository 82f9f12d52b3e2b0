//! The function's configuration, read once from the environment.

use streams::request::check_stream_name;

/// Settings from the function's environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `INGESTION_STREAM` (required): the one stream the route writes, as the direct integration's
    /// role allows only the stack's stream.
    pub ingestion_stream: String,
}

/// A missing or unusable setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `INGESTION_STREAM` is unset or empty.
    #[error("environment variable INGESTION_STREAM is required")]
    Missing,
    /// `INGESTION_STREAM` is not a stream name.
    #[error("environment variable INGESTION_STREAM must be a stream name (1 to 128 of a-z A-Z 0-9 _ . -), got {0:?}")]
    Invalid(String),
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let stream = lookup("INGESTION_STREAM")
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
            .ok_or(ConfigError::Missing)?;
        check_stream_name(&stream).map_err(|_| ConfigError::Invalid(stream.clone()))?;
        Ok(Config {
            ingestion_stream: stream,
        })
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
        assert_eq!(read(None), Err(ConfigError::Missing));
        assert_eq!(read(Some("  ")), Err(ConfigError::Missing));
        assert_eq!(read(Some("a/b")), Err(ConfigError::Invalid("a/b".into())));
    }
}
