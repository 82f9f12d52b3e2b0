//! Ownership by tag, creation bounds and cached control-plane reads, over the in-memory Kinesis.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use emf::{MemorySink, Metrics, Namespace};
use serde_json::json;
use streams::ownership::OWNER_TAG;
use streams::{MemoryStreams, Operation, Proxy};
use support::{INGESTION, PREFIX, STACK_ID, config_with, deadline, fast_timing, own, read, request};

fn proxy(extra: &[(&str, &str)]) -> Proxy<MemoryStreams> {
    let memory = MemoryStreams::new();
    memory.add_stream(INGESTION, 1);
    let mut vars = vec![("STREAM_MANAGEMENT", "true")];
    vars.extend_from_slice(extra);
    Proxy::new(memory, config_with(INGESTION, PREFIX, &vars)).with_timing(fast_timing())
}

async fn call(proxy: &Proxy<MemoryStreams>, route: &str, stream: &str, body: Option<&str>) -> support::Answer {
    read(proxy.handle(request(route, Some(stream), body), deadline()).await)
}

const DESCRIBE: &str = "GET /streams/{streamName}";
const CREATE: &str = "POST /streams/{streamName}";
const DELETE: &str = "DELETE /streams/{streamName}";
const PUT: &str = "PUT /streams/{streamName}/record";
const PUT_MANY: &str = "PUT /streams/{streamName}/records";
const RECORD: &str = r#"{"Data": {"a": 1}, "PartitionKey": "k"}"#;
const RECORDS: &str = r#"{"records": [{"data": 1, "partition-key": "k"}]}"#;

#[tokio::test]
async fn a_matching_name_without_this_stacks_tag_is_refused_for_everything() {
    let victim = "mystack-proxy-victim-orders";
    let another_stack = "arn:aws:cloudformation:us-east-1:123456789012:stack/mystack-proxy-victim/1111";
    for tags in [vec![], vec![(OWNER_TAG, another_stack)], vec![("owner", STACK_ID)]] {
        let proxy = proxy(&[]);
        proxy.api().add_stream(victim, 1);
        proxy.api().set_tags(victim, &tags);
        for (route, body) in [
            (DESCRIBE, None),
            (PUT, Some(RECORD)),
            (PUT_MANY, Some(RECORDS)),
            (DELETE, None),
        ] {
            let answer = call(&proxy, route, victim, body).await;
            assert_eq!(
                (answer.status, answer.error_type()),
                (403, "AccessDeniedException"),
                "{route}"
            );
            assert!(
                answer.message().contains("was not created by this stack") && answer.message().contains(OWNER_TAG),
                "{route}: {}",
                answer.message()
            );
        }
        assert!(proxy.api().has_stream(victim), "never deleted");
        assert!(proxy.api().records(victim).is_empty(), "never written");
        assert_eq!(proxy.api().calls(Operation::DescribeStream), 0);
    }
}

#[tokio::test]
async fn streams_it_creates_carry_its_tag_and_are_usable() {
    let proxy = proxy(&[]);
    let stream = "mystack-proxy-a";
    let answer = call(&proxy, CREATE, stream, Some(r#"{"ShardCount": 2}"#)).await;
    assert_eq!((answer.status, &answer.body), (200, &json!({})));
    assert_eq!(
        proxy.api().tags(stream),
        vec![(OWNER_TAG.to_string(), STACK_ID.to_string())]
    );
    for (route, body) in [
        (DESCRIBE, None),
        (PUT, Some(RECORD)),
        (PUT_MANY, Some(RECORDS)),
        (DELETE, None),
    ] {
        let answer = call(&proxy, route, stream, body).await;
        assert_eq!(answer.status, 200, "{route}: {:?}", answer.body);
    }
    // The ingestion stream needs no tag (CloudFormation made it).
    assert_eq!(call(&proxy, DESCRIBE, INGESTION, None).await.status, 200);
}

#[tokio::test]
async fn creation_is_bounded_by_count_budget_and_mode() {
    let sink = MemorySink::default();
    let proxy = proxy(&[
        ("PROXY_STREAM_MAX_COUNT", "3"),
        ("PROXY_SHARD_BUDGET", "5"),
        ("MAX_SHARD_COUNT", "4"),
    ])
    .with_metrics(Metrics::new(Namespace::default(), "streams", sink.clone()));
    // Someone else's matching streams do not count against this stack.
    proxy.api().add_stream("mystack-proxy-foreign", 4);
    for (name, shards) in [("mystack-proxy-a", 2), ("mystack-proxy-b", 2)] {
        let body = format!(r#"{{"ShardCount": {shards}}}"#);
        assert_eq!(call(&proxy, CREATE, name, Some(&body)).await.status, 200, "{name}");
    }
    let answer = call(&proxy, CREATE, "mystack-proxy-c", Some(r#"{"ShardCount": 2}"#)).await;
    assert_eq!((answer.status, answer.error_type()), (409, "ProxyBoundExceeded"));
    assert!(answer.message().contains("ProxyShardBudget=5"), "{}", answer.message());
    assert_eq!(
        call(&proxy, CREATE, "mystack-proxy-c", Some(r#"{"ShardCount": 1}"#))
            .await
            .status,
        200
    );
    let answer = call(&proxy, CREATE, "mystack-proxy-d", Some(r#"{"ShardCount": 1}"#)).await;
    assert_eq!((answer.status, answer.error_type()), (409, "ProxyBoundExceeded"));
    assert!(
        answer.message().contains("ProxyStreamMaxCount=3"),
        "{}",
        answer.message()
    );
    // A delete frees a place at once (the listing is read fresh for every create).
    assert_eq!(call(&proxy, DELETE, "mystack-proxy-c", None).await.status, 200);
    assert_eq!(
        call(&proxy, CREATE, "mystack-proxy-d", Some(r#"{"ShardCount": 1}"#))
            .await
            .status,
        200
    );
    let answer = call(
        &proxy,
        CREATE,
        "mystack-proxy-e",
        Some(r#"{"StreamMode": "ON_DEMAND"}"#),
    )
    .await;
    assert_eq!(answer.status, 409);
    assert!(answer.message().contains("ProxyOnDemand=false"), "{}", answer.message());
    assert!(!proxy.api().has_stream("mystack-proxy-e"));

    let counts = |name: &str| {
        sink.documents()
            .expect("EMF documents")
            .iter()
            .filter_map(|record| record.value(name))
            .sum::<u64>()
    };
    assert_eq!(
        (
            counts("StreamCreated"),
            counts("StreamDeleted"),
            counts("StreamCreateRefused")
        ),
        (4, 1, 3)
    );
}

#[tokio::test]
async fn on_demand_streams_when_the_parameter_allows_them() {
    let proxy = proxy(&[("PROXY_ON_DEMAND", "true"), ("PROXY_STREAM_MAX_COUNT", "1")]);
    let body = Some(r#"{"StreamMode": "ON_DEMAND"}"#);
    assert_eq!(call(&proxy, CREATE, "mystack-proxy-od", body).await.status, 200);
    let answer = call(&proxy, CREATE, "mystack-proxy-od2", body).await;
    assert!(
        answer.message().contains("ProxyStreamMaxCount=1"),
        "{}",
        answer.message()
    );
}

#[tokio::test]
async fn a_burst_of_reads_makes_one_control_plane_call_of_each_kind() {
    let proxy = proxy(&[]);
    let stream = "mystack-proxy-hot";
    proxy.api().add_stream(stream, 1);
    own(proxy.api(), stream);
    let calls = (0..100).map(|_| call(&proxy, DESCRIBE, stream, None));
    let answers = futures_util::future::join_all(calls).await;
    assert!(answers.iter().all(|a| a.status == 200));
    let lists = (0..100).map(|_| read_list(&proxy));
    futures_util::future::join_all(lists).await;
    assert_eq!(proxy.api().calls(Operation::DescribeStream), 1);
    assert_eq!(proxy.api().calls(Operation::ListTagsForStream), 1);
    assert_eq!(proxy.api().calls(Operation::ListStreams), 1);
}

async fn read_list(proxy: &Proxy<MemoryStreams>) {
    let answer = read(proxy.handle(support::list_request(&[]), deadline()).await);
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn a_throttled_tag_lookup_lets_puts_through_to_iam_but_not_reads() {
    let proxy = proxy(&[]);
    let stream = "mystack-proxy-busy";
    proxy.api().add_stream(stream, 1);
    own(proxy.api(), stream);
    let throttled = || streams::KinesisError::Throttled {
        code: "LimitExceededException".into(),
        message: "Rate exceeded for stream".into(),
    };
    proxy.api().fail_next(Operation::ListTagsForStream, throttled());
    let answer = call(&proxy, PUT, stream, Some(RECORD)).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(proxy.api().records(stream).len(), 1);
    proxy.api().fail_next(Operation::ListTagsForStream, throttled());
    let answer = call(&proxy, DESCRIBE, stream, None).await;
    assert_eq!(answer.status, 429);
    assert_eq!(
        call(&proxy, DESCRIBE, stream, None).await.status,
        200,
        "not cached as refused"
    );
}
