//! The dead-letter queue's messages, one serde type per shape, shared by the consumer that writes
//! the poison records and `streamgate dlq` that reads every message back (and redrives the
//! batches). One type on both sides turns a renamed field into a compile error instead of a redrive
//! that silently skips messages.
//!
//! Two kinds of message arrive in the same SQS queue ([`DeadLetter`]):
//! - [`PoisonMessage`]: a record the consumer could never store, written by the consumer
//!   (`"kind": "poison"`, the record's data base64-encoded when it fits);
//! - [`BatchPointer`]: the event source mapping's on-failure record, written by AWS (or the local
//!   stage) when it gave up on a batch: no `kind`, no data, a `KinesisBatchInfo` naming the shard and
//!   the range of sequence numbers, whose records stay in the stream until its retention ends.
//!
//! [`Overview`] is what `streamgate dlq list --json` prints about them.

mod batch_pointer;
mod letter;
mod overview;
mod poison;

pub use batch_pointer::{BatchPointer, KinesisBatchInfo, RequestContext, ResponseContext};
pub use letter::DeadLetter;
pub use overview::{Overview, ShardBatches};
pub use poison::{Kind, PoisonMessage};
