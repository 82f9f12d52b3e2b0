//! The answer to the event source mapping: `batchItemFailures`, the sequence numbers of the records
//! to redeliver.

use aws_lambda_events::event::streams::{KinesisBatchItemFailure, KinesisEventResponse};

use super::error::UnreportableFailure;
use super::outcome::Outcome;
use crate::event::BatchRecord;

/// The answer to the event source mapping: every failed record's sequence number. The mapping
/// checkpoints at the lowest and redelivers from there; the conditional path makes that harmless.
/// A failed record without a sequence number cannot be named: that fails the whole invocation.
pub fn response(records: &[BatchRecord], outcomes: &[Outcome]) -> Result<KinesisEventResponse, UnreportableFailure> {
    let mut response = KinesisEventResponse::default();
    let mut unreportable = 0;
    for (record, outcome) in records.iter().zip(outcomes) {
        if !matches!(outcome, Outcome::Failed(_)) {
            continue;
        }
        // An empty identifier would tell the mapping that the whole batch failed: say so plainly.
        match record.sequence_number().filter(|seq| !seq.is_empty()) {
            Some(sequence_number) => {
                let mut failure = KinesisBatchItemFailure::default();
                failure.item_identifier = Some(sequence_number.to_string());
                response.batch_item_failures.push(failure);
            }
            None => unreportable += 1,
        }
    }
    if unreportable > 0 {
        return Err(UnreportableFailure { records: unreportable });
    }
    Ok(response)
}
