//! The HTTP proxy integration end to end (the Kafka REST route of the template), against a
//! backend on loopback that echoes what it received: path substitution, query string, method,
//! headers (hop-by-hop dropped, `Forwarded` added), body, the backend's status passed through, and
//! an unreachable backend.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use serde_json::{Value, json};
use support::{PASSWORD, USERNAME, stage};
use testkit::{HttpClient, basic};

/// Answers every request with what it received, as JSON; `/topics/missing` with a 404.
async fn echo(request: Request) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let headers: serde_json::Map<String, Value> = parts
        .headers
        .iter()
        .map(|(n, v)| (n.to_string(), json!(v.to_str().unwrap_or_default())))
        .collect();
    let seen = json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query(),
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    });
    let status = if parts.uri.path() == "/topics/missing" {
        404
    } else {
        200
    };
    (
        axum::http::StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/vnd.kafka.v2+json"), ("x-backend", "echo")],
        seen.to_string(),
    )
        .into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_answers_pass_through_as_an_http_api_forwards_them() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let backend = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, Router::new().fallback(echo)).await });
    let stage = stage(&[("KafkaRestProxyUrl", &backend), ("StreamsApi", "false")], &[]).await;
    let http = HttpClient::default();
    let auth = basic(USERNAME, PASSWORD);
    let url = |path: &str| format!("{}{path}", stage.gateway_url);

    let answer = http
        .call(
            "POST",
            &url("/topics/streamgate-local.pin?x=1"),
            &[
                ("authorization", &auth),
                ("content-type", "application/vnd.kafka.json.v2+json"),
                ("connection", "keep-alive, x-private"),
                ("x-private", "hop"),
                ("x-client", "kept"),
            ],
            r#"{"records":[{"value":{"a":1}}]}"#,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.header("x-backend"),
        Some("echo"),
        "the backend's headers come back"
    );
    assert_eq!(answer.header("content-type"), Some("application/vnd.kafka.v2+json"));
    let seen = answer.json();
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["path"], "/topics/streamgate-local.pin", "{{proxy}} substituted");
    assert_eq!(seen["query"], "x=1");
    assert_eq!(seen["body"], r#"{"records":[{"value":{"a":1}}]}"#);
    let headers = &seen["headers"];
    assert_eq!(headers["x-client"], "kept");
    assert!(headers.get("x-private").is_none(), "named by Connection: hop-by-hop");
    assert!(headers.get("connection").is_none_or(|c| c != "keep-alive, x-private"));
    assert!(
        headers["forwarded"]
            .as_str()
            .is_some_and(|f| f.contains("for=127.0.0.1")),
        "{headers}"
    );
    // API Gateway cannot remove it (a reserved header for parameter mapping): it travels on.
    assert_eq!(headers["authorization"], json!(auth));

    // GET /topics is its own route; the backend's 404 passes through as it is.
    let answer = http.call("GET", &url("/topics"), &[("authorization", &auth)], "").await;
    assert_eq!((answer.status, &answer.json()["path"]), (200, &json!("/topics")));
    let answer = http
        .call("GET", &url("/topics/missing"), &[("authorization", &auth)], "")
        .await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json()["path"], "/topics/missing");

    // The authorizer guards it like every route.
    let answer = http.call("GET", &url("/topics"), &[], "").await;
    assert_eq!(
        (answer.status, answer.json()),
        (401, json!({"message": "Unauthorized"}))
    );
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_backend_is_a_500_and_no_url_means_no_route() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let stage = stage(&[("KafkaRestProxyUrl", &format!("http://127.0.0.1:{port}"))], &[]).await;
    let http = HttpClient::default();
    let auth = basic(USERNAME, PASSWORD);
    let answer = http
        .call(
            "GET",
            &format!("{}/topics", stage.gateway_url),
            &[("authorization", &auth)],
            "",
        )
        .await;
    assert_eq!(
        (answer.status, answer.json()),
        (500, json!({"message": "Internal Server Error"}))
    );
    stage.stop().await;

    let stage = stage_without_kafka().await;
    let answer = http
        .call(
            "GET",
            &format!("{}/topics", stage.gateway_url),
            &[("authorization", &auth)],
            "",
        )
        .await;
    assert_eq!((answer.status, answer.json()), (404, json!({"message": "Not Found"})));
    stage.stop().await;
}

/// The template's default: KafkaRestProxyUrl empty.
async fn stage_without_kafka() -> localstage::Stage {
    stage(&[], &[]).await
}
