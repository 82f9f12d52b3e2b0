//! One Kinesis record → one DynamoDB item, or the reason it can never be stored.
//!
//! The record body must be a UTF-8 JSON object. Every top-level field becomes an attribute; objects
//! become `M`, arrays `L`, numbers `N` from their exact JSON text (never through `f64`), strings `S`,
//! booleans `BOOL`, null `NULL`. The hash key `eventId` is the record's partition key, and metadata
//! goes under the reserved prefix [`RESERVED_PREFIX`](crate::item::RESERVED_PREFIX).
//!
//! Numbers keep the digits the client sent: the document is read by a pull parser that hands over
//! each number's text ([`Converter`] says why not serde).
//!
//! Its parts: `poison` (why a record can never be stored), `origin` (where a record came from,
//! which becomes its metadata), `sequence` (its sequence number in an order strings keep) and
//! `convert` (record data → item). The item's schema and DynamoDB's limits are [`crate::item`]'s.

mod convert;
mod origin;
mod poison;
mod sequence;

pub use convert::{Checked, Converted, Converter, dynamodb_number, to_item};
pub use origin::{Origin, UNKNOWN_SHARD, shard_of};
pub use poison::Poison;
pub use sequence::ordered_sequence;
