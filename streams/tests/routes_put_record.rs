//! `PUT /streams/{streamName}/record` (PutRecord) through `Proxy::handle` over the in-memory Kinesis:
//! the compact JSON stored, the refusals made before Kinesis is called, and a throttled call answered
//! after one call (the SDK retries a throttled call, not the proxy).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use serde_json::json;
use streams::{KinesisError, Operation};
use support::routes::{call, proxy, total_calls};
use support::{INGESTION, request};

#[tokio::test]
async fn put_record_stores_the_compact_json() {
    let proxy = proxy(false);
    let body = r#"{ "Data" : { "big": 123456789012345678901234567890.000, "s": "a  \"b\" c", "n": [ 1 , 2 ] },
        "PartitionKey": "evt-1" }"#;
    let answer = call(
        &proxy,
        request("PUT /streams/{streamName}/record", Some(INGESTION), Some(body)),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let stored = proxy.api().records(INGESTION);
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].data,
        br#"{"big":123456789012345678901234567890.000,"s":"a  \"b\" c","n":[1,2]}"#
    );
    assert_eq!(
        answer.body,
        json!({"SequenceNumber": stored[0].sequence_number, "ShardId": stored[0].shard_id})
    );

    proxy.api().set_encryption_type(Some("KMS"));
    let answer = call(
        &proxy,
        request(
            "PUT /streams/{streamName}/record",
            Some(INGESTION),
            Some(r#"{"Data":1,"PartitionKey":"k"}"#),
        ),
    )
    .await;
    assert_eq!(answer.body["EncryptionType"], "KMS");
}

#[tokio::test]
async fn put_record_errors() {
    let proxy = proxy(false);
    let put = |stream: &str, body: &str| request("PUT /streams/{streamName}/record", Some(stream), Some(body));
    let too_big = format!(r#"{{"Data": "{}", "PartitionKey": "k"}}"#, "x".repeat(1_048_576));
    let long_key = format!(r#"{{"Data": 1, "PartitionKey": "{}"}}"#, "k".repeat(257));
    let cases: [(&str, &str, i64, &str, &str); 7] = [
        (
            INGESTION,
            &too_big,
            413,
            "InvalidArgumentException",
            "Data + PartitionKey: 1048579 bytes, at most 1048576",
        ),
        (
            INGESTION,
            &long_key,
            400,
            "InvalidArgumentException",
            "PartitionKey: 257 characters, at most 256",
        ),
        (
            INGESTION,
            r#"{"Data": 1}"#,
            400,
            "InvalidArgumentException",
            "PartitionKey: missing",
        ),
        (
            INGESTION,
            r#"{"Data": 1, "PartitionKey": 1}"#,
            400,
            "SerializationException",
            "PartitionKey: must be a string",
        ),
        (
            INGESTION,
            "",
            400,
            "SerializationException",
            "body: empty, expected a JSON object",
        ),
        (
            INGESTION,
            "[]",
            400,
            "SerializationException",
            "body: must be a JSON object",
        ),
        (
            "other",
            r#"{"Data": 1, "PartitionKey": "k"}"#,
            403,
            "AccessDeniedException",
            "stream other is not one this stack may use (only mystack-events and streams named mystack-proxy-*)",
        ),
    ];
    for (stream, body, status, error_type, message) in cases {
        let answer = call(&proxy, put(stream, body)).await;
        assert_eq!(
            (answer.status, answer.error_type(), answer.message()),
            (status, error_type, message)
        );
    }
    assert_eq!(total_calls(proxy.api()), 0, "refused before any Kinesis call");

    let answer = call(
        &proxy,
        put("mystack-proxy-missing", r#"{"Data": 1, "PartitionKey": "k"}"#),
    )
    .await;
    assert_eq!((answer.status, answer.error_type()), (404, "ResourceNotFoundException"));
}

#[tokio::test]
async fn a_throttled_put_record_is_one_call_answered_429() {
    let proxy = proxy(false);
    // Kinesis through the SDK answers this only once the SDK's own retries are spent.
    proxy.api().fail_next(
        Operation::PutRecord,
        KinesisError::from_code(Some("ProvisionedThroughputExceededException"), Some("slow down")),
    );
    let body = r#"{"Data": 1, "PartitionKey": "k"}"#;
    let put = || request("PUT /streams/{streamName}/record", Some(INGESTION), Some(body));
    let answer = call(&proxy, put()).await;
    assert_eq!(
        (answer.status, answer.error_type(), answer.message()),
        (429, "ProvisionedThroughputExceededException", "slow down")
    );
    assert_eq!(
        proxy.api().calls(Operation::PutRecord),
        1,
        "not retried on top of the SDK"
    );
    assert!(proxy.api().records(INGESTION).is_empty());

    // The client's retry is a new request.
    let answer = call(&proxy, put()).await;
    assert_eq!(answer.status, 200);
    assert_eq!(proxy.api().calls(Operation::PutRecord), 2);
    assert_eq!(proxy.api().records(INGESTION).len(), 1);
}
