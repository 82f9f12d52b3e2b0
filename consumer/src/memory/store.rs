//! A table in memory, behind the same [`ItemStore`] as DynamoDB's, with injectable read and write
//! failures and refusals.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use aws_sdk_dynamodb::types::AttributeValue;

use super::lock;
use crate::failure::FailureReason;
use crate::item::{Item, SEQUENCE_ATTRIBUTE};
use crate::ordering::{Candidate, is_newer};
use crate::record::Poison;
use crate::store::{ItemStore, StoredSequence, WriteOutcome};

/// A table in memory. Writes are conditional like DynamoDB's isolating path: only onto nothing or an
/// older `_sg_seq`, otherwise `Stale`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<StoreState>,
}

#[derive(Debug, Default)]
struct StoreState {
    items: HashMap<String, Item>,
    failing_reads: HashMap<String, FailureReason>,
    /// Key → (writes still to fail, why).
    failing_writes: HashMap<String, (usize, FailureReason)>,
    rejected: HashSet<String>,
    /// Keep nothing written (benchmarks).
    discarding: bool,
    read_calls: usize,
    write_calls: usize,
}

impl MemoryStore {
    /// An empty table without faults.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// A table that accepts every write as `Written` and keeps nothing: for benchmarks, so that
    /// the consumer's memory and hashing are measured, not the table's. Injected faults still apply.
    pub fn discarding() -> Self {
        let store = MemoryStore::default();
        lock(&store.state).discarding = true;
        store
    }

    /// Stores `item` under `key` as it is (e.g. a newer version already in the table).
    pub fn put(&self, key: impl Into<String>, item: Item) {
        lock(&self.state).items.insert(key.into(), item);
    }

    /// Stores a bare item under `key` holding only the ordered sequence number `ordered_sequence`.
    pub fn put_sequence(&self, key: impl Into<String>, ordered_sequence: impl Into<String>) {
        let item = Item::from([(
            SEQUENCE_ATTRIBUTE.to_string(),
            AttributeValue::S(ordered_sequence.into()),
        )]);
        self.put(key, item);
    }

    /// The item of `key`.
    pub fn item(&self, key: &str) -> Option<Item> {
        lock(&self.state).items.get(key).cloned()
    }

    /// Every item, by key.
    pub fn items(&self) -> HashMap<String, Item> {
        lock(&self.state).items.clone()
    }

    /// Every read of `key` fails with `reason` until [`MemoryStore::clear_faults`].
    pub fn fail_reads(&self, key: impl Into<String>, reason: FailureReason) {
        lock(&self.state).failing_reads.insert(key.into(), reason);
    }

    /// The next `times` writes of `key` fail with `reason` (a transient failure: later ones land).
    pub fn fail_writes(&self, key: impl Into<String>, times: usize, reason: FailureReason) {
        lock(&self.state).failing_writes.insert(key.into(), (times, reason));
    }

    /// Every write of `key` is refused as DynamoDB refuses an invalid item: the record is poison.
    pub fn reject(&self, key: impl Into<String>) {
        lock(&self.state).rejected.insert(key.into());
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        let mut state = lock(&self.state);
        state.failing_reads.clear();
        state.failing_writes.clear();
        state.rejected.clear();
    }

    /// `stored_sequences` calls so far.
    pub fn read_calls(&self) -> usize {
        lock(&self.state).read_calls
    }

    /// `write` calls so far.
    pub fn write_calls(&self) -> usize {
        lock(&self.state).write_calls
    }

    fn read(&self, keys: Vec<String>) -> HashMap<String, StoredSequence> {
        let mut state = lock(&self.state);
        state.read_calls += 1;
        keys.into_iter()
            .map(|key| {
                let stored = match state.failing_reads.get(&key) {
                    Some(reason) => Err(reason.clone()),
                    None => Ok(state
                        .items
                        .get(&key)
                        .and_then(|item| item.get(SEQUENCE_ATTRIBUTE)?.as_s().ok().cloned())),
                };
                (key, stored)
            })
            .collect()
    }

    fn store(&self, candidates: Vec<Candidate<Item>>) -> Vec<(usize, WriteOutcome)> {
        let mut state = lock(&self.state);
        state.write_calls += 1;
        candidates
            .into_iter()
            .map(|candidate| {
                let key = candidate.key.as_str();
                if state.rejected.contains(key) {
                    let poison = Poison::RejectedByDynamoDb("rejected by MemoryStore".into());
                    return (candidate.index, WriteOutcome::Poison(poison));
                }
                if let Some((left, reason)) = state.failing_writes.get_mut(key).filter(|(left, _)| *left > 0) {
                    *left -= 1;
                    return (candidate.index, WriteOutcome::Failed(reason.clone()));
                }
                if state.discarding {
                    return (candidate.index, WriteOutcome::Written);
                }
                let stored = state
                    .items
                    .get(key)
                    .and_then(|item| item.get(SEQUENCE_ATTRIBUTE)?.as_s().ok().cloned());
                if !is_newer(stored.as_deref(), &candidate.ordered_sequence) {
                    return (candidate.index, WriteOutcome::Stale);
                }
                state.items.insert(candidate.key, candidate.payload);
                (candidate.index, WriteOutcome::Written)
            })
            .collect()
    }
}

impl ItemStore for MemoryStore {
    async fn stored_sequences(&self, keys: Vec<String>) -> HashMap<String, StoredSequence> {
        self.read(keys)
    }

    async fn write(&self, candidates: Vec<Candidate<Item>>) -> Vec<(usize, WriteOutcome)> {
        self.store(candidates)
    }
}
