//! Named clients end to end against Secrets Manager in moto: a table of secrets (the single-user
//! form, named clients, a duplicated username, a bad entry, no client) × requests (right and wrong
//! password, in and out of scope, an unknown user), each with its expected verdict and reason.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use authorizer::event::parse_event;
use authorizer::{Authorizer, CachePolicy, CredentialCache, Reason, SecretsManagerSource, SystemClock};
use aws_sdk_secretsmanager::Client;
use serde_json::{Value, json};

fn request(username: &str, password: &str, path: &str) -> Value {
    json!({
        "version": "2.0", "type": "REQUEST",
        "routeArn": format!("arn:aws:execute-api:us-east-1:123456789012:api/$default/POST{path}"),
        "routeKey": "POST /submit/{streamName}/{eventId}", "rawPath": path, "rawQueryString": "",
        "headers": {"authorization": testkit::basic(username, password)},
        "requestContext": {"accountId": "123456789012", "apiId": "api", "requestId": "r", "stage": "$default",
            "http": {"method": "POST", "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test"}}
    })
}

/// A request: user, password, path, and the reason the decision must give.
type Row = (&'static str, &'static str, &'static str, Reason);

const PARTNER: &str = r#"{"username":"partner","password":"partner-pw","routes":["POST /submit/orders-*/*"]}"#;

#[tokio::test]
async fn secrets_by_requests() {
    use Reason::*;
    let client = Client::new(&testkit::moto_sdk_config().await);
    let ok = "/submit/orders-eu/e1";
    let out = "/submit/audit/e1";
    let table: Vec<(String, Vec<Row>)> = vec![
        (
            r#"{"username":"u","password":"pw"}"#.into(),
            vec![
                ("u", "pw", ok, Authenticated),
                ("u", "pw", out, Authenticated),
                ("u", "wrong", ok, BadCredentials),
                ("nobody", "pw", ok, BadCredentials),
            ],
        ),
        (
            format!(r#"{{"clients":[{{"username":"u","password":"pw"}},{PARTNER}]}}"#),
            vec![
                ("u", "pw", out, Authenticated),
                ("partner", "partner-pw", ok, Authenticated),
                ("partner", "partner-pw", out, OutOfScope),
                ("partner", "pw", ok, BadCredentials),
                ("u", "partner-pw", ok, BadCredentials),
                ("nobody", "pw", ok, BadCredentials),
            ],
        ),
        (
            format!(
                r#"{{"clients":[{{"username":"u","password":"pw"}},{{"username":"u","password":"pw2"}},{PARTNER}]}}"#
            ),
            vec![
                ("u", "pw", ok, BadCredentials),
                ("u", "pw2", ok, BadCredentials),
                ("partner", "partner-pw", ok, Authenticated),
            ],
        ),
        (
            format!(r#"{{"clients":[{{"username":"u"}},7,{PARTNER}]}}"#),
            vec![
                ("u", "pw", ok, BadCredentials),
                ("partner", "partner-pw", ok, Authenticated),
                ("partner", "partner-pw", out, OutOfScope),
            ],
        ),
        (r#"{"clients":[]}"#.into(), vec![("u", "pw", ok, SecretUnavailable)]),
        (
            r#"{"clients":[{"username":"u","password":"pw","routes":["nonsense"]}]}"#.into(),
            vec![("u", "pw", ok, SecretUnavailable)],
        ),
    ];
    for (secret, requests) in table {
        let name = testkit::unique_name("streamgate-clients");
        client
            .create_secret()
            .name(&name)
            .secret_string(&secret)
            .send()
            .await
            .expect("create_secret");
        let authorizer = Authorizer::new(CredentialCache::new(
            SecretsManagerSource::new(client.clone(), &name),
            SystemClock::default(),
            CachePolicy::default(),
        ));
        for (user, password, path, expected) in requests {
            let event = parse_event(request(user, password, path)).expect("event");
            let decision = authorizer.decide(&event).await;
            assert_eq!(decision.reason, expected, "{secret} × {user}:{password} {path}");
            assert_eq!(decision.username.is_some(), expected == Authenticated);
            if matches!(expected, Authenticated | OutOfScope) {
                assert_eq!(decision.client.as_ref().map(|c| c.name.as_str()), Some(user));
            }
        }
    }
}
