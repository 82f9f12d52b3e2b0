//! The bodies of PutRecord (`{"Data", "PartitionKey"}`) and PutRecords (`{"records": [{"data",
//! "partition-key"}]}`, or Kinesis's own `{"Records": [{"Data", "PartitionKey"}]}`), read into
//! [`Record`]s: a record's data is the compact JSON text of its `Data` (numbers exact, by
//! `jsontext`), its key and size within Kinesis's limits.

use jsontext::compact_json;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::RequestError;
use super::body::{member_path, object, parse_body, present, required, string};
use super::limits::{MAX_PARTITION_KEY_CHARS, MAX_PUT_RECORDS, MAX_PUT_RECORDS_BYTES, MAX_RECORD_BYTES};
use crate::kinesis::Record;

/// A record in Kinesis's words: PutRecord's body, and an entry of `{"Records": [...]}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct KinesisEntry<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    data: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    partition_key: Option<&'a RawValue>,
}

/// A record in the proxy's own words: an entry of `{"records": [...]}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ProxyEntry<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    data: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    partition_key: Option<&'a RawValue>,
}

/// PutRecords' body: one of the two lists, each left raw so that its refusals name it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutRecordsBody<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    records: Option<&'a RawValue>,
    #[serde(rename = "Records", borrow, default, deserialize_with = "present")]
    kinesis_records: Option<&'a RawValue>,
}

/// How a PutRecords body spells its records: the proxy's way or Kinesis's (they do not mix).
#[derive(Debug, Clone, Copy)]
enum Spelling {
    /// `{"records": [{"data", "partition-key"}]}`.
    Proxy,
    /// `{"Records": [{"Data", "PartitionKey"}]}`.
    Kinesis,
}

impl Spelling {
    fn list(self) -> &'static str {
        match self {
            Spelling::Proxy => "records",
            Spelling::Kinesis => "Records",
        }
    }

    fn data(self) -> &'static str {
        match self {
            Spelling::Proxy => "data",
            Spelling::Kinesis => "Data",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Spelling::Proxy => "partition-key",
            Spelling::Kinesis => "PartitionKey",
        }
    }

    /// The record of the entry `raw` at `path`.
    fn record(self, raw: &RawValue, path: &str) -> Result<Record, RequestError> {
        let (data, key) = match self {
            Spelling::Proxy => {
                let entry: ProxyEntry<'_> = object(raw, path)?;
                (entry.data, entry.partition_key)
            }
            Spelling::Kinesis => {
                let entry: KinesisEntry<'_> = object(raw, path)?;
                (entry.data, entry.partition_key)
            }
        };
        let (data_name, key_name) = (self.data(), self.key());
        let data = required(data, path, data_name)?;
        let key = required(key, path, key_name)?;
        record(data, key, &member_path(path, key_name), || {
            format!("{path}: {data_name} + {key_name}")
        })
    }
}

/// A partition key: 1 to 256 Unicode characters.
fn partition_key(raw: &RawValue, field: &str) -> Result<String, RequestError> {
    let key = string(raw, field)?;
    let chars = key.chars().count();
    if chars == 0 {
        return Err(RequestError::Invalid(format!("{field}: empty, at least 1 character")));
    }
    if chars > MAX_PARTITION_KEY_CHARS {
        return Err(RequestError::Invalid(format!(
            "{field}: {chars} characters, at most {MAX_PARTITION_KEY_CHARS}"
        )));
    }
    Ok(key)
}

/// One record from its `Data` and partition key members; `what` names them in a size refusal.
fn record(
    data: &RawValue,
    key: &RawValue,
    key_field: &str,
    what: impl FnOnce() -> String,
) -> Result<Record, RequestError> {
    let partition_key = partition_key(key, key_field)?;
    let data = compact_json(data.get()).into_bytes();
    let size = data.len() + partition_key.len();
    if size > MAX_RECORD_BYTES {
        return Err(RequestError::TooLarge(format!(
            "{}: {size} bytes, at most {MAX_RECORD_BYTES}",
            what()
        )));
    }
    Ok(Record { data, partition_key })
}

/// The body of `PUT /streams/{streamName}/record`: `{"Data": <any JSON>, "PartitionKey": "k"}`.
pub fn put_record(body: &str) -> Result<Record, RequestError> {
    let entry: KinesisEntry<'_> = object(parse_body(body)?, "")?;
    let data = required(entry.data, "", "Data")?;
    let key = required(entry.partition_key, "", "PartitionKey")?;
    record(data, key, "PartitionKey", || "Data + PartitionKey".to_string())
}

/// The body of `PUT /streams/{streamName}/records`: `{"records": [{"data", "partition-key"}]}` or
/// Kinesis's own `{"Records": [{"Data", "PartitionKey"}]}`; 1 to 500 records, each at most 1 MiB
/// with its key, all together at most 5 MiB.
pub fn put_records(body: &str) -> Result<Vec<Record>, RequestError> {
    let lists: PutRecordsBody<'_> = object(parse_body(body)?, "")?;
    let (spelling, list) = match (lists.records, lists.kinesis_records) {
        (Some(list), None) => (Spelling::Proxy, list),
        (None, Some(list)) => (Spelling::Kinesis, list),
        (Some(_), Some(_)) => {
            return Err(RequestError::Invalid(
                "body: both records and Records, send one of them".into(),
            ));
        }
        (None, None) => return Err(RequestError::Invalid("records: missing".into())),
    };
    let list_name = spelling.list();
    if !list.get().trim_start().starts_with('[') {
        return Err(RequestError::Malformed(format!("{list_name}: must be an array")));
    }
    let entries: Vec<&RawValue> = serde_json::from_str(list.get())
        .map_err(|e| RequestError::Malformed(format!("{list_name}: not valid JSON: {e}")))?;
    match entries.len() {
        0 => return Err(RequestError::Invalid(format!("{list_name}: no records, at least 1"))),
        n if n > MAX_PUT_RECORDS => {
            return Err(RequestError::Invalid(format!(
                "{list_name}: {n} records, at most {MAX_PUT_RECORDS}"
            )));
        }
        _ => {}
    }
    let mut records = Vec::with_capacity(entries.len());
    let mut total = 0usize;
    for (index, entry) in entries.into_iter().enumerate() {
        let record = spelling.record(entry, &format!("{list_name}[{index}]"))?;
        total += record.data.len() + record.partition_key.len();
        records.push(record);
    }
    if total > MAX_PUT_RECORDS_BYTES {
        return Err(RequestError::TooLarge(format!(
            "{list_name}: {total} bytes of data and partition keys in all, at most {MAX_PUT_RECORDS_BYTES}"
        )));
    }
    Ok(records)
}

#[cfg(test)]
mod tests;
