//! One Kinesis record → one DynamoDB item, or the reason it can never be stored.
//!
//! The record body must be a UTF-8 JSON object. Every top-level field becomes an attribute; objects
//! become `M`, arrays `L`, numbers `N` from their exact JSON text (never through `f64`), strings `S`,
//! booleans `BOOL`, null `NULL`. The hash key `eventId` is the record's partition key, and metadata
//! goes under the reserved prefix [`RESERVED_PREFIX`].
//!
//! Numbers keep the digits the client sent: the document is read by a pull parser that hands over
//! each number's text ([`Converter`] says why not serde).

use std::borrow::Cow;
use std::collections::HashMap;

use aws_lambda_events::event::kinesis::KinesisEventRecord;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use jiter::{Jiter, JiterError, JiterErrorType, JsonErrorType, LinePosition, Peek};

use crate::store::Item;

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
    pub item: Item,
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

/// Converts record data into the item stored for it, with fresh buffers. A batch converts its
/// records with one [`Converter`] instead, which keeps its buffers from record to record.
pub fn to_item(data: &[u8], origin: &Origin<'_>) -> Result<Converted, Poison> {
    Converter::default().to_item(data, origin)
}

/// What [`Converter::check`] learns of a record that can be stored: all but the item itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// [`ordered_sequence`] of the record's sequence number.
    pub ordered_sequence: String,
    /// The body had an `eventId` different from the partition key (the partition key won).
    pub event_id_conflict: bool,
    /// Estimated item size in bytes.
    pub size: usize,
}

/// Converts records into items in one pass over each record's bytes: jiter's pull parser reads the
/// JSON straight into the item's attribute values, numbers as their exact text.
///
/// Why not a serde visitor: serde_json hands a visitor numbers as `u64`/`i64`/`f64` (`1.10` arrives
/// as `1.1`, 30-digit integers lose digits) unless its `arbitrary_precision` feature is on, and
/// that feature is global to the binary: it changes how every other crate in it (the Lambda
/// runtime, the event types) reads numbers through untagged enums and flattened structs.
///
/// serde_json stays the judge of what is JSON: a record that fails is classified again by
/// serde_json (only then: poison records cost more, good ones nothing), which says "not JSON" with
/// the same positions as before and decides between a syntax error and the content's own reason.
/// Where jiter and serde_json could disagree on what is JSON (raw control characters in strings,
/// escapes, numbers, literals), the tests hold them to the same answer.
///
/// [`Converter::check`] walks the same way without building anything (no allocation for a typical
/// record): a batch checks every record first and builds items only for the records it writes, a
/// window at a time, so its memory does not hold one item per record.
#[derive(Debug, Default)]
pub struct Converter {
    /// jiter's buffer for strings with escapes.
    tape: Vec<u8>,
    /// Builds items, keeping its vectors.
    items: Items,
}

impl Converter {
    /// Converts record data into the item stored for it.
    pub fn to_item(&mut self, data: &[u8], origin: &Origin<'_>) -> Result<Converted, Poison> {
        let mut items = std::mem::take(&mut self.items);
        let walked = self.walk(data, origin, &mut items);
        self.items = items;
        let (mut item, checked) = walked?;
        for (name, value) in [
            (KEY_ATTRIBUTE, origin.partition_key.to_string()),
            (SEQUENCE_ATTRIBUTE, checked.ordered_sequence.clone()),
            (SHARD_ATTRIBUTE, origin.shard_id.to_string()),
            (ARRIVAL_ATTRIBUTE, arrival_text(origin.arrival)),
        ] {
            item.insert(name.to_string(), AttributeValue::S(value));
        }
        Ok(Converted {
            item,
            ordered_sequence: checked.ordered_sequence,
            event_id_conflict: checked.event_id_conflict,
            size: checked.size,
        })
    }

    /// What [`Converter::to_item`] would say of the record, without building the item: the same
    /// walk, the same poison reasons, the same size.
    pub fn check(&mut self, data: &[u8], origin: &Origin<'_>) -> Result<Checked, Poison> {
        self.walk(data, origin, &mut Check).map(|((), checked)| checked)
    }

    fn walk<O: Output>(&mut self, data: &[u8], origin: &Origin<'_>, out: &mut O) -> Result<(O::Map, Checked), Poison> {
        let ordered_sequence = ordered_sequence(origin.sequence_number)?;
        let mut walk = Walk {
            jiter: Jiter::with_tape(data, std::mem::take(&mut self.tape)),
            out,
        };
        let mut body = Body {
            partition_key: origin.partition_key,
            event_id_conflict: false,
        };
        let read = walk.record(&mut body);
        self.tape = walk.jiter.into_tape();
        // A successful walk read the whole record as UTF-8 (jiter validates every string, and any
        // other non-ASCII byte is a syntax error): the text is checked separately only on failure.
        let (map, body_size) = read.map_err(|fault| match std::str::from_utf8(data) {
            Ok(text) => classify(text, fault),
            Err(_) => Poison::NotUtf8,
        })?;
        let size = body_size
            + KEY_ATTRIBUTE.len()
            + origin.partition_key.len()
            + SEQUENCE_ATTRIBUTE.len()
            + ordered_sequence.len()
            + SHARD_ATTRIBUTE.len()
            + origin.shard_id.len()
            + ARRIVAL_ATTRIBUTE.len()
            + arrival_len(origin.arrival);
        if size > MAX_ITEM_BYTES {
            return Err(Poison::TooLarge { bytes: size });
        }
        let checked = Checked {
            ordered_sequence,
            event_id_conflict: body.event_id_conflict,
            size,
        };
        Ok((map, checked))
    }
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

/// What stopped a walk, before [`classify`] has the last word.
#[derive(Debug)]
enum Fault {
    /// jiter found a syntax error at this byte.
    Syntax { index: usize },
    /// The document's content cannot be stored, if it is JSON at all.
    Content(Poison),
}

impl From<JiterError> for Fault {
    fn from(error: JiterError) -> Self {
        match error.error_type {
            // An integer of more than 4,300 digits: JSON, and a number DynamoDB cannot hold.
            JiterErrorType::JsonError(JsonErrorType::NumberOutOfRange) => Fault::Content(Poison::BadNumber),
            _ => Fault::Syntax { index: error.index },
        }
    }
}

impl From<Poison> for Fault {
    fn from(poison: Poison) -> Self {
        Fault::Content(poison)
    }
}

/// The poison reason of a failed walk. serde_json decides whether the text is JSON, with the
/// positions it has always reported; only JSON gets the content's own reason.
fn classify(text: &str, fault: Fault) -> Poison {
    match (serde_json::from_str::<serde::de::IgnoredAny>(text), fault) {
        (Err(error), _) => Poison::NotJson {
            line: error.line(),
            column: error.column(),
        },
        (Ok(_), Fault::Content(poison)) => poison,
        // JSON to serde_json's skimming, not to jiter: a lone surrogate escape, which serde_json
        // too refuses when it decodes the string. Not storable text either way.
        (Ok(_), Fault::Syntax { index }) => {
            let position = LinePosition::find(text.as_bytes(), index);
            Poison::NotJson {
                line: position.line,
                column: position.column,
            }
        }
    }
}

/// What a walk makes of the values it reads: the item ([`Items`]), or nothing at all ([`Check`]).
trait Output {
    type Name;
    type Value;
    type Map;
    fn name(&mut self, name: &str) -> Self::Name;
    fn string(&mut self, string: &str) -> Self::Value;
    fn number(&mut self, number: Cow<'_, str>) -> Self::Value;
    fn boolean(&mut self, value: bool) -> Self::Value;
    fn null(&mut self) -> Self::Value;
    fn list(&mut self, values: Vec<Self::Value>) -> Self::Value;
    /// An empty vector to collect an object's members in.
    fn members(&mut self) -> Vec<(Self::Name, Self::Value)>;
    /// The map of the collected members, with room for `spare` more.
    fn map(&mut self, members: Vec<(Self::Name, Self::Value)>, spare: usize) -> Self::Map;
    fn nested(&mut self, map: Self::Map) -> Self::Value;
}

/// Builds the item. An object's members are collected in a vector first, so that its map is
/// allocated once with the exact capacity (no rehashing as it grows); the vectors are reused.
#[derive(Debug, Default)]
struct Items {
    pool: Vec<Vec<(String, AttributeValue)>>,
}

impl Output for Items {
    type Name = String;
    type Value = AttributeValue;
    type Map = Item;

    fn name(&mut self, name: &str) -> String {
        name.to_owned()
    }

    fn string(&mut self, string: &str) -> AttributeValue {
        AttributeValue::S(string.to_owned())
    }

    fn number(&mut self, number: Cow<'_, str>) -> AttributeValue {
        AttributeValue::N(number.into_owned())
    }

    fn boolean(&mut self, value: bool) -> AttributeValue {
        AttributeValue::Bool(value)
    }

    fn null(&mut self) -> AttributeValue {
        AttributeValue::Null(true)
    }

    fn list(&mut self, values: Vec<AttributeValue>) -> AttributeValue {
        AttributeValue::L(values)
    }

    fn members(&mut self) -> Vec<(String, AttributeValue)> {
        self.pool.pop().unwrap_or_default()
    }

    fn map(&mut self, mut members: Vec<(String, AttributeValue)>, spare: usize) -> Item {
        let mut map = HashMap::with_capacity(members.len() + spare);
        // A repeated name keeps its last value, as in `serde_json::Value`.
        map.extend(members.drain(..));
        self.pool.push(members);
        map
    }

    fn nested(&mut self, map: Item) -> AttributeValue {
        AttributeValue::M(map)
    }
}

/// Builds nothing: every value is `()`, so the walk's vectors never allocate.
struct Check;

impl Output for Check {
    type Name = ();
    type Value = ();
    type Map = ();

    fn name(&mut self, _: &str) {}
    fn string(&mut self, _: &str) {}
    fn number(&mut self, _: Cow<'_, str>) {}
    fn boolean(&mut self, _: bool) {}
    fn null(&mut self) {}
    fn list(&mut self, _: Vec<()>) {}
    fn members(&mut self) -> Vec<((), ())> {
        Vec::new()
    }
    fn map(&mut self, _: Vec<((), ())>, _: usize) {}
    fn nested(&mut self, _: ()) {}
}

/// The top-level object's own rules: the reserved prefix, and `eventId`, which the partition key
/// overrides.
struct Body<'o> {
    partition_key: &'o str,
    event_id_conflict: bool,
}

/// One record's walk through its JSON.
struct Walk<'j, 'o, O> {
    jiter: Jiter<'j>,
    out: &'o mut O,
}

impl<O: Output> Walk<'_, '_, O> {
    /// The record: an object, then nothing but whitespace.
    fn record(&mut self, body: &mut Body<'_>) -> Result<(O::Map, usize), Fault> {
        if self.jiter.peek()? != Peek::Object {
            return Err(Poison::NotAnObject.into());
        }
        let (map, size, _) = self.object(1, Some(body))?;
        self.jiter.finish()?;
        Ok((map, size))
    }

    /// The object whose `{` is next, its values at nesting `depth`, with the sum of its members'
    /// name and value sizes and the number of members. A repeated name counts each time (an
    /// overestimate: the item keeps one), so checking needs no set of the names seen.
    fn object(&mut self, depth: usize, body: Option<&mut Body<'_>>) -> Result<(O::Map, usize, usize), Fault> {
        let spare = if body.is_some() { METADATA_ATTRIBUTES } else { 0 };
        let mut members = self.out.members();
        let size = self.members(&mut members, depth, body)?;
        let count = members.len();
        Ok((self.out.map(members, spare), size, count))
    }

    fn members(
        &mut self,
        members: &mut Vec<(O::Name, O::Value)>,
        depth: usize,
        mut body: Option<&mut Body<'_>>,
    ) -> Result<usize, Fault> {
        let mut size = 0;
        let mut next = self.name(true, body.is_some())?;
        while let Some((name, name_len, is_event_id)) = next {
            let peek = self.jiter.peek()?;
            match body.as_deref_mut() {
                Some(body) if is_event_id => {
                    body.event_id_conflict = self.event_id_conflicts(peek, body.partition_key, depth)?;
                }
                _ => {
                    let (value, value_size) = self.value(peek, depth)?;
                    size += name_len + value_size;
                    members.push((name, value));
                }
            }
            next = self.name(false, body.is_some())?;
        }
        Ok(size)
    }

    /// The object's first (`first`) or next member name with its length and whether it is the
    /// body's `eventId`; `None` at the object's end.
    fn name(&mut self, first: bool, top_level: bool) -> Result<Option<(O::Name, usize, bool)>, Fault> {
        let name = if first {
            self.jiter.known_object()?
        } else {
            self.jiter.next_key()?
        };
        let Some(name) = name else {
            return Ok(None);
        };
        if top_level && name.starts_with(RESERVED_PREFIX) {
            return Err(Poison::ReservedName.into());
        }
        if name.is_empty() {
            return Err(Poison::EmptyAttributeName.into());
        }
        Ok(Some((
            self.out.name(name),
            name.len(),
            top_level && name == KEY_ATTRIBUTE,
        )))
    }

    /// Whether the body's `eventId` (announced by `peek`) differs from the partition key. The
    /// partition key is the identity the API was called with; the body does not override it.
    fn event_id_conflicts(&mut self, peek: Peek, partition_key: &str, depth: usize) -> Result<bool, Fault> {
        if peek != Peek::String {
            self.value(peek, depth)?;
            return Ok(true);
        }
        Ok(self.jiter.known_str()? != partition_key)
    }

    /// The value `peek` announced, at nesting `depth` (1 = a top-level attribute's value), with its
    /// DynamoDB size: strings by UTF-8 length, numbers by significant digits, containers 3 bytes
    /// plus 1 per element (DynamoDB's published sizing rules).
    fn value(&mut self, peek: Peek, depth: usize) -> Result<(O::Value, usize), Fault> {
        if matches!(peek, Peek::Object | Peek::Array) && depth > MAX_DEPTH {
            return Err(Poison::TooDeep.into());
        }
        match peek {
            Peek::Object => {
                let (map, size, count) = self.object(depth + 1, None)?;
                Ok((self.out.nested(map), 3 + count + size))
            }
            Peek::Array => {
                let mut values = Vec::new();
                let mut size = 3;
                let mut next = self.jiter.known_array()?;
                while let Some(peek) = next {
                    let (value, value_size) = self.value(peek, depth + 1)?;
                    size += 1 + value_size;
                    values.push(value);
                    next = self.jiter.array_step()?;
                }
                Ok((self.out.list(values), size))
            }
            Peek::String => {
                let string = self.jiter.known_str()?;
                Ok((self.out.string(string), string.len()))
            }
            Peek::True | Peek::False => {
                let value = self.jiter.known_bool(peek)?;
                Ok((self.out.boolean(value), 1))
            }
            Peek::Null => {
                self.jiter.known_null()?;
                Ok((self.out.null(), 1))
            }
            _ => {
                let start = self.jiter.current_index();
                let bytes = self.jiter.known_number_bytes(peek)?;
                let text = std::str::from_utf8(bytes).map_err(|_| Fault::Syntax { index: start })?;
                let number = dynamodb_number(text)?;
                let size = number.len() / 2 + 1;
                Ok((self.out.number(number), size))
            }
        }
    }
}

/// The metadata attributes every item gets besides its body's.
const METADATA_ATTRIBUTES: usize = 4;

/// Checks a JSON number against DynamoDB's limits and returns the text to store: the JSON text
/// itself (borrowed) when it has no exponent, otherwise the same value in plain decimal notation
/// (exact: digits are moved, never computed in floating point).
pub fn dynamodb_number(json: &str) -> Result<Cow<'_, str>, Poison> {
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
    // Positions in the digits of integer and fraction read as one run, found without building it:
    // this runs for every number of every record.
    let nonzero = |b: u8| b != b'0';
    let first = integer
        .bytes()
        .position(nonzero)
        .or_else(|| fraction.bytes().position(nonzero).map(|at| integer.len() + at));
    let Some(first) = first else {
        return Ok(Cow::Borrowed(if negative { "-0" } else { "0" }));
    };
    let last = fraction
        .bytes()
        .rposition(nonzero)
        .map(|at| integer.len() + at)
        .or_else(|| integer.bytes().rposition(nonzero))
        .unwrap_or(first);
    if last + 1 - first > MAX_SIGNIFICANT_DIGITS {
        return Err(Poison::BadNumber);
    }
    // The value is 0.<significant> × 10^point: `point` places the decimal point relative to the
    // first significant digit, and the magnitude is 10^(point-1).
    let point = integer.len() as i64 - first as i64 + exponent;
    if !(-129..=126).contains(&point) {
        return Err(Poison::BadNumber);
    }
    if exponent == 0 {
        return Ok(Cow::Borrowed(json));
    }
    let digits = [integer, fraction].concat();
    let significant = &digits[first..=last];
    let sign = if negative { "-" } else { "" };
    let len = significant.len() as i64;
    Ok(Cow::Owned(if point <= 0 {
        format!("{sign}0.{}{significant}", "0".repeat((-point) as usize))
    } else if point >= len {
        format!("{sign}{significant}{}", "0".repeat((point - len) as usize))
    } else {
        let (whole, part) = significant.split_at(point as usize);
        format!("{sign}{whole}.{part}")
    }))
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

    #[test]
    fn a_repeated_name_keeps_its_last_value_and_every_value_counts() {
        let once = item(r#"{"a":"xyz","m":{"k":"v"}}"#).unwrap();
        let twice = item(r#"{"a":"first","a":"xyz","m":{"k":"longer","k":"v"}}"#).unwrap();
        assert_eq!(twice.item, once.item);
        // The size estimate counts every member, a replaced one too: an overestimate, so that
        // checking a record needs no set of the names seen.
        assert_eq!(
            twice.size - once.size,
            ("a".len() + "first".len()) + (1 + "k".len() + "longer".len())
        );
        // Every value must be storable, even one a later duplicate replaces.
        assert_eq!(item(r#"{"a":1e400,"a":1}"#), Err(Poison::BadNumber));
        assert_eq!(item(r#"{"m":{"a":{"":1},"a":2}}"#), Err(Poison::EmptyAttributeName));
        let ids = item(r#"{"eventId":"other","eventId":"evt-1"}"#).unwrap();
        assert!(!ids.event_id_conflict, "the last eventId counts");
    }

    #[test]
    fn json_edges() {
        // Whitespace of every kind between tokens, none inside.
        let c = item(" \t\r\n{ \"a\" :\n[ 1 ,\t\"x\" ] , \"b\":{}\r\n} \n").unwrap();
        assert_eq!(c.item["a"], AttributeValue::L(vec![n("1"), s("x")]));
        assert_eq!(c.item["b"], AttributeValue::M(HashMap::new()));
        // Empty strings are values; empty names are not.
        assert_eq!(item(r#"{"a":"","b":[""]}"#).unwrap().item["a"], s(""));
        assert_eq!(item(r#"{"a":[{"":1}]}"#), Err(Poison::EmptyAttributeName));
        // Escapes in names and values, \u0000 included.
        let c = item(r#"{"t\u00e9\n":"\u0000\/\b\f\r\t","\ud83d\ude00":"é"}"#).unwrap();
        assert_eq!(c.item["té\n"], s("\u{0}/\u{8}\u{c}\r\t"));
        assert_eq!(c.item["😀"], s("é"));
        // Lone surrogates and bad escapes are not text.
        for bad in [
            r#"{"a":"\ud800"}"#,
            r#"{"a":"\udc00x"}"#,
            r#"{"a":"\x"}"#,
            r#"{"\ud800":1}"#,
            r#"{"a":"\u12"}"#,
        ] {
            assert!(matches!(item(bad), Err(Poison::NotJson { .. })), "{bad}");
        }
        // Raw control characters inside strings are not JSON; around tokens, tab and newline are.
        for bad in [
            "{\"a\":\"x\ty\"}",
            "{\"a\":\"x\ny\"}",
            "{\"k\u{1}\":1}",
            "{\"a\":1,\"k\u{1f}\":1}",
            "{\"a\":[\"\u{0}\"]}",
        ] {
            assert!(matches!(item(bad), Err(Poison::NotJson { .. })), "{bad:?}");
        }
        // Invalid UTF-8 anywhere, a truncated sequence included.
        for bad in [
            &b"{\"a\":\"\xff\"}"[..],
            b"{\"\xc3\":1}",
            b"{\"a\":\"\xe2\x82\"}",
            b"\xef\xbb\xbf{}",
        ] {
            let expected = if std::str::from_utf8(bad).is_ok() {
                "not_json"
            } else {
                "not_utf8"
            };
            assert_eq!(
                to_item(bad, &origin()).map(|_| ()).map_err(|p| p.code()),
                Err(expected),
                "{bad:?}"
            );
        }
        // Not JSON: trailing text, trailing commas, bad literals and numbers, two documents.
        for bad in [
            r#"{"a":1} x"#,
            r#"{"a":1,}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":tru}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":+1}"#,
            r#"{"a":-}"#,
            r#"{"a":NaN}"#,
            r#"{"a":Infinity}"#,
            r#"{"a":1}{}"#,
            r#"{'a':1}"#,
            r#"{a:1}"#,
            r#"{"a" 1}"#,
            "{",
            "{\"a\":\"",
            "",
        ] {
            assert!(matches!(item(bad), Err(Poison::NotJson { .. })), "{bad}");
        }
        // Syntax errors win over content reasons found earlier in the document.
        assert!(matches!(item(r#"{"_sg_x":1,"#), Err(Poison::NotJson { .. })));
        assert!(matches!(item(r#"{"a":1e400,"b":}"#), Err(Poison::NotJson { .. })));
        assert!(matches!(item(r#"[1,"#), Err(Poison::NotJson { .. })));
        // Positions are serde_json's, 1-based.
        assert_eq!(item("{\n  \"a\": x}"), Err(Poison::NotJson { line: 2, column: 8 }));
    }

    #[test]
    fn huge_numbers_stay_exact_or_are_poison() {
        let thirty = "123456789012345678901234567890";
        let c = item(&format!(
            r#"{{"i":{thirty},"n":-{thirty},"f":{thirty}.5,"z":0.000000000000000000000000000000000001}}"#
        ))
        .unwrap();
        assert_eq!(c.item["i"], n(thirty));
        assert_eq!(c.item["n"], n(&format!("-{thirty}")));
        assert_eq!(c.item["f"], n(&format!("{thirty}.5")));
        assert_eq!(c.item["z"], n("0.000000000000000000000000000000000001"));
        let digits_36 = "1.23456789012345678901234567890123456";
        assert_eq!(
            item(&format!(r#"{{"d":{digits_36}}}"#)).unwrap().item["d"],
            n(digits_36)
        );
        // 38 significant digits with zeros around them, and a number far longer than 38 digits.
        let padded = format!("000.{}{}", "0".repeat(10), "9".repeat(38));
        assert_eq!(dynamodb_number(&padded[2..]).unwrap(), padded[2..]);
        assert_eq!(
            item(&format!(r#"{{"x":1{}}}"#, "0".repeat(400))),
            Err(Poison::BadNumber)
        );
        assert_eq!(item(r#"{"x":1e99999999999999999999}"#), Err(Poison::BadNumber));
        assert_eq!(
            item(&format!(r#"{{"x":{}}}"#, "9".repeat(5000))),
            Err(Poison::BadNumber)
        );
        assert_eq!(item(r#"{"x":[1,2,1e-131]}"#), Err(Poison::BadNumber));
    }

    #[test]
    fn a_converter_gives_the_same_items_when_reused() {
        let mut converter = Converter::default();
        let bodies = [
            r#"{"a":"x\ny","m":{"k":[1,{"j":"\u00e9"}]}}"#,
            r#"{"a":1e400}"#,
            "not json",
            r#"{"b":"plain","m":{"k":"v","k2":{"deep":[[[]]]}}}"#,
        ];
        for _ in 0..3 {
            for body in bodies {
                assert_eq!(converter.to_item(body.as_bytes(), &origin()), item(body), "{body}");
            }
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use serde_json::Value;

        /// The conversion of a parsed document, written the obvious way over `serde_json::Value`:
        /// what `to_item` must produce from the document's text, size included.
        fn reference(document: &Value) -> Result<(HashMap<String, AttributeValue>, usize), Poison> {
            let Value::Object(members) = document else {
                return Err(Poison::NotAnObject);
            };
            let mut item = HashMap::new();
            let mut size = 0;
            for (name, value) in members {
                if name.starts_with(RESERVED_PREFIX) {
                    return Err(Poison::ReservedName);
                }
                if name.is_empty() {
                    return Err(Poison::EmptyAttributeName);
                }
                let (value, value_size) = reference_value(value, 1)?;
                if name != KEY_ATTRIBUTE {
                    size += name.len() + value_size;
                    item.insert(name.clone(), value);
                }
            }
            Ok((item, size))
        }

        fn reference_value(value: &Value, depth: usize) -> Result<(AttributeValue, usize), Poison> {
            if matches!(value, Value::Array(_) | Value::Object(_)) && depth > MAX_DEPTH {
                return Err(Poison::TooDeep);
            }
            Ok(match value {
                Value::Null => (AttributeValue::Null(true), 1),
                Value::Bool(b) => (AttributeValue::Bool(*b), 1),
                Value::String(string) => (s(string), string.len()),
                Value::Number(number) => {
                    let text = dynamodb_number(&number.to_string())?.into_owned();
                    let size = text.len() / 2 + 1;
                    (AttributeValue::N(text), size)
                }
                Value::Array(values) => {
                    let mut size = 3;
                    let mut list = Vec::new();
                    for value in values {
                        let (value, value_size) = reference_value(value, depth + 1)?;
                        size += 1 + value_size;
                        list.push(value);
                    }
                    (AttributeValue::L(list), size)
                }
                Value::Object(members) => {
                    let mut size = 3;
                    let mut map = HashMap::new();
                    for (name, value) in members {
                        if name.is_empty() {
                            return Err(Poison::EmptyAttributeName);
                        }
                        let (value, value_size) = reference_value(value, depth + 1)?;
                        size += 1 + name.len() + value_size;
                        map.insert(name.clone(), value);
                    }
                    (AttributeValue::M(map), size)
                }
            })
        }

        fn names() -> impl Strategy<Value = String> {
            prop_oneof![
                4 => "[a-z]{1,6}",
                1 => "[a-z\u{e9}\u{1f600}\"\\\\\n\t\u{1}/ ]{0,4}",
                1 => Just(KEY_ATTRIBUTE.to_string()),
                1 => Just("_sg_x".to_string()),
            ]
        }

        fn documents() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(Value::from),
                "\\PC{0,12}".prop_map(Value::String),
                "[\u{0}-\u{1f}\"\\\\]{0,4}".prop_map(Value::String),
            ];
            let value = leaf.prop_recursive(40, 256, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    prop::collection::vec((names(), inner), 0..6)
                        .prop_map(|members| Value::Object(members.into_iter().collect())),
                ]
            });
            prop::collection::vec((names(), value), 0..8)
                .prop_map(|members| Value::Object(members.into_iter().collect()))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// Any document, compact or pretty-printed: the item (metadata aside) and its size are
            /// the reference conversion's, or the poison reason is the same.
            #[test]
            fn converts_like_the_reference(document in documents(), pretty in any::<bool>()) {
                let text = if pretty {
                    serde_json::to_string_pretty(&document).unwrap()
                } else {
                    serde_json::to_string(&document).unwrap()
                };
                let expected = reference(&document);
                match (to_item(text.as_bytes(), &origin()), expected) {
                    (Ok(converted), Ok((mut item, size))) => {
                        let metadata = to_item(b"{}", &origin()).unwrap();
                        item.extend(metadata.item);
                        prop_assert_eq!(converted.item, item);
                        prop_assert_eq!(converted.size, size + metadata.size);
                    }
                    (got, expected) => prop_assert_eq!(got.map(|c| c.item), expected.map(|(item, _)| item)),
                }
            }

            /// Text that may or may not be JSON (a document with one character inserted, removed or
            /// replaced): "not JSON" exactly when serde_json cannot parse it, and anything
            /// converted parses to the document it came from.
            #[test]
            fn json_exactly_when_serde_json_says_so(
                document in documents(),
                at in any::<prop::sample::Index>(),
                edit in 0..3u8,
                insert in prop::sample::select(vec!['{', '}', '[', ']', '"', ':', ',', '\\', '\t', '\u{1}', 'e', '-', '.', '0', 'n', 'u', ' ']),
            ) {
                let mut chars: Vec<char> = serde_json::to_string(&document).unwrap().chars().collect();
                let at = at.index(chars.len() + 1);
                match edit {
                    0 => chars.insert(at, insert),
                    1 if at < chars.len() => { chars.remove(at); }
                    _ if at < chars.len() => chars[at] = insert,
                    _ => chars.push(insert),
                }
                let text: String = chars.into_iter().collect();
                // Skimmed, not parsed into a Value: that would refuse numbers beyond f64 (1e400),
                // which are JSON and, to us, bad numbers.
                let json = serde_json::from_str::<serde::de::IgnoredAny>(&text);
                let converted = to_item(text.as_bytes(), &origin());
                prop_assert_eq!(
                    matches!(converted, Err(Poison::NotJson { .. })),
                    json.is_err(),
                    "{:?}: {:?} vs {:?}", text, converted, json
                );
                // Compared where the text is the document's own rendering: a Value cannot hold an
                // edited number's digits (1.2345678901234567 becomes 1.2345678901234568).
                let parsed = serde_json::from_str::<Value>(&text)
                    .ok()
                    .filter(|parsed| serde_json::to_string(parsed).ok().as_deref() == Some(text.as_str()));
                if let (Ok(converted), Some(parsed)) = (converted, parsed) {
                    let (mut item, _) = reference(&parsed).unwrap();
                    item.extend(to_item(b"{}", &origin()).unwrap().item);
                    prop_assert_eq!(converted.item, item);
                }
            }
        }
    }
}
