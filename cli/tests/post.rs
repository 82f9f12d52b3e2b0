//! The Postman collection (run by newman) and `streamgate post` (the built binary), against a
//! running local stage.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::path::PathBuf;
use std::time::Duration;

use localstage::kafka_side::KafkaMode;
use localstage::{Options, Stage};
use serde_json::{Value, json};
use testkit::eventually;

const USERNAME: &str = "streamgate";
/// The documented local password: the Postman local environment carries it.
const PASSWORD: &str = "streamgate-local-password";

/// A stage as `make local` runs it: with the Kafka broker and the topics function.
async fn stage() -> Stage {
    stage_in(KafkaMode::Function, "direct").await
}

/// A stage with Kafka, `/topics` served in `mode`, `POST /submit` by the `submit` integration
/// (the template's `SubmitIntegration`).
async fn stage_in(mode: KafkaMode, submit: &str) -> Stage {
    let mut options = Options::isolated(USERNAME, PASSWORD);
    options.kafka = true;
    options.kafka_mode = mode;
    options
        .parameter_overrides
        .insert("SubmitIntegration".into(), submit.into());
    Stage::start(options)
        .await
        .unwrap_or_else(|e| panic!("the local stage did not start: {e}"))
}

/// Runs `streamgate post --json` against the stage; returns the exit status and the summary.
async fn post(stage: &Stage, extra: &[&str]) -> (bool, Value) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_streamgate"))
        .args(["post", "--json", "--quiet", "--url", &stage.gateway_url])
        .args(["--stream", &stage.provisioned.stream_name, "--username", USERNAME])
        .args(extra)
        .output()
        .await
        .expect("streamgate post runs");
    let summary = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "--json prints one JSON object ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.success(), summary)
}

async fn items(stage: &Stage) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    testkit::scan_items(&stage.sdk_config().await, &stage.provisioned.table_name)
        .await
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postman_collection_passes_under_newman() {
    postman_collection_passes(KafkaMode::Function, "direct").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postman_collection_passes_under_newman_in_the_rest_proxy_mode() {
    postman_collection_passes(KafkaMode::RestProxy, "direct").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postman_collection_passes_under_newman_with_the_submit_function() {
    postman_collection_passes(KafkaMode::Function, "function").await;
}

async fn postman_collection_passes(mode: KafkaMode, submit: &str) {
    let root = motoserver::workspace_root();
    let newman: PathBuf = root.join("node_modules/.bin/newman");
    assert!(
        newman.exists(),
        "newman is not installed at {}: run `make tools` (npm ci of the pinned package.json into node_modules)",
        newman.display()
    );
    let stage = stage_in(mode, submit).await;
    let export = std::env::temp_dir().join(format!("newman-{}-{mode:?}-{submit}.json", std::process::id()));
    let output = tokio::process::Command::new(&newman)
        .current_dir(&root)
        .args([
            "run",
            "postman/streamgate.postman_collection.json",
            "-e",
            "postman/local.postman_environment.json",
        ])
        .args(["--env-var", &format!("baseUrl={}", stage.gateway_url)])
        .args(["--env-var", &format!("streamName={}", stage.provisioned.stream_name)])
        .args(["--reporters", "cli,json", "--disable-unicode", "--color", "off"])
        .args(["--reporter-json-export".as_ref(), export.as_os_str()])
        .output()
        .await
        .expect("newman runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "newman failed:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Every request of both folders ran, and every assertion passed.
    let run: serde_json::Value = serde_json::from_slice(&std::fs::read(&export).expect("newman's JSON report"))
        .expect("newman's JSON report is JSON");
    let _ = std::fs::remove_file(&export);
    let stats = &run["run"]["stats"];
    assert_eq!(stats["requests"]["total"], 22, "{report}");
    assert_eq!(stats["assertions"]["failed"], 0, "{report}");
    assert!(stats["assertions"]["total"].as_u64().unwrap_or(0) >= 35, "{report}");
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_300_seeded_records_lands_300_items() {
    post_300_seeded_records_lands_300_items_with("direct").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_300_seeded_records_lands_300_items_through_the_submit_function() {
    post_300_seeded_records_lands_300_items_with("function").await;
}

async fn post_300_seeded_records_lands_300_items_with(submit: &str) {
    let stage = stage_in(KafkaMode::Function, submit).await;
    let (ok, summary) = post(&stage, &["--password", PASSWORD, "--count", "300", "--seed", "7"]).await;
    assert!(ok, "{summary}");
    assert_eq!(summary["sent"], 300);
    assert_eq!(summary["statuses"]["200"], 300, "{summary}");
    let landed = eventually("300 items", Duration::from_secs(120), || async {
        let items = items(&stage).await;
        (items.len() >= 300).then_some(items)
    })
    .await;
    assert_eq!(landed.len(), 300);
    let pins = landed
        .iter()
        .filter(|i| i.contains_key("unique_id") && i.contains_key("poster_name"))
        .count();
    let geos = landed
        .iter()
        .filter(|i| i.contains_key("latitude") && i.contains_key("country"))
        .count();
    let users = landed
        .iter()
        .filter(|i| i.contains_key("first_name") && i.contains_key("date_joined"))
        .count();
    assert_eq!((pins, geos, users), (100, 100, 100));
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reused_ids_make_fewer_items_than_requests_without_errors() {
    let stage = stage().await;
    let (ok, summary) = post(&stage, &["--password", PASSWORD, "--count", "90", "--reuse-ids"]).await;
    assert!(ok, "{summary}");
    assert_eq!(summary["statuses"]["200"], 90);
    // 90 requests over a pool of 30 eventIds: 30 items once the stream is drained.
    let landed = eventually("the pool of items", Duration::from_secs(60), || async {
        let items = items(&stage).await;
        (items.len() == 30).then_some(items.len())
    })
    .await;
    assert!(landed < 90);
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_exits_non_zero_with_403s_counted() {
    let stage = stage().await;
    let (ok, summary) = post(&stage, &["--password", "wrong", "--count", "5"]).await;
    assert!(!ok, "a run with failures must exit non-zero");
    assert_eq!(summary["statuses"]["403"], 5, "{summary}");
    assert_eq!(summary["sent"], 5);
    assert!(summary["first_failures"][0].as_str().unwrap().contains("Forbidden"));
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_format_sends_batches_through_put_records_and_lands_every_record() {
    let stage = stage().await;
    let (ok, summary) = post(
        &stage,
        &[
            "--password",
            PASSWORD,
            "--format",
            "records",
            "--batch",
            "40",
            "--count",
            "150",
            "--seed",
            "7",
        ],
    )
    .await;
    assert!(ok, "{summary}");
    // 150 records in batches of 40: 4 requests, the last one of 30.
    assert_eq!(summary["sent"], 4, "{summary}");
    assert_eq!(summary["records"], 150, "{summary}");
    assert_eq!(summary["records_failed"], 0, "{summary}");
    assert!(summary["records_per_second"].as_f64().unwrap() > 0.0, "{summary}");
    let landed = eventually("150 items", Duration::from_secs(120), || async {
        let items = items(&stage).await;
        (items.len() >= 150).then_some(items)
    })
    .await;
    assert_eq!(landed.len(), 150);
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_rest_format_lands_every_record_in_the_broker_across_the_three_topics() {
    kafka_rest_format_lands_every_record(KafkaMode::Function).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_rest_format_lands_every_record_in_the_rest_proxy_mode() {
    kafka_rest_format_lands_every_record(KafkaMode::RestProxy).await;
}

async fn kafka_rest_format_lands_every_record(mode: KafkaMode) {
    let stage = stage_in(mode, "direct").await;
    let (ok, summary) = post(
        &stage,
        &[
            "--password",
            PASSWORD,
            "--format",
            "kafka-rest",
            "--batch",
            "10",
            "--count",
            "300",
            "--seed",
            "7",
        ],
    )
    .await;
    assert!(ok, "{summary}");
    assert_eq!(summary["records"], 300, "{summary}");
    assert_eq!(summary["records_failed"], 0, "{summary}");
    // Per topic: 100 records each, in requests of 10.
    for kind in ["pin", "geo", "user"] {
        let topic = &summary["targets"][format!("streamgate-local.{kind}")];
        assert_eq!(
            (&topic["records"], &topic["requests"], &topic["failed"]),
            (&json!(100), &json!(10), &json!(0)),
            "{summary}"
        );
    }
    let bootstrap = &stage.kafka.as_ref().expect("kafka").bootstrap;
    let mut total = 0;
    for kind in ["pin", "geo", "user"] {
        let records = localstage::kafka::read_all(bootstrap, &format!("streamgate-local.{kind}"))
            .await
            .expect("read the topic");
        assert_eq!(records.len(), 100, "{kind}");
        let first: Value =
            serde_json::from_slice(records[0].value.as_deref().unwrap_or_default()).expect("a JSON record");
        // The JSON embedded format: the key is the eventId as a JSON string.
        let key: String = serde_json::from_slice(records[0].key.as_deref().unwrap_or_default()).expect("a JSON key");
        assert!(key.starts_with(kind), "the eventId is the key: {key}");
        assert!(first.is_object(), "{first}");
        total += records.len();
    }
    assert_eq!(total, 300);
    stage.stop().await;
}
