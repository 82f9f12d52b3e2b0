//! What the consumer needs of the table ([`ItemStore`]) and its DynamoDB adapter ([`Store`]):
//! consistent reads of stored sequence numbers (BatchGetItem) and writes of only the newer records
//! (BatchWriteItem), with an isolating single-item fallback; [`classify`] tells what a DynamoDB
//! error means for the records of the call.
//!
//! Why not a conditional PutItem per record: it costs one request per record (1,000 for 1,000
//! records); this path costs 10 reads and 40 writes. It is order-safe because the event source
//! mapping never processes one partition key in two invocations at once, so nothing writes a key
//! between our read and our write.
//!
//! The adapter is in `dynamodb`, the error classification in `error_class`.

mod dynamodb;
mod error_class;

use std::collections::HashMap;
use std::future::Future;

use crate::failure::FailureReason;
use crate::item::Item;
use crate::ordering::Candidate;
use crate::record::Poison;

pub use dynamodb::{GET_CHUNK, Store, WRITE_CHUNK};
pub use error_class::{ErrorClass, classify};

/// What became of one record's write.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOutcome {
    /// Stored.
    Written,
    /// A newer or equal version was already stored.
    Stale,
    /// DynamoDB refused this item: it can never be stored.
    Poison(Poison),
    /// Not stored this time (throttling, 5xx, timeout...): report for redelivery.
    Failed(FailureReason),
}

/// What a key's stored item says: its ordered sequence number (`None`: no item, or one written by
/// something else), or why it could not be read.
pub type StoredSequence = Result<Option<String>, FailureReason>;

/// What `Consumer::process` needs of the table: the DynamoDB [`Store`], or an in-memory store in
/// tests and benchmarks (`memory::MemoryStore`, feature `test-util`).
pub trait ItemStore: Send + Sync {
    /// The stored ordered sequence number of each key, or why it could not be read. Every key asked
    /// for is in the answer.
    fn stored_sequences(&self, keys: Vec<String>) -> impl Future<Output = HashMap<String, StoredSequence>> + Send;

    /// Writes the candidates (at most one per key, each newer than what was read), returning each
    /// one's outcome by batch index.
    fn write(&self, candidates: Vec<Candidate<Item>>) -> impl Future<Output = Vec<(usize, WriteOutcome)>> + Send;
}
