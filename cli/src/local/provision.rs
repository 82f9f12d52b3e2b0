//! Provisioning: the stream, table, queue and secret the template declares, created in the
//! emulator through the service APIs (moto's CloudFormation skips SAM and secret resources).

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};
use serde_json::Value as Json;

use super::template::{LOCAL_STACK, Plan, Resolver};

/// The local resources, by what the functions and the gateway need of them.
#[derive(Debug, Clone)]
pub struct Provisioned {
    /// Kinesis stream name.
    pub stream_name: String,
    /// Kinesis stream ARN.
    pub stream_arn: String,
    /// DynamoDB table name.
    pub table_name: String,
    /// SQS dead-letter queue URL.
    pub queue_url: String,
    /// Secret ARN.
    pub secret_arn: String,
    /// The username in the secret.
    pub username: String,
    /// The password in the secret.
    pub password: String,
}

/// Provisioning failed.
#[derive(Debug, thiserror::Error)]
#[error("provisioning {what}: {message}")]
pub struct ProvisionError {
    what: String,
    message: String,
}

fn failed(what: &str, error: impl std::fmt::Display) -> ProvisionError {
    ProvisionError {
        what: what.to_string(),
        message: error.to_string(),
    }
}

fn sdk_message<E: std::error::Error + 'static>(error: &E) -> String {
    aws_sdk_dynamodb::error::DisplayErrorContext(error).to_string()
}

/// A generated password: letters and digits only, as the template's `ExcludePunctuation` asks.
pub fn generate_password(length: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..length)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}

fn exists(message: &str) -> bool {
    message.contains("AlreadyExists") || message.contains("ResourceInUse") || message.contains("already exists")
}

/// A create call's result, where "it already exists" (a reused emulator) is success too.
fn unless_it_exists<T, E: std::error::Error + 'static>(
    what: &str,
    created: Result<T, E>,
) -> Result<(), ProvisionError> {
    match created {
        Ok(_) => Ok(()),
        Err(error) => {
            let message = sdk_message(&error);
            if exists(&message) {
                Ok(())
            } else {
                Err(failed(what, message))
            }
        }
    }
}

/// Creates (or, in an emulator that already has them, reuses) every resource, and returns them with
/// a resolver that knows their names and ARNs.
pub async fn provision(
    plan: &Plan,
    sdk: &SdkConfig,
    credentials: (Option<String>, Option<String>),
) -> Result<(Provisioned, Resolver), ProvisionError> {
    let mut resolver = Resolver::new(&plan.template).map_err(|e| failed("template", e))?;
    let region = motoserver::REGION;
    let account = motoserver::ACCOUNT_ID;

    // Stream.
    let (stream_id, stream_name, shards) = plan.stream.clone();
    let kinesis = aws_sdk_kinesis::Client::new(sdk);
    let created = kinesis
        .create_stream()
        .stream_name(&stream_name)
        .shard_count(shards as i32)
        .send()
        .await;
    unless_it_exists("stream", created)?;
    let stream_arn = format!("arn:aws:kinesis:{region}:{account}:stream/{stream_name}");

    // Table.
    let (table_id, hash_key) = plan.table.clone();
    let table_name = format!("{LOCAL_STACK}-{table_id}");
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    let key = KeySchemaElement::builder()
        .attribute_name(&hash_key)
        .key_type(KeyType::Hash)
        .build()
        .map_err(|e| failed("table", e))?;
    let attribute = AttributeDefinition::builder()
        .attribute_name(&hash_key)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| failed("table", e))?;
    let created = dynamodb
        .create_table()
        .table_name(&table_name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key)
        .attribute_definitions(attribute)
        .send()
        .await;
    unless_it_exists("table", created)?;
    let table_arn = format!("arn:aws:dynamodb:{region}:{account}:table/{table_name}");

    // Queue (create_queue is idempotent for identical attributes).
    let queue_name = format!("{LOCAL_STACK}-{}", plan.queue);
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let queue_url = sqs
        .create_queue()
        .queue_name(&queue_name)
        .send()
        .await
        .map_err(|e| failed("queue", sdk_message(&e)))?
        .queue_url()
        .ok_or_else(|| failed("queue", "no queue URL returned"))?
        .to_string();
    let queue_arn = format!("arn:aws:sqs:{region}:{account}:{queue_name}");

    // Secret: the template's fixed part (the username) plus the generated key.
    let (secret_id, fixed, generated_key) = plan.secret.clone();
    let mut document = match fixed {
        Json::Object(object) => object,
        _ => serde_json::Map::new(),
    };
    let username = credentials
        .0
        .or_else(|| document.get("username").and_then(Json::as_str).map(str::to_string))
        .unwrap_or_else(|| "streamgate".to_string());
    let password = credentials.1.unwrap_or_else(|| generate_password(48));
    document.insert("username".into(), Json::String(username.clone()));
    document.insert(generated_key, Json::String(password.clone()));
    let secret_name = format!("{LOCAL_STACK}/{secret_id}");
    let secrets = aws_sdk_secretsmanager::Client::new(sdk);
    let value = Json::Object(document).to_string();
    let secret_arn = match secrets
        .create_secret()
        .name(&secret_name)
        .secret_string(&value)
        .send()
        .await
    {
        Ok(created) => created.arn().unwrap_or_default().to_string(),
        Err(error) if exists(&sdk_message(&error)) => {
            // A reused emulator: the secret takes the credentials of this run.
            let updated = secrets
                .put_secret_value()
                .secret_id(&secret_name)
                .secret_string(&value)
                .send()
                .await
                .map_err(|e| failed("secret", sdk_message(&e)))?;
            updated.arn().unwrap_or_default().to_string()
        }
        Err(error) => return Err(failed("secret", sdk_message(&error))),
    };

    // What intrinsic functions resolve to locally.
    resolver.refs.insert(stream_id.clone(), stream_name.clone());
    resolver
        .attributes
        .insert(format!("{stream_id}.Arn"), stream_arn.clone());
    resolver.refs.insert(table_id.clone(), table_name.clone());
    resolver.attributes.insert(format!("{table_id}.Arn"), table_arn);
    resolver.refs.insert(plan.queue.clone(), queue_url.clone());
    resolver.attributes.insert(format!("{}.Arn", plan.queue), queue_arn);
    resolver
        .attributes
        .insert(format!("{}.QueueName", plan.queue), queue_name);
    resolver.refs.insert(secret_id.clone(), secret_arn.clone());
    resolver.refs.insert(plan.api.clone(), "local".into());
    for logical_id in plan.functions.keys() {
        let name = function_name(logical_id);
        resolver
            .attributes
            .insert(format!("{logical_id}.Arn"), function_arn(logical_id));
        resolver.refs.insert(logical_id.clone(), name);
    }

    Ok((
        Provisioned {
            stream_name,
            stream_arn,
            table_name,
            queue_url,
            secret_arn,
            username,
            password,
        },
        resolver,
    ))
}

/// The local name of a function.
pub fn function_name(logical_id: &str) -> String {
    format!("{LOCAL_STACK}-{logical_id}")
}

/// The local ARN of a function.
pub fn function_arn(logical_id: &str) -> String {
    format!(
        "arn:aws:lambda:{}:{}:function:{}",
        motoserver::REGION,
        motoserver::ACCOUNT_ID,
        function_name(logical_id)
    )
}
