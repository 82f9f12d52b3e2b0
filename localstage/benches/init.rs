//! `make bench-init`: each function's cold start beside the floor, a hello-world `lambda_runtime`
//! binary (`crates/initfloor`) built with the same release profile.
//!
//! A cold start is timed from the process's spawn until its first `GET
//! /2018-06-01/runtime/invocation/next` reaches a minimal Runtime API on loopback: what Lambda
//! reports as Init Duration, less the sandbox's own start. Each function runs with the environment
//! the local stage gives it (the template's variables resolved against the stage's resources, the
//! emulator's client variables and Lambda's reserved ones; the stage is started to learn them and
//! stopped before the first run, so nothing else runs meanwhile). No function makes a network call
//! before its first `next`: the runs time the process, its configuration and its clients' set-up.
//!
//! The runs are interleaved (floor, each function, floor, ...) so that the machine's noise falls on
//! all of them alike; the table gives median, min and max per binary and each median's ratio to the
//! floor's. The topics function runs twice: as the stage configures it (`KAFKA_AUTH=none`, no AWS
//! SDK) and with `KAFKA_AUTH=iam`, the template's default, which loads the SDK configuration.
//!
//! BENCH_INIT_RUNS (default 30), BENCH_BIN_DIR (default target/release), BENCH_INIT_ENV (`NAME=value`
//! pairs separated by spaces, added to every function's environment but not the floor's: e.g.
//! `SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt SSL_CERT_DIR=/nonexistent` shows what reading the
//! system's certificate directory costs), BENCH_INIT_COMPARE_DIR (a directory of other builds of the
//! same binaries, e.g. a copy of target/release from before a change: each function runs from there
//! too, interleaved with the rest, labelled `name*`, so before and after share one run's noise).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench may panic: that is a failed run with its message
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use localstage::{Options, Stage};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::process::Command;

/// How long one start may take before the run is a failure (a crash shows here, not as a hang).
const START_DEADLINE: Duration = Duration::from_secs(10);
/// The request every Lambda runtime makes once its init is done.
const NEXT: &[u8] = b"GET /2018-06-01/runtime/invocation/next";

/// One binary to start, and what it starts with.
struct Target {
    label: String,
    program: PathBuf,
    environment: BTreeMap<String, String>,
    samples: Vec<Duration>,
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Starts `target` once against `listener` and returns how long it took to ask for its first event.
async fn time_start(target: &Target, listener: &TcpListener) -> Duration {
    let address = listener.local_addr().unwrap();
    let started = Instant::now();
    let mut child = Command::new(&target.program)
        .env_clear()
        .envs(&target.environment)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", target.program.display()));
    let waited = tokio::time::timeout(START_DEADLINE, async {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buffer = [0u8; 1024];
        while head.len() < NEXT.len() {
            let read = stream.read(&mut buffer).await.unwrap();
            assert!(
                read > 0,
                "{} closed its connection before asking for an event",
                target.label
            );
            head.extend_from_slice(&buffer[..read]);
        }
        let elapsed = started.elapsed();
        assert!(
            head.starts_with(NEXT),
            "{}'s first request was not `next`: {:?}",
            target.label,
            String::from_utf8_lossy(&head)
        );
        elapsed
    })
    .await;
    let exited = child.try_wait().ok().flatten();
    let _ = child.kill().await;
    match waited {
        Ok(elapsed) => elapsed,
        Err(_) => panic!(
            "{} did not ask for an event within {START_DEADLINE:?} (exit status: {exited:?}); run it under \
             `make local` to see its log",
            target.label
        ),
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let middle = sorted.len() / 2;
    match sorted.len() % 2 {
        0 => (sorted[middle - 1] + sorted[middle]) / 2,
        _ => sorted[middle],
    }
}

/// The functions as the stage runs them (release binaries), each with its environment.
async fn functions(bin_dir: PathBuf) -> Vec<Target> {
    let mut options = Options::isolated("bench-init", "bench-init-password-0123456789");
    options.bin_dir = bin_dir;
    options.kafka = false;
    // Every function the template can deploy: submit behind its function integration, topics
    // producing itself to a broker that is never reached (no function connects before its first
    // request).
    for (name, value) in [
        ("SubmitIntegration", "function"),
        ("KafkaBootstrapServers", "127.0.0.1:9"),
        ("KafkaAuth", "none"),
    ] {
        options.parameter_overrides.insert(name.into(), value.into());
    }
    let stage = Stage::start(options)
        .await
        .expect("starting the local stage for its function environments");
    let mut targets = Vec::new();
    for logical_id in stage.plan.functions.keys() {
        let config = stage
            .function(logical_id)
            .expect("every planned function has a host")
            .config();
        targets.push(Target {
            label: config.binary.clone(),
            program: config.program.clone(),
            environment: config.environment.clone(),
            samples: Vec::new(),
        });
        if config.binary == "topics" {
            let mut environment = config.environment.clone();
            environment.insert("KAFKA_AUTH".into(), "iam".into());
            targets.push(Target {
                label: "topics (KAFKA_AUTH=iam)".into(),
                program: config.program.clone(),
                environment,
                samples: Vec::new(),
            });
        }
    }
    stage.stop().await;
    if let Some(other) = std::env::var_os("BENCH_INIT_COMPARE_DIR").map(PathBuf::from) {
        let compared: Vec<Target> = targets
            .iter()
            .map(|target| Target {
                label: format!("{}*", target.label),
                program: other.join(target.program.file_name().expect("a binary has a file name")),
                environment: target.environment.clone(),
                samples: Vec::new(),
            })
            .collect();
        targets.extend(compared);
    }
    let extra = std::env::var("BENCH_INIT_ENV").unwrap_or_default();
    for pair in extra.split_whitespace() {
        let (name, value) = pair
            .split_once('=')
            .unwrap_or_else(|| panic!("BENCH_INIT_ENV: {pair:?} is not NAME=value"));
        for target in &mut targets {
            target.environment.insert(name.into(), value.into());
        }
    }
    targets
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runs = env_number("BENCH_INIT_RUNS", 30).max(1);
    let bin_dir = std::env::var_os("BENCH_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| motoserver::workspace_root().join("target/release"));
    let floor_program = bin_dir.join("initfloor");
    assert!(
        floor_program.exists(),
        "{} is missing: `make bench-init` builds it (cargo build --release -p initfloor)",
        floor_program.display()
    );
    let functions = functions(bin_dir).await;
    // The floor reads no variable of its own: it gets Lambda's reserved ones, as every function does.
    let floor = Target {
        label: "floor (initfloor)".into(),
        program: floor_program,
        environment: functions[0]
            .environment
            .iter()
            .filter(|(name, _)| name.starts_with("AWS_LAMBDA_"))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
        samples: Vec::new(),
    };
    let mut targets = vec![floor];
    targets.extend(functions);

    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    // One unmeasured start of each first: the binaries' pages come into the page cache.
    for target in &targets {
        time_start(target, &listener).await;
    }
    for _ in 0..runs {
        for target in &mut targets {
            let elapsed = time_start(target, &listener).await;
            target.samples.push(elapsed);
        }
    }

    let floor = median(&targets[0].samples);
    println!(
        "cold start: spawn → first `next`, {runs} interleaved runs each (release binaries, {} cores)",
        { std::thread::available_parallelism().map_or(0, |n| n.get()) }
    );
    if let Some(other) = std::env::var_os("BENCH_INIT_COMPARE_DIR") {
        println!("name* = the same binary from {}", PathBuf::from(other).display());
    }
    println!(
        "{:<26} {:>9} {:>9} {:>9} {:>9}",
        "binary", "median ms", "min ms", "max ms", "× floor"
    );
    for target in &targets {
        let m = median(&target.samples);
        let min = target.samples.iter().min().copied().unwrap_or_default();
        let max = target.samples.iter().max().copied().unwrap_or_default();
        println!(
            "{:<26} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            target.label,
            ms(m),
            ms(min),
            ms(max),
            m.as_secs_f64() / floor.as_secs_f64()
        );
    }
}
