//! Every route and every error status of the proxy, through `Proxy::handle` over the in-memory
//! Kinesis: what is answered, what reaches Kinesis (nothing, for a refused request), and how
//! throttled PutRecords entries and calls are retried within the budget.

mod support;

use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use streams::kinesis::PutRecordsResultEntry;
use streams::{KinesisError, MemoryStreams, Operation, Proxy};
use support::{INGESTION, PREFIX, config, config_with, deadline, fast_timing, list_request, own, read, request};

const PROXY_A: &str = "mystack-proxy-a";

fn proxy(management: bool) -> Proxy<MemoryStreams> {
    let memory = MemoryStreams::new();
    memory.add_stream(INGESTION, 2);
    Proxy::new(memory, config(management)).with_timing(fast_timing())
}

async fn call(
    proxy: &Proxy<MemoryStreams>,
    request: aws_lambda_events::apigw::ApiGatewayV2httpRequest,
) -> support::Answer {
    read(proxy.handle(request, deadline()).await)
}

fn put_records_body(keys: &[&str]) -> String {
    let records: Vec<Value> = keys
        .iter()
        .enumerate()
        .map(|(n, key)| json!({"data": {"n": n, "key": key}, "partition-key": key}))
        .collect();
    json!({ "records": records }).to_string()
}

fn total_calls(memory: &MemoryStreams) -> usize {
    [
        Operation::ListStreams,
        Operation::DescribeStream,
        Operation::CreateStream,
        Operation::DeleteStream,
        Operation::PutRecord,
        Operation::PutRecords,
    ]
    .into_iter()
    .map(|op| memory.calls(op))
    .sum()
}

// ---- GET /streams -------------------------------------------------------------------------------

#[tokio::test]
async fn list_shows_only_this_stacks_streams_with_summaries() {
    let proxy = proxy(false);
    for name in [
        "mystack-proxy-b",
        "other-events",
        "mystack-proxy-a",
        "mystack-proxy-",
        "zzz",
    ] {
        proxy.api().add_stream(name, 1);
    }
    let answer = call(&proxy, list_request(&[])).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body["StreamNames"],
        json!([INGESTION, "mystack-proxy-a", "mystack-proxy-b"])
    );
    assert_eq!(answer.body["HasMoreStreams"], false);
    let summaries = answer.body["StreamSummaries"].as_array().unwrap();
    assert_eq!(summaries.len(), 3);
    assert_eq!(
        summaries[1],
        json!({
            "StreamName": "mystack-proxy-a",
            "StreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/mystack-proxy-a",
            "StreamStatus": "ACTIVE",
            "StreamModeDetails": {"StreamMode": "PROVISIONED"},
            "StreamCreationTimestamp": 1_764_000_000.0
        })
    );
}

#[tokio::test]
async fn list_limit_caps_the_names() {
    let proxy = proxy(false);
    for name in ["mystack-proxy-a", "mystack-proxy-b", "aaa"] {
        proxy.api().add_stream(name, 1);
    }
    let answer = call(&proxy, list_request(&[("limit", "2")])).await;
    assert_eq!(answer.body["StreamNames"], json!([INGESTION, "mystack-proxy-a"]));
    assert_eq!(answer.body["HasMoreStreams"], true);
    assert_eq!(answer.body["StreamSummaries"].as_array().unwrap().len(), 2);
    let answer = call(&proxy, list_request(&[("limit", "3")])).await;
    assert_eq!(answer.body["HasMoreStreams"], false);

    for bad in ["0", "10001", "two", "-1"] {
        let calls = proxy.api().calls(Operation::ListStreams);
        let answer = call(&proxy, list_request(&[("limit", bad)])).await;
        assert_eq!(answer.status, 400, "{bad}");
        assert_eq!(answer.error_type(), "InvalidArgumentException");
        assert_eq!(answer.message(), "limit: must be a whole number from 1 to 10000");
        assert_eq!(
            proxy.api().calls(Operation::ListStreams),
            calls,
            "refused before Kinesis"
        );
    }
}

#[tokio::test]
async fn list_without_summaries_answers_an_empty_summary_list() {
    let proxy = proxy(false);
    proxy.api().set_summaries(false);
    let answer = call(&proxy, list_request(&[])).await;
    assert_eq!(answer.body["StreamNames"], json!([INGESTION]));
    assert_eq!(answer.body["StreamSummaries"], json!([]));
}

#[tokio::test]
async fn list_errors() {
    let proxy = proxy(false);
    proxy.api().fail_next(
        Operation::ListStreams,
        KinesisError::from_code(Some("LimitExceededException"), Some("Rate exceeded")),
    );
    let answer = call(&proxy, list_request(&[])).await;
    assert_eq!((answer.status, answer.error_type()), (429, "LimitExceededException"));
    assert_eq!(answer.message(), "Rate exceeded");
    proxy.api().fail_next(
        Operation::ListStreams,
        KinesisError::from_code(Some("AccessDeniedException"), Some("no kinesis:ListStreams")),
    );
    let answer = call(&proxy, list_request(&[])).await;
    assert_eq!((answer.status, answer.error_type()), (403, "AccessDeniedException"));
}

// ---- GET /streams/{streamName} ------------------------------------------------------------------

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

// ---- POST and DELETE /streams/{streamName} ------------------------------------------------------

#[tokio::test]
async fn management_off_refuses_create_and_delete_before_kinesis() {
    let proxy = proxy(false);
    proxy.api().add_stream(PROXY_A, 1);
    own(proxy.api(), PROXY_A);
    for route in ["POST /streams/{streamName}", "DELETE /streams/{streamName}"] {
        for stream in [PROXY_A, INGESTION, "other"] {
            let answer = call(&proxy, request(route, Some(stream), Some(r#"{"ShardCount":1}"#))).await;
            assert_eq!((answer.status, answer.error_type()), (403, "AccessDeniedException"));
            assert!(
                answer.message().contains("StreamManagement=false"),
                "{}",
                answer.message()
            );
        }
    }
    assert_eq!(total_calls(proxy.api()), 0);
    assert!(proxy.api().has_stream(PROXY_A));
}

#[tokio::test]
async fn create_with_default_count_shard_count_or_on_demand() {
    let memory = MemoryStreams::new();
    memory.add_stream(INGESTION, 2);
    let config = config_with(
        INGESTION,
        PREFIX,
        &[("STREAM_MANAGEMENT", "true"), ("PROXY_ON_DEMAND", "true")],
    );
    let proxy = Proxy::new(memory, config).with_timing(fast_timing());
    let create =
        |stream: &'static str, body: Option<&'static str>| request("POST /streams/{streamName}", Some(stream), body);
    for (stream, body, capacity) in [
        ("mystack-proxy-none", None, (1, "PROVISIONED")),
        ("mystack-proxy-empty", Some(""), (1, "PROVISIONED")),
        ("mystack-proxy-obj", Some("{}"), (1, "PROVISIONED")),
        ("mystack-proxy-three", Some(r#"{"ShardCount": 3}"#), (3, "PROVISIONED")),
        (
            "mystack-proxy-od",
            Some(r#"{"StreamMode":"ON_DEMAND"}"#),
            (4, "ON_DEMAND"),
        ),
    ] {
        let answer = call(&proxy, create(stream, body)).await;
        assert_eq!(answer.status, 200, "{stream}: {:?}", answer.body);
        assert_eq!(answer.body, json!({}));
        assert_eq!(proxy.api().capacity(stream), Some(capacity), "{stream}");
    }
    // A base64-encoded body (API Gateway encodes what it does not take for text).
    let mut encoded = create("mystack-proxy-b64", Some("eyJTaGFyZENvdW50IjogMn0="));
    encoded.is_base64_encoded = true;
    assert_eq!(call(&proxy, encoded).await.status, 200);
    assert_eq!(proxy.api().capacity("mystack-proxy-b64"), Some((2, "PROVISIONED")));
}

#[tokio::test]
async fn create_errors() {
    let proxy = proxy(true);
    let create = |stream: &str, body: &str| request("POST /streams/{streamName}", Some(stream), Some(body));
    let before = total_calls(proxy.api());
    let answer = call(&proxy, create(PROXY_A, r#"{"ShardCount": 5}"#)).await;
    assert_eq!((answer.status, answer.error_type()), (400, "InvalidArgumentException"));
    assert_eq!(
        answer.message(),
        "ShardCount: 5, at most 4 (MAX_SHARD_COUNT, a cost guard)"
    );
    let answer = call(&proxy, create(PROXY_A, r#"{"ShardCount": 0}"#)).await;
    assert_eq!(answer.status, 400);
    let answer = call(&proxy, create(PROXY_A, "{not json")).await;
    assert_eq!((answer.status, answer.error_type()), (400, "SerializationException"));
    let answer = call(&proxy, create(INGESTION, "{}")).await;
    assert_eq!((answer.status, answer.error_type()), (403, "AccessDeniedException"));
    assert_eq!(
        answer.message(),
        "mystack-events is this stack's ingestion stream: it cannot be created or deleted through this API"
    );
    let answer = call(&proxy, create("other-stream", "{}")).await;
    assert_eq!(answer.status, 403);
    let mut bad_base64 = create(PROXY_A, "%%%");
    bad_base64.is_base64_encoded = true;
    let answer = call(&proxy, bad_base64).await;
    assert_eq!((answer.status, answer.message()), (400, "body: not valid base64"));
    assert_eq!(total_calls(proxy.api()), before, "refused before any Kinesis call");

    assert_eq!(call(&proxy, create(PROXY_A, "{}")).await.status, 200);
    let answer = call(&proxy, create(PROXY_A, "{}")).await;
    assert_eq!((answer.status, answer.error_type()), (409, "ResourceInUseException"));

    proxy.api().fail_next(
        Operation::CreateStream,
        KinesisError::from_code(Some("LimitExceededException"), Some("shard limit")),
    );
    let answer = call(&proxy, create("mystack-proxy-new", "{}")).await;
    assert_eq!((answer.status, answer.error_type()), (429, "LimitExceededException"));
}

#[tokio::test]
async fn delete_then_404_and_409_while_not_active() {
    let proxy = proxy(true);
    proxy.api().add_stream(PROXY_A, 1);
    own(proxy.api(), PROXY_A);
    let delete = |stream: &str| request("DELETE /streams/{streamName}", Some(stream), None);
    let answer = call(&proxy, delete(PROXY_A)).await;
    assert_eq!((answer.status, &answer.body), (200, &json!({})));
    assert!(!proxy.api().has_stream(PROXY_A));
    let answer = call(&proxy, delete(PROXY_A)).await;
    assert_eq!((answer.status, answer.error_type()), (404, "ResourceNotFoundException"));

    proxy.api().add_stream("mystack-proxy-busy", 1);

    own(proxy.api(), "mystack-proxy-busy");
    proxy.api().set_status("mystack-proxy-busy", "CREATING");
    let answer = call(&proxy, delete("mystack-proxy-busy")).await;
    assert_eq!((answer.status, answer.error_type()), (409, "ResourceInUseException"));

    let answer = call(&proxy, delete(INGESTION)).await;
    assert_eq!(answer.status, 403);
    assert!(proxy.api().has_stream(INGESTION));
}

// ---- PUT /streams/{streamName}/record -----------------------------------------------------------

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
async fn put_record_retries_a_throttled_call() {
    let proxy = proxy(false);
    for _ in 0..2 {
        proxy.api().fail_next(
            Operation::PutRecord,
            KinesisError::from_code(Some("ProvisionedThroughputExceededException"), Some("slow down")),
        );
    }
    let body = r#"{"Data": 1, "PartitionKey": "k"}"#;
    let answer = call(
        &proxy,
        request("PUT /streams/{streamName}/record", Some(INGESTION), Some(body)),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(proxy.api().calls(Operation::PutRecord), 3);
    assert_eq!(proxy.api().records(INGESTION).len(), 1);
}

// ---- PUT /streams/{streamName}/records ----------------------------------------------------------

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
async fn whole_call_throttling_is_retried() {
    let proxy = proxy(false);
    for _ in 0..3 {
        proxy.api().fail_next(
            Operation::PutRecords,
            KinesisError::from_code(Some("ThrottlingException"), Some("Rate exceeded")),
        );
    }
    let body = put_records_body(&["a", "b"]);
    let answer = call(
        &proxy,
        request("PUT /streams/{streamName}/records", Some(INGESTION), Some(&body)),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["FailedRecordCount"], 0);
    assert_eq!(proxy.api().calls(Operation::PutRecords), 4);
}

#[tokio::test]
async fn whole_call_throttling_past_the_budget() {
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
    assert!(proxy.api().calls(Operation::PutRecords) > 2);
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

// ---- anything else ------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_routes_are_404_not_found() {
    let proxy = proxy(true);
    for key in [
        "GET /nope",
        "$default",
        "PATCH /streams/{streamName}",
        "GET /streams/{streamName}/records",
    ] {
        let answer = call(&proxy, request(key, Some(INGESTION), None)).await;
        assert_eq!(
            (answer.status, &answer.body),
            (404, &json!({"message": "Not Found", "type": "NotFound"}))
        );
    }
    let mut no_key = request("GET /streams", None, None);
    no_key.route_key = None;
    assert_eq!(call(&proxy, no_key).await.status, 404);
    assert_eq!(total_calls(proxy.api()), 0);
}

#[tokio::test]
async fn an_unreadable_event_is_a_400_response() {
    let proxy = proxy(false);
    for payload in [
        r#"{"routeKey": "GET /streams"}"#,
        "[]",
        "null",
        r#"{"requestContext": 5}"#,
    ] {
        let raw = serde_json::value::RawValue::from_string(payload.to_string()).unwrap();
        let answer = read(proxy.handle_event(&raw, deadline()).await);
        assert_eq!(
            (answer.status, answer.error_type()),
            (400, "SerializationException"),
            "{payload}"
        );
    }
}

/// Random bodies (and random base64 flags) on every route: always a JSON response with a known
/// status, never a panic.
#[tokio::test]
async fn any_body_gets_an_answer() {
    let proxy = proxy(true);
    proxy.api().add_stream(PROXY_A, 1);
    own(proxy.api(), PROXY_A);
    let mut rng = fastrand::Rng::with_seed(7);
    let pieces = [
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "\\",
        "Data",
        "\"Data\"",
        "\"PartitionKey\"",
        "\"records\"",
        "\"Records\"",
        "\"data\"",
        "\"partition-key\"",
        "\"ShardCount\"",
        "\"StreamMode\"",
        "1e999",
        "-0",
        "null",
        "true",
        "\"k\"",
        " ",
        "\u{0}",
        "é",
        "12345678901234567890123456789",
    ];
    let routes = [
        "GET /streams",
        "GET /streams/{streamName}",
        "POST /streams/{streamName}",
        "DELETE /streams/{streamName}",
        "PUT /streams/{streamName}/record",
        "PUT /streams/{streamName}/records",
    ];
    for _ in 0..2000 {
        let body: String = (0..rng.usize(0..24))
            .map(|_| pieces[rng.usize(..pieces.len())])
            .collect();
        let route = routes[rng.usize(..routes.len())];
        let stream = if rng.bool() { "mystack-proxy-x" } else { PROXY_A };
        let mut request = request(route, Some(stream), Some(&body));
        request.is_base64_encoded = rng.u8(..) < 20;
        let answer = call(&proxy, request).await;
        assert!(
            [200, 400, 404, 409, 413].contains(&answer.status),
            "{route} {body:?}: {} {:?}",
            answer.status,
            answer.body
        );
    }
}
