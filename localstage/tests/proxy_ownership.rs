//! The Kinesis proxy's ownership and bounds through the stage (issue: a stream named like the
//! stack's proxy streams but made by someone else was readable, writable and deletable; creation
//! was unbounded; reads spent the account's control-plane limits). The stage's emulator sits behind
//! a counting proxy, so the test sees every Kinesis call the functions make.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use aws_sdk_kinesis::Client;
use serde_json::Value;
use testkit::{FaultProxy, HttpClient, basic};

const VICTIM: &str = "streamgate-local-proxy-victim-orders";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_streams_it_created_are_used_and_creation_is_bounded() {
    let counter = FaultProxy::start(testkit::moto().endpoint(), 20)
        .await
        .expect("counting proxy");
    let mut options = support::options(
        &[
            ("StreamManagement", "true"),
            ("ProxyStreamMaxCount", "2"),
            ("ProxyShardBudget", "3"),
        ],
        &[],
    );
    options.endpoint = Some(counter.endpoint().to_string());
    let stage = localstage::Stage::start(options)
        .await
        .unwrap_or_else(|e| panic!("the local stage did not start: {e}"));
    let http = HttpClient::default();
    let auth = basic(support::USERNAME, support::PASSWORD);
    let call = |method: &'static str, path: String, body: &'static str| {
        let (http, auth, url) = (http.clone(), auth.clone(), format!("{}{path}", stage.gateway_url));
        async move {
            let answer = http
                .call(
                    method,
                    &url,
                    &[("authorization", &auth), ("content-type", "application/json")],
                    body,
                )
                .await;
            let json: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
            (answer.status, json)
        }
    };

    // Someone else's stream with a matching name, made outside the API: refused for everything.
    let kinesis = Client::new(&stage.sdk_config().await);
    kinesis
        .create_stream()
        .stream_name(VICTIM)
        .shard_count(1)
        .send()
        .await
        .expect("CreateStream outside the API");
    for (method, path, body) in [
        ("GET", format!("/streams/{VICTIM}"), ""),
        (
            "PUT",
            format!("/streams/{VICTIM}/record"),
            r#"{"Data": 1, "PartitionKey": "k"}"#,
        ),
        (
            "PUT",
            format!("/streams/{VICTIM}/records"),
            r#"{"records": [{"data": 1, "partition-key": "k"}]}"#,
        ),
        ("DELETE", format!("/streams/{VICTIM}"), ""),
    ] {
        let (status, answer) = call(method, path.clone(), body).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.contains("was not created by this stack")),
            "{method} {path}: {answer}"
        );
    }
    let victim = kinesis
        .describe_stream_summary()
        .stream_name(VICTIM)
        .send()
        .await
        .expect("the victim stream is still there");
    assert_eq!(
        victim.stream_description_summary().map(|s| s.open_shard_count()),
        Some(1)
    );

    // Created through the API: tagged with the stack's id and usable.
    let (status, answer) = call(
        "POST",
        "/streams/streamgate-local-proxy-a".into(),
        r#"{"ShardCount": 1}"#,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let tags = kinesis
        .list_tags_for_stream()
        .stream_name("streamgate-local-proxy-a")
        .send()
        .await
        .expect("ListTagsForStream");
    let owner: Vec<_> = tags
        .tags()
        .iter()
        .filter(|tag| tag.key() == streams::ownership::OWNER_TAG)
        .filter_map(|tag| tag.value())
        .collect();
    assert!(
        owner.len() == 1 && owner[0].contains(":stack/streamgate-local/"),
        "{owner:?}"
    );
    let (status, answer) = call("GET", "/streams/streamgate-local-proxy-a".into(), "").await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = call(
        "PUT",
        "/streams/streamgate-local-proxy-a/record".into(),
        r#"{"Data": {"n": 1}, "PartitionKey": "k"}"#,
    )
    .await;
    assert_eq!(status, 200, "{answer}");

    // Bounds: the shard over the budget (1 + 3 > 3), then the stream over the count (2).
    let (status, answer) = call(
        "POST",
        "/streams/streamgate-local-proxy-b".into(),
        r#"{"ShardCount": 3}"#,
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("ProxyShardBudget=3")),
        "{answer}"
    );
    let (status, answer) = call(
        "POST",
        "/streams/streamgate-local-proxy-b".into(),
        r#"{"ShardCount": 2}"#,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = call(
        "POST",
        "/streams/streamgate-local-proxy-c".into(),
        r#"{"ShardCount": 1}"#,
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("ProxyStreamMaxCount=2")),
        "{answer}"
    );
    let (status, answer) = call(
        "POST",
        "/streams/streamgate-local-proxy-c".into(),
        r#"{"StreamMode": "ON_DEMAND"}"#,
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("ProxyOnDemand=false")),
        "{answer}"
    );

    // 100 concurrent reads of one stream: a handful of DescribeStream calls at most (the first
    // read of the ingestion stream must make one: the count is not vacuous).
    assert!(
        counter.calls("Kinesis_20131202.CreateStream") >= 3,
        "the counter sees the stage's calls"
    );
    let ingestion = stage.provisioned.stream_name.clone();
    for (stream, first_describes) in [(ingestion.as_str(), 1..=5), ("streamgate-local-proxy-a", 0..=5)] {
        counter.reset_counts();
        let reads = (0..100).map(|_| call("GET", format!("/streams/{stream}"), ""));
        let answers = futures_util::future::join_all(reads).await;
        assert!(answers.iter().all(|(status, _)| *status == 200), "{stream}");
        let describes = counter.calls("Kinesis_20131202.DescribeStream");
        assert!(
            first_describes.contains(&describes),
            "{stream}: {describes} DescribeStream calls for 100 reads"
        );
        if stream != ingestion {
            assert_eq!(
                counter.calls("Kinesis_20131202.ListTagsForStream"),
                0,
                "{stream}: ownership is cached"
            );
        }
    }
    stage.stop().await;
}
