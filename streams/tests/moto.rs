//! The proxy over the real SDK adapter against moto: a proxy stream's whole life (create, describe
//! until ACTIVE, put record, put records in both shapes, read back byte for byte, list, delete), the
//! 404 and 409 answers, and a PutRecords call throttled by the fault proxy retried by the SDK alone
//! (the proxy re-sends failed entries, never a whole call on top of the SDK's attempts).
//!
//! moto's `PutRecord` is not safe under concurrency, so no test here sends two at once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use aws_sdk_kinesis::types::StreamStatus;
use serde_json::{Value, json};
use streams::{Kinesis, Proxy};
use support::{Answer, config_with, deadline, fast_timing, list_request, read, request};
use testkit::{Fault, FaultProxy};

/// A stack's streams in moto, and the proxy under test with its client pointed at `endpoint`.
struct Stack {
    ingestion: String,
    prefix: String,
    foreign: String,
    proxy: Proxy<Kinesis>,
    /// A client straight to moto, to set up and read back.
    direct: aws_sdk_kinesis::Client,
}

impl Stack {
    async fn new(endpoint: &str, extra: &[(&str, &str)]) -> Stack {
        let direct = aws_sdk_kinesis::Client::new(&testkit::moto_sdk_config().await);
        let ingestion = testkit::unique_name("sg-events");
        let foreign = testkit::unique_name("sg-foreign");
        for stream in [&ingestion, &foreign] {
            direct
                .create_stream()
                .stream_name(stream)
                .shard_count(1)
                .send()
                .await
                .expect("create_stream");
        }
        let prefix = format!("{}-proxy-", testkit::unique_name("sg"));
        let mut vars = vec![("STREAM_MANAGEMENT", "true")];
        vars.extend_from_slice(extra);
        let config = config_with(&ingestion, &prefix, &vars);
        let client = aws_sdk_kinesis::Client::new(&testkit::sdk_config(endpoint).await);
        // Two names per page: every listing here takes several pages.
        let proxy = Proxy::new(Kinesis::new(client).with_list_page_size(2), config).with_timing(fast_timing());
        Stack {
            ingestion,
            prefix,
            foreign,
            proxy,
            direct,
        }
    }

    /// moto's CreateStream drops `Tags` (the local stage's Kinesis front adds them back with
    /// AddTagsToStream): here the test does, so the stream carries the owner tag as on Kinesis.
    async fn tag_as_kinesis_would(&self, stream: &str) {
        self.direct
            .add_tags_to_stream()
            .stream_name(stream)
            .tags(streams::ownership::OWNER_TAG, support::STACK_ID)
            .send()
            .await
            .expect("AddTagsToStream");
    }

    async fn send(&self, request: ApiGatewayV2httpRequest) -> Answer {
        read(self.proxy.handle(request, deadline()).await)
    }

    /// `(sequence number, partition key, data)` of every record of the stream, from the start of
    /// every shard.
    async fn read_back(&self, stream: &str) -> Vec<(String, String, Vec<u8>)> {
        testkit::stream_records(&testkit::moto_sdk_config().await, stream)
            .await
            .expect("the stream reads back")
            .into_iter()
            .map(|r| (r.sequence_number, r.partition_key, r.data))
            .collect()
    }
}

fn body_of(pairs: &[(&str, &str)], lower: bool) -> String {
    // Written out by hand: the numbers must reach the proxy exactly as typed.
    let (list, data, key) = if lower {
        ("records", "data", "partition-key")
    } else {
        ("Records", "Data", "PartitionKey")
    };
    let entries: Vec<String> = pairs
        .iter()
        .map(|(k, d)| format!("{{ \"{data}\" : {d} ,\n  \"{key}\": \"{k}\" }}"))
        .collect();
    format!("{{\"{list}\": [ {} ]}}", entries.join(",\n"))
}

#[tokio::test]
async fn a_proxy_streams_whole_life() {
    let stack = Stack::new(testkit::moto().endpoint(), &[("PROXY_ON_DEMAND", "true")]).await;
    let stream = format!("{}a", stack.prefix);
    let other = format!("{}b", stack.prefix);

    for (name, body) in [
        (&stream, r#"{"ShardCount": 2}"#),
        (&other, r#"{"StreamMode": "ON_DEMAND"}"#),
    ] {
        let answer = stack
            .send(request("POST /streams/{streamName}", Some(name), Some(body)))
            .await;
        assert_eq!((answer.status, &answer.body), (200, &json!({})), "{name}");
        stack.tag_as_kinesis_would(name).await;
    }
    let description = testkit::eventually("the stream to be ACTIVE", Duration::from_secs(10), || async {
        let answer = stack
            .send(request("GET /streams/{streamName}", Some(&stream), None))
            .await;
        (answer.status == 200 && answer.body["StreamDescription"]["StreamStatus"] == "ACTIVE")
            .then(|| answer.body["StreamDescription"].clone())
    })
    .await;
    assert_eq!(description["StreamName"], stream.as_str());
    assert!(
        description["StreamARN"]
            .as_str()
            .unwrap()
            .ends_with(&format!("stream/{stream}"))
    );
    assert_eq!(description["Shards"].as_array().unwrap().len(), 2);
    assert_eq!(description["HasMoreShards"], false);
    assert_eq!(description["RetentionPeriodHours"], 24);
    assert!(description["StreamCreationTimestamp"].as_f64().unwrap() > 1.7e9);
    assert_eq!(description["Shards"][0]["HashKeyRange"]["StartingHashKey"], "0");
    // The direct view agrees.
    let direct = stack
        .direct
        .describe_stream()
        .stream_name(&stream)
        .send()
        .await
        .unwrap();
    assert_eq!(
        direct.stream_description().unwrap().stream_status(),
        &StreamStatus::Active
    );

    // One record; its data is the compact JSON, numbers exact.
    let record_body = r#"{ "Data" : { "exact": 12345678901234567890123456789012345678, "ratio": 0.10,
        "text": "two  spaces, a \"quote\" and \\ a backslash", "nested": { "list": [ 1 , -2.5e-3 , null ] } },
        "PartitionKey": "single" }"#;
    let answer = stack
        .send(request(
            "PUT /streams/{streamName}/record",
            Some(&stream),
            Some(record_body),
        ))
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert!(answer.body["ShardId"].as_str().unwrap().starts_with("shardId-"));
    let single_sequence = answer.body["SequenceNumber"].as_str().unwrap().to_string();
    let mut expected = vec![(
        "single".to_string(),
        r#"{"exact":12345678901234567890123456789012345678,"ratio":0.10,"text":"two  spaces, a \"quote\" and \\ a backslash","nested":{"list":[1,-2.5e-3,null]}}"#.to_string(),
    )];

    // Records in our shape, then in Kinesis's.
    let lower = [
        ("lower-0", r#"{"n": 1.000, "s": "a b"}"#),
        ("lower-1", "[ 98765432109876543210 , true ]"),
        ("lower-2", r#""just a string""#),
    ];
    let upper = [
        ("upper-0", r#"{ "deep": { "deeper": { "x": 1e400 } } }"#),
        ("upper-1", "-0"),
    ];
    for (pairs, lower_shape) in [(&lower[..], true), (&upper[..], false)] {
        let answer = stack
            .send(request(
                "PUT /streams/{streamName}/records",
                Some(&stream),
                Some(&body_of(pairs, lower_shape)),
            ))
            .await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        assert_eq!(answer.body["FailedRecordCount"], 0);
        assert_eq!(answer.headers["x-failed-record-count"], "0");
        let results = answer.body["Records"].as_array().unwrap();
        assert_eq!(results.len(), pairs.len());
        for result in results {
            assert!(
                result["SequenceNumber"].is_string() && result["ShardId"].is_string(),
                "{result}"
            );
        }
        expected.extend(pairs.iter().map(|(k, d)| (k.to_string(), jsontext::compact_json(d))));
    }

    let mut stored: Vec<(String, String)> = stack
        .read_back(&stream)
        .await
        .into_iter()
        .map(|(sequence, key, data)| {
            if key == "single" {
                assert_eq!(sequence, single_sequence);
            }
            (key, String::from_utf8(data).expect("UTF-8 data"))
        })
        .collect();
    stored.sort();
    expected.sort();
    assert_eq!(
        stored, expected,
        "the stream holds exactly the compact JSON of each Data"
    );

    // The listing: our streams, never a foreign one, over several pages.
    let answer = stack.send(list_request(&[])).await;
    assert_eq!(answer.status, 200);
    let names: BTreeSet<&str> = answer.body["StreamNames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    for ours in [stack.ingestion.as_str(), stream.as_str(), other.as_str()] {
        assert!(names.contains(ours), "{ours} in {names:?}");
    }
    assert!(!names.contains(stack.foreign.as_str()));
    let policy = &stack.proxy.config().policy;
    assert!(names.iter().all(|name| policy.lists(name)), "{names:?}");
    assert_eq!(answer.body["HasMoreStreams"], false);
    let summaries = answer.body["StreamSummaries"].as_array().unwrap();
    let summarised: BTreeSet<&str> = summaries.iter().map(|s| s["StreamName"].as_str().unwrap()).collect();
    assert_eq!(summarised, names, "moto gives a summary for every stream");
    let summary = summaries.iter().find(|s| s["StreamName"] == other.as_str()).unwrap();
    assert_eq!(summary["StreamModeDetails"]["StreamMode"], "ON_DEMAND");
    assert_eq!(summary["StreamStatus"], "ACTIVE");

    let answer = stack.send(list_request(&[("limit", "1")])).await;
    assert_eq!(answer.body["StreamNames"].as_array().unwrap().len(), 1);
    assert_eq!(answer.body["HasMoreStreams"], true);

    for name in [&stream, &other] {
        let answer = stack
            .send(request("DELETE /streams/{streamName}", Some(name), None))
            .await;
        assert_eq!((answer.status, &answer.body), (200, &json!({})), "{name}");
    }
    let answer = stack
        .send(request("GET /streams/{streamName}", Some(&stream), None))
        .await;
    assert_eq!((answer.status, answer.error_type()), (404, "ResourceNotFoundException"));
}

#[tokio::test]
async fn missing_and_existing_streams() {
    let stack = Stack::new(testkit::moto().endpoint(), &[]).await;
    let missing = format!("{}missing", stack.prefix);
    for (route, body) in [
        ("GET /streams/{streamName}", None),
        ("DELETE /streams/{streamName}", None),
        (
            "PUT /streams/{streamName}/record",
            Some(r#"{"Data": 1, "PartitionKey": "k"}"#),
        ),
        (
            "PUT /streams/{streamName}/records",
            Some(r#"{"records": [{"data": 1, "partition-key": "k"}]}"#),
        ),
    ] {
        let answer = stack.send(request(route, Some(&missing), body)).await;
        assert_eq!(
            (answer.status, answer.error_type()),
            (404, "ResourceNotFoundException"),
            "{route}"
        );
        assert!(answer.message().contains(&missing), "{route}: {}", answer.message());
    }

    let existing = format!("{}exists", stack.prefix);
    let create = || request("POST /streams/{streamName}", Some(&existing), None);
    assert_eq!(stack.send(create()).await.status, 200);
    let answer = stack.send(create()).await;
    assert_eq!((answer.status, answer.error_type()), (409, "ResourceInUseException"));

    // The guard answers before Kinesis: the foreign stream exists, and is still refused.
    let answer = stack
        .send(request("GET /streams/{streamName}", Some(&stack.foreign), None))
        .await;
    assert_eq!((answer.status, answer.error_type()), (403, "AccessDeniedException"));
    let answer = stack
        .send(request("DELETE /streams/{streamName}", Some(&stack.ingestion), None))
        .await;
    assert_eq!(answer.status, 403);
    assert!(
        stack
            .direct
            .describe_stream()
            .stream_name(&stack.ingestion)
            .send()
            .await
            .is_ok()
    );
}

fn numbered_records(n: usize) -> (String, Vec<(String, String)>) {
    let records: Vec<Value> = (0..n)
        .map(|i| json!({"data": {"i": i, "title": format!("record {i}")}, "partition-key": format!("key-{i}")}))
        .collect();
    let expected = (0..n)
        .map(|i| (format!("key-{i}"), format!(r#"{{"i":{i},"title":"record {i}"}}"#)))
        .collect();
    (json!({ "records": records }).to_string(), expected)
}

/// Attempts of one call in the SDK's standard retry mode (`testkit::sdk_config`, as in production).
const SDK_ATTEMPTS: u64 = 3;

#[tokio::test]
async fn a_throttled_put_records_call_is_the_sdks_to_retry() {
    let moto = testkit::moto();
    let faults = FaultProxy::start(moto.endpoint(), 3).await.expect("fault proxy");
    let stack = Stack::new(faults.endpoint(), &[]).await;
    const TARGET: &str = "Kinesis_20131202.PutRecords";
    faults.inject(TARGET, 1.0, Fault::Throttle);
    let (body, mut expected) = numbered_records(50);
    let put = || request("PUT /streams/{streamName}/records", Some(&stack.ingestion), Some(&body));
    // Throttled past the SDK's attempts: the request is answered, with no retry loop on top.
    let answer = stack.send(put()).await;
    assert_eq!((answer.status, answer.error_type()), (429, "ThrottlingException"));
    assert_eq!(faults.faults(TARGET), SDK_ATTEMPTS, "the SDK's attempts, none on top");
    assert_eq!(faults.calls(TARGET), SDK_ATTEMPTS);

    // Once the throttling passes, the client's retry gets every record through.
    faults.clear();
    let answer = stack.send(put()).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["FailedRecordCount"], 0);
    assert_eq!(
        faults.calls(TARGET),
        SDK_ATTEMPTS + 1,
        "one call got through, with every record"
    );

    let mut stored: Vec<(String, String)> = stack
        .read_back(&stack.ingestion)
        .await
        .into_iter()
        .map(|(_, key, data)| (key, String::from_utf8(data).unwrap()))
        .collect();
    stored.sort();
    expected.sort();
    assert_eq!(
        stored, expected,
        "every record once: a throttled call never reached moto"
    );
}

#[tokio::test]
async fn throttling_that_outlasts_the_sdks_attempts_is_a_429_and_nothing_lands() {
    let moto = testkit::moto();
    let faults = FaultProxy::start(moto.endpoint(), 5).await.expect("fault proxy");
    let stack = Stack::new(faults.endpoint(), &[("PUT_RECORDS_RETRY_BUDGET_MS", "300")]).await;
    faults.inject("Kinesis_20131202.PutRecords", 1.0, Fault::Throttle);
    let (body, _) = numbered_records(3);
    let started = std::time::Instant::now();
    let answer = stack
        .send(request(
            "PUT /streams/{streamName}/records",
            Some(&stack.ingestion),
            Some(&body),
        ))
        .await;
    assert_eq!((answer.status, answer.error_type()), (429, "ThrottlingException"));
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(
        faults.faults("Kinesis_20131202.PutRecords"),
        SDK_ATTEMPTS,
        "the SDK's attempts, not retried beyond them within the budget"
    );
    assert!(stack.read_back(&stack.ingestion).await.is_empty());
}
