//! The poison message's members, its data left out when too large, its detail shortened to fit
//! the smallest queue, and today's exact bytes.

use super::*;
use aws_lambda_events::event::kinesis::KinesisEventRecord;
use chrono::{TimeZone, Utc};
use serde_json::Value;

use crate::dlq::{MAX_MESSAGE_BYTES, MIN_MESSAGE_BYTES};
use crate::event::UnreadableRecord;

fn record(data: Vec<u8>) -> BatchRecord {
    let mut record = KinesisEventRecord::default();
    record.event_id = Some("shardId-000000000003:4959".into());
    record.event_source_arn = Some("arn:aws:kinesis:us-east-1:123456789012:stream/s".into());
    record.kinesis.partition_key = "evt-9".into();
    record.kinesis.sequence_number = "4959".into();
    record.kinesis.data.0 = data;
    record.kinesis.approximate_arrival_timestamp.0 = Utc.timestamp_millis_opt(1_795_381_200_050).unwrap();
    BatchRecord::Read(record)
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn message_carries_pointer_reason_and_data() {
    let message = parse(&poison_message(
        &record(b"not json".to_vec()),
        &Poison::NotAnObject,
        MAX_MESSAGE_BYTES,
    ));
    assert_eq!(message["kind"], "poison");
    assert_eq!(message["reason"], "not_an_object");
    assert_eq!(message["shardId"], "shardId-000000000003");
    assert_eq!(message["sequenceNumber"], "4959");
    assert_eq!(message["partitionKey"], "evt-9");
    assert_eq!(message["streamArn"], "arn:aws:kinesis:us-east-1:123456789012:stream/s");
    assert_eq!(message["approximateArrivalTimestamp"], "2026-11-22T21:00:00.050Z");
    assert_eq!(message["dataIncluded"], true);
    assert_eq!(message["data"], "bm90IGpzb24=");
    assert_eq!(message["dataBytes"], 8);
    assert!(message.get("dataOmittedReason").is_none());
}

#[test]
fn a_500_kib_record_keeps_its_data() {
    let data = vec![b'x'; 500 * 1024];
    let text = poison_message(
        &record(data.clone()),
        &Poison::NotJson { line: 1, column: 1 },
        MAX_MESSAGE_BYTES,
    );
    assert!(text.len() <= MAX_MESSAGE_BYTES);
    assert!(text.len() > 262_144, "over SQS's former 256 KiB");
    let message = parse(&text);
    assert_eq!(message["dataIncluded"], true);
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(message["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(decoded, data);
}

#[test]
fn data_over_the_limit_is_left_out_and_said_so() {
    // 800 KiB of data is over 1 MiB once base64-encoded.
    for (bytes, limit) in [
        (800 * 1024, MAX_MESSAGE_BYTES),
        (300_000, 262_144),
        (2_000, MIN_MESSAGE_BYTES),
    ] {
        let text = poison_message(&record(vec![b'x'; bytes]), &Poison::NotUtf8, limit);
        assert!(
            text.len() <= limit,
            "{bytes} bytes under a {limit} limit: {}",
            text.len()
        );
        let message = parse(&text);
        assert_eq!(message["dataIncluded"], false);
        assert_eq!(message["data"], Value::Null);
        assert_eq!(message["dataBytes"], bytes);
        assert_eq!(message["sequenceNumber"], "4959");
        assert!(
            message["dataOmittedReason"]
                .as_str()
                .unwrap()
                .contains("sequenceNumber")
        );
    }
}

#[test]
fn a_long_detail_is_shortened_to_fit_the_smallest_limit() {
    let poison = Poison::RejectedByDynamoDb("é".repeat(2_000));
    let text = poison_message(&record(b"{}".to_vec()), &poison, MIN_MESSAGE_BYTES);
    assert!(text.len() <= MIN_MESSAGE_BYTES, "{}", text.len());
    let message = parse(&text);
    assert_eq!(message["reason"], "rejected_by_dynamodb");
    assert!(message["detail"].as_str().unwrap().ends_with('…'));
    assert_eq!(message["sequenceNumber"], "4959");
}

#[test]
fn an_unreadable_record_says_what_is_missing() {
    let unreadable = BatchRecord::Unreadable(UnreadableRecord {
        detail: "not a Kinesis record: invalid type".into(),
        partition_key: Some("evt-2".into()),
        ..UnreadableRecord::default()
    });
    let poison = Poison::UnreadableRecord("not a Kinesis record: invalid type".into());
    let message = parse(&poison_message(&unreadable, &poison, MAX_MESSAGE_BYTES));
    assert_eq!(message["reason"], "unreadable_record");
    assert_eq!(message["partitionKey"], "evt-2");
    assert_eq!(message["sequenceNumber"], Value::Null);
    assert_eq!(message["shardId"], Value::Null);
    assert_eq!(message["approximateArrivalTimestamp"], Value::Null);
    assert_eq!(message["dataIncluded"], false);
    assert_eq!(message["dataBytes"], Value::Null);
    assert!(
        message["dataOmittedReason"]
            .as_str()
            .unwrap()
            .contains("could not be read")
    );
}

#[test]
fn the_message_is_byte_for_byte_what_the_consumer_always_wrote() {
    let text = poison_message(&record(b"not json".to_vec()), &Poison::NotAnObject, MAX_MESSAGE_BYTES);
    assert_eq!(
        text,
        r#"{"approximateArrivalTimestamp":"2026-11-22T21:00:00.050Z","data":"bm90IGpzb24=","dataBytes":8,"dataIncluded":true,"detail":"record data is JSON but not an object","kind":"poison","partitionKey":"evt-9","reason":"not_an_object","sequenceNumber":"4959","shardId":"shardId-000000000003","streamArn":"arn:aws:kinesis:us-east-1:123456789012:stream/s"}"#
    );
}
