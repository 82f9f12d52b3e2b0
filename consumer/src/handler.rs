//! One batch: read every record on its own, check it, collapse each key to its newest record, read
//! what is stored, write only what is newer (building the items a window at a time), dead-letter
//! the poison, and report the transient failures. One log line and one EMF metrics record per batch.
//!
//! [`Consumer::handle`] answers the mapping; [`Consumer::process`] runs the batch's phases (in
//! `process`, keeping its books in `books`). What a batch reports is in `outcome` (each record's
//! fate and the counts), `response` (`batchItemFailures`), `metrics` (the EMF record) and `error`
//! (why a whole invocation fails).

mod books;
mod error;
mod metrics;
mod outcome;
mod process;
mod response;

#[cfg(test)]
mod tests;

use std::time::{Instant, SystemTime};

use aws_lambda_events::event::streams::KinesisEventResponse;
use emf::Metrics;
use serde_json::value::RawValue;

use crate::dlq::{DeadLetterSink, DeadLetters};
use crate::event::read_event;
use crate::store::{ItemStore, Store, WRITE_CHUNK};

pub use error::{HandleError, UnreportableFailure};
pub use metrics::{METRICS_SERVICE, batch_metrics, oldest_record_age_ms};
pub use outcome::{Outcome, Summary, summarize};
pub use response::response;

/// Records whose items are built and handed to the store at once, by default: 10 BatchWriteItem
/// requests, about 1.3 MB of 1 KiB records' items. Small enough that the allocator reuses the
/// memory from window to window (a 5 MB window was freed to the OS and faulted in again each
/// batch: 1,000-record batches took 1.7x longer per record than 100-record ones).
pub const WRITE_WINDOW: usize = 250;

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
        self.write_window = WRITE_WINDOW.max(requests.saturating_mul(WRITE_CHUNK));
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
}
