//! PutRecords with its per-entry retry: Kinesis may store some records of a call and refuse others
//! (a busy shard, an internal failure), so the refused entries, and only those, are sent again with
//! backoff until they land or the retry budget is spent. A whole call that fails is not sent again
//! here: the SDK's standard retry has retried a throttled or failed call already, and a second loop
//! on top would multiply the calls a slow Kinesis gets.

use std::time::Instant;

use crate::backoff::Backoff;
use crate::deadline::{Deadlines, within};
use crate::kinesis::{KinesisError, PutRecordsOutput, PutRecordsResultEntry, Record, StreamApi};

/// PutRecords, re-sending only the entries that failed with a retryable entry error, with backoff,
/// within the budget; `attempts` counts the calls made. What still failed is reported per record, in
/// request order; nothing is dropped. An error answers the whole request only when no call ever got
/// per-record results; a call that fails after earlier ones answered is reported on each record it
/// left without a result.
pub async fn put_records<A: StreamApi>(
    api: &A,
    stream: &str,
    records: &[Record],
    deadlines: Deadlines,
    backoff: Backoff,
    attempts: &mut u32,
) -> Result<PutRecordsOutput, KinesisError> {
    let mut results: Vec<Option<PutRecordsResultEntry>> = vec![None; records.len()];
    let mut pending: Vec<usize> = (0..records.len()).collect();
    let mut encryption_type = None;
    let mut retry = 0;
    // The whole-call error that left the pending entries without a newer answer, if any.
    let stopped_by = loop {
        *attempts += 1;
        let batch: Vec<&Record> = pending.iter().map(|&index| &records[index]).collect();
        let output = match within(deadlines, api.put_records(stream, &batch)).await {
            Ok(output) if output.records.len() == pending.len() => output,
            Ok(output) => {
                break Some(KinesisError::Internal {
                    code: "InternalFailure".into(),
                    message: format!(
                        "PutRecords answered {} results for {} records",
                        output.records.len(),
                        pending.len()
                    ),
                });
            }
            Err(error) => break Some(error),
        };
        encryption_type = output.encryption_type.or(encryption_type);
        let mut again = Vec::new();
        for (index, entry) in pending.iter().copied().zip(output.records) {
            if entry.is_retryable() {
                again.push(index);
            }
            results[index] = Some(entry);
        }
        pending = again;
        if pending.is_empty() || !pause(backoff, retry, deadlines).await {
            break None;
        }
        retry += 1;
    };
    if let Some(error) = stopped_by {
        if results.iter().all(Option::is_none) {
            return Err(error);
        }
        for &index in &pending {
            results[index] = Some(PutRecordsResultEntry::failure(error.error_type(), error.message()));
        }
    }
    let entries = results
        .into_iter()
        .map(|entry| {
            entry.unwrap_or_else(|| PutRecordsResultEntry::failure("InternalFailure", "no result for this record"))
        })
        .collect();
    Ok(PutRecordsOutput::new(entries, encryption_type))
}

/// Sleeps before retry number `retry` if the retry budget allows it; false (no sleep) otherwise.
async fn pause(backoff: Backoff, retry: u32, deadlines: Deadlines) -> bool {
    let delay = backoff.delay(retry);
    if Instant::now() + delay >= deadlines.retry {
        return false;
    }
    tokio::time::sleep(delay).await;
    true
}
