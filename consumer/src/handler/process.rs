//! [`Consumer::process`] as the phases of one batch, in order: check every record, collapse each key
//! to its newest record, read what is stored, write the newer ones a window at a time, dead-letter
//! the poison, and report each record that did not land. Each phase settles what it can in the
//! batch's books and hands the rest on.

use std::collections::HashMap;

use aws_lambda_events::event::kinesis::KinesisEventRecord;

use super::Consumer;
use super::books::Books;
use super::outcome::Outcome;
use crate::dlq::{DeadLetterSink, poison_message};
use crate::event::BatchRecord;
use crate::failure::FailureReason;
use crate::item::Item;
use crate::ordering::{Candidate, is_newer, newest_per_key};
use crate::record::{Converter, Origin, Poison, UNKNOWN_SHARD};
use crate::store::{ItemStore, WriteOutcome};

/// A record that can be stored: checked, its item not built yet.
type Storable<'r> = Candidate<&'r KinesisEventRecord>;

impl<S: ItemStore, D: DeadLetterSink> Consumer<S, D> {
    /// The outcome of every record, in batch order.
    ///
    /// Every record is checked first without building its item (poison found, size known); items
    /// are built only for the records that are written, a window at a time ([`WRITE_WINDOW`] by
    /// default), so a batch's memory holds the records and one window of items, not an item per
    /// record.
    ///
    /// [`WRITE_WINDOW`]: super::WRITE_WINDOW
    pub async fn process(&self, records: &[BatchRecord]) -> Vec<Outcome> {
        let mut books = Books::new(records.len());
        let mut converter = Converter::default();
        let candidates = check(records, &mut converter, &mut books);
        let newest = collapse(candidates, &mut books);
        let to_write = self.read_stored(newest, &mut books).await;
        self.write_windows(&to_write, &mut converter, &mut books).await;
        self.dead_letter(records, &mut books).await;
        let outcomes = books.close();
        report(records, &outcomes);
        outcomes
    }

    /// Reads what is stored for each key, and keeps the records newer than that: the rest are
    /// stale, or failed when their key could not be read.
    async fn read_stored<'r>(&self, newest: Vec<Storable<'r>>, books: &mut Books) -> Vec<Storable<'r>> {
        let mut stored = self
            .store
            .stored_sequences(newest.iter().map(|c| c.key.clone()).collect())
            .await;
        let mut to_write = Vec::with_capacity(newest.len());
        for candidate in newest {
            match stored.remove(&candidate.key) {
                Some(Err(reason)) => books.settle(candidate.index, Outcome::Failed(reason)),
                Some(Ok(seq)) if !is_newer(seq.as_deref(), &candidate.ordered_sequence) => {
                    books.settle(candidate.index, Outcome::Stale)
                }
                Some(Ok(_)) => to_write.push(candidate),
                // Writing without knowing what is stored could regress the item: redeliver instead.
                None => books.settle(candidate.index, Outcome::Failed(FailureReason::NoOutcome)),
            }
        }
        to_write
    }

    /// Builds the items of `to_write` and hands them to the store, a window at a time.
    async fn write_windows(&self, to_write: &[Storable<'_>], converter: &mut Converter, books: &mut Books) {
        for window in to_write.chunks(self.write_window) {
            let items = build_items(window, converter, books);
            for (index, outcome) in self.store.write(items).await {
                match outcome {
                    WriteOutcome::Written => books.settle(index, Outcome::Written),
                    WriteOutcome::Stale => books.settle(index, Outcome::Stale),
                    WriteOutcome::Failed(reason) => books.settle(index, Outcome::Failed(reason)),
                    WriteOutcome::Poison(reason) => books.poison(index, reason),
                }
            }
        }
    }

    /// Sends every poison record to the dead-letter queue. One the queue did not take is failed
    /// instead, so that it is redelivered.
    async fn dead_letter(&self, records: &[BatchRecord], books: &mut Books) {
        let poison = books.take_poison();
        let max_bytes = self.dead_letters.max_message_bytes();
        let messages = poison
            .iter()
            .filter_map(|(index, reason)| Some((*index, poison_message(records.get(*index)?, reason, max_bytes))))
            .collect();
        let mut unsent: HashMap<usize, FailureReason> = self.dead_letters.send(messages).await.into_iter().collect();
        for (index, reason) in poison {
            match unsent.remove(&index) {
                // Never drop a record: if the dead-letter queue did not take it, redeliver it.
                Some(send_error) => books.settle(
                    index,
                    Outcome::Failed(FailureReason::DeadLetterSend(Box::new(send_error))),
                ),
                None => books.settle(index, Outcome::Poison(reason)),
            }
        }
    }
}

/// Checks every record without building its item: the unreadable and the poison are noted as
/// poison, the rest become the candidates for writing.
fn check<'r>(records: &'r [BatchRecord], converter: &mut Converter, books: &mut Books) -> Vec<Storable<'r>> {
    let mut candidates: Vec<Storable<'r>> = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        let record = match record {
            BatchRecord::Read(record) => record,
            BatchRecord::Unreadable(unreadable) => {
                books.poison(index, Poison::UnreadableRecord(unreadable.detail.clone()));
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
            Err(reason) => books.poison(index, reason),
        }
    }
    candidates
}

/// Keeps each key's newest candidate; the older ones of the batch are stale.
fn collapse<'r>(candidates: Vec<Storable<'r>>, books: &mut Books) -> Vec<Storable<'r>> {
    let (newest, superseded) = newest_per_key(candidates);
    for index in superseded {
        books.settle(index, Outcome::Stale);
    }
    newest
}

/// The items of one window of records to write.
fn build_items(window: &[Storable<'_>], converter: &mut Converter, books: &mut Books) -> Vec<Candidate<Item>> {
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
            Err(reason) => books.poison(candidate.index, reason),
        }
    }
    items
}

/// Logs each record that was dead-lettered or failed, with its reason (the batch's counts are
/// [`Consumer::handle`]'s summary line).
fn report(records: &[BatchRecord], outcomes: &[Outcome]) {
    for (record, outcome) in records.iter().zip(outcomes) {
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
}
