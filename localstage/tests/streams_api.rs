//! The Kinesis proxy API end to end: the real `streams` binary behind the emulated HTTP API's Lambda
//! proxy integration and the Basic-auth authorizer, against moto. Each route, each error status,
//! the stream-name guard, records flowing on through the consumer, and the template parameters
//! that turn routes on and off.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use std::time::Duration;

use localstage::Stage;
use serde_json::{Value, json};
use support::{PASSWORD, USERNAME, items, stage};
use testkit::{HttpClient, basic, eventually};

const DEADLINE: Duration = Duration::from_secs(60);

/// An authenticated client of one stage.
struct Api<'a> {
    stage: &'a Stage,
    http: HttpClient,
    auth: String,
}

impl<'a> Api<'a> {
    fn new(stage: &'a Stage) -> Self {
        Api {
            stage,
            http: HttpClient::default(),
            auth: basic(USERNAME, PASSWORD),
        }
    }

    async fn call(&self, method: &str, path: &str, body: &str) -> (u16, Value) {
        let url = format!("{}{path}", self.stage.gateway_url);
        let answer = self
            .http
            .call(
                method,
                &url,
                &[("authorization", &self.auth), ("content-type", "application/json")],
                body.to_string(),
            )
            .await;
        (answer.status, answer.json())
    }

    fn ingestion(&self) -> &str {
        &self.stage.provisioned.stream_name
    }
}

fn item_keys(items: &[std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>]) -> Vec<String> {
    let mut keys: Vec<String> = items
        .iter()
        .filter_map(|item| item.get("eventId")?.as_s().ok().cloned())
        .collect();
    keys.sort();
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_put_through_the_proxy_api_reach_the_table_like_submits() {
    let stage = stage(&[], &[]).await;
    let api = Api::new(&stage);
    let stream = api.ingestion().to_string();

    let (status, listed) = api.call("GET", "/streams", "").await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(
        listed["StreamNames"],
        json!([stream]),
        "only the streams this stack may use"
    );
    assert_eq!(listed["HasMoreStreams"], json!(false));

    let (status, described) = api.call("GET", &format!("/streams/{stream}"), "").await;
    assert_eq!(status, 200, "{described}");
    assert_eq!(described["StreamDescription"]["StreamName"], json!(stream));
    assert_eq!(described["StreamDescription"]["StreamStatus"], json!("ACTIVE"));

    let one = json!({"Data": {"title": "one", "n": 12345678901234567890123456789_u128.to_string()}, "PartitionKey": "proxy-1"});
    let (status, put) = api
        .call("PUT", &format!("/streams/{stream}/record"), &one.to_string())
        .await;
    assert_eq!(status, 200, "{put}");
    assert!(put["SequenceNumber"].as_str().is_some_and(|s| !s.is_empty()), "{put}");
    assert!(
        put["ShardId"].as_str().is_some_and(|s| s.starts_with("shardId-")),
        "{put}"
    );

    // The tutorial's shape and Kinesis's own.
    let tutorial = json!({"records": [
        {"data": {"title": "two"}, "partition-key": "proxy-2"},
        {"data": {"title": "three"}, "partition-key": "proxy-3"}
    ]});
    let (status, batch) = api
        .call("PUT", &format!("/streams/{stream}/records"), &tutorial.to_string())
        .await;
    assert_eq!(status, 200, "{batch}");
    assert_eq!(batch["FailedRecordCount"], json!(0), "{batch}");
    assert_eq!(batch["Records"].as_array().map(Vec::len), Some(2), "{batch}");
    let kinesis = json!({"Records": [{"Data": {"title": "four"}, "PartitionKey": "proxy-4"}]});
    let (status, batch) = api
        .call("PUT", &format!("/streams/{stream}/records"), &kinesis.to_string())
        .await;
    assert_eq!((status, &batch["FailedRecordCount"]), (200, &json!(0)), "{batch}");

    // The consumer keys each item by the record's partition key.
    let keys = eventually("four items from the proxy API", DEADLINE, || async {
        let keys = item_keys(&items(&stage).await);
        (keys.len() == 4).then_some(keys)
    })
    .await;
    assert_eq!(keys, ["proxy-1", "proxy-2", "proxy-3", "proxy-4"]);
    let streams = stage.function("StreamsFunction").expect("the streams function");
    assert_eq!(streams.invocations(), 5);
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_have_a_status_a_client_can_act_on() {
    let stage = stage(&[], &[]).await;
    let api = Api::new(&stage);
    let stream = api.ingestion().to_string();
    let http = HttpClient::default();
    let url = |path: &str| format!("{}{path}", stage.gateway_url);

    // The authorizer guards the routes like /submit.
    let answer = http.call("GET", &url("/streams"), &[], "").await;
    assert_eq!(
        (answer.status, answer.json()),
        (401, json!({"message": "Unauthorized"}))
    );
    let wrong = basic(USERNAME, "not-the-password");
    let answer = http
        .call("GET", &url("/streams"), &[("authorization", &wrong)], "")
        .await;
    assert_eq!((answer.status, answer.json()), (403, json!({"message": "Forbidden"})));

    let put = |name: &str| format!("/streams/{name}/record");
    let record = r#"{"Data": {"a": 1}, "PartitionKey": "k"}"#;
    let cases: Vec<(&str, String, String, u16, &str)> = vec![
        (
            "GET",
            "/streams/someone-elses-stream".into(),
            "".into(),
            403,
            "AccessDeniedException",
        ),
        (
            "PUT",
            put("someone-elses-stream"),
            record.into(),
            403,
            "AccessDeniedException",
        ),
        (
            "GET",
            "/streams/streamgate-local-proxy-missing".into(),
            "".into(),
            404,
            "ResourceNotFoundException",
        ),
        ("PUT", put(&stream), "{not json".into(), 400, ""),
        ("PUT", put(&stream), r#"{"Data": 1}"#.into(), 400, ""),
        (
            "PUT",
            put(&stream),
            json!({"Data": "x".repeat(1024 * 1024), "PartitionKey": "k"}).to_string(),
            413,
            "",
        ),
        (
            "PUT",
            format!("/streams/{stream}/records"),
            r#"{"records": []}"#.into(),
            400,
            "",
        ),
    ];
    for (method, path, body, status, kind) in cases {
        let (got, answer) = api.call(method, &path, &body).await;
        assert_eq!(got, status, "{method} {path}: {answer}");
        assert!(
            answer["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{method} {path}: {answer}"
        );
        if !kind.is_empty() {
            assert_eq!(answer["type"], json!(kind), "{method} {path}: {answer}");
        }
    }
    let (_, answer) = api.call("PUT", &put(&stream), r#"{"Data": 1}"#).await;
    assert!(
        answer["message"].as_str().unwrap().contains("PartitionKey"),
        "say which field: {answer}"
    );

    // Stream management is off by default: the routes do not exist at all.
    let (status, answer) = api.call("POST", "/streams/streamgate-local-proxy-a", "{}").await;
    assert_eq!((status, answer), (404, json!({"message": "Not Found"})));
    let (status, _) = api.call("DELETE", &format!("/streams/{stream}"), "").await;
    assert_eq!(status, 404);
    assert!(
        items(&stage).await.is_empty(),
        "nothing was written by a refused request"
    );
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_management_on_proxy_streams_are_created_used_and_deleted() {
    let stage = stage(&[("StreamManagement", "true"), ("ProxyStreamMaxShardCount", "2")], &[]).await;
    let api = Api::new(&stage);
    let name = "streamgate-local-proxy-orders";
    let path = format!("/streams/{name}");

    let (status, answer) = api.call("POST", &path, r#"{"ShardCount": 3}"#).await;
    assert_eq!(status, 400, "the cost guard: {answer}");
    assert!(answer["message"].as_str().unwrap().contains("ShardCount"), "{answer}");
    let (status, answer) = api.call("POST", &path, r#"{"ShardCount": 2}"#).await;
    assert_eq!((status, &answer), (200, &json!({})), "{answer}");
    let (status, answer) = api.call("POST", &path, "").await;
    assert_eq!(
        (status, &answer["type"]),
        (409, &json!("ResourceInUseException")),
        "{answer}"
    );

    eventually("the new stream ACTIVE", DEADLINE, || async {
        let (_, described) = api.call("GET", &path, "").await;
        (described["StreamDescription"]["StreamStatus"] == "ACTIVE").then_some(())
    })
    .await;
    let (_, described) = api.call("GET", &path, "").await;
    assert_eq!(
        described["StreamDescription"]["Shards"].as_array().map(Vec::len),
        Some(2)
    );
    let (status, listed) = api.call("GET", "/streams", "").await;
    assert_eq!(status, 200);
    assert_eq!(listed["StreamNames"], json!([api.ingestion(), name]));

    let (status, put) = api
        .call(
            "PUT",
            &format!("{path}/record"),
            r#"{"Data": [1, 2], "PartitionKey": "k"}"#,
        )
        .await;
    assert_eq!(status, 200, "{put}");

    // Never the stack's own stream, never a stream outside the prefix.
    let (status, answer) = api.call("DELETE", &format!("/streams/{}", api.ingestion()), "").await;
    assert_eq!(
        (status, &answer["type"]),
        (403, &json!("AccessDeniedException")),
        "{answer}"
    );
    let (status, _) = api.call("POST", "/streams/unrelated", "").await;
    assert_eq!(status, 403);

    let (status, answer) = api.call("DELETE", &path, "").await;
    assert_eq!((status, answer), (200, json!({})));
    eventually("the stream gone", DEADLINE, || async {
        let (status, _) = api.call("GET", &path, "").await;
        (status == 404).then_some(())
    })
    .await;
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_proxy_api_off_there_is_no_route_and_no_function() {
    let stage = stage(&[("StreamsApi", "false")], &[]).await;
    let api = Api::new(&stage);
    let (status, answer) = api.call("GET", "/streams", "").await;
    assert_eq!((status, answer), (404, json!({"message": "Not Found"})));
    assert!(stage.function("StreamsFunction").is_none());
    stage.stop().await;
}
