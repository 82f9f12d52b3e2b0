//! The proxy's log: one line per request with route, stream, status and record counts, and never a
//! record's data, a partition key or the Authorization header, even at TRACE level for every crate
//! (the AWS SDK included), against moto.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use aws_lambda_events::http::HeaderValue;
use serde_json::Value;
use streams::{Kinesis, Proxy};
use support::{config_with, deadline, fast_timing, read, request};

const CANARY: &str = "PAYLOAD-LEAK-CANARY-7c2d";

#[tokio::test(flavor = "current_thread")]
async fn one_line_per_request_without_payloads_or_credentials() {
    let captured = testkit::LogCapture::default();
    let _guard = captured.install();

    let sdk = testkit::moto_sdk_config().await;
    let direct = aws_sdk_kinesis::Client::new(&sdk);
    let ingestion = testkit::unique_name("sg-logs");
    direct
        .create_stream()
        .stream_name(&ingestion)
        .shard_count(1)
        .send()
        .await
        .expect("create_stream");
    let proxy = Proxy::new(
        Kinesis::new(direct.clone()),
        config_with(&ingestion, "sg-logs-proxy-", &[]),
    )
    .with_timing(fast_timing());
    let with_auth = |mut request: aws_lambda_events::apigw::ApiGatewayV2httpRequest| {
        let header = format!("Basic {CANARY}");
        request
            .headers
            .insert("authorization", HeaderValue::from_str(&header).unwrap());
        request
            .request_context
            .authorizer
            .get_or_insert_with(Default::default)
            .fields
            .insert("username".into(), "streamgate".into());
        request
    };

    let record = format!(r#"{{"Data": {{"secret": "{CANARY}"}}, "PartitionKey": "key-{CANARY}"}}"#);
    let records = format!(
        r#"{{"records": [{{"data": "{CANARY}", "partition-key": "a-{CANARY}"}}, {{"data": 2, "partition-key": "b"}}]}}"#
    );
    let bad = format!(r#"{{"Data": 1, "PartitionKey": {{"{CANARY}": 1}}}}"#);
    let answers = [
        read(
            proxy
                .handle(
                    with_auth(request(
                        "PUT /streams/{streamName}/record",
                        Some(&ingestion),
                        Some(&record),
                    )),
                    deadline(),
                )
                .await,
        ),
        read(
            proxy
                .handle(
                    with_auth(request(
                        "PUT /streams/{streamName}/records",
                        Some(&ingestion),
                        Some(&records),
                    )),
                    deadline(),
                )
                .await,
        ),
        read(
            proxy
                .handle(
                    with_auth(request(
                        "PUT /streams/{streamName}/record",
                        Some(&ingestion),
                        Some(&bad),
                    )),
                    deadline(),
                )
                .await,
        ),
        read(
            proxy
                .handle(
                    with_auth(request("GET /streams/{streamName}", Some("elsewhere"), None)),
                    deadline(),
                )
                .await,
        ),
    ];
    let statuses: Vec<i64> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [200, 200, 400, 403]);

    let logs = captured.text();
    assert!(!logs.contains(CANARY), "payload or credentials in the logs:\n{logs}");
    let lines: Vec<Value> = captured.json_lines();
    let requests: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "request")
        .map(|l| &l["fields"])
        .collect();
    assert_eq!(requests.len(), 4, "{logs}");
    let summary: Vec<(String, String, u64, u64)> = requests
        .iter()
        .map(|f| {
            (
                f["route"].as_str().unwrap().to_string(),
                f["stream"].as_str().unwrap_or("-").to_string(),
                f["status"].as_u64().unwrap(),
                f["records"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "PUT /streams/{streamName}/record".to_string(),
                ingestion.clone(),
                200,
                1
            ),
            (
                "PUT /streams/{streamName}/records".to_string(),
                ingestion.clone(),
                200,
                2
            ),
            (
                "PUT /streams/{streamName}/record".to_string(),
                ingestion.clone(),
                400,
                0
            ),
            ("GET /streams/{streamName}".to_string(), "elsewhere".to_string(), 403, 0),
        ]
    );
    assert_eq!(requests[1]["failed"], 0);
    assert_eq!(requests[2]["error_type"], "SerializationException");
    assert_eq!(requests[3]["error_type"], "AccessDeniedException");
    assert!(requests.iter().all(|f| f["user"] == "streamgate"));
}
