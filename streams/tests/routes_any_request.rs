//! Whatever reaches the proxy gets a JSON answer through `Proxy::handle`: a route it does not serve
//! (404), an event that is not an HTTP API request (400), and random bodies on every route.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use serde_json::json;
use support::routes::{PROXY_A, call, proxy, total_calls};
use support::{INGESTION, deadline, own, read, request};

#[tokio::test]
async fn unknown_routes_are_404_not_found() {
    let proxy = proxy(true);
    for key in [
        "GET /nope",
        "$default",
        "PATCH /streams/{streamName}",
        "GET /streams/{streamName}/records",
    ] {
        let answer = call(&proxy, request(key, Some(INGESTION), None)).await;
        assert_eq!(
            (answer.status, &answer.body),
            (404, &json!({"message": "Not Found", "type": "NotFound"}))
        );
    }
    let mut no_key = request("GET /streams", None, None);
    no_key.route_key = None;
    assert_eq!(call(&proxy, no_key).await.status, 404);
    assert_eq!(total_calls(proxy.api()), 0);
}

#[tokio::test]
async fn an_unreadable_event_is_a_400_response() {
    let proxy = proxy(false);
    for payload in [
        r#"{"routeKey": "GET /streams"}"#,
        "[]",
        "null",
        r#"{"requestContext": 5}"#,
    ] {
        let raw = serde_json::value::RawValue::from_string(payload.to_string()).unwrap();
        let answer = read(proxy.handle_event(&raw, deadline()).await);
        assert_eq!(
            (answer.status, answer.error_type()),
            (400, "SerializationException"),
            "{payload}"
        );
    }
}

/// Random bodies (and random base64 flags) on every route: always a JSON response with a known
/// status, never a panic.
#[tokio::test]
async fn any_body_gets_an_answer() {
    let proxy = proxy(true);
    proxy.api().add_stream(PROXY_A, 1);
    own(proxy.api(), PROXY_A);
    let mut rng = fastrand::Rng::with_seed(7);
    let pieces = [
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "\\",
        "Data",
        "\"Data\"",
        "\"PartitionKey\"",
        "\"records\"",
        "\"Records\"",
        "\"data\"",
        "\"partition-key\"",
        "\"ShardCount\"",
        "\"StreamMode\"",
        "1e999",
        "-0",
        "null",
        "true",
        "\"k\"",
        " ",
        "\u{0}",
        "é",
        "12345678901234567890123456789",
    ];
    let routes = [
        "GET /streams",
        "GET /streams/{streamName}",
        "POST /streams/{streamName}",
        "DELETE /streams/{streamName}",
        "PUT /streams/{streamName}/record",
        "PUT /streams/{streamName}/records",
    ];
    for _ in 0..2000 {
        let body: String = (0..rng.usize(0..24))
            .map(|_| pieces[rng.usize(..pieces.len())])
            .collect();
        let route = routes[rng.usize(..routes.len())];
        let stream = if rng.bool() { "mystack-proxy-x" } else { PROXY_A };
        let mut request = request(route, Some(stream), Some(&body));
        request.is_base64_encoded = rng.u8(..) < 20;
        let answer = call(&proxy, request).await;
        assert!(
            [200, 400, 404, 409, 413].contains(&answer.status),
            "{route} {body:?}: {} {:?}",
            answer.status,
            answer.body
        );
    }
}
