//! Property test of the whole bookkeeping: whatever fails, every record gets exactly one outcome.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::*;
use crate::record::ordered_sequence;

/// One record of a generated batch: its key, and whether its data is valid JSON.
#[derive(Debug, Clone)]
struct Spec {
    key: usize,
    poison: bool,
}

/// Faults for a generated batch, by key and by position.
#[derive(Debug, Clone)]
struct Faults {
    failing_reads: BTreeSet<usize>,
    failing_writes: BTreeSet<usize>,
    rejected: BTreeSet<usize>,
    failing_sends: BTreeSet<usize>,
    stored: BTreeMap<usize, u64>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (0..6usize, proptest::bool::weighted(0.2)).prop_map(|(key, poison)| Spec { key, poison })
}

fn key_set() -> impl Strategy<Value = BTreeSet<usize>> {
    proptest::collection::btree_set(0..6usize, 0..3)
}

fn faults() -> impl Strategy<Value = Faults> {
    (
        key_set(),
        key_set(),
        key_set(),
        proptest::collection::btree_set(0..40usize, 0..4),
        proptest::collection::btree_map(0..6usize, 0..80u64, 0..4),
    )
        .prop_map(
            |(failing_reads, failing_writes, rejected, failing_sends, stored)| Faults {
                failing_reads,
                failing_writes,
                rejected,
                failing_sends,
                stored,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever fails, every record gets exactly one outcome, the response names exactly the
    /// failed ones, poison reaches the sink exactly when it is counted as poison, and no item
    /// goes back to an older version.
    #[test]
    fn every_record_gets_exactly_one_outcome(
        specs in proptest::collection::vec(spec(), 0..40),
        faults in faults(),
    ) {
        one_outcome_each(&specs, &faults)?;
    }
}

fn one_outcome_each(specs: &[Spec], faults: &Faults) -> Result<(), TestCaseError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let consumer = consumer();
    let key = |k: usize| format!("key-{k}");
    for (k, n) in &faults.stored {
        consumer
            .store()
            .put_sequence(key(*k), ordered_sequence(&sequence(*n)).unwrap());
    }
    for k in &faults.failing_reads {
        consumer.store().fail_reads(key(*k), FailureReason::Timeout);
    }
    for k in &faults.failing_writes {
        consumer
            .store()
            .fail_writes(key(*k), 1, FailureReason::UnprocessedItems);
    }
    for k in &faults.rejected {
        consumer.store().reject(key(*k));
    }
    for position in &faults.failing_sends {
        consumer
            .dead_letters()
            .fail_sequence(sequence(*position as u64 + 10), FailureReason::Dispatch);
    }
    let before = consumer.store().items();
    let batch: Vec<BatchRecord> = specs
        .iter()
        .enumerate()
        .map(|(position, spec)| {
            let n = position as u64 + 10;
            if spec.poison {
                record(&key(spec.key), n, b"not json")
            } else {
                valid(&key(spec.key), n)
            }
        })
        .collect();

    let outcomes = runtime.block_on(consumer.process(&batch));
    prop_assert_eq!(outcomes.len(), batch.len());
    prop_assert!(!outcomes.contains(&Outcome::Failed(FailureReason::NoOutcome)));

    let failed: Vec<String> = batch
        .iter()
        .zip(&outcomes)
        .filter(|(_, outcome)| matches!(outcome, Outcome::Failed(_)))
        .map(|(record, _)| record.sequence_number().unwrap().to_string())
        .collect();
    prop_assert_eq!(failed_ids(&response(&batch, &outcomes).unwrap()), failed);

    let dead: BTreeSet<String> = consumer
        .dead_letters()
        .poison()
        .into_iter()
        .map(|m| m.sequence_number.unwrap())
        .collect();
    prop_assert_eq!(
        consumer.dead_letters().messages().len(),
        dead.len(),
        "one message per poison record"
    );
    let poison: BTreeSet<String> = batch
        .iter()
        .zip(&outcomes)
        .filter(|(_, outcome)| matches!(outcome, Outcome::Poison(_)))
        .map(|(record, _)| record.sequence_number().unwrap().to_string())
        .collect();
    prop_assert_eq!(dead, poison);

    let items = consumer.store().items();
    for (record, outcome) in batch.iter().zip(&outcomes) {
        let stored = items
            .get(record.partition_key().unwrap())
            .and_then(|item| item[crate::item::SEQUENCE_ATTRIBUTE].as_s().ok().cloned());
        let own = ordered_sequence(record.sequence_number().unwrap()).unwrap();
        if *outcome == Outcome::Written {
            prop_assert_eq!(stored, Some(own));
        } else if *outcome == Outcome::Stale {
            // Stale: what is stored is as new, or a newer record of the key is in the batch.
            let superseded = batch.iter().any(|other| {
                other.partition_key() == record.partition_key() && other.sequence_number() > record.sequence_number()
            });
            let not_newer = stored.is_some_and(|stored| stored >= own);
            prop_assert!(not_newer || superseded);
        }
    }
    for (key, item) in &before {
        let old = item[crate::item::SEQUENCE_ATTRIBUTE].as_s().unwrap();
        let new = items[key][crate::item::SEQUENCE_ATTRIBUTE].as_s().unwrap();
        prop_assert!(new >= old, "{} went back from {} to {}", key, old, new);
    }
    Ok(())
}
