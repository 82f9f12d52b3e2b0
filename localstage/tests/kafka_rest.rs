//! The topics function's REST Proxy core (served over plain HTTP, as the stage's REST Proxy mode
//! serves it) against a real Tansu broker: producing through its rskafka client, read back with
//! `kafka::read_all`; the broker's lifetime tied to the process that started it.
//!
//! One broker per test process (started on first use); each test has its own topics and its own
//! stand-in.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine;
use localstage::kafka::{self, Broker, KafkaRecord};
use serde_json::{Value, json};
use testkit::{Answer, HttpClient, eventually, unique_name};
use topics::partitioner::partition_for_key;

const JSON_V2: &str = "application/vnd.kafka.json.v2+json";
const BINARY_V2: &str = "application/vnd.kafka.binary.v2+json";
const V2: &str = "application/vnd.kafka.v2+json";
const DEADLINE: Duration = Duration::from_secs(20);

/// Set in the child process of `the_broker_dies_with_the_process_that_started_it`.
const HOLDER_ENV: &str = "STREAMGATE_KAFKA_TEST_HOLDER";

/// The broker shared by this process's tests. A missing Tansu is a failure, never a skip.
fn broker() -> &'static Broker {
    static SHARED: OnceLock<Broker> = OnceLock::new();
    // A static is never dropped: the broker stops when this process ends (its launcher's stdin closes).
    SHARED.get_or_init(|| {
        Broker::start(0).unwrap_or_else(|e| panic!("{e}\nIntegration tests never skip silently: they need the broker."))
    })
}

/// The shared broker's bootstrap address, started off the async runtime (it blocks until ready).
async fn bootstrap() -> &'static str {
    tokio::task::spawn_blocking(|| broker().bootstrap())
        .await
        .unwrap_or_else(|e| panic!("starting the broker: {e}"))
}

/// Serves a fresh stand-in for `bootstrap` on a free loopback port; returns its base URL.
async fn serve_proxy(bootstrap: &str) -> String {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("local address: {e}"));
    let app = kafka::rest_proxy::router(bootstrap);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

/// Topics created on the shared broker, with a stand-in in front of it.
async fn setup(topics: &[(&str, i32)]) -> (String, Vec<String>) {
    let bootstrap = bootstrap().await;
    let mut names = Vec::new();
    for (prefix, partitions) in topics {
        let name = unique_name(prefix);
        kafka::create_topics(bootstrap, std::slice::from_ref(&name), *partitions)
            .await
            .unwrap_or_else(|e| panic!("create {name}: {e}"));
        names.push(name);
    }
    (serve_proxy(bootstrap).await, names)
}

async fn post(url: &str, content_type: Option<&str>, body: &str) -> Answer {
    let headers: Vec<(&str, &str)> = content_type.map(|c| ("content-type", c)).into_iter().collect();
    HttpClient::default()
        .call("POST", url, &headers, body.to_string())
        .await
}

async fn get(url: &str) -> Answer {
    HttpClient::default().call("GET", url, &[], "").await
}

/// A request error: the status, the REST Proxy's content type, and `{error_code, message}`.
fn assert_error(answer: &Answer, status: u16, error_code: u64) -> String {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some(V2));
    let body = answer.json();
    assert_eq!(body["error_code"], json!(error_code), "{}", answer.body);
    body["message"].as_str().unwrap_or_default().to_string()
}

/// The `offsets` of a 200 produce answer.
fn offsets(answer: &Answer) -> Vec<Value> {
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some(V2));
    let body = answer.json();
    assert_eq!(body["key_schema_id"], Value::Null);
    assert_eq!(body["value_schema_id"], Value::Null);
    body["offsets"].as_array().cloned().unwrap_or_default()
}

/// The stored record at an entry of `offsets` (which must be a success).
fn stored<'a>(records: &'a [KafkaRecord], entry: &Value) -> &'a KafkaRecord {
    assert_eq!(entry["error_code"], Value::Null, "{entry}");
    assert_eq!(entry["error"], Value::Null, "{entry}");
    let (partition, offset) = (entry["partition"].as_i64(), entry["offset"].as_i64());
    records
        .iter()
        .find(|r| Some(i64::from(r.partition)) == partition && Some(r.offset) == offset)
        .unwrap_or_else(|| panic!("{entry} is not among {records:?}"))
}

async fn read_all(topic: &str) -> Vec<KafkaRecord> {
    kafka::read_all(bootstrap().await, topic)
        .await
        .unwrap_or_else(|e| panic!("read {topic}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_records_with_keys_are_stored_as_their_exact_json_text() {
    let (proxy, topics) = setup(&[("json", 3)]).await;
    let body = r#"{"records": [
        {"key": "user-1", "value": {"title": "hello", "n": 1.50, "tags": ["a", "b"]}},
        {"key": {"id": 7}, "value": "plain string"},
        {"value": [1, 2, 3]}
    ]}"#;
    let answer = post(&format!("{proxy}/topics/{}", topics[0]), Some(JSON_V2), body).await;
    let offsets = offsets(&answer);
    assert_eq!(offsets.len(), 3, "one offset per record: {}", answer.body);

    let records = read_all(&topics[0]).await;
    assert_eq!(records.len(), 3, "{records:?}");
    let expected: [(Option<&[u8]>, &[u8]); 3] = [
        (Some(br#""user-1""#), br#"{"title":"hello","n":1.50,"tags":["a","b"]}"#),
        (Some(br#"{"id":7}"#), br#""plain string""#),
        (None, b"[1,2,3]"),
    ];
    for (entry, (key, value)) in offsets.iter().zip(expected) {
        let record = stored(&records, entry);
        assert_eq!(record.key.as_deref(), key);
        assert_eq!(record.value.as_deref(), Some(value));
        if let Some(key) = key {
            // Keyed records land where the Java producer's default partitioner puts them.
            assert_eq!(record.partition, partition_for_key(key, 3), "{entry}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_records_are_stored_decoded() {
    let (proxy, topics) = setup(&[("binary", 2)]).await;
    let value: Vec<u8> = (0..=255).collect();
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let body = json!({"records": [
        {"key": b64(b"\x00key\xff"), "value": b64(&value)},
        {"value": b64(b"")},
        {"key": b64(b"k"), "value": null},
    ]})
    .to_string();
    let answer = post(&format!("{proxy}/topics/{}", topics[0]), Some(BINARY_V2), &body).await;
    let offsets = offsets(&answer);
    assert_eq!(offsets.len(), 3);

    let records = read_all(&topics[0]).await;
    let first = stored(&records, &offsets[0]);
    assert_eq!(first.key.as_deref(), Some(&b"\x00key\xff"[..]));
    assert_eq!(first.value.as_deref(), Some(&value[..]));
    let second = stored(&records, &offsets[1]);
    assert_eq!((second.key.as_deref(), second.value.as_deref()), (None, Some(&b""[..])));
    let tombstone = stored(&records, &offsets[2]);
    assert_eq!(
        (tombstone.key.as_deref(), tombstone.value.as_deref()),
        (Some(&b"k"[..]), None)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explicit_partitions_are_honoured_and_a_missing_one_refuses_the_request() {
    let (proxy, topics) = setup(&[("partition", 4)]).await;
    let url = format!("{proxy}/topics/{}", topics[0]);
    let body = r#"{"records": [
        {"value": "p2", "partition": 2},
        {"key": "same-key", "value": "p3", "partition": 3},
        {"value": "nowhere", "partition": 9},
        {"value": "p0", "partition": 0}
    ]}"#;
    let message = assert_error(&post(&url, Some(JSON_V2), body).await, 404, 40402);
    assert!(
        message.contains("records[2]") && message.contains("[0, 4)"),
        "{message}"
    );
    assert!(
        read_all(&topics[0]).await.is_empty(),
        "nothing of a refused request is produced"
    );

    let body = r#"{"records": [
        {"value": "p2", "partition": 2},
        {"key": "same-key", "value": "p3", "partition": 3},
        {"value": "p0", "partition": 0},
        {"value": "p2 again", "partition": 2}
    ]}"#;
    let produced = offsets(&post(&url, Some(JSON_V2), body).await);
    let records = read_all(&topics[0]).await;
    for (index, partition, value) in [(0, 2, "p2"), (1, 3, "p3"), (2, 0, "p0"), (3, 2, "p2 again")] {
        let record = stored(&records, &produced[index]);
        assert_eq!(record.partition, partition);
        assert_eq!(record.value.as_deref(), Some(format!("\"{value}\"").as_bytes()));
    }
    // Same partition, request order: one batch.
    assert_eq!(
        produced[3]["offset"].as_i64(),
        produced[0]["offset"].as_i64().map(|o| o + 1)
    );

    // The partition route; -1 and a partition the topic lacks are 40402.
    let answer = post(
        &format!("{url}/partitions/1"),
        Some(JSON_V2),
        r#"{"records": [{"value": "p1"}]}"#,
    )
    .await;
    assert_eq!(offsets(&answer)[0]["partition"], json!(1));
    for partition in ["-1", "4"] {
        let answer = post(
            &format!("{url}/partitions/{partition}"),
            Some(JSON_V2),
            r#"{"records": [{"value": 1}]}"#,
        )
        .await;
        assert_error(&answer, 404, 40402);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requests_keyless_records_stay_together() {
    let (proxy, topics) = setup(&[("sticky", 3)]).await;
    let body = json!({"records": (0..6).map(|i| json!({"value": i})).collect::<Vec<_>>()}).to_string();
    let answer = post(&format!("{proxy}/topics/{}", topics[0]), Some(JSON_V2), &body).await;
    let partitions: Vec<i64> = offsets(&answer)
        .iter()
        .filter_map(|entry| entry["partition"].as_i64())
        .collect();
    assert_eq!(partitions.len(), 6);
    assert!(partitions.iter().all(|p| *p == partitions[0]), "{partitions:?}");
    assert_eq!(read_all(&topics[0]).await.len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_content_type_is_415() {
    let (proxy, topics) = setup(&[("media", 1)]).await;
    let url = format!("{proxy}/topics/{}", topics[0]);
    let body = r#"{"records": [{"value": 1}]}"#;
    for content_type in [
        Some("application/json"),
        Some("application/octet-stream"),
        Some("application/vnd.kafka.avro.v2+json"),
        Some("text/plain"),
        None,
    ] {
        let answer = post(&url, content_type, body).await;
        let message = assert_error(&answer, 415, 415);
        assert!(
            message.contains("Unsupported Media Type"),
            "{content_type:?}: {message}"
        );
    }
    assert!(read_all(&topics[0]).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_topic_is_404_and_is_not_created() {
    let (proxy, _) = setup(&[]).await;
    let missing = unique_name("missing");
    let answer = post(
        &format!("{proxy}/topics/{missing}"),
        Some(JSON_V2),
        r#"{"records": [{"value": 1}]}"#,
    )
    .await;
    assert_eq!(assert_error(&answer, 404, 40401), "Topic not found.");
    let answer = get(&format!("{proxy}/topics/{missing}")).await;
    assert_eq!(assert_error(&answer, 404, 40401), "Topic not found.");
    let listed = get(&format!("{proxy}/topics")).await.json();
    assert!(
        !listed.as_array().is_some_and(|topics| topics.contains(&json!(missing))),
        "{listed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_body_is_422_saying_what_is_wrong() {
    let (proxy, topics) = setup(&[("malformed", 1)]).await;
    let url = format!("{proxy}/topics/{}", topics[0]);
    let cases = [
        (JSON_V2, "not json", "not a JSON produce request"),
        (JSON_V2, "", "not a JSON produce request"),
        (JSON_V2, "{}", "records must be a non-empty array"),
        (JSON_V2, r#"{"records": []}"#, "records must be a non-empty array"),
        (
            JSON_V2,
            r#"{"records": [{"value": 1}, {"key": "k"}]}"#,
            "records[1]: value is required",
        ),
        (
            BINARY_V2,
            r#"{"records": [{"value": "%%%"}]}"#,
            "records[0].value: not valid base64",
        ),
    ];
    for (content_type, body, expected) in cases {
        let answer = post(&url, Some(content_type), body).await;
        let message = assert_error(&answer, 422, 422);
        assert!(message.contains(expected), "{body:?}: {message}");
    }
    assert!(
        read_all(&topics[0]).await.is_empty(),
        "nothing of a refused request is produced"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_are_listed_and_described() {
    let (proxy, topics) = setup(&[("listed-a", 1), ("listed-b", 3)]).await;
    let answer = get(&format!("{proxy}/topics")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some(V2));
    let listed: Vec<String> = serde_json::from_str(&answer.body).unwrap_or_else(|e| panic!("{e}: {}", answer.body));
    assert!(listed.contains(&topics[0]) && listed.contains(&topics[1]), "{listed:?}");
    assert!(listed.windows(2).all(|pair| pair[0] <= pair[1]), "sorted: {listed:?}");

    let answer = get(&format!("{proxy}/topics/{}", topics[1])).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some(V2));
    assert_eq!(
        answer.json(),
        json!({"name": topics[1], "configs": {}, "partitions": [
            {"partition": 0, "leader": -1, "replicas": []},
            {"partition": 1, "leader": -1, "replicas": []},
            {"partition": 2, "leader": -1, "replicas": []},
        ]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_topics_is_idempotent() {
    let (proxy, topics) = setup(&[("idempotent", 2)]).await;
    let bootstrap = bootstrap().await;
    kafka::create_topics(bootstrap, &topics, 5)
        .await
        .unwrap_or_else(|e| panic!("second create: {e}"));
    let described = get(&format!("{proxy}/topics/{}", topics[0])).await.json();
    assert_eq!(described["partitions"].as_array().map(Vec::len), Some(2), "{described}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_and_methods_answer_in_the_proxys_shape() {
    let (proxy, topics) = setup(&[("paths", 1)]).await;
    let answer = get(&format!("{proxy}/brokers")).await;
    assert_error(&answer, 404, 404);
    let answer = HttpClient::default()
        .call("DELETE", &format!("{proxy}/topics/{}", topics[0]), &[], "")
        .await;
    assert_error(&answer, 405, 405);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_broker_is_500_for_the_whole_request() {
    // A port nothing listens on (the kernel's pick, released).
    let port = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|e| panic!("free port: {e}"));
    let proxy = serve_proxy(&format!("127.0.0.1:{port}")).await;
    // Each gives up after the client's connection attempts: together, not one after the other.
    let (produce_url, topics_url) = (format!("{proxy}/topics/anything"), format!("{proxy}/topics"));
    let (produced, listed) = tokio::join!(
        post(&produce_url, Some(JSON_V2), r#"{"records": [{"value": 1}]}"#),
        get(&topics_url),
    );
    let message = assert_error(&produced, 500, 50003);
    assert!(
        message.contains("Kafka is unreachable") && message.contains(&format!("127.0.0.1:{port}")),
        "{message}"
    );
    assert_error(&listed, 500, 50003);
}

/// Not a test: a child-process helper, run explicitly (with `--ignored`) by
/// `the_broker_dies_with_the_process_that_started_it`, so a plain run does not count it as a passing
/// test. Starts a broker, prints its port, and waits to be killed (a no-op unless [`HOLDER_ENV`] is
/// set, so `--include-ignored` runs do not hang on it).
#[test]
#[ignore = "child-process helper of the_broker_dies_with_the_process_that_started_it"]
fn broker_holder() {
    if std::env::var_os(HOLDER_ENV).is_none() {
        return;
    }
    let broker = Broker::start(0).unwrap_or_else(|e| panic!("{e}"));
    println!("BROKER-PORT {}", broker.port());
    loop {
        std::thread::park();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_broker_dies_with_the_process_that_started_it() {
    use std::io::{BufRead, BufReader};
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("current exe: {e}"));
    let mut holder = std::process::Command::new(exe)
        .args([
            "--exact",
            "broker_holder",
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(HOLDER_ENV, "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn the holder: {e}"));
    let stdout = holder
        .stdout
        .take()
        .unwrap_or_else(|| panic!("the holder has no stdout"));
    let port: u16 = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            // libtest may print `test broker_holder ... ` on the same line first.
            .find_map(|line| {
                line.split("BROKER-PORT ")
                    .nth(1)
                    .and_then(|port| port.trim().parse().ok())
            })
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_else(|| panic!("the holder printed no broker port"));
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    assert!(TcpStream::connect(address).is_ok(), "the holder's broker answers");

    // SIGKILL: no destructor runs in the holder; only the closed pipe tells the launcher.
    holder.kill().unwrap_or_else(|e| panic!("kill the holder: {e}"));
    let _ = holder.wait();
    eventually(
        "the broker to stop after its parent was killed",
        DEADLINE,
        || async move {
            TcpStream::connect_timeout(&address, Duration::from_millis(200))
                .is_err()
                .then_some(())
        },
    )
    .await;
}
