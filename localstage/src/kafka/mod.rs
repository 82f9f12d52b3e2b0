//! The Kafka half of the local stage: a Kafka-compatible broker on a loopback port ([`broker`]), the
//! helpers that create topics and read them back ([`create_topics`], [`read_all`]), and the `topics`
//! function's REST Proxy core served over plain HTTP in front of it ([`rest_proxy`]), for the
//! `KafkaRestProxyUrl` mode.
//!
//! The broker is Tansu (memory only, from `.venv/kafka`, installed by `make tools`); the client is
//! rskafka, pure Rust, built without its compression codecs: everything here produces uncompressed
//! batches, and [`read_all`] fails with a clear error on a batch another producer compressed.

pub mod broker;
pub mod rest_proxy;

use std::path::PathBuf;
use std::time::Duration;

use rskafka::BackoffConfig;
use rskafka::client::error::{Error as ClientError, ProtocolError};
use rskafka::client::partition::{OffsetAt, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder};

pub use broker::Broker;

/// How long one Kafka operation (connect, metadata, produce, fetch) keeps retrying before it fails.
/// rskafka retries forever by default; a stage whose broker is gone must answer, not hang.
pub(crate) const OPERATION_DEADLINE: Duration = Duration::from_secs(5);

/// Largest fetch answer [`read_all`] asks for per round trip.
const FETCH_MAX_BYTES: i32 = 8 * 1024 * 1024;

/// How long a fetch may wait for data. Only a fetch at the end of a partition waits, and read_all
/// never makes one; but Tansu 0.6.0 answers a fetch with a zero wait with no topic at all, so it must
/// not be zero.
const FETCH_MAX_WAIT_MS: i32 = 1_000;

/// The replication factor of every topic: the local broker is a single node.
const REPLICATION_FACTOR: i16 = 1;

/// How long the broker may take to create one topic.
const CREATE_TOPIC_TIMEOUT_MS: i32 = 5_000;

/// One record as it is stored in a partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaRecord {
    /// The partition it is in.
    pub partition: i32,
    /// Its offset within the partition.
    pub offset: i64,
    /// The key bytes (`None`: a null key).
    pub key: Option<Vec<u8>>,
    /// The value bytes (`None`: a null value, a tombstone).
    pub value: Option<Vec<u8>>,
}

/// What went wrong with the local broker or a call to it.
#[derive(Debug, thiserror::Error)]
pub enum KafkaError {
    /// The Tansu binary is not where it was looked for.
    #[error(
        "Tansu (the local Kafka broker) is not installed at {path}.\n\
         Install the project's pinned tools with `make tools` (it creates .venv/kafka from \
         requirements/kafka.txt), or point {env} at a tansu binary.",
        env = broker::TANSU_ENV
    )]
    NotInstalled {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// A local operation around the broker process failed (log file, spawn, free port).
    #[error("Kafka broker: {what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The broker process exited before it answered.
    #[error("the Kafka broker exited at start ({status}); the end of its log {log}:\n{tail}")]
    BrokerExited {
        /// Its exit status.
        status: String,
        /// Its log file.
        log: PathBuf,
        /// The last lines of the log.
        tail: String,
    },
    /// The broker ran but did not answer a metadata request in time.
    #[error("the Kafka broker did not answer a metadata request within {after:?}; the end of its log {log}:\n{tail}")]
    StartTimeout {
        /// How long it was given.
        after: Duration,
        /// Its log file.
        log: PathBuf,
        /// The last lines of the log.
        tail: String,
    },
    /// A Kafka request failed (after rskafka's retries, within [`OPERATION_DEADLINE`]).
    #[error("Kafka {operation} on {bootstrap}: {source}")]
    Client {
        /// The operation (`connect`, `create topic t`, `fetch t/0`...).
        operation: String,
        /// The broker.
        bootstrap: String,
        /// rskafka's error (boxed: it is large, and every `Result` here carries it).
        source: Box<ClientError>,
    },
    /// The topic does not exist.
    #[error("Kafka topic {topic} does not exist on {bootstrap}")]
    UnknownTopic {
        /// The topic.
        topic: String,
        /// The broker.
        bootstrap: String,
    },
    /// A partition's records could not all be read.
    #[error("reading {topic}/{partition} on {bootstrap}: {reason}")]
    Incomplete {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The broker.
        bootstrap: String,
        /// What was missing.
        reason: String,
    },
    /// The broker's port is taken on 127.0.0.1 (checked before the broker is started).
    #[error("port {port} is in use (is another Kafka running?): choose another with --kafka-port")]
    PortInUse {
        /// The port asked for.
        port: u16,
    },
}

/// rskafka's retry policy for the stage: short backoffs, and a deadline instead of retrying forever.
pub(crate) fn backoff() -> BackoffConfig {
    BackoffConfig {
        init_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(500),
        base: 2.0,
        deadline: Some(OPERATION_DEADLINE),
    }
}

/// A client of the broker at `bootstrap` (`host:port`); connecting does one metadata round trip.
pub async fn connect(bootstrap: &str) -> Result<Client, KafkaError> {
    ClientBuilder::new(vec![bootstrap.to_string()])
        .client_id("streamgate-localstage")
        .backoff_config(backoff())
        .build()
        .await
        .map_err(|source| client_error("connect", bootstrap, source))
}

fn client_error(operation: impl Into<String>, bootstrap: &str, source: ClientError) -> KafkaError {
    KafkaError::Client {
        operation: operation.into(),
        bootstrap: bootstrap.to_string(),
        source: Box::new(source),
    }
}

/// Creates each topic with `partitions` partitions (replication factor 1). Idempotent: a topic that
/// already exists is left as it is, whatever its partition count.
pub async fn create_topics(bootstrap: &str, topics: &[String], partitions: i32) -> Result<(), KafkaError> {
    let client = connect(bootstrap).await?;
    let controller = client
        .controller_client()
        .map_err(|source| client_error("controller", bootstrap, source))?;
    for topic in topics {
        match controller
            .create_topic(topic.as_str(), partitions, REPLICATION_FACTOR, CREATE_TOPIC_TIMEOUT_MS)
            .await
        {
            Ok(()) => {}
            Err(ClientError::ServerError {
                protocol_error: ProtocolError::TopicAlreadyExists,
                ..
            }) => {}
            Err(source) => return Err(client_error(format!("create topic {topic}"), bootstrap, source)),
        }
    }
    Ok(())
}

/// Every record of every partition of `topic`, from the earliest kept offset (0 on the memory-only
/// broker) up to the high watermark of the partition's first fetch, by partition then offset. For tests and
/// the CLI's checks; not a consumer (no group, no commit).
pub async fn read_all(bootstrap: &str, topic: &str) -> Result<Vec<KafkaRecord>, KafkaError> {
    let client = connect(bootstrap).await?;
    let partitions = client
        .list_topics()
        .await
        .map_err(|source| client_error("list topics", bootstrap, source))?
        .into_iter()
        .find(|t| t.name == topic)
        .map(|t| t.partitions)
        .ok_or_else(|| KafkaError::UnknownTopic {
            topic: topic.to_string(),
            bootstrap: bootstrap.to_string(),
        })?;
    let mut all = Vec::new();
    for partition in partitions {
        let what = |op: &str| format!("{op} {topic}/{partition}");
        let client = client
            .partition_client(topic, partition, UnknownTopicHandling::Retry)
            .await
            .map_err(|source| client_error(what("open"), bootstrap, source))?;
        // Tansu 0.6.0 answers ListOffsets(Latest) with the last batch's base offset + 1, not the high
        // watermark: trust it only to tell an empty partition (0) from one with records.
        let latest = client
            .get_offset(OffsetAt::Latest)
            .await
            .map_err(|source| client_error(what("latest offset of"), bootstrap, source))?;
        if latest == 0 {
            continue;
        }
        let mut next = client
            .get_offset(OffsetAt::Earliest)
            .await
            .map_err(|source| client_error(what("earliest offset of"), bootstrap, source))?;
        // The high watermark of the first fetch: what the partition held when we started reading.
        let mut high = None;
        loop {
            let (records, watermark) = client
                .fetch_records(next, 1..FETCH_MAX_BYTES, FETCH_MAX_WAIT_MS)
                .await
                .map_err(|source| client_error(what("fetch"), bootstrap, source))?;
            let high = *high.get_or_insert(watermark);
            let before = next;
            for record in records.into_iter().filter(|r| r.offset >= before && r.offset < high) {
                next = record.offset + 1;
                all.push(KafkaRecord {
                    partition,
                    offset: record.offset,
                    key: record.record.key,
                    value: record.record.value,
                });
            }
            if next >= high {
                break;
            }
            // A fetch below the high watermark always returns a batch; an empty one would loop forever.
            if next == before {
                return Err(KafkaError::Incomplete {
                    topic: topic.to_string(),
                    partition,
                    bootstrap: bootstrap.to_string(),
                    reason: format!("a fetch at offset {next} returned nothing below the high watermark {high}"),
                });
            }
        }
    }
    Ok(all)
}
