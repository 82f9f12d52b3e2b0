//! `dlq list`'s overview: distinct records counted once, duplicates and unknown messages apart.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use deadletter::{DeadLetter, Overview};

const POINTER: &str = r#"{"requestContext":{"requestId":"r","functionArn":"f","condition":"RetryAttemptsExhausted","approximateInvokeCount":3},
    "responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},"version":"1.0","timestamp":"2026-11-25T10:00:00.000Z",
    "KinesisBatchInfo":{"shardId":"shardId-000000000000","startSequenceNumber":"10","endSequenceNumber":"19","approximateArrivalOfFirstRecord":"2026-11-25T09:59:00.000Z",
    "approximateArrivalOfLastRecord":"2026-11-25T09:59:01.000Z","batchSize":10,"streamArn":"arn:aws:kinesis:us-east-1:1:stream/s"}}"#;
const POISON: &str = r#"{"kind":"poison","reason":"not_json","detail":"d","streamArn":"a","shardId":"shardId-000000000000","sequenceNumber":"7","partitionKey":"k","dataIncluded":true,"data":"eA=="}"#;

#[test]
fn overview_counts_distinct_records_and_duplicates() {
    let letters: Vec<Option<DeadLetter>> = [POINTER, POINTER, POISON, POISON, "x"]
        .iter()
        .map(|b| DeadLetter::parse(b))
        .collect();
    let overview = Overview::of(letters.iter().map(Option::as_ref), |_| Some(false));
    assert_eq!(overview.messages, 5);
    assert_eq!(overview.duplicates, 2);
    assert_eq!(overview.unknown, 1);
    assert_eq!(overview.poison_by_reason["not_json"], 1);
    let shard = &overview.batches_by_shard["shardId-000000000000"];
    assert_eq!((shard.pointers, shard.records, shard.expired), (1, 10, 1));
}

#[test]
fn a_poison_message_without_a_reason_counts_as_unknown() {
    let letter = DeadLetter::parse(r#"{"kind":"poison","sequenceNumber":"1"}"#);
    let overview = Overview::of([letter.as_ref()], |_| None);
    assert_eq!(overview.poison_by_reason["unknown"], 1);
}

#[test]
fn the_json_reads_back() {
    let letters = [DeadLetter::parse(POINTER), DeadLetter::parse(POISON), None];
    let overview = Overview::of(letters.iter().map(Option::as_ref), |_| Some(true));
    let text = serde_json::to_string(&overview).unwrap();
    assert_eq!(serde_json::from_str::<Overview>(&text).unwrap(), overview);
    assert_eq!(
        text,
        r#"{"messages":3,"duplicates":0,"poison_by_reason":{"not_json":1},"batches_by_shard":{"shardId-000000000000":{"pointers":1,"records":10,"expired":0}},"unknown":1}"#
    );
}
