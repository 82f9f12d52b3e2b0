//! Provisioning: the stream, table, queue and secret the template declares, created in the
//! emulator through the service APIs (moto's CloudFormation skips SAM and secret resources). An
//! emulator that already holds them (`--endpoint` at a running moto) is reused: "already exists" is
//! read from each SDK's typed error, never from message text.

use std::collections::HashMap;

use crate::credentials::{Seed, SeededClient};
use crate::template::{LOCAL_STACK, Plan, Resolver};
use aws_config::SdkConfig;
use aws_sdk_sqs::types::QueueAttributeName;

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
    /// Secret name (`<stack>/<logical id>`).
    pub secret_name: String,
    /// The clients in the secret, in its order (one, the single user, without `--client`).
    pub clients: Vec<SeededClient>,
}

impl Provisioned {
    /// The client the banner's examples use: the first that may call every route, else the first.
    pub fn example_client(&self) -> Option<&SeededClient> {
        self.clients
            .iter()
            .find(|c| c.routes.is_none())
            .or(self.clients.first())
    }
}

/// Provisioning failed.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// A service call failed.
    #[error("provisioning the {what}: {message}")]
    Service {
        /// Which resource.
        what: &'static str,
        /// The SDK's error, with its context.
        message: String,
    },
}

fn failed<E: std::error::Error + 'static>(what: &'static str) -> impl FnOnce(E) -> ProvisionError {
    move |error| ProvisionError::Service {
        what,
        message: aws_sdk_dynamodb::error::DisplayErrorContext(error).to_string(),
    }
}

/// Creates (or, in an emulator that already has them, reuses) every resource, and returns them with
/// the plan's resolver extended with their names and ARNs.
pub async fn provision(plan: &Plan, sdk: &SdkConfig, seed: &Seed) -> Result<(Provisioned, Resolver), ProvisionError> {
    let mut resolver = plan.resolver.clone();
    let region = motoserver::REGION;
    let account = motoserver::ACCOUNT_ID;

    // Stream.
    let stream_name = plan.stream.name.clone();
    let created = aws_sdk_kinesis::Client::new(sdk)
        .create_stream()
        .stream_name(&stream_name)
        .shard_count(i32::try_from(plan.stream.shard_count).unwrap_or(i32::MAX))
        .send()
        .await;
    match created {
        Err(e) if !e.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => {
            return Err(failed("stream")(e));
        }
        _ => {}
    }
    let stream_arn = format!("arn:aws:kinesis:{region}:{account}:stream/{stream_name}");

    // Table.
    let table_name = format!("{LOCAL_STACK}-{}", plan.table.logical_id);
    match motoserver::create_table(sdk, &table_name, &plan.table.hash_key).await {
        Err(e) if !e.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => {
            return Err(failed("table")(e));
        }
        _ => {}
    }
    let table_arn = format!("arn:aws:dynamodb:{region}:{account}:table/{table_name}");

    // Queue, with the template's attributes (its MaximumMessageSize bounds dead-letter messages).
    let queue_id = &plan.queue.logical_id;
    let queue_name = format!("{LOCAL_STACK}-{queue_id}");
    let attributes: HashMap<QueueAttributeName, String> = plan
        .queue
        .attributes
        .iter()
        .map(|(name, value)| (QueueAttributeName::from(name.as_str()), value.clone()))
        .collect();
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let queue_url = match sqs
        .create_queue()
        .queue_name(&queue_name)
        .set_attributes(Some(attributes.clone()))
        .send()
        .await
    {
        Ok(created) => created.queue_url().unwrap_or_default().to_string(),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_queue_name_exists()) => {
            // A reused emulator holding the queue with other attributes: give it this template's.
            let url = sqs
                .get_queue_url()
                .queue_name(&queue_name)
                .send()
                .await
                .map_err(failed("queue"))?
                .queue_url()
                .unwrap_or_default()
                .to_string();
            sqs.set_queue_attributes()
                .queue_url(&url)
                .set_attributes(Some(attributes))
                .send()
                .await
                .map_err(failed("queue"))?;
            url
        }
        Err(e) => return Err(failed("queue")(e)),
    };
    let queue_arn = format!("arn:aws:sqs:{region}:{account}:{queue_name}");

    // Secret: the value seeded from the flags (crate::credentials).
    let secret_id = &plan.secret.logical_id;
    let secret_name = format!("{LOCAL_STACK}/{secret_id}");
    let secrets = aws_sdk_secretsmanager::Client::new(sdk);
    let value = &seed.value;
    let secret_arn = match secrets
        .create_secret()
        .name(&secret_name)
        .secret_string(value)
        .send()
        .await
    {
        Ok(created) => created.arn().unwrap_or_default().to_string(),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_exists_exception()) => {
            // A reused emulator: the secret takes the credentials of this run.
            let updated = secrets
                .put_secret_value()
                .secret_id(&secret_name)
                .secret_string(value)
                .send()
                .await
                .map_err(failed("secret"))?;
            updated.arn().unwrap_or_default().to_string()
        }
        Err(e) => return Err(failed("secret")(e)),
    };

    // What intrinsic functions resolve to locally.
    let stream_id = &plan.stream.logical_id;
    let table_id = &plan.table.logical_id;
    resolver.refs.insert(stream_id.clone(), stream_name.clone());
    resolver
        .attributes
        .insert(format!("{stream_id}.Arn"), stream_arn.clone());
    resolver.refs.insert(table_id.clone(), table_name.clone());
    resolver.attributes.insert(format!("{table_id}.Arn"), table_arn);
    resolver.refs.insert(queue_id.clone(), queue_url.clone());
    resolver.attributes.insert(format!("{queue_id}.Arn"), queue_arn);
    resolver.attributes.insert(format!("{queue_id}.QueueName"), queue_name);
    resolver.refs.insert(secret_id.clone(), secret_arn.clone());
    resolver.refs.insert(plan.api.clone(), "local".into());
    for logical_id in plan.functions.keys() {
        resolver
            .attributes
            .insert(format!("{logical_id}.Arn"), function_arn(logical_id));
        resolver.refs.insert(logical_id.clone(), function_name(logical_id));
    }

    Ok((
        Provisioned {
            stream_name,
            stream_arn,
            table_name,
            queue_url,
            secret_arn,
            secret_name,
            clients: seed.clients.clone(),
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
