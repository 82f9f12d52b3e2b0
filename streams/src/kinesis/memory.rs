//! An in-memory [`StreamApi`](super::StreamApi) with injectable failures, so that `Proxy::handle` is
//! tested route by route (and its PutRecords retries entry by entry) without I/O. Only with the cargo
//! feature `test-util` (off by default; this crate's tests turn it on):
//!
//! ```toml
//! [dev-dependencies]
//! streams = { path = "../streams", features = ["test-util"] }
//! ```
//!
//! Here: the state and what a test does with it (set up streams, inject failures, read back what
//! was stored and called); how each Kinesis call is answered is in `stream_api`.

mod stream_api;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::{
    DescribeStreamOutput, EnhancedMetrics, HashKeyRange, KinesisError, SequenceNumberRange, Shard, StreamDescription,
    StreamModeDetails,
};

/// Locks, carrying on after a panicked holder: the state is plain data, never half-written.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A Kinesis operation, for injected failures and call counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// ListStreams (one call lists everything).
    ListStreams,
    /// DescribeStream.
    DescribeStream,
    /// CreateStream.
    CreateStream,
    /// DeleteStream.
    DeleteStream,
    /// PutRecord.
    PutRecord,
    /// PutRecords.
    PutRecords,
    /// ListTagsForStream.
    ListTagsForStream,
}

/// A record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The shard it went to.
    pub shard_id: String,
    /// Its sequence number.
    pub sequence_number: String,
    /// Its partition key.
    pub partition_key: String,
    /// Its data.
    pub data: Vec<u8>,
}

#[derive(Debug, Clone)]
struct MemoryStream {
    status: String,
    mode: &'static str,
    shards: u32,
    records: Vec<StoredRecord>,
    tags: Vec<(String, String)>,
}

#[derive(Debug, Default)]
struct State {
    streams: BTreeMap<String, MemoryStream>,
    /// Partition key → (entries still to fail, error code).
    failing_keys: HashMap<String, (usize, String)>,
    /// Operation → outcomes of its next calls, in order (`None`: answer normally).
    failing_calls: HashMap<Operation, VecDeque<Option<KinesisError>>>,
    calls: HashMap<Operation, usize>,
    /// Entries of each PutRecords call, in call order.
    put_records_batches: Vec<Vec<String>>,
    next_sequence: u64,
    encryption_type: Option<String>,
    delay: Duration,
    summaries: bool,
}

/// Kinesis in memory: streams are ACTIVE at once (unless told otherwise), records are kept per
/// stream, and chosen calls or PutRecords entries fail as told.
#[derive(Debug)]
pub struct MemoryStreams {
    state: Mutex<State>,
}

impl Default for MemoryStreams {
    fn default() -> Self {
        MemoryStreams {
            state: Mutex::new(State {
                summaries: true,
                ..State::default()
            }),
        }
    }
}

const ACCOUNT: &str = "123456789012";
const CREATED: f64 = 1_764_000_000.0;
const MAX_HASH: u128 = u128::MAX;

fn shard_id(index: u32) -> String {
    format!("shardId-{index:012}")
}

impl MemoryStreams {
    /// No streams, no faults.
    pub fn new() -> Self {
        MemoryStreams::default()
    }

    /// Adds an ACTIVE provisioned stream with `shards` shards.
    pub fn add_stream(&self, name: &str, shards: u32) {
        lock(&self.state).streams.insert(
            name.to_string(),
            MemoryStream {
                status: "ACTIVE".into(),
                mode: "PROVISIONED",
                shards: shards.max(1),
                records: Vec::new(),
                tags: Vec::new(),
            },
        );
    }

    /// Sets a stream's tags (a stream created outside the API, or by another stack).
    pub fn set_tags(&self, name: &str, tags: &[(&str, &str)]) {
        if let Some(stream) = lock(&self.state).streams.get_mut(name) {
            stream.tags = tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        }
    }

    /// A stream's tags.
    pub fn tags(&self, name: &str) -> Vec<(String, String)> {
        lock(&self.state)
            .streams
            .get(name)
            .map(|stream| stream.tags.clone())
            .unwrap_or_default()
    }

    /// Sets a stream's status (`CREATING`, `DELETING`, `UPDATING`, `ACTIVE`).
    pub fn set_status(&self, name: &str, status: &str) {
        if let Some(stream) = lock(&self.state).streams.get_mut(name) {
            stream.status = status.to_string();
        }
    }

    /// Whether the stream exists.
    pub fn has_stream(&self, name: &str) -> bool {
        lock(&self.state).streams.contains_key(name)
    }

    /// Shards and mode (`PROVISIONED`/`ON_DEMAND`) of a stream.
    pub fn capacity(&self, name: &str) -> Option<(u32, &'static str)> {
        lock(&self.state).streams.get(name).map(|s| (s.shards, s.mode))
    }

    /// The stream's records, in the order they were stored.
    pub fn records(&self, name: &str) -> Vec<StoredRecord> {
        lock(&self.state)
            .streams
            .get(name)
            .map(|s| s.records.clone())
            .unwrap_or_default()
    }

    /// The next `times` PutRecords entries with this partition key fail with entry error `code`
    /// (e.g. `ProvisionedThroughputExceededException`); later ones land.
    pub fn fail_entries(&self, partition_key: &str, times: usize, code: &str) {
        lock(&self.state)
            .failing_keys
            .insert(partition_key.to_string(), (times, code.to_string()));
    }

    /// The next call of `operation` fails with `error` (queued after earlier injected outcomes).
    pub fn fail_next(&self, operation: Operation, error: KinesisError) {
        self.script(operation, [Some(error)]);
    }

    /// The next calls of `operation`, in order: `None` answers normally, `Some(error)` fails
    /// (queued after earlier injected outcomes).
    pub fn script(&self, operation: Operation, outcomes: impl IntoIterator<Item = Option<KinesisError>>) {
        lock(&self.state)
            .failing_calls
            .entry(operation)
            .or_default()
            .extend(outcomes);
    }

    /// Every call waits this long before answering (to test deadlines).
    pub fn set_delay(&self, delay: Duration) {
        lock(&self.state).delay = delay;
    }

    /// PutRecord(s) answers carry this `EncryptionType` (`KMS` for an encrypted stream).
    pub fn set_encryption_type(&self, encryption_type: Option<&str>) {
        lock(&self.state).encryption_type = encryption_type.map(str::to_string);
    }

    /// Whether ListStreams gives summaries (Kinesis before 2022 gave none).
    pub fn set_summaries(&self, summaries: bool) {
        lock(&self.state).summaries = summaries;
    }

    /// Calls of `operation` so far (failed ones included).
    pub fn calls(&self, operation: Operation) -> usize {
        lock(&self.state).calls.get(&operation).copied().unwrap_or(0)
    }

    /// The partition keys sent in each PutRecords call, in call order.
    pub fn put_records_batches(&self) -> Vec<Vec<String>> {
        lock(&self.state).put_records_batches.clone()
    }

    fn arn(name: &str) -> String {
        format!("arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{name}")
    }

    /// The DescribeStream answer for a stream, as the proxy would return it.
    pub fn description(&self, name: &str) -> Option<DescribeStreamOutput> {
        let state = lock(&self.state);
        let stream = state.streams.get(name)?;
        let width = MAX_HASH / u128::from(stream.shards);
        let shards = (0..stream.shards)
            .map(|index| Shard {
                shard_id: shard_id(index),
                parent_shard_id: None,
                adjacent_parent_shard_id: None,
                hash_key_range: Some(HashKeyRange {
                    starting_hash_key: (width * u128::from(index)).to_string(),
                    ending_hash_key: if index + 1 == stream.shards {
                        MAX_HASH.to_string()
                    } else {
                        (width * u128::from(index + 1) - 1).to_string()
                    },
                }),
                sequence_number_range: Some(SequenceNumberRange {
                    starting_sequence_number: format!("{:056}", 0),
                    ending_sequence_number: None,
                }),
            })
            .collect();
        Some(DescribeStreamOutput {
            stream_description: StreamDescription {
                stream_name: name.to_string(),
                stream_arn: MemoryStreams::arn(name),
                stream_status: stream.status.clone(),
                stream_mode_details: Some(StreamModeDetails {
                    stream_mode: stream.mode.to_string(),
                }),
                shards,
                has_more_shards: false,
                retention_period_hours: 24,
                stream_creation_timestamp: CREATED,
                enhanced_monitoring: vec![EnhancedMetrics {
                    shard_level_metrics: Vec::new(),
                }],
                encryption_type: Some(state.encryption_type.clone().unwrap_or_else(|| "NONE".into())),
                key_id: None,
            },
        })
    }
}
