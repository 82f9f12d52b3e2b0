//! The item schema: what a stored item is, the attribute names streamgate writes besides the
//! record's own, and DynamoDB's limits on an item. A leaf module, so that the converter
//! ([`crate::record`]) and the table adapter ([`crate::store`]) share one schema without importing
//! each other.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// Hash key of the table; its value is the record's partition key.
pub const KEY_ATTRIBUTE: &str = "eventId";
/// Every attribute name starting with this belongs to streamgate; a body field using it is poison.
pub const RESERVED_PREFIX: &str = "_sg_";
/// The record's sequence number, length-prefixed so that string order is numeric order.
pub const SEQUENCE_ATTRIBUTE: &str = "_sg_seq";
/// The shard the record came from.
pub const SHARD_ATTRIBUTE: &str = "_sg_shard";
/// The record's approximate arrival time in the stream, RFC 3339 UTC with milliseconds.
pub const ARRIVAL_ATTRIBUTE: &str = "_sg_arrival";
/// DynamoDB's item size limit (names and values).
pub const MAX_ITEM_BYTES: usize = 400 * 1024;
/// DynamoDB's nesting limit for documents.
pub const MAX_DEPTH: usize = 32;
/// DynamoDB numbers carry at most 38 significant digits.
pub const MAX_SIGNIFICANT_DIGITS: usize = 38;
