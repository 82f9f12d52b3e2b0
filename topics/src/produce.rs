//! Producing one request's placed records: grouped by partition, cut into batches Kafka accepts,
//! partitions in parallel, each partition's batches in order; a batch that fails retriably is
//! retried (metadata refreshed first when it moved) until the deadline. Every record ends with an
//! offset or an error code: nothing is silently lost.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::join_all;
use lambdabase::Backoff;
use tokio::time::Instant;

use crate::error::{KAFKA_ERROR, KAFKA_RETRIABLE_ERROR};
use crate::kafka::{KafkaApi, KafkaError, OutRecord, Retry};
use crate::records::ProduceRecord;
use crate::response::PartitionOffset;

/// Largest batch (key + value bytes): half of Kafka's default `message.max.bytes`, so a batch with
/// its record overheads always fits. A larger request becomes several batches.
pub const BATCH_MAX_BYTES: usize = 512 * 1024;
/// Most records in one batch.
pub const BATCH_MAX_RECORDS: usize = 1_000;

/// Retries back off from 50 ms, doubling up to 1 s, with equal jitter (half to all of the step):
/// the broker gets at least half the step to move a partition's leader before the next try.
const BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(50),
    cap: Duration::from_secs(1),
};

/// One batch: the request indices of its records and the records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The partition.
    pub partition: i32,
    /// Request index of each record, in order.
    pub indices: Vec<usize>,
    /// The records.
    pub records: Vec<OutRecord>,
}

/// The batches of a request, per partition in request order (pure).
pub fn batches(records: Vec<ProduceRecord>, placed: &[i32]) -> BTreeMap<i32, Vec<Batch>> {
    let mut by_partition: BTreeMap<i32, Vec<Batch>> = BTreeMap::new();
    for (index, (record, &partition)) in records.into_iter().zip(placed).enumerate() {
        let size = record.size();
        let list = by_partition.entry(partition).or_default();
        let fits = list.last().is_some_and(|batch| {
            batch.records.len() < BATCH_MAX_RECORDS
                && batch.records.iter().map(out_size).sum::<usize>() + size <= BATCH_MAX_BYTES
        });
        if !fits {
            list.push(Batch {
                partition,
                indices: Vec::new(),
                records: Vec::new(),
            });
        }
        if let Some(batch) = list.last_mut() {
            batch.indices.push(index);
            batch.records.push(OutRecord {
                key: record.key,
                value: record.value,
            });
        }
    }
    by_partition
}

fn out_size(record: &OutRecord) -> usize {
    record.key.as_ref().map_or(0, Vec::len) + record.value.as_ref().map_or(0, Vec::len)
}

/// What producing a request did, per record in request order, and how many calls were retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Produced {
    /// One entry per record.
    pub offsets: Vec<PartitionOffset>,
    /// Produce calls repeated after a retriable failure.
    pub retries: u32,
}

/// Produces every batch before `deadline`.
pub async fn produce<K: KafkaApi>(
    kafka: &K,
    topic: &str,
    records: Vec<ProduceRecord>,
    placed: &[i32],
    deadline: Instant,
) -> Produced {
    let count = records.len();
    let partitions = batches(records, placed);
    let results = join_all(
        partitions
            .into_values()
            .map(|batches| produce_partition(kafka, topic, batches, deadline)),
    )
    .await;
    let mut offsets: Vec<Option<PartitionOffset>> = vec![None; count];
    let mut retries = 0;
    for (entries, partition_retries) in results {
        retries += partition_retries;
        for (index, entry) in entries {
            if let Some(slot) = offsets.get_mut(index) {
                *slot = Some(entry);
            }
        }
    }
    Produced {
        // Every index is in exactly one batch; the fallback keeps a record from vanishing should
        // that ever change.
        offsets: offsets
            .into_iter()
            .map(|entry| entry.unwrap_or_else(|| PartitionOffset::failed(KAFKA_ERROR, "record not produced")))
            .collect(),
        retries,
    }
}

/// One partition's batches, in order. After a batch fails for good, the later ones are not sent
/// (they fail with it), so a client that retries the failed records cannot reorder the partition.
async fn produce_partition<K: KafkaApi>(
    kafka: &K,
    topic: &str,
    batches: Vec<Batch>,
    deadline: Instant,
) -> (Vec<(usize, PartitionOffset)>, u32) {
    let mut entries = Vec::new();
    let mut retries = 0;
    let mut failed: Option<(u32, String)> = None;
    for batch in batches {
        if let Some((code, reason)) = &failed {
            let reason = format!(
                "not sent: an earlier batch of partition {} failed ({reason})",
                batch.partition
            );
            entries.extend(
                batch
                    .indices
                    .iter()
                    .map(|&i| (i, PartitionOffset::failed(*code, reason.clone()))),
            );
            continue;
        }
        let mut attempt = 0u32;
        loop {
            let result =
                match tokio::time::timeout_at(deadline, kafka.produce(topic, batch.partition, batch.records.clone()))
                    .await
                {
                    Ok(result) => result,
                    Err(_) => Err(KafkaError::Deadline),
                };
            match result {
                Ok(offsets) if offsets.len() == batch.indices.len() => {
                    entries.extend(
                        batch
                            .indices
                            .iter()
                            .zip(offsets)
                            .map(|(&i, offset)| (i, PartitionOffset::produced(batch.partition, offset))),
                    );
                    break;
                }
                Ok(offsets) => {
                    let reason = format!(
                        "the broker acknowledged {} of {} records",
                        offsets.len(),
                        batch.indices.len()
                    );
                    failed = Some((KAFKA_ERROR, reason.clone()));
                    entries.extend(
                        batch
                            .indices
                            .iter()
                            .map(|&i| (i, PartitionOffset::failed(KAFKA_ERROR, reason.clone()))),
                    );
                    break;
                }
                Err(error) => {
                    let delay = BACKOFF.delay_equal_jitter(attempt);
                    let retriable = error.retry() == Retry::Retriable && !matches!(error, KafkaError::Deadline);
                    if retriable && Instant::now() + delay < deadline {
                        if let KafkaError::Request {
                            stale_metadata: true, ..
                        }
                        | KafkaError::Unreachable { .. } = error
                        {
                            kafka.invalidate(topic);
                        }
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                        retries += 1;
                        continue;
                    }
                    let code = match error.retry() {
                        Retry::Retriable => KAFKA_RETRIABLE_ERROR,
                        Retry::Fatal => KAFKA_ERROR,
                    };
                    let reason = short(error.to_string());
                    failed = Some((code, reason.clone()));
                    entries.extend(
                        batch
                            .indices
                            .iter()
                            .map(|&i| (i, PartitionOffset::failed(code, reason.clone()))),
                    );
                    break;
                }
            }
        }
    }
    (entries, retries)
}

/// A reason repeated on every failed record stays short: 10,000 long ones would crowd Lambda's 6 MB
/// response.
fn short(mut reason: String) -> String {
    const MAX: usize = 300;
    if reason.len() > MAX {
        let mut end = MAX;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
        reason.push('…');
    }
    reason
}

#[cfg(test)]
mod tests;
