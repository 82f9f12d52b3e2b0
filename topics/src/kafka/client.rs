//! [`KafkaApi`] with rskafka: one client per execution environment, connected on first use and
//! kept across warm invocations, a partition client per (topic, partition) and the topics'
//! partition counts, refreshed when Kafka says they moved.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use parking_lot::Mutex;
use rskafka::BackoffConfig;
use rskafka::chrono::{DateTime, Utc};
use rskafka::client::partition::{Compression, PartitionClient, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder};
use rskafka::record::Record;

use super::auth::{Sasl, tls_config};
use super::{KafkaApi, KafkaError, OutRecord, TopicInfo};

/// How long a topic's partition count is trusted: the Java producer's `metadata.max.age.ms`.
/// Partitions are only ever added, and an error that says metadata moved refreshes it at once.
const METADATA_MAX_AGE: Duration = Duration::from_secs(300);

/// rskafka retries a failing request internally for at most this long; the core retries what is
/// left within the invocation's deadline.
const CLIENT_RETRY_DEADLINE: Duration = Duration::from_secs(5);

/// Kafka through rskafka.
pub struct KafkaClient {
    bootstrap: Vec<String>,
    tls: bool,
    sasl: Sasl,
    client: Mutex<Option<Arc<Client>>>,
    partition_clients: Mutex<HashMap<(String, i32), Arc<PartitionClient>>>,
    partition_counts: Mutex<HashMap<String, (i32, Instant)>>,
    // Topics the cluster did not have, and when it said so: a burst of requests naming a topic that
    // does not exist costs one metadata request per MISSING_TOPIC_MEMORY, not one each.
    missing: Mutex<HashMap<String, Instant>>,
}

/// How long a topic the cluster did not list is answered 40401 without asking again.
const MISSING_TOPIC_MEMORY: Duration = Duration::from_secs(5);

impl KafkaClient {
    /// A client of the cluster at `bootstrap` (`host:port` each). Nothing connects until the first
    /// call.
    pub fn new(bootstrap: Vec<String>, tls: bool, sasl: Sasl) -> KafkaClient {
        KafkaClient {
            bootstrap,
            tls,
            sasl,
            client: Mutex::new(None),
            partition_clients: Mutex::new(HashMap::new()),
            partition_counts: Mutex::new(HashMap::new()),
            missing: Mutex::new(HashMap::new()),
        }
    }

    /// rskafka's error, classified; a broken connection also drops the client, so the next call
    /// connects afresh (and, with SCRAM, reads the secret again: a rotated password is picked up
    /// instead of every reconnect failing with the old one).
    fn failed(&self, error: &rskafka::client::error::Error) -> KafkaError {
        use rskafka::client::error::Error as ClientError;
        if matches!(error, ClientError::Connection(_) | ClientError::RetryFailed(_)) {
            *self.client.lock() = None;
            self.partition_clients.lock().clear();
        }
        KafkaError::from_client(error)
    }

    fn unreachable(&self, reason: impl Into<String>) -> KafkaError {
        KafkaError::Unreachable {
            bootstrap: self.bootstrap.join(","),
            reason: reason.into(),
        }
    }

    async fn client(&self) -> Result<Arc<Client>, KafkaError> {
        if let Some(client) = self.client.lock().as_ref() {
            return Ok(Arc::clone(client));
        }
        // Connect without holding the lock: while Kafka is unreachable each request gives up at its
        // own deadline instead of queueing behind the others. Racing connects each get a working
        // client; the first one stored is kept.
        let mut builder = ClientBuilder::new(self.bootstrap.clone())
            .client_id(concat!("streamgate-topics/", env!("CARGO_PKG_VERSION")))
            .backoff_config(BackoffConfig {
                init_backoff: Duration::from_millis(50),
                max_backoff: Duration::from_secs(1),
                base: 2.0,
                deadline: Some(CLIENT_RETRY_DEADLINE),
            });
        if self.tls {
            builder = builder.tls_config(tls_config().map_err(|e| self.unreachable(e))?);
        }
        if let Some(sasl) = self.sasl.config().await.map_err(|e| self.unreachable(e))? {
            builder = builder.sasl_config(sasl);
        }
        let connected = Arc::new(builder.build().await.map_err(|e| self.unreachable(e.to_string()))?);
        Ok(Arc::clone(self.client.lock().get_or_insert(connected)))
    }

    async fn partition_client(&self, topic: &str, partition: i32) -> Result<Arc<PartitionClient>, KafkaError> {
        let key = (topic.to_string(), partition);
        if let Some(client) = self.partition_clients.lock().get(&key) {
            return Ok(Arc::clone(client));
        }
        let client = self.client().await?;
        // The topic is known to exist: an unknown-topic answer is an error to report, not a lag to
        // wait out.
        let created = Arc::new(
            client
                .partition_client(topic, partition, UnknownTopicHandling::Error)
                .await
                .map_err(|e| self.failed(&e))?,
        );
        Ok(Arc::clone(self.partition_clients.lock().entry(key).or_insert(created)))
    }
}

impl KafkaApi for KafkaClient {
    async fn topics(&self) -> Result<Vec<TopicInfo>, KafkaError> {
        let topics = self.client().await?.list_topics().await.map_err(|e| self.failed(&e))?;
        let now = Instant::now();
        let infos: Vec<TopicInfo> = topics
            .into_iter()
            .map(|topic| TopicInfo {
                name: topic.name,
                partitions: i32::try_from(topic.partitions.len()).unwrap_or(i32::MAX),
            })
            .collect();
        let mut counts = self.partition_counts.lock();
        counts.extend(infos.iter().map(|t| (t.name.clone(), (t.partitions, now))));
        counts.retain(|name, _| infos.iter().any(|t| &t.name == name));
        Ok(infos)
    }

    async fn partition_count(&self, topic: &str) -> Result<Option<i32>, KafkaError> {
        if let Some((count, at)) = self.partition_counts.lock().get(topic)
            && at.elapsed() < METADATA_MAX_AGE
        {
            return Ok(Some(*count));
        }
        if let Some(at) = self.missing.lock().get(topic)
            && at.elapsed() < MISSING_TOPIC_MEMORY
        {
            return Ok(None);
        }
        let count = self
            .topics()
            .await?
            .into_iter()
            .find(|t| t.name == topic)
            .map(|t| t.partitions);
        let mut missing = self.missing.lock();
        missing.retain(|_, at| at.elapsed() < MISSING_TOPIC_MEMORY);
        match count {
            Some(_) => missing.remove(topic),
            None => missing.insert(topic.to_string(), Instant::now()),
        };
        Ok(count)
    }

    async fn produce(&self, topic: &str, partition: i32, records: Vec<OutRecord>) -> Result<Vec<i64>, KafkaError> {
        let client = self.partition_client(topic, partition).await?;
        // The REST Proxy's producer stamps each record with the time it sends it (CreateTime).
        let timestamp = DateTime::<Utc>::from(SystemTime::now());
        let records = records
            .into_iter()
            .map(|record| Record {
                key: record.key,
                value: record.value,
                headers: BTreeMap::new(),
                timestamp,
            })
            .collect();
        client
            .produce(records, Compression::NoCompression)
            .await
            .map_err(|e| self.failed(&e))
    }

    fn invalidate(&self, topic: &str) {
        self.partition_counts.lock().remove(topic);
        self.partition_clients.lock().retain(|(name, _), _| name != topic);
    }
}
