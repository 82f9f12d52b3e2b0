//! One batch: decode every record, collapse each key to its newest record, read what is stored,
//! write only what is newer, dead-letter the poison, and report the transient failures.

use std::collections::HashMap;
use std::time::Instant;

use aws_lambda_events::event::kinesis::{KinesisEvent, KinesisEventRecord};
use aws_lambda_events::event::streams::{KinesisBatchItemFailure, KinesisEventResponse};

use crate::dlq::{DeadLetters, poison_message, shard_id};
use crate::plan::{Candidate, is_newer, newest_per_key};
use crate::record::{Origin, Poison, to_item};
use crate::store::{Item, Store, WriteOutcome};

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
    Failed(String),
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

/// The consumer of one execution environment.
#[derive(Debug, Clone)]
pub struct Consumer {
    store: Store,
    dead_letters: DeadLetters,
}

impl Consumer {
    /// A consumer writing to `store` and dead-lettering to `dead_letters`.
    pub fn new(store: Store, dead_letters: DeadLetters) -> Self {
        Consumer { store, dead_letters }
    }

    /// Handles one batch and answers the event source mapping.
    pub async fn handle(&self, event: KinesisEvent) -> KinesisEventResponse {
        let started = Instant::now();
        let outcomes = self.process(&event.records).await;
        let response = response(&event.records, &outcomes);
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
        response
    }

    /// The outcome of every record, in batch order.
    pub async fn process(&self, records: &[KinesisEventRecord]) -> Vec<Outcome> {
        let mut outcomes: Vec<Option<Outcome>> = vec![None; records.len()];
        let mut poison: Vec<(usize, Poison)> = Vec::new();
        let mut candidates: Vec<Candidate<Item>> = Vec::with_capacity(records.len());
        for (index, record) in records.iter().enumerate() {
            let origin = Origin {
                partition_key: &record.kinesis.partition_key,
                sequence_number: &record.kinesis.sequence_number,
                shard_id: shard_id(record),
                arrival: record.kinesis.approximate_arrival_timestamp.0,
            };
            match to_item(&record.kinesis.data, &origin) {
                Ok(converted) => {
                    if converted.event_id_conflict {
                        tracing::warn!(
                            sequence_number = %record.kinesis.sequence_number,
                            "body eventId differs from the partition key; the partition key is used"
                        );
                    }
                    candidates.push(Candidate {
                        index,
                        key: record.kinesis.partition_key.clone(),
                        ordered_sequence: converted.ordered_sequence,
                        payload: converted.item,
                    });
                }
                Err(reason) => poison.push((index, reason)),
            }
        }

        let (newest, superseded) = newest_per_key(candidates);
        for index in superseded {
            outcomes[index] = Some(Outcome::Stale);
        }
        let stored = self
            .store
            .stored_sequences(newest.iter().map(|c| c.key.clone()).collect())
            .await;
        let mut to_write = Vec::with_capacity(newest.len());
        for candidate in newest {
            match stored.get(&candidate.key) {
                Some(Err(reason)) => outcomes[candidate.index] = Some(Outcome::Failed(reason.clone())),
                Some(Ok(seq)) if !is_newer(seq.as_deref(), &candidate.ordered_sequence) => {
                    outcomes[candidate.index] = Some(Outcome::Stale)
                }
                _ => to_write.push(candidate),
            }
        }
        for (index, outcome) in self.store.write(to_write).await {
            outcomes[index] = Some(match outcome {
                WriteOutcome::Written => Outcome::Written,
                WriteOutcome::Stale => Outcome::Stale,
                WriteOutcome::Failed(reason) => Outcome::Failed(reason),
                WriteOutcome::Poison(reason) => {
                    poison.push((index, reason));
                    continue;
                }
            });
        }

        let messages = poison
            .iter()
            .map(|(index, reason)| (*index, poison_message(&records[*index], reason)))
            .collect();
        let unsent: HashMap<usize, String> = self.dead_letters.send(messages).await.into_iter().collect();
        for (index, reason) in poison {
            outcomes[index] = Some(match unsent.get(&index) {
                // Never drop a record: if the dead-letter queue did not take it, redeliver it.
                Some(send_error) => Outcome::Failed(format!("dead_letter_send:{send_error}")),
                None => Outcome::Poison(reason),
            });
        }

        let outcomes: Vec<Outcome> = outcomes
            .into_iter()
            // Every record got an outcome above; a gap would be a bug, and is reported for
            // redelivery rather than counted as handled.
            .map(|outcome| outcome.unwrap_or_else(|| Outcome::Failed("no_outcome".into())))
            .collect();
        for (record, outcome) in records.iter().zip(&outcomes) {
            match outcome {
                Outcome::Poison(reason) => tracing::warn!(
                    sequence_number = %record.kinesis.sequence_number,
                    shard_id = shard_id(record),
                    reason = reason.code(),
                    "poison record sent to the dead-letter queue"
                ),
                Outcome::Failed(reason) => tracing::warn!(
                    sequence_number = %record.kinesis.sequence_number,
                    shard_id = shard_id(record),
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
pub fn response(records: &[KinesisEventRecord], outcomes: &[Outcome]) -> KinesisEventResponse {
    let mut response = KinesisEventResponse::default();
    response.batch_item_failures = records
        .iter()
        .zip(outcomes)
        .filter(|(_, outcome)| matches!(outcome, Outcome::Failed(_)))
        .map(|(record, _)| {
            let mut failure = KinesisBatchItemFailure::default();
            failure.item_identifier = Some(record.kinesis.sequence_number.clone());
            failure
        })
        .collect();
    response
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
