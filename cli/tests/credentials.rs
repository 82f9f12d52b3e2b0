//! `streamgate credentials` (the built binary) against local stages: list, add, show, remove and
//! rotate through the stage's own rotation function, and a rotation under load: a client that keeps
//! posting with its old password is never refused inside the grace window, the new password works
//! at once, and the old one is refused once the window has passed.
//!
//! The stages refresh the authorizer's credentials on every request (`CredentialsTtlSeconds=0`,
//! `CredentialsMinRefreshSeconds=0`) and cache no verdict (`AuthorizerCacheTtlSeconds=0`), so what a
//! test sees follows the secret at once. Grace: 0 (old passwords refused right after a change) in
//! the first test; 1 minute (the smallest nonzero) in the second, which therefore takes about 65 s
//! (bounded: the old password must be refused within 90 s of the rotation).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::time::{Duration, Instant};

use localstage::credentials::ClientSeed;
use localstage::{Options, Stage};
use testkit::{HttpClient, basic, eventually};

/// A stage whose secret holds the named clients `seeds`, with a grace of `grace_minutes`.
async fn stage(seeds: &[&str], grace_minutes: &str) -> Stage {
    let mut options = Options::isolated("unused", "unused");
    options.clients = seeds
        .iter()
        .map(|seed| ClientSeed::parse(seed).expect("client flag"))
        .collect();
    for (name, value) in [
        ("AuthorizerCacheTtlSeconds", "0"),
        ("CredentialsTtlSeconds", "0"),
        ("CredentialsMinRefreshSeconds", "0"),
        ("PreviousCredentialsGraceMinutes", grace_minutes),
    ] {
        options.parameter_overrides.insert(name.into(), value.into());
    }
    Stage::start(options)
        .await
        .unwrap_or_else(|e| panic!("the local stage did not start: {e}"))
}

/// Runs `streamgate credentials ARGS` against the stage with explicit endpoints and no AWS
/// environment; returns success and stdout + stderr.
async fn credentials(stage: &Stage, args: &[&str]) -> (bool, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_streamgate"))
        .arg("credentials")
        .args(args)
        .args(["--endpoint", &stage.endpoint, "--invoke-endpoint", &stage.invoke_url])
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_LAMBDA")
        .env_remove("STREAMGATE_STACK")
        .env("RUST_BACKTRACE", "0")
        .output()
        .await
        .expect("streamgate credentials runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// `credentials ARGS`, which must succeed.
async fn ok(stage: &Stage, args: &[&str]) -> String {
    let (ok, out) = credentials(stage, args).await;
    assert!(ok, "credentials {args:?}: {out}");
    out
}

/// The password `show NAME --reveal` prints.
async fn revealed(stage: &Stage, name: &str) -> String {
    let out = ok(stage, &["show", name, "--reveal"]).await;
    out.lines()
        .find_map(|line| line.strip_prefix("password  "))
        .unwrap_or_else(|| panic!("no password line: {out}"))
        .to_string()
}

/// The status of a submit (a new eventId each time) with `name`/`password`.
async fn submit(http: &HttpClient, stage: &Stage, name: &str, password: &str) -> u16 {
    let url = format!(
        "{}/submit/{}/{}",
        stage.gateway_url,
        stage.provisioned.stream_name,
        testkit::unique_name("evt")
    );
    let auth = basic(name, password);
    http.post(
        &url,
        &[("authorization", &auth), ("content-type", "application/json")],
        "{}",
    )
    .await
    .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_add_show_rotate_and_remove() {
    let stage = stage(&["admin"], "0").await;
    let http = HttpClient::default();
    let admin = stage.provisioned.clients[0].password.clone();

    let listed = ok(&stage, &["list"]).await;
    assert!(listed.contains("admin") && listed.contains("every route"), "{listed}");
    assert!(!listed.contains(&admin), "list never prints a password: {listed}");

    let scope = format!("POST /submit/{}*/*", localstage::template::LOCAL_STACK);
    let added = ok(&stage, &["add", "partner", "--routes", &scope, "GET /streams"]).await;
    assert!(added.contains("show partner --reveal"), "{added}");
    let shown = ok(&stage, &["show", "partner"]).await;
    assert!(shown.contains(&format!("{scope}, GET /streams")), "{shown}");
    let first = revealed(&stage, "partner").await;
    assert_eq!(first.len(), 40, "a generated password");
    for out in [&listed, &added, &shown] {
        assert!(!out.contains(&first), "printed without --reveal: {out}");
    }
    let (ok_again, again) = credentials(&stage, &["add", "partner"]).await;
    assert!(!ok_again && again.contains("exists already"), "{again}");

    // The new client works at once, within its scope.
    assert_eq!(submit(&http, &stage, "partner", &first).await, 200);
    let streams = format!("{}/streams", stage.gateway_url);
    let get = |password: String| {
        let (http, url) = (http.clone(), streams.clone());
        async move {
            http.call("GET", &url, &[("authorization", &basic("partner", &password))], "")
                .await
                .status
        }
    };
    assert_eq!(get(first.clone()).await, 200);

    // Rotation through the stage's rotation function: new password at once, old one refused (no grace).
    let rotated = ok(&stage, &["rotate", "partner"]).await;
    let second = revealed(&stage, "partner").await;
    assert_ne!(second, first);
    assert!(!rotated.contains(&second) && !rotated.contains(&first), "{rotated}");
    assert_eq!(submit(&http, &stage, "partner", &second).await, 200);
    assert_eq!(submit(&http, &stage, "partner", &first).await, 403);
    assert_eq!(revealed(&stage, "admin").await, admin, "only partner rotated");

    // A failing step is named, with the function's own message; nothing changes.
    let (ok_nobody, out) = credentials(&stage, &["rotate", "nobody"]).await;
    assert!(!ok_nobody, "{out}");
    assert!(
        out.contains("createSecret") && out.contains("no client named \"nobody\""),
        "{out}"
    );
    assert_eq!(revealed(&stage, "partner").await, second);

    ok(&stage, &["rotate", "--all"]).await;
    let admin_rotated = revealed(&stage, "admin").await;
    assert_ne!(admin_rotated, admin);
    assert_ne!(revealed(&stage, "partner").await, second);
    assert_eq!(submit(&http, &stage, "admin", &admin_rotated).await, 200);

    // Remove: the client is refused at once; the last client cannot go.
    let partner = revealed(&stage, "partner").await;
    ok(&stage, &["remove", "partner"]).await;
    assert!(!ok(&stage, &["list"]).await.contains("partner"));
    assert_eq!(submit(&http, &stage, "partner", &partner).await, 403);
    let (ok_last, out) = credentials(&stage, &["remove", "admin"]).await;
    assert!(!ok_last && out.contains("last client"), "{out}");
    assert!(ok(&stage, &["list"]).await.contains("admin"));
    assert_eq!(submit(&http, &stage, "admin", &admin_rotated).await, 200);
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_locks_out_no_client_inside_the_grace_window() {
    const GRACE: Duration = Duration::from_secs(60);
    let stage = stage(&["partner", "gone"], "1").await;
    let http = HttpClient::default();
    let old = stage.provisioned.clients[0].password.clone();
    // The grace keeps old passwords, not removed clients: `gone` is refused at once.
    let gone = stage.provisioned.clients[1].password.clone();
    assert_eq!(submit(&http, &stage, "gone", &gone).await, 200);
    ok(&stage, &["remove", "gone"]).await;
    assert_eq!(submit(&http, &stage, "gone", &gone).await, 403);

    // A client that keeps posting with its old password, until it is first refused (or 120 s).
    let poster = {
        let (http, gateway, stream) = (
            http.clone(),
            stage.gateway_url.clone(),
            stage.provisioned.stream_name.clone(),
        );
        let auth = basic("partner", &old);
        tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut answers: Vec<(Instant, u16)> = Vec::new();
            while Instant::now() < deadline {
                let url = format!("{gateway}/submit/{stream}/{}", testkit::unique_name("grace"));
                let status = http.post(&url, &[("authorization", &auth)], "{}").await.status;
                answers.push((Instant::now(), status));
                if status != 200 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            answers
        })
    };
    eventually(
        "the old password accepted before the rotation",
        Duration::from_secs(30),
        || async { (submit(&http, &stage, "partner", &old).await == 200).then_some(()) },
    )
    .await;

    let rotation_started = Instant::now();
    ok(&stage, &["rotate", "partner"]).await;
    let rotated = Instant::now();
    let new = revealed(&stage, "partner").await;
    assert_ne!(new, old);
    assert_eq!(
        submit(&http, &stage, "partner", &new).await,
        200,
        "the new password works at once"
    );

    let answers = poster.await.expect("the poster");
    let (refused_at, status) = *answers.last().expect("answers");
    let accepted_after = answers.iter().filter(|(at, s)| *at > rotated && *s == 200).count();
    assert_eq!(
        status,
        403,
        "the old password is still accepted {:?} after the rotation",
        refused_at - rotated
    );
    assert!(
        answers[..answers.len() - 1].iter().all(|(_, s)| *s == 200),
        "a request was refused before the last: {answers:?}"
    );
    // Versions are dated in whole seconds: the window may end up to a second early.
    assert!(
        refused_at >= rotation_started + GRACE - Duration::from_secs(2),
        "refused {:?} after the rotation began, inside the {GRACE:?} grace window",
        refused_at - rotation_started
    );
    assert!(accepted_after >= 20, "{accepted_after} requests accepted in the window");
    assert!(
        refused_at - rotated <= GRACE + Duration::from_secs(30),
        "{:?}",
        refused_at - rotated
    );
    assert_eq!(submit(&http, &stage, "partner", &new).await, 200);
    stage.stop().await;
}
