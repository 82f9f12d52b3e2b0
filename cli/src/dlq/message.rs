//! What a dead-letter message is, read from its body (pure): a poison record the consumer sent
//! (it could never be stored; its data is in the message), or a batch pointer the event source
//! mapping sent when it gave up on a batch (no data: the shard and the range of sequence numbers,
//! whose records stay in the stream until its retention ends).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value as Json;

/// One dead-letter message, classified.
#[derive(Debug, Clone, PartialEq)]
pub enum DeadLetter {
    /// A record the consumer could never store.
    Poison(Poison),
    /// A batch the mapping gave up on.
    Batch(BatchPointer),
    /// Something else (kept, reported, never deleted by `redrive`).
    Unknown,
}

/// A poison record's message.
#[derive(Debug, Clone, PartialEq)]
pub struct Poison {
    /// Why it could not be stored (`not_json`, `too_large`, ...).
    pub reason: String,
    /// Its shard (`None` for an unreadable record).
    pub shard_id: Option<String>,
    /// Its sequence number.
    pub sequence_number: Option<String>,
    /// The whole message, for `export`.
    pub message: Json,
}

/// The on-failure record of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchPointer {
    /// The shard.
    pub shard_id: String,
    /// The first record's sequence number.
    pub start: String,
    /// The last record's sequence number.
    pub end: String,
    /// Records in the batch.
    pub batch_size: u64,
    /// The stream.
    pub stream_arn: String,
    /// When the batch's first record arrived in the stream.
    pub first_arrival: Option<DateTime<Utc>>,
    /// `RetryAttemptsExhausted` or `RecordAgeExceeded`.
    pub condition: String,
}

impl DeadLetter {
    /// Reads a message body.
    pub fn parse(body: &str) -> DeadLetter {
        let Ok(message) = serde_json::from_str::<Json>(body) else {
            return DeadLetter::Unknown;
        };
        let text = |value: &Json, pointer: &str| value.pointer(pointer).and_then(Json::as_str).map(str::to_string);
        if message.get("kind").and_then(Json::as_str) == Some("poison") {
            return DeadLetter::Poison(Poison {
                reason: text(&message, "/reason").unwrap_or_else(|| "unknown".into()),
                shard_id: text(&message, "/shardId"),
                sequence_number: text(&message, "/sequenceNumber"),
                message,
            });
        }
        let Some(info) = message.get("KinesisBatchInfo") else {
            return DeadLetter::Unknown;
        };
        let (Some(shard_id), Some(start), Some(end)) = (
            text(info, "/shardId"),
            text(info, "/startSequenceNumber"),
            text(info, "/endSequenceNumber"),
        ) else {
            return DeadLetter::Unknown;
        };
        DeadLetter::Batch(BatchPointer {
            shard_id,
            start,
            end,
            batch_size: info.get("batchSize").and_then(Json::as_u64).unwrap_or(0),
            stream_arn: text(info, "/streamArn").unwrap_or_default(),
            first_arrival: text(info, "/approximateArrivalOfFirstRecord")
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc)),
            condition: text(&message, "/requestContext/condition").unwrap_or_default(),
        })
    }

    /// What identifies the records it stands for: two messages with the same key are duplicates
    /// (SQS delivers at least once, and a retried batch can be reported again).
    pub fn key(&self) -> Option<String> {
        match self {
            DeadLetter::Poison(p) => Some(format!(
                "poison:{}:{}",
                p.shard_id.as_deref().unwrap_or("-"),
                p.sequence_number.as_deref().unwrap_or("-")
            )),
            DeadLetter::Batch(b) => Some(format!("batch:{}:{}:{}", b.shard_id, b.start, b.end)),
            DeadLetter::Unknown => None,
        }
    }
}

/// Whether the stream still holds a batch whose first record arrived at `first_arrival`, given its
/// retention; `None` when the arrival is unknown.
pub fn retained(first_arrival: Option<DateTime<Utc>>, retention_hours: i64, now: DateTime<Utc>) -> Option<bool> {
    first_arrival.map(|arrival| now - arrival < chrono::Duration::hours(retention_hours))
}

/// The overview `dlq list` prints.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Overview {
    /// Messages read.
    pub messages: u64,
    /// Messages that repeat another's records.
    pub duplicates: u64,
    /// Poison messages by reason (distinct records).
    pub poison_by_reason: BTreeMap<String, u64>,
    /// Batch pointers by shard: distinct pointers and the records they cover.
    pub batches_by_shard: BTreeMap<String, ShardBatches>,
    /// Messages of no known kind.
    pub unknown: u64,
}

/// The batch pointers of one shard.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ShardBatches {
    /// Distinct pointers.
    pub pointers: u64,
    /// Records they cover.
    pub records: u64,
    /// Pointers whose records the stream no longer holds (by retention).
    pub expired: u64,
}

/// Groups messages; `retained` says whether a pointer's records are still in the stream.
pub fn overview(letters: &[DeadLetter], retained: impl Fn(&BatchPointer) -> Option<bool>) -> Overview {
    let mut overview = Overview::default();
    let mut seen = std::collections::HashSet::new();
    for letter in letters {
        overview.messages += 1;
        let Some(key) = letter.key() else {
            overview.unknown += 1;
            continue;
        };
        if !seen.insert(key) {
            overview.duplicates += 1;
            continue;
        }
        match letter {
            DeadLetter::Poison(p) => *overview.poison_by_reason.entry(p.reason.clone()).or_default() += 1,
            DeadLetter::Batch(b) => {
                let shard = overview.batches_by_shard.entry(b.shard_id.clone()).or_default();
                shard.pointers += 1;
                shard.records += b.batch_size;
                if retained(b) == Some(false) {
                    shard.expired += 1;
                }
            }
            DeadLetter::Unknown => {}
        }
    }
    overview
}

#[cfg(test)]
mod tests {
    use super::*;

    const POINTER: &str = r#"{"requestContext":{"requestId":"r","functionArn":"f","condition":"RetryAttemptsExhausted","approximateInvokeCount":3},
        "responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},"version":"1.0","timestamp":"2026-11-25T10:00:00.000Z",
        "KinesisBatchInfo":{"shardId":"shardId-000000000000","startSequenceNumber":"10","endSequenceNumber":"19","approximateArrivalOfFirstRecord":"2026-11-25T09:59:00.000Z",
        "approximateArrivalOfLastRecord":"2026-11-25T09:59:01.000Z","batchSize":10,"streamArn":"arn:aws:kinesis:us-east-1:1:stream/s"}}"#;
    const POISON: &str = r#"{"kind":"poison","reason":"not_json","detail":"d","streamArn":"a","shardId":"shardId-000000000000","sequenceNumber":"7","partitionKey":"k","dataIncluded":true,"data":"eA=="}"#;

    #[test]
    fn messages_are_classified() {
        let DeadLetter::Batch(batch) = DeadLetter::parse(POINTER) else {
            panic!("a batch pointer");
        };
        assert_eq!(
            (batch.start.as_str(), batch.end.as_str(), batch.batch_size),
            ("10", "19", 10)
        );
        assert_eq!(batch.condition, "RetryAttemptsExhausted");
        assert!(batch.first_arrival.is_some());
        let DeadLetter::Poison(poison) = DeadLetter::parse(POISON) else {
            panic!("a poison record");
        };
        assert_eq!(poison.reason, "not_json");
        assert_eq!(DeadLetter::parse("not json"), DeadLetter::Unknown);
        assert_eq!(DeadLetter::parse(r#"{"KinesisBatchInfo":{}}"#), DeadLetter::Unknown);
    }

    #[test]
    fn overview_counts_distinct_records_and_duplicates() {
        let letters: Vec<DeadLetter> = [POINTER, POINTER, POISON, POISON, "x"]
            .iter()
            .map(|b| DeadLetter::parse(b))
            .collect();
        let overview = overview(&letters, |_| Some(false));
        assert_eq!(overview.messages, 5);
        assert_eq!(overview.duplicates, 2);
        assert_eq!(overview.unknown, 1);
        assert_eq!(overview.poison_by_reason["not_json"], 1);
        let shard = &overview.batches_by_shard["shardId-000000000000"];
        assert_eq!((shard.pointers, shard.records, shard.expired), (1, 10, 1));
    }

    #[test]
    fn retention_decides_what_is_still_in_the_stream() {
        let now = Utc::now();
        assert_eq!(retained(Some(now - chrono::Duration::hours(23)), 24, now), Some(true));
        assert_eq!(retained(Some(now - chrono::Duration::hours(25)), 24, now), Some(false));
        assert_eq!(retained(None, 24, now), None);
    }
}
