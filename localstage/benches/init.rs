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
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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
    /// The sample event its first invocation gets (none: only its init is timed).
    event: Option<Vec<u8>>,
    first_responses: Vec<Duration>,
    errors: usize,
}

impl Target {
    fn new(label: String, program: PathBuf, environment: BTreeMap<String, String>, event: Option<Vec<u8>>) -> Target {
        Target {
            label,
            program,
            environment,
            samples: Vec::new(),
            event,
            first_responses: Vec::new(),
            errors: 0,
        }
    }
}

/// The sample event (events/) a binary's first invocation gets against the stage; none for the
/// functions whose first request would need more than the stage's emulator (rotation: a rotation in
/// progress; topics: a broker).
fn sample_event(binary: &str) -> Option<Vec<u8>> {
    let file = match binary {
        "authorizer" => "authorizer-http-v2-allow.json",
        "consumer" => "consumer-kinesis-valid.json",
        "streams" => "streams-list.json",
        "submit" => "submit-post.json",
        _ => return None,
    };
    let path = motoserver::workspace_root().join("events").join(file);
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One start: until the first `next`, and (when an event was given) until the answer to it.
struct Timing {
    init: Duration,
    first_response: Option<Duration>,
    error: bool,
}

/// Reads one request head (through the blank line) and its body from `stream`, after `pending`.
async fn read_request(stream: &mut tokio::net::TcpStream, pending: &mut Vec<u8>) -> Option<String> {
    let mut buffer = [0u8; 4096];
    loop {
        if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..end]).to_string();
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            while pending.len() < end + 4 + length {
                let read = stream.read(&mut buffer).await.ok()?;
                if read == 0 {
                    return None;
                }
                pending.extend_from_slice(&buffer[..read]);
            }
            pending.drain(..end + 4 + length);
            return Some(head);
        }
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        pending.extend_from_slice(&buffer[..read]);
    }
}

/// Answers `next` on `stream` with `event` as invocation `bench-1`.
async fn hand_over(stream: &mut tokio::net::TcpStream, event: &[u8]) {
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 30_000;
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nlambda-runtime-aws-request-id: bench-1\r\n\
         lambda-runtime-deadline-ms: {deadline}\r\n\
         lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:bench\r\n\
         content-length: {}\r\n\r\n",
        event.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(event).await.unwrap();
}

/// Starts `target` once against `listener`: how long until it asks for its first event, and, with
/// `event`, until it answers it (on that connection or another one: the runtime's pool decides).
async fn time_start(target: &Target, listener: &TcpListener, event: Option<&[u8]>) -> Timing {
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
        let mut pending = Vec::new();
        let head = read_request(&mut stream, &mut pending)
            .await
            .unwrap_or_else(|| panic!("{} closed its connection before asking for an event", target.label));
        let init = started.elapsed();
        assert!(
            head.as_bytes().starts_with(NEXT),
            "{}'s first request was not `next`: {head:?}",
            target.label
        );
        let Some(event) = event else {
            return Timing {
                init,
                first_response: None,
                error: false,
            };
        };
        hand_over(&mut stream, event).await;
        // The answer comes on this connection or a new one.
        let (sender, mut answers) = tokio::sync::mpsc::unbounded_channel::<String>();
        let first = {
            let sender = sender.clone();
            tokio::spawn(async move {
                while let Some(head) = read_request(&mut stream, &mut pending).await {
                    let _ = sender.send(head);
                }
            })
        };
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (mut stream, _) = accepted.unwrap();
                    let sender = sender.clone();
                    tokio::spawn(async move {
                        let mut pending = Vec::new();
                        while let Some(head) = read_request(&mut stream, &mut pending).await {
                            let _ = sender.send(head);
                        }
                    });
                }
                Some(head) = answers.recv() => {
                    if head.contains("/invocation/bench-1/") {
                        first.abort();
                        return Timing {
                            init,
                            first_response: Some(started.elapsed()),
                            error: !head.contains("/response"),
                        };
                    }
                }
            }
        }
    })
    .await;
    let exited = child.try_wait().ok().flatten();
    let _ = child.kill().await;
    match waited {
        Ok(timing) => timing,
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

/// The functions as the stage runs them (release binaries), each with its environment, and the
/// stage their first invocations call.
async fn stage_functions(bin_dir: PathBuf) -> (Stage, Vec<Target>) {
    // The credentials of the sample events.
    let mut options = Options::isolated("streamgate", "streamgate-local-password");
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
        targets.push(Target::new(
            config.binary.clone(),
            config.program.clone(),
            config.environment.clone(),
            sample_event(&config.binary),
        ));
        if config.binary == "topics" {
            let mut environment = config.environment.clone();
            environment.insert("KAFKA_AUTH".into(), "iam".into());
            targets.push(Target::new(
                "topics (KAFKA_AUTH=iam)".into(),
                config.program.clone(),
                environment,
                None,
            ));
        }
    }
    if let Some(other) = std::env::var_os("BENCH_INIT_COMPARE_DIR").map(PathBuf::from) {
        let compared: Vec<Target> = targets
            .iter()
            .map(|target| {
                Target::new(
                    format!("{}*", target.label),
                    other.join(target.program.file_name().expect("a binary has a file name")),
                    target.environment.clone(),
                    target.event.clone(),
                )
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
    (stage, targets)
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
    // The stage only names the environments here: it is stopped before the first run, so that its
    // emulator's threads are not on the CPUs while inits are timed.
    let (stage, functions) = stage_functions(bin_dir.clone()).await;
    stage.stop().await;
    // The floor reads no variable of its own: it gets Lambda's reserved ones, as every function does.
    let floor = Target::new(
        "floor (initfloor)".into(),
        floor_program,
        functions[0]
            .environment
            .iter()
            .filter(|(name, _)| name.starts_with("AWS_LAMBDA_"))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
        None,
    );
    let mut targets = vec![floor];
    targets.extend(functions);

    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    // One unmeasured start of each first: the binaries' pages come into the page cache.
    for target in &targets {
        time_start(target, &listener, None).await;
    }
    for _ in 0..runs {
        for target in &mut targets {
            let timing = time_start(target, &listener, None).await;
            target.samples.push(timing.init);
        }
    }
    // The same starts with their first invocation: what the cold request itself waits for, init
    // and the work it left for the first request together (a new stage's emulator answers it).
    let (stage, mut cold) = stage_functions(bin_dir).await;
    cold.retain(|target| target.event.is_some());
    for _ in 0..runs {
        for target in &mut cold {
            let timing = time_start(target, &listener, target.event.as_deref()).await;
            target.first_responses.extend(timing.first_response);
            target.errors += usize::from(timing.error);
        }
    }
    stage.stop().await;

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
    println!();
    println!(
        "cold request: spawn → the first invocation's answer, its sample event from events/ against the stage's \
         moto ({runs} interleaved runs each)"
    );
    println!(
        "{:<26} {:>9} {:>9} {:>9} {:>9}",
        "binary", "median ms", "min ms", "max ms", "errors"
    );
    for target in &cold {
        let samples = &target.first_responses;
        println!(
            "{:<26} {:>9.2} {:>9.2} {:>9.2} {:>9}",
            target.label,
            ms(median(samples)),
            ms(samples.iter().min().copied().unwrap_or_default()),
            ms(samples.iter().max().copied().unwrap_or_default()),
            target.errors
        );
    }
}
