//! Reading back what landed in the emulator: every item of a table, every message of a queue,
//! every record of a stream.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::AttributeValue;

/// Every item of `table` (all scan pages, consistent reads).
pub async fn scan_items(sdk: &SdkConfig, table: &str) -> Result<Vec<HashMap<String, AttributeValue>>, String> {
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = dynamodb
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())?;
        items.extend(page.items().iter().cloned());
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return Ok(items);
        }
    }
}

/// Every message now in the queue, received and deleted, parsed as JSON.
pub async fn drain_queue(sdk: &SdkConfig, queue_url: &str) -> Vec<serde_json::Value> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let mut messages = Vec::new();
    loop {
        let received = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(0)
            .send()
            .await
            .expect("receive_message");
        if received.messages().is_empty() {
            return messages;
        }
        for message in received.messages() {
            messages.push(serde_json::from_str(message.body().unwrap_or_default()).expect("JSON message"));
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(message.receipt_handle().unwrap_or_default())
                .send()
                .await
                .expect("delete_message");
        }
    }
}

/// One record read back from a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRecord {
    /// Its sequence number.
    pub sequence_number: String,
    /// Its partition key.
    pub partition_key: String,
    /// Its data.
    pub data: Vec<u8>,
}

/// Every record of `stream`, shard by shard from the start (GetShardIterator TRIM_HORIZON, then
/// GetRecords until a page comes back empty; at most 1,000 pages a shard).
pub async fn stream_records(sdk: &SdkConfig, stream: &str) -> Result<Vec<StreamRecord>, String> {
    let kinesis = aws_sdk_kinesis::Client::new(sdk);
    let failed = |e: &dyn std::fmt::Display| e.to_string();
    let shards = kinesis
        .list_shards()
        .stream_name(stream)
        .send()
        .await
        .map_err(|e| failed(&aws_sdk_kinesis::error::DisplayErrorContext(e)))?;
    let mut records = Vec::new();
    for shard in shards.shards() {
        let mut iterator = kinesis
            .get_shard_iterator()
            .stream_name(stream)
            .shard_id(shard.shard_id())
            .shard_iterator_type(aws_sdk_kinesis::types::ShardIteratorType::TrimHorizon)
            .send()
            .await
            .map_err(|e| failed(&aws_sdk_kinesis::error::DisplayErrorContext(e)))?
            .shard_iterator
            .ok_or("GetShardIterator gave no iterator")?;
        for _ in 0..1000 {
            let page = kinesis
                .get_records()
                .shard_iterator(&iterator)
                .send()
                .await
                .map_err(|e| failed(&aws_sdk_kinesis::error::DisplayErrorContext(e)))?;
            records.extend(page.records().iter().map(|record| StreamRecord {
                sequence_number: record.sequence_number().to_string(),
                partition_key: record.partition_key().unwrap_or_default().to_string(),
                data: record.data().as_ref().to_vec(),
            }));
            match page.next_shard_iterator() {
                Some(next) if !page.records().is_empty() => iterator = next.to_string(),
                _ => break,
            }
        }
    }
    Ok(records)
}
