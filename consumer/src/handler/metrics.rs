//! The batch's EMF metrics record: what became of its records, its size, and how far behind the
//! stream the consumer is (the age of the batch's oldest record).

use std::time::SystemTime;

use emf::MetricRecord;

use super::outcome::Summary;
use crate::event::BatchRecord;

/// The service name of the consumer's metrics (the `service` dimension).
pub const METRICS_SERVICE: &str = "consumer";

/// The metrics of one batch: what became of its records (`RecordsWritten`, `RecordsStale`,
/// `RecordsPoison`, `RecordsFailed`), `BatchSize`, and `OldestRecordAgeMs` when any record has an
/// arrival time.
pub fn batch_metrics(record: MetricRecord, summary: &Summary, oldest_record_age_ms: Option<u64>) -> MetricRecord {
    let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    let record = record
        .count("RecordsWritten", count(summary.written))
        .count("RecordsStale", count(summary.stale))
        .count("RecordsPoison", count(summary.poison))
        .count("RecordsFailed", count(summary.failed))
        .count("BatchSize", count(summary.records));
    match oldest_record_age_ms {
        Some(age) => record.milliseconds("OldestRecordAgeMs", age),
        None => record,
    }
}

/// How long before `now` the oldest record of the batch arrived in the stream, in milliseconds
/// (`None` when no record has an arrival time; an arrival after `now`, clock skew, counts as 0).
pub fn oldest_record_age_ms(records: &[BatchRecord], now: SystemTime) -> Option<u64> {
    let oldest = records.iter().filter_map(BatchRecord::arrival).min()?;
    let age = now.duration_since(SystemTime::from(oldest)).unwrap_or_default();
    Some(u64::try_from(age.as_millis()).unwrap_or(u64::MAX))
}
