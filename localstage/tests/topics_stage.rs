//! `/topics` end to end through the local stage, in the template's two modes: the `topics` function
//! producing to the broker itself (`KafkaBootstrapServers`), and HTTP proxy integrations to a REST
//! Proxy (`KafkaRestProxyUrl`). Records are read back with kafka-python, a Kafka client nobody here
//! wrote; traversal forms are sent at a recording backend that must see none of them; a broker that
//! stops answering mid-request leaves every record with an offset or an error code.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use localstage::kafka::{self, Broker};
use localstage::kafka_side::KafkaMode;
use localstage::{Options, Stage};
use serde_json::{Value, json};
use support::{PASSWORD, USERNAME, options};
use testkit::{Answer, HttpClient, basic};

const JSON_V2: &str = "application/vnd.kafka.json.v2+json";
const BINARY_V2: &str = "application/vnd.kafka.binary.v2+json";

async fn start(options: Options) -> Stage {
    Stage::start(options)
        .await
        .unwrap_or_else(|e| panic!("the local stage did not start: {e}"))
}

fn kafka_options(mode: KafkaMode, environment: &[(&str, &str, &str)]) -> Options {
    let mut options = options(&[("StreamsApi", "false")], environment);
    options.kafka = true;
    options.kafka_mode = mode;
    options
}

async fn post(stage: &Stage, path: &str, content_type: &str, body: String) -> Answer {
    let auth = basic(USERNAME, PASSWORD);
    let headers = [("content-type", content_type), ("authorization", auth.as_str())];
    HttpClient::default()
        .call("POST", &format!("{}{path}", stage.gateway_url), &headers, body)
        .await
}

/// The records of `topic` as kafka-python reads them, with the partition its own partitioner
/// computes for each key.
fn read_with_kafka_python(bootstrap: &str, topic: &str, expected: usize) -> Vec<Value> {
    let root = testkit::workspace_root();
    let python = root.join(".venv/kafka/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `make tools` (kafka-python is pinned in requirements/kafka.txt). \
         This test never skips.",
        python.display()
    );
    let output = Command::new(&python)
        .arg(root.join("localstage/tests/kafka_readback.py"))
        .args([bootstrap, topic, &expected.to_string()])
        .output()
        .unwrap_or_else(|e| panic!("running kafka-python: {e}"));
    assert!(
        output.status.success(),
        "kafka-python: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn produced_through_the_stage_read_back_by_kafka_python(mode: KafkaMode) {
    let stage = start(kafka_options(mode, &[])).await;
    let side = stage.kafka.as_ref().expect("the stage runs Kafka");
    assert!(stage.banner().contains(match mode {
        KafkaMode::Function => "the topics function",
        KafkaMode::RestProxy => "REST Proxy mode",
    }));
    let topic = testkit::unique_name("streamgate-local.keyed");
    kafka::create_topics(&side.bootstrap, std::slice::from_ref(&topic), 3)
        .await
        .unwrap_or_else(|e| panic!("create {topic}: {e}"));

    // (key bytes, value bytes) as they must be stored, in request order per request.
    let mut sent: Vec<(Option<Vec<u8>>, Vec<u8>)> = Vec::new();
    let mut offsets: Vec<Value> = Vec::new();
    for request in 0..3 {
        // Raw JSON text as a client writes it: key order, `1.50` and non-ASCII stay as sent.
        let records: Vec<String> = (0..20)
            .map(|i| {
                format!(r#"{{"key": "user-{request}-{i}", "value": {{"n": {i}, "exact": 1.50, "text": "é 😀"}}}}"#)
            })
            .collect();
        for i in 0..20 {
            sent.push((
                Some(format!("\"user-{request}-{i}\"").into_bytes()),
                format!(r#"{{"n":{i},"exact":1.50,"text":"é 😀"}}"#).into_bytes(),
            ));
        }
        let body = format!(r#"{{"records": [{}]}}"#, records.join(",\n  "));
        let answer = post(&stage, &format!("/topics/{topic}"), JSON_V2, body).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.header("content-type"), Some("application/vnd.kafka.v2+json"));
        offsets.extend(answer.json()["offsets"].as_array().cloned().unwrap_or_default());
    }
    // Binary keys and values, and keyless records (sticky: one partition for the request).
    let binary: Vec<(Vec<u8>, Vec<u8>)> = (0u8..10).map(|i| (vec![0, i, 0xff], vec![i; 3])).collect();
    let mut records: Vec<Value> = binary
        .iter()
        .map(|(k, v)| json!({"key": b64(k), "value": b64(v)}))
        .collect();
    records.extend((0..5).map(|i| json!({"value": b64(&[b'x', i])})));
    let answer = post(
        &stage,
        &format!("/topics/{topic}"),
        BINARY_V2,
        json!({ "records": records }).to_string(),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let binary_offsets = answer.json()["offsets"].as_array().cloned().unwrap_or_default();
    sent.extend(binary.iter().map(|(k, v)| (Some(k.clone()), v.clone())));
    sent.extend((0..5u8).map(|i| (None, vec![b'x', i])));
    let keyless: Vec<&Value> = binary_offsets[10..].iter().map(|o| &o["partition"]).collect();
    assert!(
        keyless.iter().all(|p| *p == keyless[0]),
        "keyless records stay together: {keyless:?}"
    );
    offsets.extend(binary_offsets);
    assert_eq!(offsets.len(), sent.len());

    let read = read_with_kafka_python(&side.bootstrap, &topic, sent.len());
    assert_eq!(read.len(), sent.len(), "kafka-python read {read:?}");
    let by_position: BTreeMap<(i64, i64), &Value> = read
        .iter()
        .map(|r| {
            (
                (
                    r["partition"].as_i64().unwrap_or(-1),
                    r["offset"].as_i64().unwrap_or(-1),
                ),
                r,
            )
        })
        .collect();
    for ((key, value), offset) in sent.iter().zip(&offsets) {
        assert_eq!(offset["error_code"], Value::Null, "{offset}");
        let position = (
            offset["partition"].as_i64().unwrap_or(-1),
            offset["offset"].as_i64().unwrap_or(-1),
        );
        let record = by_position
            .get(&position)
            .unwrap_or_else(|| panic!("{offset} not read back"));
        assert_eq!(record["value"], json!(b64(value)), "{offset}");
        assert_eq!(
            record["key"],
            key.as_ref().map_or(Value::Null, |k| json!(b64(k))),
            "{offset}"
        );
        if key.is_some() {
            assert_eq!(
                record["kafka_python_partition"], record["partition"],
                "murmur2 placement: {record}"
            );
        }
    }
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_mode_records_read_back_with_kafka_python() {
    produced_through_the_stage_read_back_by_kafka_python(KafkaMode::Function).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_proxy_mode_records_read_back_with_kafka_python() {
    produced_through_the_stage_read_back_by_kafka_python(KafkaMode::RestProxy).await;
}

/// The traversal and encoding forms a REST Proxy could resolve into another API.
const TRAVERSALS: [&str; 12] = [
    "/topics/..",
    "/topics/..;",
    "/topics/..;/consumers",
    "/topics/%2e%2e",
    "/topics/%2E%2E",
    "/topics/..%2fconsumers%2fg",
    "/topics/a%2fb",
    "/topics/%2e%2e/partitions/0",
    "/topics//",
    "/topics/_schemas",
    "/topics/__consumer_offsets/partitions/0",
    "/topics/ok/partitions/..",
];

/// A backend that counts what reaches it and answers like a REST Proxy.
async fn recording_backend() -> (String, Arc<AtomicU64>) {
    let seen = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&seen);
    let app = axum::Router::new().fallback(move || {
        let counter = Arc::clone(&counter);
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            (
                [("content-type", "application/vnd.kafka.v2+json")],
                r#"{"offsets":[{"partition":0,"offset":0,"error_code":null,"error":null}],"key_schema_id":null,"value_schema_id":null}"#,
            )
        }
    });
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let url = format!("http://{}", listener.local_addr().unwrap_or_else(|e| panic!("{e}")));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

async fn traversals_are_refused(stage: &Stage, reached: impl Fn() -> u64) {
    let one = r#"{"records":[{"value":1}]}"#.to_string();
    for path in TRAVERSALS {
        let answer = post(stage, path, JSON_V2, one.clone()).await;
        assert!(
            matches!(answer.status, 403 | 404),
            "{path}: {} {}",
            answer.status,
            answer.body
        );
        assert_eq!(reached(), 0, "{path} reached the backend");
    }
    // The same credentials on a valid topic do reach it: the check above can fail.
    let answer = post(stage, "/topics/streamgate-local.pin", JSON_V2, one).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(reached(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_proxy_mode_forwards_no_traversal_to_the_backend() {
    let (url, seen) = recording_backend().await;
    let stage = start(options(&[("StreamsApi", "false"), ("KafkaRestProxyUrl", &url)], &[])).await;
    traversals_are_refused(&stage, || seen.load(Ordering::SeqCst)).await;
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_mode_never_invokes_the_function_for_a_traversal() {
    let stage = start(kafka_options(KafkaMode::Function, &[])).await;
    let function = stage
        .function("TopicsFunction")
        .expect("the topics function runs")
        .clone();
    traversals_are_refused(&stage, || function.invocations()).await;
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_clear_4xx_and_produces_nothing() {
    let stage = start(kafka_options(KafkaMode::Function, &[])).await;
    let side = stage.kafka.as_ref().expect("the stage runs Kafka");
    let path = "/topics/streamgate-local.geo";
    let deep = format!(
        r#"{{"records":[{{"value":{}1{}}}]}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let big = format!(r#"{{"records":[{{"value":"{}"}}]}}"#, "x".repeat(2_000_000));
    let many = format!(r#"{{"records":[{}]}}"#, vec![r#"{"value":1}"#; 20_000].join(","));
    let cases: [(&str, String, u16, &str); 7] = [
        (JSON_V2, "not json".into(), 422, "not a JSON produce request"),
        (JSON_V2, deep, 422, "nested 5000 deep"),
        (JSON_V2, big, 413, "records[0]"),
        (JSON_V2, many, 422, "at most 10000 records"),
        (JSON_V2, r#"{"records":[]}"#.into(), 422, "non-empty"),
        (
            JSON_V2,
            r#"{"records":[{"value":1,"partition":-1}]}"#.into(),
            404,
            "Partition not found",
        ),
        (
            "application/json",
            r#"{"records":[{"value":1}]}"#.into(),
            415,
            "Unsupported Media Type",
        ),
    ];
    for (content_type, body, status, expected) in cases {
        let answer = post(&stage, path, content_type, body).await;
        assert_eq!(answer.status, status, "{expected}: {}", answer.body);
        let message = answer.json()["message"].as_str().unwrap_or_default().to_string();
        assert!(message.contains(expected), "{message}");
    }
    let records = kafka::read_all(&side.bootstrap, "streamgate-local.geo")
        .await
        .expect("read");
    assert!(records.is_empty(), "nothing produced: {records:?}");
    stage.stop().await;
}

/// Sends `signal` to the broker listening on `port` (Tansu and its launcher: both carry the listener
/// URL in their arguments).
fn signal_broker(port: u16, signal: &str) {
    let status = Command::new("pkill")
        .args([
            &format!("-{signal}"),
            "-f",
            "--",
            &format!("listener-url tcp://127.0.0.1:{port}"),
        ])
        .status()
        .unwrap_or_else(|e| panic!("pkill: {e}"));
    assert!(status.success(), "pkill -{signal} found no broker on {port}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_that_stops_answering_leaves_every_record_with_an_offset_or_an_error_code() {
    let broker = tokio::task::spawn_blocking(|| Broker::start(0))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let topic = "streamgate-local.paused".to_string();
    kafka::create_topics(broker.bootstrap(), std::slice::from_ref(&topic), 3)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut options = options(
        &[
            ("StreamsApi", "false"),
            ("KafkaBootstrapServers", broker.bootstrap()),
            ("KafkaAuth", "none"),
        ],
        // A short Kafka budget: a stuck broker fails the request's records in 3 s, not 20.
        &[("TopicsFunction", "PRODUCE_BUDGET_MS", "3000")],
    );
    options.kafka = false;
    let stage = start(options).await;
    let body = |from: usize, count: usize| {
        let records: Vec<Value> = (from..from + count)
            .map(|i| json!({"key": format!("k{}", i % 50), "value": {"i": i, "pad": "p".repeat(900)}}))
            .collect();
        json!({ "records": records }).to_string()
    };
    let warm = post(&stage, &format!("/topics/{topic}"), JSON_V2, body(0, 10)).await;
    assert_eq!(warm.status, 200, "{}", warm.body);
    let mut offsets = warm.json()["offsets"].as_array().cloned().unwrap_or_default();

    // 4,000 records of ~1 KB to one partition (eight batches) while the broker is frozen: the
    // function's connection stays open and nothing answers, as with a broker that hangs or a network
    // that drops packets. (Freezing it between two batches of one request depends on timing that a
    // loaded machine does not keep; the batch-by-batch outcome is unit-tested in topics::produce.)
    let path = format!("/topics/{topic}/partitions/0");
    signal_broker(broker.port(), "STOP");
    let answer = post(&stage, &path, JSON_V2, body(10, 4000)).await;
    signal_broker(broker.port(), "CONT");
    assert_eq!(answer.status, 200, "{}", answer.body);
    let frozen = answer.json()["offsets"].as_array().cloned().unwrap_or_default();
    assert_eq!(frozen.len(), 4000, "one entry per record");
    for entry in &frozen {
        let ok = entry["offset"].is_i64() && entry["partition"].is_i64() && entry["error_code"].is_null();
        let failed = entry["offset"].is_null() && entry["error_code"] == json!(50003) && entry["error"].is_string();
        assert!(ok || failed, "every record has an offset or a 50003: {entry}");
    }
    offsets.extend(frozen);
    let failed: Vec<usize> = offsets
        .iter()
        .enumerate()
        .filter(|(_, o)| !o["error_code"].is_null())
        .map(|(i, _)| i)
        .collect();
    assert!(
        !failed.is_empty(),
        "the freeze failed some records (else this test proves nothing)"
    );
    let acknowledged = offsets.len() - failed.len();

    // Every acknowledged record reads back where its offset says.
    let stored = kafka::read_all(broker.bootstrap(), &topic).await.expect("read back");
    let at: BTreeMap<(i32, i64), &Option<Vec<u8>>> =
        stored.iter().map(|r| ((r.partition, r.offset), &r.value)).collect();
    for (index, entry) in offsets.iter().enumerate().filter(|(_, o)| o["error_code"].is_null()) {
        let position = (
            entry["partition"].as_i64().unwrap_or(-1) as i32,
            entry["offset"].as_i64().unwrap_or(-1),
        );
        let value = at.get(&position).and_then(|v| v.as_deref()).unwrap_or_default();
        assert!(
            String::from_utf8_lossy(value).contains(&format!("\"i\":{index},")),
            "{entry}"
        );
    }

    // The client retries what failed; records the frozen broker had written anyway are duplicates.
    let retry: Vec<Value> = failed
        .iter()
        .map(|i| json!({"key": format!("k{}", i % 50), "value": {"i": i, "pad": "p".repeat(900)}}))
        .collect();
    let answer = post(&stage, &path, JSON_V2, json!({ "records": retry }).to_string()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.json()["offsets"]
            .as_array()
            .is_some_and(|o| o.iter().all(|o| o["error_code"].is_null()))
    );
    let stored = kafka::read_all(broker.bootstrap(), &topic).await.expect("read back");
    let mut copies: BTreeMap<String, usize> = BTreeMap::new();
    for record in &stored {
        let value: Value = serde_json::from_slice(record.value.as_deref().unwrap_or_default()).unwrap_or_default();
        *copies.entry(value["i"].to_string()).or_default() += 1;
    }
    let missing = (0..4010).filter(|i| !copies.contains_key(&i.to_string())).count();
    let duplicates: usize = copies.values().map(|n| n - 1).sum();
    println!(
        "broker frozen mid-request: {acknowledged} of 4010 records acknowledged, {} failed (50003), \
         {duplicates} duplicates after the client's retry",
        failed.len()
    );
    assert_eq!(missing, 0, "every record is in the topic after the retry");
    stage.stop().await;
}
