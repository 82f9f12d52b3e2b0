//! The metadata attributes every item gets besides its body's: the key, the ordered sequence
//! number, the shard and the arrival time. The walk counts their size before any item is built, so
//! that a record too large with them is poison whether it is checked or converted.

use chrono::{DateTime, Datelike, SecondsFormat, Utc};

use crate::item::{ARRIVAL_ATTRIBUTE, KEY_ATTRIBUTE, SEQUENCE_ATTRIBUTE, SHARD_ATTRIBUTE};
use crate::record::Origin;

/// The metadata attributes every item gets besides its body's.
pub(super) const METADATA_ATTRIBUTES: usize = 4;

/// The metadata attributes of a record from `origin` whose sequence number orders as
/// `ordered_sequence`, by name.
pub(super) fn attributes(origin: &Origin<'_>, ordered_sequence: &str) -> [(&'static str, String); METADATA_ATTRIBUTES] {
    [
        (KEY_ATTRIBUTE, origin.partition_key.to_string()),
        (SEQUENCE_ATTRIBUTE, ordered_sequence.to_string()),
        (SHARD_ATTRIBUTE, origin.shard_id.to_string()),
        (ARRIVAL_ATTRIBUTE, arrival_text(origin.arrival)),
    ]
}

/// The size the metadata attributes add to the item, names and values, without building them.
pub(super) fn size(origin: &Origin<'_>, ordered_sequence: &str) -> usize {
    KEY_ATTRIBUTE.len()
        + origin.partition_key.len()
        + SEQUENCE_ATTRIBUTE.len()
        + ordered_sequence.len()
        + SHARD_ATTRIBUTE.len()
        + origin.shard_id.len()
        + ARRIVAL_ATTRIBUTE.len()
        + arrival_len(origin.arrival)
}

/// The arrival time as stored: RFC 3339, UTC, milliseconds.
fn arrival_text(arrival: DateTime<Utc>) -> String {
    arrival.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The length of [`arrival_text`], without formatting it for the years a stream can hold.
fn arrival_len(arrival: DateTime<Utc>) -> usize {
    if (0..=9999).contains(&arrival.year()) {
        "2026-11-22T21:00:00.123Z".len()
    } else {
        arrival_text(arrival).len()
    }
}
