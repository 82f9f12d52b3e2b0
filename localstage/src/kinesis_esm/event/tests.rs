//! Tests of the Kinesis event and the on-failure record the mapping sends.

use super::*;
use aws_lambda_events::event::kinesis::KinesisEvent;
use aws_sdk_kinesis::primitives::{Blob, DateTime as SmithyTime};

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
    assert_eq!(r["requestContext"]["condition"], "RetryAttemptsExhausted");
    assert_eq!(r["requestContext"]["approximateInvokeCount"], 3);
    assert_eq!(r["requestContext"]["functionArn"], "arn:f");
    let request_id = r["requestContext"]["requestId"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(request_id).is_ok(), "{request_id}");
    assert_eq!(r["responseContext"]["functionError"], "Unhandled");
    assert_eq!(r["version"], "1.0");
    let info = &r["KinesisBatchInfo"];
    assert_eq!(info["startSequenceNumber"], "10");
    assert_eq!(info["endSequenceNumber"], "11");
    assert_eq!(info["batchSize"], 2);
    assert_eq!(info["streamArn"], "arn:s");
    assert_eq!(info["approximateArrivalOfFirstRecord"], "2026-11-22T21:00:00.000Z");
    let partial = on_failure_record("arn:f", Condition::RecordAgeExceeded, 1, None, &source(), &batch);
    assert!(partial["responseContext"].get("functionError").is_none());
    assert_eq!(partial["requestContext"]["condition"], "RecordAgeExceeded");
}
