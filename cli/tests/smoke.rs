//! `streamgate smoke` (the built binary) against local stages: it passes against a working one, and
//! names the broken part of a broken one.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use localstage::{Options, Stage};

const USERNAME: &str = "streamgate";
const PASSWORD: &str = "streamgate-local-password";

async fn stage(environment: &[(&str, &str, &str)]) -> Stage {
    let mut options = Options::isolated(USERNAME, PASSWORD);
    // With /topics (the topics function), as make local runs it.
    options.kafka = true;
    options.environment_overrides = environment
        .iter()
        .map(|(f, k, v)| (f.to_string(), k.to_string(), v.to_string()))
        .collect();
    Stage::start(options).await.unwrap_or_else(|e| panic!("stage: {e}"))
}

/// Runs `streamgate smoke` against the stage as the README shows it; returns success and output.
async fn smoke(stage: &Stage, extra: &[&str]) -> (bool, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_streamgate"))
        .args(["smoke", "--url", &stage.gateway_url, "--password", PASSWORD])
        .args(extra)
        .env("AWS_ENDPOINT_URL", &stage.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .output()
        .await
        .expect("streamgate smoke runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_against_a_working_stage() {
    let stage = stage(&[]).await;
    let (ok, out) = smoke(&stage, &[]).await;
    assert!(ok, "{out}");
    for check in ["401", "403", "submit", "stream", "item", "poison", "topics"] {
        assert!(out.contains(&format!("PASS {check}")), "{check}: {out}");
    }
    assert!(out.contains("traversal refused (403); 200, streamgate-local."), "{out}");
    assert!(out.contains("7 checks, 0 failed"), "{out}");
    // No environment at all: the credentials come from the stage's secret (only the endpoint and
    // URL are named, since a test stage is on free ports; `make local`'s are the defaults).
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_streamgate"))
        .args(["smoke", "--url", &stage.gateway_url, "--endpoint", &stage.endpoint])
        .env_clear()
        .output()
        .await
        .expect("streamgate smoke runs");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(out.contains("7 checks, 0 failed"), "{out}");
    // It cleans up: its item is gone again.
    let items = testkit::scan_items(&stage.sdk_config().await, &stage.provisioned.table_name)
        .await
        .expect("scan");
    assert!(items.is_empty(), "{items:?}");
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_the_part_that_is_broken() {
    // A consumer that cannot start: nothing reaches the table or the queue.
    let broken = stage(&[("ConsumerFunction", "TABLE_NAME", "")]).await;
    let (ok, out) = smoke(&broken, &["--timeout", "5"]).await;
    assert!(!ok, "a broken stage must fail the smoke test: {out}");
    for check in ["401", "403", "submit", "stream"] {
        assert!(out.contains(&format!("PASS {check}")), "{check}: {out}");
    }
    assert!(out.contains("FAIL item"), "{out}");
    assert!(out.contains("did not appear"), "{out}");
    assert!(out.contains("FAIL poison"), "{out}");
    broken.stop().await;

    // A wrong password: the submit fails and says so; what depends on it is not checked.
    let stage = stage(&[]).await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_streamgate"))
        .args([
            "smoke",
            "--url",
            &stage.gateway_url,
            "--password",
            "wrong",
            "--timeout",
            "5",
        ])
        .env("AWS_ENDPOINT_URL", &stage.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .output()
        .await
        .expect("runs");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success());
    assert!(out.contains("FAIL submit") && out.contains("expected 200"), "{out}");
    assert!(out.contains("not checked: the submit failed"), "{out}");
    stage.stop().await;
}

/// A stage whose direct Kinesis-PutRecord integration stores `Data` base64-encoded (the AWS
/// behaviour nothing offline can rule out), with `SubmitIntegration` = `integration`.
async fn base64_stage(integration: &str) -> Stage {
    let mut options = Options::isolated(USERNAME, PASSWORD);
    options.direct_data_as_base64 = true;
    options
        .parameter_overrides
        .insert("SubmitIntegration".into(), integration.into());
    Stage::start(options).await.unwrap_or_else(|e| panic!("stage: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_holding_base64_names_submit_integration_function_which_fixes_it() {
    let direct = base64_stage("direct").await;
    let (ok, out) = smoke(&direct, &["--timeout", "5"]).await;
    assert!(!ok, "a stream holding base64 must fail the smoke test: {out}");
    assert!(out.contains("PASS submit"), "{out}");
    let stream_line = out
        .lines()
        .find(|line| line.starts_with("FAIL stream"))
        .unwrap_or_else(|| panic!("no FAIL stream line: {out}"));
    assert!(stream_line.contains("base64-encoded"), "{stream_line}");
    assert!(stream_line.contains("SubmitIntegration=function"), "{stream_line}");
    direct.stop().await;

    // The fix it names: the route served by the submit function (no Kinesis-PutRecord integration
    // left to encode anything).
    let function = base64_stage("function").await;
    let (ok, out) = smoke(&function, &[]).await;
    assert!(ok, "{out}");
    for check in ["401", "403", "submit", "stream", "item", "poison"] {
        assert!(out.contains(&format!("PASS {check}")), "{check}: {out}");
    }
    function.stop().await;
}
