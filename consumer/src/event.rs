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

use aws_lambda_events::event::kinesis::KinesisEventRecord;
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::record::shard_of;

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

/// Why `approximateArrivalTimestamp` could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ArrivalError {
    /// Not a non-negative decimal number of seconds (nor a string holding one).
    #[error("approximateArrivalTimestamp is not a number of seconds since the epoch")]
    NotSeconds,
    /// A number, but not a time chrono can represent.
    #[error("approximateArrivalTimestamp is out of range")]
    OutOfRange,
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

/// The time `approximateArrivalTimestamp` stands for, from its exact JSON text: a number of seconds
/// since the epoch with a fraction of any length (`1764051234.1234567`, `.05` = 50 ms), or a string
/// holding one (as `aws_lambda_events` writes it). Digits below the nanosecond are truncated.
pub fn arrival_time(json: &str) -> Result<DateTime<Utc>, ArrivalError> {
    let text = if json.starts_with('"') {
        serde_json::from_str::<String>(json).map_err(|_| ArrivalError::NotSeconds)?
    } else {
        json.to_owned()
    };
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => {
            let exponent: i64 = text[at + 1..].parse().map_err(|_| ArrivalError::NotSeconds)?;
            (&text[..at], exponent)
        }
        None => (text.as_str(), 0),
    };
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if integer.is_empty() || !integer.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        // Negative numbers land here too: nothing arrived in a stream before 1970.
        return Err(ArrivalError::NotSeconds);
    }
    // Seconds fit in 12 digits until the year 33658: a wider shift is out of range, not a reason
    // to build a long string.
    if exponent.unsigned_abs() > 64 {
        return Err(ArrivalError::OutOfRange);
    }
    // Move the decimal point by the exponent, digit by digit (never through f64).
    let digits = format!("{integer}{fraction}");
    let point = integer.len() as i64 + exponent;
    let (whole, part) = if point <= 0 {
        (
            String::new(),
            format!("{}{digits}", "0".repeat(point.unsigned_abs() as usize)),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        let (whole, part) = digits.split_at(point as usize);
        (whole.to_owned(), part.to_owned())
    };
    let whole = whole.trim_start_matches('0');
    let seconds: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| ArrivalError::OutOfRange)?
    };
    let nanos_digits: String = part.chars().chain(std::iter::repeat('0')).take(9).collect();
    let nanos: u32 = nanos_digits.parse().map_err(|_| ArrivalError::NotSeconds)?;
    Utc.timestamp_opt(seconds, nanos)
        .single()
        .ok_or(ArrivalError::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::SecondsFormat;
    use serde_json::json;

    fn rfc3339(time: DateTime<Utc>) -> String {
        time.to_rfc3339_opts(SecondsFormat::Nanos, true)
    }

    fn record(arrival: Value, data: Value) -> Value {
        json!({
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": "evt-1",
                "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
                "data": data,
                "approximateArrivalTimestamp": arrival
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": "shardId-000000000004:49590338271490256608559692538361571095921575989136588898",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/consumer",
            "awsRegion": "us-east-1",
            "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/s"
        })
    }

    /// The event text with each record's timestamp written out verbatim (a `Value` would round it).
    fn event_text(records: &[(Value, &str)]) -> String {
        let records: Vec<String> = records
            .iter()
            .map(|(record, arrival)| record.to_string().replace("\"ARRIVAL\"", arrival))
            .collect();
        format!(r#"{{"Records":[{}]}}"#, records.join(","))
    }

    #[test]
    fn arrival_time_is_exact_to_the_nanosecond() {
        let at = |text: &str| arrival_time(text).map(rfc3339);
        assert_eq!(at("1764051234.1234567").unwrap(), "2025-11-25T06:13:54.123456700Z");
        assert_eq!(at("1764051234.05").unwrap(), "2025-11-25T06:13:54.050000000Z");
        assert_eq!(at("1764051234.123").unwrap(), "2025-11-25T06:13:54.123000000Z");
        assert_eq!(at("1764051234").unwrap(), "2025-11-25T06:13:54.000000000Z");
        assert_eq!(at("1764051234.0").unwrap(), "2025-11-25T06:13:54.000000000Z");
        assert_eq!(
            at("1764051234.1234567899999").unwrap(),
            "2025-11-25T06:13:54.123456789Z",
            "truncated below the nanosecond"
        );
        assert_eq!(at("1.76405123405E9").unwrap(), "2025-11-25T06:13:54.050000000Z");
        assert_eq!(at("176405123405e-2").unwrap(), "2025-11-25T06:13:54.050000000Z");
        assert_eq!(at("17640512.34e2").unwrap(), "2025-11-25T06:13:54.000000000Z");
        assert_eq!(at("5e-1").unwrap(), "1970-01-01T00:00:00.500000000Z");
        assert_eq!(at(r#""1764051234.05""#).unwrap(), "2025-11-25T06:13:54.050000000Z");
        for bad in [
            "-1", "\"\"", "\"abc\"", "true", "null", "{}", "1.2.3", ".5", "1e", "0x10",
        ] {
            assert_eq!(arrival_time(bad), Err(ArrivalError::NotSeconds), "{bad}");
        }
        for far in ["1e100", "99999999999999999999999", "1e20"] {
            assert_eq!(arrival_time(far), Err(ArrivalError::OutOfRange), "{far}");
        }
    }

    #[test]
    fn reads_each_record_with_its_exact_arrival() {
        let text = event_text(&[
            (record(json!("ARRIVAL"), json!("eyJhIjoxfQ==")), "1764051234.1234567"),
            (record(json!("ARRIVAL"), json!("eyJhIjoxfQ==")), "1764051234.05"),
        ]);
        let records = read_event(&text).unwrap();
        assert_eq!(records.len(), 2);
        let BatchRecord::Read(first) = &records[0] else {
            panic!("{:?}", records[0]);
        };
        assert_eq!(first.kinesis.data.0, br#"{"a":1}"#);
        assert_eq!(first.kinesis.partition_key, "evt-1");
        assert_eq!(
            rfc3339(first.kinesis.approximate_arrival_timestamp.0),
            "2025-11-25T06:13:54.123456700Z"
        );
        assert_eq!(
            records[1].arrival().map(rfc3339).as_deref(),
            Some("2025-11-25T06:13:54.050000000Z")
        );
        assert_eq!(records[1].shard_id(), Some("shardId-000000000004"));
        assert_eq!(
            records[1].stream_arn(),
            Some("arn:aws:kinesis:us-east-1:123456789012:stream/s")
        );
    }

    #[test]
    fn an_unreadable_record_keeps_what_can_be_recovered() {
        let text = event_text(&[
            (record(json!("ARRIVAL"), json!(5)), "1764051234.5"),
            (record(json!("ARRIVAL"), json!("eyJhIjoxfQ==")), "-3"),
            (record(json!("ARRIVAL"), json!("not base64!")), "1764051234"),
            (json!({"kinesis": 7, "eventID": "shardId-000000000009:1"}), ""),
            (json!(42), ""),
            (record(json!("ARRIVAL"), json!("eyJhIjoxfQ==")), "1764051234.5"),
        ]);
        let records = read_event(&text).unwrap();
        assert_eq!(records.len(), 6);
        let unreadable = |record: &BatchRecord| match record {
            BatchRecord::Unreadable(unreadable) => unreadable.clone(),
            BatchRecord::Read(_) => panic!("read: {record:?}"),
        };

        let wrong_data_type = unreadable(&records[0]);
        assert!(
            wrong_data_type.detail.starts_with("not a Kinesis record"),
            "{wrong_data_type:?}"
        );
        assert_eq!(
            wrong_data_type.sequence_number.as_deref(),
            Some("49590338271490256608559692538361571095921575989136588898")
        );
        assert_eq!(wrong_data_type.partition_key.as_deref(), Some("evt-1"));
        assert_eq!(wrong_data_type.shard_id.as_deref(), Some("shardId-000000000004"));
        assert_eq!(wrong_data_type.data, None);
        assert_eq!(
            wrong_data_type.arrival.map(rfc3339).as_deref(),
            Some("2025-11-25T06:13:54.500000000Z"),
            "the arrival time is recovered too"
        );

        let negative_time = unreadable(&records[1]);
        assert_eq!(negative_time.detail, ArrivalError::NotSeconds.to_string());
        assert_eq!(
            negative_time.data.as_deref(),
            Some(&br#"{"a":1}"#[..]),
            "data recovered"
        );
        assert_eq!(negative_time.arrival, None);

        let bad_base64 = unreadable(&records[2]);
        assert_eq!(bad_base64.data, None);
        assert_eq!(bad_base64.partition_key.as_deref(), Some("evt-1"));

        let kinesis_not_an_object = unreadable(&records[3]);
        assert_eq!(kinesis_not_an_object.sequence_number, None);
        assert_eq!(kinesis_not_an_object.shard_id.as_deref(), Some("shardId-000000000009"));

        let not_an_object = unreadable(&records[4]);
        assert_eq!(not_an_object.detail, "the record is not a JSON object");
        assert_eq!(
            not_an_object,
            UnreadableRecord {
                detail: not_an_object.detail.clone(),
                ..UnreadableRecord::default()
            }
        );

        assert!(matches!(records[5], BatchRecord::Read(_)), "the rest is read");
    }

    #[test]
    fn a_string_timestamp_is_read_as_the_crate_writes_it() {
        let text = event_text(&[(record(json!("1764051234.05"), json!("e30=")), "")]);
        let records = read_event(&text).unwrap();
        assert_eq!(
            records[0].arrival().map(rfc3339).as_deref(),
            Some("2025-11-25T06:13:54.050000000Z")
        );
        let missing = json!({"kinesis": {"partitionKey": "k", "sequenceNumber": "1", "data": "e30="}});
        let records = read_event(&format!(r#"{{"Records":[{missing}]}}"#)).unwrap();
        let BatchRecord::Unreadable(unreadable) = &records[0] else {
            panic!("{records:?}");
        };
        assert!(
            unreadable.detail.contains("approximateArrivalTimestamp"),
            "{unreadable:?}"
        );
        assert_eq!(unreadable.data.as_deref(), Some(&b"{}"[..]));
    }

    #[test]
    fn an_event_without_a_records_array_is_an_error_not_a_panic() {
        for payload in [
            "{}",
            "[]",
            "42",
            r#"{"Records": 5}"#,
            r#"{"Records": null}"#,
            r#"{"Records": {"a": 1}}"#,
        ] {
            assert!(read_event(payload).is_err(), "{payload}");
        }
        let error = read_event(r#"{"Records": "SECRET-PAYLOAD"}"#).unwrap_err();
        assert!(!error.to_string().contains("SECRET"), "{error}");
        assert_eq!(read_event(r#"{"Records": []}"#).unwrap(), vec![]);
    }
}
