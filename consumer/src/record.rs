//! One Kinesis record → one DynamoDB item, or the reason it can never be stored.
//!
//! The record body must be a UTF-8 JSON object. Every top-level field becomes an attribute; objects
//! become `M`, arrays `L`, numbers `N` from their exact JSON text (never through `f64`), strings `S`,
//! booleans `BOOL`, null `NULL`. The hash key `eventId` is the record's partition key, and metadata
//! goes under the reserved prefix [`RESERVED_PREFIX`].
//!
//! Numbers are read exactly by walking the document with `serde_json::value::RawValue`: every value is
//! first captured as its raw text, so a number keeps the digits the client sent.

use std::collections::HashMap;

use aws_lambda_events::event::kinesis::KinesisEventRecord;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::value::RawValue;

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

/// Why a record can never become an item. `code()` is logged and sent to the dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Poison {
    /// The data is not UTF-8.
    #[error("record data is not UTF-8")]
    NotUtf8,
    /// The data is not JSON.
    #[error("record data is not JSON (line {line}, column {column})")]
    NotJson {
        /// Line of the syntax error.
        line: usize,
        /// Column of the syntax error.
        column: usize,
    },
    /// JSON, but the top level is not an object.
    #[error("record data is JSON but not an object")]
    NotAnObject,
    /// A number DynamoDB cannot hold (more than 38 significant digits, or out of 1e-130..1e126).
    #[error("a number has more than 38 significant digits or is outside DynamoDB's range")]
    BadNumber,
    /// An attribute or map key is empty.
    #[error("an attribute name or map key is empty")]
    EmptyAttributeName,
    /// Nested deeper than DynamoDB's 32 levels.
    #[error("nested deeper than 32 levels")]
    TooDeep,
    /// The item would exceed 400 KB.
    #[error("item would be {bytes} bytes, over DynamoDB's 400 KB limit")]
    TooLarge {
        /// Estimated item size.
        bytes: usize,
    },
    /// A top-level field uses the reserved `_sg_` prefix.
    #[error("a body field uses the reserved attribute prefix _sg_")]
    ReservedName,
    /// The sequence number is not a decimal number (never from a real stream).
    #[error("the sequence number is not a decimal number")]
    BadSequenceNumber,
    /// DynamoDB refused the item itself (ValidationException on a single-item write).
    #[error("DynamoDB rejected the item: {0}")]
    RejectedByDynamoDb(String),
    /// The record itself could not be read from the event (a field of the wrong type, say): what
    /// could be recovered of it is dead-lettered, and the rest of the batch is written.
    #[error("the record could not be read from the event: {0}")]
    UnreadableRecord(String),
}

impl Poison {
    /// A stable code for logs, metrics and the dead-letter message.
    pub fn code(&self) -> &'static str {
        match self {
            Poison::NotUtf8 => "not_utf8",
            Poison::NotJson { .. } => "not_json",
            Poison::NotAnObject => "not_an_object",
            Poison::BadNumber => "bad_number",
            Poison::EmptyAttributeName => "empty_attribute_name",
            Poison::TooDeep => "too_deep",
            Poison::TooLarge { .. } => "item_too_large",
            Poison::ReservedName => "reserved_name",
            Poison::BadSequenceNumber => "bad_sequence_number",
            Poison::RejectedByDynamoDb(_) => "rejected_by_dynamodb",
            Poison::UnreadableRecord(_) => "unreadable_record",
        }
    }
}

/// Where a record came from; becomes the metadata attributes.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The partition key, i.e. the `eventId`.
    pub partition_key: &'a str,
    /// The record's sequence number.
    pub sequence_number: &'a str,
    /// The shard id (`shardId-...`), [`UNKNOWN_SHARD`] when the record's `eventID` does not say.
    pub shard_id: &'a str,
    /// Approximate arrival time in the stream.
    pub arrival: DateTime<Utc>,
}

/// The shard id of a record whose `eventID` does not name one (never from a real mapping).
pub const UNKNOWN_SHARD: &str = "unknown";

impl<'a> Origin<'a> {
    /// The origin of a record as the event source mapping delivers it. Its arrival time is taken as
    /// is: the event reader ([`crate::event`]) has already set it from the exact JSON text.
    pub fn of(record: &'a KinesisEventRecord) -> Origin<'a> {
        Origin {
            partition_key: &record.kinesis.partition_key,
            sequence_number: &record.kinesis.sequence_number,
            shard_id: record.event_id.as_deref().and_then(shard_of).unwrap_or(UNKNOWN_SHARD),
            arrival: record.kinesis.approximate_arrival_timestamp.0,
        }
    }
}

/// The shard id in a record's `eventID` (`shardId-000000000000:4959...`), if it has one.
pub fn shard_of(event_id: &str) -> Option<&str> {
    event_id
        .split_once(':')
        .map(|(shard, _)| shard)
        .filter(|shard| !shard.is_empty())
}

/// A record converted to an item.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    /// The item, metadata included.
    pub item: HashMap<String, AttributeValue>,
    /// [`ordered_sequence`] of the record's sequence number.
    pub ordered_sequence: String,
    /// The body had an `eventId` different from the partition key (the partition key won).
    pub event_id_conflict: bool,
    /// Estimated item size in bytes.
    pub size: usize,
}

/// The sequence number as a string whose lexicographic order is numeric order: three digits of
/// length, then the digits. Kinesis sequence numbers have no leading zeros and up to 129 digits, so
/// a longer one is always larger and equal lengths compare digit by digit.
pub fn ordered_sequence(sequence_number: &str) -> Result<String, Poison> {
    let digits = sequence_number.trim_start_matches('0');
    let digits = if digits.is_empty() && !sequence_number.is_empty() {
        "0"
    } else {
        digits
    };
    if digits.is_empty() || digits.len() > 999 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Poison::BadSequenceNumber);
    }
    Ok(format!("{:03}{digits}", digits.len()))
}

/// Converts record data into the item stored for it.
pub fn to_item(data: &[u8], origin: &Origin<'_>) -> Result<Converted, Poison> {
    let ordered_sequence = ordered_sequence(origin.sequence_number)?;
    let text = std::str::from_utf8(data).map_err(|_| Poison::NotUtf8)?;
    let fields: HashMap<String, &RawValue> =
        serde_json::from_str(text).map_err(|error| classify_top_level(text, &error))?;

    let mut item = HashMap::with_capacity(fields.len() + 4);
    let mut size = 0;
    let mut event_id_conflict = false;
    for (name, raw) in fields {
        if name.starts_with(RESERVED_PREFIX) {
            return Err(Poison::ReservedName);
        }
        if name.is_empty() {
            return Err(Poison::EmptyAttributeName);
        }
        let (value, value_size) = convert(raw, 1)?;
        if name == KEY_ATTRIBUTE {
            // The partition key is the identity the API was called with; the body does not override it.
            event_id_conflict = value.as_s().map_or(true, |body_id| body_id != origin.partition_key);
            continue;
        }
        size += name.len() + value_size;
        item.insert(name, value);
    }
    let arrival = origin.arrival.to_rfc3339_opts(SecondsFormat::Millis, true);
    for (name, value) in [
        (KEY_ATTRIBUTE, origin.partition_key),
        (SEQUENCE_ATTRIBUTE, ordered_sequence.as_str()),
        (SHARD_ATTRIBUTE, origin.shard_id),
        (ARRIVAL_ATTRIBUTE, arrival.as_str()),
    ] {
        size += name.len() + value.len();
        item.insert(name.to_string(), AttributeValue::S(value.to_string()));
    }
    if size > MAX_ITEM_BYTES {
        return Err(Poison::TooLarge { bytes: size });
    }
    Ok(Converted {
        item,
        ordered_sequence,
        event_id_conflict,
        size,
    })
}

/// The members of a JSON object in document order, values still raw. A `Vec`, not a map: the item
/// map is built from it directly (a repeated name keeps its last value, as in `serde_json::Value`).
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Entries<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = Entries<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut access: M) -> Result<Self::Value, M::Error> {
                let mut entries = Vec::with_capacity(access.size_hint().unwrap_or(16));
                while let Some(entry) = access.next_entry::<String, &'de RawValue>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

/// Tells "not JSON" from "JSON, but not an object" after the object parse failed.
fn classify_top_level(text: &str, error: &serde_json::Error) -> Poison {
    match serde_json::from_str::<&RawValue>(text) {
        Ok(_) => Poison::NotAnObject,
        Err(_) => Poison::NotJson {
            line: error.line(),
            column: error.column(),
        },
    }
}

/// Converts one JSON value at nesting `depth` (1 = a top-level attribute's value) and estimates its
/// DynamoDB size: strings by UTF-8 length, numbers by significant digits, containers 3 bytes plus
/// 1 per element (DynamoDB's published sizing rules).
fn convert(raw: &RawValue, depth: usize) -> Result<(AttributeValue, usize), Poison> {
    let text = raw.get();
    // RawValue holds valid JSON, so the first byte tells the type and the parses below succeed;
    // a failure would still be reported as poison, never a panic.
    let invalid = |_| Poison::NotJson { line: 0, column: 0 };
    match text.as_bytes().first() {
        Some(b'{') => {
            if depth > MAX_DEPTH {
                return Err(Poison::TooDeep);
            }
            let Entries(fields) = serde_json::from_str(text).map_err(invalid)?;
            let mut map = HashMap::with_capacity(fields.len());
            let mut size = 3;
            for (name, raw) in fields {
                if name.is_empty() {
                    return Err(Poison::EmptyAttributeName);
                }
                let (value, value_size) = convert(raw, depth + 1)?;
                size += 1 + name.len() + value_size;
                map.insert(name, value);
            }
            Ok((AttributeValue::M(map), size))
        }
        Some(b'[') => {
            if depth > MAX_DEPTH {
                return Err(Poison::TooDeep);
            }
            let elements: Vec<&RawValue> = serde_json::from_str(text).map_err(invalid)?;
            let mut list = Vec::with_capacity(elements.len());
            let mut size = 3;
            for raw in elements {
                let (value, value_size) = convert(raw, depth + 1)?;
                size += 1 + value_size;
                list.push(value);
            }
            Ok((AttributeValue::L(list), size))
        }
        Some(b'"') => {
            // Most strings have no escapes: their content is the raw text between the quotes,
            // already validated, so it is not parsed a second time.
            let string = match text.get(1..text.len().saturating_sub(1)) {
                Some(inner) if !inner.contains('\\') => inner.to_owned(),
                _ => serde_json::from_str::<String>(text).map_err(invalid)?,
            };
            let size = string.len();
            Ok((AttributeValue::S(string), size))
        }
        Some(b't') => Ok((AttributeValue::Bool(true), 1)),
        Some(b'f') => Ok((AttributeValue::Bool(false), 1)),
        Some(b'n') => Ok((AttributeValue::Null(true), 1)),
        _ => {
            let number = dynamodb_number(text)?;
            let size = number.len() / 2 + 1;
            Ok((AttributeValue::N(number), size))
        }
    }
}

/// Checks a JSON number against DynamoDB's limits and returns the text to store: the JSON text
/// itself when it has no exponent, otherwise the same value in plain decimal notation (exact:
/// digits are moved, never computed in floating point).
pub fn dynamodb_number(json: &str) -> Result<String, Poison> {
    let (negative, unsigned) = match json.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, json),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => {
            let exponent: i64 = unsigned[at + 1..].parse().map_err(|_| Poison::BadNumber)?;
            (&unsigned[..at], exponent)
        }
        None => (unsigned, 0),
    };
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if integer.is_empty() || !integer.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(Poison::BadNumber);
    }
    let digits: String = [integer, fraction].concat();
    let Some(first) = digits.find(|c| c != '0') else {
        return Ok(if negative { "-0".into() } else { "0".into() });
    };
    let significant = digits[first..].trim_end_matches('0');
    if significant.len() > MAX_SIGNIFICANT_DIGITS {
        return Err(Poison::BadNumber);
    }
    // The value is 0.<significant> × 10^point: `point` places the decimal point relative to the
    // first significant digit, and the magnitude is 10^(point-1).
    let point = integer.len() as i64 - first as i64 + exponent;
    if !(-129..=126).contains(&point) {
        return Err(Poison::BadNumber);
    }
    if exponent == 0 {
        return Ok(json.to_string());
    }
    let sign = if negative { "-" } else { "" };
    let len = significant.len() as i64;
    Ok(if point <= 0 {
        format!("{sign}0.{}{significant}", "0".repeat((-point) as usize))
    } else if point >= len {
        format!("{sign}{significant}{}", "0".repeat((point - len) as usize))
    } else {
        let (whole, part) = significant.split_at(point as usize);
        format!("{sign}{whole}.{part}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn origin() -> Origin<'static> {
        Origin {
            partition_key: "evt-1",
            sequence_number: "49590338271490256608559692538361571095921575989136588898",
            shard_id: "shardId-000000000000",
            arrival: Utc.timestamp_millis_opt(1_795_381_200_123).unwrap(),
        }
    }

    fn item(body: &str) -> Result<Converted, Poison> {
        to_item(body.as_bytes(), &origin())
    }

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    fn n(v: &str) -> AttributeValue {
        AttributeValue::N(v.into())
    }

    #[test]
    fn converts_every_json_type() {
        let c = item(
            r#"{"title":"Pin ✓","count":42,"ratio":-0.125,"ok":true,"no":false,"none":null,
            "tags":["a",1,{"x":[]}],"nested":{"deep":{"s":""}}}"#,
        )
        .unwrap();
        let i = &c.item;
        assert_eq!(i["title"], s("Pin ✓"));
        assert_eq!(i["count"], n("42"));
        assert_eq!(i["ratio"], n("-0.125"));
        assert_eq!(i["ok"], AttributeValue::Bool(true));
        assert_eq!(i["no"], AttributeValue::Bool(false));
        assert_eq!(i["none"], AttributeValue::Null(true));
        assert_eq!(
            i["tags"],
            AttributeValue::L(vec![
                s("a"),
                n("1"),
                AttributeValue::M(HashMap::from([("x".to_string(), AttributeValue::L(vec![]))]))
            ])
        );
        let deep = AttributeValue::M(HashMap::from([("s".to_string(), s(""))]));
        assert_eq!(
            i["nested"],
            AttributeValue::M(HashMap::from([("deep".to_string(), deep)]))
        );
        assert!(!c.event_id_conflict);
    }

    #[test]
    fn metadata_and_key() {
        let c = item(r#"{"a":1}"#).unwrap();
        assert_eq!(c.item[KEY_ATTRIBUTE], s("evt-1"));
        assert_eq!(
            c.item[SEQUENCE_ATTRIBUTE],
            s("05649590338271490256608559692538361571095921575989136588898")
        );
        assert_eq!(c.item[SHARD_ATTRIBUTE], s("shardId-000000000000"));
        assert_eq!(c.item[ARRIVAL_ATTRIBUTE], s("2026-11-22T21:00:00.123Z"));
        assert_eq!(c.item.len(), 5);
    }

    #[test]
    fn partition_key_wins_over_body_event_id() {
        let c = item(r#"{"eventId":"other","a":1}"#).unwrap();
        assert_eq!(c.item[KEY_ATTRIBUTE], s("evt-1"));
        assert!(c.event_id_conflict);
        let same = item(r#"{"eventId":"evt-1"}"#).unwrap();
        assert!(!same.event_id_conflict);
        assert!(item(r#"{"eventId":7}"#).unwrap().event_id_conflict);
    }

    #[test]
    fn unicode_escapes_and_empty_strings() {
        let c = item(r#"{"emoji":"\ud83d\ude00","esc":"a\"b\\c\nd","empty":"","日本":"語"}"#).unwrap();
        assert_eq!(c.item["emoji"], s("😀"));
        assert_eq!(c.item["esc"], s("a\"b\\c\nd"));
        assert_eq!(c.item["empty"], s(""));
        assert_eq!(c.item["日本"], s("語"));
    }

    #[test]
    fn numbers_are_exact() {
        let c = item(r#"{"a":12345678901234567890123456789012345678,"b":0.1,"c":1.10,"d":-0,"e":1e5,"f":1.5E-3,"g":9007199254740993}"#)
            .unwrap();
        assert_eq!(c.item["a"], n("12345678901234567890123456789012345678"));
        assert_eq!(c.item["b"], n("0.1"));
        assert_eq!(c.item["c"], n("1.10"));
        assert_eq!(c.item["d"], n("-0"));
        assert_eq!(c.item["e"], n("100000"));
        assert_eq!(c.item["f"], n("0.0015"));
        assert_eq!(c.item["g"], n("9007199254740993"), "beyond f64's exact integers");
    }

    #[test]
    fn dynamodb_number_limits() {
        assert_eq!(dynamodb_number("1e125").unwrap().len(), 126);
        assert_eq!(
            dynamodb_number("9.9999999999999999999999999999999999999e125")
                .unwrap()
                .len(),
            126
        );
        assert_eq!(dynamodb_number("1e126"), Err(Poison::BadNumber));
        assert_eq!(dynamodb_number("1e-130").unwrap(), format!("0.{}1", "0".repeat(129)));
        assert_eq!(dynamodb_number("1e-131"), Err(Poison::BadNumber));
        assert_eq!(dynamodb_number("-1e-131"), Err(Poison::BadNumber));
        assert_eq!(dynamodb_number("0e999").unwrap(), "0");
        assert_eq!(
            dynamodb_number("1000000000000000000000000000000000000000000000")
                .unwrap()
                .len(),
            46
        );
        assert_eq!(dynamodb_number(&"1".repeat(39)), Err(Poison::BadNumber));
        assert_eq!(
            dynamodb_number(&format!("0.{}", "1".repeat(38))).unwrap(),
            format!("0.{}", "1".repeat(38))
        );
        assert_eq!(dynamodb_number("123.456e1").unwrap(), "1234.56");
        assert_eq!(dynamodb_number("-123.456e-5").unwrap(), "-0.00123456");
        assert_eq!(dynamodb_number("12e+2").unwrap(), "1200");
    }

    #[test]
    fn each_poison_reason() {
        assert_eq!(to_item(&[0xff, b'{', b'}'], &origin()), Err(Poison::NotUtf8));
        assert!(matches!(item("{not json"), Err(Poison::NotJson { .. })));
        assert!(matches!(item(""), Err(Poison::NotJson { .. })));
        assert_eq!(item("[1,2]"), Err(Poison::NotAnObject));
        assert_eq!(item("\"text\""), Err(Poison::NotAnObject));
        assert_eq!(item("42"), Err(Poison::NotAnObject));
        assert_eq!(item("null"), Err(Poison::NotAnObject));
        assert_eq!(item(r#"{"big":1e400}"#), Err(Poison::BadNumber));
        assert_eq!(
            item(&format!(r#"{{"long":{}}}"#, "7".repeat(39))),
            Err(Poison::BadNumber)
        );
        assert_eq!(item(r#"{"":1}"#), Err(Poison::EmptyAttributeName));
        assert_eq!(item(r#"{"a":{"":1}}"#), Err(Poison::EmptyAttributeName));
        assert_eq!(item(r#"{"_sg_seq":"999"}"#), Err(Poison::ReservedName));
        assert_eq!(item(r#"{"_sg_anything":1}"#), Err(Poison::ReservedName));
        let huge = format!(r#"{{"blob":"{}"}}"#, "x".repeat(MAX_ITEM_BYTES));
        assert!(matches!(item(&huge), Err(Poison::TooLarge { .. })));
        let bad_seq = Origin {
            sequence_number: "12ab",
            ..origin()
        };
        assert_eq!(to_item(b"{}", &bad_seq), Err(Poison::BadSequenceNumber));
    }

    #[test]
    fn nesting_limit_is_32() {
        let nest = |levels: usize| format!(r#"{{"a":{}1{}}}"#, "[".repeat(levels), "]".repeat(levels));
        assert!(item(&nest(MAX_DEPTH)).is_ok());
        assert_eq!(item(&nest(MAX_DEPTH + 1)), Err(Poison::TooDeep));
        let maps = |levels: usize| format!(r#"{{"a":{}1{}}}"#, r#"{"b":"#.repeat(levels), "}".repeat(levels));
        assert!(item(&maps(MAX_DEPTH)).is_ok());
        assert_eq!(item(&maps(MAX_DEPTH + 1)), Err(Poison::TooDeep));
        // Beyond serde_json's recursion limit it is not even JSON to us; still poison, no panic.
        assert!(item(&nest(10_000)).is_err());
    }

    #[test]
    fn origin_of_a_record_takes_the_shard_from_the_event_id() {
        let mut record = KinesisEventRecord::default();
        record.event_id = Some("shardId-000000000007:4959".into());
        record.kinesis.partition_key = "evt-3".into();
        record.kinesis.sequence_number = "4959".into();
        record.kinesis.approximate_arrival_timestamp.0 = origin().arrival;
        let of = Origin::of(&record);
        assert_eq!(of.shard_id, "shardId-000000000007");
        assert_eq!(of.partition_key, "evt-3");
        assert_eq!(of.sequence_number, "4959");
        assert_eq!(of.arrival, origin().arrival);
        for event_id in [None, Some("no-colon"), Some(":4959")] {
            record.event_id = event_id.map(String::from);
            assert_eq!(Origin::of(&record).shard_id, UNKNOWN_SHARD, "{event_id:?}");
        }
        assert_eq!(shard_of("shardId-1:2:3"), Some("shardId-1"));
    }

    #[test]
    fn ordered_sequence_orders_numerically() {
        let mut seqs = vec![
            "9",
            "10",
            "49590338271490256608559692538361571095921575989136588898",
            "100",
            "0",
        ];
        let mut ordered: Vec<String> = seqs.iter().map(|s| ordered_sequence(s).unwrap()).collect();
        ordered.sort();
        seqs.sort_by_key(|s| (s.len(), s.to_string()));
        let back: Vec<String> = ordered.iter().map(|o| o[3..].to_string()).collect();
        assert_eq!(back, seqs);
        assert_eq!(ordered_sequence(""), Err(Poison::BadSequenceNumber));
        assert_eq!(ordered_sequence("-1"), Err(Poison::BadSequenceNumber));
    }

    #[test]
    fn size_estimate_counts_names_and_values() {
        let small = item(r#"{"a":"xyz"}"#).unwrap();
        let bigger = item(r#"{"a":"xyz","bb":"0123456789"}"#).unwrap();
        assert_eq!(bigger.size - small.size, 2 + 10);
    }

    #[test]
    fn json_round_trip_of_generated_values() {
        // Strings survive whatever escaping the encoder chose.
        let body = json!({"s": "tab\t quote\" backslash\\ nul\u{0} emoji 😀"}).to_string();
        let c = item(&body).unwrap();
        assert_eq!(c.item["s"], s("tab\t quote\" backslash\\ nul\u{0} emoji 😀"));
    }
}
