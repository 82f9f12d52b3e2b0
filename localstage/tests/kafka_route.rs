//! The Kafka REST route end to end: the HTTP API's `/topics` routes, behind the authorizer, through
//! the HTTP proxy integration to the REST Proxy stand-in, into a real Kafka-protocol broker, and
//! read back over the Kafka protocol.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use localstage::kafka;
use serde_json::json;
use support::{PASSWORD, USERNAME, options};
use testkit::{HttpClient, basic};

const JSON_V2: &str = "application/vnd.kafka.json.v2+json";
const BINARY_V2: &str = "application/vnd.kafka.binary.v2+json";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_produced_through_the_route_are_in_the_broker_byte_for_byte() {
    let mut options = options(&[("StreamsApi", "false")], &[]);
    options.kafka = true;
    let stage = localstage::Stage::start(options)
        .await
        .unwrap_or_else(|e| panic!("the local stage did not start: {e}"));
    let side = stage.kafka.as_ref().expect("the stage runs Kafka");
    assert_eq!(
        side.topics,
        ["streamgate-local.pin", "streamgate-local.geo", "streamgate-local.user"]
    );
    assert!(stage.banner().contains(&format!("kafka:       {}", side.bootstrap)));
    let http = HttpClient::default();
    let auth = basic(USERNAME, PASSWORD);
    let url = |path: &str| format!("{}{path}", stage.gateway_url);
    let produce = |topic: &str, content_type: &'static str, body: String, auth: Option<String>| {
        let (http, url) = (http.clone(), url(&format!("/topics/{topic}")));
        async move {
            let mut headers = vec![("content-type", content_type)];
            let auth = auth.unwrap_or_default();
            if !auth.is_empty() {
                headers.push(("authorization", auth.as_str()));
            }
            http.call("POST", &url, &headers, body).await
        }
    };
    let pin = "streamgate-local.pin";

    let body = json!({"records": [{"key": "evt-1", "value": {"title": "first", "n": 12345678901234567890_u64}}]});
    let answer = produce(pin, JSON_V2, body.to_string(), None).await;
    assert_eq!(
        (answer.status, answer.json()),
        (401, json!({"message": "Unauthorized"}))
    );

    // Spaces as a client sends them; numbers beyond f64 precision.
    let body = r#"{"records": [
        {"key": "evt-1", "value": {"title": "first one", "n": 123456789012345678901234567890}},
        {"key": "evt-2", "value": [1, "two", null]}
    ]}"#;
    let answer = produce(pin, JSON_V2, body.to_string(), Some(auth.clone())).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some("application/vnd.kafka.v2+json"));
    let offsets = answer.json()["offsets"].as_array().cloned().expect("offsets");
    assert_eq!(offsets.len(), 2);
    assert!(offsets.iter().all(|o| o["error_code"].is_null()), "{offsets:?}");

    // Binary: base64 in, the decoded bytes in the broker.
    let body = json!({"records": [{"key": "ZXZ0LTM=", "value": "AAEC/w=="}]});
    let answer = produce(pin, BINARY_V2, body.to_string(), Some(auth.clone())).await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    let records = kafka::read_all(&side.bootstrap, pin).await.expect("read the topic");
    type Bytes = Option<Vec<u8>>;
    let stored: Vec<(Bytes, Bytes)> = records.into_iter().map(|r| (r.key, r.value)).collect();
    // The JSON embedded format stores keys and values as compact JSON text (a string key keeps its
    // quotes, as Confluent's JSON serializer writes it); binary stores the decoded bytes.
    assert_eq!(
        stored,
        [
            (
                Some(br#""evt-1""#.to_vec()),
                Some(br#"{"title":"first one","n":123456789012345678901234567890}"#.to_vec())
            ),
            (Some(br#""evt-2""#.to_vec()), Some(br#"[1,"two",null]"#.to_vec())),
            (Some(b"evt-3".to_vec()), Some(vec![0, 1, 2, 255])),
        ]
    );

    // The REST Proxy's errors reach the client as they are.
    let cases = [
        (
            "streamgate-local.nope",
            JSON_V2,
            r#"{"records":[{"value":1}]}"#,
            404,
            40401,
        ),
        (pin, "text/plain", r#"{"records":[{"value":1}]}"#, 415, 415),
        (pin, JSON_V2, r#"{"records":[]}"#, 422, 0),
        (pin, JSON_V2, "not json", 422, 0),
    ];
    for (topic, content_type, body, status, code) in cases {
        let answer = produce(topic, content_type, body.to_string(), Some(auth.clone())).await;
        assert_eq!(answer.status, status, "{topic} {content_type} {body}: {}", answer.body);
        let error = answer.json();
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{error}");
        if code != 0 {
            assert_eq!(error["error_code"], code, "{error}");
        } else {
            assert!(
                error["error_code"]
                    .as_u64()
                    .is_some_and(|c| c == 422 || (42200..42300).contains(&c)),
                "{error}"
            );
        }
    }
    let answer = http.call("GET", &url("/topics"), &[("authorization", &auth)], "").await;
    assert_eq!(answer.status, 200);
    let mut listed: Vec<String> = serde_json::from_str(&answer.body).expect("a JSON array of names");
    listed.sort();
    assert_eq!(
        listed,
        ["streamgate-local.geo", "streamgate-local.pin", "streamgate-local.user"]
    );
    stage.stop().await;
}
