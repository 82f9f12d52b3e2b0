//! What the REST Proxy core needs from Kafka, as a trait ([`KafkaApi`]) with two implementations:
//! [`client::KafkaClient`] (rskafka, with the [`auth`] settings: IAM, SCRAM or none) and, behind
//! the `test-util` feature, `memory::MemoryKafka` for tests without a broker.

pub mod auth;
pub mod client;
pub mod error;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;

use std::future::Future;

pub use error::{KafkaError, Retry};

/// One topic as the cluster's metadata describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    /// Its name.
    pub name: String,
    /// How many partitions it has (numbered from 0).
    pub partitions: i32,
}

/// One record to produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutRecord {
    /// Key bytes (`None`: null key).
    pub key: Option<Vec<u8>>,
    /// Value bytes (`None`: null value).
    pub value: Option<Vec<u8>>,
}

/// Kafka, as the core uses it. Every call may be cut off by the caller's deadline (the future is
/// dropped): an implementation keeps no state that a dropped call would corrupt.
pub trait KafkaApi: Send + Sync {
    /// Every topic of the cluster (fresh metadata, internal topics excluded).
    fn topics(&self) -> impl Future<Output = Result<Vec<TopicInfo>, KafkaError>> + Send;

    /// The partition count of `topic` (`None`: no such topic); may answer from recent metadata.
    fn partition_count(&self, topic: &str) -> impl Future<Output = Result<Option<i32>, KafkaError>> + Send;

    /// Produces `records` to one partition as one batch with acks=all; on success one offset per
    /// record, in order.
    fn produce(
        &self,
        topic: &str,
        partition: i32,
        records: Vec<OutRecord>,
    ) -> impl Future<Output = Result<Vec<i64>, KafkaError>> + Send;

    /// Forgets what is cached about `topic` (partition count, leaders): the next call asks the
    /// cluster again. Called after an error that says the metadata moved.
    fn invalidate(&self, topic: &str);
}
