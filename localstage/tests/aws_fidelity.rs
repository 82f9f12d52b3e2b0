//! Where the local stage must answer as AWS answers, each through a running stage: the submit
//! route's statuses, the HTTP API's payload limit and Kinesis's record limit, the event source
//! mapping's 6 MB batches and bisection, parameter constraints, platform log records, dead-letter
//! message size, and a batch with an unreadable record.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use std::time::Duration;

use base64::Engine;
use deadletter::{BatchPointer, PoisonMessage};
use localstage::{Stage, StageError};
use serde_json::Value;
use support::{PASSWORD, USERNAME, failing_consumer_stage, queue_messages, stage, submit_url};
use testkit::{Fault, FaultProxy, HttpClient, basic, eventually};

const DEADLINE: Duration = Duration::from_secs(60);

async fn submit(http: &HttpClient, stage: &Stage, event_id: &str, body: impl Into<bytes::Bytes>) -> (u16, Value) {
    let answer = http
        .post(
            &submit_url(stage, event_id),
            &[("authorization", &basic(USERNAME, PASSWORD))],
            body,
        )
        .await;
    (answer.status, answer.json())
}

/// Sends only the head of a submit whose `Content-Length` is `length` and reads the answer: a body
/// over the limit is refused from its announced length, before it is sent (sending it would race the
/// server closing the connection after its early answer).
async fn announce_body(stage: &Stage, event_id: &str, length: usize) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = stage.gateway_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    let head = format!(
        "POST /submit/{}/{event_id} HTTP/1.1\r\nHost: {address}\r\nAuthorization: {}\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n",
        stage.provisioned.stream_name,
        basic(USERNAME, PASSWORD)
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("an answer without the body")
        .expect("read");
    let text = String::from_utf8_lossy(&answer);
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// The queue's messages read as `T`, the one kind of dead-letter message the test expects.
fn read_as<T: serde::de::DeserializeOwned>(messages: &[Value]) -> Vec<T> {
    messages
        .iter()
        .map(|message| serde_json::from_value(message.clone()).unwrap_or_else(|e| panic!("{e}: {message}")))
        .collect()
}

fn message(text: &str) -> Value {
    serde_json::json!({ "message": text })
}

async fn item(
    stage: &Stage,
    event_id: &str,
) -> Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    aws_sdk_dynamodb::Client::new(&stage.sdk_config().await)
        .get_item()
        .table_name(&stage.provisioned.table_name)
        .key("eventId", aws_sdk_dynamodb::types::AttributeValue::S(event_id.into()))
        .consistent_read(true)
        .send()
        .await
        .ok()?
        .item()
        .cloned()
}

/// Behaviours 1 and 2: 400 only for an empty mapped value; every failure on the Kinesis side is a
/// 500; payloads up to 10 MB reach the integration; Kinesis's record limit is enforced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_statuses_and_limits_are_api_gateways() {
    let stage = stage(&[], &[]).await;
    let http = HttpClient::default();

    assert_eq!(submit(&http, &stage, "empty", "").await, (400, message("Bad Request")));

    // The largest record Kinesis takes: data + partition key = 1 MiB.
    let key = "at-the-limit";
    let (status, body) = submit(&http, &stage, key, vec![b'x'; 1024 * 1024 - key.len()]).await;
    assert_eq!(status, 200, "{body}");
    let key = "one-byte-over";
    let over = submit(&http, &stage, key, vec![b'x'; 1024 * 1024 - key.len() + 1]).await;
    assert_eq!(over, (500, message("Internal Server Error")));

    // Over axum's 2 MB default, under the HTTP API's 10 MB: it reaches the integration (which
    // refuses the record), in API Gateway's JSON.
    assert_eq!(
        submit(&http, &stage, "two-mb", vec![b'x'; 2 * 1024 * 1024]).await,
        (500, message("Internal Server Error"))
    );
    assert_eq!(
        announce_body(&stage, "eleven-mb", 11 * 1024 * 1024).await,
        (413, message("Request Entity Too Large"))
    );

    // A partition key over 256 characters.
    let long_key = "k".repeat(257);
    assert_eq!(
        submit(&http, &stage, &long_key, "{}").await,
        (500, message("Internal Server Error"))
    );

    // The stream is gone (Kinesis's ResourceNotFoundException is an HTTP 400 from Kinesis: still a
    // 500 from API Gateway, so a client retries instead of dropping the record).
    aws_sdk_kinesis::Client::new(&stage.sdk_config().await)
        .delete_stream()
        .stream_name(&stage.provisioned.stream_name)
        .send()
        .await
        .expect("delete_stream");
    assert_eq!(
        submit(&http, &stage, "no-stream", "{}").await,
        (500, message("Internal Server Error"))
    );
    stage.stop().await;
}

/// Behaviour 1: a throttled PutRecord (Kinesis answers 400 ProvisionedThroughputExceeded) is a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_put_record_is_a_500() {
    let proxy = FaultProxy::start(testkit::moto().endpoint(), 7).await.expect("proxy");
    let mut options = support::options(&[], &[]);
    options.endpoint = Some(proxy.endpoint().to_string());
    let stage = Stage::start(options).await.expect("stage");
    let http = HttpClient::default();
    assert_eq!(submit(&http, &stage, "before", "{}").await.0, 200);
    proxy.inject("Kinesis_20131202.PutRecord", 1.0, Fault::Throttle);
    assert_eq!(
        submit(&http, &stage, "throttled", "{}").await,
        (500, message("Internal Server Error"))
    );
    assert!(
        proxy.faults("Kinesis_20131202.PutRecord") >= 1,
        "the fault was injected"
    );
    proxy.clear();
    assert_eq!(submit(&http, &stage, "after", "{}").await.0, 200);
    stage.stop().await;
}

/// Behaviour 3: a batch is capped at 6 MB of event as well as by BatchSize.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_stay_under_six_megabytes_of_event() {
    let stage = stage(&[("MaximumBatchingWindowInSeconds", "5")], &[]).await;
    let http = HttpClient::default();
    // Six records of 1,000,000 bytes: 1.33 MB each in the event (base64), 8 MB together.
    for n in 0..6 {
        let (status, body) = submit(&http, &stage, &format!("big-{n}"), vec![b'x'; 1_000_000]).await;
        assert_eq!(status, 200, "{body}");
    }
    let deliveries = eventually("all six records delivered", DEADLINE, || async {
        let deliveries = stage.deliveries();
        let delivered: usize = deliveries
            .iter()
            .filter(|d| d.outcome == "ok")
            .map(|d| d.batch_size)
            .sum();
        (delivered >= 6).then_some(deliveries)
    })
    .await;
    assert!(
        deliveries.iter().all(|d| d.event_bytes <= 6 * 1024 * 1024),
        "{deliveries:?}"
    );
    assert!(deliveries.iter().all(|d| d.batch_size <= 4), "{deliveries:?}");
    assert!(
        deliveries.iter().any(|d| d.batch_size == 4),
        "full 6 MB batches: {deliveries:?}"
    );
    stage.stop().await;
}

/// Behaviour 3: after a bisection, the second half is its own batch (never merged with the records
/// after it), and the on-failure record's requestId is a UUID.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_half_of_a_bisected_batch_is_retried_on_its_own() {
    let stage = failing_consumer_stage("0").await;
    let http = HttpClient::default();
    for n in 0..4 {
        assert_eq!(submit(&http, &stage, &format!("half-{n}"), "{}").await.0, 200);
    }
    eventually("four on-failure records", DEADLINE, || async {
        let failed = stage.deliveries().iter().filter(|d| d.outcome == "on_failure").count();
        (failed >= 4).then_some(())
    })
    .await;
    let sizes: Vec<usize> = stage
        .deliveries()
        .iter()
        .filter(|d| d.outcome == "error")
        .map(|d| d.batch_size)
        .collect();
    assert_eq!(sizes, vec![4, 2, 1, 1, 2, 1, 1], "4 → 2+2 → 1+1 each");
    let messages = queue_messages(&stage).await;
    assert_eq!(messages.len(), 4, "{messages:?}");
    for record in read_as::<BatchPointer>(&messages) {
        let id = &record.request_context.request_id;
        assert!(uuid::Uuid::parse_str(id).is_ok(), "requestId {id:?} is a UUID");
        assert_eq!(record.batch.batch_size, 1);
    }
    stage.stop().await;
}

/// Behaviour 4: overrides are checked against the template's constraints, as CloudFormation does.
#[tokio::test]
async fn parameter_overrides_meet_the_templates_constraints() {
    for (name, value, constraint) in [
        ("BatchSize", "0", "MinValue"),
        ("BatchSize", "10001", "MaxValue"),
        ("MaximumRecordAgeInSeconds", "30", "AllowedPattern"),
        ("FunctionArchitecture", "sparc", "AllowedValues"),
        ("Username", "a:b", "AllowedPattern"),
        ("NoSuchParameter", "1", "no such parameter"),
    ] {
        let options = support::options(&[(name, value)], &[]);
        match Stage::start(options).await {
            Err(StageError::Template(error)) => {
                let text = error.to_string();
                assert!(
                    text.contains(name) && text.contains(constraint),
                    "{name}={value}: {text}"
                );
            }
            Err(other) => panic!("{name}={value}: not a parameter error: {other}"),
            Ok(stage) => {
                stage.stop().await;
                panic!("{name}={value} was accepted");
            }
        }
    }
}

/// Behaviours 5, 6 and 7 on one stage: JSON platform.report records (the template's LogFormat JSON,
/// SystemLogLevel INFO); a 600 KB poison record keeps its data in the dead-letter message; a batch
/// with sub-millisecond arrival times and an unreadable record writes what it can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_dead_letters_and_lenient_events() {
    let stage = stage(&[], &[]).await;
    let http = HttpClient::default();

    // 6: a poison record of 600 KB (not JSON) with its data in the message.
    let body = vec![b'p'; 600 * 1024];
    assert_eq!(submit(&http, &stage, "big-poison", body.clone()).await.0, 200);
    let messages = eventually("the poison message", DEADLINE, || async {
        let messages = queue_messages(&stage).await;
        (!messages.is_empty()).then_some(messages)
    })
    .await;
    let messages: Vec<PoisonMessage> = read_as(&messages);
    assert_eq!(messages[0].reason, "not_json");
    assert!(messages[0].data_included, "a 600 KB record fits a 1 MiB message");
    let data = base64::engine::general_purpose::STANDARD
        .decode(messages[0].data.as_deref().unwrap_or_default())
        .expect("base64 data");
    assert!(data == body, "the record's data, byte for byte");

    // 5: the consumer's report, as Lambda writes it with LogFormat JSON.
    let consumer = stage.function("ConsumerFunction").expect("consumer");
    let reports: Vec<Value> = consumer
        .logs()
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["type"] == "platform.report")
        .collect();
    assert!(!reports.is_empty(), "platform.report records: {:?}", consumer.logs());
    let metrics = &reports[0]["record"]["metrics"];
    assert!(
        metrics["maxMemoryUsedMB"].as_u64().is_some_and(|mb| mb > 0),
        "{metrics}"
    );
    assert!(
        metrics["initDurationMs"].as_f64().is_some(),
        "the first invocation's init: {metrics}"
    );
    assert!(
        !consumer.logs().iter().any(|line| line.starts_with("REPORT ")),
        "no text REPORT lines in JSON format"
    );

    // 7: a Kinesis event with a 7-digit arrival fraction, a `.05` one and an unreadable record.
    let mut event: Value = serde_json::from_slice(
        &std::fs::read(motoserver::workspace_root().join("events/consumer-kinesis-lenient.json")).expect("event"),
    )
    .expect("JSON");
    let mut unreadable = event["Records"][0].clone();
    unreadable["kinesis"]["data"] = serde_json::json!(5);
    unreadable["kinesis"]["sequenceNumber"] =
        serde_json::json!("49590338271490256608559692538361571095921575989140000003");
    event["Records"].as_array_mut().expect("Records").push(unreadable);
    let invoke = format!("{}/2015-03-31/functions/consumer/invocations", stage.invoke_url);
    let answer = http.post(&invoke, &[], event.to_string()).await;
    assert_eq!(answer.header("x-amz-function-error"), None, "{}", answer.body);
    assert_eq!(
        answer.json(),
        serde_json::json!({"batchItemFailures": []}),
        "{}",
        answer.body
    );
    let pin = item(&stage, "pin-7529")
        .await
        .expect("the 7-digit-fraction record is written");
    assert!(pin.contains_key("unique_id"));
    let geo = item(&stage, "geo-7529").await.expect("the .05 record is written");
    let arrival = geo["_sg_arrival"].as_s().expect("_sg_arrival");
    assert!(arrival.ends_with(":55.050Z"), "{arrival}: .05 s is 50 ms");
    let poison = eventually("the unreadable record's dead letter", DEADLINE, || async {
        let messages = queue_messages(&stage).await;
        (!messages.is_empty()).then_some(messages)
    })
    .await;
    assert_eq!(poison.len(), 1, "{poison:?}");
    assert_eq!(
        read_as::<PoisonMessage>(&poison)[0].sequence_number.as_deref(),
        Some("49590338271490256608559692538361571095921575989140000003")
    );
    stage.stop().await;
}
