//! `GET /streams` (ListStreams) through `Proxy::handle` over the in-memory Kinesis: only this stack's
//! streams, with their summaries, `?limit`, and Kinesis's errors.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use serde_json::json;
use streams::{KinesisError, Operation};
use support::routes::{call, proxy};
use support::{INGESTION, list_request};

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
