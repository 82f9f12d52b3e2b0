//! How the in-memory Kinesis answers each [`StreamApi`] call: as Kinesis would (a stream must be
//! ACTIVE to write to, only an ACTIVE stream is deleted, names are unique), unless a test injected a
//! failure or a delay first.

use std::collections::VecDeque;

use super::{ACCOUNT, CREATED, MemoryStream, MemoryStreams, Operation, State, StoredRecord, lock, shard_id};
use crate::kinesis::{
    Capacity, KinesisError, PutRecordOutput, PutRecordsOutput, PutRecordsResultEntry, Record, StreamApi,
    StreamDescription, StreamListing, StreamModeDetails, StreamSummary,
};

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
