//! A produce request's body → the records to produce, every reason to refuse it found before
//! anything is produced: the whole request is produced, or nothing is and the client is told why.

use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

use crate::error::RestError;
use crate::format::EmbeddedFormat;

/// Most records in one request. The REST Proxy has no such limit; a function has a deadline and
/// 6 MB of payload, and a client that sends more should split.
pub const MAX_RECORDS: usize = 10_000;
/// Largest key + value of one record: under MSK's and Kafka's default `message.max.bytes`
/// (1,048,588 bytes for a whole batch), so a record that passes here is never too large there.
pub const MAX_RECORD_BYTES: usize = 1_000_000;
/// Deepest JSON nesting of a key or value: Jackson's default limit (`maxNestingDepth`), which the
/// real proxy's consumers would hit when they read the record back.
pub const MAX_DEPTH: usize = 1_000;

/// One record of a produce request, ready to produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProduceRecord {
    /// The key bytes (`None`: no key, or a JSON `null` key).
    pub key: Option<Vec<u8>>,
    /// The value bytes (`None`: a JSON `null` value, produced as a null value).
    pub value: Option<Vec<u8>>,
    /// The partition asked for, if any.
    pub partition: Option<i32>,
}

impl ProduceRecord {
    /// Key and value bytes: what counts against [`MAX_RECORD_BYTES`] and a batch's size.
    pub fn size(&self) -> usize {
        self.key.as_ref().map_or(0, Vec::len) + self.value.as_ref().map_or(0, Vec::len)
    }
}

/// A produce request's body, `{"records": [...]}`: one type for the function that reads it and the
/// clients that write it. The function reads each record as a borrowed raw element (`R` =
/// `&RawValue`), so that each record's errors can name its index; a client writes
/// [`RequestRecord`]s.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(bound(deserialize = "R: Deserialize<'de>"))]
pub struct ProduceRequest<R> {
    /// The records, in request order (absent: refused like an empty list).
    #[serde(default)]
    pub records: Option<Vec<R>>,
}

/// One record of a produce request as JSON: its key and value in the embedded format (a base64
/// string for binary, any JSON for json). A member is `Some(raw)` whenever it is present, `null`
/// included: a missing value is an error, a null one a null value.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RequestRecord<'a> {
    /// The key (`None`: absent).
    #[serde(
        borrow,
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub key: Option<&'a RawValue>,
    /// The value (`None`: absent, which is refused).
    #[serde(
        borrow,
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<&'a RawValue>,
    /// The partition asked for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<i32>,
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(deserializer).map(Some)
}

/// The records of a produce request body, in request order. A body that is not a produce request
/// is a 422 saying what is wrong and where (not JSON, no or empty `records`, more than
/// [`MAX_RECORDS`], a record that is not an object, without `value`, with a partition that is not
/// an integer, nesting deeper than [`MAX_DEPTH`], binary data that is not base64); a record over
/// [`MAX_RECORD_BYTES`] is a 413.
pub fn parse_records(format: EmbeddedFormat, body: &[u8]) -> Result<Vec<ProduceRecord>, RestError> {
    let request: ProduceRequest<&RawValue> = serde_json::from_slice(body)
        .map_err(|e| RestError::unprocessable(format!("the body is not a JSON produce request: {e}")))?;
    let records = request.records.unwrap_or_default();
    if records.is_empty() {
        return Err(RestError::unprocessable("records must be a non-empty array"));
    }
    if records.len() > MAX_RECORDS {
        return Err(RestError::unprocessable(format!(
            "a request holds at most {MAX_RECORDS} records, this one {}: split it",
            records.len()
        )));
    }
    records
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            let record: RequestRecord<'_> = serde_json::from_str(raw.get())
                .map_err(|e| RestError::unprocessable(format!("records[{index}]: {e}")))?;
            let value = record
                .value
                .ok_or_else(|| RestError::unprocessable(format!("records[{index}]: value is required")))?;
            let parsed = ProduceRecord {
                key: record
                    .key
                    .map(|key| embedded_bytes(format, key))
                    .transpose()
                    .map_err(|e| RestError::unprocessable(format!("records[{index}].key: {e}")))?
                    .flatten(),
                value: embedded_bytes(format, value)
                    .map_err(|e| RestError::unprocessable(format!("records[{index}].value: {e}")))?,
                partition: record.partition,
            };
            if parsed.size() > MAX_RECORD_BYTES {
                return Err(RestError::too_large(format!(
                    "records[{index}] has {} bytes of key and value, at most {MAX_RECORD_BYTES}",
                    parsed.size()
                )));
            }
            Ok(parsed)
        })
        .collect()
}

/// The bytes a key or value produces (`None` for JSON `null`).
fn embedded_bytes(format: EmbeddedFormat, raw: &RawValue) -> Result<Option<Vec<u8>>, String> {
    let text = raw.get();
    if text == "null" {
        return Ok(None);
    }
    match format {
        EmbeddedFormat::Json => {
            let depth = jsontext::nesting_depth(text);
            if depth > MAX_DEPTH {
                return Err(format!("nested {depth} deep, at most {MAX_DEPTH}"));
            }
            Ok(Some(jsontext::compact_json(text).into_bytes()))
        }
        EmbeddedFormat::Binary => {
            let encoded: String =
                serde_json::from_str(text).map_err(|_| "must be a base64 string (or null)".to_string())?;
            base64::engine::general_purpose::STANDARD
                .decode(encoded.as_bytes())
                .map(Some)
                .map_err(|e| format!("not valid base64: {e}"))
        }
    }
}

#[cfg(test)]
mod tests;
