//! `PUT /streams/{streamName}/records` (PutRecords) through `Proxy::handle` over the in-memory Kinesis:
//! both spellings, the refusals made before Kinesis is called, failed entries re-sent alone within the
//! budget and reported per record when they still fail, and a failed whole call answered after one
//! call (the SDK retries a throttled call, not the proxy).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use streams::kinesis::PutRecordsResultEntry;
use streams::{KinesisError, MemoryStreams, Operation, Proxy};
use support::routes::{PROXY_A, call, proxy, put_records_body, total_calls};
use support::{INGESTION, PREFIX, config_with, fast_timing, own, request};

#[tokio::test]
async fn put_records_in_both_shapes() {
    let proxy = proxy(false);
    let lower = put_records_body(&["k0", "k1", "k2"]);
    let answer = call(
        &proxy,
        request("PUT /streams/{streamName}/records", Some(INGESTION), Some(&lower)),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.headers["x-failed-record-count"], "0");
    assert_eq!(answer.body["FailedRecordCount"], 0);
    let stored = proxy.api().records(INGESTION);
    let results = answer.body["Records"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for (n, (result, record)) in results.iter().zip(&stored).enumerate() {
        assert_eq!(result["SequenceNumber"], record.sequence_number.as_str());
        assert_eq!(result["ShardId"], record.shard_id.as_str());
        assert_eq!(record.partition_key, format!("k{n}"));
        // json! orders keys (serde_json without preserve_order).
        assert_eq!(record.data, format!(r#"{{"key":"k{n}","n":{n}}}"#).into_bytes());
    }
    assert!(answer.body.get("EncryptionType").is_none());

    let upper = r#"{"Records": [{"Data": {"a": 1.10}, "PartitionKey": "u"}]}"#;
    let answer = call(
        &proxy,
        request("PUT /streams/{streamName}/records", Some(PROXY_A), Some(upper)),
    )
    .await;
    assert_eq!((answer.status, answer.error_type()), (404, "ResourceNotFoundException"));
    proxy.api().add_stream(PROXY_A, 1);
    own(proxy.api(), PROXY_A);
    let answer = call(
        &proxy,
        request("PUT /streams/{streamName}/records", Some(PROXY_A), Some(upper)),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(proxy.api().records(PROXY_A)[0].data, br#"{"a":1.10}"#);
}

#[tokio::test]
async fn put_records_validation() {
    let proxy = proxy(false);
    let put = |body: &str| request("PUT /streams/{streamName}/records", Some(INGESTION), Some(body));
    let keys: Vec<String> = (0..501).map(|n| format!("k{n}")).collect();
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let answer = call(&proxy, put(&put_records_body(&key_refs))).await;
    assert_eq!(
        (answer.status, answer.message()),
        (400, "records: 501 records, at most 500")
    );
    let answer = call(&proxy, put(r#"{"records": []}"#)).await;
    assert_eq!(
        (answer.status, answer.message()),
        (400, "records: no records, at least 1")
    );
    let long = "k".repeat(300);
    let body = put_records_body(&["a", "b", "c", &long]);
    let answer = call(&proxy, put(&body)).await;
    assert_eq!(
        (answer.status, answer.error_type(), answer.message()),
        (
            400,
            "InvalidArgumentException",
            "records[3].partition-key: 300 characters, at most 256"
        )
    );
    let big = "x".repeat(1_048_576 - 10);
    let entry = json!({"data": big, "partition-key": "k"});
    let body = json!({ "records": vec![entry; 6] }).to_string();
    let answer = call(&proxy, put(&body)).await;
    assert_eq!(answer.status, 413);
    assert!(
        answer.message().starts_with("records: 6291414 bytes"),
        "{}",
        answer.message()
    );
    let body =
        json!({"records": [{"data": 1, "partition-key": "k"}, {"data": "x".repeat(1_048_576), "partition-key": "k"}]});
    let answer = call(&proxy, put(&body.to_string())).await;
    assert_eq!(
        (answer.status, answer.message()),
        (413, "records[1]: data + partition-key: 1048579 bytes, at most 1048576")
    );
    assert_eq!(total_calls(proxy.api()), 0, "refused before any Kinesis call");
}

#[tokio::test]
async fn throttled_entries_are_resent_alone_until_they_land() {
    let proxy = proxy(false);
    proxy
        .api()
        .fail_entries("k1", 2, "ProvisionedThroughputExceededException");
    proxy.api().fail_entries("k3", 1, "InternalFailure");
    let body = put_records_body(&["k0", "k1", "k2", "k3"]);
    let answer = call(
        &proxy,
        request("PUT /streams/{streamName}/records", Some(INGESTION), Some(&body)),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["FailedRecordCount"], 0);
    assert_eq!(answer.headers["x-failed-record-count"], "0");
    assert_eq!(
        proxy.api().put_records_batches(),
        vec![vec!["k0", "k1", "k2", "k3"], vec!["k1", "k3"], vec!["k1"]]
    );
    // Results stay in request order, each with the sequence number it finally got.
    let stored = proxy.api().records(INGESTION);
    for (n, result) in answer.body["Records"].as_array().unwrap().iter().enumerate() {
        let record = stored.iter().find(|r| r.partition_key == format!("k{n}")).unwrap();
        assert_eq!(result["SequenceNumber"], record.sequence_number.as_str(), "k{n}");
    }
    assert_eq!(stored.len(), 4, "each record stored once");
}

#[tokio::test]
async fn entries_failing_past_the_budget_are_reported_not_dropped() {
    let memory = MemoryStreams::new();
    memory.add_stream(INGESTION, 1);
    let config = config_with(INGESTION, PREFIX, &[("PUT_RECORDS_RETRY_BUDGET_MS", "100")]);
    let proxy = Proxy::new(memory, config).with_timing(fast_timing());
    proxy
        .api()
        .fail_entries("stuck", usize::MAX, "ProvisionedThroughputExceededException");
    proxy.api().fail_entries("kms", usize::MAX, "KMSThrottlingException");
    let body = put_records_body(&["ok", "stuck", "kms", "ok2"]);
    let started = Instant::now();
    let answer = call(
        &proxy,
        request("PUT /streams/{streamName}/records", Some(INGESTION), Some(&body)),
    )
    .await;
    let elapsed = started.elapsed();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["FailedRecordCount"], 2);
    assert_eq!(answer.headers["x-failed-record-count"], "2");
    let results = answer.body["Records"].as_array().unwrap();
    assert!(results[0]["SequenceNumber"].is_string());
    assert_eq!(results[1]["ErrorCode"], "ProvisionedThroughputExceededException");
    assert_eq!(results[2]["ErrorCode"], "KMSThrottlingException");
    assert!(results[3]["SequenceNumber"].is_string());
    assert!(elapsed >= Duration::from_millis(50), "retried for a while: {elapsed:?}");
    assert!(elapsed < Duration::from_millis(600), "within the budget: {elapsed:?}");
    let batches = proxy.api().put_records_batches();
    assert!(batches.len() > 2, "{} calls", batches.len());
    assert!(
        batches[1..].iter().all(|b| b == &["stuck"]),
        "only the throttled entry is re-sent (not the KMS one)"
    );
}

#[tokio::test]
async fn no_budget_no_retries() {
    let memory = MemoryStreams::new();
    memory.add_stream(INGESTION, 1);
    let config = config_with(INGESTION, PREFIX, &[("PUT_RECORDS_RETRY_BUDGET_MS", "0")]);
    let proxy = Proxy::new(memory, config).with_timing(fast_timing());
    proxy
        .api()
        .fail_entries("k", 1, "ProvisionedThroughputExceededException");
    let body = put_records_body(&["k"]);
    let answer = call(
        &proxy,
        request("PUT /streams/{streamName}/records", Some(INGESTION), Some(&body)),
    )
    .await;
    assert_eq!(answer.body["FailedRecordCount"], 1);
    assert_eq!(proxy.api().calls(Operation::PutRecords), 1);
}

#[tokio::test]
async fn a_throttled_call_is_not_retried_on_top_of_the_sdk() {
    let proxy = proxy(false);
    // Kinesis through the SDK answers this only once the SDK's own retries are spent.
    proxy.api().fail_next(
        Operation::PutRecords,
        KinesisError::from_code(Some("ThrottlingException"), Some("Rate exceeded")),
    );
    let body = put_records_body(&["a", "b"]);
    let put = || request("PUT /streams/{streamName}/records", Some(INGESTION), Some(&body));
    let answer = call(&proxy, put()).await;
    assert_eq!(
        (answer.status, answer.error_type(), answer.message()),
        (429, "ThrottlingException", "Rate exceeded")
    );
    assert_eq!(proxy.api().calls(Operation::PutRecords), 1);
    assert!(proxy.api().records(INGESTION).is_empty());

    // The client's retry is a new request.
    let answer = call(&proxy, put()).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["FailedRecordCount"], 0);
    assert_eq!(proxy.api().calls(Operation::PutRecords), 2);
}

#[tokio::test]
async fn whole_call_throttling_with_nothing_written_is_a_429_within_the_budget() {
    let memory = MemoryStreams::new();
    memory.add_stream(INGESTION, 1);
    let config = config_with(INGESTION, PREFIX, &[("PUT_RECORDS_RETRY_BUDGET_MS", "50")]);
    let proxy = Proxy::new(memory, config).with_timing(fast_timing());
    let throttled = || KinesisError::from_code(Some("ProvisionedThroughputExceededException"), Some("busy"));
    for _ in 0..10_000 {
        proxy.api().fail_next(Operation::PutRecords, throttled());
    }
    // Nothing was ever written: the whole request is throttled.
    let body = put_records_body(&["a", "b"]);
    let answer = call(
        &proxy,
        request("PUT /streams/{streamName}/records", Some(INGESTION), Some(&body)),
    )
    .await;
    assert_eq!(
        (answer.status, answer.error_type()),
        (429, "ProvisionedThroughputExceededException")
    );
    assert!(!answer.headers.contains_key("x-failed-record-count"));
    assert_eq!(
        proxy.api().calls(Operation::PutRecords),
        1,
        "budget left, still one call"
    );
}

#[tokio::test]
async fn a_whole_call_failure_after_partial_success_is_reported_per_record() {
    let proxy = proxy(false);
    proxy
        .api()
        .fail_entries("b", 1, "ProvisionedThroughputExceededException");
    // The first call answers ("a" lands, "b" is throttled); the re-send of "b" meets an error that
    // is not worth retrying.
    proxy.api().script(
        Operation::PutRecords,
        [
            None,
            Some(KinesisError::from_code(Some("ResourceNotFoundException"), Some("gone"))),
        ],
    );
    let body = put_records_body(&["a", "b"]);
    let answer = call(
        &proxy,
        request("PUT /streams/{streamName}/records", Some(INGESTION), Some(&body)),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["FailedRecordCount"], 1);
    assert_eq!(answer.headers["x-failed-record-count"], "1");
    let results = answer.body["Records"].as_array().unwrap();
    assert!(results[0]["SequenceNumber"].is_string());
    assert_eq!(
        results[1],
        json!({"ErrorCode": "ResourceNotFoundException", "ErrorMessage": "gone"})
    );
    assert_eq!(proxy.api().calls(Operation::PutRecords), 2);
}

#[tokio::test]
async fn whole_call_throttling_after_partial_success_is_reported_per_record() {
    let memory = MemoryStreams::new();
    memory.add_stream(INGESTION, 1);
    let config = config_with(INGESTION, PREFIX, &[("PUT_RECORDS_RETRY_BUDGET_MS", "50")]);
    let proxy = Proxy::new(memory, config).with_timing(fast_timing());
    proxy.api().fail_entries("b", 1, "InternalFailure");
    let throttled = || {
        Some(KinesisError::from_code(
            Some("ThrottlingException"),
            Some("Rate exceeded"),
        ))
    };
    proxy.api().script(
        Operation::PutRecords,
        std::iter::once(None).chain((0..10_000).map(|_| throttled())),
    );
    let body = put_records_body(&["a", "b", "c"]);
    let answer = call(
        &proxy,
        request("PUT /streams/{streamName}/records", Some(INGESTION), Some(&body)),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["FailedRecordCount"], 1);
    let results = answer.body["Records"].as_array().unwrap();
    assert!(results[0]["SequenceNumber"].is_string() && results[2]["SequenceNumber"].is_string());
    assert_eq!(results[1]["ErrorCode"], "ThrottlingException");
    // The first call, then the re-send of "b", throttled as a whole: not sent again.
    assert_eq!(proxy.api().calls(Operation::PutRecords), 2);
}

#[tokio::test]
async fn put_records_whole_call_errors_with_nothing_written() {
    let proxy = proxy(false);
    let body = put_records_body(&["a"]);
    for (error, status) in [
        (
            KinesisError::from_code(Some("KMSAccessDeniedException"), Some("kms")),
            500,
        ),
        (KinesisError::from_code(Some("AccessDeniedException"), Some("iam")), 403),
        (
            KinesisError::Unavailable {
                message: "Kinesis could not be reached".into(),
            },
            503,
        ),
    ] {
        let error_type = error.error_type().to_string();
        proxy.api().fail_next(Operation::PutRecords, error);
        let answer = call(
            &proxy,
            request("PUT /streams/{streamName}/records", Some(INGESTION), Some(&body)),
        )
        .await;
        assert_eq!((answer.status, answer.error_type()), (status, error_type.as_str()));
    }
}

#[test]
fn result_entries_serialize_as_kinesis_does() {
    let entry = PutRecordsResultEntry::failure("InternalFailure", "m");
    assert_eq!(
        serde_json::to_value(entry).unwrap(),
        json!({"ErrorCode": "InternalFailure", "ErrorMessage": "m"})
    );
}
