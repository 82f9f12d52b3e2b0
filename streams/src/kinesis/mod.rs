//! Kinesis as the proxy sees it: what it needs of Kinesis ([`StreamApi`], here in front so that the
//! proxy and the submit function depend on it, not on the SDK), its answers in Kinesis's own JSON
//! shape (`model`), the errors it can meet ([`KinesisError`]), the adapter over the AWS SDK
//! ([`Kinesis`]) and, with the cargo feature `test-util`, an in-memory Kinesis (`memory`).

mod error;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;
mod model;
mod sdk;

use std::future::Future;

pub use error::{KinesisError, UNAVAILABLE};
pub use model::{
    Capacity, DescribeStreamOutput, EnhancedMetrics, HashKeyRange, ListStreamsOutput, PutRecordOutput,
    PutRecordsOutput, PutRecordsResultEntry, RETRYABLE_ENTRY_ERRORS, Record, SequenceNumberRange, Shard,
    StreamDescription, StreamListing, StreamModeDetails, StreamSummary,
};
pub use sdk::Kinesis;

/// What the proxy needs of Kinesis: the [`Kinesis`] adapter, or `memory::MemoryStreams` in tests
/// (feature `test-util`). One call each: a whole call is retried by the SDK's own retry only;
/// deadlines and the re-sending of failed PutRecords entries are the caller's.
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
