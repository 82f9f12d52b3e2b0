//! The dead-letter path: poison reaches the sink with its reason, a failed send is redelivered and
//! never dropped, unreadable records, and messages over the queue's limit.

use std::collections::BTreeMap;

use deadletter::PoisonMessage;

use super::*;
use crate::event::UnreadableRecord;
use crate::record::Poison;

#[tokio::test]
async fn poison_goes_to_the_sink_with_its_reason() {
    let consumer = consumer();
    consumer.store().reject("rejected");
    let batch = [
        valid("a", 1),
        record("b", 2, b"not json"),
        valid("rejected", 3),
        record("c", 4, br#"{"_sg_seq":"1"}"#),
    ];
    let outcomes = consumer.process(&batch).await;
    assert_eq!(outcomes[0], Outcome::Written);
    assert!(matches!(outcomes[1], Outcome::Poison(Poison::NotJson { .. })));
    assert!(matches!(outcomes[2], Outcome::Poison(Poison::RejectedByDynamoDb(_))));
    assert_eq!(outcomes[3], Outcome::Poison(Poison::ReservedName));
    let reasons: BTreeMap<String, String> = consumer
        .dead_letters()
        .poison()
        .into_iter()
        .map(|m| (m.sequence_number.unwrap(), m.reason))
        .collect();
    assert_eq!(
        reasons,
        BTreeMap::from([
            (sequence(2), "not_json".to_string()),
            (sequence(3), "rejected_by_dynamodb".to_string()),
            (sequence(4), "reserved_name".to_string()),
        ])
    );
    assert!(response(&batch, &outcomes).unwrap().batch_item_failures.is_empty());
}

#[tokio::test]
async fn a_failed_dead_letter_send_is_reported_never_dropped() {
    let consumer = consumer();
    let outage = FailureReason::Service {
        code: "InternalError".into(),
    };
    consumer.dead_letters().fail_sequence(sequence(2), outage.clone());
    let batch = [record("a", 1, b"[1]"), record("b", 2, b"[2]"), valid("c", 3)];
    let outcomes = consumer.process(&batch).await;
    assert_eq!(outcomes[0], Outcome::Poison(Poison::NotAnObject));
    let send_failed = Outcome::Failed(FailureReason::DeadLetterSend(Box::new(outage)));
    assert_eq!(outcomes[1], send_failed);
    assert_eq!(outcomes[2], Outcome::Written);
    assert_eq!(failed_ids(&response(&batch, &outcomes).unwrap()), vec![sequence(2)]);
    assert_eq!(consumer.dead_letters().messages().len(), 1);

    // The queue recovers: the redelivered record is dead-lettered this time.
    consumer.dead_letters().clear_faults();
    assert_eq!(
        consumer.process(&batch[1..]).await[0],
        Outcome::Poison(Poison::NotAnObject)
    );
    assert_eq!(consumer.dead_letters().messages().len(), 2);
}

#[tokio::test]
async fn an_unreadable_record_is_poison_and_without_a_sequence_number_fails_the_invocation() {
    let consumer = consumer();
    let unreadable = |sequence_number: Option<String>| {
        BatchRecord::Unreadable(UnreadableRecord {
            detail: "not a Kinesis record".into(),
            sequence_number,
            ..UnreadableRecord::default()
        })
    };
    let batch = [valid("a", 1), unreadable(Some(sequence(2))), unreadable(None)];
    let outcomes = consumer.process(&batch).await;
    assert_eq!(outcomes[0], Outcome::Written);
    for outcome in &outcomes[1..] {
        assert_eq!(
            outcome,
            &Outcome::Poison(Poison::UnreadableRecord("not a Kinesis record".into()))
        );
    }
    let messages = consumer.dead_letters().poison();
    assert_eq!(
        messages.len(),
        2,
        "both dead-lettered, with or without a sequence number"
    );
    assert!(messages.iter().all(|m| m.reason == "unreadable_record"));

    // The queue is down: the one with a sequence number is reported, the other cannot be.
    consumer.dead_letters().fail_all(FailureReason::Timeout);
    let outcomes = consumer.process(&batch).await;
    assert!(matches!(outcomes[1], Outcome::Failed(FailureReason::DeadLetterSend(_))));
    assert!(matches!(outcomes[2], Outcome::Failed(FailureReason::DeadLetterSend(_))));
    assert_eq!(response(&batch, &outcomes), Err(UnreportableFailure { records: 1 }));
    assert_eq!(
        response(&batch[..2], &outcomes[..2]).map(|r| failed_ids(&r)),
        Ok(vec![sequence(2)])
    );
}

#[tokio::test]
async fn a_poison_record_over_the_queue_limit_is_sent_without_its_data() {
    let consumer = Consumer::new(MemoryStore::new(), MemorySink::with_max_message_bytes(4096));
    let outcomes = consumer.process(&[record("big", 1, &[b'x'; 8192])]).await;
    assert!(matches!(outcomes[0], Outcome::Poison(Poison::NotJson { .. })));
    let messages = consumer.dead_letters().messages();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].len() <= 4096);
    let message: PoisonMessage = serde_json::from_str(&messages[0]).unwrap();
    assert!(!message.data_included);
    assert_eq!(message.data_bytes, Some(8192));
}
