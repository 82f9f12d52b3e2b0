use super::*;
use crate::kafka::memory::MemoryKafka;

fn record(size: usize) -> ProduceRecord {
    ProduceRecord {
        key: None,
        value: Some(vec![b'x'; size]),
        partition: None,
    }
}

fn later(ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(ms)
}

fn retriable(stale: bool) -> KafkaError {
    KafkaError::Request {
        retry: Retry::Retriable,
        reason: "broker error NotLeaderOrFollower".into(),
        stale_metadata: stale,
    }
}

#[test]
fn batches_keep_request_order_per_partition_and_stay_under_the_size() {
    let records: Vec<ProduceRecord> = (0..7).map(|_| record(200 * 1024)).collect();
    let placed = [0, 1, 0, 0, 1, 0, 0];
    let by_partition = batches(records, &placed);
    let zero: Vec<Vec<usize>> = by_partition[&0].iter().map(|b| b.indices.clone()).collect();
    // 200 KiB each: two per 512 KiB batch.
    assert_eq!(zero, vec![vec![0, 2], vec![3, 5], vec![6]]);
    assert_eq!(by_partition[&1].len(), 1);
    let many: Vec<ProduceRecord> = (0..2_500).map(|_| record(1)).collect();
    let counts: Vec<usize> = batches(many, &[0; 2_500])[&0].iter().map(|b| b.records.len()).collect();
    assert_eq!(counts, vec![1_000, 1_000, 500]);
}

#[tokio::test]
async fn a_leader_move_refreshes_metadata_and_retries_only_that_batch() {
    let kafka = MemoryKafka::with_topics(&[("t", 2)]);
    kafka.fail_next([retriable(true)]);
    let produced = produce(&kafka, "t", vec![record(1), record(1)], &[0, 1], later(5_000)).await;
    assert!(
        produced.offsets.iter().all(|o| o.error_code.is_none()),
        "{:?}",
        produced.offsets
    );
    assert_eq!(produced.retries, 1);
    assert_eq!(kafka.invalidations(), 1);
    // Three calls: two partitions, one of them twice; each partition holds its record once.
    assert_eq!(kafka.calls().len(), 3);
    assert_eq!(kafka.records("t", 0).len() + kafka.records("t", 1).len(), 2);
}

#[tokio::test]
async fn a_fatal_error_fails_the_batch_and_the_partitions_later_batches_only() {
    let kafka = MemoryKafka::with_topics(&[("t", 2)]);
    kafka.fail_next([KafkaError::Request {
        retry: Retry::Fatal,
        reason: "broker error MessageTooLarge".into(),
        stale_metadata: false,
    }]);
    // Partition 0: two batches (300 KiB each); partition 1 is produced after partition 0's first
    // call, since the memory cluster answers calls in order.
    let produced = produce(
        &kafka,
        "t",
        vec![record(300 * 1024), record(300 * 1024), record(1)],
        &[0, 0, 1],
        later(5_000),
    )
    .await;
    let codes: Vec<Option<u32>> = produced.offsets.iter().map(|o| o.error_code).collect();
    assert_eq!(codes, vec![Some(KAFKA_ERROR), Some(KAFKA_ERROR), None]);
    assert!(
        produced.offsets[1]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("earlier batch"))
    );
    assert!(kafka.records("t", 0).is_empty());
}

#[tokio::test]
async fn retriable_failures_past_the_deadline_come_back_as_50003() {
    let kafka = MemoryKafka::with_topics(&[("t", 1)]);
    kafka.fail_next((0..1_000).map(|_| retriable(false)));
    let produced = produce(&kafka, "t", vec![record(1)], &[0], later(300)).await;
    assert_eq!(produced.offsets[0].error_code, Some(KAFKA_RETRIABLE_ERROR));
    assert!(produced.retries >= 1);
}
