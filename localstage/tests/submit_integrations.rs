//! `POST /submit` in both `SubmitIntegration` states, side by side: the `direct` Kinesis-PutRecord
//! integration and the `function` one (the submit function behind a Lambda proxy) answer every body
//! of the table with the same status and store the same bytes: the body's own.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use std::collections::HashMap;

use localstage::Stage;
use support::{PASSWORD, USERNAME, stage, submit_url};
use testkit::{HttpClient, basic};

/// Kinesis's limit on one record: data plus partition key.
const MAX_RECORD: usize = 1024 * 1024;

/// (event id, content type, body): the table of the issue.
fn bodies() -> Vec<(&'static str, Option<&'static str>, Vec<u8>)> {
    let max_key = "max-minus-key";
    vec![
        ("empty", Some("application/json"), Vec::new()),
        ("one-byte", None, b"x".to_vec()),
        (max_key, Some("text/plain"), vec![b'a'; MAX_RECORD - max_key.len()]),
        ("over-max", Some("text/plain"), vec![b'a'; MAX_RECORD + 1]),
        (
            "invalid-utf8",
            Some("application/octet-stream"),
            b"\xff\xfe{\"a\":1}\x80".to_vec(),
        ),
        (
            "thirty-digits",
            Some("application/json"),
            b"123456789012345678901234567890".to_vec(),
        ),
        (
            "pretty-crlf",
            Some("application/json"),
            b"{\r\n  \"a\": 1.50,\r\n  \"n\": 123456789012345678901234567890,\r\n  \"t\": \"\xc3\xa9\"\r\n}\r\n"
                .to_vec(),
        ),
    ]
}

/// Every record on the stage's stream, by partition key.
async fn stored(stage: &Stage) -> HashMap<String, Vec<Vec<u8>>> {
    let records = testkit::stream_records(&stage.sdk_config().await, &stage.provisioned.stream_name)
        .await
        .expect("the stream reads back");
    let mut by_key: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
    for record in records {
        by_key.entry(record.partition_key).or_default().push(record.data);
    }
    by_key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_integrations_give_the_same_status_and_store_the_same_bytes() {
    let direct = stage(&[], &[]).await;
    let function = stage(&[("SubmitIntegration", "function")], &[]).await;
    assert!(
        function.function("SubmitFunction").is_some(),
        "the submit function runs"
    );
    assert!(direct.function("SubmitFunction").is_none());
    let http = HttpClient::default();
    let auth = basic(USERNAME, PASSWORD);

    let mut statuses = Vec::new();
    for (id, content_type, body) in bodies() {
        let mut answers = Vec::new();
        for stage in [&direct, &function] {
            let mut headers = vec![("authorization", auth.as_str())];
            if let Some(content_type) = content_type {
                headers.push(("content-type", content_type));
            }
            answers.push(http.post(&submit_url(stage, id), &headers, body.clone()).await);
        }
        let [d, f] = &answers[..] else { unreachable!() };
        if d.status == 200 {
            assert_eq!(f.status, 200, "{id}: direct 200, function {} {}", f.status, f.body);
        } else {
            assert_eq!((d.status, &d.body), (f.status, &f.body), "{id}: direct vs function");
        }
        statuses.push((id, d.status));
        if d.status == 200 {
            let keys = |a: &testkit::Answer| {
                let mut keys: Vec<String> = a.json().as_object().expect("an object").keys().cloned().collect();
                keys.sort();
                keys
            };
            assert_eq!(keys(d), keys(f), "{id}: the same answer fields");
            assert!(f.json()["SequenceNumber"].as_str().is_some_and(|s| !s.is_empty()));
        }
    }
    assert_eq!(
        statuses,
        [
            ("empty", 400),
            ("one-byte", 200),
            ("max-minus-key", 200),
            ("over-max", 500),
            ("invalid-utf8", 200),
            ("thirty-digits", 200),
            ("pretty-crlf", 200),
        ]
    );

    // Another stream than the stack's: refused alike (the direct route's role is refused by IAM).
    for stage in [&direct, &function] {
        let answer = http
            .post(
                &format!("{}/submit/another-stream/x", stage.gateway_url),
                &[("authorization", auth.as_str())],
                "{}",
            )
            .await;
        assert_eq!(
            (answer.status, answer.json()["message"].as_str()),
            (500, Some("Internal Server Error"))
        );
    }

    let (direct_records, function_records) = (stored(&direct).await, stored(&function).await);
    for (id, _, body) in bodies() {
        let expected: Vec<Vec<u8>> = match statuses.iter().find(|(i, _)| *i == id) {
            Some((_, 200)) => vec![body],
            _ => Vec::new(),
        };
        for (route, records) in [("direct", &direct_records), ("function", &function_records)] {
            let got = records.get(id).cloned().unwrap_or_default();
            assert!(
                got == expected,
                "{id} on the {route} route: stored {:?} bytes, expected {:?}",
                got.iter().map(Vec::len).collect::<Vec<_>>(),
                expected.iter().map(Vec::len).collect::<Vec<_>>()
            );
        }
    }
    direct.stop().await;
    function.stop().await;
}
