//! The event source mapping's decisions, pure: how many records the next batch takes, what an
//! invocation's outcome means under the mapping's settings and the attempts so far, and how a
//! bisected batch is split.

use std::collections::VecDeque;

use aws_lambda_events::event::streams::KinesisEventResponse;

use crate::template::MappingSpec;

/// Lambda's limit on a synchronous invocation's payload, which caps a batch as well as `BatchSize`.
pub const MAX_EVENT_BYTES: usize = 6 * 1024 * 1024;
/// The bytes of the event around its records: `{"Records":[` and `]}`.
pub const EVENT_ENVELOPE_BYTES: usize = 14;

/// What an invocation answered, as the mapping reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Every record handled.
    Success,
    /// `batchItemFailures`: the position of the lowest failed record in the batch.
    PartialFailure(usize),
    /// The function failed (error, crash, timeout).
    FunctionError,
}

/// Why a batch goes to the on-failure destination (the record's `condition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// `MaximumRetryAttempts` ran out.
    RetryAttemptsExhausted,
    /// A record is older than `MaximumRecordAgeInSeconds`.
    RecordAgeExceeded,
}

impl Condition {
    /// The on-failure record's `condition`.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::RetryAttemptsExhausted => "RetryAttemptsExhausted",
            Condition::RecordAgeExceeded => "RecordAgeExceeded",
        }
    }
}

/// What the mapping does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The first `n` records of the batch are done: checkpoint after them.
    Done(usize),
    /// Deliver the same batch again (counts as a retry).
    Retry,
    /// Split the batch in two and deliver each half as its own batch (not a retry).
    Bisect,
    /// Send the on-failure record for the whole batch, then move past it.
    OnFailure(Condition),
}

/// The next step after an invocation of a batch of `len` records that was already retried
/// `attempts` times.
pub fn after(answer: Answer, len: usize, spec: &MappingSpec, attempts: u32) -> Step {
    let exhausted = spec.maximum_retry_attempts >= 0 && i64::from(attempts) >= spec.maximum_retry_attempts;
    let failed = if exhausted {
        Step::OnFailure(Condition::RetryAttemptsExhausted)
    } else {
        Step::Retry
    };
    match answer {
        Answer::Success => Step::Done(len),
        Answer::PartialFailure(0) => failed,
        // Checkpoint before the lowest failed record; redeliver from it.
        Answer::PartialFailure(lowest) => Step::Done(lowest.min(len)),
        Answer::FunctionError if spec.bisect_on_error && len > 1 => Step::Bisect,
        Answer::FunctionError => failed,
    }
}

/// Whether the oldest record of a batch has outlived `MaximumRecordAgeInSeconds` (-1: never).
pub fn expired(oldest_age_seconds: i64, spec: &MappingSpec) -> bool {
    spec.maximum_record_age_seconds >= 0 && oldest_age_seconds > spec.maximum_record_age_seconds
}

/// How many of the buffered records (given each one's size in the event) the next batch takes:
/// at most `batch_size`, and at most [`MAX_EVENT_BYTES`] of event, but always at least one.
pub fn batch_len(record_bytes: impl IntoIterator<Item = usize>, batch_size: usize) -> usize {
    let mut total = EVENT_ENVELOPE_BYTES;
    let mut taken = 0;
    for size in record_bytes.into_iter().take(batch_size) {
        // A comma between records.
        let added = size + usize::from(taken > 0);
        if taken > 0 && total + added > MAX_EVENT_BYTES {
            break;
        }
        total += added;
        taken += 1;
    }
    taken
}

/// The batches a bisection left to deliver, each on its own, at the head of the shard's buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segments(VecDeque<usize>);

impl Segments {
    /// The size of the next batch, when a bisection decided it.
    pub fn next(&self) -> Option<usize> {
        self.0.front().copied()
    }

    /// The batch of `len` records at the head is split: its first half goes first, then its second
    /// half as a batch of its own.
    pub fn bisect(&mut self, len: usize) {
        let first = len / 2;
        match self.0.front_mut() {
            Some(head) => *head = first,
            None => self.0.push_front(first),
        }
        // The other half of this batch comes right after the first.
        self.0.insert(1, len - first);
    }

    /// The first `done` records of the head batch are checkpointed.
    pub fn done(&mut self, done: usize) {
        if let Some(head) = self.0.front_mut() {
            if done >= *head {
                self.0.pop_front();
            } else {
                *head -= done;
            }
        }
    }
}

/// The position of the lowest failed record reported in `batchItemFailures`, or `None` when all
/// succeeded. An unknown, empty or null identifier means the whole batch failed (position 0), and so
/// does a non-empty `batchItemFailures` whose entries are not failures of the response's shape (an
/// identifier that is a number, say): a malformed report must not checkpoint records nobody
/// stored. A body without `batchItemFailures`, or not JSON, reports no failure.
pub fn lowest_failure<'a>(body: &[u8], sequence_numbers: impl Iterator<Item = &'a str> + Clone) -> Option<usize> {
    let response: KinesisEventResponse = match serde_json::from_slice(body) {
        Ok(response) => response,
        Err(_) => return malformed_failures(body).then_some(0),
    };
    response
        .batch_item_failures
        .iter()
        .map(|failure| {
            failure
                .item_identifier
                .as_deref()
                .filter(|id| !id.is_empty())
                .and_then(|id| sequence_numbers.clone().position(|seq| seq == id))
                .unwrap_or(0)
        })
        .min()
}

/// Whether a body that is not a `KinesisEventResponse` still reports failures: JSON whose
/// `batchItemFailures` is a non-empty list.
fn malformed_failures(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            value
                .get("batchItemFailures")?
                .as_array()
                .map(|failures| !failures.is_empty())
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests;
