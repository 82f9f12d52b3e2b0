//! What became of each record of a batch ([`Outcome`]), and the counts of the batch summary line
//! and metrics ([`Summary`]).

use crate::failure::FailureReason;
use crate::record::Poison;

/// What became of one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Stored as the item of its key.
    Written,
    /// Older than (or the same as) what is stored, or superseded by a newer record of the batch.
    Stale,
    /// Can never be stored; sent to the dead-letter queue.
    Poison(Poison),
    /// Not handled this time; reported in `batchItemFailures` for redelivery.
    Failed(FailureReason),
}

/// Counts for the batch summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records in the batch.
    pub records: usize,
    /// Items written.
    pub written: usize,
    /// Records older than what is stored, or superseded within the batch.
    pub stale: usize,
    /// Records sent to the dead-letter queue.
    pub poison: usize,
    /// Records reported for redelivery.
    pub failed: usize,
}

/// Counts outcomes.
pub fn summarize(outcomes: &[Outcome]) -> Summary {
    let mut summary = Summary {
        records: outcomes.len(),
        ..Summary::default()
    };
    for outcome in outcomes {
        match outcome {
            Outcome::Written => summary.written += 1,
            Outcome::Stale => summary.stale += 1,
            Outcome::Poison(_) => summary.poison += 1,
            Outcome::Failed(_) => summary.failed += 1,
        }
    }
    summary
}
