//! One batch's books: the outcome of each record as it is settled, and the poison records waiting
//! for the dead-letter queue. Every record ends with exactly one outcome.

use super::outcome::Outcome;
use crate::failure::FailureReason;
use crate::record::Poison;

/// The outcome of each record of a batch so far, by batch index, and the poison found so far.
#[derive(Debug)]
pub(super) struct Books {
    outcomes: Vec<Option<Outcome>>,
    /// Poison records by batch index, in the order found: dead-lettered together at the end.
    poison: Vec<(usize, Poison)>,
}

impl Books {
    /// The books of a batch of `records` records, none settled.
    pub(super) fn new(records: usize) -> Self {
        Books {
            outcomes: vec![None; records],
            poison: Vec::new(),
        }
    }

    /// Settles the outcome of the record at `index`.
    pub(super) fn settle(&mut self, index: usize, outcome: Outcome) {
        // The indexes are the batch's own, handed to the store and the sink; `get_mut` still keeps
        // a faulty implementation from panicking the invocation (a gap becomes NoOutcome).
        if let Some(slot) = self.outcomes.get_mut(index) {
            *slot = Some(outcome);
        }
    }

    /// Notes the record at `index` as poison, to be dead-lettered.
    pub(super) fn poison(&mut self, index: usize, reason: Poison) {
        self.poison.push((index, reason));
    }

    /// The poison noted so far, taken out of the books to be dead-lettered.
    pub(super) fn take_poison(&mut self) -> Vec<(usize, Poison)> {
        std::mem::take(&mut self.poison)
    }

    /// Every record's outcome, in batch order.
    pub(super) fn close(self) -> Vec<Outcome> {
        self.outcomes
            .into_iter()
            // Every record got an outcome above; a gap would be a bug, and is reported for
            // redelivery rather than counted as handled.
            .map(|outcome| outcome.unwrap_or(Outcome::Failed(FailureReason::NoOutcome)))
            .collect()
    }
}
