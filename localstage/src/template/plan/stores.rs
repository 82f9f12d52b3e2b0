//! The resources that hold the pipeline's data, one of each: the stream, the table, the dead-letter
//! queue and the credentials secret, with what of their settings the stage does not emulate.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::template::intrinsics::{LOCAL_STACK, Resolver};
use crate::template::properties::{SecretProperties, StreamProperties, TableProperties, one_of, properties, typed};
use crate::template::specs::{QueueSpec, SecretSpec, StreamSpec, TableSpec};
use crate::template::{TemplateError, shape};

/// The `AWS::Kinesis::Stream`: its name (the stack's default when it has none) and shard count.
pub(super) fn stream(
    template: &Json,
    resolver: &Resolver,
    not_emulated: &mut Vec<String>,
) -> Result<StreamSpec, TemplateError> {
    let (stream_id, stream) = one_of(template, "AWS::Kinesis::Stream")?;
    let stream_properties: StreamProperties = typed(stream_id, properties(stream))?;
    let stream = StreamSpec {
        logical_id: stream_id.clone(),
        name: match &stream_properties.name {
            Some(name) => resolver.string(name)?,
            None => format!("{LOCAL_STACK}-{stream_id}"),
        },
        shard_count: match &stream_properties.shard_count {
            Some(count) => resolver.integer(count, "ShardCount")?.max(1) as usize,
            None => 1,
        },
    };
    if stream_properties.stream_encryption.is_some() {
        not_emulated.push(format!(
            "{stream_id}.StreamEncryption (moto stores records unencrypted)"
        ));
    }
    Ok(stream)
}

/// The `AWS::DynamoDB::Table`: its hash key.
pub(super) fn table(template: &Json, not_emulated: &mut Vec<String>) -> Result<TableSpec, TemplateError> {
    let (table_id, table) = one_of(template, "AWS::DynamoDB::Table")?;
    let table_properties: TableProperties = typed(table_id, properties(table))?;
    let hash_key = table_properties
        .key_schema
        .iter()
        .find(|key| key.key_type == "HASH")
        .map(|key| key.attribute_name.clone())
        .ok_or_else(|| shape(format!("{table_id}: no HASH key")))?;
    if table_properties.point_in_time_recovery_specification.is_some() {
        not_emulated.push(format!("{table_id}.PointInTimeRecoverySpecification"));
    }
    if table_properties.sse_specification.is_some() {
        not_emulated.push(format!("{table_id}.SSESpecification"));
    }
    Ok(TableSpec {
        logical_id: table_id.clone(),
        hash_key,
    })
}

/// The `AWS::SQS::Queue`: the attributes the stage sets on it.
pub(super) fn queue(template: &Json, resolver: &Resolver) -> Result<QueueSpec, TemplateError> {
    let (queue_id, queue) = one_of(template, "AWS::SQS::Queue")?;
    let mut queue_attributes = BTreeMap::new();
    for key in ["MaximumMessageSize", "MessageRetentionPeriod", "VisibilityTimeout"] {
        if let Some(value) = properties(queue).get(key) {
            queue_attributes.insert(key.to_string(), resolver.string(value)?);
        }
    }
    Ok(QueueSpec {
        logical_id: queue_id.clone(),
        attributes: queue_attributes,
    })
}

/// The `AWS::SecretsManager::Secret`: its fixed part (`SecretStringTemplate`) and the key of the
/// generated one.
pub(super) fn secret(template: &Json, resolver: &Resolver) -> Result<SecretSpec, TemplateError> {
    let (secret_id, secret) = one_of(template, "AWS::SecretsManager::Secret")?;
    let generate = typed::<SecretProperties>(secret_id, properties(secret))?.generate_secret_string;
    let fixed = match &generate.secret_string_template {
        Some(text) => serde_json::from_str(&resolver.string(text)?)
            .map_err(|e| shape(format!("{secret_id}.SecretStringTemplate is not JSON: {e}")))?,
        None => Map::new(),
    };
    Ok(SecretSpec {
        logical_id: secret_id.clone(),
        fixed,
        generated_key: generate.generate_string_key.unwrap_or_else(|| "password".into()),
    })
}
