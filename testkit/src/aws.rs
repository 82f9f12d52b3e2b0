//! Reading back what landed in the emulator: every item of a table, every message of a queue.

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
