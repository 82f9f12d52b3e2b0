//! The dead-letter queue for poison records: one JSON message per record, sent in batches.

use aws_lambda_events::event::kinesis::KinesisEventRecord;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use base64::Engine;
use chrono::SecondsFormat;
use futures_util::StreamExt;
use serde_json::json;

use crate::record::Poison;
use crate::retry::error_code;

/// SQS's message size limit (and the limit of one SendMessageBatch call), in bytes.
pub const MAX_MESSAGE_BYTES: usize = 262_144;
/// SendMessageBatch takes at most 10 entries.
pub const BATCH_ENTRIES: usize = 10;

/// The `kind` of a dead-letter message written by the consumer (the event source mapping's
/// on-failure records, in the same queue, have no `kind` and carry `KinesisBatchInfo`).
pub const KIND_POISON: &str = "poison";

/// The shard id from a record's `eventID` (`shardId-000000000000:4959...`).
pub fn shard_id(record: &KinesisEventRecord) -> &str {
    record
        .event_id
        .as_deref()
        .and_then(|id| id.split_once(':').map(|(shard, _)| shard))
        .unwrap_or("unknown")
}

/// The dead-letter message for a poison record: where it came from, why, and its data base64-encoded
/// when that fits in an SQS message (otherwise the pointer fields alone, saying so).
pub fn poison_message(record: &KinesisEventRecord, poison: &Poison) -> String {
    let data = &record.kinesis.data.0;
    let mut message = json!({
        "kind": KIND_POISON,
        "reason": poison.code(),
        "detail": poison.to_string(),
        "streamArn": record.event_source_arn,
        "shardId": shard_id(record),
        "sequenceNumber": record.kinesis.sequence_number,
        "partitionKey": record.kinesis.partition_key,
        "approximateArrivalTimestamp": record.kinesis.approximate_arrival_timestamp.0.to_rfc3339_opts(SecondsFormat::Millis, true),
        "dataBytes": data.len(),
        "dataIncluded": true,
        "data": base64::engine::general_purpose::STANDARD.encode(data),
    });
    let text = message.to_string();
    if text.len() <= MAX_MESSAGE_BYTES {
        return text;
    }
    message["dataIncluded"] = json!(false);
    message["data"] = json!(null);
    message["dataOmittedReason"] =
        json!("record data too large for an SQS message; read it from the stream by shardId and sequenceNumber");
    message.to_string()
}

/// Groups messages into SendMessageBatch calls: ≤ 10 entries and ≤ 256 KiB each.
pub fn batches<T>(messages: Vec<(T, String)>) -> Vec<Vec<(T, String)>> {
    let mut batches: Vec<Vec<(T, String)>> = Vec::new();
    let mut size = 0;
    for (id, body) in messages {
        let fits = batches
            .last()
            .is_some_and(|last| last.len() < BATCH_ENTRIES && size + body.len() <= MAX_MESSAGE_BYTES);
        if !fits {
            batches.push(Vec::new());
            size = 0;
        }
        size += body.len();
        if let Some(last) = batches.last_mut() {
            last.push((id, body));
        }
    }
    batches
}

/// Sends dead-letter messages to one queue.
#[derive(Debug, Clone)]
pub struct DeadLetters {
    client: Client,
    queue_url: String,
    concurrency: usize,
}

impl DeadLetters {
    /// Sends to `queue_url` with at most `concurrency` calls in flight.
    pub fn new(client: Client, queue_url: impl Into<String>, concurrency: usize) -> Self {
        DeadLetters {
            client,
            queue_url: queue_url.into(),
            concurrency: concurrency.max(1),
        }
    }

    /// Sends every message; returns, by batch index, the ones that were not accepted and why.
    pub async fn send(&self, messages: Vec<(usize, String)>) -> Vec<(usize, String)> {
        futures_util::stream::iter(batches(messages))
            .map(|batch| self.send_batch(batch))
            .buffer_unordered(self.concurrency)
            .flat_map(futures_util::stream::iter)
            .collect()
            .await
    }

    async fn send_batch(&self, batch: Vec<(usize, String)>) -> Vec<(usize, String)> {
        let mut entries = Vec::with_capacity(batch.len());
        for (index, body) in &batch {
            match SendMessageBatchRequestEntry::builder()
                .id(index.to_string())
                .message_body(body)
                .build()
            {
                Ok(entry) => entries.push(entry),
                Err(error) => return batch.iter().map(|(i, _)| (*i, format!("request: {error}"))).collect(),
            }
        }
        match self
            .client
            .send_message_batch()
            .queue_url(&self.queue_url)
            .set_entries(Some(entries))
            .send()
            .await
        {
            Ok(output) => {
                let sent: Vec<&str> = output.successful().iter().map(|entry| entry.id()).collect();
                batch
                    .iter()
                    .filter(|(index, _)| !sent.contains(&index.to_string().as_str()))
                    .map(|(index, _)| {
                        let code = output
                            .failed()
                            .iter()
                            .find(|failed| failed.id() == index.to_string())
                            .map_or("not_acknowledged", |failed| failed.code());
                        (*index, code.to_string())
                    })
                    .collect()
            }
            Err(error) => {
                let code = error_code(&error);
                batch.iter().map(|(index, _)| (*index, code.clone())).collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn record(data: Vec<u8>) -> KinesisEventRecord {
        let mut record = KinesisEventRecord::default();
        record.event_id = Some("shardId-000000000003:4959".into());
        record.event_source_arn = Some("arn:aws:kinesis:us-east-1:123456789012:stream/s".into());
        record.kinesis.partition_key = "evt-9".into();
        record.kinesis.sequence_number = "4959".into();
        record.kinesis.data.0 = data;
        record
    }

    #[test]
    fn message_carries_pointer_reason_and_data() {
        let message: Value =
            serde_json::from_str(&poison_message(&record(b"not json".to_vec()), &Poison::NotAnObject)).unwrap();
        assert_eq!(message["kind"], "poison");
        assert_eq!(message["reason"], "not_an_object");
        assert_eq!(message["shardId"], "shardId-000000000003");
        assert_eq!(message["sequenceNumber"], "4959");
        assert_eq!(message["partitionKey"], "evt-9");
        assert_eq!(message["streamArn"], "arn:aws:kinesis:us-east-1:123456789012:stream/s");
        assert_eq!(message["dataIncluded"], true);
        assert_eq!(message["data"], "bm90IGpzb24=");
        assert_eq!(message["dataBytes"], 8);
    }

    #[test]
    fn oversized_data_is_left_out_and_said_so() {
        let text = poison_message(&record(vec![b'x'; 300_000]), &Poison::NotUtf8);
        assert!(text.len() <= MAX_MESSAGE_BYTES);
        let message: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(message["dataIncluded"], false);
        assert_eq!(message["data"], Value::Null);
        assert_eq!(message["dataBytes"], 300_000);
        assert!(
            message["dataOmittedReason"]
                .as_str()
                .unwrap()
                .contains("sequenceNumber")
        );
    }

    #[test]
    fn batches_respect_count_and_size() {
        let small: Vec<(usize, String)> = (0..25).map(|i| (i, "x".repeat(10))).collect();
        let sizes: Vec<usize> = batches(small).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![10, 10, 5]);
        let big: Vec<(usize, String)> = (0..3).map(|i| (i, "x".repeat(200_000))).collect();
        assert_eq!(batches(big).len(), 3);
        assert!(batches(Vec::<(usize, String)>::new()).is_empty());
    }
}
