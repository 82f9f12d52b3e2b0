//! Collapsing each key to its newest record, writing only over older versions, failed reads and
//! writes, and the write windows.

use super::*;
use crate::record::ordered_sequence;

#[tokio::test]
async fn a_batch_collapses_each_key_to_its_newest_record() {
    let consumer = consumer();
    let outcomes = consumer
        .process(&[valid("k", 3), valid("j", 1), valid("k", 5), valid("k", 4)])
        .await;
    assert_eq!(
        outcomes,
        vec![Outcome::Stale, Outcome::Written, Outcome::Written, Outcome::Stale]
    );
    assert_eq!(stored_version(&consumer, "k").as_deref(), Some("5"));
    assert_eq!(stored_version(&consumer, "j").as_deref(), Some("1"));
    assert_eq!(consumer.store().read_calls(), 1);
    assert_eq!(consumer.store().write_calls(), 1);
}

#[tokio::test]
async fn only_records_newer_than_the_stored_item_are_written() {
    let consumer = consumer();
    consumer
        .store()
        .put_sequence("k", ordered_sequence(&sequence(500)).unwrap());
    let outcomes = consumer.process(&[valid("k", 400)]).await;
    assert_eq!(outcomes, vec![Outcome::Stale], "older than stored");
    let outcomes = consumer.process(&[valid("k", 500)]).await;
    assert_eq!(outcomes, vec![Outcome::Stale], "the stored record replayed");
    assert_eq!(stored_version(&consumer, "k"), None, "untouched so far");
    let outcomes = consumer.process(&[valid("k", 600)]).await;
    assert_eq!(outcomes, vec![Outcome::Written]);
    assert_eq!(stored_version(&consumer, "k").as_deref(), Some("600"));
    // The length prefix orders numerically: 1000 is newer than 600.
    assert_eq!(consumer.process(&[valid("k", 1000)]).await, vec![Outcome::Written]);
}

#[tokio::test]
async fn a_key_whose_read_fails_is_failed_not_written() {
    let consumer = consumer();
    consumer.store().fail_reads("k", throttled());
    let outcomes = consumer.process(&[valid("k", 1), valid("j", 2)]).await;
    assert_eq!(outcomes, vec![Outcome::Failed(throttled()), Outcome::Written]);
    assert_eq!(stored_version(&consumer, "k"), None);
}

#[tokio::test]
async fn a_transient_write_failure_is_reported_and_the_redelivery_lands() {
    let consumer = consumer();
    consumer.store().fail_writes("k", 1, FailureReason::UnprocessedItems);
    let batch = [valid("j", 1), valid("k", 2)];
    let outcomes = consumer.process(&batch).await;
    assert_eq!(
        outcomes,
        vec![Outcome::Written, Outcome::Failed(FailureReason::UnprocessedItems)]
    );
    assert_eq!(failed_ids(&response(&batch, &outcomes).unwrap()), vec![sequence(2)]);
    // Redelivered from the failed record on: it lands this time.
    assert_eq!(consumer.process(&batch[1..]).await, vec![Outcome::Written]);
    assert_eq!(stored_version(&consumer, "k").as_deref(), Some("2"));
}

#[tokio::test]
async fn items_are_built_and_written_a_window_at_a_time() {
    let consumer = consumer();
    let records: Vec<_> = (0..2 * WRITE_WINDOW as u64 + 1)
        .map(|n| valid(&format!("k{n}"), n))
        .collect();
    let outcomes = consumer.process(&records).await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Written), "{outcomes:?}");
    assert_eq!(consumer.store().write_calls(), 3);
    assert_eq!(consumer.store().items().len(), records.len());
    assert_eq!(stored_version(&consumer, "k500").as_deref(), Some("500"));

    // Windows keep the store's requests in flight busy: 64 requests of 25 items.
    let consumer = consumer_with(64);
    let records: Vec<_> = (0..1601).map(|n| valid(&format!("k{n}"), n)).collect();
    consumer.process(&records).await;
    assert_eq!(consumer.store().write_calls(), 2);
}
