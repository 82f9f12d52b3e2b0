//! The rotation function's configuration, read once from the environment.

/// Settings from the function's environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `CREDENTIALS_SECRET`: the ARN (or name) of the one secret this function may rotate.
    pub secret_id: String,
}

/// A missing setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable CREDENTIALS_SECRET is required")]
pub struct ConfigError;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let secret_id = lookup("CREDENTIALS_SECRET")
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .ok_or(ConfigError)?;
        Ok(Config { secret_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_required() {
        assert_eq!(Config::from_lookup(|_| None), Err(ConfigError));
        assert_eq!(Config::from_lookup(|_| Some(" ".into())), Err(ConfigError));
        assert_eq!(
            Config::from_lookup(|_| Some("arn:x".into())),
            Ok(Config {
                secret_id: "arn:x".into()
            })
        );
    }
}
