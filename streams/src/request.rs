//! From the HTTP request to a typed Kinesis request, validated as Kinesis validates it: the route,
//! the stream name, `?limit`, and the bodies of CreateStream, PutRecord and PutRecords. Pure; every
//! refusal names the field that is wrong (`records[3].partition-key: 300 characters, at most 256`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use base64::Engine as _;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::guard::Action;
use crate::kinesis::{Capacity, Record};
use jsontext::compact_json;

/// Longest stream name.
pub const MAX_STREAM_NAME: usize = 128;
/// Longest partition key, in Unicode characters.
pub const MAX_PARTITION_KEY_CHARS: usize = 256;
/// Most bytes of data + partition key in one record (1 MiB).
pub const MAX_RECORD_BYTES: usize = 1_048_576;
/// Most bytes of data + partition keys in one PutRecords request (5 MiB).
pub const MAX_PUT_RECORDS_BYTES: usize = 5 * 1_048_576;
/// Most records in one PutRecords request.
pub const MAX_PUT_RECORDS: usize = 500;
/// Most names `GET /streams?limit=` may ask for (ListStreams' own maximum).
pub const MAX_LIST_LIMIT: usize = 10_000;

/// The routes of the proxy, by API Gateway route key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `GET /streams`: ListStreams.
    ListStreams,
    /// `GET /streams/{streamName}`: DescribeStream.
    DescribeStream,
    /// `POST /streams/{streamName}`: CreateStream.
    CreateStream,
    /// `DELETE /streams/{streamName}`: DeleteStream.
    DeleteStream,
    /// `PUT /streams/{streamName}/record`: PutRecord.
    PutRecord,
    /// `PUT /streams/{streamName}/records`: PutRecords.
    PutRecords,
}

impl Route {
    /// Every route.
    pub const ALL: [Route; 6] = [
        Route::ListStreams,
        Route::DescribeStream,
        Route::CreateStream,
        Route::DeleteStream,
        Route::PutRecord,
        Route::PutRecords,
    ];

    /// The route of an API Gateway route key (exact match).
    pub fn from_key(route_key: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|route| route.key() == route_key)
    }

    /// The route key, as the template declares it.
    pub fn key(self) -> &'static str {
        match self {
            Route::ListStreams => "GET /streams",
            Route::DescribeStream => "GET /streams/{streamName}",
            Route::CreateStream => "POST /streams/{streamName}",
            Route::DeleteStream => "DELETE /streams/{streamName}",
            Route::PutRecord => "PUT /streams/{streamName}/record",
            Route::PutRecords => "PUT /streams/{streamName}/records",
        }
    }

    /// The guarded action on `{streamName}` (`None` for the listing, which is filtered instead).
    pub fn action(self) -> Option<Action> {
        match self {
            Route::ListStreams => None,
            Route::DescribeStream => Some(Action::Describe),
            Route::CreateStream => Some(Action::Create),
            Route::DeleteStream => Some(Action::Delete),
            Route::PutRecord => Some(Action::PutRecord),
            Route::PutRecords => Some(Action::PutRecords),
        }
    }
}

/// Why a request is refused before Kinesis is called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// 400 `SerializationException`: the body is not JSON, not valid base64 or UTF-8, or of the
    /// wrong shape (a field of the wrong type, an unknown field).
    #[error("{0}")]
    Malformed(String),
    /// 400 `InvalidArgumentException`: a missing field, or a value out of range.
    #[error("{0}")]
    Invalid(String),
    /// 413 `InvalidArgumentException`: a record or the whole request is over Kinesis's size limit.
    #[error("{0}")]
    TooLarge(String),
}

impl RequestError {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            RequestError::Malformed(_) | RequestError::Invalid(_) => 400,
            RequestError::TooLarge(_) => 413,
        }
    }

    /// The exception name answered as `type`.
    pub fn error_type(&self) -> &'static str {
        match self {
            RequestError::Malformed(_) => "SerializationException",
            RequestError::Invalid(_) | RequestError::TooLarge(_) => "InvalidArgumentException",
        }
    }
}

/// Default and most shards of a stream created through the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardLimits {
    /// Shards when the request names none (`DEFAULT_SHARD_COUNT`).
    pub default: u32,
    /// Most shards a request may ask for (`MAX_SHARD_COUNT`, a cost guard).
    pub max: u32,
}

/// Checks a stream name as Kinesis does: 1 to 128 characters from `[a-zA-Z0-9_.-]`. The error
/// says what is wrong, without the name.
pub fn check_stream_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty, at least 1 character".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "{bad:?} is not allowed: only letters, digits, '_', '.' and '-'"
        ));
    }
    if name.len() > MAX_STREAM_NAME {
        return Err(format!("{} characters, at most {MAX_STREAM_NAME}", name.len()));
    }
    Ok(())
}

/// The `{streamName}` path parameter, checked.
pub fn stream_name(path_parameters: &HashMap<String, String>) -> Result<&str, RequestError> {
    let name = path_parameters
        .get("streamName")
        .ok_or_else(|| RequestError::Invalid("streamName: missing path parameter".into()))?;
    check_stream_name(name).map_err(|why| RequestError::Invalid(format!("streamName: {why}")))?;
    Ok(name)
}

/// `?limit=N` of `GET /streams`: a whole number from 1 to 10,000, or absent.
pub fn list_limit(value: Option<&str>) -> Result<Option<usize>, RequestError> {
    let Some(value) = value else {
        return Ok(None);
    };
    value
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_LIST_LIMIT).contains(n))
        .map(Some)
        .ok_or_else(|| RequestError::Invalid(format!("limit: must be a whole number from 1 to {MAX_LIST_LIMIT}")))
}

/// The request body as text: decoded from base64 when API Gateway encoded it; `""` when absent.
pub fn body_text(body: Option<&str>, is_base64_encoded: bool) -> Result<Cow<'_, str>, RequestError> {
    let Some(body) = body else {
        return Ok(Cow::Borrowed(""));
    };
    if !is_base64_encoded {
        return Ok(Cow::Borrowed(body));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|_| RequestError::Malformed("body: not valid base64".into()))?;
    String::from_utf8(bytes)
        .map(Cow::Owned)
        .map_err(|_| RequestError::Malformed("body: not UTF-8 text".into()))
}

/// An object's members in order, values left as raw JSON (so numbers are never parsed).
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for MembersVisitor<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut members = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value: &'de RawValue = map.next_value()?;
                    members.push((key, value));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor(std::marker::PhantomData))
    }
}

/// Where a value sits, for messages: `body` at the top, `records[3]` inside.
fn place(path: &str) -> &str {
    if path.is_empty() { "body" } else { path }
}

/// The path of member `name` of the object at `path`.
fn member_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// The whole body as one JSON value (never empty).
fn parse_body(body: &str) -> Result<&RawValue, RequestError> {
    if body.trim().is_empty() {
        return Err(RequestError::Malformed("body: empty, expected a JSON object".into()));
    }
    // serde_json's syntax errors say where ("expected value at line 1 column 5"), never what.
    serde_json::from_str::<&RawValue>(body).map_err(|e| RequestError::Malformed(format!("body: not valid JSON: {e}")))
}

/// The members `names` of the object `raw` at `path`, in that order; any other member, a duplicate
/// or a non-object is refused.
fn members<'a, const N: usize>(
    raw: &'a RawValue,
    path: &str,
    names: [&str; N],
) -> Result<[Option<&'a RawValue>; N], RequestError> {
    if !raw.get().trim_start().starts_with('{') {
        return Err(RequestError::Malformed(format!(
            "{}: must be a JSON object",
            place(path)
        )));
    }
    let Members(all) = serde_json::from_str(raw.get())
        .map_err(|e| RequestError::Malformed(format!("{}: not valid JSON: {e}", place(path))))?;
    let mut found = [None; N];
    for (key, value) in all {
        let Some(slot) = names.iter().position(|name| *name == key) else {
            return Err(RequestError::Malformed(format!(
                "{}: unknown field {key:?}, expected {}",
                place(path),
                names.join(" or ")
            )));
        };
        if found[slot].replace(value).is_some() {
            return Err(RequestError::Malformed(format!(
                "{}: duplicate field {key:?}",
                place(path)
            )));
        }
    }
    Ok(found)
}

/// A required member.
fn required<'a>(value: Option<&'a RawValue>, path: &str, name: &str) -> Result<&'a RawValue, RequestError> {
    value.ok_or_else(|| RequestError::Invalid(format!("{}: missing", member_path(path, name))))
}

/// A JSON string member, decoded.
fn string(raw: &RawValue, field: &str) -> Result<String, RequestError> {
    serde_json::from_str::<String>(raw.get()).map_err(|_| RequestError::Malformed(format!("{field}: must be a string")))
}

/// Why Kinesis would refuse one record with this partition key and data before storing it: a key
/// outside 1 to 256 characters, or data + key over 1 MiB. Shared by every PutRecord of the project
/// that holds raw bytes (the submit function, the local stage's direct integration).
pub fn record_violation(partition_key: &str, data: &[u8]) -> Option<String> {
    let key_chars = partition_key.chars().count();
    if key_chars == 0 || key_chars > MAX_PARTITION_KEY_CHARS {
        return Some(format!(
            "partition key of {key_chars} characters (1 to {MAX_PARTITION_KEY_CHARS})"
        ));
    }
    let size = data.len() + partition_key.len();
    (size > MAX_RECORD_BYTES)
        .then(|| format!("record of {size} bytes (data + partition key, at most {MAX_RECORD_BYTES})"))
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
    let raw = parse_body(body)?;
    let [data, key] = members(raw, "", ["Data", "PartitionKey"])?;
    let data = required(data, "", "Data")?;
    let key = required(key, "", "PartitionKey")?;
    record(data, key, "PartitionKey", || "Data + PartitionKey".to_string())
}

/// The body of `PUT /streams/{streamName}/records`: `{"records": [{"data", "partition-key"}]}` or
/// Kinesis's own `{"Records": [{"Data", "PartitionKey"}]}`; 1 to 500 records, each at most 1 MiB
/// with its key, all together at most 5 MiB.
pub fn put_records(body: &str) -> Result<Vec<Record>, RequestError> {
    let raw = parse_body(body)?;
    let [lower, upper] = members(raw, "", ["records", "Records"])?;
    let (list_name, list, data_name, key_name) = match (lower, upper) {
        (Some(list), None) => ("records", list, "data", "partition-key"),
        (None, Some(list)) => ("Records", list, "Data", "PartitionKey"),
        (Some(_), Some(_)) => {
            return Err(RequestError::Invalid(
                "body: both records and Records, send one of them".into(),
            ));
        }
        (None, None) => return Err(RequestError::Invalid("records: missing".into())),
    };
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
        let path = format!("{list_name}[{index}]");
        let [data, key] = members(entry, &path, [data_name, key_name])?;
        let data = required(data, &path, data_name)?;
        let key = required(key, &path, key_name)?;
        let record = record(data, key, &member_path(&path, key_name), || {
            format!("{path}: {data_name} + {key_name}")
        })?;
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

/// The body of `POST /streams/{streamName}`: empty or `{}` (the default shard count),
/// `{"ShardCount": n}` (1 to the configured maximum), `{"StreamMode": "ON_DEMAND" | "PROVISIONED"}`
/// (also as Kinesis's `{"StreamModeDetails": {"StreamMode": ...}}`).
pub fn create_stream(body: &str, limits: ShardLimits) -> Result<Capacity, RequestError> {
    if body.trim().is_empty() {
        return Ok(Capacity::Provisioned(limits.default));
    }
    let raw = parse_body(body)?;
    let [shard_count, mode, details] = members(raw, "", ["ShardCount", "StreamMode", "StreamModeDetails"])?;
    let mode = match (mode, details) {
        (Some(_), Some(_)) => {
            return Err(RequestError::Invalid(
                "body: both StreamMode and StreamModeDetails, send one of them".into(),
            ));
        }
        (Some(mode), None) => Some((mode, "StreamMode")),
        (None, Some(details)) => {
            let [mode] = members(details, "StreamModeDetails", ["StreamMode"])?;
            Some((
                required(mode, "StreamModeDetails", "StreamMode")?,
                "StreamModeDetails.StreamMode",
            ))
        }
        (None, None) => None,
    };
    let on_demand = match mode {
        None => false,
        Some((raw, field)) => match string(raw, field)?.as_str() {
            "ON_DEMAND" => true,
            "PROVISIONED" => false,
            _ => {
                return Err(RequestError::Invalid(format!(
                    "{field}: must be ON_DEMAND or PROVISIONED"
                )));
            }
        },
    };
    match (shard_count, on_demand) {
        (Some(_), true) => Err(RequestError::Invalid(
            "ShardCount: not allowed with StreamMode ON_DEMAND (Kinesis scales its shards)".into(),
        )),
        (None, true) => Ok(Capacity::OnDemand),
        (None, false) => Ok(Capacity::Provisioned(limits.default)),
        (Some(raw), false) => {
            let range = || format!("ShardCount: must be a whole number from 1 to {}", limits.max);
            let count: u64 = serde_json::from_str(raw.get()).map_err(|_| RequestError::Invalid(range()))?;
            match u32::try_from(count) {
                Ok(count) if (1..=limits.max).contains(&count) => Ok(Capacity::Provisioned(count)),
                _ if count > u64::from(limits.max) => Err(RequestError::Invalid(format!(
                    "ShardCount: {count}, at most {} (MAX_SHARD_COUNT, a cost guard)",
                    limits.max
                ))),
                _ => Err(RequestError::Invalid(range())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_limits_are_kinesis_limits() {
        assert!(record_violation("k", &[]).is_none());
        assert!(record_violation("k", &vec![0; MAX_RECORD_BYTES - 1]).is_none());
        assert!(record_violation("k", &vec![0; MAX_RECORD_BYTES]).is_some());
        assert!(record_violation("", b"x").is_some());
        assert!(
            record_violation(&"é".repeat(256), b"x").is_none(),
            "characters, not bytes"
        );
        assert!(record_violation(&"k".repeat(257), b"x").is_some());
    }

    fn malformed(result: Result<impl fmt::Debug, RequestError>) -> String {
        match result {
            Err(RequestError::Malformed(message)) => message,
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    fn invalid(result: Result<impl fmt::Debug, RequestError>) -> String {
        match result {
            Err(RequestError::Invalid(message)) => message,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    fn too_large(result: Result<impl fmt::Debug, RequestError>) -> String {
        match result {
            Err(RequestError::TooLarge(message)) => message,
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }

    #[test]
    fn routes_by_exact_key() {
        for route in Route::ALL {
            assert_eq!(Route::from_key(route.key()), Some(route));
        }
        for key in [
            "GET /streams/",
            "get /streams",
            "POST /streams",
            "PATCH /streams/{streamName}",
            "$default",
            "",
            "GET /streams/{streamName}/records",
        ] {
            assert_eq!(Route::from_key(key), None, "{key}");
        }
        assert_eq!(Route::ListStreams.action(), None);
        assert_eq!(Route::DeleteStream.action(), Some(Action::Delete));
    }

    #[test]
    fn stream_names_as_kinesis_checks_them() {
        for ok in ["a", "A-b_c.9", &"x".repeat(128)] {
            assert_eq!(check_stream_name(ok), Ok(()), "{ok}");
        }
        assert_eq!(check_stream_name(""), Err("empty, at least 1 character".into()));
        assert_eq!(
            check_stream_name(&"x".repeat(129)),
            Err("129 characters, at most 128".into())
        );
        for bad in ["a b", "a/b", "é", "a:b", "a%2Fb", "a\u{0}"] {
            assert!(check_stream_name(bad).is_err(), "{bad:?}");
        }
        let params = HashMap::from([("streamName".to_string(), "bad name".to_string())]);
        assert!(invalid(stream_name(&params)).starts_with("streamName: ' ' is not allowed"));
        assert_eq!(
            invalid(stream_name(&HashMap::new())),
            "streamName: missing path parameter"
        );
    }

    #[test]
    fn list_limit_range() {
        assert_eq!(list_limit(None), Ok(None));
        assert_eq!(list_limit(Some("1")), Ok(Some(1)));
        assert_eq!(list_limit(Some("10000")), Ok(Some(10_000)));
        for bad in ["0", "10001", "-1", "x", "", "1.5", "1,2", " 3"] {
            assert_eq!(
                invalid(list_limit(Some(bad))),
                "limit: must be a whole number from 1 to 10000",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn bodies_are_decoded_from_base64() {
        assert_eq!(body_text(None, false).unwrap(), "");
        assert_eq!(body_text(Some("{}"), false).unwrap(), "{}");
        assert_eq!(body_text(Some("eyJhIjoxfQ=="), true).unwrap(), r#"{"a":1}"#);
        assert_eq!(malformed(body_text(Some("***"), true)), "body: not valid base64");
        assert_eq!(malformed(body_text(Some("/w=="), true)), "body: not UTF-8 text");
    }

    #[test]
    fn put_record_body() {
        let record =
            put_record(r#"{ "Data": { "n": 12345678901234567890123456789.0, "s": "a b" }, "PartitionKey": "k-1" }"#)
                .unwrap();
        assert_eq!(record.partition_key, "k-1");
        assert_eq!(record.data, br#"{"n":12345678901234567890123456789.0,"s":"a b"}"#);
        assert_eq!(
            put_record(r#"{"Data": null, "PartitionKey": "k"}"#).unwrap().data,
            b"null"
        );
        assert_eq!(
            put_record(r#"{"Data": "text", "PartitionKey": "k"}"#).unwrap().data,
            b"\"text\""
        );

        assert_eq!(invalid(put_record(r#"{"PartitionKey": "k"}"#)), "Data: missing");
        assert_eq!(invalid(put_record(r#"{"Data": 1}"#)), "PartitionKey: missing");
        assert_eq!(
            invalid(put_record(r#"{"Data": 1, "PartitionKey": ""}"#)),
            "PartitionKey: empty, at least 1 character"
        );
        assert_eq!(
            malformed(put_record(r#"{"Data": 1, "PartitionKey": 7}"#)),
            "PartitionKey: must be a string"
        );
        assert_eq!(
            malformed(put_record(r#"{"Data": 1, "PartitionKey": "k", "Extra": 1}"#)),
            r#"body: unknown field "Extra", expected Data or PartitionKey"#
        );
        assert_eq!(
            malformed(put_record(r#"{"Data": 1, "Data": 2, "PartitionKey": "k"}"#)),
            r#"body: duplicate field "Data""#
        );
        assert_eq!(malformed(put_record("")), "body: empty, expected a JSON object");
        assert_eq!(malformed(put_record("[1]")), "body: must be a JSON object");
        assert!(malformed(put_record(r#"{"Data": 1,"#)).starts_with("body: not valid JSON: "));
    }

    #[test]
    fn partition_keys_count_unicode_characters() {
        let key = "é".repeat(256); // 512 bytes, 256 characters: allowed
        let body = format!(r#"{{"Data": 1, "PartitionKey": "{key}"}}"#);
        assert_eq!(put_record(&body).unwrap().partition_key, key);
        let body = format!(r#"{{"Data": 1, "PartitionKey": "{}"}}"#, "k".repeat(300));
        assert_eq!(invalid(put_record(&body)), "PartitionKey: 300 characters, at most 256");
    }

    #[test]
    fn record_size_is_compact_data_plus_key() {
        // Compact data of 1 MiB - 1 byte (with its quotes), plus a 1-byte key: exactly 1 MiB, allowed.
        let fill = "x".repeat(MAX_RECORD_BYTES - 3);
        let body = format!(r#"{{"Data": "{fill}", "PartitionKey": "k"}}"#);
        assert_eq!(put_record(&body).unwrap().data.len(), MAX_RECORD_BYTES - 1);
        // Whitespace does not count: it is not stored.
        let body = format!(r#"{{"Data":    "{fill}"   , "PartitionKey": "k"}}"#);
        assert!(put_record(&body).is_ok());
        // One more byte of key: over.
        let body = format!(r#"{{"Data": "{fill}", "PartitionKey": "kk"}}"#);
        assert_eq!(
            too_large(put_record(&body)),
            "Data + PartitionKey: 1048577 bytes, at most 1048576"
        );
    }

    #[test]
    fn put_records_both_shapes() {
        let lower = put_records(
            r#"{"records": [{"data": {"a": 1.0}, "partition-key": "k1"}, {"partition-key": "k2", "data": [1, 2]}]}"#,
        )
        .unwrap();
        let upper = put_records(
            r#"{"Records": [{"Data": {"a": 1.0}, "PartitionKey": "k1"}, {"Data": [1, 2], "PartitionKey": "k2"}]}"#,
        )
        .unwrap();
        assert_eq!(lower, upper);
        assert_eq!(lower[0].data, br#"{"a":1.0}"#);
        assert_eq!(lower[1].data, b"[1,2]");
        assert_eq!(lower[1].partition_key, "k2");
    }

    #[test]
    fn put_records_refusals_name_the_field() {
        let entry = |i: usize| format!(r#"{{"data": {i}, "partition-key": "k{i}"}}"#);
        let many = |n: usize| {
            format!(
                r#"{{"records": [{}]}}"#,
                (0..n).map(entry).collect::<Vec<_>>().join(",")
            )
        };
        assert_eq!(put_records(&many(500)).unwrap().len(), 500);
        assert_eq!(invalid(put_records(&many(501))), "records: 501 records, at most 500");
        assert_eq!(invalid(put_records(&many(0))), "records: no records, at least 1");
        assert_eq!(
            invalid(put_records(r#"{"Records": []}"#)),
            "Records: no records, at least 1"
        );
        assert_eq!(invalid(put_records("{}")), "records: missing");
        assert_eq!(
            invalid(put_records(r#"{"records": [], "Records": []}"#)),
            "body: both records and Records, send one of them"
        );
        assert_eq!(
            malformed(put_records(r#"{"records": {}}"#)),
            "records: must be an array"
        );
        assert_eq!(
            malformed(put_records(r#"{"records": [{"data": 1, "partition-key": "k"}, 5]}"#)),
            "records[1]: must be a JSON object"
        );

        let long = "k".repeat(300);
        let body = format!(
            r#"{{"records": [{}, {}, {}, {{"data": 1, "partition-key": "{long}"}}]}}"#,
            entry(0),
            entry(1),
            entry(2)
        );
        assert_eq!(
            invalid(put_records(&body)),
            "records[3].partition-key: 300 characters, at most 256"
        );
        let body = format!(r#"{{"Records": [{{"Data": 1, "PartitionKey": "{long}"}}]}}"#);
        assert_eq!(
            invalid(put_records(&body)),
            "Records[0].PartitionKey: 300 characters, at most 256"
        );
        assert_eq!(
            invalid(put_records(r#"{"records": [{"data": 1}]}"#)),
            "records[0].partition-key: missing"
        );
        assert_eq!(
            invalid(put_records(r#"{"Records": [{"PartitionKey": "k"}]}"#)),
            "Records[0].Data: missing"
        );
        // The shapes do not mix.
        assert_eq!(
            malformed(put_records(r#"{"records": [{"Data": 1, "partition-key": "k"}]}"#)),
            r#"records[0]: unknown field "Data", expected data or partition-key"#
        );
        assert_eq!(
            malformed(put_records(r#"{"records": [{"data": 1, "partition-key": ["k"]}]}"#)),
            "records[0].partition-key: must be a string"
        );
    }

    #[test]
    fn put_records_sizes() {
        let fill = "x".repeat(MAX_RECORD_BYTES); // 1 MiB + 2 quotes: over on its own
        let body = format!(
            r#"{{"records": [{{"data": 1, "partition-key": "k"}}, {{"data": "{fill}", "partition-key": "k"}}]}}"#
        );
        assert_eq!(
            too_large(put_records(&body)),
            "records[1]: data + partition-key: 1048579 bytes, at most 1048576"
        );
        // Six records of 1 MiB - 10 bytes each: each fine, over 5 MiB together.
        let fill = "x".repeat(MAX_RECORD_BYTES - 12);
        let entry = format!(r#"{{"data": "{fill}", "partition-key": "k"}}"#);
        let body = format!(r#"{{"records": [{}]}}"#, [entry.as_str(); 6].join(","));
        assert_eq!(
            too_large(put_records(&body)),
            format!(
                "records: {} bytes of data and partition keys in all, at most 5242880",
                6 * (MAX_RECORD_BYTES - 10 + 1)
            )
        );
        let body = format!(r#"{{"records": [{}]}}"#, [entry.as_str(); 5].join(","));
        assert_eq!(put_records(&body).unwrap().len(), 5);
    }

    const LIMITS: ShardLimits = ShardLimits { default: 1, max: 4 };

    #[test]
    fn create_stream_body() {
        for empty in ["", "  ", "{}", " { } "] {
            assert_eq!(create_stream(empty, LIMITS), Ok(Capacity::Provisioned(1)), "{empty:?}");
        }
        assert_eq!(
            create_stream(r#"{"ShardCount": 3}"#, LIMITS),
            Ok(Capacity::Provisioned(3))
        );
        assert_eq!(
            create_stream(r#"{"ShardCount": 4}"#, LIMITS),
            Ok(Capacity::Provisioned(4))
        );
        assert_eq!(
            create_stream(r#"{"StreamMode": "ON_DEMAND"}"#, LIMITS),
            Ok(Capacity::OnDemand)
        );
        assert_eq!(
            create_stream(r#"{"StreamModeDetails": {"StreamMode": "ON_DEMAND"}}"#, LIMITS),
            Ok(Capacity::OnDemand)
        );
        assert_eq!(
            create_stream(r#"{"StreamMode": "PROVISIONED"}"#, LIMITS),
            Ok(Capacity::Provisioned(1))
        );
        assert_eq!(
            create_stream(r#"{"StreamMode": "PROVISIONED", "ShardCount": 2}"#, LIMITS),
            Ok(Capacity::Provisioned(2))
        );
    }

    #[test]
    fn create_stream_refusals() {
        assert_eq!(
            invalid(create_stream(r#"{"ShardCount": 5}"#, LIMITS)),
            "ShardCount: 5, at most 4 (MAX_SHARD_COUNT, a cost guard)"
        );
        assert_eq!(
            invalid(create_stream(r#"{"ShardCount": 99999999999999999999}"#, LIMITS)),
            "ShardCount: must be a whole number from 1 to 4"
        );
        for bad in ["0", "-1", "1.5", "\"2\"", "null", "true"] {
            assert_eq!(
                invalid(create_stream(&format!(r#"{{"ShardCount": {bad}}}"#), LIMITS)),
                "ShardCount: must be a whole number from 1 to 4",
                "{bad}"
            );
        }
        assert_eq!(
            invalid(create_stream(r#"{"StreamMode": "ON_DEMAND", "ShardCount": 2}"#, LIMITS)),
            "ShardCount: not allowed with StreamMode ON_DEMAND (Kinesis scales its shards)"
        );
        assert_eq!(
            invalid(create_stream(r#"{"StreamMode": "on_demand"}"#, LIMITS)),
            "StreamMode: must be ON_DEMAND or PROVISIONED"
        );
        assert_eq!(
            malformed(create_stream(r#"{"StreamMode": 1}"#, LIMITS)),
            "StreamMode: must be a string"
        );
        assert_eq!(
            malformed(create_stream(r#"{"shardCount": 1}"#, LIMITS)),
            r#"body: unknown field "shardCount", expected ShardCount or StreamMode or StreamModeDetails"#
        );
        assert_eq!(
            invalid(create_stream(r#"{"StreamModeDetails": {}}"#, LIMITS)),
            "StreamModeDetails.StreamMode: missing"
        );
        assert_eq!(malformed(create_stream("[]", LIMITS)), "body: must be a JSON object");
        assert!(malformed(create_stream("{", LIMITS)).starts_with("body: not valid JSON"));
    }
}
