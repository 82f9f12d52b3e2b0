//! The messages' JSON: the shapes already in users' queues read, what the consumer writes is
//! byte for byte what it wrote before this crate existed, and every message survives a round trip.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use deadletter::{BatchPointer, DeadLetter, Kind, KinesisBatchInfo, PoisonMessage, RequestContext, ResponseContext};
use serde_json::{Value, json};

/// A batch pointer as the local stage's mapping (and AWS) writes it.
const POINTER: &str = r#"{"requestContext":{"requestId":"r","functionArn":"f","condition":"RetryAttemptsExhausted","approximateInvokeCount":3},
    "responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},"version":"1.0","timestamp":"2026-11-25T10:00:00.000Z",
    "KinesisBatchInfo":{"shardId":"shardId-000000000000","startSequenceNumber":"10","endSequenceNumber":"19","approximateArrivalOfFirstRecord":"2026-11-25T09:59:00.000Z",
    "approximateArrivalOfLastRecord":"2026-11-25T09:59:01.000Z","batchSize":10,"streamArn":"arn:aws:kinesis:us-east-1:1:stream/s"}}"#;

/// A poison message without some members (as `streamgate dlq`'s tests have always written them).
const SHORT_POISON: &str = r#"{"kind":"poison","reason":"not_json","detail":"d","streamArn":"a","shardId":"shardId-000000000000","sequenceNumber":"7","partitionKey":"k","dataIncluded":true,"data":"eA=="}"#;

/// A poison message exactly as the consumer writes it (its test record, `b"not json"`).
const POISON: &str = r#"{"approximateArrivalTimestamp":"2026-11-22T21:00:00.050Z","data":"bm90IGpzb24=","dataBytes":8,"dataIncluded":true,"detail":"record data is JSON but not an object","kind":"poison","partitionKey":"evt-9","reason":"not_an_object","sequenceNumber":"4959","shardId":"shardId-000000000003","streamArn":"arn:aws:kinesis:us-east-1:123456789012:stream/s"}"#;

/// An unreadable record's message exactly as the consumer writes it: `null` for what could not be
/// recovered, and why there is no data.
const UNREADABLE: &str = r#"{"approximateArrivalTimestamp":null,"data":null,"dataBytes":null,"dataIncluded":false,"dataOmittedReason":"record data could not be read from the event; read it from the stream by shardId and sequenceNumber","detail":"the record could not be read from the event: not a Kinesis record: invalid type","kind":"poison","partitionKey":"evt-2","reason":"unreadable_record","sequenceNumber":null,"shardId":null,"streamArn":null}"#;

fn poison() -> PoisonMessage {
    PoisonMessage {
        approximate_arrival_timestamp: Some("2026-11-22T21:00:00.050Z".into()),
        data: Some("bm90IGpzb24=".into()),
        data_bytes: Some(8),
        data_included: true,
        data_omitted_reason: None,
        detail: "record data is JSON but not an object".into(),
        kind: Kind::Poison,
        partition_key: Some("evt-9".into()),
        reason: "not_an_object".into(),
        sequence_number: Some("4959".into()),
        shard_id: Some("shardId-000000000003".into()),
        stream_arn: Some("arn:aws:kinesis:us-east-1:123456789012:stream/s".into()),
    }
}

fn unreadable() -> PoisonMessage {
    PoisonMessage {
        data_omitted_reason: Some(
            "record data could not be read from the event; read it from the stream by shardId and sequenceNumber"
                .into(),
        ),
        detail: "the record could not be read from the event: not a Kinesis record: invalid type".into(),
        partition_key: Some("evt-2".into()),
        reason: "unreadable_record".into(),
        ..PoisonMessage::default()
    }
}

#[test]
fn the_consumer_writes_the_bytes_it_always_wrote() {
    assert_eq!(poison().to_json(), POISON);
    assert_eq!(unreadable().to_json(), UNREADABLE);
    // The same members as the consumer's `json!` map before this type: serde_json sorts a map's
    // keys, so the text is identical, not only equivalent.
    let before = json!({
        "kind": "poison",
        "reason": "not_an_object",
        "detail": "record data is JSON but not an object",
        "streamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/s",
        "shardId": "shardId-000000000003",
        "sequenceNumber": "4959",
        "partitionKey": "evt-9",
        "approximateArrivalTimestamp": "2026-11-22T21:00:00.050Z",
        "dataBytes": 8,
        "dataIncluded": true,
        "data": "bm90IGpzb24=",
    });
    assert_eq!(poison().to_json(), before.to_string());
    let mut too_large = before;
    too_large["dataIncluded"] = json!(false);
    too_large["data"] = json!(null);
    too_large["dataOmittedReason"] = json!("too large");
    let omitted = PoisonMessage {
        data_included: false,
        data: None,
        data_omitted_reason: Some("too large".into()),
        ..poison()
    };
    assert_eq!(omitted.to_json(), too_large.to_string());
}

#[test]
fn todays_messages_read() {
    let Some(DeadLetter::Poison(message)) = DeadLetter::parse(POISON) else {
        panic!("a poison message: {POISON}");
    };
    assert_eq!(message, poison());
    let Some(DeadLetter::Poison(message)) = DeadLetter::parse(UNREADABLE) else {
        panic!("a poison message: {UNREADABLE}");
    };
    assert_eq!(message, unreadable());
    let Some(DeadLetter::Poison(short)) = DeadLetter::parse(SHORT_POISON) else {
        panic!("a poison message: {SHORT_POISON}");
    };
    assert_eq!(short.reason, "not_json");
    assert_eq!(short.sequence_number.as_deref(), Some("7"));
    assert_eq!(short.data_bytes, None);

    let Some(DeadLetter::Batch(pointer)) = DeadLetter::parse(POINTER) else {
        panic!("a batch pointer: {POINTER}");
    };
    assert_eq!(
        pointer,
        BatchPointer {
            request_context: RequestContext {
                request_id: "r".into(),
                function_arn: "f".into(),
                condition: "RetryAttemptsExhausted".into(),
                approximate_invoke_count: 3,
            },
            response_context: ResponseContext {
                status_code: 200,
                executed_version: "$LATEST".into(),
                function_error: Some("Unhandled".into()),
            },
            version: "1.0".into(),
            timestamp: "2026-11-25T10:00:00.000Z".into(),
            batch: KinesisBatchInfo {
                shard_id: "shardId-000000000000".into(),
                start_sequence_number: "10".into(),
                end_sequence_number: "19".into(),
                approximate_arrival_of_first_record: Some("2026-11-25T09:59:00.000Z".into()),
                approximate_arrival_of_last_record: Some("2026-11-25T09:59:01.000Z".into()),
                batch_size: 10,
                stream_arn: "arn:aws:kinesis:us-east-1:1:stream/s".into(),
            },
        }
    );
}

#[test]
fn other_messages_are_of_no_known_kind() {
    for body in [
        "not json",
        "{}",
        r#"{"KinesisBatchInfo":{}}"#,
        r#"{"kind":"other","reason":"not_json"}"#,
        r#"{"kind":"poison","shardId":7}"#,
    ] {
        assert_eq!(DeadLetter::parse(body), None, "{body}");
    }
}

#[test]
fn every_message_survives_a_round_trip() {
    let pointer = match DeadLetter::parse(POINTER) {
        Some(letter) => letter,
        None => panic!("a batch pointer"),
    };
    let without_error = DeadLetter::Batch(BatchPointer {
        response_context: ResponseContext::default(),
        ..BatchPointer::default()
    });
    for letter in [
        DeadLetter::Poison(poison()),
        DeadLetter::Poison(unreadable()),
        DeadLetter::Poison(PoisonMessage::default()),
        pointer,
        without_error,
    ] {
        let text = serde_json::to_string(&letter).unwrap();
        assert_eq!(DeadLetter::parse(&text), Some(letter), "{text}");
    }
    // On the wire a letter is its message as it is, no wrapper around it.
    let text = serde_json::to_string(&DeadLetter::Poison(poison())).unwrap();
    assert_eq!(text, POISON);
    let value: Value = serde_json::from_str(&serde_json::to_string(&DeadLetter::parse(POINTER)).unwrap()).unwrap();
    assert_eq!(value["KinesisBatchInfo"]["batchSize"], 10);
    assert!(value["responseContext"].get("functionError").is_some());
}

#[test]
fn duplicates_share_a_key() {
    let key = |body: &str| DeadLetter::parse(body).map(|letter| letter.key());
    assert_eq!(key(POINTER).as_deref(), Some("batch:shardId-000000000000:10:19"));
    assert_eq!(key(SHORT_POISON).as_deref(), Some("poison:shardId-000000000000:7"));
    assert_eq!(key(UNREADABLE).as_deref(), Some("poison:-:-"));
}
