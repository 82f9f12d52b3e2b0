//! What `streamgate dlq list` says about the queue: messages grouped (poison records by reason,
//! batch pointers by shard, with the records they cover and how many the stream no longer holds),
//! duplicates counted. `--json` prints it as it is; scripts and the CLI's tests read it back.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::{BatchPointer, DeadLetter};

/// The overview `dlq list` prints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    /// Messages read.
    pub messages: u64,
    /// Messages that repeat another's records.
    pub duplicates: u64,
    /// Poison messages by reason (distinct records).
    pub poison_by_reason: BTreeMap<String, u64>,
    /// Batch pointers by shard: distinct pointers and the records they cover.
    pub batches_by_shard: BTreeMap<String, ShardBatches>,
    /// Messages of no known kind.
    pub unknown: u64,
}

/// The batch pointers of one shard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardBatches {
    /// Distinct pointers.
    pub pointers: u64,
    /// Records they cover.
    pub records: u64,
    /// Pointers whose records the stream no longer holds (by retention).
    pub expired: u64,
}

impl Overview {
    /// Groups messages (`None`: a message of no known kind); `retained` says whether a pointer's
    /// records are still in the stream (`None`: unknown). A poison message without a reason counts
    /// under `unknown`.
    pub fn of<'a>(
        letters: impl IntoIterator<Item = Option<&'a DeadLetter>>,
        retained: impl Fn(&BatchPointer) -> Option<bool>,
    ) -> Overview {
        let mut overview = Overview::default();
        let mut seen = HashSet::new();
        for letter in letters {
            overview.messages += 1;
            let Some(letter) = letter else {
                overview.unknown += 1;
                continue;
            };
            if !seen.insert(letter.key()) {
                overview.duplicates += 1;
                continue;
            }
            match letter {
                DeadLetter::Poison(poison) => {
                    let reason = if poison.reason.is_empty() {
                        "unknown"
                    } else {
                        &poison.reason
                    };
                    *overview.poison_by_reason.entry(reason.to_string()).or_default() += 1;
                }
                DeadLetter::Batch(pointer) => {
                    let shard = overview
                        .batches_by_shard
                        .entry(pointer.batch.shard_id.clone())
                        .or_default();
                    shard.pointers += 1;
                    shard.records += pointer.batch.batch_size;
                    if retained(pointer) == Some(false) {
                        shard.expired += 1;
                    }
                }
            }
        }
        overview
    }
}
