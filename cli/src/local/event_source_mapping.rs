//! The Kinesis event source mapping, emulated with the template's settings: polls every shard from
//! the starting position, batches up to `BatchSize` (waiting up to the batching window), invokes the
//! consumer with a genuine Kinesis event, honours `batchItemFailures` (checkpoint at the lowest failed
//! sequence number, redeliver from there), bisects on function errors, and after
//! `MaximumRetryAttempts` or `MaximumRecordAgeInSeconds` sends the on-failure record (AWS's shape) to
//! the destination queue and moves past the batch.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lambda_events::event::kinesis::{KinesisEvent, KinesisEventRecord};
use aws_sdk_kinesis::types::{Record, ShardIteratorType};
use axum::body::Bytes;
use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde_json::{Value as Json, json};
use tokio::sync::watch;

use super::runtime::{FunctionError, FunctionHost, Outcome};
use super::template::MappingSpec;

/// How often an idle shard is polled (AWS polls each shard about once a second).
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// One delivery of a batch to the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The shard.
    pub shard_id: String,
    /// Records in the batch.
    pub batch_size: usize,
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
    /// Print one line per delivery.
    pub log: bool,
}

enum Step {
    /// The first `n` records of the batch are done (handled, or sent to the destination).
    Done(usize),
    /// Deliver the same batch again (counts as a retry).
    Retry,
    /// Deliver the first half next (does not count as a retry).
    Bisect,
}

fn arrival(record: &Record) -> DateTime<Utc> {
    record
        .approximate_arrival_timestamp()
        .and_then(|t| Utc.timestamp_opt(t.secs(), t.subsec_nanos()).single())
        .unwrap_or_else(Utc::now)
}

fn iso(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl EventSourceMapping {
    /// Starts one poller per shard; they stop when `shutdown` turns true.
    pub async fn start(self, shutdown: watch::Receiver<bool>) -> Result<Vec<tokio::task::JoinHandle<()>>, String> {
        let shards = self
            .kinesis
            .list_shards()
            .stream_name(&self.stream_name)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "ListShards {}: {}",
                    self.stream_name,
                    aws_sdk_kinesis::error::DisplayErrorContext(&e)
                )
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
        self.deliveries.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    async fn poll_shard(self, shard_id: String, mut shutdown: watch::Receiver<bool>) {
        let position = match self.spec.starting_position.as_str() {
            "LATEST" => ShardIteratorType::Latest,
            _ => ShardIteratorType::TrimHorizon,
        };
        let mut iterator = loop {
            match self
                .kinesis
                .get_shard_iterator()
                .stream_name(&self.stream_name)
                .shard_id(&shard_id)
                .shard_iterator_type(position.clone())
                .send()
                .await
            {
                Ok(output) => break output.shard_iterator().map(str::to_string),
                Err(_) => {
                    if sleep_or_stop(Duration::from_secs(1), &mut shutdown).await {
                        return;
                    }
                }
            }
        };
        let batch_size = self.spec.batch_size;
        let window = Duration::from_secs(self.spec.batching_window_seconds);
        let mut buffer: VecDeque<Record> = VecDeque::new();
        let mut waiting_since: Option<Instant> = None;
        let mut limit = batch_size;
        let mut attempts: u32 = 0;
        loop {
            if *shutdown.borrow() {
                return;
            }
            if buffer.len() < batch_size
                && let Some(current) = iterator.clone()
            {
                match self
                    .kinesis
                    .get_records()
                    .shard_iterator(current)
                    .limit((batch_size - buffer.len()).min(10_000) as i32)
                    .send()
                    .await
                {
                    Ok(output) => {
                        buffer.extend(output.records().iter().cloned());
                        iterator = output.next_shard_iterator().map(str::to_string);
                    }
                    Err(_) => {
                        if sleep_or_stop(Duration::from_secs(1), &mut shutdown).await {
                            return;
                        }
                        continue;
                    }
                }
            }
            if buffer.is_empty() {
                waiting_since = None;
                if sleep_or_stop(POLL_INTERVAL, &mut shutdown).await {
                    return;
                }
                continue;
            }
            let since = *waiting_since.get_or_insert_with(Instant::now);
            if buffer.len() < batch_size && since.elapsed() < window {
                let wait = (window - since.elapsed()).min(POLL_INTERVAL);
                if sleep_or_stop(wait, &mut shutdown).await {
                    return;
                }
                continue;
            }
            let take = limit.min(buffer.len());
            let batch: Vec<Record> = buffer.iter().take(take).cloned().collect();
            match self.deliver(&shard_id, &batch, attempts).await {
                Step::Done(done) => {
                    buffer.drain(..done.min(buffer.len()));
                    attempts = 0;
                    limit = batch_size;
                    if buffer.is_empty() {
                        waiting_since = None;
                    }
                }
                Step::Retry => attempts += 1,
                Step::Bisect => limit = (take / 2).max(1),
            }
        }
    }

    fn record(&self, shard_id: &str, batch_size: usize, outcome: &'static str) {
        if self.log {
            println!("[mapping] {shard_id}: batch of {batch_size} record(s): {outcome}");
        }
        self.deliveries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Delivery {
                shard_id: shard_id.to_string(),
                batch_size,
                outcome,
            });
    }

    async fn deliver(&self, shard_id: &str, batch: &[Record], attempts: u32) -> Step {
        let oldest = batch.first().map(arrival).unwrap_or_else(Utc::now);
        if self.spec.maximum_record_age_seconds >= 0
            && (Utc::now() - oldest).num_seconds() > self.spec.maximum_record_age_seconds
        {
            self.record(shard_id, batch.len(), "record_age");
            self.on_failure(shard_id, batch, "RecordAgeExceeded", attempts, None)
                .await;
            return Step::Done(batch.len());
        }
        let event = self.event(shard_id, batch);
        let payload = Bytes::from(serde_json::to_vec(&event).unwrap_or_default());
        match self.function.invoke(payload).await {
            Outcome::Response(body) => {
                if !self.spec.report_batch_item_failures {
                    self.record(shard_id, batch.len(), "ok");
                    return Step::Done(batch.len());
                }
                match lowest_failure(&body, batch) {
                    None => {
                        self.record(shard_id, batch.len(), "ok");
                        Step::Done(batch.len())
                    }
                    Some(lowest) if lowest > 0 => {
                        // Checkpoint before the lowest failed record; redeliver from it.
                        self.record(shard_id, batch.len(), "partial");
                        Step::Done(lowest)
                    }
                    Some(_) => {
                        self.record(shard_id, batch.len(), "partial");
                        self.failed(shard_id, batch, attempts, None).await
                    }
                }
            }
            Outcome::Error(kind, _) => {
                self.record(shard_id, batch.len(), "error");
                if self.spec.bisect_on_error && batch.len() > 1 {
                    Step::Bisect
                } else {
                    self.failed(shard_id, batch, attempts, Some(kind)).await
                }
            }
        }
    }

    async fn failed(&self, shard_id: &str, batch: &[Record], attempts: u32, error: Option<FunctionError>) -> Step {
        let retries = self.spec.maximum_retry_attempts;
        if retries >= 0 && i64::from(attempts) >= retries {
            self.record(shard_id, batch.len(), "on_failure");
            self.on_failure(shard_id, batch, "RetryAttemptsExhausted", attempts, error)
                .await;
            return Step::Done(batch.len());
        }
        Step::Retry
    }

    /// The Kinesis event the function receives, in AWS's shape.
    fn event(&self, shard_id: &str, batch: &[Record]) -> KinesisEvent {
        let mut event = KinesisEvent::default();
        event.records = batch
            .iter()
            .map(|record| {
                let mut r = KinesisEventRecord::default();
                r.aws_region = Some(motoserver::REGION.into());
                r.event_id = Some(format!("{shard_id}:{}", record.sequence_number()));
                r.event_name = Some("aws:kinesis:record".into());
                r.event_source = Some("aws:kinesis".into());
                r.event_source_arn = Some(self.stream_arn.clone());
                r.event_version = Some("1.0".into());
                r.invoke_identity_arn = Some(format!(
                    "arn:aws:iam::{}:role/{}-role",
                    motoserver::ACCOUNT_ID,
                    self.function.config().name
                ));
                r.kinesis.kinesis_schema_version = Some("1.0".into());
                r.kinesis.partition_key = record.partition_key().unwrap_or_default().to_string();
                r.kinesis.sequence_number = record.sequence_number().to_string();
                r.kinesis.data.0 = record.data().as_ref().to_vec();
                r.kinesis.approximate_arrival_timestamp.0 = arrival(record);
                r
            })
            .collect();
        event
    }

    /// Sends the on-failure record (no data, only where to find it) to the destination.
    async fn on_failure(
        &self,
        shard_id: &str,
        batch: &[Record],
        condition: &str,
        attempts: u32,
        error: Option<FunctionError>,
    ) {
        let record = on_failure_record(
            &self.function.config().arn,
            condition,
            attempts + 1,
            error,
            shard_id,
            batch,
            &self.stream_arn,
        );
        let Some(url) = &self.on_failure_url else {
            println!("[mapping] {shard_id}: batch discarded ({condition}), no on-failure destination");
            return;
        };
        if let Err(e) = self
            .sqs
            .send_message()
            .queue_url(url)
            .message_body(record.to_string())
            .send()
            .await
        {
            println!(
                "[mapping] {shard_id}: on-failure record could not be sent: {}",
                aws_sdk_sqs::error::DisplayErrorContext(&e)
            );
        }
    }
}

/// AWS's on-failure record for a Kinesis batch.
pub fn on_failure_record(
    function_arn: &str,
    condition: &str,
    invoke_count: u32,
    error: Option<FunctionError>,
    shard_id: &str,
    batch: &[Record],
    stream_arn: &str,
) -> Json {
    let mut response_context = json!({"statusCode": 200, "executedVersion": "$LATEST"});
    if let Some(error) = error {
        response_context["functionError"] = json!(error.as_str());
    }
    json!({
        "requestContext": {
            "requestId": format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": response_context,
        "version": "1.0",
        "timestamp": iso(Utc::now()),
        "KinesisBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": batch.first().map(|r| r.sequence_number()),
            "endSequenceNumber": batch.last().map(|r| r.sequence_number()),
            "approximateArrivalOfFirstRecord": batch.first().map(|r| iso(arrival(r))),
            "approximateArrivalOfLastRecord": batch.last().map(|r| iso(arrival(r))),
            "batchSize": batch.len(),
            "streamArn": stream_arn,
        }
    })
}

/// The position of the lowest failed record reported in `batchItemFailures`, or `None` when all
/// succeeded. An unknown, empty or null identifier means the whole batch failed (position 0).
fn lowest_failure(body: &[u8], batch: &[Record]) -> Option<usize> {
    let response: Json = serde_json::from_slice(body).unwrap_or(Json::Null);
    let failures = response.get("batchItemFailures").and_then(Json::as_array)?;
    failures
        .iter()
        .map(|failure| {
            failure
                .get("itemIdentifier")
                .and_then(Json::as_str)
                .filter(|id| !id.is_empty())
                .and_then(|id| batch.iter().position(|r| r.sequence_number() == id))
                .unwrap_or(0)
        })
        .min()
}

/// Sleeps, or returns `true` at once when the stage is stopping.
async fn sleep_or_stop(duration: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(duration) => *shutdown.borrow(),
        _ = shutdown.changed() => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_kinesis::primitives::{Blob, DateTime as SmithyTime};

    fn record(seq: &str) -> Record {
        Record::builder()
            .sequence_number(seq)
            .partition_key("k")
            .data(Blob::new(b"{}".to_vec()))
            .approximate_arrival_timestamp(SmithyTime::from_secs(1_795_381_200))
            .build()
            .unwrap()
    }

    #[test]
    fn lowest_failure_positions() {
        let batch = vec![record("10"), record("11"), record("12")];
        assert_eq!(lowest_failure(br#"{"batchItemFailures":[]}"#, &batch), None);
        assert_eq!(lowest_failure(b"null", &batch), None);
        assert_eq!(
            lowest_failure(
                br#"{"batchItemFailures":[{"itemIdentifier":"12"},{"itemIdentifier":"11"}]}"#,
                &batch
            ),
            Some(1)
        );
        assert_eq!(
            lowest_failure(br#"{"batchItemFailures":[{"itemIdentifier":""}]}"#, &batch),
            Some(0)
        );
        assert_eq!(
            lowest_failure(br#"{"batchItemFailures":[{"itemIdentifier":null}]}"#, &batch),
            Some(0)
        );
        assert_eq!(
            lowest_failure(br#"{"batchItemFailures":[{"itemIdentifier":"99"}]}"#, &batch),
            Some(0)
        );
    }

    #[test]
    fn on_failure_record_has_aws_shape() {
        let batch = vec![record("10"), record("11")];
        let r = on_failure_record(
            "arn:f",
            "RetryAttemptsExhausted",
            3,
            Some(FunctionError::Unhandled),
            "shardId-0",
            &batch,
            "arn:s",
        );
        assert_eq!(r["requestContext"]["condition"], "RetryAttemptsExhausted");
        assert_eq!(r["requestContext"]["approximateInvokeCount"], 3);
        assert_eq!(r["requestContext"]["functionArn"], "arn:f");
        assert_eq!(r["responseContext"]["functionError"], "Unhandled");
        assert_eq!(r["version"], "1.0");
        let info = &r["KinesisBatchInfo"];
        assert_eq!(info["startSequenceNumber"], "10");
        assert_eq!(info["endSequenceNumber"], "11");
        assert_eq!(info["batchSize"], 2);
        assert_eq!(info["streamArn"], "arn:s");
        assert_eq!(info["approximateArrivalOfFirstRecord"], "2026-11-22T21:00:00.000Z");
        let partial = on_failure_record("arn:f", "RecordAgeExceeded", 1, None, "shardId-0", &batch, "arn:s");
        assert!(partial["responseContext"].get("functionError").is_none());
    }
}
