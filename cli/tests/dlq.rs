//! `streamgate dlq` (the built binary) against a local stage whose DynamoDB fails: the stage's event
//! source mapping gives up on the batches and leaves pointers in the dead-letter queue; once the
//! faults lift, `dlq redrive` delivers the batches again with their original sequence numbers, so
//! every record lands and none overwrites a newer version written since.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::time::Duration;

use deadletter::{Overview, PoisonMessage};
use localstage::{Options, Stage};
use testkit::{Fault, FaultProxy, HttpClient, basic, eventually};

const USERNAME: &str = "streamgate";
const PASSWORD: &str = "streamgate-local-password";
const IDS: usize = 10;

/// Runs `streamgate dlq ARGS` against the stage with no AWS environment (no credentials, no
/// region): only the endpoints, since a test stage is on free ports (`make local`'s are the
/// defaults); returns success and stdout.
async fn dlq(stage: &Stage, emulator: &str, args: &[&str]) -> (bool, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_streamgate"))
        .arg("dlq")
        .args(args)
        .args(["--endpoint", emulator, "--invoke-endpoint", &stage.invoke_url])
        .env_clear()
        .output()
        .await
        .expect("streamgate dlq runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    (output.status.success(), format!("{stdout}{stderr}"))
}

/// `dlq list --json`, read as the type the CLI prints.
async fn overview(stage: &Stage, emulator: &str) -> Overview {
    let (ok, out) = dlq(stage, emulator, &["list", "--json"]).await;
    assert!(ok, "{out}");
    serde_json::from_str(out.lines().next().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn pointed_records(overview: &Overview) -> u64 {
    overview.batches_by_shard.values().map(|shard| shard.records).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redrive_brings_back_every_record_in_order_after_a_dynamodb_outage() {
    // Its own moto, behind a fault proxy: the whole stage talks to AWS through it.
    let moto = testkit::Moto::start().expect("moto");
    let proxy = FaultProxy::start(moto.endpoint(), 11).await.expect("fault proxy");
    let mut options = Options::isolated(USERNAME, PASSWORD);
    options.endpoint = Some(proxy.endpoint().to_string());
    for (name, value) in [("MaximumRetryAttempts", "1"), ("MaximumBatchingWindowInSeconds", "1")] {
        options.parameter_overrides.insert(name.into(), value.into());
    }
    // One SDK attempt per call: the consumer fails fast under the outage instead of retrying into its
    // timeout (its own backoff still runs).
    options
        .environment_overrides
        .push(("ConsumerFunction".into(), "AWS_MAX_ATTEMPTS".into(), "1".into()));
    let stage = Stage::start(options).await.unwrap_or_else(|e| panic!("stage: {e}"));
    let emulator = moto.endpoint().to_string();

    // Every DynamoDB call fails: the consumer can store nothing.
    proxy.inject("DynamoDB_20120810.", 1.0, Fault::ServerError);
    let http = HttpClient::default();
    let auth = basic(USERNAME, PASSWORD);
    for version in [1, 2] {
        for id in 0..IDS {
            let url = format!(
                "{}/submit/{}/order-{id}",
                stage.gateway_url, stage.provisioned.stream_name
            );
            let body = format!(r#"{{"id":{id},"version":{version}}}"#);
            let answer = http
                .post(
                    &url,
                    &[("authorization", &auth), ("content-type", "application/json")],
                    body,
                )
                .await;
            assert_eq!(answer.status, 200, "{}", answer.body);
        }
    }
    // The mapping gives up: pointers for the newest version of every id (the consumer reports the
    // older versions done, superseded within their batch).
    let listed = eventually("batch pointers for every id", Duration::from_secs(180), || async {
        let listed = overview(&stage, &emulator).await;
        (pointed_records(&listed) >= IDS as u64).then_some(listed)
    })
    .await;
    assert!(listed.poison_by_reason.is_empty(), "{listed:?}");

    // The outage ends; ids 0..4 get a version 3 before the redrive.
    proxy.clear();
    for id in 0..IDS / 2 {
        let url = format!(
            "{}/submit/{}/order-{id}",
            stage.gateway_url, stage.provisioned.stream_name
        );
        let body = format!(r#"{{"id":{id},"version":3}}"#);
        let answer = http
            .post(
                &url,
                &[("authorization", &auth), ("content-type", "application/json")],
                body,
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    eventually("version 3 of ids 0..4 stored", Duration::from_secs(60), || async {
        let items = testkit::scan_items(&stage.sdk_config().await, &stage.provisioned.table_name)
            .await
            .unwrap_or_default();
        (items.len() == IDS / 2).then_some(())
    })
    .await;

    // A dry run changes nothing.
    let (ok, out) = dlq(&stage, &emulator, &["redrive", "--dry-run"]).await;
    assert!(ok, "{out}");
    assert!(out.contains("would redrive"), "{out}");
    assert_eq!(
        pointed_records(&overview(&stage, &emulator).await),
        pointed_records(&listed)
    );

    let (ok, out) = dlq(&stage, &emulator, &["redrive"]).await;
    assert!(ok, "{out}");
    assert!(out.contains("redriven"), "{out}");

    // Every id, each with its newest version (3 for 0..4: the redriven version 2 did not overwrite
    // it), and no pointer left.
    let items = testkit::scan_items(&stage.sdk_config().await, &stage.provisioned.table_name)
        .await
        .expect("scan");
    assert_eq!(items.len(), IDS, "{items:?}");
    for item in &items {
        let id: usize = item
            .get("id")
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .expect("id");
        let version = item.get("version").and_then(|v| v.as_n().ok()).map(String::as_str);
        let newest = if id < IDS / 2 { "3" } else { "2" };
        assert_eq!(version, Some(newest), "the newest version wins: {item:?}");
    }
    let after = overview(&stage, &emulator).await;
    assert_eq!(pointed_records(&after), 0, "{after:?}");
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_records_are_listed_exported_once_and_purged() {
    let stage = Stage::start(Options::isolated(USERNAME, PASSWORD))
        .await
        .unwrap_or_else(|e| panic!("stage: {e}"));
    let emulator = stage.endpoint.clone();
    let http = HttpClient::default();
    let auth = basic(USERNAME, PASSWORD);
    for id in 0..3 {
        let url = format!(
            "{}/submit/{}/bad-{id}",
            stage.gateway_url, stage.provisioned.stream_name
        );
        let answer = http.post(&url, &[("authorization", &auth)], "not json {").await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let listed = eventually("three poison records listed", Duration::from_secs(60), || async {
        let listed = overview(&stage, &emulator).await;
        (listed.poison_by_reason.values().sum::<u64>() == 3).then_some(listed)
    })
    .await;
    assert_eq!(pointed_records(&listed), 0, "{listed:?}");

    let file = std::env::temp_dir().join(format!("poison-{}.jsonl", std::process::id()));
    let (ok, out) = dlq(&stage, &emulator, &["export", "--output", file.to_str().expect("path")]).await;
    assert!(ok, "{out}");
    let exported = std::fs::read_to_string(&file).expect("the export");
    let _ = std::fs::remove_file(&file);
    // Poison messages (the type requires `"kind": "poison"`), each with its data.
    let lines: Vec<PoisonMessage> = exported
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("a poison message per line ({e}): {exported}")))
        .collect();
    assert_eq!(lines.len(), 3, "{exported}");
    assert!(lines.iter().all(|l| l.data.is_some()), "{exported}");
    // Export leaves the queue as it was.
    assert_eq!(overview(&stage, &emulator).await.messages, 3);

    let (ok, out) = dlq(&stage, &emulator, &["purge", "--kind", "poison"]).await;
    assert!(ok && out.contains("3 messages deleted"), "{out}");
    assert_eq!(overview(&stage, &emulator).await.messages, 0);
    stage.stop().await;
}
