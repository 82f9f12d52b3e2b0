//! What a walk makes of the values it reads: the attribute builder ([`Items`]) when converting,
//! nothing at all ([`Check`]) when only checking. One walk serves both, so a checked record and a
//! converted one can never disagree on poison or size.

use std::borrow::Cow;
use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::item::Item;

/// What a walk makes of the values it reads: the item ([`Items`]), or nothing at all ([`Check`]).
pub(super) trait Output {
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
pub(super) struct Items {
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
pub(super) struct Check;

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
