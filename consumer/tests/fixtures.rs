//! The sample Kinesis events in `events/` are read as the consumer reads the Lambda payload, each
//! record converts (or is poison) as the file name promises, and whole invocations over them land
//! as promised, against the in-memory store and sink. No I/O.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use aws_sdk_dynamodb::types::AttributeValue;
use consumer::event::{BatchRecord, read_event};
use consumer::item::{ARRIVAL_ATTRIBUTE, SEQUENCE_ATTRIBUTE};
use consumer::record::{Origin, Poison, to_item};
use consumer::{Consumer, MemorySink, MemoryStore};
use deadletter::Kind;
use serde_json::Value;
use serde_json::value::RawValue;

fn fixture(name: &str) -> String {
    let path = testkit::workspace_root().join("events").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn records(name: &str) -> Vec<BatchRecord> {
    read_event(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn verdicts(records: &[BatchRecord]) -> Vec<Result<(), &'static str>> {
    records
        .iter()
        .map(|record| match record {
            BatchRecord::Read(record) => to_item(&record.kinesis.data, &Origin::of(record))
                .map(|_| ())
                .map_err(|poison: Poison| poison.code()),
            BatchRecord::Unreadable(_) => Err("unreadable_record"),
        })
        .collect()
}

fn memory_consumer() -> Consumer<MemoryStore, MemorySink> {
    Consumer::new(MemoryStore::new(), MemorySink::new())
}

/// Invokes the consumer with `payload` as the Lambda runtime would, returning its JSON answer.
async fn invoke(consumer: &Consumer<MemoryStore, MemorySink>, payload: &str) -> Value {
    let payload = RawValue::from_string(payload.to_string()).expect("the payload is JSON");
    let response = consumer.handle(&payload).await.expect("handled");
    serde_json::to_value(response).expect("the response serializes")
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.into())
}

#[test]
fn valid_batch_converts_entirely() {
    let records = records("consumer-kinesis-valid.json");
    assert_eq!(records.len(), 3);
    assert_eq!(verdicts(&records), vec![Ok(()), Ok(()), Ok(())]);
}

#[test]
fn mixed_batch_has_the_promised_poison() {
    assert_eq!(
        verdicts(&records("consumer-kinesis-mixed.json")),
        vec![
            Ok(()),
            Err("not_json"),
            Err("not_an_object"),
            Err("bad_number"),
            Err("reserved_name"),
            Ok(()),
        ]
    );
}

#[test]
fn lenient_batch_is_read_entirely() {
    // aws_lambda_events alone refuses this event as a whole (a 7-digit fraction).
    let text = fixture("consumer-kinesis-lenient.json");
    assert!(serde_json::from_str::<aws_lambda_events::event::kinesis::KinesisEvent>(&text).is_err());
    let records = records("consumer-kinesis-lenient.json");
    assert_eq!(verdicts(&records), vec![Ok(()), Ok(())]);
}

#[tokio::test]
async fn every_sample_batch_answers_without_failures() {
    for (name, written, poison) in [
        ("consumer-kinesis-valid.json", 3, 0),
        ("consumer-kinesis-mixed.json", 2, 4),
        ("consumer-kinesis-lenient.json", 2, 0),
    ] {
        let consumer = memory_consumer();
        let answer = invoke(&consumer, &fixture(name)).await;
        assert_eq!(answer, serde_json::json!({"batchItemFailures": []}), "{name}");
        assert_eq!(consumer.store().items().len(), written, "{name}");
        assert_eq!(consumer.dead_letters().messages().len(), poison, "{name}");
    }
}

#[tokio::test]
async fn lenient_batch_writes_both_items_with_exact_arrival_times() {
    let consumer = memory_consumer();
    invoke(&consumer, &fixture("consumer-kinesis-lenient.json")).await;
    let items = consumer.store().items();
    assert_eq!(items.len(), 2);
    // 1764051234.1234567: written, the arrival truncated to milliseconds in the attribute.
    let pin = &items["pin-7529"];
    assert_eq!(pin[ARRIVAL_ATTRIBUTE], s("2025-11-25T06:13:54.123Z"));
    assert_eq!(pin["title"], s("Watercolour lighthouse at dawn"));
    assert_eq!(
        pin[SEQUENCE_ATTRIBUTE],
        s("05649590338271490256608559692538361571095921575989140000001")
    );
    // 1764051235.05 is 50 ms, not 5 ms.
    let geo = &items["geo-7529"];
    let arrival = geo[ARRIVAL_ATTRIBUTE].as_s().expect("S");
    assert!(arrival.ends_with(".050Z"), "{arrival}");
    assert_eq!(arrival, "2025-11-25T06:13:55.050Z");
    assert_eq!(geo["country"], s("Portugal"));
    assert!(consumer.dead_letters().messages().is_empty());
}

#[tokio::test]
async fn one_malformed_record_is_dead_lettered_and_the_others_are_written() {
    let mut event: Value = serde_json::from_str(&fixture("consumer-kinesis-valid.json")).expect("JSON");
    event["Records"][1]["kinesis"]["data"] = serde_json::json!(5);
    let malformed_sequence = event["Records"][1]["kinesis"]["sequenceNumber"]
        .as_str()
        .map(str::to_owned);
    // aws_lambda_events alone refuses the whole event for this one record.
    assert!(serde_json::from_value::<aws_lambda_events::event::kinesis::KinesisEvent>(event.clone()).is_err());

    let consumer = memory_consumer();
    let answer = invoke(&consumer, &event.to_string()).await;
    assert_eq!(answer, serde_json::json!({"batchItemFailures": []}));
    let items = consumer.store().items();
    let mut keys: Vec<&str> = items.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, vec!["pin-7528", "user-7528"]);
    let messages = consumer.dead_letters().poison();
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message.kind, Kind::Poison);
    assert_eq!(message.reason, "unreadable_record");
    assert!(malformed_sequence.is_some());
    assert_eq!(message.sequence_number, malformed_sequence);
    assert_eq!(message.partition_key.as_deref(), Some("geo-7528"));
    assert_eq!(message.shard_id.as_deref(), Some("shardId-000000000000"));
    assert_eq!(
        message.stream_arn.as_deref(),
        Some("arn:aws:kinesis:us-east-1:123456789012:stream/streamgate-events")
    );
    assert_eq!(
        message.approximate_arrival_timestamp.as_deref(),
        Some("2026-11-22T21:00:02.123Z")
    );
    assert!(!message.data_included);
}

#[tokio::test]
async fn an_event_without_records_fails_the_invocation_without_a_panic() {
    let consumer = memory_consumer();
    for payload in ["{}", r#"{"Records": 5}"#, "[]", "null"] {
        let payload = RawValue::from_string(payload.to_string()).expect("JSON");
        let error = consumer.handle(&payload).await.expect_err("not a Kinesis event");
        assert_eq!(error.code(), "unreadable_event");
    }
    assert!(consumer.store().items().is_empty());
}
