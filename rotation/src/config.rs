//! The rotation function's configuration, read once from the environment.

use lambdabase::{Env, EnvError};

/// Settings from the function's environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `CREDENTIALS_SECRET`: the ARN (or name) of the one secret this function may rotate.
    pub secret_id: String,
}

/// A missing setting: the shared [`EnvError`], naming the variable.
pub type ConfigError = EnvError;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(lambdabase::env::process)
    }

    /// Reads settings through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let secret_id = Env::new(lookup).required("CREDENTIALS_SECRET")?;
        Ok(Config { secret_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_required() {
        let missing = ConfigError::Missing("CREDENTIALS_SECRET");
        assert_eq!(Config::from_lookup(|_| None), Err(missing.clone()));
        assert_eq!(Config::from_lookup(|_| Some(" ".into())), Err(missing));
        assert_eq!(
            Config::from_lookup(|_| Some("arn:x".into())),
            Ok(Config {
                secret_id: "arn:x".into()
            })
        );
    }
}
