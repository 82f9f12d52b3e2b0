//! One batch: read every record on its own, check it, collapse each key to its newest record, read
//! what is stored, write only what is newer (building the items a window at a time), dead-letter
//! the poison, and report the transient failures. One log line and one EMF metrics record per batch.

use std::collections::HashMap;
use std::time::{Instant, SystemTime};

use emf::{MetricRecord, Metrics};

use aws_lambda_events::event::kinesis::KinesisEventRecord;
use aws_lambda_events::event::streams::{KinesisBatchItemFailure, KinesisEventResponse};
use serde_json::value::RawValue;

use crate::dlq::{DeadLetterSink, DeadLetters, poison_message};
use crate::event::{BatchRecord, EventError, read_event};
use crate::failure::FailureReason;
use crate::ordering::{Candidate, is_newer, newest_per_key};
use crate::record::{Converter, Origin, Poison, UNKNOWN_SHARD};
use crate::store::{ItemStore, Store, WriteOutcome};

/// Records whose items are built and handed to the store at once, by default: 10 BatchWriteItem
/// requests, about 1.3 MB of 1 KiB records' items. Small enough that the allocator reuses the
/// memory from window to window (a 5 MB window was freed to the OS and faulted in again each
/// batch: 1,000-record batches took 1.7x longer per record than 100-record ones).
pub const WRITE_WINDOW: usize = 250;

/// What became of one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Stored as the item of its key.
    Written,
    /// Older than (or the same as) what is stored, or superseded by a newer record of the batch.
    Stale,
    /// Can never be stored; sent to the dead-letter queue.
    Poison(Poison),
    /// Not handled this time; reported in `batchItemFailures` for redelivery.
    Failed(FailureReason),
}

/// Counts for the batch summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records in the batch.
    pub records: usize,
    /// Items written.
    pub written: usize,
    /// Records older than what is stored, or superseded within the batch.
    pub stale: usize,
    /// Records sent to the dead-letter queue.
    pub poison: usize,
    /// Records reported for redelivery.
    pub failed: usize,
}

/// Failed records that `batchItemFailures` cannot name: they have no sequence number (an
/// unreadable record whose dead-letter send failed). Only failing the whole invocation gets them
/// redelivered; the rest of the batch is replayed too, which the conditional path makes harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{records} failed record(s) have no sequence number to report; the whole batch fails so that it is retried")]
pub struct UnreportableFailure {
    /// How many.
    pub records: usize,
}

/// Why an invocation fails as a whole (the mapping then retries and bisects the batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HandleError {
    /// The payload is not a Kinesis event at all.
    #[error(transparent)]
    Event(#[from] EventError),
    /// A failed record cannot be reported on its own.
    #[error(transparent)]
    Unreportable(#[from] UnreportableFailure),
}

impl HandleError {
    /// A stable code: the Lambda error type and the log field `reason`.
    pub fn code(&self) -> &'static str {
        match self {
            HandleError::Event(_) => "unreadable_event",
            HandleError::Unreportable(_) => "unreportable_failure",
        }
    }
}

impl From<HandleError> for lambda_runtime::Diagnostic {
    fn from(error: HandleError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: error.code().to_string(),
            error_message: error.to_string(),
        }
    }
}

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

/// The consumer of one execution environment: writes through an [`ItemStore`], dead-letters
/// through a [`DeadLetterSink`] (DynamoDB and SQS in production; in-memory ones with the `test-util`
/// feature).
#[derive(Debug, Clone)]
pub struct Consumer<S = Store, D = DeadLetters> {
    store: S,
    dead_letters: D,
    metrics: Metrics,
    write_window: usize,
}

impl<S: ItemStore, D: DeadLetterSink> Consumer<S, D> {
    /// A consumer writing to `store` and dead-lettering to `dead_letters`, writing no metrics.
    pub fn new(store: S, dead_letters: D) -> Self {
        Consumer {
            store,
            dead_letters,
            metrics: Metrics::disabled(METRICS_SERVICE),
            write_window: WRITE_WINDOW,
        }
    }

    /// Builds enough items at once to keep `requests` BatchWriteItem requests in flight (the
    /// store's concurrency), never fewer than [`WRITE_WINDOW`].
    pub fn with_requests_in_flight(mut self, requests: usize) -> Self {
        self.write_window = WRITE_WINDOW.max(requests.saturating_mul(crate::store::WRITE_CHUNK));
        self
    }

    /// Writes one EMF record per batch through `metrics` (stdout in the Lambda binary).
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// The item store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The dead-letter sink.
    pub fn dead_letters(&self) -> &D {
        &self.dead_letters
    }

    /// Handles one invocation's payload (the event, as raw JSON) and answers the event source
    /// mapping. Fails only when the payload is not a Kinesis event, or when a failed record has no
    /// sequence number to report; one unreadable record never fails the batch.
    ///
    /// Writes one metrics record per batch; none for a payload that is not a Kinesis event (there
    /// is no batch to describe, and Lambda's own `Errors` metric counts the failed invocation).
    pub async fn handle(&self, payload: &RawValue) -> Result<KinesisEventResponse, HandleError> {
        let started = Instant::now();
        let received = SystemTime::now();
        let records = read_event(payload.get()).inspect_err(|error| {
            tracing::error!(
                reason = "unreadable_event",
                line = error.line,
                column = error.column,
                "the event is not a Kinesis batch; the invocation fails"
            );
        })?;
        let outcomes = self.process(&records).await;
        let summary = summarize(&outcomes);
        tracing::info!(
            records = summary.records,
            written = summary.written,
            stale = summary.stale,
            poison = summary.poison,
            failed = summary.failed,
            duration_ms = started.elapsed().as_millis() as u64,
            "batch"
        );
        let age = oldest_record_age_ms(&records, received);
        self.metrics.emit(&batch_metrics(self.metrics.record(), &summary, age));
        response(&records, &outcomes).map_err(|error| {
            tracing::error!(
                reason = "unreportable_failure",
                records = error.records,
                "failed records without a sequence number; the invocation fails"
            );
            HandleError::from(error)
        })
    }

    /// The outcome of every record, in batch order.
    ///
    /// Every record is checked first without building its item (poison found, size known); items
    /// are built only for the records that are written, a window at a time ([`WRITE_WINDOW`] by
    /// default), so a batch's memory holds the records and one window of items, not an item per
    /// record.
    pub async fn process(&self, records: &[BatchRecord]) -> Vec<Outcome> {
        let mut outcomes: Vec<Option<Outcome>> = vec![None; records.len()];
        let mut poison: Vec<(usize, Poison)> = Vec::new();
        let mut converter = Converter::default();
        let mut candidates: Vec<Candidate<&KinesisEventRecord>> = Vec::with_capacity(records.len());
        for (index, record) in records.iter().enumerate() {
            let record = match record {
                BatchRecord::Read(record) => record,
                BatchRecord::Unreadable(unreadable) => {
                    poison.push((index, Poison::UnreadableRecord(unreadable.detail.clone())));
                    continue;
                }
            };
            match converter.check(&record.kinesis.data, &Origin::of(record)) {
                Ok(checked) => {
                    if checked.event_id_conflict {
                        tracing::warn!(
                            sequence_number = %record.kinesis.sequence_number,
                            "body eventId differs from the partition key; the partition key is used"
                        );
                    }
                    candidates.push(Candidate {
                        index,
                        key: record.kinesis.partition_key.clone(),
                        ordered_sequence: checked.ordered_sequence,
                        payload: record,
                    });
                }
                Err(reason) => poison.push((index, reason)),
            }
        }

        // The indexes below are the batch's own, handed to the store and the sink; `get_mut` still
        // keeps a faulty implementation from panicking the invocation (a gap becomes NoOutcome).
        let mut settle = |index: usize, outcome: Outcome| {
            if let Some(slot) = outcomes.get_mut(index) {
                *slot = Some(outcome);
            }
        };
        let (newest, superseded) = newest_per_key(candidates);
        for index in superseded {
            settle(index, Outcome::Stale);
        }
        let mut stored = self
            .store
            .stored_sequences(newest.iter().map(|c| c.key.clone()).collect())
            .await;
        let mut to_write = Vec::with_capacity(newest.len());
        for candidate in newest {
            match stored.remove(&candidate.key) {
                Some(Err(reason)) => settle(candidate.index, Outcome::Failed(reason)),
                Some(Ok(seq)) if !is_newer(seq.as_deref(), &candidate.ordered_sequence) => {
                    settle(candidate.index, Outcome::Stale)
                }
                Some(Ok(_)) => to_write.push(candidate),
                // Writing without knowing what is stored could regress the item: redeliver instead.
                None => settle(candidate.index, Outcome::Failed(FailureReason::NoOutcome)),
            }
        }
        for window in to_write.chunks(self.write_window) {
            let mut items = Vec::with_capacity(window.len());
            for candidate in window {
                let record = candidate.payload;
                match converter.to_item(&record.kinesis.data, &Origin::of(record)) {
                    Ok(converted) => items.push(Candidate {
                        index: candidate.index,
                        key: candidate.key.clone(),
                        ordered_sequence: converted.ordered_sequence,
                        payload: converted.item,
                    }),
                    // The same walk as the check: never poison now, but if it were, it is poison.
                    Err(reason) => poison.push((candidate.index, reason)),
                }
            }
            for (index, outcome) in self.store.write(items).await {
                match outcome {
                    WriteOutcome::Written => settle(index, Outcome::Written),
                    WriteOutcome::Stale => settle(index, Outcome::Stale),
                    WriteOutcome::Failed(reason) => settle(index, Outcome::Failed(reason)),
                    WriteOutcome::Poison(reason) => poison.push((index, reason)),
                }
            }
        }

        let max_bytes = self.dead_letters.max_message_bytes();
        let messages = poison
            .iter()
            .filter_map(|(index, reason)| Some((*index, poison_message(records.get(*index)?, reason, max_bytes))))
            .collect();
        let mut unsent: HashMap<usize, FailureReason> = self.dead_letters.send(messages).await.into_iter().collect();
        for (index, reason) in poison {
            match unsent.remove(&index) {
                // Never drop a record: if the dead-letter queue did not take it, redeliver it.
                Some(send_error) => settle(
                    index,
                    Outcome::Failed(FailureReason::DeadLetterSend(Box::new(send_error))),
                ),
                None => settle(index, Outcome::Poison(reason)),
            }
        }

        let outcomes: Vec<Outcome> = outcomes
            .into_iter()
            // Every record got an outcome above; a gap would be a bug, and is reported for
            // redelivery rather than counted as handled.
            .map(|outcome| outcome.unwrap_or(Outcome::Failed(FailureReason::NoOutcome)))
            .collect();
        for (record, outcome) in records.iter().zip(&outcomes) {
            let sequence_number = record.sequence_number().unwrap_or("unknown");
            let shard_id = record.shard_id().unwrap_or(UNKNOWN_SHARD);
            match outcome {
                Outcome::Poison(reason) => tracing::warn!(
                    sequence_number,
                    shard_id,
                    reason = reason.code(),
                    "poison record sent to the dead-letter queue"
                ),
                Outcome::Failed(reason) => tracing::warn!(
                    sequence_number,
                    shard_id,
                    reason = %reason,
                    "record failed; reported for redelivery"
                ),
                Outcome::Written | Outcome::Stale => {}
            }
        }
        outcomes
    }
}

/// The answer to the event source mapping: every failed record's sequence number. The mapping
/// checkpoints at the lowest and redelivers from there; the conditional path makes that harmless.
/// A failed record without a sequence number cannot be named: that fails the whole invocation.
pub fn response(records: &[BatchRecord], outcomes: &[Outcome]) -> Result<KinesisEventResponse, UnreportableFailure> {
    let mut response = KinesisEventResponse::default();
    let mut unreportable = 0;
    for (record, outcome) in records.iter().zip(outcomes) {
        if !matches!(outcome, Outcome::Failed(_)) {
            continue;
        }
        // An empty identifier would tell the mapping that the whole batch failed: say so plainly.
        match record.sequence_number().filter(|seq| !seq.is_empty()) {
            Some(sequence_number) => {
                let mut failure = KinesisBatchItemFailure::default();
                failure.item_identifier = Some(sequence_number.to_string());
                response.batch_item_failures.push(failure);
            }
            None => unreportable += 1,
        }
    }
    if unreportable > 0 {
        return Err(UnreportableFailure { records: unreportable });
    }
    Ok(response)
}

/// Counts outcomes.
pub fn summarize(outcomes: &[Outcome]) -> Summary {
    let mut summary = Summary {
        records: outcomes.len(),
        ..Summary::default()
    };
    for outcome in outcomes {
        match outcome {
            Outcome::Written => summary.written += 1,
            Outcome::Stale => summary.stale += 1,
            Outcome::Poison(_) => summary.poison += 1,
            Outcome::Failed(_) => summary.failed += 1,
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::kinesis::KinesisEventRecord;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    use crate::event::UnreadableRecord;
    use crate::memory::{MemorySink, MemoryStore};
    use crate::record::ordered_sequence;

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

    #[tokio::test]
    async fn a_batch_collapses_each_key_to_its_newest_record() {
        let consumer = consumer();
        let outcomes = consumer
            .process(&[valid("k", 3), valid("j", 1), valid("k", 5), valid("k", 4)])
            .await;
        assert_eq!(
            outcomes,
            vec![Outcome::Stale, Outcome::Written, Outcome::Written, Outcome::Stale]
        );
        assert_eq!(stored_version(&consumer, "k").as_deref(), Some("5"));
        assert_eq!(stored_version(&consumer, "j").as_deref(), Some("1"));
        assert_eq!(consumer.store().read_calls(), 1);
        assert_eq!(consumer.store().write_calls(), 1);
    }

    #[tokio::test]
    async fn only_records_newer_than_the_stored_item_are_written() {
        let consumer = consumer();
        consumer
            .store()
            .put_sequence("k", ordered_sequence(&sequence(500)).unwrap());
        let outcomes = consumer.process(&[valid("k", 400)]).await;
        assert_eq!(outcomes, vec![Outcome::Stale], "older than stored");
        let outcomes = consumer.process(&[valid("k", 500)]).await;
        assert_eq!(outcomes, vec![Outcome::Stale], "the stored record replayed");
        assert_eq!(stored_version(&consumer, "k"), None, "untouched so far");
        let outcomes = consumer.process(&[valid("k", 600)]).await;
        assert_eq!(outcomes, vec![Outcome::Written]);
        assert_eq!(stored_version(&consumer, "k").as_deref(), Some("600"));
        // The length prefix orders numerically: 1000 is newer than 600.
        assert_eq!(consumer.process(&[valid("k", 1000)]).await, vec![Outcome::Written]);
    }

    #[tokio::test]
    async fn a_key_whose_read_fails_is_failed_not_written() {
        let consumer = consumer();
        consumer.store().fail_reads("k", throttled());
        let outcomes = consumer.process(&[valid("k", 1), valid("j", 2)]).await;
        assert_eq!(outcomes, vec![Outcome::Failed(throttled()), Outcome::Written]);
        assert_eq!(stored_version(&consumer, "k"), None);
    }

    #[tokio::test]
    async fn a_transient_write_failure_is_reported_and_the_redelivery_lands() {
        let consumer = consumer();
        consumer.store().fail_writes("k", 1, FailureReason::UnprocessedItems);
        let batch = [valid("j", 1), valid("k", 2)];
        let outcomes = consumer.process(&batch).await;
        assert_eq!(
            outcomes,
            vec![Outcome::Written, Outcome::Failed(FailureReason::UnprocessedItems)]
        );
        assert_eq!(failed_ids(&response(&batch, &outcomes).unwrap()), vec![sequence(2)]);
        // Redelivered from the failed record on: it lands this time.
        assert_eq!(consumer.process(&batch[1..]).await, vec![Outcome::Written]);
        assert_eq!(stored_version(&consumer, "k").as_deref(), Some("2"));
    }

    #[tokio::test]
    async fn items_are_built_and_written_a_window_at_a_time() {
        let consumer = consumer();
        let records: Vec<_> = (0..2 * WRITE_WINDOW as u64 + 1)
            .map(|n| valid(&format!("k{n}"), n))
            .collect();
        let outcomes = consumer.process(&records).await;
        assert!(outcomes.iter().all(|o| *o == Outcome::Written), "{outcomes:?}");
        assert_eq!(consumer.store().write_calls(), 3);
        assert_eq!(consumer.store().items().len(), records.len());
        assert_eq!(stored_version(&consumer, "k500").as_deref(), Some("500"));

        // Windows keep the store's requests in flight busy: 64 requests of 25 items.
        let consumer = consumer_with(64);
        let records: Vec<_> = (0..1601).map(|n| valid(&format!("k{n}"), n)).collect();
        consumer.process(&records).await;
        assert_eq!(consumer.store().write_calls(), 2);
    }

    fn consumer_with(requests_in_flight: usize) -> Consumer<MemoryStore, MemorySink> {
        consumer().with_requests_in_flight(requests_in_flight)
    }

    #[tokio::test]
    async fn poison_goes_to_the_sink_with_its_reason() {
        let consumer = consumer();
        consumer.store().reject("rejected");
        let batch = [
            valid("a", 1),
            record("b", 2, b"not json"),
            valid("rejected", 3),
            record("c", 4, br#"{"_sg_seq":"1"}"#),
        ];
        let outcomes = consumer.process(&batch).await;
        assert_eq!(outcomes[0], Outcome::Written);
        assert!(matches!(outcomes[1], Outcome::Poison(Poison::NotJson { .. })));
        assert!(matches!(outcomes[2], Outcome::Poison(Poison::RejectedByDynamoDb(_))));
        assert_eq!(outcomes[3], Outcome::Poison(Poison::ReservedName));
        let reasons: BTreeMap<String, String> = consumer
            .dead_letters()
            .json()
            .iter()
            .map(|m| {
                (
                    m["sequenceNumber"].as_str().unwrap().into(),
                    m["reason"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(
            reasons,
            BTreeMap::from([
                (sequence(2), "not_json".to_string()),
                (sequence(3), "rejected_by_dynamodb".to_string()),
                (sequence(4), "reserved_name".to_string()),
            ])
        );
        assert!(response(&batch, &outcomes).unwrap().batch_item_failures.is_empty());
    }

    #[tokio::test]
    async fn a_failed_dead_letter_send_is_reported_never_dropped() {
        let consumer = consumer();
        let outage = FailureReason::Service {
            code: "InternalError".into(),
        };
        consumer.dead_letters().fail_sequence(sequence(2), outage.clone());
        let batch = [record("a", 1, b"[1]"), record("b", 2, b"[2]"), valid("c", 3)];
        let outcomes = consumer.process(&batch).await;
        assert_eq!(outcomes[0], Outcome::Poison(Poison::NotAnObject));
        let send_failed = Outcome::Failed(FailureReason::DeadLetterSend(Box::new(outage)));
        assert_eq!(outcomes[1], send_failed);
        assert_eq!(outcomes[2], Outcome::Written);
        assert_eq!(failed_ids(&response(&batch, &outcomes).unwrap()), vec![sequence(2)]);
        assert_eq!(consumer.dead_letters().messages().len(), 1);

        // The queue recovers: the redelivered record is dead-lettered this time.
        consumer.dead_letters().clear_faults();
        assert_eq!(
            consumer.process(&batch[1..]).await[0],
            Outcome::Poison(Poison::NotAnObject)
        );
        assert_eq!(consumer.dead_letters().messages().len(), 2);
    }

    #[tokio::test]
    async fn an_unreadable_record_is_poison_and_without_a_sequence_number_fails_the_invocation() {
        let consumer = consumer();
        let unreadable = |sequence_number: Option<String>| {
            BatchRecord::Unreadable(UnreadableRecord {
                detail: "not a Kinesis record".into(),
                sequence_number,
                ..UnreadableRecord::default()
            })
        };
        let batch = [valid("a", 1), unreadable(Some(sequence(2))), unreadable(None)];
        let outcomes = consumer.process(&batch).await;
        assert_eq!(outcomes[0], Outcome::Written);
        for outcome in &outcomes[1..] {
            assert_eq!(
                outcome,
                &Outcome::Poison(Poison::UnreadableRecord("not a Kinesis record".into()))
            );
        }
        let messages = consumer.dead_letters().json();
        assert_eq!(
            messages.len(),
            2,
            "both dead-lettered, with or without a sequence number"
        );
        assert!(messages.iter().all(|m| m["reason"] == "unreadable_record"));

        // The queue is down: the one with a sequence number is reported, the other cannot be.
        consumer.dead_letters().fail_all(FailureReason::Timeout);
        let outcomes = consumer.process(&batch).await;
        assert!(matches!(outcomes[1], Outcome::Failed(FailureReason::DeadLetterSend(_))));
        assert!(matches!(outcomes[2], Outcome::Failed(FailureReason::DeadLetterSend(_))));
        assert_eq!(response(&batch, &outcomes), Err(UnreportableFailure { records: 1 }));
        assert_eq!(
            response(&batch[..2], &outcomes[..2]).map(|r| failed_ids(&r)),
            Ok(vec![sequence(2)])
        );
    }

    #[tokio::test]
    async fn a_poison_record_over_the_queue_limit_is_sent_without_its_data() {
        let consumer = Consumer::new(MemoryStore::new(), MemorySink::with_max_message_bytes(4096));
        let outcomes = consumer.process(&[record("big", 1, &[b'x'; 8192])]).await;
        assert!(matches!(outcomes[0], Outcome::Poison(Poison::NotJson { .. })));
        let messages = consumer.dead_letters().messages();
        assert_eq!(messages.len(), 1);
        assert!(messages[0].len() <= 4096);
        let message: serde_json::Value = serde_json::from_str(&messages[0]).unwrap();
        assert_eq!(message["dataIncluded"], false);
        assert_eq!(message["dataBytes"], 8192);
    }

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

    /// One record of a generated batch: its key, and whether its data is valid JSON.
    #[derive(Debug, Clone)]
    struct Spec {
        key: usize,
        poison: bool,
    }

    /// Faults for a generated batch, by key and by position.
    #[derive(Debug, Clone)]
    struct Faults {
        failing_reads: BTreeSet<usize>,
        failing_writes: BTreeSet<usize>,
        rejected: BTreeSet<usize>,
        failing_sends: BTreeSet<usize>,
        stored: BTreeMap<usize, u64>,
    }

    fn spec() -> impl Strategy<Value = Spec> {
        (0..6usize, proptest::bool::weighted(0.2)).prop_map(|(key, poison)| Spec { key, poison })
    }

    fn key_set() -> impl Strategy<Value = BTreeSet<usize>> {
        proptest::collection::btree_set(0..6usize, 0..3)
    }

    fn faults() -> impl Strategy<Value = Faults> {
        (
            key_set(),
            key_set(),
            key_set(),
            proptest::collection::btree_set(0..40usize, 0..4),
            proptest::collection::btree_map(0..6usize, 0..80u64, 0..4),
        )
            .prop_map(
                |(failing_reads, failing_writes, rejected, failing_sends, stored)| Faults {
                    failing_reads,
                    failing_writes,
                    rejected,
                    failing_sends,
                    stored,
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Whatever fails, every record gets exactly one outcome, the response names exactly the
        /// failed ones, poison reaches the sink exactly when it is counted as poison, and no item
        /// goes back to an older version.
        #[test]
        fn every_record_gets_exactly_one_outcome(
            specs in proptest::collection::vec(spec(), 0..40),
            faults in faults(),
        ) {
            one_outcome_each(&specs, &faults)?;
        }
    }

    fn one_outcome_each(specs: &[Spec], faults: &Faults) -> Result<(), TestCaseError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let consumer = consumer();
        let key = |k: usize| format!("key-{k}");
        for (k, n) in &faults.stored {
            consumer
                .store()
                .put_sequence(key(*k), ordered_sequence(&sequence(*n)).unwrap());
        }
        for k in &faults.failing_reads {
            consumer.store().fail_reads(key(*k), FailureReason::Timeout);
        }
        for k in &faults.failing_writes {
            consumer
                .store()
                .fail_writes(key(*k), 1, FailureReason::UnprocessedItems);
        }
        for k in &faults.rejected {
            consumer.store().reject(key(*k));
        }
        for position in &faults.failing_sends {
            consumer
                .dead_letters()
                .fail_sequence(sequence(*position as u64 + 10), FailureReason::Dispatch);
        }
        let before = consumer.store().items();
        let batch: Vec<BatchRecord> = specs
            .iter()
            .enumerate()
            .map(|(position, spec)| {
                let n = position as u64 + 10;
                if spec.poison {
                    record(&key(spec.key), n, b"not json")
                } else {
                    valid(&key(spec.key), n)
                }
            })
            .collect();

        let outcomes = runtime.block_on(consumer.process(&batch));
        prop_assert_eq!(outcomes.len(), batch.len());
        prop_assert!(!outcomes.contains(&Outcome::Failed(FailureReason::NoOutcome)));

        let failed: Vec<String> = batch
            .iter()
            .zip(&outcomes)
            .filter(|(_, outcome)| matches!(outcome, Outcome::Failed(_)))
            .map(|(record, _)| record.sequence_number().unwrap().to_string())
            .collect();
        prop_assert_eq!(failed_ids(&response(&batch, &outcomes).unwrap()), failed);

        let dead: BTreeSet<String> = consumer
            .dead_letters()
            .json()
            .iter()
            .map(|m| m["sequenceNumber"].as_str().unwrap().to_string())
            .collect();
        prop_assert_eq!(
            consumer.dead_letters().messages().len(),
            dead.len(),
            "one message per poison record"
        );
        let poison: BTreeSet<String> = batch
            .iter()
            .zip(&outcomes)
            .filter(|(_, outcome)| matches!(outcome, Outcome::Poison(_)))
            .map(|(record, _)| record.sequence_number().unwrap().to_string())
            .collect();
        prop_assert_eq!(dead, poison);

        let items = consumer.store().items();
        for (record, outcome) in batch.iter().zip(&outcomes) {
            let stored = items
                .get(record.partition_key().unwrap())
                .and_then(|item| item[crate::record::SEQUENCE_ATTRIBUTE].as_s().ok().cloned());
            let own = ordered_sequence(record.sequence_number().unwrap()).unwrap();
            if *outcome == Outcome::Written {
                prop_assert_eq!(stored, Some(own));
            } else if *outcome == Outcome::Stale {
                // Stale: what is stored is as new, or a newer record of the key is in the batch.
                let superseded = batch.iter().any(|other| {
                    other.partition_key() == record.partition_key()
                        && other.sequence_number() > record.sequence_number()
                });
                let not_newer = stored.is_some_and(|stored| stored >= own);
                prop_assert!(not_newer || superseded);
            }
        }
        for (key, item) in &before {
            let old = item[crate::record::SEQUENCE_ATTRIBUTE].as_s().unwrap();
            let new = items[key][crate::record::SEQUENCE_ATTRIBUTE].as_s().unwrap();
            prop_assert!(new >= old, "{} went back from {} to {}", key, old, new);
        }
        Ok(())
    }
}
