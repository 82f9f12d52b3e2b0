//! Every sample event `events/streams-*.json` (for `cargo lambda invoke --data-file`) is a genuine
//! payload-2.0 request that gets the answer its name promises, through `Proxy::handle_event` over the
//! in-memory Kinesis with the local stage's stream names.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use serde_json::value::RawValue;
use streams::{MemoryStreams, Proxy};
use support::{config_with, deadline, fast_timing, own, read};

/// The local stage's stack (`streamgate-local`): its ingestion stream and proxy prefix.
const INGESTION: &str = "streamgate-local-events";
const PREFIX: &str = "streamgate-local-proxy-";

fn proxy() -> Proxy<MemoryStreams> {
    let memory = MemoryStreams::new();
    memory.add_stream(INGESTION, 1);
    memory.add_stream("streamgate-local-proxy-demo", 1);
    own(&memory, "streamgate-local-proxy-demo");
    memory.add_stream("someone-elses-stream", 1);
    Proxy::new(memory, config_with(INGESTION, PREFIX, &[])).with_timing(fast_timing())
}

fn fixture(name: &str) -> Box<RawValue> {
    let path = testkit::workspace_root().join("events").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    RawValue::from_string(text).expect("JSON")
}

#[tokio::test]
async fn list() {
    let proxy = proxy();
    let answer = read(proxy.handle_event(&fixture("streams-list.json"), deadline()).await);
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(
        answer.body["StreamNames"],
        serde_json::json!([INGESTION, "streamgate-local-proxy-demo"])
    );
}

#[tokio::test]
async fn put_record() {
    let proxy = proxy();
    let answer = read(
        proxy
            .handle_event(&fixture("streams-put-record.json"), deadline())
            .await,
    );
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert!(answer.body["SequenceNumber"].is_string());
    let stored = proxy.api().records(INGESTION);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].partition_key, "evt-0001");
    assert_eq!(
        String::from_utf8(stored[0].data.clone()).unwrap(),
        r#"{"kind":"pin","title":"first pin","exact":12345678901234567890123456789012345678}"#
    );
}

#[tokio::test]
async fn put_records() {
    let proxy = proxy();
    let answer = read(
        proxy
            .handle_event(&fixture("streams-put-records.json"), deadline())
            .await,
    );
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["FailedRecordCount"], 0);
    assert_eq!(answer.headers["x-failed-record-count"], "0");
    let keys: Vec<String> = proxy
        .api()
        .records(INGESTION)
        .into_iter()
        .map(|r| r.partition_key)
        .collect();
    assert_eq!(keys, ["evt-0002", "evt-0003", "evt-0004"]);
}

#[test]
fn every_fixture_is_covered() {
    let dir = testkit::workspace_root().join("events");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("streams-"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "streams-list.json",
            "streams-put-record.json",
            "streams-put-records.json"
        ],
        "a new streams fixture needs a test here"
    );
}
