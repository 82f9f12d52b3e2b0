//! The consumer's log: one summary line per batch, one line per poison or failed record with its
//! sequence number and reason, and never any record data, even at TRACE level for every crate
//! (the AWS SDK included). Beside the log, one EMF metrics record per batch, written on its own
//! (not through `tracing`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use consumer::handler::METRICS_SERVICE;
use emf::{Document, MemorySink, Metrics, Namespace};
use serde_json::Value;
use support::{Env, event, record, sequence};

/// Metrics into memory, in the namespace `streamgate-test`.
fn metrics() -> (Metrics, MemorySink) {
    let sink = MemorySink::default();
    let namespace = Namespace::parse("streamgate-test").expect("namespace");
    (Metrics::new(namespace, METRICS_SERVICE, sink.clone()), sink)
}

fn millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).expect("after 1970").as_millis() as u64
}

const CANARY: &str = "PAYLOAD-LEAK-CANARY-5e1f";

#[tokio::test(flavor = "current_thread")]
async fn batch_summary_and_poison_lines_without_record_data() {
    let captured = testkit::LogCapture::default();
    let _guard = captured.install();

    let env = Env::new(testkit::moto().endpoint()).await;
    let (metrics, sink) = metrics();
    let consumer = env.consumer(2).with_metrics(metrics);
    let valid = format!(r#"{{"secret":"{CANARY}","eventId":"mismatch-{CANARY}"}}"#);
    let not_json = format!("{CANARY} is not json");
    let reserved = format!(r#"{{"_sg_x":"{CANARY}"}}"#);
    let before = SystemTime::now();
    let response = consumer
        .handle(&event(vec![
            record("k1", 1, valid.as_bytes()),
            record("k2", 2, not_json.as_bytes()),
            record("k3", 3, reserved.as_bytes()),
        ]))
        .await
        .expect("handled");
    let after = SystemTime::now();
    assert!(response.batch_item_failures.is_empty());

    // One EMF record for the batch, beside (not inside) the tracing log, without record data.
    let lines = sink.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(!lines[0].contains(CANARY) && !lines[0].contains('\n'), "{}", lines[0]);
    let emf = Document::parse(&lines[0]).expect("one EMF document");
    let directive = emf.directive().expect("a metric directive");
    assert_eq!(directive.namespace, "streamgate-test");
    assert_eq!(directive.dimensions, vec![vec!["service".to_string()]]);
    let units: Vec<(&str, &str)> = directive
        .metrics
        .iter()
        .map(|m| (m.name.as_str(), m.unit.as_str()))
        .collect();
    assert_eq!(
        units,
        [
            ("RecordsWritten", "Count"),
            ("RecordsStale", "Count"),
            ("RecordsPoison", "Count"),
            ("RecordsFailed", "Count"),
            ("BatchSize", "Count"),
            ("OldestRecordAgeMs", "Milliseconds"),
        ]
    );
    assert_eq!(emf.service, "consumer");
    let counts = [
        "RecordsWritten",
        "RecordsStale",
        "RecordsPoison",
        "RecordsFailed",
        "BatchSize",
    ]
    .map(|name| emf.value(name).expect(name));
    assert_eq!(counts, [1, 0, 2, 0, 3]);
    // The oldest record (n = 1) arrived at 1_795_381_200_001 ms; its age is taken on arrival of the batch.
    let oldest = 1_795_381_200_001;
    let age = emf.value("OldestRecordAgeMs").expect("age");
    assert!(
        (millis(before) - oldest..=millis(after) - oldest).contains(&age),
        "{age}"
    );
    let stamp = emf.metadata.timestamp;
    assert!((millis(before)..=millis(after)).contains(&stamp));

    let logs = captured.text();
    assert!(!logs.contains(CANARY), "record data in the logs:\n{logs}");
    let lines: Vec<Value> = logs.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let summaries: Vec<&Value> = lines.iter().filter(|l| l["fields"]["message"] == "batch").collect();
    assert_eq!(summaries.len(), 1, "{logs}");
    let summary = &summaries[0]["fields"];
    let counts: Vec<&Value> = ["records", "written", "stale", "poison", "failed"]
        .iter()
        .map(|field| &summary[*field])
        .collect();
    assert_eq!(counts, [3, 1, 0, 2, 0].map(Value::from).iter().collect::<Vec<_>>());
    assert!(summary["duration_ms"].is_u64());
    let poison: Vec<(String, String)> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "poison record sent to the dead-letter queue")
        .map(|l| {
            (
                l["fields"]["sequence_number"].as_str().unwrap().to_string(),
                l["fields"]["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        poison,
        vec![
            (sequence(2), "not_json".to_string()),
            (sequence(3), "reserved_name".to_string())
        ]
    );
    assert!(logs.contains("body eventId differs from the partition key"));
}

#[tokio::test(flavor = "current_thread")]
async fn unreadable_records_and_events_leave_no_data_in_the_logs() {
    let captured = testkit::LogCapture::default();
    let guard = captured.install();

    let env = Env::new(testkit::moto().endpoint()).await;
    let (metrics, sink) = metrics();
    let consumer = env.consumer(2).with_metrics(metrics);
    // serde's message for an unknown variant quotes it: that detail goes to the dead-letter
    // message, never to the logs.
    let mut event: Value =
        serde_json::from_str(event(vec![record("k1", 1, b"{}"), record("k2", 2, b"{}")]).get()).expect("JSON");
    event["Records"][1]["kinesis"]["encryptionType"] = Value::from(CANARY);
    let payload = serde_json::value::to_raw_value(&event).expect("JSON");
    let response = consumer.handle(&payload).await.expect("handled");
    assert!(response.batch_item_failures.is_empty());

    let not_an_event = serde_json::value::to_raw_value(&serde_json::json!({"Records": CANARY})).expect("JSON");
    let error = consumer.handle(&not_an_event).await.expect_err("not a Kinesis event");
    assert!(!error.to_string().contains(CANARY), "{error}");
    // A metrics record for the batch, none for the payload that is not one.
    let documents = sink.documents().expect("EMF documents");
    assert_eq!(documents.len(), 1, "{:?}", sink.lines());
    let counts = ["RecordsWritten", "RecordsPoison", "BatchSize"].map(|name| documents[0].value(name).expect(name));
    assert_eq!(counts, [1, 1, 2]);
    assert!(!sink.lines()[0].contains(CANARY));

    let logs = captured.text();
    assert!(!logs.contains(CANARY), "record data in the logs:\n{logs}");
    let lines: Vec<Value> = logs.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let reasons: Vec<&str> = lines.iter().filter_map(|l| l["fields"]["reason"].as_str()).collect();
    assert_eq!(reasons, vec!["unreadable_record", "unreadable_event"], "{logs}");
    let poison_line = lines
        .iter()
        .find(|l| l["fields"]["reason"] == "unreadable_record")
        .expect("the poison line");
    assert_eq!(poison_line["fields"]["sequence_number"], sequence(2));

    // Reading the queue back is the test's doing, not the consumer's: outside the capture.
    drop(guard);
    let messages = env.drain_queue().await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].reason, "unreadable_record");
    assert!(messages[0].detail.contains(CANARY), "the dead-letter message says why");
}
