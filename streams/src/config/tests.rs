use super::*;
use std::collections::HashMap;

const BASE: [(&str, &str); 3] = [
    ("INGESTION_STREAM", "mystack-events"),
    ("PROXY_STREAM_PREFIX", "mystack-proxy-"),
    ("STACK_ID", "arn:aws:cloudformation:us-east-1:1:stack/mystack/id"),
];

fn config(extra: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let vars: HashMap<String, String> = BASE
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|name| vars.get(name).cloned())
}

#[test]
fn defaults() {
    let config = config(&[]).unwrap();
    assert_eq!(
        config,
        Config {
            policy: StreamPolicy {
                ingestion_stream: "mystack-events".into(),
                proxy_prefix: "mystack-proxy-".into(),
                management: false,
            },
            shards: ShardLimits { default: 1, max: 4 },
            put_records_retry_budget: Duration::from_secs(10),
            stack_id: "arn:aws:cloudformation:us-east-1:1:stack/mystack/id".into(),
            bounds: ProxyBounds {
                max_streams: 10,
                shard_budget: 20,
                on_demand: false,
            },
            namespace: emf::Namespace::default(),
        }
    );
}

#[test]
fn every_setting() {
    let config = config(&[
        ("STREAM_MANAGEMENT", "true"),
        ("DEFAULT_SHARD_COUNT", "2"),
        ("MAX_SHARD_COUNT", " 8 "),
        ("PUT_RECORDS_RETRY_BUDGET_MS", "250"),
        ("PROXY_STREAM_MAX_COUNT", "3"),
        ("PROXY_SHARD_BUDGET", "12"),
        ("PROXY_ON_DEMAND", "true"),
    ])
    .unwrap();
    assert_eq!(
        config.bounds,
        ProxyBounds {
            max_streams: 3,
            shard_budget: 12,
            on_demand: true
        }
    );
    assert!(config.policy.management);
    assert_eq!(config.shards, ShardLimits { default: 2, max: 8 });
    assert_eq!(config.put_records_retry_budget, Duration::from_millis(250));
    assert_eq!(
        super::tests::config(&[("PUT_RECORDS_RETRY_BUDGET_MS", "0")])
            .unwrap()
            .put_records_retry_budget,
        Duration::ZERO
    );
}

#[test]
fn required_variables() {
    let vars: HashMap<&str, &str> = HashMap::from([("PROXY_STREAM_PREFIX", "p-")]);
    assert_eq!(
        Config::from_lookup(|n| vars.get(n).map(|v| v.to_string())),
        Err(ConfigError::Missing("INGESTION_STREAM"))
    );
    let vars: HashMap<&str, &str> = HashMap::from([("INGESTION_STREAM", "s"), ("PROXY_STREAM_PREFIX", "  ")]);
    assert_eq!(
        Config::from_lookup(|n| vars.get(n).map(|v| v.to_string())),
        Err(ConfigError::Missing("PROXY_STREAM_PREFIX"))
    );
    let vars: HashMap<&str, &str> = HashMap::from([("INGESTION_STREAM", "s"), ("PROXY_STREAM_PREFIX", "p-")]);
    assert_eq!(
        Config::from_lookup(|n| vars.get(n).map(|v| v.to_string())),
        Err(ConfigError::Missing("STACK_ID"))
    );
}

#[test]
fn refusals_name_the_variable() {
    let cases: [(&str, &str, &str); 14] = [
        ("PROXY_STREAM_MAX_COUNT", "0", "PROXY_STREAM_MAX_COUNT"),
        ("PROXY_SHARD_BUDGET", "many", "PROXY_SHARD_BUDGET"),
        ("PROXY_ON_DEMAND", "yes", "PROXY_ON_DEMAND"),
        ("STREAM_MANAGEMENT", "yes", "STREAM_MANAGEMENT"),
        ("STREAM_MANAGEMENT", "TRUE", "STREAM_MANAGEMENT"),
        ("DEFAULT_SHARD_COUNT", "0", "DEFAULT_SHARD_COUNT"),
        ("DEFAULT_SHARD_COUNT", "x", "DEFAULT_SHARD_COUNT"),
        ("MAX_SHARD_COUNT", "-1", "MAX_SHARD_COUNT"),
        ("MAX_SHARD_COUNT", "1.5", "MAX_SHARD_COUNT"),
        ("PUT_RECORDS_RETRY_BUDGET_MS", "900001", "PUT_RECORDS_RETRY_BUDGET_MS"),
        ("PUT_RECORDS_RETRY_BUDGET_MS", "10s", "PUT_RECORDS_RETRY_BUDGET_MS"),
        ("INGESTION_STREAM", "bad name", "INGESTION_STREAM"),
        ("PROXY_STREAM_PREFIX", "a/b-", "PROXY_STREAM_PREFIX"),
        ("PROXY_STREAM_PREFIX", &"p".repeat(128), "PROXY_STREAM_PREFIX"),
    ];
    for (name, value, named) in cases {
        let error = config(&[(name, value)]).unwrap_err();
        assert!(
            matches!(&error, ConfigError::Invalid { name, .. } if *name == named),
            "{name}={value}: {error:?}"
        );
        assert!(error.to_string().contains(named), "{error}");
    }
}

#[test]
fn max_must_cover_the_default() {
    let error = config(&[("DEFAULT_SHARD_COUNT", "5")]).unwrap_err();
    assert_eq!(
        error,
        ConfigError::invalid("MAX_SHARD_COUNT", "4", "at least DEFAULT_SHARD_COUNT (5)")
    );
    assert!(error.to_string().contains("DEFAULT_SHARD_COUNT"), "{error}");
    assert!(config(&[("DEFAULT_SHARD_COUNT", "5"), ("MAX_SHARD_COUNT", "5")]).is_ok());
}
