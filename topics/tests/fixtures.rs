//! Every sample event `events/topics-*.json` (for `cargo lambda invoke --data-file`) is a genuine
//! payload-2.0 request that gets the answer its name promises, through `Handler::handle_event` over
//! the in-memory Kafka with the local stage's topics; and an event that is not a request still gets
//! an HTTP answer.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::time::{Duration, SystemTime};

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::encodings::Body;
use kafkatopic::TopicPolicy;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use topics::kafka::memory::MemoryKafka;
use topics::{Handler, RestProxy};

fn handler() -> Handler<MemoryKafka> {
    let kafka = MemoryKafka::with_topics(&[("streamgate-local.pin", 1), ("streamgate-local.geo", 2)]);
    let policy = TopicPolicy::new("streamgate-local.*").unwrap_or_else(|e| panic!("{e}"));
    Handler::new(
        RestProxy::new(kafka, policy),
        emf::Metrics::disabled("topics"),
        Duration::from_secs(5),
    )
}

fn fixture(name: &str) -> Box<RawValue> {
    let path = testkit::workspace_root().join("events").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    RawValue::from_string(text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn deadline() -> SystemTime {
    SystemTime::now() + Duration::from_secs(30)
}

fn read(response: ApiGatewayV2httpResponse) -> (i64, Value) {
    assert_eq!(
        response.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/vnd.kafka.v2+json")
    );
    let body = match response.body {
        Some(Body::Text(text)) => serde_json::from_str(&text).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (response.status_code, body)
}

#[tokio::test]
async fn produce_json() {
    let handler = handler();
    let (status, body) = read(
        handler
            .handle_event(&fixture("topics-produce-json.json"), deadline())
            .await,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["offsets"].as_array().map(Vec::len), Some(2), "{body}");
    let stored = handler.proxy().kafka().records("streamgate-local.pin", 0);
    assert_eq!(stored[0].key.as_deref(), Some(&br#""evt-0001""#[..]));
    assert_eq!(
        stored[0].value.as_deref(),
        Some(&br#"{"kind":"pin","title":"first pin","exact":12345678901234567890123456789012345678}"#[..])
    );
}

#[tokio::test]
async fn produce_binary_to_a_partition() {
    let handler = handler();
    let event = fixture("topics-produce-binary-partition.json");
    let (status, body) = read(handler.handle_event(&event, deadline()).await);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["offsets"][0]["partition"], json!(0));
    let stored = handler.proxy().kafka().records("streamgate-local.geo", 0);
    assert_eq!(stored[0].key.as_deref(), Some(&b"evt-0002"[..]));
    assert_eq!(stored[0].value.as_deref(), Some(&[0u8, 1, 2, 255][..]));
}

#[tokio::test]
async fn a_named_stage_prefix_is_not_part_of_the_route() {
    let text = fixture("topics-list.json")
        .get()
        .replace(r#""rawPath": "/topics""#, r#""rawPath": "/prod/topics""#)
        .replace(r#""stage": "$default""#, r#""stage": "prod""#);
    let event = RawValue::from_string(text).unwrap_or_else(|e| panic!("{e}"));
    let (status, body) = read(handler().handle_event(&event, deadline()).await);
    assert_eq!(
        (status, body),
        (200, json!(["streamgate-local.geo", "streamgate-local.pin"]))
    );
}

#[tokio::test]
async fn list() {
    let (status, body) = read(handler().handle_event(&fixture("topics-list.json"), deadline()).await);
    assert_eq!(
        (status, body),
        (200, json!(["streamgate-local.geo", "streamgate-local.pin"]))
    );
}

#[tokio::test]
async fn an_event_that_is_not_a_request_still_gets_an_http_answer() {
    let event = RawValue::from_string("[1, 2]".to_string()).unwrap_or_else(|e| panic!("{e}"));
    let (status, body) = read(handler().handle_event(&event, deadline()).await);
    assert_eq!((status, body["error_code"].clone()), (422, json!(422)));
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("payload 2.0")),
        "{body}"
    );
}

#[tokio::test]
async fn every_fixture_is_covered() {
    let dir = testkit::workspace_root().join("events");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|entry| entry.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|name| name.starts_with("topics-"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "topics-list.json",
            "topics-produce-binary-partition.json",
            "topics-produce-json.json"
        ],
        "a new topics fixture needs a test here"
    );
}
