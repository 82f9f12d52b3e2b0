//! An in-memory [`StreamApi`] with injectable failures, so that `Proxy::handle` is tested route by
//! route (and its PutRecords retries entry by entry) without I/O. Only with the cargo feature
//! `test-util` (off by default; this crate's tests turn it on):
//!
//! ```toml
//! [dev-dependencies]
//! streams = { path = "../streams", features = ["test-util"] }
//! ```

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::kinesis::{
    Capacity, DescribeStreamOutput, EnhancedMetrics, HashKeyRange, KinesisError, PutRecordOutput, PutRecordsOutput,
    PutRecordsResultEntry, Record, SequenceNumberRange, Shard, StreamApi, StreamDescription, StreamListing,
    StreamModeDetails, StreamSummary,
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

/// The shard of a partition key: an FNV-1a hash over the shards (Kinesis uses MD5; any stable
/// spread will do here).
fn shard_for(key: &str, shards: u32) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % u64::from(shards.max(1))) as u32
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

    /// Counts the call, waits the configured delay, then answers an injected failure if any.
    async fn enter(&self, operation: Operation) -> Result<(), KinesisError> {
        let delay = {
            let mut state = lock(&self.state);
            *state.calls.entry(operation).or_default() += 1;
            state.delay
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let mut state = lock(&self.state);
        match state.failing_calls.get_mut(&operation).and_then(VecDeque::pop_front) {
            Some(Some(error)) => Err(error),
            _ => Ok(()),
        }
    }

    fn not_found(name: &str) -> KinesisError {
        KinesisError::NotFound {
            message: format!("Stream {name} under account {ACCOUNT} not found."),
        }
    }

    fn store(state: &mut State, name: &str, record: &Record) -> Result<(String, String), KinesisError> {
        state.next_sequence += 1;
        let sequence_number = format!("{:056}", state.next_sequence);
        let stream = state
            .streams
            .get_mut(name)
            .filter(|s| matches!(s.status.as_str(), "ACTIVE" | "UPDATING"))
            .ok_or_else(|| MemoryStreams::not_found(name))?;
        let shard = shard_id(shard_for(&record.partition_key, stream.shards));
        stream.records.push(StoredRecord {
            shard_id: shard.clone(),
            sequence_number: sequence_number.clone(),
            partition_key: record.partition_key.clone(),
            data: record.data.clone(),
        });
        Ok((sequence_number, shard))
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

impl StreamApi for MemoryStreams {
    async fn list_streams(&self) -> Result<StreamListing, KinesisError> {
        self.enter(Operation::ListStreams).await?;
        let state = lock(&self.state);
        let stream_names = state.streams.keys().cloned().collect();
        let stream_summaries = if state.summaries {
            state
                .streams
                .iter()
                .map(|(name, stream)| StreamSummary {
                    stream_name: name.clone(),
                    stream_arn: MemoryStreams::arn(name),
                    stream_status: stream.status.clone(),
                    stream_mode_details: Some(StreamModeDetails {
                        stream_mode: stream.mode.to_string(),
                    }),
                    stream_creation_timestamp: Some(CREATED),
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(StreamListing {
            stream_names,
            stream_summaries,
        })
    }

    async fn describe_stream(&self, stream: &str) -> Result<StreamDescription, KinesisError> {
        self.enter(Operation::DescribeStream).await?;
        self.description(stream)
            .map(|d| d.stream_description)
            .ok_or_else(|| MemoryStreams::not_found(stream))
    }

    async fn create_stream(
        &self,
        stream: &str,
        capacity: Capacity,
        tags: &[(String, String)],
    ) -> Result<(), KinesisError> {
        self.enter(Operation::CreateStream).await?;
        let mut state = lock(&self.state);
        if state.streams.contains_key(stream) {
            return Err(KinesisError::InUse {
                message: format!("Stream {stream} under account {ACCOUNT} already exists."),
            });
        }
        let (shards, mode) = match capacity {
            Capacity::Provisioned(shards) => (shards, "PROVISIONED"),
            // Kinesis starts an on-demand stream with 4 shards.
            Capacity::OnDemand => (4, "ON_DEMAND"),
        };
        state.streams.insert(
            stream.to_string(),
            MemoryStream {
                status: "ACTIVE".into(),
                mode,
                shards: shards.max(1),
                records: Vec::new(),
                tags: tags.to_vec(),
            },
        );
        Ok(())
    }

    async fn stream_tags(&self, stream: &str) -> Result<Vec<(String, String)>, KinesisError> {
        self.enter(Operation::ListTagsForStream).await?;
        lock(&self.state)
            .streams
            .get(stream)
            .map(|s| s.tags.clone())
            .ok_or_else(|| MemoryStreams::not_found(stream))
    }

    async fn delete_stream(&self, stream: &str) -> Result<(), KinesisError> {
        self.enter(Operation::DeleteStream).await?;
        let mut state = lock(&self.state);
        let status = state
            .streams
            .get(stream)
            .map(|s| s.status.clone())
            .ok_or_else(|| MemoryStreams::not_found(stream))?;
        if status != "ACTIVE" {
            // As Kinesis: only an ACTIVE stream can be deleted.
            return Err(KinesisError::InUse {
                message: format!("Stream {stream} under account {ACCOUNT} is {status}, not ACTIVE."),
            });
        }
        state.streams.remove(stream);
        Ok(())
    }

    async fn put_record(&self, stream: &str, record: &Record) -> Result<PutRecordOutput, KinesisError> {
        self.enter(Operation::PutRecord).await?;
        let mut state = lock(&self.state);
        let (sequence_number, shard_id) = MemoryStreams::store(&mut state, stream, record)?;
        Ok(PutRecordOutput {
            sequence_number,
            shard_id,
            encryption_type: state.encryption_type.clone(),
        })
    }

    async fn put_records(&self, stream: &str, records: &[&Record]) -> Result<PutRecordsOutput, KinesisError> {
        self.enter(Operation::PutRecords).await?;
        let mut state = lock(&self.state);
        state
            .put_records_batches
            .push(records.iter().map(|r| r.partition_key.clone()).collect());
        if !state
            .streams
            .get(stream)
            .is_some_and(|s| matches!(s.status.as_str(), "ACTIVE" | "UPDATING"))
        {
            return Err(MemoryStreams::not_found(stream));
        }
        let mut entries = Vec::with_capacity(records.len());
        for record in records {
            let injected = match state.failing_keys.get_mut(&record.partition_key) {
                Some((left, code)) if *left > 0 => {
                    *left -= 1;
                    Some(code.clone())
                }
                _ => None,
            };
            let entry = match injected {
                Some(code) => PutRecordsResultEntry::failure(code, "injected by MemoryStreams"),
                None => {
                    let (sequence_number, shard_id) = MemoryStreams::store(&mut state, stream, record)?;
                    PutRecordsResultEntry::Success {
                        sequence_number,
                        shard_id,
                    }
                }
            };
            entries.push(entry);
        }
        Ok(PutRecordsOutput::new(entries, state.encryption_type.clone()))
    }
}
