//! What the proxy needs of Kinesis ([`StreamApi`]), its answers in Kinesis's own JSON shape (the SDK's
//! types are not `Serialize`), the errors it can meet ([`KinesisError`]), and the adapter over the
//! AWS SDK ([`Kinesis`]).

use std::collections::HashSet;
use std::future::Future;

use aws_sdk_kinesis::Client;
use aws_sdk_kinesis::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_kinesis::primitives::{Blob, DateTime};
use aws_sdk_kinesis::types::{PutRecordsRequestEntry, StreamMode};
use serde::Serialize;

/// The PutRecords entry error codes worth sending again: the shard was busy or Kinesis failed
/// inside. Any other entry error (e.g. a KMS one) would fail the same way again.
pub const RETRYABLE_ENTRY_ERRORS: [&str; 2] = ["ProvisionedThroughputExceededException", "InternalFailure"];

/// Error type answered when Kinesis could not be reached or did not answer in time (AWS's common
/// error for an unavailable service).
pub const UNAVAILABLE: &str = "ServiceUnavailable";

/// Pages one listing may take before the proxy stops asking (a guard against a service that keeps
/// saying "more" without moving on).
const MAX_PAGES: usize = 1000;

/// A Kinesis error, by what it means for the caller. Each variant keeps Kinesis's error code where
/// several codes share a meaning, so the response names the exception Kinesis raised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KinesisError {
    /// 400: Kinesis refused the request's content (`InvalidArgumentException`, `ValidationException`,
    /// `SerializationException`).
    #[error("{code}: {message}")]
    Invalid {
        /// Kinesis's error code.
        code: String,
        /// Kinesis's message.
        message: String,
    },
    /// 403: `AccessDeniedException` (IAM refused the function's role).
    #[error("AccessDeniedException: {message}")]
    AccessDenied {
        /// Kinesis's message.
        message: String,
    },
    /// 404: `ResourceNotFoundException` (no such stream, or not ACTIVE for writes).
    #[error("ResourceNotFoundException: {message}")]
    NotFound {
        /// Kinesis's message.
        message: String,
    },
    /// 409: `ResourceInUseException` (the stream exists already, or is not ACTIVE).
    #[error("ResourceInUseException: {message}")]
    InUse {
        /// Kinesis's message.
        message: String,
    },
    /// 429: throttled (`ProvisionedThroughputExceededException`, `LimitExceededException`,
    /// `ThrottlingException`).
    #[error("{code}: {message}")]
    Throttled {
        /// Kinesis's error code.
        code: String,
        /// Kinesis's message.
        message: String,
    },
    /// 500: a KMS error on an encrypted stream (`KMSDisabledException`, `KMSThrottlingException`...).
    #[error("{code}: {message}")]
    Kms {
        /// Kinesis's error code.
        code: String,
        /// Kinesis's message.
        message: String,
    },
    /// 500: `InternalFailure`, an unreadable answer, or any error code not listed above.
    #[error("{code}: {message}")]
    Internal {
        /// Kinesis's error code (`InternalFailure` when it gave none).
        code: String,
        /// What happened.
        message: String,
    },
    /// 503: Kinesis could not be reached, or did not answer before the function's deadline.
    #[error("ServiceUnavailable: {message}")]
    Unavailable {
        /// What happened (never the request's content).
        message: String,
    },
}

impl KinesisError {
    /// The error of a service answer with error code `code` and message `message`.
    pub fn from_code(code: Option<&str>, message: Option<&str>) -> KinesisError {
        let message = message.unwrap_or_default().to_string();
        let Some(code) = code.filter(|code| !code.is_empty()) else {
            return KinesisError::Internal {
                code: "InternalFailure".into(),
                message,
            };
        };
        let owned = || code.to_string();
        match code {
            "InvalidArgumentException" | "ValidationException" | "SerializationException" => {
                KinesisError::Invalid { code: owned(), message }
            }
            "AccessDeniedException" => KinesisError::AccessDenied { message },
            "ResourceNotFoundException" => KinesisError::NotFound { message },
            "ResourceInUseException" => KinesisError::InUse { message },
            "ProvisionedThroughputExceededException" | "LimitExceededException" | "ThrottlingException" => {
                KinesisError::Throttled { code: owned(), message }
            }
            "ServiceUnavailable" | "ServiceUnavailableException" => KinesisError::Unavailable { message },
            _ if code.starts_with("KMS") => KinesisError::Kms { code: owned(), message },
            _ => KinesisError::Internal { code: owned(), message },
        }
    }

    /// The error of a failed SDK call: the service's error code, or the kind of transport failure.
    pub fn from_sdk<E, R>(error: &SdkError<E, R>) -> KinesisError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        match error {
            SdkError::ServiceError(_) => KinesisError::from_code(error.code(), error.message()),
            SdkError::TimeoutError(_) => KinesisError::Unavailable {
                message: "Kinesis did not answer in time".into(),
            },
            SdkError::DispatchFailure(_) => {
                // The detail (endpoint, connector error) is logged, never answered.
                tracing::warn!(error = %DisplayErrorContext(error), "Kinesis could not be reached");
                KinesisError::Unavailable {
                    message: "Kinesis could not be reached".into(),
                }
            }
            _ => {
                tracing::warn!(error = %DisplayErrorContext(error), "Kinesis call failed");
                KinesisError::Internal {
                    code: "InternalFailure".into(),
                    message: "the call to Kinesis failed (unreadable answer or request)".into(),
                }
            }
        }
    }

    /// The HTTP status the proxy answers with.
    pub fn status(&self) -> u16 {
        match self {
            KinesisError::Invalid { .. } => 400,
            KinesisError::AccessDenied { .. } => 403,
            KinesisError::NotFound { .. } => 404,
            KinesisError::InUse { .. } => 409,
            KinesisError::Throttled { .. } => 429,
            KinesisError::Kms { .. } | KinesisError::Internal { .. } => 500,
            KinesisError::Unavailable { .. } => 503,
        }
    }

    /// The exception name (the response's `type`, and a PutRecords entry's `ErrorCode`).
    pub fn error_type(&self) -> &str {
        match self {
            KinesisError::Invalid { code, .. }
            | KinesisError::Throttled { code, .. }
            | KinesisError::Kms { code, .. }
            | KinesisError::Internal { code, .. } => code,
            KinesisError::AccessDenied { .. } => "AccessDeniedException",
            KinesisError::NotFound { .. } => "ResourceNotFoundException",
            KinesisError::InUse { .. } => "ResourceInUseException",
            KinesisError::Unavailable { .. } => UNAVAILABLE,
        }
    }

    /// Kinesis's message.
    pub fn message(&self) -> &str {
        match self {
            KinesisError::Invalid { message, .. }
            | KinesisError::AccessDenied { message }
            | KinesisError::NotFound { message }
            | KinesisError::InUse { message }
            | KinesisError::Throttled { message, .. }
            | KinesisError::Kms { message, .. }
            | KinesisError::Internal { message, .. }
            | KinesisError::Unavailable { message } => message,
        }
    }

    /// Whether the whole call was throttled, so sending it again later may succeed.
    pub fn is_throttling(&self) -> bool {
        matches!(self, KinesisError::Throttled { .. })
    }
}

/// One record to put: its data and partition key, already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The record's data (the compact JSON text of the client's `Data`).
    pub data: Vec<u8>,
    /// The partition key.
    pub partition_key: String,
}

/// A new stream's capacity mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capacity {
    /// `PROVISIONED` with this many shards.
    Provisioned(u32),
    /// `ON_DEMAND`: Kinesis scales the shards.
    OnDemand,
}

/// `StreamModeDetails`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamModeDetails {
    /// `PROVISIONED` or `ON_DEMAND`.
    pub stream_mode: String,
}

/// One entry of ListStreams' `StreamSummaries`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamSummary {
    /// `StreamName`.
    pub stream_name: String,
    /// `StreamARN`.
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
    /// `StreamStatus`: `CREATING`, `DELETING`, `ACTIVE` or `UPDATING`.
    pub stream_status: String,
    /// `StreamModeDetails`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_mode_details: Option<StreamModeDetails>,
    /// `StreamCreationTimestamp`, epoch seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_creation_timestamp: Option<f64>,
}

/// Every stream ListStreams names (all pages), before the guard filters them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamListing {
    /// The names, in Kinesis's order.
    pub stream_names: Vec<String>,
    /// The summaries Kinesis gave (possibly fewer than the names; one per name at most).
    pub stream_summaries: Vec<StreamSummary>,
}

/// The ListStreams answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListStreamsOutput {
    /// Whether allowed names were left out by the `limit`.
    pub has_more_streams: bool,
    /// `StreamNames`.
    pub stream_names: Vec<String>,
    /// `StreamSummaries`, for the names above.
    pub stream_summaries: Vec<StreamSummary>,
}

/// `HashKeyRange`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HashKeyRange {
    /// `StartingHashKey`.
    pub starting_hash_key: String,
    /// `EndingHashKey`.
    pub ending_hash_key: String,
}

/// `SequenceNumberRange`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SequenceNumberRange {
    /// `StartingSequenceNumber`.
    pub starting_sequence_number: String,
    /// `EndingSequenceNumber`: only for a closed shard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ending_sequence_number: Option<String>,
}

/// One shard of `StreamDescription.Shards`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Shard {
    /// `ShardId`.
    pub shard_id: String,
    /// `ParentShardId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_shard_id: Option<String>,
    /// `AdjacentParentShardId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjacent_parent_shard_id: Option<String>,
    /// `HashKeyRange`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash_key_range: Option<HashKeyRange>,
    /// `SequenceNumberRange`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence_number_range: Option<SequenceNumberRange>,
}

/// `EnhancedMonitoring` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnhancedMetrics {
    /// `ShardLevelMetrics`.
    pub shard_level_metrics: Vec<String>,
}

/// `StreamDescription`, every shard included.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamDescription {
    /// `StreamName`.
    pub stream_name: String,
    /// `StreamARN`.
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
    /// `StreamStatus`.
    pub stream_status: String,
    /// `StreamModeDetails`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_mode_details: Option<StreamModeDetails>,
    /// `Shards`.
    pub shards: Vec<Shard>,
    /// `HasMoreShards`: false once every page was read.
    pub has_more_shards: bool,
    /// `RetentionPeriodHours`.
    pub retention_period_hours: i32,
    /// `StreamCreationTimestamp`, epoch seconds.
    pub stream_creation_timestamp: f64,
    /// `EnhancedMonitoring`.
    pub enhanced_monitoring: Vec<EnhancedMetrics>,
    /// `EncryptionType`: `NONE` or `KMS`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_type: Option<String>,
    /// `KeyId`: the KMS key of an encrypted stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

/// The DescribeStream answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeStreamOutput {
    /// `StreamDescription`.
    pub stream_description: StreamDescription,
}

/// The PutRecord answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordOutput {
    /// `SequenceNumber`.
    pub sequence_number: String,
    /// `ShardId`.
    pub shard_id: String,
    /// `EncryptionType`, when Kinesis gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_type: Option<String>,
}

/// What became of one PutRecords entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum PutRecordsResultEntry {
    /// Stored.
    Success {
        /// `SequenceNumber`.
        #[serde(rename = "SequenceNumber")]
        sequence_number: String,
        /// `ShardId`.
        #[serde(rename = "ShardId")]
        shard_id: String,
    },
    /// Not stored.
    Failure {
        /// `ErrorCode`, e.g. `ProvisionedThroughputExceededException`.
        #[serde(rename = "ErrorCode")]
        error_code: String,
        /// `ErrorMessage`.
        #[serde(rename = "ErrorMessage")]
        error_message: String,
    },
}

impl PutRecordsResultEntry {
    /// A failed entry.
    pub fn failure(code: impl Into<String>, message: impl Into<String>) -> Self {
        PutRecordsResultEntry::Failure {
            error_code: code.into(),
            error_message: message.into(),
        }
    }

    /// Whether the entry failed.
    pub fn is_failure(&self) -> bool {
        matches!(self, PutRecordsResultEntry::Failure { .. })
    }

    /// Whether the entry failed in a way that sending it again may fix ([`RETRYABLE_ENTRY_ERRORS`]).
    pub fn is_retryable(&self) -> bool {
        match self {
            PutRecordsResultEntry::Failure { error_code, .. } => RETRYABLE_ENTRY_ERRORS.contains(&error_code.as_str()),
            PutRecordsResultEntry::Success { .. } => false,
        }
    }
}

/// The PutRecords answer: one entry per record, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordsOutput {
    /// `FailedRecordCount`.
    pub failed_record_count: usize,
    /// `Records`.
    pub records: Vec<PutRecordsResultEntry>,
    /// `EncryptionType`, when Kinesis gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_type: Option<String>,
}

impl PutRecordsOutput {
    /// The answer for `records`, counting the failed ones.
    pub fn new(records: Vec<PutRecordsResultEntry>, encryption_type: Option<String>) -> Self {
        PutRecordsOutput {
            failed_record_count: records.iter().filter(|r| r.is_failure()).count(),
            records,
            encryption_type,
        }
    }
}

/// What the proxy needs of Kinesis: the [`Kinesis`] adapter, or `memory::MemoryStreams` in tests
/// (feature `test-util`). One call each: retries and deadlines are the caller's.
pub trait StreamApi: Send + Sync {
    /// Every stream name (all pages) and the summaries Kinesis gives with them.
    fn list_streams(&self) -> impl Future<Output = Result<StreamListing, KinesisError>> + Send;

    /// The stream's description, every shard included.
    fn describe_stream(&self, stream: &str) -> impl Future<Output = Result<StreamDescription, KinesisError>> + Send;

    /// Creates the stream with `tags` (asynchronously: it starts `CREATING`).
    fn create_stream(
        &self,
        stream: &str,
        capacity: Capacity,
        tags: &[(String, String)],
    ) -> impl Future<Output = Result<(), KinesisError>> + Send;

    /// The stream's tags (ListTagsForStream, every page).
    fn stream_tags(&self, stream: &str) -> impl Future<Output = Result<Vec<(String, String)>, KinesisError>> + Send;

    /// Deletes the stream (asynchronously: it goes `DELETING`).
    fn delete_stream(&self, stream: &str) -> impl Future<Output = Result<(), KinesisError>> + Send;

    /// One PutRecord call.
    fn put_record(
        &self,
        stream: &str,
        record: &Record,
    ) -> impl Future<Output = Result<PutRecordOutput, KinesisError>> + Send;

    /// One PutRecords call: on success, exactly one entry per record, in order.
    fn put_records(
        &self,
        stream: &str,
        records: &[&Record],
    ) -> impl Future<Output = Result<PutRecordsOutput, KinesisError>> + Send;
}

/// Kinesis through the AWS SDK.
#[derive(Debug, Clone)]
pub struct Kinesis {
    client: Client,
    list_page_size: i32,
}

impl Kinesis {
    /// The adapter over `client`, listing 1,000 streams per ListStreams page.
    pub fn new(client: Client) -> Self {
        Kinesis {
            client,
            list_page_size: 1000,
        }
    }

    /// Lists `size` (1..=10,000) streams per ListStreams page (small pages exercise paging in tests).
    pub fn with_list_page_size(mut self, size: i32) -> Self {
        self.list_page_size = size.clamp(1, 10_000);
        self
    }

    /// The SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

fn epoch_seconds(time: &DateTime) -> f64 {
    time.as_secs_f64()
}

fn mode_details(details: Option<&aws_sdk_kinesis::types::StreamModeDetails>) -> Option<StreamModeDetails> {
    details.map(|d| StreamModeDetails {
        stream_mode: d.stream_mode().as_str().to_string(),
    })
}

fn summary_of(summary: &aws_sdk_kinesis::types::StreamSummary) -> StreamSummary {
    StreamSummary {
        stream_name: summary.stream_name().to_string(),
        stream_arn: summary.stream_arn().to_string(),
        stream_status: summary.stream_status().as_str().to_string(),
        stream_mode_details: mode_details(summary.stream_mode_details()),
        stream_creation_timestamp: summary.stream_creation_timestamp().map(epoch_seconds),
    }
}

fn shard_of(shard: &aws_sdk_kinesis::types::Shard) -> Shard {
    Shard {
        shard_id: shard.shard_id().to_string(),
        parent_shard_id: shard.parent_shard_id().map(str::to_string),
        adjacent_parent_shard_id: shard.adjacent_parent_shard_id().map(str::to_string),
        hash_key_range: shard.hash_key_range().map(|range| HashKeyRange {
            starting_hash_key: range.starting_hash_key().to_string(),
            ending_hash_key: range.ending_hash_key().to_string(),
        }),
        sequence_number_range: shard.sequence_number_range().map(|range| SequenceNumberRange {
            starting_sequence_number: range.starting_sequence_number().to_string(),
            ending_sequence_number: range.ending_sequence_number().map(str::to_string),
        }),
    }
}

fn description_of(description: &aws_sdk_kinesis::types::StreamDescription) -> StreamDescription {
    StreamDescription {
        stream_name: description.stream_name().to_string(),
        stream_arn: description.stream_arn().to_string(),
        stream_status: description.stream_status().as_str().to_string(),
        stream_mode_details: mode_details(description.stream_mode_details()),
        shards: description.shards().iter().map(shard_of).collect(),
        has_more_shards: description.has_more_shards(),
        retention_period_hours: description.retention_period_hours(),
        stream_creation_timestamp: epoch_seconds(description.stream_creation_timestamp()),
        enhanced_monitoring: description
            .enhanced_monitoring()
            .iter()
            .map(|metrics| EnhancedMetrics {
                shard_level_metrics: metrics
                    .shard_level_metrics()
                    .iter()
                    .map(|m| m.as_str().to_string())
                    .collect(),
            })
            .collect(),
        encryption_type: description.encryption_type().map(|e| e.as_str().to_string()),
        key_id: description.key_id().map(str::to_string),
    }
}

fn entry_of(entry: &aws_sdk_kinesis::types::PutRecordsResultEntry) -> PutRecordsResultEntry {
    match (entry.error_code(), entry.sequence_number(), entry.shard_id()) {
        (Some(code), _, _) => PutRecordsResultEntry::failure(code, entry.error_message().unwrap_or_default()),
        (None, Some(sequence_number), Some(shard_id)) => PutRecordsResultEntry::Success {
            sequence_number: sequence_number.to_string(),
            shard_id: shard_id.to_string(),
        },
        // Neither a result nor an error: reported as failed, never as stored.
        _ => PutRecordsResultEntry::failure(
            "InternalFailure",
            "Kinesis gave this record neither a result nor an error",
        ),
    }
}

fn unreadable(message: String) -> KinesisError {
    KinesisError::Internal {
        code: "InternalFailure".into(),
        message,
    }
}

impl StreamApi for Kinesis {
    async fn list_streams(&self) -> Result<StreamListing, KinesisError> {
        let mut listing = StreamListing::default();
        let mut summarised = HashSet::new();
        let mut next_token: Option<String> = None;
        let mut start_after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .client
                .list_streams()
                .limit(self.list_page_size)
                .set_next_token(next_token.take())
                .set_exclusive_start_stream_name(start_after.take())
                .send()
                .await
                .map_err(|e| KinesisError::from_sdk(&e))?;
            // moto repeats every stream's summary on every page: keep one per name.
            for summary in page.stream_summaries() {
                if summarised.insert(summary.stream_name().to_string()) {
                    listing.stream_summaries.push(summary_of(summary));
                }
            }
            let names = page.stream_names();
            listing.stream_names.extend(names.iter().cloned());
            if !page.has_more_streams() || names.is_empty() {
                break;
            }
            // Kinesis pages with NextToken; ExclusiveStartStreamName (the last name seen) is the
            // older way, and the only one moto knows.
            match page.next_token() {
                Some(token) => next_token = Some(token.to_string()),
                None => start_after = names.last().cloned(),
            }
        }
        Ok(listing)
    }

    async fn describe_stream(&self, stream: &str) -> Result<StreamDescription, KinesisError> {
        let mut description: Option<StreamDescription> = None;
        let mut start_after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let output = self
                .client
                .describe_stream()
                .stream_name(stream)
                .set_exclusive_start_shard_id(start_after.take())
                .send()
                .await
                .map_err(|e| KinesisError::from_sdk(&e))?;
            let page = output
                .stream_description()
                .ok_or_else(|| unreadable("DescribeStream answered without a StreamDescription".into()))?;
            let page = description_of(page);
            let last_shard = page.shards.last().map(|s| s.shard_id.clone());
            let more = page.has_more_shards;
            match description.as_mut() {
                None => description = Some(page),
                Some(described) => {
                    let before = described.shards.len();
                    for shard in page.shards {
                        if !described.shards.iter().any(|s| s.shard_id == shard.shard_id) {
                            described.shards.push(shard);
                        }
                    }
                    if described.shards.len() == before {
                        // No new shard: the service ignores ExclusiveStartShardId. Stop rather than
                        // loop; HasMoreShards stays true, as it is.
                        break;
                    }
                    described.has_more_shards = more;
                }
            }
            match (more, last_shard) {
                (true, Some(last)) => start_after = Some(last),
                _ => break,
            }
        }
        description.ok_or_else(|| unreadable("DescribeStream gave no description".into()))
    }

    async fn create_stream(
        &self,
        stream: &str,
        capacity: Capacity,
        tags: &[(String, String)],
    ) -> Result<(), KinesisError> {
        let mut request = self.client.create_stream().stream_name(stream);
        for (key, value) in tags {
            request = request.tags(key, value);
        }
        let request = match capacity {
            Capacity::Provisioned(shards) => request.shard_count(i32::try_from(shards).unwrap_or(i32::MAX)),
            Capacity::OnDemand => {
                let details = aws_sdk_kinesis::types::StreamModeDetails::builder()
                    .stream_mode(StreamMode::OnDemand)
                    .build()
                    .map_err(|e| unreadable(format!("cannot build StreamModeDetails: {e}")))?;
                request.stream_mode_details(details)
            }
        };
        request.send().await.map_err(|e| KinesisError::from_sdk(&e))?;
        Ok(())
    }

    async fn stream_tags(&self, stream: &str) -> Result<Vec<(String, String)>, KinesisError> {
        let mut tags: Vec<(String, String)> = Vec::new();
        let mut start_after: Option<String> = None;
        // A stream holds at most 50 tags: a handful of pages at most, bounded against a service
        // that keeps saying "more".
        for _ in 0..MAX_PAGES {
            let output = self
                .client
                .list_tags_for_stream()
                .stream_name(stream)
                .set_exclusive_start_tag_key(start_after.clone())
                .send()
                .await
                .map_err(|e| KinesisError::from_sdk(&e))?;
            let before = tags.len();
            for tag in output.tags() {
                tags.push((tag.key().to_string(), tag.value().unwrap_or_default().to_string()));
            }
            match (output.has_more_tags(), tags.last()) {
                (true, Some((last, _))) if tags.len() > before => start_after = Some(last.clone()),
                _ => break,
            }
        }
        Ok(tags)
    }

    async fn delete_stream(&self, stream: &str) -> Result<(), KinesisError> {
        self.client
            .delete_stream()
            .stream_name(stream)
            .send()
            .await
            .map_err(|e| KinesisError::from_sdk(&e))?;
        Ok(())
    }

    async fn put_record(&self, stream: &str, record: &Record) -> Result<PutRecordOutput, KinesisError> {
        let output = self
            .client
            .put_record()
            .stream_name(stream)
            .partition_key(&record.partition_key)
            .data(Blob::new(record.data.clone()))
            .send()
            .await
            .map_err(|e| KinesisError::from_sdk(&e))?;
        Ok(PutRecordOutput {
            sequence_number: output.sequence_number().to_string(),
            shard_id: output.shard_id().to_string(),
            encryption_type: output.encryption_type().map(|e| e.as_str().to_string()),
        })
    }

    async fn put_records(&self, stream: &str, records: &[&Record]) -> Result<PutRecordsOutput, KinesisError> {
        let mut entries = Vec::with_capacity(records.len());
        for record in records {
            let entry = PutRecordsRequestEntry::builder()
                .data(Blob::new(record.data.clone()))
                .partition_key(&record.partition_key)
                .build()
                .map_err(|e| unreadable(format!("cannot build a PutRecords entry: {e}")))?;
            entries.push(entry);
        }
        let output = self
            .client
            .put_records()
            .stream_name(stream)
            .set_records(Some(entries))
            .send()
            .await
            .map_err(|e| KinesisError::from_sdk(&e))?;
        if output.records().len() != records.len() {
            return Err(unreadable(format!(
                "PutRecords answered {} results for {} records",
                output.records().len(),
                records.len()
            )));
        }
        Ok(PutRecordsOutput::new(
            output.records().iter().map(entry_of).collect(),
            output.encryption_type().map(|e| e.as_str().to_string()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_map_to_statuses_and_types() {
        let cases = [
            ("InvalidArgumentException", 400, "InvalidArgumentException"),
            ("ValidationException", 400, "ValidationException"),
            ("SerializationException", 400, "SerializationException"),
            ("AccessDeniedException", 403, "AccessDeniedException"),
            ("ResourceNotFoundException", 404, "ResourceNotFoundException"),
            ("ResourceInUseException", 409, "ResourceInUseException"),
            (
                "ProvisionedThroughputExceededException",
                429,
                "ProvisionedThroughputExceededException",
            ),
            ("LimitExceededException", 429, "LimitExceededException"),
            ("ThrottlingException", 429, "ThrottlingException"),
            ("KMSDisabledException", 500, "KMSDisabledException"),
            ("KMSThrottlingException", 500, "KMSThrottlingException"),
            ("KMSAccessDeniedException", 500, "KMSAccessDeniedException"),
            ("InternalFailureException", 500, "InternalFailureException"),
            ("InternalFailure", 500, "InternalFailure"),
            ("SomethingNew", 500, "SomethingNew"),
            ("ServiceUnavailable", 503, "ServiceUnavailable"),
        ];
        for (code, status, error_type) in cases {
            let error = KinesisError::from_code(Some(code), Some("why"));
            assert_eq!(error.status(), status, "{code}");
            assert_eq!(error.error_type(), error_type, "{code}");
            assert_eq!(error.message(), "why", "{code}");
            assert_eq!(error.is_throttling(), status == 429, "{code}");
        }
        let none = KinesisError::from_code(None, None);
        assert_eq!((none.status(), none.error_type()), (500, "InternalFailure"));
        let empty = KinesisError::from_code(Some(""), Some("m"));
        assert_eq!(empty.error_type(), "InternalFailure");
    }

    #[test]
    fn retryable_entries() {
        let throttled = PutRecordsResultEntry::failure("ProvisionedThroughputExceededException", "busy");
        let internal = PutRecordsResultEntry::failure("InternalFailure", "oops");
        let kms = PutRecordsResultEntry::failure("KMSThrottlingException", "kms");
        let ok = PutRecordsResultEntry::Success {
            sequence_number: "1".into(),
            shard_id: "shardId-000000000000".into(),
        };
        assert!(throttled.is_retryable() && internal.is_retryable());
        assert!(!kms.is_retryable() && !ok.is_retryable());
        assert!(kms.is_failure() && !ok.is_failure());
        let output = PutRecordsOutput::new(vec![ok, kms], None);
        assert_eq!(output.failed_record_count, 1);
        assert_eq!(
            serde_json::to_value(&output).unwrap(),
            serde_json::json!({
                "FailedRecordCount": 1,
                "Records": [
                    {"SequenceNumber": "1", "ShardId": "shardId-000000000000"},
                    {"ErrorCode": "KMSThrottlingException", "ErrorMessage": "kms"}
                ]
            })
        );
    }

    #[test]
    fn description_serializes_in_kinesis_shape() {
        let description = DescribeStreamOutput {
            stream_description: StreamDescription {
                stream_name: "s".into(),
                stream_arn: "arn".into(),
                stream_status: "ACTIVE".into(),
                stream_mode_details: Some(StreamModeDetails {
                    stream_mode: "PROVISIONED".into(),
                }),
                shards: vec![Shard {
                    shard_id: "shardId-000000000000".into(),
                    parent_shard_id: None,
                    adjacent_parent_shard_id: None,
                    hash_key_range: Some(HashKeyRange {
                        starting_hash_key: "0".into(),
                        ending_hash_key: "340282366920938463463374607431768211455".into(),
                    }),
                    sequence_number_range: Some(SequenceNumberRange {
                        starting_sequence_number: "1".into(),
                        ending_sequence_number: None,
                    }),
                }],
                has_more_shards: false,
                retention_period_hours: 24,
                stream_creation_timestamp: 1_700_000_000.25,
                enhanced_monitoring: vec![EnhancedMetrics {
                    shard_level_metrics: vec![],
                }],
                encryption_type: Some("NONE".into()),
                key_id: None,
            },
        };
        assert_eq!(
            serde_json::to_value(&description).unwrap(),
            serde_json::json!({"StreamDescription": {
                "StreamName": "s",
                "StreamARN": "arn",
                "StreamStatus": "ACTIVE",
                "StreamModeDetails": {"StreamMode": "PROVISIONED"},
                "Shards": [{
                    "ShardId": "shardId-000000000000",
                    "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": "340282366920938463463374607431768211455"},
                    "SequenceNumberRange": {"StartingSequenceNumber": "1"}
                }],
                "HasMoreShards": false,
                "RetentionPeriodHours": 24,
                "StreamCreationTimestamp": 1_700_000_000.25,
                "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
                "EncryptionType": "NONE"
            }})
        );
    }
}
