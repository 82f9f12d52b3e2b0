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
use serde_json::{Value as Json, json};

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
                let backoff = Duration::from_millis(50 << attempt.min(6));
                tokio::time::sleep(backoff + Duration::from_millis(fastrand::u64(..50))).await;
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
        let result = self
            .call("POST", &url, KAFKA_JSON, kafka_body(&items).to_string())
            .await;
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
pub fn kafka_body(items: &[Item]) -> Json {
    let records: Vec<Json> = items
        .iter()
        .map(|item| json!({"key": item.event_id, "value": item.record}))
        .collect();
    json!({ "records": records })
}

/// The positions of the entries a 200 PutRecords answer reports failed (`ErrorCode` set); `None` when
/// the answer cannot be read, which counts the whole request as failed.
pub fn failed_entries(body: &str, sent: usize) -> Option<Vec<usize>> {
    let answer: Json = serde_json::from_str(body).ok()?;
    let entries = answer.get("Records")?.as_array()?;
    if entries.len() != sent {
        return None;
    }
    Some(
        entries
            .iter()
            .enumerate()
            .filter(|(_, entry)| entry.get("ErrorCode").is_some_and(|code| !code.is_null()))
            .map(|(i, _)| i)
            .collect(),
    )
}

/// How many records of a 200 produce answer carry an `error_code`; `None` when the answer cannot be
/// read (every record then counts as failed).
pub fn failed_offsets(body: &str, sent: usize) -> Option<u64> {
    let answer: Json = serde_json::from_str(body).ok()?;
    let offsets = answer.get("offsets")?.as_array()?;
    if offsets.len() != sent {
        return None;
    }
    Some(
        offsets
            .iter()
            .filter(|offset| offset.get("error_code").is_some_and(|code| !code.is_null()))
            .count() as u64,
    )
}

fn shorten(body: &str) -> String {
    body.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(i: u64, kind: Kind) -> Item {
        Item {
            event_id: format!("e{i}"),
            kind,
            record: json!({"i": i}),
        }
    }

    #[test]
    fn batches_are_consecutive_or_per_kind() {
        let kinds = [Kind::Pin, Kind::Geo, Kind::User, Kind::Pin, Kind::Geo];
        let mut records = Batcher::new(Format::Records, 2);
        let full: Vec<Vec<Item>> = kinds
            .iter()
            .enumerate()
            .filter_map(|(i, k)| records.push(item(i as u64, *k)))
            .collect();
        assert_eq!(full.len(), 2);
        assert_eq!(
            full[0].iter().map(|i| i.event_id.as_str()).collect::<Vec<_>>(),
            ["e0", "e1"]
        );
        assert_eq!(records.drain().len(), 1);

        let mut kafka = Batcher::new(Format::KafkaRest, 2);
        let full: Vec<Vec<Item>> = kinds
            .iter()
            .enumerate()
            .filter_map(|(i, k)| kafka.push(item(i as u64, *k)))
            .collect();
        assert_eq!(full.len(), 2, "pin and geo fill up, user does not");
        assert!(full.iter().all(|group| group.iter().all(|i| i.kind == group[0].kind)));
        let rest = kafka.drain();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0][0].kind, Kind::User);

        let mut submit = Batcher::new(Format::Submit, 100);
        assert!(submit.push(item(0, Kind::Pin)).is_some(), "one record per submit");
    }

    #[test]
    fn failures_are_found_in_answers() {
        let body = r#"{"FailedRecordCount":1,"Records":[{"SequenceNumber":"1","ShardId":"s"},{"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"slow down"}]}"#;
        assert_eq!(failed_entries(body, 2), Some(vec![1]));
        assert_eq!(
            failed_entries(r#"{"Records":[{"SequenceNumber":"1"}]}"#, 1),
            Some(vec![])
        );
        assert_eq!(
            failed_entries(r#"{"Records":[]}"#, 1),
            None,
            "a short answer fails the request"
        );
        assert_eq!(failed_entries("not json", 1), None);

        let produced = r#"{"offsets":[{"partition":0,"offset":1,"error_code":null,"error":null},{"partition":null,"offset":null,"error_code":50003,"error":"retriable"}],"key_schema_id":null,"value_schema_id":null}"#;
        assert_eq!(failed_offsets(produced, 2), Some(1));
        assert_eq!(failed_offsets(produced, 3), None);
        assert_eq!(failed_offsets("{}", 1), None);

        let items = [item(1, Kind::Geo)];
        assert_eq!(
            records_body(&items),
            json!({"records": [{"data": {"i": 1}, "partition-key": "e1"}]})
        );
        assert_eq!(
            kafka_body(&items),
            json!({"records": [{"key": "e1", "value": {"i": 1}}]})
        );
    }
}
