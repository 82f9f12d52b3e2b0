//! Property tests: any generated document converts like a reference conversion written the obvious
//! way over `serde_json::Value`, and text is "not JSON" exactly when serde_json says so.

use super::*;
use proptest::prelude::*;
use serde_json::Value;

use crate::item::RESERVED_PREFIX;

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
    prop::collection::vec((names(), value), 0..8).prop_map(|members| Value::Object(members.into_iter().collect()))
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
