//! The wire formats of `streamgate post`: how records are grouped into requests ([`Batcher`]) and
//! how one request is sent and judged ([`Sender`]).
//!
//! - `submit`: one record per `POST /submit/{stream}/{eventId}`.
//! - `records`: `PUT /streams/{stream}/records` of the Kinesis proxy API; entries the answer reports
//!   failed (`ErrorCode` under a 200) are re-sent with backoff, as a careful client does.
//! - `kafka-rest`: `POST /topics/{prefix}.{kind}` in the Confluent REST Proxy's v2 JSON format; a
//!   record whose offset carries an `error_code` counts as failed even under a 200.

use std::collections::BTreeMap;
use std::time::Duration;

use httpclient::HttpClient;
use lambdabase::Backoff;
use serde_json::value::{RawValue, to_raw_value};
use serde_json::{Value as Json, json};
use streams::kinesis::PutRecordsOutput;
use topics::records::{ProduceRequest, RequestRecord};
use topics::response::ProduceResponse;

use super::generate::Kind;

/// The wire formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `POST /submit/{stream}/{eventId}`, the record as the body.
    Submit,
    /// `PUT /streams/{stream}/records` of the Kinesis proxy API, `{"records": [{"data", "partition-key"}]}`.
    Records,
    /// `POST /topics/{prefix}.{pin|geo|user}`, Confluent REST Proxy v2 JSON (`application/vnd.kafka.json.v2+json`).
    KafkaRest,
}

/// Re-sends of a PutRecords batch's failed entries before they count as failed.
pub const ENTRY_RETRIES: u32 = 4;
/// The wait before re-sending failed entries, equal jitter: re-send `n` waits between `100·2ⁿ⁻¹` and
/// `100·2ⁿ` ms (at most 6.4 s), so a throttled shard always gets at least 100, 200, 400... ms.
const ENTRY_BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(100),
    cap: Duration::from_millis(6400),
};

/// The REST Proxy v2 embedded JSON format.
pub const KAFKA_JSON: &str = "application/vnd.kafka.json.v2+json";
/// The REST Proxy v2 answer format.
pub const KAFKA_ANSWER: &str = "application/vnd.kafka.v2+json";

/// One generated record.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The eventId: the submit path's, the partition key, or the Kafka key.
    pub event_id: String,
    /// Which kind it is (its topic in `kafka-rest`).
    pub kind: Kind,
    /// The record.
    pub record: Json,
}

/// Groups records into requests: consecutive records, `per_request` at a time; in `kafka-rest`
/// one group per kind, since a request goes to one topic.
pub struct Batcher {
    per_request: usize,
    by_kind: bool,
    pending: BTreeMap<Option<&'static str>, Vec<Item>>,
}

impl Batcher {
    /// A batcher for `format` with `batch` records per request (submit: always 1).
    pub fn new(format: Format, batch: u64) -> Batcher {
        Batcher {
            per_request: if format == Format::Submit {
                1
            } else {
                batch.max(1) as usize
            },
            by_kind: format == Format::KafkaRest,
            pending: BTreeMap::new(),
        }
    }

    /// Adds a record; returns a full request's records when one is complete.
    pub fn push(&mut self, item: Item) -> Option<Vec<Item>> {
        let key = self.by_kind.then(|| item.kind.as_str());
        let group = self.pending.entry(key).or_default();
        group.push(item);
        (group.len() >= self.per_request).then(|| std::mem::take(group))
    }

    /// The incomplete requests left at the end.
    pub fn drain(&mut self) -> Vec<Vec<Item>> {
        std::mem::take(&mut self.pending)
            .into_values()
            .filter(|group| !group.is_empty())
            .collect()
    }
}

/// Where and as whom requests go.
#[derive(Clone)]
pub struct Sender {
    /// The HTTP client.
    pub client: HttpClient,
    /// The API's base URL, without a trailing slash.
    pub base: String,
    /// The stream of `submit` and `records`.
    pub stream: String,
    /// The topic prefix of `kafka-rest`.
    pub topic_prefix: String,
    /// The `Authorization` header.
    pub authorization: String,
    /// The format.
    pub format: Format,
}

/// What one request (with its re-sends) came to.
pub struct Delivered {
    /// The stream or topic.
    pub target: String,
    /// The first attempt's HTTP status and the start of its body, or the transport error.
    pub first: Result<(u16, String), String>,
    /// Records not stored in the end.
    pub failed: u64,
    /// Entries re-sent.
    pub retried: u64,
}

impl Sender {
    /// Sends one request's records.
    pub async fn send(&self, items: Vec<Item>) -> Delivered {
        match self.format {
            Format::Submit => self.submit(items).await,
            Format::Records => self.put_records(items).await,
            Format::KafkaRest => self.produce(items).await,
        }
    }

    async fn call(&self, method: &str, url: &str, content_type: &str, body: String) -> Result<(u16, String), String> {
        let headers = [
            ("authorization", self.authorization.as_str()),
            ("content-type", content_type),
            (
                "accept",
                if self.format == Format::KafkaRest {
                    KAFKA_ANSWER
                } else {
                    "application/json"
                },
            ),
        ];
        let answer = self
            .client
            .send(method, url, &headers, body)
            .await
            .map_err(|e| e.to_string())?;
        Ok((answer.status, answer.body))
    }

    async fn submit(&self, items: Vec<Item>) -> Delivered {
        let mut failed = 0;
        let mut first = Err("no record".to_string());
        for item in items {
            let url = format!("{}/submit/{}/{}", self.base, self.stream, item.event_id);
            let result = self
                .call("POST", &url, "application/json", item.record.to_string())
                .await;
            failed += u64::from(!matches!(&result, Ok((status, _)) if (200..300).contains(status)));
            first = result.map(|(status, body)| (status, shorten(&body)));
        }
        Delivered {
            target: self.stream.clone(),
            first,
            failed,
            retried: 0,
        }
    }

    async fn put_records(&self, mut pending: Vec<Item>) -> Delivered {
        let url = format!("{}/streams/{}/records", self.base, self.stream);
        let mut first = None;
        let mut retried = 0;
        for attempt in 0..=ENTRY_RETRIES {
            if attempt > 0 {
                retried += pending.len() as u64;
                tokio::time::sleep(ENTRY_BACKOFF.delay_equal_jitter(attempt)).await;
            }
            let result = self
                .call("PUT", &url, "application/json", records_body(&pending).to_string())
                .await;
            let still_failed = match &result {
                Ok((status, body)) if (200..300).contains(status) => failed_entries(body, pending.len()),
                // The whole request failed: every record of it did.
                _ => None,
            };
            if first.is_none() {
                first = Some(result.map(|(status, body)| (status, shorten(&body))));
            }
            match still_failed {
                Some(indexes) if indexes.is_empty() => {
                    pending.clear();
                    break;
                }
                Some(indexes) => pending = indexes.into_iter().filter_map(|i| pending.get(i).cloned()).collect(),
                None => break,
            }
        }
        Delivered {
            target: self.stream.clone(),
            first: first.unwrap_or_else(|| Err("no attempt".into())),
            failed: pending.len() as u64,
            retried,
        }
    }

    async fn produce(&self, items: Vec<Item>) -> Delivered {
        let topic = format!(
            "{}.{}",
            self.topic_prefix,
            items.first().map_or("pin", |i| i.kind.as_str())
        );
        let url = format!("{}/topics/{topic}", self.base);
        let sent = items.len() as u64;
        let result = match kafka_body(&items) {
            Ok(body) => self.call("POST", &url, KAFKA_JSON, body).await,
            Err(e) => Err(format!("the produce body could not be written: {e}")),
        };
        let failed = match &result {
            Ok((status, body)) if (200..300).contains(status) => failed_offsets(body, items.len()).unwrap_or(sent),
            _ => sent,
        };
        Delivered {
            target: topic,
            first: result.map(|(status, body)| (status, shorten(&body))),
            failed,
            retried: 0,
        }
    }
}

/// The PutRecords request body, in the shape the AWS tutorials use.
pub fn records_body(items: &[Item]) -> Json {
    let entries: Vec<Json> = items
        .iter()
        .map(|item| json!({"data": item.record, "partition-key": item.event_id}))
        .collect();
    json!({ "records": entries })
}

/// The REST Proxy v2 produce body: the eventId as the key.
pub fn kafka_body(items: &[Item]) -> Result<String, serde_json::Error> {
    let raw = items
        .iter()
        .map(|item| Ok((to_raw_value(&item.event_id)?, to_raw_value(&item.record)?)))
        .collect::<Result<Vec<(Box<RawValue>, Box<RawValue>)>, serde_json::Error>>()?;
    let request = ProduceRequest {
        records: Some(
            raw.iter()
                .map(|(key, value)| RequestRecord {
                    key: Some(key),
                    value: Some(value),
                    partition: None,
                })
                .collect(),
        ),
    };
    serde_json::to_string(&request)
}

/// The positions of the entries a 200 PutRecords answer reports failed (`ErrorCode` set); `None` when
/// the answer cannot be read, which counts the whole request as failed.
pub fn failed_entries(body: &str, sent: usize) -> Option<Vec<usize>> {
    let answer: PutRecordsOutput = serde_json::from_str(body).ok()?;
    if answer.records.len() != sent {
        return None;
    }
    Some(
        answer
            .records
            .iter()
            .enumerate()
            .filter(|(_, entry)| entry.is_failure())
            .map(|(i, _)| i)
            .collect(),
    )
}

/// How many records of a 200 produce answer carry an `error_code`; `None` when the answer cannot be
/// read (every record then counts as failed).
pub fn failed_offsets(body: &str, sent: usize) -> Option<u64> {
    let answer: ProduceResponse = serde_json::from_str(body).ok()?;
    if answer.offsets.len() != sent {
        return None;
    }
    Some(
        answer
            .offsets
            .iter()
            .filter(|offset| offset.error_code.is_some())
            .count() as u64,
    )
}

fn shorten(body: &str) -> String {
    body.chars().take(300).collect()
}

#[cfg(test)]
mod tests;
