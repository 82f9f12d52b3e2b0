//! Tests of the Kinesis event and the on-failure record the mapping sends.

use super::*;
use aws_lambda_events::event::kinesis::KinesisEvent;
use aws_sdk_kinesis::primitives::{Blob, DateTime as SmithyTime};
use serde_json::json;

fn record(seq: &str) -> Record {
    Record::builder()
        .sequence_number(seq)
        .partition_key("k")
        .data(Blob::new(b"{}".to_vec()))
        .approximate_arrival_timestamp(SmithyTime::from_secs(1_795_381_200))
        .build()
        .unwrap()
}

fn source() -> Source {
    Source {
        shard_id: "shardId-0".into(),
        stream_arn: "arn:s".into(),
        function_name: "f".into(),
    }
}

#[test]
fn the_payload_is_a_kinesis_event() {
    let batch: Vec<Buffered> = ["10", "11"]
        .iter()
        .map(|s| Buffered::new(record(s), &source()))
        .collect();
    let bytes = payload(&batch);
    assert_eq!(
        bytes.len(),
        batch.iter().map(|b| b.json.len()).sum::<usize>() + 1 + super::super::step::EVENT_ENVELOPE_BYTES
    );
    let event: KinesisEvent = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(event.records.len(), 2);
    assert_eq!(event.records[1].kinesis.sequence_number, "11");
    assert_eq!(event.records[0].event_id.as_deref(), Some("shardId-0:10"));
    assert_eq!(event.records[0].kinesis.data.0, b"{}");
    let empty: Json = serde_json::from_slice(&payload(&[])).unwrap();
    assert_eq!(empty, json!({"Records": []}));
}

#[test]
fn on_failure_record_has_aws_shape() {
    let batch = vec![record("10"), record("11")];
    let r = on_failure_record(
        "arn:f",
        Condition::RetryAttemptsExhausted,
        3,
        Some(FunctionError::Unhandled),
        &source(),
        &batch,
    );
    let pointer: BatchPointer = serde_json::from_value(r.clone()).unwrap();
    assert_eq!(pointer.request_context.condition, "RetryAttemptsExhausted");
    assert_eq!(pointer.request_context.approximate_invoke_count, 3);
    assert_eq!(pointer.request_context.function_arn, "arn:f");
    let request_id = &pointer.request_context.request_id;
    assert!(uuid::Uuid::parse_str(request_id).is_ok(), "{request_id}");
    assert_eq!(pointer.response_context.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(pointer.version, "1.0");
    let info = &pointer.batch;
    assert_eq!(info.start_sequence_number, "10");
    assert_eq!(info.end_sequence_number, "11");
    assert_eq!(info.batch_size, 2);
    assert_eq!(info.stream_arn, "arn:s");
    assert_eq!(
        info.approximate_arrival_of_first_record.as_deref(),
        Some("2026-11-22T21:00:00.000Z")
    );
    let partial = on_failure_record("arn:f", Condition::RecordAgeExceeded, 1, None, &source(), &batch);
    // AWS leaves `functionError` out (not `null`) when the function returned failures.
    assert!(partial["responseContext"].get("functionError").is_none());
    let partial: BatchPointer = serde_json::from_value(partial).unwrap();
    assert_eq!(partial.request_context.condition, "RecordAgeExceeded");
}
