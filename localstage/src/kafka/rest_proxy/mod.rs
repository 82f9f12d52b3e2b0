//! A local stand-in for Confluent's REST Proxy v2 produce API, in front of the stage's broker.
//!
//! This is **not** Confluent's REST Proxy (a Java service that cannot be installed here): it serves
//! the part of its v2 API that the project's clients use, and really produces through rskafka:
//!
//! - `POST /topics/{topic}` with `Content-Type: application/vnd.kafka.json.v2+json` (keys and values
//!   any JSON, produced as JSON text) or `application/vnd.kafka.binary.v2+json` (base64 strings,
//!   produced decoded), body `{"records": [{"key"?, "value", "partition"?}]}`. The answer is 200
//!   `{"offsets": [{"partition", "offset", "error_code", "error"}...], "key_schema_id": null,
//!   "value_schema_id": null}`, one entry per record in request order; a record that could not be
//!   produced has `partition` and `offset` null and `error_code` 50002 (non-retriable) or 50003
//!   (retriable) with the reason, inside the 200, as the real proxy reports it. No record is dropped
//!   silently.
//! - `GET /topics` → `["a", "b"]`; `GET /topics/{topic}` → `{"name", "configs", "partitions"}`.
//! - Request errors are `{"error_code", "message"}`, always `application/vnd.kafka.v2+json`: 415 for
//!   another content type, 422 for a malformed body, 404 / 40401 `Topic not found.`, 500 / 50002
//!   when the broker cannot be reached at the start of the request.
//!
//! Records of one request are grouped by partition and each group is produced in one call (one
//! batch, in request order, all or nothing per partition); the groups go out concurrently. One
//! rskafka client is kept (connected on first use, so the router can be built before the broker
//! starts) with a client per partition (whose creation costs a metadata round trip) and the topics'
//! partition counts (refreshed when a topic is not in it).
//!
//! # Where it differs from Confluent's REST Proxy
//!
//! - **Surface.** Only the three calls above: no `POST /topics/{topic}/partitions/{p}`, consumers,
//!   `/brokers`, v3 API, or schema formats (avro, protobuf, jsonschema: 415); `key_schema_id` and
//!   `value_schema_id` are always null. The `Accept` header is ignored.
//! - **Content types.** Only the two v2 types above (case and parameters ignored). The current proxy
//!   takes the same for JSON and binary; older releases also took `application/json` and
//!   `application/octet-stream` as binary, which are 415 here so that a client tested locally sends
//!   the explicit type every release accepts.
//! - **Unknown topic.** 404 / 40401 at once. The real proxy with topic auto-creation off blocks for
//!   the producer's `max.block.ms` (60 s by default), then answers 200 with 50003 for every record;
//!   with auto-creation on, it creates the topic. Here topics are created only by the stage.
//! - **Malformed bodies** are 422 / 422 with the reason and the record's index (not JSON, `records`
//!   missing or empty, a record that is not an object or has no `value`, a non-integer `partition`,
//!   binary data that is not base64). The real proxy answers a body that is not JSON with 400 / 400
//!   (Jackson's parse error), and a record without `value` is produced there with a null value;
//!   here a missing `value` is refused and only an explicit `"value": null` produces a null value.
//! - **JSON bytes.** A JSON key or value is produced as the text sent minus the whitespace between
//!   tokens: numbers and escapes stay as written (`1.50`, `"\u00e9"`). The real proxy re-serialises
//!   through Jackson (`1.5`, `"é"`), so such keys can hash to another partition there.
//! - **Partitioning.** An explicit partition is used as is; one that does not exist is a per-record
//!   50002 with the Java producer's message. A keyed record goes where the Java producer's default
//!   partitioner sends it (murmur2 of the key bytes): same key bytes and partition count, same
//!   partition. Keyless records take turns round-robin, record by record; the Java producer's
//!   sticky partitioner usually puts one request's keyless records on one partition.
//! - **Errors.** Messages are rskafka's, not the Java client's. Once connected, a broker that goes
//!   away gives per-record 50003 after rskafka's retries (5 s); the real producer waits
//!   `delivery.timeout.ms` (2 min). A broker unreachable when the request starts is a 500 / 50002 for
//!   the whole request, where the real proxy would block, then answer per record.
//! - **Limits.** Bodies over 32 MiB are 413 / 413. No per-record size check (the Java producer's
//!   `max.request.size`, 1 MB, makes larger records a per-record 50002 there).
//! - **Topic description.** `configs` is always `{}`; each partition is reported with one in-sync
//!   replica on broker 0, its leader (Tansu's own node id is not reported). `GET /topics` is sorted.
//! - Unknown paths are 404 / 404 and wrong methods 405 / 405, as the real proxy's Jersey answers.

pub mod partitioner;
pub mod request;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::SystemTime;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::future::join_all;
use parking_lot::Mutex;
use rskafka::chrono::{DateTime, Utc};
use rskafka::client::Client;
use rskafka::client::error::{Error as ClientError, ProtocolError};
use rskafka::client::partition::{Compression, PartitionClient, UnknownTopicHandling};
use rskafka::record::Record;
use serde::Serialize;

use super::KafkaError;
use request::{EmbeddedFormat, KAFKA_ERROR, KAFKA_RETRIABLE_ERROR, ProduceRecord, RestError, V2_JSON};

pub use request::{embedded_format, parse_records};

/// The largest request body the stand-in reads.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// The router of the stand-in, producing to the broker at `bootstrap` (`host:port`). It connects on
/// the first request, so it can be built before the broker answers.
pub fn router(bootstrap: &str) -> Router {
    let proxy = Proxy {
        bootstrap: bootstrap.to_string(),
        client: Mutex::new(None),
        partition_clients: Mutex::new(HashMap::new()),
        partition_counts: Mutex::new(HashMap::new()),
        round_robin: AtomicU32::new(0),
    };
    Router::new()
        .route("/topics", get(list_topics))
        .route("/topics/{topic}", get(describe_topic).post(produce))
        .fallback(|| async { error_response(&RestError::not_found()) })
        .method_not_allowed_fallback(|| async { error_response(&RestError::method_not_allowed()) })
        .with_state(Arc::new(proxy))
}

struct Proxy {
    bootstrap: String,
    // Connected on first use (see `Proxy::client`).
    client: Mutex<Option<Arc<Client>>>,
    partition_clients: Mutex<HashMap<(String, i32), Arc<PartitionClient>>>,
    partition_counts: Mutex<HashMap<String, i32>>,
    round_robin: AtomicU32,
}

impl Proxy {
    async fn client(&self) -> Result<Arc<Client>, KafkaError> {
        if let Some(client) = self.client.lock().as_ref() {
            return Ok(Arc::clone(client));
        }
        // Connect without holding the lock: while the broker is unreachable each request gives up
        // after its own deadline instead of queueing behind the others' attempts. Requests racing
        // to connect first each get a working client; the first one stored is kept.
        let connected = Arc::new(super::connect(&self.bootstrap).await?);
        Ok(Arc::clone(self.client.lock().get_or_insert(connected)))
    }

    /// Every topic with its partition count, from the broker (and remembered).
    async fn topics(&self) -> Result<BTreeMap<String, i32>, KafkaError> {
        let topics = self
            .client()
            .await?
            .list_topics()
            .await
            .map_err(|source| super::client_error("list topics", &self.bootstrap, source))?;
        let counts: BTreeMap<String, i32> = topics
            .into_iter()
            .map(|topic| (topic.name, i32::try_from(topic.partitions.len()).unwrap_or(i32::MAX)))
            .collect();
        let mut known = self.partition_counts.lock();
        known.clear();
        known.extend(counts.iter().map(|(name, count)| (name.clone(), *count)));
        Ok(counts)
    }

    /// The partition count of `topic`, asking the broker when it is not known yet.
    async fn partition_count(&self, topic: &str) -> Result<Option<i32>, KafkaError> {
        if let Some(count) = self.partition_counts.lock().get(topic) {
            return Ok(Some(*count));
        }
        Ok(self.topics().await?.get(topic).copied())
    }

    async fn partition_client(&self, topic: &str, partition: i32) -> Result<Arc<PartitionClient>, ClientError> {
        let key = (topic.to_string(), partition);
        if let Some(client) = self.partition_clients.lock().get(&key) {
            return Ok(Arc::clone(client));
        }
        let client = self.client().await.map_err(|e| match e {
            KafkaError::Client { source, .. } => *source,
            other => ClientError::InvalidResponse(other.to_string()),
        })?;
        // The topic is known to exist: an unknown-topic answer is a real error, not a lag to wait out.
        let created = Arc::new(
            client
                .partition_client(topic, partition, UnknownTopicHandling::Error)
                .await?,
        );
        // Two requests may race to create it; both clients work, the first one stays.
        Ok(Arc::clone(self.partition_clients.lock().entry(key).or_insert(created)))
    }

    /// Forgets what is known of a topic that the broker no longer knows.
    fn forget(&self, topic: &str) {
        self.partition_counts.lock().remove(topic);
        self.partition_clients.lock().retain(|(name, _), _| name != topic);
    }
}

/// One entry of the produce answer's `offsets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct PartitionOffset {
    partition: Option<i32>,
    offset: Option<i64>,
    error_code: Option<u32>,
    error: Option<String>,
}

impl PartitionOffset {
    fn failed(error_code: u32, error: String) -> PartitionOffset {
        PartitionOffset {
            partition: None,
            offset: None,
            error_code: Some(error_code),
            error: Some(error),
        }
    }
}

#[derive(Serialize)]
struct ProduceResponse {
    offsets: Vec<PartitionOffset>,
    key_schema_id: Option<i32>,
    value_schema_id: Option<i32>,
}

#[derive(Serialize)]
struct TopicDescription {
    name: String,
    configs: BTreeMap<String, String>,
    partitions: Vec<PartitionDescription>,
}

#[derive(Serialize)]
struct PartitionDescription {
    partition: i32,
    leader: i32,
    replicas: Vec<ReplicaDescription>,
}

#[derive(Serialize)]
struct ReplicaDescription {
    broker: i32,
    leader: bool,
    in_sync: bool,
}

/// A 200 (or any status) with a JSON body in the REST Proxy's content type.
fn vnd_json(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, V2_JSON)], bytes).into_response(),
        Err(e) => error_response(&RestError::kafka(format!("cannot encode the answer: {e}"))),
    }
}

fn error_response(error: &RestError) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match serde_json::to_vec(error) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, V2_JSON)], bytes).into_response(),
        Err(_) => status.into_response(),
    }
}

/// The REST Proxy's per-record code for a failed produce: 50003 when retrying may succeed (the
/// connection, a timeout, a leader moving), else 50002.
fn produce_error_code(error: &ClientError) -> u32 {
    match error {
        ClientError::Connection(_) | ClientError::Request(_) | ClientError::Timeout | ClientError::RetryFailed(_) => {
            KAFKA_RETRIABLE_ERROR
        }
        ClientError::ServerError { protocol_error, .. } if retriable(*protocol_error) => KAFKA_RETRIABLE_ERROR,
        _ => KAFKA_ERROR,
    }
}

/// The Kafka error codes whose Java exceptions are `RetriableException`s.
fn retriable(error: ProtocolError) -> bool {
    matches!(
        error,
        ProtocolError::CorruptMessage
            | ProtocolError::UnknownTopicOrPartition
            | ProtocolError::LeaderNotAvailable
            | ProtocolError::NotLeaderOrFollower
            | ProtocolError::RequestTimedOut
            | ProtocolError::NetworkException
            | ProtocolError::CoordinatorLoadInProgress
            | ProtocolError::CoordinatorNotAvailable
            | ProtocolError::NotCoordinator
            | ProtocolError::NotEnoughReplicas
            | ProtocolError::NotEnoughReplicasAfterAppend
            | ProtocolError::KafkaStorageError
            | ProtocolError::FencedLeaderEpoch
            | ProtocolError::UnknownLeaderEpoch
            | ProtocolError::OffsetNotAvailable
            | ProtocolError::PreferredLeaderNotAvailable
            | ProtocolError::ThrottlingQuotaExceeded
    )
}

async fn list_topics(State(proxy): State<Arc<Proxy>>) -> Response {
    match proxy.topics().await {
        Ok(topics) => vnd_json(StatusCode::OK, &topics.keys().collect::<Vec<_>>()),
        Err(e) => error_response(&RestError::kafka(e)),
    }
}

async fn describe_topic(State(proxy): State<Arc<Proxy>>, Path(topic): Path<String>) -> Response {
    let count = match proxy.topics().await {
        Ok(topics) => topics.get(&topic).copied(),
        Err(e) => return error_response(&RestError::kafka(e)),
    };
    let Some(count) = count else {
        return error_response(&RestError::topic_not_found());
    };
    let partitions = (0..count)
        .map(|partition| PartitionDescription {
            partition,
            leader: 0,
            replicas: vec![ReplicaDescription {
                broker: 0,
                leader: true,
                in_sync: true,
            }],
        })
        .collect();
    vnd_json(
        StatusCode::OK,
        &TopicDescription {
            name: topic,
            configs: BTreeMap::new(),
            partitions,
        },
    )
}

async fn produce(
    State(proxy): State<Arc<Proxy>>,
    Path(topic): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // The real proxy's order: media type (415), then the body (422), then the topic (404).
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let format = match embedded_format(content_type) {
        Ok(format) => format,
        Err(e) => return error_response(&e),
    };
    let too_large = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|length| length > MAX_BODY_BYTES);
    let bytes = match too_large {
        true => None,
        false => axum::body::to_bytes(body, MAX_BODY_BYTES).await.ok(),
    };
    let Some(bytes) = bytes else {
        return error_response(&RestError::too_large(MAX_BODY_BYTES));
    };
    match produce_records(&proxy, &topic, format, &bytes).await {
        Ok(offsets) => vnd_json(
            StatusCode::OK,
            &ProduceResponse {
                offsets,
                key_schema_id: None,
                value_schema_id: None,
            },
        ),
        Err(e) => error_response(&e),
    }
}

/// Parses, places and produces one request's records; the offsets are in request order.
async fn produce_records(
    proxy: &Proxy,
    topic: &str,
    format: EmbeddedFormat,
    body: &[u8],
) -> Result<Vec<PartitionOffset>, RestError> {
    let records = parse_records(format, body)?;
    let partitions = proxy
        .partition_count(topic)
        .await
        .map_err(RestError::kafka)?
        .ok_or_else(RestError::topic_not_found)?;

    let mut offsets: Vec<Option<PartitionOffset>> = vec![None; records.len()];
    let mut groups: BTreeMap<i32, (Vec<usize>, Vec<Record>)> = BTreeMap::new();
    // The real proxy stamps each record with the time it produces it (CreateTime).
    let timestamp = DateTime::<Utc>::from(SystemTime::now());
    for (index, ProduceRecord { key, value, partition }) in records.into_iter().enumerate() {
        let placed = partitioner::choose_partition(partition, key.as_deref(), partitions, || {
            proxy.round_robin.fetch_add(1, Ordering::Relaxed)
        });
        match placed {
            Ok(partition) => {
                let group = groups.entry(partition).or_default();
                group.0.push(index);
                group.1.push(Record {
                    key,
                    value,
                    headers: BTreeMap::new(),
                    timestamp,
                });
            }
            Err(reason) => offsets[index] = Some(PartitionOffset::failed(KAFKA_ERROR, reason)),
        }
    }

    let produced = join_all(groups.into_iter().map(|(partition, (indices, records))| async move {
        let result = match proxy.partition_client(topic, partition).await {
            Ok(client) => client.produce(records, Compression::NoCompression).await,
            Err(e) => Err(e),
        };
        (partition, indices, result)
    }))
    .await;
    for (partition, indices, result) in produced {
        match result {
            Ok(partition_offsets) if partition_offsets.len() == indices.len() => {
                for (index, offset) in indices.into_iter().zip(partition_offsets) {
                    offsets[index] = Some(PartitionOffset {
                        partition: Some(partition),
                        offset: Some(offset),
                        error_code: None,
                        error: None,
                    });
                }
            }
            Ok(partition_offsets) => {
                let reason = format!(
                    "the broker acknowledged {} of {} records",
                    partition_offsets.len(),
                    indices.len()
                );
                for index in indices {
                    offsets[index] = Some(PartitionOffset::failed(KAFKA_ERROR, reason.clone()));
                }
            }
            Err(error) => {
                if let ClientError::ServerError {
                    protocol_error: ProtocolError::UnknownTopicOrPartition,
                    ..
                } = &error
                {
                    // Deleted since we looked: the next request asks the broker again (and 404s).
                    proxy.forget(topic);
                }
                let code = produce_error_code(&error);
                for index in indices {
                    offsets[index] = Some(PartitionOffset::failed(code, error.to_string()));
                }
            }
        }
    }
    // Every record was placed in a group or failed placement, so every entry is set; the fallback
    // only keeps a record from vanishing should that ever change.
    Ok(offsets
        .into_iter()
        .map(|offset| offset.unwrap_or_else(|| PartitionOffset::failed(KAFKA_ERROR, "record not produced".into())))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_trouble_and_leader_moves_are_retriable() {
        let timeout = ClientError::Timeout;
        assert_eq!(produce_error_code(&timeout), KAFKA_RETRIABLE_ERROR);
        assert!(retriable(ProtocolError::NotLeaderOrFollower));
        assert!(retriable(ProtocolError::UnknownTopicOrPartition));
        assert!(!retriable(ProtocolError::MessageTooLarge));
        assert!(!retriable(ProtocolError::TopicAuthorizationFailed));
        assert_eq!(
            produce_error_code(&ClientError::InvalidResponse("bad".into())),
            KAFKA_ERROR
        );
    }

    #[test]
    fn a_failed_record_has_null_partition_and_offset() {
        let entry = serde_json::to_value(PartitionOffset::failed(KAFKA_ERROR, "no".into())).unwrap_or_default();
        assert_eq!(
            entry,
            serde_json::json!({"partition": null, "offset": null, "error_code": 50002, "error": "no"})
        );
    }
}
