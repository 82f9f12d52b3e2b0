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
    assert_eq!(ok.dead_letter_max_message_bytes, 1_048_576);
    assert_eq!(ok.metrics_namespace.as_str(), "streamgate");
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

#[test]
fn metrics_namespace_is_a_cloudwatch_namespace() {
    let with = |value: &str| {
        config(&[
            ("TABLE_NAME", "t"),
            ("DEAD_LETTER_QUEUE_URL", "q"),
            ("METRICS_NAMESPACE", value),
        ])
    };
    assert_eq!(
        with("prod/streamgate").unwrap().metrics_namespace.as_str(),
        "prod/streamgate"
    );
    for bad in ["", " ", "AWS/Kinesis", "naïve"] {
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
fn dead_letter_message_limit_is_sqs_range() {
    let with = |value: &str| {
        config(&[
            ("TABLE_NAME", "t"),
            ("DEAD_LETTER_QUEUE_URL", "q"),
            ("DEAD_LETTER_MAX_MESSAGE_BYTES", value),
        ])
    };
    for (value, bytes) in [("1024", 1024), ("262144", 262_144), (" 1048576 ", 1_048_576)] {
        assert_eq!(with(value).unwrap().dead_letter_max_message_bytes, bytes, "{value}");
    }
    for bad in ["1023", "1048577", "0", "", "1MiB", "-1", "1e6"] {
        let error = with(bad).unwrap_err();
        assert_eq!(
            error,
            ConfigError::invalid(
                "DEAD_LETTER_MAX_MESSAGE_BYTES",
                bad,
                "a whole number of bytes from 1024 to 1048576"
            )
        );
        assert!(
            error.to_string().contains("DEAD_LETTER_MAX_MESSAGE_BYTES"),
            "the message names the variable: {error}"
        );
        assert!(error.to_string().contains("from 1024 to 1048576"), "{error}");
    }
}
