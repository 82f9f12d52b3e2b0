//! `dlq redrive`: each batch pointer's range read from the stream and delivered to the consumer with
//! the records' original sequence numbers; its messages (duplicates too) deleted once the consumer
//! has taken the whole batch.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Duration;

use aws_lambda_events::event::streams::KinesisEventResponse;
use aws_sdk_kinesis::types::{Record, ShardIteratorType};
use aws_sdk_lambda::primitives::Blob;
use localstage::kinesis_esm::event::{Buffered, Source, payload};

use deadletter::{BatchPointer, DeadLetter};

use super::queue::{Received, Targets};

/// How long messages stay invisible while a redrive works on them.
const HOLD: Duration = Duration::from_secs(300);
/// Deliveries of one batch before it counts as failed.
const ATTEMPTS: u32 = 3;

/// What a redrive did.
#[derive(Debug, Default)]
pub struct Report {
    /// Batches delivered and taken by the consumer.
    pub redriven: u64,
    /// Records in them.
    pub records: u64,
    /// Messages deleted (duplicates included).
    pub deleted: u64,
    /// Ranges the stream no longer holds, described.
    pub lost: Vec<String>,
    /// Batches the consumer did not take, described.
    pub failed: Vec<String>,
    /// Poison messages left alone.
    pub poison_kept: u64,
    /// With `--dry-run`: what would be done.
    pub planned: Vec<String>,
}

impl Report {
    /// Nothing lost, nothing failed.
    pub fn all_ok(&self) -> bool {
        self.lost.is_empty() && self.failed.is_empty()
    }

    /// The summary.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for plan in &self.planned {
            text.push_str(&format!("would redrive {plan}\n"));
        }
        text.push_str(&format!(
            "redriven {} batches ({} records), {} messages deleted; {} poison messages left (dlq export / purge)\n",
            self.redriven, self.records, self.deleted, self.poison_kept
        ));
        for lost in &self.lost {
            text.push_str(&format!(
                "LOST: {lost}: the stream no longer holds these records; message kept\n"
            ));
        }
        for failed in &self.failed {
            text.push_str(&format!("FAILED: {failed}; message kept, try again\n"));
        }
        text
    }
}

/// Compares two sequence numbers (decimal strings of up to 128 bits, without leading zeros).
pub fn compare_sequence(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Runs the redrive.
pub async fn run(targets: &Targets, dry_run: bool) -> anyhow::Result<Report> {
    let received = targets.receive_all(HOLD).await?;
    let mut report = Report::default();
    // Pointers by what they name: duplicates go with the first.
    let mut by_range: BTreeMap<String, (BatchPointer, Vec<&Received>)> = BTreeMap::new();
    let mut keep: Vec<&Received> = Vec::new();
    for message in &received {
        match &message.letter {
            Some(letter @ DeadLetter::Batch(pointer)) => by_range
                .entry(letter.key())
                .or_insert_with(|| (pointer.clone(), Vec::new()))
                .1
                .push(message),
            Some(DeadLetter::Poison(_)) => {
                report.poison_kept += 1;
                keep.push(message);
            }
            None => keep.push(message),
        }
    }
    let progress = (by_range.len() > 1 && std::io::stderr().is_terminal() && !dry_run)
        .then(|| indicatif::ProgressBar::new(by_range.len() as u64));
    for (pointer, messages) in by_range.values() {
        let batch = &pointer.batch;
        let describe = format!(
            "{} {}..{} ({} records)",
            batch.shard_id, batch.start_sequence_number, batch.end_sequence_number, batch.batch_size
        );
        if let Some(bar) = &progress {
            bar.inc(1);
        }
        let stream = stream_of(pointer).unwrap_or_else(|| targets.stream.clone());
        let records = match read_range(targets, &stream, pointer).await {
            Ok(records) => records,
            Err(why) => {
                report.lost.push(format!("{describe}: {why}"));
                keep.extend(messages);
                continue;
            }
        };
        if dry_run {
            report.planned.push(format!("{describe} to {}", targets.function));
            keep.extend(messages);
            continue;
        }
        match deliver(targets, pointer, records).await {
            Ok(count) => {
                report.redriven += 1;
                report.records += count;
                report.deleted += targets.delete(messages).await? as u64;
            }
            Err(why) => {
                report.failed.push(format!("{describe}: {why}"));
                keep.extend(messages);
            }
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    targets.release(&keep).await;
    Ok(report)
}

/// The stream name in a pointer's ARN (`arn:aws:kinesis:region:account:stream/NAME`).
fn stream_of(pointer: &BatchPointer) -> Option<String> {
    pointer
        .batch
        .stream_arn
        .rsplit_once("stream/")
        .map(|(_, name)| name.to_string())
        .filter(|n| !n.is_empty())
}

/// The records of the pointer's range, exactly: from its first to its last sequence number.
async fn read_range(targets: &Targets, stream: &str, pointer: &BatchPointer) -> Result<Vec<Record>, String> {
    let (start, end) = (&pointer.batch.start_sequence_number, &pointer.batch.end_sequence_number);
    let iterator = targets
        .kinesis
        .get_shard_iterator()
        .stream_name(stream)
        .shard_id(&pointer.batch.shard_id)
        .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
        .starting_sequence_number(start)
        .send()
        .await
        .map_err(|e| {
            format!(
                "no shard iterator at its first record ({})",
                aws_sdk_kinesis::error::DisplayErrorContext(&e)
            )
        })?;
    let mut iterator = iterator.shard_iterator().map(str::to_string);
    let mut records: Vec<Record> = Vec::new();
    let mut empty_reads = 0;
    while let Some(current) = iterator.take() {
        let answer = targets
            .kinesis
            .get_records()
            .shard_iterator(current)
            .limit(1000)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "reading the range ({})",
                    aws_sdk_kinesis::error::DisplayErrorContext(&e)
                )
            })?;
        let mut past_end = false;
        for record in answer.records() {
            if compare_sequence(record.sequence_number(), end) == Ordering::Greater {
                past_end = true;
                break;
            }
            records.push(record.clone());
        }
        if past_end || records.last().is_some_and(|r| r.sequence_number() == end) {
            break;
        }
        empty_reads = if answer.records().is_empty() {
            empty_reads + 1
        } else {
            0
        };
        // At the tip of the shard with nothing more: the range ends short.
        if empty_reads >= 3 || answer.millis_behind_latest() == Some(0) && answer.records().is_empty() {
            break;
        }
        iterator = answer.next_shard_iterator().map(str::to_string);
    }
    match records.first() {
        Some(first) if first.sequence_number() == start => {}
        // Trimmed: the first record is gone, the iterator started later.
        _ => return Err("its first record is gone (past the stream's retention)".into()),
    }
    if records.last().map(|r| r.sequence_number()) != Some(end.as_str()) {
        return Err(format!("only {} of its records could be read", records.len()));
    }
    Ok(records)
}

/// Delivers the batch to the consumer; `Ok(records)` once it took all of them.
async fn deliver(targets: &Targets, pointer: &BatchPointer, records: Vec<Record>) -> Result<u64, String> {
    let source = Source {
        shard_id: pointer.batch.shard_id.clone(),
        stream_arn: pointer.batch.stream_arn.clone(),
        function_name: targets.function.clone(),
    };
    let count = records.len() as u64;
    let mut batch: Vec<Buffered> = records.into_iter().map(|r| Buffered::new(r, &source)).collect();
    for attempt in 1..=ATTEMPTS {
        let answer = targets
            .lambda
            .invoke()
            .function_name(&targets.function)
            .payload(Blob::new(payload(&batch).to_vec()))
            .send()
            .await;
        let failed: Result<Vec<String>, String> = match answer {
            Err(e) => Err(format!(
                "invoke failed ({})",
                aws_sdk_lambda::error::DisplayErrorContext(&e)
            )),
            Ok(output) if output.function_error().is_some() => Err(format!(
                "the function failed ({})",
                output.function_error().unwrap_or_default()
            )),
            Ok(output) => {
                // The consumer's own response type; an answer that is not one reports no failure.
                let response: KinesisEventResponse = output
                    .payload()
                    .and_then(|p| serde_json::from_slice(p.as_ref()).ok())
                    .unwrap_or_default();
                Ok(response
                    .batch_item_failures
                    .into_iter()
                    .filter_map(|failure| failure.item_identifier)
                    .collect())
            }
        };
        match failed {
            Ok(items) if items.is_empty() => return Ok(count),
            // As the mapping does: deliver again from the lowest failed record.
            Ok(items) => {
                let lowest = items
                    .iter()
                    .min_by(|a, b| compare_sequence(a, b))
                    .cloned()
                    .unwrap_or_default();
                batch.retain(|b| compare_sequence(b.record.sequence_number(), &lowest) != Ordering::Less);
                if attempt == ATTEMPTS {
                    return Err(format!("the consumer still reports {} records failed", items.len()));
                }
            }
            Err(why) if attempt == ATTEMPTS => return Err(why),
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
    }
    Err("not delivered".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_compare_as_numbers() {
        assert_eq!(compare_sequence("9", "10"), Ordering::Less);
        assert_eq!(
            compare_sequence(
                "49590338271490256608559692538361571095921575989136588898",
                "49590338271490256608559692538361571095921575989136588899"
            ),
            Ordering::Less
        );
        assert_eq!(compare_sequence("10", "10"), Ordering::Equal);
        let mut pointer = BatchPointer::default();
        pointer.batch.shard_id = "s".into();
        pointer.batch.start_sequence_number = "1".into();
        pointer.batch.end_sequence_number = "2".into();
        pointer.batch.batch_size = 2;
        pointer.batch.stream_arn = "arn:aws:kinesis:eu-west-1:1:stream/mystack-events".into();
        assert_eq!(stream_of(&pointer).as_deref(), Some("mystack-events"));
    }
}
