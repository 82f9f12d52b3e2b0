//! One record's walk through its JSON with jiter's pull parser: the top-level object's own rules
//! (the reserved prefix, `eventId`), DynamoDB's nesting limit and empty names, and each value's
//! DynamoDB size, handing every value to an [`Output`].

use jiter::{Jiter, Peek};

use super::fault::Fault;
use super::metadata::METADATA_ATTRIBUTES;
use super::number::dynamodb_number;
use super::output::Output;
use crate::item::{KEY_ATTRIBUTE, MAX_DEPTH, RESERVED_PREFIX};
use crate::record::Poison;

/// The top-level object's own rules: the reserved prefix, and `eventId`, which the partition key
/// overrides.
pub(super) struct Body<'o> {
    pub(super) partition_key: &'o str,
    pub(super) event_id_conflict: bool,
}

/// One record's walk through its JSON.
pub(super) struct Walk<'j, 'o, O> {
    pub(super) jiter: Jiter<'j>,
    pub(super) out: &'o mut O,
}

impl<O: Output> Walk<'_, '_, O> {
    /// The record: an object, then nothing but whitespace.
    pub(super) fn record(&mut self, body: &mut Body<'_>) -> Result<(O::Map, usize), Fault> {
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
