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
        assert!(
            matches!(
                error,
                ConfigError::Invalid {
                    name: "METRICS_NAMESPACE",
                    ..
                }
            ),
            "{bad:?}"
        );
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
        assert_eq!(
            error,
            ConfigError::invalid("PENDING_MAX_AGE_HOURS", bad, "a whole number of hours from 1 to 720")
        );
        assert!(error.to_string().contains("PENDING_MAX_AGE_HOURS"), "{error}");
        assert!(error.to_string().contains("from 1 to 720"), "{error}");
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
        assert_eq!(
            error,
            ConfigError::invalid(
                "PREVIOUS_GRACE_MINUTES",
                bad,
                "a whole number of minutes from 0 to 10080"
            )
        );
        assert!(error.to_string().contains("PREVIOUS_GRACE_MINUTES"), "{error}");
        assert!(error.to_string().contains("from 0 to 10080"), "{error}");
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
        Err(ConfigError::Invalid {
            name: "CREDENTIALS_TTL_SECONDS",
            ..
        })
    ));
}
