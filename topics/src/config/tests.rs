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
