//! The batch's bookkeeping against in-memory stores, by topic: `batches` (collapse, order, read and
//! write failures, windows), `poison` (the dead-letter path), `report` (the response and the
//! metrics) and `properties` (one outcome per record, whatever fails).

use aws_lambda_events::event::kinesis::KinesisEventRecord;
use aws_lambda_events::event::streams::KinesisEventResponse;
use chrono::{TimeZone, Utc};

use super::*;
use crate::event::BatchRecord;
use crate::failure::FailureReason;
use crate::memory::{MemorySink, MemoryStore};

mod batches;
mod poison;
mod properties;
mod report;

fn sequence(n: u64) -> String {
    format!("4959033827149025660855969253836157109592157598913{n:07}")
}

fn record(key: &str, n: u64, data: &[u8]) -> BatchRecord {
    let mut record = KinesisEventRecord::default();
    record.event_id = Some(format!("shardId-000000000001:{}", sequence(n)));
    record.event_source_arn = Some("arn:aws:kinesis:us-east-1:123456789012:stream/s".into());
    record.kinesis.partition_key = key.into();
    record.kinesis.sequence_number = sequence(n);
    record.kinesis.data.0 = data.to_vec();
    record.kinesis.approximate_arrival_timestamp.0 = Utc.timestamp_millis_opt(1_795_381_200_000).unwrap();
    BatchRecord::Read(record)
}

fn valid(key: &str, n: u64) -> BatchRecord {
    record(key, n, format!(r#"{{"version":{n}}}"#).as_bytes())
}

fn consumer() -> Consumer<MemoryStore, MemorySink> {
    Consumer::new(MemoryStore::new(), MemorySink::new())
}

fn throttled() -> FailureReason {
    FailureReason::Service {
        code: "ProvisionedThroughputExceededException".into(),
    }
}

fn stored_version(consumer: &Consumer<MemoryStore, MemorySink>, key: &str) -> Option<String> {
    let item = consumer.store().item(key)?;
    Some(item.get("version")?.as_n().ok()?.clone())
}

fn failed_ids(response: &KinesisEventResponse) -> Vec<String> {
    response
        .batch_item_failures
        .iter()
        .filter_map(|failure| failure.item_identifier.clone())
        .collect()
}

fn consumer_with(requests_in_flight: usize) -> Consumer<MemoryStore, MemorySink> {
    consumer().with_requests_in_flight(requests_in_flight)
}
