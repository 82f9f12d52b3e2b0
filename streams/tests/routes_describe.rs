//! `GET /streams/{streamName}` (DescribeStream) through `Proxy::handle` over the in-memory Kinesis:
//! Kinesis's shape, the refusals made before Kinesis is called, Kinesis's errors, and a call cut off
//! at the invocation's deadline.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use std::time::{Duration, Instant, SystemTime};

use serde_json::json;
use streams::{KinesisError, Operation};
use support::routes::{call, proxy, total_calls};
use support::{INGESTION, read, request};

#[tokio::test]
async fn describe_answers_kinesis_shape() {
    let proxy = proxy(false);
    let answer = call(&proxy, request("GET /streams/{streamName}", Some(INGESTION), None)).await;
    assert_eq!(answer.status, 200);
    let description = &answer.body["StreamDescription"];
    assert_eq!(description["StreamName"], INGESTION);
    assert_eq!(description["StreamStatus"], "ACTIVE");
    assert_eq!(description["StreamModeDetails"], json!({"StreamMode": "PROVISIONED"}));
    assert_eq!(description["HasMoreShards"], false);
    assert_eq!(description["RetentionPeriodHours"], 24);
    assert_eq!(description["EncryptionType"], "NONE");
    assert!(description["StreamCreationTimestamp"].is_number());
    assert_eq!(description["EnhancedMonitoring"], json!([{"ShardLevelMetrics": []}]));
    let shards = description["Shards"].as_array().unwrap();
    assert_eq!(shards.len(), 2);
    assert_eq!(shards[0]["ShardId"], "shardId-000000000000");
    assert_eq!(shards[0]["HashKeyRange"]["StartingHashKey"], "0");
    assert_eq!(shards[1]["HashKeyRange"]["EndingHashKey"], u128::MAX.to_string());
    assert!(shards[0]["SequenceNumberRange"]["StartingSequenceNumber"].is_string());
    assert!(shards[0].get("ParentShardId").is_none());
}

#[tokio::test]
async fn describe_errors() {
    let proxy = proxy(false);
    let answer = call(
        &proxy,
        request("GET /streams/{streamName}", Some("mystack-proxy-gone"), None),
    )
    .await;
    assert_eq!((answer.status, answer.error_type()), (404, "ResourceNotFoundException"));
    assert!(answer.message().contains("mystack-proxy-gone"));

    proxy.api().add_stream("someone-elses", 1);
    let before = total_calls(proxy.api());
    let answer = call(
        &proxy,
        request("GET /streams/{streamName}", Some("someone-elses"), None),
    )
    .await;
    assert_eq!((answer.status, answer.error_type()), (403, "AccessDeniedException"));
    assert_eq!(
        answer.message(),
        "stream someone-elses is not one this stack may use (only mystack-events and streams named mystack-proxy-*)"
    );
    let answer = call(&proxy, request("GET /streams/{streamName}", Some("bad name!"), None)).await;
    assert_eq!((answer.status, answer.error_type()), (400, "InvalidArgumentException"));
    assert_eq!(
        answer.message(),
        "streamName: ' ' is not allowed: only letters, digits, '_', '.' and '-'"
    );
    let answer = call(&proxy, request("GET /streams/{streamName}", None, None)).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.message(), "streamName: missing path parameter");
    assert_eq!(total_calls(proxy.api()), before, "refused before any Kinesis call");

    for (code, status) in [
        ("KMSDisabledException", 500),
        ("InternalFailureException", 500),
        ("AccessDeniedException", 403),
        ("ProvisionedThroughputExceededException", 429),
    ] {
        proxy.api().fail_next(
            Operation::DescribeStream,
            KinesisError::from_code(Some(code), Some("m")),
        );
        let answer = call(&proxy, request("GET /streams/{streamName}", Some(INGESTION), None)).await;
        assert_eq!((answer.status, answer.error_type()), (status, code));
    }
    proxy.api().fail_next(
        Operation::DescribeStream,
        KinesisError::Unavailable {
            message: "Kinesis could not be reached".into(),
        },
    );
    let answer = call(&proxy, request("GET /streams/{streamName}", Some(INGESTION), None)).await;
    assert_eq!((answer.status, answer.error_type()), (503, "ServiceUnavailable"));
}

#[tokio::test]
async fn a_kinesis_call_past_the_deadline_is_a_503_in_time() {
    let proxy = proxy(false);
    proxy.api().set_delay(Duration::from_secs(5));
    let started = Instant::now();
    let response = proxy
        .handle(
            request("GET /streams/{streamName}", Some(INGESTION), None),
            SystemTime::now() + Duration::from_millis(300),
        )
        .await;
    let answer = read(response);
    assert_eq!((answer.status, answer.error_type()), (503, "ServiceUnavailable"));
    assert!(answer.message().contains("deadline"), "{}", answer.message());
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "answered before the deadline"
    );
}
