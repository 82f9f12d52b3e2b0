//! The event source mapping's on-failure record for a Kinesis batch (AWS's shape, written by AWS or
//! by the local stage's mapping): no data, only where to find it again.

use serde::{Deserialize, Serialize};

/// The on-failure record of a batch the mapping gave up on (retries or record age ran out).
///
/// Only `KinesisBatchInfo`'s shard and sequence-number range are required when read: the rest is
/// context a redrive can do without, and a member missing from it reads as its default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchPointer {
    /// The invocation that failed.
    #[serde(default)]
    pub request_context: RequestContext,
    /// How it failed.
    #[serde(default)]
    pub response_context: ResponseContext,
    /// The record's format version (`1.0`).
    #[serde(default)]
    pub version: String,
    /// When the record was written, RFC 3339.
    #[serde(default)]
    pub timestamp: String,
    /// The batch: its shard and range of sequence numbers.
    #[serde(rename = "KinesisBatchInfo")]
    pub batch: KinesisBatchInfo,
}

/// `requestContext`: the invocation that failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestContext {
    /// The last invocation's request id.
    pub request_id: String,
    /// The function's ARN.
    pub function_arn: String,
    /// `RetryAttemptsExhausted` or `RecordAgeExceeded`.
    pub condition: String,
    /// Invocations of the batch.
    pub approximate_invoke_count: u32,
}

/// `responseContext`: how the last invocation ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResponseContext {
    /// The Invoke call's HTTP status (200 when the function itself failed).
    pub status_code: u16,
    /// The version that ran (`$LATEST`).
    pub executed_version: String,
    /// `Unhandled` or `Handled` when the function failed; absent when it returned failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_error: Option<String>,
}

/// `KinesisBatchInfo`: where the batch's records are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KinesisBatchInfo {
    /// The shard.
    pub shard_id: String,
    /// The first record's sequence number.
    pub start_sequence_number: String,
    /// The last record's sequence number.
    pub end_sequence_number: String,
    /// When the first record arrived in the stream, RFC 3339.
    #[serde(default)]
    pub approximate_arrival_of_first_record: Option<String>,
    /// When the last record arrived in the stream, RFC 3339.
    #[serde(default)]
    pub approximate_arrival_of_last_record: Option<String>,
    /// Records in the batch.
    #[serde(default)]
    pub batch_size: u64,
    /// The stream's ARN.
    #[serde(default)]
    pub stream_arn: String,
}
