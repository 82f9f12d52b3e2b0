//! The consumer's message for a poison record: where the record came from, why it can never be
//! stored, and its data when the message has room for it.

use serde::{Deserialize, Serialize};

/// The `kind` member of the consumer's messages. The event source mapping's on-failure records, in
/// the same queue, have no `kind` and carry `KinesisBatchInfo` ([`crate::BatchPointer`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// `"poison"`: a record that can never be stored.
    #[default]
    #[serde(rename = "poison")]
    Poison,
}

/// A poison record's dead-letter message.
///
/// The members are declared in alphabetical order because that is the order the consumer wrote
/// them in before this type existed (a `serde_json` map sorts its keys): the message's bytes stay
/// the same. Fields the record did not carry (an unreadable record's) are `null`; only
/// `dataOmittedReason` is left out when there is none. Every member but `kind` may be missing when
/// read, so a message of an older consumer still reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoisonMessage {
    /// When the record arrived in the stream, RFC 3339 with milliseconds (`2026-11-22T21:00:00.050Z`).
    #[serde(default)]
    pub approximate_arrival_timestamp: Option<String>,
    /// The record's data, base64 (standard alphabet, padded); `None` when left out.
    #[serde(default)]
    pub data: Option<String>,
    /// The length of the record's data in bytes, whether included or not.
    #[serde(default)]
    pub data_bytes: Option<u64>,
    /// Whether `data` holds the record's data.
    #[serde(default)]
    pub data_included: bool,
    /// Why `data` is left out (too large for the queue, or unreadable): where to read the record
    /// instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_omitted_reason: Option<String>,
    /// The reason in words (possibly shortened, ending in `…`, to fit the queue's message size).
    #[serde(default)]
    pub detail: String,
    /// Always [`Kind::Poison`]: what tells this message from a batch pointer.
    pub kind: Kind,
    /// The record's partition key.
    #[serde(default)]
    pub partition_key: Option<String>,
    /// Why it could not be stored, as a code (`not_json`, `item_too_large`, ...); empty when a
    /// message lacks it.
    #[serde(default)]
    pub reason: String,
    /// The record's sequence number.
    #[serde(default)]
    pub sequence_number: Option<String>,
    /// The record's shard.
    #[serde(default)]
    pub shard_id: Option<String>,
    /// The stream's ARN.
    #[serde(default)]
    pub stream_arn: Option<String>,
}

impl PoisonMessage {
    /// The message's body: one line of compact JSON.
    pub fn to_json(&self) -> String {
        // Serializing strings, numbers and booleans into a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}
