//! The topics function's log: one line per request with route, topic, status and record counts, and
//! never a key, a value or a header, even at TRACE level for every crate (rskafka included), producing
//! to a real broker. In process (the core and the Lambda adapter, as the function's binary wires
//! them) so that every crate's TRACE output is captured.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::time::{Duration, SystemTime};

use kafkatopic::TopicPolicy;
use localstage::kafka::{self, Broker};
use serde_json::value::RawValue;
use topics::kafka::auth::Sasl;
use topics::kafka::client::KafkaClient;
use topics::{Handler, RestProxy};

const CANARY: &str = "PAYLOAD-LEAK-CANARY-41aa";

fn event(topic: &str, content_type: &str, body: &str) -> Box<RawValue> {
    let event = serde_json::json!({
        "version": "2.0",
        "routeKey": "POST /topics/{topic}",
        "rawPath": format!("/topics/{topic}"),
        "rawQueryString": "",
        "headers": {"content-type": content_type, "authorization": format!("Basic {CANARY}")},
        "requestContext": {"http": {"method": "POST", "path": format!("/topics/{topic}"), "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1", "userAgent": "test"}, "routeKey": "POST /topics/{topic}", "stage": "$default",
            "requestId": "r", "accountId": "123456789012", "apiId": "a", "domainName": "d", "domainPrefix": "d",
            "time": "02/Dec/2026:10:00:00 +0000", "timeEpoch": 1_796_205_600_000_u64},
        "pathParameters": {"topic": topic},
        "body": body,
        "isBase64Encoded": false
    });
    RawValue::from_string(event.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn one_line_per_request_without_keys_values_or_credentials() {
    let broker = Broker::start(0).unwrap_or_else(|e| panic!("{e}\nThis test never skips: it needs the broker."));
    let captured = testkit::LogCapture::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let _guard = captured.install();
    runtime.block_on(async {
        let topic = testkit::unique_name("logs");
        kafka::create_topics(broker.bootstrap(), std::slice::from_ref(&topic), 2)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let kafka = KafkaClient::new(vec![broker.bootstrap().to_string()], false, Sasl::None);
        let handler = Handler::new(
            RestProxy::new(kafka, TopicPolicy::new("*").unwrap_or_else(|e| panic!("{e}"))),
            emf::Metrics::disabled("topics"),
            Duration::from_secs(10),
        );
        let deadline = SystemTime::now() + Duration::from_secs(30);
        let json = "application/vnd.kafka.json.v2+json";
        let bodies = [
            (
                json,
                format!(
                    r#"{{"records":[{{"key":"k-{CANARY}","value":{{"secret":"{CANARY}"}}}},{{"value":"{CANARY}"}}]}}"#
                ),
            ),
            (json, format!(r#"{{"records":[{{"key":"{CANARY}"}}]}}"#)),
            (json, format!(r#"{{"records":[{{"value":"{CANARY}","partition":9}}]}}"#)),
            (
                "application/vnd.kafka.binary.v2+json",
                format!(r#"{{"records":[{{"value":"{CANARY}!"}}]}}"#),
            ),
        ];
        let mut statuses = Vec::new();
        for (content_type, body) in &bodies {
            statuses.push(
                handler
                    .handle_event(&event(&topic, content_type, body), deadline)
                    .await
                    .status_code,
            );
        }
        assert_eq!(statuses, vec![200, 422, 404, 422]);
    });
    let text = captured.text();
    assert!(
        !text.contains(CANARY),
        "a payload or a credential reached the log:\n{text}"
    );
    let requests: Vec<serde_json::Value> = captured
        .json_lines()
        .into_iter()
        .filter(|line| line["fields"]["message"] == "request")
        .collect();
    assert_eq!(requests.len(), 4, "one line per request:\n{text}");
    assert_eq!(requests[0]["fields"]["produced"], 2);
    assert_eq!(requests[0]["fields"]["route"], "produce");
    // rskafka did log at TRACE/DEBUG: the capture saw the client, so its silence about payloads counts.
    assert!(
        text.contains("rskafka"),
        "rskafka's own logs were captured:\n{}",
        &text[..text.len().min(2000)]
    );
}
