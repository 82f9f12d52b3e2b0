//! `streamgate item`: one item of the events table, in DynamoDB JSON (exact numbers), read from
//! the local stage's emulator or any endpoint.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value as Json, json};

/// DynamoDB JSON of an attribute value, as the AWS CLI prints it.
pub fn dynamodb_json(value: &AttributeValue) -> Json {
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::L(list) => json!({ "L": list.iter().map(dynamodb_json).collect::<Vec<_>>() }),
        AttributeValue::M(map) => json!({ "M": item_json(map) }),
        AttributeValue::Ss(set) => json!({ "SS": set }),
        AttributeValue::Ns(set) => json!({ "NS": set }),
        other => json!({ "unsupported": format!("{other:?}") }),
    }
}

/// DynamoDB JSON of an item, keys sorted.
pub fn item_json(item: &HashMap<String, AttributeValue>) -> Json {
    let mut keys: Vec<&String> = item.keys().collect();
    keys.sort();
    let mut object = Map::new();
    for key in keys {
        object.insert(key.clone(), dynamodb_json(&item[key]));
    }
    Json::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_dynamodb_json() {
        let item = HashMap::from([
            ("eventId".to_string(), AttributeValue::S("e".into())),
            (
                "n".to_string(),
                AttributeValue::N("12345678901234567890123456789012345678".into()),
            ),
            (
                "l".to_string(),
                AttributeValue::L(vec![AttributeValue::Bool(true), AttributeValue::Null(true)]),
            ),
        ]);
        assert_eq!(
            item_json(&item),
            json!({"eventId": {"S": "e"}, "l": {"L": [{"BOOL": true}, {"NULL": true}]},
                   "n": {"N": "12345678901234567890123456789012345678"}})
        );
    }
}
