//! One message of the dead-letter queue, of either kind, read from its body.

use serde::{Deserialize, Serialize};

use crate::{BatchPointer, PoisonMessage};

/// A dead-letter message: a poison record the consumer sent, or a batch pointer the event source
/// mapping sent. On the wire it is the one or the other as it is (no wrapper): a poison message is
/// told apart by its `"kind": "poison"`, a batch pointer by its `KinesisBatchInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DeadLetter {
    /// A record the consumer could never store.
    Poison(PoisonMessage),
    /// A batch the mapping gave up on.
    Batch(BatchPointer),
}

impl DeadLetter {
    /// Reads a message body; `None` when it is neither kind (not JSON, no `kind` and no usable
    /// `KinesisBatchInfo`, a member of the wrong type).
    pub fn parse(body: &str) -> Option<DeadLetter> {
        serde_json::from_str(body).ok()
    }

    /// What identifies the records it stands for: two messages with the same key are duplicates
    /// (SQS delivers at least once, a retried batch can be reported again, and a replayed poison
    /// record is dead-lettered again).
    pub fn key(&self) -> String {
        match self {
            DeadLetter::Poison(poison) => format!(
                "poison:{}:{}",
                poison.shard_id.as_deref().unwrap_or("-"),
                poison.sequence_number.as_deref().unwrap_or("-")
            ),
            DeadLetter::Batch(pointer) => format!(
                "batch:{}:{}:{}",
                pointer.batch.shard_id, pointer.batch.start_sequence_number, pointer.batch.end_sequence_number
            ),
        }
    }
}
