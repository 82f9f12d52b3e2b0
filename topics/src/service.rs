//! The REST Proxy v2 core: one request in, one answer out, whatever carries it (the Lambda proxy
//! event in [`crate::handler`], plain HTTP in the local stage's `KafkaRestProxyUrl` mode). Checks
//! run before anything reaches Kafka, in this order: route (404/405), topic name and pattern (403),
//! content type (415), body (422/413), topic exists (40401), partitions (40402); then the records
//! are produced and every one gets an offset or an error code inside the 200.

use std::time::Duration;

use kafkatopic::TopicPolicy;
use serde::Serialize;
use tokio::time::Instant;

use crate::error::RestError;
use crate::format::embedded_format;
use crate::kafka::{KafkaApi, KafkaError};
use crate::partitioner::place;
use crate::produce::produce;
use crate::records::parse_records;
use crate::response::{PartitionDescription, ProduceResponse, TopicDescription};
use crate::route::{Route, route};

/// One HTTP request, as either adapter reads it.
#[derive(Debug, Clone, Copy)]
pub struct ProxyRequest<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The path as received, percent-encoding intact, without the query string.
    pub raw_path: &'a str,
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The body bytes.
    pub body: &'a [u8],
}

/// One answer: its status and its `application/vnd.kafka.v2+json` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Vec<u8>,
}

/// What one request did, for the log line and the metrics (never a key or a value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The call (`produce`, `list_topics`...), or `none` when no route matched.
    pub route: &'static str,
    /// The topic, once it passed the checks.
    pub topic: Option<String>,
    /// Records in the request.
    pub records: usize,
    /// Records with an offset.
    pub produced: usize,
    /// Records with an error code.
    pub failed: usize,
    /// Produce calls repeated after a retriable failure.
    pub retries: u32,
    /// Why the request, or its first failed record, failed (the client's message; for the log).
    pub error: Option<String>,
}

/// The core, over a [`KafkaApi`].
pub struct RestProxy<K> {
    kafka: K,
    policy: TopicPolicy,
}

impl<K: KafkaApi> RestProxy<K> {
    /// A core producing through `kafka`, serving the topics `policy` allows.
    pub fn new(kafka: K, policy: TopicPolicy) -> RestProxy<K> {
        RestProxy { kafka, policy }
    }

    /// The Kafka side (tests inspect the memory one).
    pub fn kafka(&self) -> &K {
        &self.kafka
    }

    /// Answers `request`; Kafka calls are cut off at `deadline` (the answer is still given).
    pub async fn handle(&self, request: ProxyRequest<'_>, deadline: Instant) -> (ProxyResponse, Facts) {
        let mut facts = Facts {
            route: "none",
            ..Facts::default()
        };
        let response = match self.dispatch(request, deadline, &mut facts).await {
            Ok(response) => response,
            Err(error) => {
                facts.error = Some(error.message.clone());
                ProxyResponse {
                    status: error.status,
                    body: error.body(),
                }
            }
        };
        (response, facts)
    }

    async fn dispatch(
        &self,
        request: ProxyRequest<'_>,
        deadline: Instant,
        facts: &mut Facts,
    ) -> Result<ProxyResponse, RestError> {
        let route = route(request.method, request.raw_path)?;
        facts.route = route.name();
        if let Some(topic) = route.topic() {
            self.policy.check(topic).map_err(RestError::forbidden)?;
            facts.topic = Some(topic.to_string());
        }
        match route {
            Route::ListTopics => {
                let topics = within(deadline, self.kafka.topics()).await.map_err(unavailable)?;
                let mut names: Vec<String> = topics
                    .into_iter()
                    .map(|t| t.name)
                    .filter(|name| self.policy.allows(name))
                    .collect();
                names.sort();
                ok(&names)
            }
            Route::DescribeTopic(topic) => {
                let count = self.partitions(topic, deadline).await?;
                ok(&TopicDescription {
                    name: topic.to_string(),
                    configs: Default::default(),
                    partitions: (0..count)
                        .map(|partition| PartitionDescription {
                            partition,
                            leader: -1,
                            replicas: Vec::new(),
                        })
                        .collect(),
                })
            }
            Route::Produce { topic, partition } => {
                let format = embedded_format(request.content_type)?;
                let records = parse_records(format, request.body)?;
                facts.records = records.len();
                if partition.is_some()
                    && let Some(index) = records.iter().position(|r| r.partition.is_some())
                {
                    return Err(RestError::unprocessable(format!(
                        "records[{index}].partition: the path already names the partition"
                    )));
                }
                let count = self.partitions(topic, deadline).await?;
                // Keyless records of one request stay together, on a partition picked at random
                // (the Java producer's sticky partitioner starts at a random one too).
                let sticky = fastrand::i32(0..count.max(1));
                let placed = place(&records, count, partition, sticky)?;
                let produced = produce(&self.kafka, topic, records, &placed, deadline).await;
                facts.failed = produced.offsets.iter().filter(|o| o.error_code.is_some()).count();
                facts.produced = produced.offsets.len() - facts.failed;
                facts.retries = produced.retries;
                facts.error = produced.offsets.iter().find_map(|o| o.error.clone());
                ok(&ProduceResponse {
                    offsets: produced.offsets,
                    key_schema_id: None,
                    value_schema_id: None,
                })
            }
        }
    }

    /// The topic's partition count: 40401 when it does not exist, 500 when Kafka cannot say.
    async fn partitions(&self, topic: &str, deadline: Instant) -> Result<i32, RestError> {
        within(deadline, self.kafka.partition_count(topic))
            .await
            .map_err(unavailable)?
            .ok_or_else(RestError::topic_not_found)
    }
}

/// A Kafka call cut off at `deadline`.
async fn within<T>(deadline: Instant, call: impl Future<Output = Result<T, KafkaError>>) -> Result<T, KafkaError> {
    match tokio::time::timeout_at(deadline, call).await {
        Ok(result) => result,
        Err(_) => Err(KafkaError::Deadline),
    }
}

fn unavailable(error: KafkaError) -> RestError {
    match error {
        KafkaError::Request {
            retry: crate::kafka::Retry::Fatal,
            ..
        } => RestError::kafka(error),
        other => RestError::kafka_unavailable(other),
    }
}

fn ok(body: &impl Serialize) -> Result<ProxyResponse, RestError> {
    serde_json::to_vec(body)
        .map(|body| ProxyResponse { status: 200, body })
        .map_err(|e| RestError::kafka(format!("cannot encode the answer: {e}")))
}

/// Kept free before the invocation's deadline to answer.
pub const ANSWER_MARGIN: Duration = Duration::from_millis(1_500);

#[cfg(test)]
mod tests;
