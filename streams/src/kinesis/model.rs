//! The proxy's Kinesis vocabulary: what it sends ([`Record`], [`Capacity`]) and what Kinesis answers,
//! in Kinesis's own JSON shape (the SDK's types are not `Serialize`), so that a client of the proxy
//! reads the same bodies as from Kinesis.

use serde::{Deserialize, Serialize};

/// The PutRecords entry error codes worth sending again: the shard was busy or Kinesis failed
/// inside. Any other entry error (e.g. a KMS one) would fail the same way again.
pub const RETRYABLE_ENTRY_ERRORS: [&str; 2] = ["ProvisionedThroughputExceededException", "InternalFailure"];

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

/// The PutRecord answer (the submit route's too): written by the proxy, read by its clients.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
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

/// What became of one PutRecords entry. Read back, an entry with a `SequenceNumber` is a success and
/// one with an `ErrorCode` a failure; the other member may be absent, since a client judging an
/// answer needs only these.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum PutRecordsResultEntry {
    /// Stored.
    Success {
        /// `SequenceNumber`.
        #[serde(rename = "SequenceNumber")]
        sequence_number: String,
        /// `ShardId`.
        #[serde(rename = "ShardId", default)]
        shard_id: String,
    },
    /// Not stored.
    Failure {
        /// `ErrorCode`, e.g. `ProvisionedThroughputExceededException`.
        #[serde(rename = "ErrorCode")]
        error_code: String,
        /// `ErrorMessage`.
        #[serde(rename = "ErrorMessage", default)]
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

/// The PutRecords answer: one entry per record, in request order. Written by the proxy, read by its
/// clients.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordsOutput {
    /// `FailedRecordCount` (read back: 0 when absent, since a client counts the `Records` it sent).
    #[serde(default)]
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

#[cfg(test)]
mod tests;
