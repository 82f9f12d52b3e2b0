//! What a batch reports: the response to the mapping, the summary counts, and the EMF metrics
//! record with the age of the oldest record.

use std::time::SystemTime;

use emf::MetricRecord;

use super::*;
use crate::event::UnreadableRecord;
use crate::record::Poison;

#[test]
fn response_lists_exactly_the_failed_records() {
    let batch: Vec<BatchRecord> = (0..5).map(|n| valid("k", n)).collect();
    let outcomes = vec![
        Outcome::Written,
        Outcome::Failed(FailureReason::Timeout),
        Outcome::Stale,
        Outcome::Poison(Poison::NotUtf8),
        Outcome::Failed(FailureReason::NoOutcome),
    ];
    let listed = failed_ids(&response(&batch, &outcomes).unwrap());
    assert_eq!(listed, vec![sequence(1), sequence(4)]);
    let summary = summarize(&outcomes);
    assert_eq!(
        summary,
        Summary {
            records: 5,
            written: 1,
            stale: 1,
            poison: 1,
            failed: 2
        }
    );
    // A readable record with an empty sequence number cannot be named either.
    let empty = record("k", 9, b"{}");
    let BatchRecord::Read(mut empty) = empty else {
        unreachable!()
    };
    empty.kinesis.sequence_number.clear();
    assert_eq!(
        response(&[BatchRecord::Read(empty)], &[Outcome::Failed(FailureReason::Timeout)]),
        Err(UnreportableFailure { records: 1 })
    );
}

#[test]
fn batch_metrics_have_the_exact_schema() {
    let summary = Summary {
        records: 7,
        written: 3,
        stale: 1,
        poison: 2,
        failed: 1,
    };
    let record = batch_metrics(
        MetricRecord::new(emf::Namespace::default(), METRICS_SERVICE),
        &summary,
        Some(1500),
    );
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(42);
    let names = [
        "RecordsWritten",
        "RecordsStale",
        "RecordsPoison",
        "RecordsFailed",
        "BatchSize",
    ];
    let mut definitions: Vec<serde_json::Value> = names
        .iter()
        .map(|name| serde_json::json!({"Name": name, "Unit": "Count"}))
        .collect();
    definitions.push(serde_json::json!({"Name": "OldestRecordAgeMs", "Unit": "Milliseconds"}));
    assert_eq!(
        record.to_json(at),
        serde_json::json!({
            "_aws": {"Timestamp": 42, "CloudWatchMetrics": [{
                "Namespace": "streamgate", "Dimensions": [["service"]], "Metrics": definitions,
            }]},
            "service": "consumer",
            "RecordsWritten": 3, "RecordsStale": 1, "RecordsPoison": 2, "RecordsFailed": 1,
            "BatchSize": 7, "OldestRecordAgeMs": 1500,
        })
    );
    let empty = batch_metrics(
        MetricRecord::new(emf::Namespace::default(), METRICS_SERVICE),
        &Summary::default(),
        None,
    );
    assert_eq!(empty.value("BatchSize"), Some(0));
    assert_eq!(empty.value("OldestRecordAgeMs"), None, "no arrival time, no age");
}

#[test]
fn oldest_record_age_is_measured_from_the_earliest_arrival() {
    let arrival = |record: &BatchRecord| SystemTime::from(record.arrival().unwrap());
    let (first, second) = (valid("a", 1), valid("b", 2));
    let mut earlier = valid("c", 3);
    if let BatchRecord::Read(record) = &mut earlier {
        record.kinesis.approximate_arrival_timestamp.0 -= chrono::Duration::milliseconds(250);
    }
    let now = arrival(&first) + std::time::Duration::from_millis(1000);
    let batch = [first, earlier, second];
    assert_eq!(oldest_record_age_ms(&batch, now), Some(1250));
    // Unreadable records count when their arrival was recovered.
    let recovered = BatchRecord::Unreadable(UnreadableRecord {
        arrival: Some(Utc.timestamp_millis_opt(1_795_381_199_000).unwrap()),
        ..UnreadableRecord::default()
    });
    assert_eq!(oldest_record_age_ms(&[batch[0].clone(), recovered], now), Some(2000));
    assert_eq!(oldest_record_age_ms(&[], now), None);
    assert_eq!(
        oldest_record_age_ms(&[BatchRecord::Unreadable(UnreadableRecord::default())], now),
        None
    );
    let before_arrival = arrival(&batch[0]) - std::time::Duration::from_millis(5000);
    assert_eq!(oldest_record_age_ms(&batch[..1], before_arrival), Some(0), "clock skew");
}
