//! A poison record's dead-letter message ([`deadletter::PoisonMessage`]), built to fit the queue's
//! message size: with the record's data when it fits, without it (saying so) when not.

use base64::Engine;
use chrono::SecondsFormat;
use deadletter::{Kind, PoisonMessage};

use crate::event::BatchRecord;
use crate::record::Poison;

/// Why a message carries no data, when the data would make it too large.
const TOO_LARGE: &str =
    "record data too large for an SQS message; read it from the stream by shardId and sequenceNumber";
/// Why a message carries no data, when the record's data could not be read from the event.
const UNREADABLE_DATA: &str =
    "record data could not be read from the event; read it from the stream by shardId and sequenceNumber";

/// The dead-letter message for a poison record: where it came from, why, and its data base64-encoded
/// when that keeps the message within `max_bytes` (otherwise the pointer fields alone, saying so).
/// Fields the record did not carry (an unreadable record's) are `null`.
pub fn poison_message(record: &BatchRecord, poison: &Poison, max_bytes: usize) -> String {
    let data = record.data();
    let mut message = PoisonMessage {
        approximate_arrival_timestamp: record
            .arrival()
            .map(|arrival| arrival.to_rfc3339_opts(SecondsFormat::Millis, true)),
        data: data.map(|data| base64::engine::general_purpose::STANDARD.encode(data)),
        data_bytes: data.map(|data| data.len() as u64),
        data_included: data.is_some(),
        data_omitted_reason: data.is_none().then(|| UNREADABLE_DATA.to_string()),
        detail: poison.to_string(),
        kind: Kind::Poison,
        partition_key: record.partition_key().map(str::to_string),
        reason: poison.code().to_string(),
        sequence_number: record.sequence_number().map(str::to_string),
        shard_id: record.shard_id().map(str::to_string),
        stream_arn: record.stream_arn().map(str::to_string),
    };
    let text = message.to_json();
    if text.len() <= max_bytes {
        return text;
    }
    message.data_included = false;
    message.data = None;
    message.data_omitted_reason = Some(TOO_LARGE.to_string());
    let text = message.to_json();
    if text.len() <= max_bytes {
        return text;
    }
    // Still over (only with a small limit and a long detail, e.g. DynamoDB's message): shorten the
    // detail. Removing n bytes of it removes at least n bytes of its JSON escape.
    let detail = poison.to_string();
    let mut keep = detail.len().saturating_sub(text.len() - max_bytes + '…'.len_utf8());
    while !detail.is_char_boundary(keep) {
        keep -= 1;
    }
    message.detail = format!("{}…", &detail[..keep]);
    message.to_json()
}

#[cfg(test)]
mod tests;
