//! The Kinesis event source mapping, emulated with the template's settings: polls every shard from
//! the starting position, batches up to `BatchSize` and 6 MB of event (waiting up to the batching
//! window), invokes the consumer with a genuine Kinesis event, honours `batchItemFailures`
//! (checkpoint at the lowest failed sequence number, redeliver from there), bisects on function
//! errors (each half its own batch), and after `MaximumRetryAttempts` or `MaximumRecordAgeInSeconds`
//! sends the on-failure record (AWS's shape) to the destination queue and moves past the batch.
//!
//! [`poller`] does the I/O; [`step`] decides; [`event`] builds what is sent.

pub mod event;
pub mod poller;
pub mod step;

use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::watch;

use crate::lambda::FunctionHost;
use crate::template::MappingSpec;

/// The mapping could not start.
#[derive(Debug, thiserror::Error)]
#[error("event source mapping: ListShards {stream}: {message}")]
pub struct MappingError {
    stream: String,
    message: String,
}

/// One delivery of a batch to the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The shard.
    pub shard_id: String,
    /// Records in the batch.
    pub batch_size: usize,
    /// Bytes of the event sent (0 when nothing was sent).
    pub event_bytes: usize,
    /// `ok`, `partial` (some records reported failed), `error` (function error), `on_failure`
    /// (sent to the destination), `record_age` (expired before delivery).
    pub outcome: &'static str,
}

/// The mapping of one function to one stream.
#[derive(Clone)]
pub struct EventSourceMapping {
    /// Settings from the template.
    pub spec: MappingSpec,
    /// The consumer.
    pub function: FunctionHost,
    /// Kinesis client pointed at the emulator.
    pub kinesis: aws_sdk_kinesis::Client,
    /// SQS client for the on-failure destination.
    pub sqs: aws_sdk_sqs::Client,
    /// The stream.
    pub stream_name: String,
    /// The stream's ARN (in events and on-failure records).
    pub stream_arn: String,
    /// The on-failure destination queue URL.
    pub on_failure_url: Option<String>,
    /// Every delivery so far (tests and the banner read it).
    pub deliveries: Arc<Mutex<Vec<Delivery>>>,
    /// Log one line per delivery (a `tracing` event).
    pub log: bool,
}

impl EventSourceMapping {
    /// Starts one poller per shard; they stop when `shutdown` turns true.
    pub async fn start(
        self,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Vec<tokio::task::JoinHandle<()>>, MappingError> {
        let shards = self
            .kinesis
            .list_shards()
            .stream_name(&self.stream_name)
            .send()
            .await
            .map_err(|e| MappingError {
                stream: self.stream_name.clone(),
                message: aws_sdk_kinesis::error::DisplayErrorContext(&e).to_string(),
            })?;
        Ok(shards
            .shards()
            .iter()
            .map(|shard| {
                let mapping = self.clone();
                let shard_id = shard.shard_id().to_string();
                let shutdown = shutdown.clone();
                tokio::spawn(async move { mapping.poll_shard(shard_id, shutdown).await })
            })
            .collect())
    }

    /// Every delivery so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().clone()
    }

    fn record(&self, shard_id: &str, batch_size: usize, event_bytes: usize, outcome: &'static str) {
        if self.log {
            tracing::info!("[mapping] {shard_id}: batch of {batch_size} record(s): {outcome}");
        }
        self.deliveries.lock().push(Delivery {
            shard_id: shard_id.to_string(),
            batch_size,
            event_bytes,
            outcome,
        });
    }
}
