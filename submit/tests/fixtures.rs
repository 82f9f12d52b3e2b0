//! The sample events in `events/` (the ones `cargo lambda invoke submit --data-file` sends) through
//! the function's handler over in-memory streams.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::time::{Duration, SystemTime};

use serde_json::value::RawValue;
use streams::MemoryStreams;
use submit::{Answer, Config, Submitter};

const STREAM: &str = "streamgate-local-events";

fn fixture(name: &str) -> (Box<RawValue>, serde_json::Value) {
    let path = testkit::workspace_root().join("events").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value = serde_json::from_str(&text).expect("JSON");
    (RawValue::from_string(text).expect("JSON"), value)
}

#[tokio::test]
async fn the_post_event_stores_its_body_byte_for_byte() {
    let streams = MemoryStreams::new();
    streams.add_stream(STREAM, 1);
    let submitter = Submitter::new(
        streams,
        Config {
            ingestion_stream: STREAM.into(),
        },
    );
    let (raw, event) = fixture("submit-post.json");
    let answer = submitter
        .handle_event(&raw, SystemTime::now() + Duration::from_secs(10))
        .await;
    assert!(matches!(answer, Answer::Stored(_)), "{answer:?}");
    let stored = submitter.api().records(STREAM);
    assert_eq!(stored.len(), 1);
    let body = event["body"].as_str().expect("a text body");
    assert!(body.contains("\r\n"), "the sample keeps its CRLFs");
    assert_eq!(stored[0].data, body.as_bytes());
    assert_eq!(stored[0].partition_key, event["pathParameters"]["eventId"]);
}

#[test]
fn every_fixture_is_covered() {
    let dir = testkit::workspace_root().join("events");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("events/")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("submit-"))
        .collect();
    names.sort();
    assert_eq!(names, ["submit-post.json"], "a new submit fixture needs a test here");
}
