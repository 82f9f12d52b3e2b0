//! The dead-letter queue for poison records: one JSON message per record, sent in batches, each
//! message and each SendMessageBatch call within the queue's size limit.

use std::future::Future;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use base64::Engine;
use chrono::SecondsFormat;
use serde_json::json;

use crate::event::BatchRecord;
use crate::failure::FailureReason;
use crate::fanout::fan_out;
use crate::record::Poison;

/// SQS's largest message, and the most one SendMessageBatch call may carry in total, in bytes
/// (1 MiB): the default of `DEAD_LETTER_MAX_MESSAGE_BYTES`. The queue's `MaximumMessageSize` must
/// be at least the configured value.
pub const MAX_MESSAGE_BYTES: usize = 1_048_576;
/// The smallest `MaximumMessageSize` SQS accepts (1 KiB): room for a message without its data.
pub const MIN_MESSAGE_BYTES: usize = 1024;
/// SendMessageBatch takes at most 10 entries.
pub const BATCH_ENTRIES: usize = 10;

/// The `kind` of a dead-letter message written by the consumer (the event source mapping's
/// on-failure records, in the same queue, have no `kind` and carry `KinesisBatchInfo`).
pub const KIND_POISON: &str = "poison";

/// Why a message carries no data, when the data would make it too large.
const TOO_LARGE: &str =
    "record data too large for an SQS message; read it from the stream by shardId and sequenceNumber";
/// Why a message carries no data, when the record's data could not be read from the event.
const UNREADABLE_DATA: &str =
    "record data could not be read from the event; read it from the stream by shardId and sequenceNumber";

/// The dead-letter message for a poison record: where it came from, why, and its data base64-encoded
/// when that keeps the message within `max_bytes` (otherwise the pointer fields alone, saying so).
/// Fields the record did not carry (an unreadable record's) are `null`.
pub fn poison_message(record: &BatchRecord, poison: &Poison, max_bytes: usize) -> String {
    let data = record.data();
    let mut message = json!({
        "kind": KIND_POISON,
        "reason": poison.code(),
        "detail": poison.to_string(),
        "streamArn": record.stream_arn(),
        "shardId": record.shard_id(),
        "sequenceNumber": record.sequence_number(),
        "partitionKey": record.partition_key(),
        "approximateArrivalTimestamp": record
            .arrival()
            .map(|arrival| arrival.to_rfc3339_opts(SecondsFormat::Millis, true)),
        "dataBytes": data.map(<[u8]>::len),
        "dataIncluded": data.is_some(),
        "data": data.map(|data| base64::engine::general_purpose::STANDARD.encode(data)),
    });
    if data.is_none() {
        message["dataOmittedReason"] = json!(UNREADABLE_DATA);
    }
    let text = message.to_string();
    if text.len() <= max_bytes {
        return text;
    }
    message["dataIncluded"] = json!(false);
    message["data"] = json!(null);
    message["dataOmittedReason"] = json!(TOO_LARGE);
    let text = message.to_string();
    if text.len() <= max_bytes {
        return text;
    }
    // Still over (only with a small limit and a long detail, e.g. DynamoDB's message): shorten the
    // detail. Removing n bytes of it removes at least n bytes of its JSON escape.
    let detail = poison.to_string();
    let mut keep = detail.len().saturating_sub(text.len() - max_bytes + '…'.len_utf8());
    while !detail.is_char_boundary(keep) {
        keep -= 1;
    }
    message["detail"] = json!(format!("{}…", &detail[..keep]));
    message.to_string()
}

/// Groups messages into SendMessageBatch calls: at most 10 entries and `max_bytes` in total each.
pub fn batches<T>(messages: Vec<(T, String)>, max_bytes: usize) -> Vec<Vec<(T, String)>> {
    let mut batches: Vec<Vec<(T, String)>> = Vec::new();
    let mut size = 0;
    for (id, body) in messages {
        let fits = batches
            .last()
            .is_some_and(|last| last.len() < BATCH_ENTRIES && size + body.len() <= max_bytes);
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

/// Where `Consumer::process` sends poison records: the SQS queue ([`DeadLetters`]), or an in-memory
/// sink in tests and benchmarks (`memory::MemorySink`, feature `test-util`).
pub trait DeadLetterSink: Send + Sync {
    /// The largest message the queue takes, in bytes; messages are built to fit.
    fn max_message_bytes(&self) -> usize;

    /// Sends every message (keyed by batch index); returns the ones that were not accepted and why.
    /// A message not returned was accepted.
    fn send(&self, messages: Vec<(usize, String)>) -> impl Future<Output = Vec<(usize, FailureReason)>> + Send;
}

/// Sends dead-letter messages to one SQS queue.
#[derive(Debug, Clone)]
pub struct DeadLetters {
    client: Client,
    queue_url: String,
    concurrency: usize,
    max_message_bytes: usize,
}

impl DeadLetters {
    /// Sends to `queue_url` with at most `concurrency` calls in flight, messages and calls of at most
    /// `max_message_bytes` (clamped to SQS's 1 KiB..=1 MiB; the configuration validates it).
    pub fn new(client: Client, queue_url: impl Into<String>, concurrency: usize, max_message_bytes: usize) -> Self {
        DeadLetters {
            client,
            queue_url: queue_url.into(),
            concurrency: concurrency.max(1),
            max_message_bytes: max_message_bytes.clamp(MIN_MESSAGE_BYTES, MAX_MESSAGE_BYTES),
        }
    }

    async fn send_batch(&self, batch: Vec<(usize, String)>) -> Vec<(usize, FailureReason)> {
        let mut entries = Vec::with_capacity(batch.len());
        for (index, body) in &batch {
            match SendMessageBatchRequestEntry::builder()
                .id(index.to_string())
                .message_body(body)
                .build()
            {
                Ok(entry) => entries.push(entry),
                Err(error) => {
                    let reason = FailureReason::Request(error.to_string());
                    return batch.iter().map(|(i, _)| (*i, reason.clone())).collect();
                }
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
                        let reason = output
                            .failed()
                            .iter()
                            .find(|failed| failed.id() == index.to_string())
                            .map_or(FailureReason::NotAcknowledged, |failed| FailureReason::Service {
                                code: failed.code().to_string(),
                            });
                        (*index, reason)
                    })
                    .collect()
            }
            Err(error) => {
                let reason = FailureReason::of_sdk(&error);
                batch.iter().map(|(index, _)| (*index, reason.clone())).collect()
            }
        }
    }
}

impl DeadLetterSink for DeadLetters {
    fn max_message_bytes(&self) -> usize {
        self.max_message_bytes
    }

    async fn send(&self, messages: Vec<(usize, String)>) -> Vec<(usize, FailureReason)> {
        fan_out(batches(messages, self.max_message_bytes), self.concurrency, |batch| {
            self.send_batch(batch)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::kinesis::KinesisEventRecord;
    use chrono::{TimeZone, Utc};
    use serde_json::Value;

    use crate::event::UnreadableRecord;

    fn record(data: Vec<u8>) -> BatchRecord {
        let mut record = KinesisEventRecord::default();
        record.event_id = Some("shardId-000000000003:4959".into());
        record.event_source_arn = Some("arn:aws:kinesis:us-east-1:123456789012:stream/s".into());
        record.kinesis.partition_key = "evt-9".into();
        record.kinesis.sequence_number = "4959".into();
        record.kinesis.data.0 = data;
        record.kinesis.approximate_arrival_timestamp.0 = Utc.timestamp_millis_opt(1_795_381_200_050).unwrap();
        BatchRecord::Read(record)
    }

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn message_carries_pointer_reason_and_data() {
        let message = parse(&poison_message(
            &record(b"not json".to_vec()),
            &Poison::NotAnObject,
            MAX_MESSAGE_BYTES,
        ));
        assert_eq!(message["kind"], "poison");
        assert_eq!(message["reason"], "not_an_object");
        assert_eq!(message["shardId"], "shardId-000000000003");
        assert_eq!(message["sequenceNumber"], "4959");
        assert_eq!(message["partitionKey"], "evt-9");
        assert_eq!(message["streamArn"], "arn:aws:kinesis:us-east-1:123456789012:stream/s");
        assert_eq!(message["approximateArrivalTimestamp"], "2026-11-22T21:00:00.050Z");
        assert_eq!(message["dataIncluded"], true);
        assert_eq!(message["data"], "bm90IGpzb24=");
        assert_eq!(message["dataBytes"], 8);
        assert!(message.get("dataOmittedReason").is_none());
    }

    #[test]
    fn a_500_kib_record_keeps_its_data() {
        let data = vec![b'x'; 500 * 1024];
        let text = poison_message(
            &record(data.clone()),
            &Poison::NotJson { line: 1, column: 1 },
            MAX_MESSAGE_BYTES,
        );
        assert!(text.len() <= MAX_MESSAGE_BYTES);
        assert!(text.len() > 262_144, "over SQS's former 256 KiB");
        let message = parse(&text);
        assert_eq!(message["dataIncluded"], true);
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(message["data"].as_str().unwrap())
            .unwrap();
        assert_eq!(decoded, data);
    }

    #[test]
    fn data_over_the_limit_is_left_out_and_said_so() {
        // 800 KiB of data is over 1 MiB once base64-encoded.
        for (bytes, limit) in [
            (800 * 1024, MAX_MESSAGE_BYTES),
            (300_000, 262_144),
            (2_000, MIN_MESSAGE_BYTES),
        ] {
            let text = poison_message(&record(vec![b'x'; bytes]), &Poison::NotUtf8, limit);
            assert!(
                text.len() <= limit,
                "{bytes} bytes under a {limit} limit: {}",
                text.len()
            );
            let message = parse(&text);
            assert_eq!(message["dataIncluded"], false);
            assert_eq!(message["data"], Value::Null);
            assert_eq!(message["dataBytes"], bytes);
            assert_eq!(message["sequenceNumber"], "4959");
            assert!(
                message["dataOmittedReason"]
                    .as_str()
                    .unwrap()
                    .contains("sequenceNumber")
            );
        }
    }

    #[test]
    fn a_long_detail_is_shortened_to_fit_the_smallest_limit() {
        let poison = Poison::RejectedByDynamoDb("é".repeat(2_000));
        let text = poison_message(&record(b"{}".to_vec()), &poison, MIN_MESSAGE_BYTES);
        assert!(text.len() <= MIN_MESSAGE_BYTES, "{}", text.len());
        let message = parse(&text);
        assert_eq!(message["reason"], "rejected_by_dynamodb");
        assert!(message["detail"].as_str().unwrap().ends_with('…'));
        assert_eq!(message["sequenceNumber"], "4959");
    }

    #[test]
    fn an_unreadable_record_says_what_is_missing() {
        let unreadable = BatchRecord::Unreadable(UnreadableRecord {
            detail: "not a Kinesis record: invalid type".into(),
            partition_key: Some("evt-2".into()),
            ..UnreadableRecord::default()
        });
        let poison = Poison::UnreadableRecord("not a Kinesis record: invalid type".into());
        let message = parse(&poison_message(&unreadable, &poison, MAX_MESSAGE_BYTES));
        assert_eq!(message["reason"], "unreadable_record");
        assert_eq!(message["partitionKey"], "evt-2");
        assert_eq!(message["sequenceNumber"], Value::Null);
        assert_eq!(message["shardId"], Value::Null);
        assert_eq!(message["approximateArrivalTimestamp"], Value::Null);
        assert_eq!(message["dataIncluded"], false);
        assert_eq!(message["dataBytes"], Value::Null);
        assert!(
            message["dataOmittedReason"]
                .as_str()
                .unwrap()
                .contains("could not be read")
        );
    }

    #[test]
    fn batches_respect_count_and_size() {
        let small: Vec<(usize, String)> = (0..25).map(|i| (i, "x".repeat(10))).collect();
        let sizes: Vec<usize> = batches(small, MAX_MESSAGE_BYTES).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![10, 10, 5]);
        // Two 500 KB messages fit one 1 MiB call, a third does not.
        let big: Vec<(usize, String)> = (0..5).map(|i| (i, "x".repeat(500_000))).collect();
        let grouped = batches(big, MAX_MESSAGE_BYTES);
        assert_eq!(grouped.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 2, 1]);
        for (limit, size) in [
            (MAX_MESSAGE_BYTES, 300_000),
            (262_144, 100_000),
            (MIN_MESSAGE_BYTES, 300),
        ] {
            let messages: Vec<(usize, String)> = (0..37).map(|i| (i, "x".repeat(size + i))).collect();
            let grouped = batches(messages, limit);
            assert_eq!(grouped.iter().map(Vec::len).sum::<usize>(), 37, "every message once");
            for batch in &grouped {
                assert!(batch.len() <= BATCH_ENTRIES);
                let total: usize = batch.iter().map(|(_, body)| body.len()).sum();
                assert!(total <= limit, "{total} bytes in one call, limit {limit}");
            }
        }
        assert!(batches(Vec::<(usize, String)>::new(), MAX_MESSAGE_BYTES).is_empty());
    }
}
