//! Reading the Lambda payload leniently: one record that cannot be read never fails the batch.
//!
//! Deserializing the whole payload as `aws_lambda_events`' `KinesisEvent` is all-or-nothing: one
//! record with a field of the wrong type fails the invocation, and the mapping retries the same
//! batch until the records expire. Worse, the crate (1.2.1) reads `approximateArrivalTimestamp`
//! through `f64` and a string split, so a fraction with more than millisecond digits
//! (`1764051234.1234567`) is such a failure, and `.05` is read as 5 ms.
//!
//! So the payload is taken as raw JSON and each record is read on its own: into the crate's typed
//! `KinesisEventRecord` (with the timestamp field neutralised first), its arrival time from the
//! field's exact JSON text. A record that cannot be read becomes [`BatchRecord::Unreadable`],
//! carrying what could be recovered of it; the consumer dead-letters it as poison
//! (`unreadable_record`) and writes the rest of the batch.

mod arrival;

#[cfg(test)]
mod tests;

use aws_lambda_events::event::kinesis::KinesisEventRecord;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::record::shard_of;

pub use arrival::{ArrivalError, arrival_time};

/// One record of a batch, as read from the event.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchRecord {
    /// Read in full; its arrival time is exact.
    Read(KinesisEventRecord),
    /// Could not be read; what could be recovered of it.
    Unreadable(UnreadableRecord),
}

/// What could be recovered of a record that could not be read. Every field is `None` when it was
/// missing or itself unreadable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnreadableRecord {
    /// Why the record could not be read. Goes to the dead-letter message, never to the logs: it can
    /// quote the record's content.
    pub detail: String,
    /// `kinesis.sequenceNumber`.
    pub sequence_number: Option<String>,
    /// `kinesis.partitionKey`.
    pub partition_key: Option<String>,
    /// The shard id from `eventID`.
    pub shard_id: Option<String>,
    /// `eventSourceARN`.
    pub stream_arn: Option<String>,
    /// `kinesis.approximateArrivalTimestamp`, when it could be read.
    pub arrival: Option<DateTime<Utc>>,
    /// `kinesis.data`, when it decodes as base64.
    pub data: Option<Vec<u8>>,
}

impl From<KinesisEventRecord> for BatchRecord {
    fn from(record: KinesisEventRecord) -> Self {
        BatchRecord::Read(record)
    }
}

impl BatchRecord {
    /// The sequence number, if known. An empty one (a field missing from a readable record) is
    /// returned as is; it cannot be reported in `batchItemFailures` either.
    pub fn sequence_number(&self) -> Option<&str> {
        match self {
            BatchRecord::Read(record) => Some(&record.kinesis.sequence_number),
            BatchRecord::Unreadable(unreadable) => unreadable.sequence_number.as_deref(),
        }
    }

    /// The partition key (the `eventId`), if known.
    pub fn partition_key(&self) -> Option<&str> {
        match self {
            BatchRecord::Read(record) => Some(&record.kinesis.partition_key),
            BatchRecord::Unreadable(unreadable) => unreadable.partition_key.as_deref(),
        }
    }

    /// The shard id from `eventID`, if it names one.
    pub fn shard_id(&self) -> Option<&str> {
        match self {
            BatchRecord::Read(record) => record.event_id.as_deref().and_then(shard_of),
            BatchRecord::Unreadable(unreadable) => unreadable.shard_id.as_deref(),
        }
    }

    /// The stream's ARN, if known.
    pub fn stream_arn(&self) -> Option<&str> {
        match self {
            BatchRecord::Read(record) => record.event_source_arn.as_deref(),
            BatchRecord::Unreadable(unreadable) => unreadable.stream_arn.as_deref(),
        }
    }

    /// The approximate arrival time in the stream, if known.
    pub fn arrival(&self) -> Option<DateTime<Utc>> {
        match self {
            BatchRecord::Read(record) => Some(record.kinesis.approximate_arrival_timestamp.0),
            BatchRecord::Unreadable(unreadable) => unreadable.arrival,
        }
    }

    /// The record's data, if it could be read.
    pub fn data(&self) -> Option<&[u8]> {
        match self {
            BatchRecord::Read(record) => Some(&record.kinesis.data.0),
            BatchRecord::Unreadable(unreadable) => unreadable.data.as_deref(),
        }
    }
}

/// The payload is not a JSON object with a `Records` array: nothing of it can be handled. The
/// invocation fails, so the mapping retries (and bisects) the batch. Only the position is kept:
/// serde's message can quote the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the event is not a JSON object with a Records array (line {line}, column {column})")]
pub struct EventError {
    /// Line of the first problem.
    pub line: usize,
    /// Column of the first problem.
    pub column: usize,
}

/// Reads a Kinesis event: every record of its `Records` array, each on its own.
pub fn read_event(payload: &str) -> Result<Vec<BatchRecord>, EventError> {
    #[derive(Deserialize)]
    struct Envelope<'a> {
        #[serde(rename = "Records", borrow)]
        records: Vec<&'a RawValue>,
    }
    let envelope: Envelope<'_> = serde_json::from_str(payload).map_err(|error| EventError {
        line: error.line(),
        column: error.column(),
    })?;
    Ok(envelope.records.into_iter().map(read_record).collect())
}

/// Reads one record of the `Records` array: typed, with its exact arrival time, or what could be
/// recovered of it.
pub fn read_record(raw: &RawValue) -> BatchRecord {
    // Valid JSON already (it is a RawValue); only serde_json's nesting limit can refuse it here.
    let mut value: Value = match serde_json::from_str(raw.get()) {
        Ok(value) => value,
        Err(error) => return unreadable(None, None, format!("the record cannot be parsed: {error}")),
    };
    if !value.is_object() {
        return unreadable(None, None, "the record is not a JSON object".into());
    }
    // From the exact text, before the field is neutralised: a `Value` holds the number as an f64.
    let arrival = arrival_text(raw.get()).map(|text| arrival_time(&text));
    let recovered_arrival = arrival.as_ref().and_then(|arrival| arrival.as_ref().ok().copied());
    if let Some(field) = value.pointer_mut("/kinesis/approximateArrivalTimestamp") {
        // The crate's own reading fails on more than millisecond digits; ours replaces it below.
        *field = Value::from(0);
    }
    let mut record = match KinesisEventRecord::deserialize(&value) {
        Ok(record) => record,
        Err(error) => {
            return unreadable(
                Some(&value),
                recovered_arrival,
                format!("not a Kinesis record: {error}"),
            );
        }
    };
    record.kinesis.approximate_arrival_timestamp.0 = match arrival {
        Some(Ok(arrival)) => arrival,
        Some(Err(error)) => return unreadable(Some(&value), None, error.to_string()),
        // The typed read requires the field, so it is present; only a `null` gets here.
        None => return unreadable(Some(&value), None, ArrivalError::NotSeconds.to_string()),
    };
    BatchRecord::Read(record)
}

/// The raw JSON text of `kinesis.approximateArrivalTimestamp`, when the record has one.
fn arrival_text(record: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Record<'a> {
        #[serde(borrow)]
        kinesis: Option<Kinesis<'a>>,
    }
    #[derive(Deserialize)]
    struct Kinesis<'a> {
        #[serde(rename = "approximateArrivalTimestamp", borrow)]
        arrival: Option<&'a RawValue>,
    }
    let record: Record<'_> = serde_json::from_str(record).ok()?;
    Some(record.kinesis?.arrival?.get().to_owned())
}

/// A record that could not be read, with whatever its JSON still tells.
fn unreadable(value: Option<&Value>, arrival: Option<DateTime<Utc>>, detail: String) -> BatchRecord {
    let text = |pointer: &str| value?.pointer(pointer)?.as_str().map(str::to_owned);
    BatchRecord::Unreadable(UnreadableRecord {
        detail,
        sequence_number: text("/kinesis/sequenceNumber"),
        partition_key: text("/kinesis/partitionKey"),
        shard_id: text("/eventID").and_then(|id| shard_of(&id).map(str::to_owned)),
        stream_arn: text("/eventSourceARN"),
        arrival,
        data: text("/kinesis/data").and_then(|data| base64::engine::general_purpose::STANDARD.decode(data).ok()),
    })
}
