//! The converter: record data → the item stored for it, or the reason it is poison, in one pass
//! over the record's bytes.
//!
//! Its parts: `walk` (the JSON, read with jiter's pull parser into an `Output`), `output` (the
//! attribute builder, or nothing when only checking), `number` (DynamoDB's number rules),
//! `metadata` (the attributes every item gets besides its body's) and `fault` (what stopped a
//! walk, and the poison reason it stands for).

mod fault;
mod metadata;
mod number;
mod output;
mod walk;

#[cfg(test)]
mod tests;

use aws_sdk_dynamodb::types::AttributeValue;
use jiter::Jiter;

use crate::item::{Item, MAX_ITEM_BYTES};
use crate::record::{Origin, Poison, ordered_sequence};
use fault::classify;
use output::{Check, Items, Output};
use walk::{Body, Walk};

pub use number::dynamodb_number;

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
        for (name, value) in metadata::attributes(origin, &checked.ordered_sequence) {
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
        let size = body_size + metadata::size(origin, &ordered_sequence);
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
