//! Shared by the consumer's integration tests and its moto benchmark: resources in moto, events,
//! and reading back what landed.
#![allow(dead_code)] // each user takes a different subset

use std::collections::HashMap;
use std::time::Duration;

use aws_lambda_events::event::kinesis::{KinesisEvent, KinesisEventRecord};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{TimeZone, Utc};
use consumer::dlq::MAX_MESSAGE_BYTES;
use consumer::{Backoff, Consumer, DeadLetters, Store};
use deadletter::PoisonMessage;
use serde_json::value::RawValue;

pub mod sample;

pub const STREAM_ARN: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/streamgate-events";
pub const SHARD: &str = "shardId-000000000000";

/// A table and a queue in moto, with clients pointed at `endpoint` (moto or a proxy in front of it).
pub struct Env {
    pub table: String,
    pub queue_url: String,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
}

impl Env {
    /// Creates a fresh table and queue directly in moto; clients for the consumer use `endpoint`.
    pub async fn new(endpoint: &str) -> Env {
        let direct = testkit::moto_sdk_config().await;
        let sqs = aws_sdk_sqs::Client::new(&direct);
        let table = testkit::unique_name("streamgate-events");
        testkit::create_table(&direct, &table, "eventId")
            .await
            .expect("create_table");
        let queue_url = sqs
            .create_queue()
            .queue_name(testkit::unique_name("streamgate-dlq"))
            .send()
            .await
            .expect("create_queue")
            .queue_url()
            .expect("queue url")
            .to_string();
        let via = testkit::sdk_config(endpoint).await;
        Env {
            table,
            queue_url,
            dynamodb: aws_sdk_dynamodb::Client::new(&via),
            sqs: aws_sdk_sqs::Client::new(&via),
        }
    }

    /// The consumer under test, its backoff shortened so fault tests stay quick.
    pub fn consumer(&self, concurrency: usize) -> Consumer {
        let backoff = Backoff {
            base: Duration::from_millis(2),
            cap: Duration::from_millis(20),
            attempts: 6,
        };
        Consumer::new(
            Store::new(self.dynamodb.clone(), &self.table, concurrency, backoff),
            DeadLetters::new(self.sqs.clone(), &self.queue_url, concurrency, MAX_MESSAGE_BYTES),
        )
    }

    /// Every item of the table, by eventId (read directly from moto).
    pub async fn items(&self) -> HashMap<String, HashMap<String, AttributeValue>> {
        let direct = testkit::moto_sdk_config().await;
        let mut items = HashMap::new();
        for item in testkit::scan_items(&direct, &self.table).await.expect("scan") {
            let key = item["eventId"].as_s().expect("eventId is S").clone();
            assert!(items.insert(key, item).is_none(), "duplicate eventId in scan");
        }
        items
    }

    /// Every message now in the queue (received and deleted), read as the consumer's poison
    /// messages (the only kind it writes).
    pub async fn drain_queue(&self) -> Vec<PoisonMessage> {
        testkit::drain_queue(&testkit::moto_sdk_config().await, &self.queue_url)
            .await
            .into_iter()
            .map(|message| serde_json::from_value(message).expect("a poison message"))
            .collect()
    }
}

/// A sequence number shaped like Kinesis's (56 digits), increasing with `n`.
pub fn sequence(n: u64) -> String {
    format!("4959033827149025660855969253836157109592157598913{n:07}")
}

/// One Kinesis record as the event source mapping delivers it.
pub fn record(partition_key: &str, n: u64, data: &[u8]) -> KinesisEventRecord {
    let sequence_number = sequence(n);
    let mut record = KinesisEventRecord::default();
    record.aws_region = Some("us-east-1".into());
    record.event_id = Some(format!("{SHARD}:{sequence_number}"));
    record.event_name = Some("aws:kinesis:record".into());
    record.event_source = Some("aws:kinesis".into());
    record.event_source_arn = Some(STREAM_ARN.into());
    record.event_version = Some("1.0".into());
    record.invoke_identity_arn = Some("arn:aws:iam::123456789012:role/consumer".into());
    record.kinesis.partition_key = partition_key.into();
    record.kinesis.sequence_number = sequence_number;
    record.kinesis.kinesis_schema_version = Some("1.0".into());
    record.kinesis.data.0 = data.to_vec();
    record.kinesis.approximate_arrival_timestamp.0 = Utc
        .timestamp_millis_opt(1_795_381_200_000 + n as i64)
        .single()
        .expect("valid time");
    record
}

/// A batch event, as the Lambda runtime hands it to the consumer: raw JSON.
pub fn event(records: Vec<KinesisEventRecord>) -> Box<RawValue> {
    let mut event = KinesisEvent::default();
    event.records = records;
    serde_json::value::to_raw_value(&event).expect("a KinesisEvent serializes")
}

/// A valid body for record `n`.
pub fn body(n: u64) -> Vec<u8> {
    // Written out by hand: the 38-digit number must reach the consumer as sent.
    format!(
        r#"{{"index":{n},"title":"pin {n} ✓","follower_count":{followers},"ratio":0.25,"exact":12345678901234567890123456789012345678,"tags":["a","b",{{"n":{n}}}],"nested":{{"deep":{{"empty":""}}}}}}"#,
        followers = 1000 + n
    )
    .into_bytes()
}
