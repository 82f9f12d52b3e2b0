//! `streamgate item`: one item of the events table, in DynamoDB JSON (exact numbers), read from
//! the local stage's emulator or any endpoint.

use std::collections::HashMap;

use anyhow::Context as _;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value as Json, json};

/// Arguments of `streamgate item`.
#[derive(clap::Args)]
pub struct ItemArgs {
    /// The eventId (the table's hash key).
    event_id: String,
    /// The emulator endpoint (the local stage starts moto on port 5000).
    #[arg(long, env = "AWS_ENDPOINT_URL", default_value = crate::aws::LOCAL_EMULATOR)]
    endpoint: String,
    /// The table.
    #[arg(long, default_value = crate::aws::LOCAL_TABLE)]
    table: String,
}

/// Prints the item, or fails when there is none.
pub async fn run(args: ItemArgs) -> anyhow::Result<()> {
    let sdk = motoserver::sdk_config(&args.endpoint).await;
    let output = aws_sdk_dynamodb::Client::new(&sdk)
        .get_item()
        .table_name(&args.table)
        .key("eventId", AttributeValue::S(args.event_id.clone()))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(e)))
        .with_context(|| format!("reading {} from {} at {}", args.event_id, args.table, args.endpoint))?;
    match output.item() {
        Some(item) => {
            println!("{}", serde_json::to_string_pretty(&item_json(item))?);
            Ok(())
        }
        None => anyhow::bail!("no item with eventId {} in {}", args.event_id, args.table),
    }
}

/// DynamoDB JSON of an attribute value, as the AWS CLI prints it.
fn dynamodb_json(value: &AttributeValue) -> Json {
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
fn item_json(item: &HashMap<String, AttributeValue>) -> Json {
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
