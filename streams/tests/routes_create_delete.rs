//! `POST` and `DELETE /streams/{streamName}` (CreateStream, DeleteStream) through `Proxy::handle` over
//! the in-memory Kinesis: only with stream management on, the capacities a body may ask for, and the
//! refusals and Kinesis errors of each.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use serde_json::json;
use streams::{KinesisError, MemoryStreams, Operation, Proxy};
use support::routes::{PROXY_A, call, proxy, total_calls};
use support::{INGESTION, PREFIX, config_with, fast_timing, own, request};

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
