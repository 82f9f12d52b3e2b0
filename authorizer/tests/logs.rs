//! The decision log: one JSON line per decision with request id, verdict and reason code, and never
//! the password, the raw header, or the secret value. Logs are captured at TRACE level for every
//! crate (the AWS SDK included) while the authorizer reads a real secret from moto. Beside the log,
//! one EMF metrics record per invocation, written on its own (not through `tracing`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use authorizer::handler::METRICS_SERVICE;
use authorizer::{Authorizer, CachePolicy, CredentialCache, SecretsManagerSource, SystemClock};
use emf::{Document, MemorySink, Metrics, Namespace};
use serde_json::{Value, json};

fn event(authorization: Option<&str>) -> Value {
    let mut headers = json!({"content-type": "application/json"});
    if let Some(value) = authorization {
        headers["authorization"] = json!(value);
    }
    json!({
        "version": "2.0", "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:us-east-1:123456789012:api/$default/POST/submit/s/e",
        "routeKey": "POST /submit/{streamName}/{eventId}", "rawPath": "/submit/s/e", "rawQueryString": "",
        "headers": headers,
        "requestContext": {"accountId": "123456789012", "apiId": "api", "requestId": "r",
            "http": {"method": "POST", "path": "/submit/s/e", "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "test"}}
    })
}

// Distinctive strings, so a leak of any of them is unmistakable.
const USERNAME: &str = "log-test-user";
const PASSWORD: &str = "Pa55-LEAK-CANARY-9f3b";
const WRONG_PASSWORD: &str = "Wr0ng-LEAK-CANARY-77aa";

// current_thread: the subscriber set for this thread sees every task, the SDK's included.
#[tokio::test(flavor = "current_thread")]
async fn decisions_are_logged_without_secrets() {
    let captured = testkit::LogCapture::default();
    let _guard = captured.install();

    let client = aws_sdk_secretsmanager::Client::new(&testkit::moto_sdk_config().await);
    let secret = testkit::unique_name("streamgate-log-test");
    let secret_value = json!({"username": USERNAME, "password": PASSWORD}).to_string();
    client
        .create_secret()
        .name(&secret)
        .secret_string(&secret_value)
        .send()
        .await
        .expect("create_secret");
    let sink = MemorySink::default();
    let metrics = Metrics::new(
        Namespace::parse("streamgate-test").expect("namespace"),
        METRICS_SERVICE,
        sink.clone(),
    );
    let authorizer = Authorizer::new(CredentialCache::new(
        SecretsManagerSource::new(client.clone(), &secret),
        SystemClock::default(),
        CachePolicy::default(),
    ))
    .with_metrics(metrics.clone());
    let missing = Authorizer::new(CredentialCache::new(
        SecretsManagerSource::new(client, "streamgate-log-test-missing"),
        SystemClock::default(),
        CachePolicy::default(),
    ))
    .with_metrics(metrics);

    let good = testkit::basic(USERNAME, PASSWORD);
    let wrong = testkit::basic(USERNAME, WRONG_PASSWORD);
    // A header that is malformed only because of a trailing control character.
    let malformed = format!("{good}\u{7}");
    let cases: [(&str, Option<&str>, &str, &str); 4] = [
        ("req-allow", Some(&good), "allow", "authenticated"),
        ("req-wrong", Some(&wrong), "deny", "bad_credentials"),
        ("req-malformed", Some(&malformed), "deny", "malformed"),
        ("req-missing", None, "deny", "missing_header"),
    ];
    for (request_id, header, _, _) in &cases {
        let _ = authorizer.handle(event(*header), request_id).await;
    }
    let _ = missing.handle(event(Some(&good)), "req-unavailable").await;

    let logs = captured.text();
    let decisions: Vec<Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "decision")
        .collect();
    for (request_id, _, verdict, reason) in cases.iter().map(|(id, h, v, r)| (*id, *h, *v, *r)).chain([(
        "req-unavailable",
        None,
        "deny",
        "secret_unavailable",
    )]) {
        let lines: Vec<&Value> = decisions
            .iter()
            .filter(|line| line["fields"]["request_id"] == request_id)
            .collect();
        assert_eq!(lines.len(), 1, "exactly one decision line for {request_id}:\n{logs}");
        assert_eq!(lines[0]["fields"]["verdict"], verdict, "{request_id}");
        assert_eq!(lines[0]["fields"]["reason"], reason, "{request_id}");
    }
    let allow = decisions
        .iter()
        .find(|line| line["fields"]["request_id"] == "req-allow")
        .expect("allow line");
    assert_eq!(allow["fields"]["username"], USERNAME);

    let token = good.trim_start_matches("Basic ");
    for forbidden in [PASSWORD, WRONG_PASSWORD, &good, token, &wrong, &secret_value] {
        assert!(!logs.contains(forbidden), "the logs contain {forbidden:?}:\n{logs}");
    }

    // One EMF record per invocation, in order: allow (cold: GetSecretValue of AWSCURRENT,
    // AWSPENDING and AWSPREVIOUS), wrong (decided from the cache: no refresh within 30 s), malformed
    // and missing (the header alone decides), unavailable (the three requests made, all failed).
    // The allow also writes the per-client record, the only record that names a client: denied
    // callers that did not authenticate never become a dimension value.
    let (client_records, service_records): (Vec<_>, Vec<_>) = sink
        .lines()
        .into_iter()
        .zip(sink.documents().expect("EMF documents"))
        .partition(|(_, record)| record.members.contains_key("client"));
    assert_eq!(client_records.len(), 1, "{client_records:?}");
    let client = &client_records[0].1;
    assert_eq!(client.dimension("client"), Some(USERNAME));
    assert_eq!(
        client.directive().map(|directive| &directive.dimensions),
        Some(&vec![vec!["service".to_string(), "client".to_string()]])
    );
    assert_eq!([client.value("Allowed"), client.value("Denied")], [Some(1), Some(0)]);
    let (lines, records): (Vec<String>, Vec<Document>) = service_records.into_iter().unzip();
    assert_eq!(records.len(), 5, "{lines:?}");
    for (line, record) in lines.iter().zip(&records) {
        assert!(!line.contains('\n'));
        assert_eq!(record.service, "authorizer");
        let directive = record.directive().expect("a metric directive");
        assert_eq!(directive.namespace, "streamgate-test");
        assert_eq!(directive.dimensions, vec![vec!["service".to_string()]]);
        // `Timestamp` reads as a u64 or the line is no Document: a real time, after 1970.
        assert!(record.metadata.timestamp > 0);
        assert!(!logs.contains(line.as_str()), "EMF records bypass the tracing log");
        for forbidden in [PASSWORD, WRONG_PASSWORD, USERNAME, &good] {
            assert!(!line.contains(forbidden), "{line}");
        }
    }
    let counts: Vec<[u64; 4]> = records
        .iter()
        .map(|r| ["Allowed", "Denied", "SecretFetches", "CacheHits"].map(|m| r.value(m).expect(m)))
        .collect();
    assert_eq!(
        counts,
        vec![[1, 0, 3, 0], [0, 1, 0, 1], [0, 1, 0, 0], [0, 1, 0, 0], [0, 1, 3, 0]]
    );

    assert!(
        logs.len() > 1000,
        "the capture saw the SDK's trace output too ({} bytes)",
        logs.len()
    );
}
