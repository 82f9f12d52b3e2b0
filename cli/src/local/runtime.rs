//! The Lambda Runtime API, served to the real function binaries, and the invoke API.
//!
//! Each function runs as one process (one execution environment, one invocation at a time) polling
//! its own Runtime API (`GET /2018-06-01/runtime/invocation/next`, then `.../response` or
//! `.../error`). A process that crashes or exceeds the function's timeout is killed and replaced on
//! the next invocation, as Lambda does. Like Lambda, each invocation writes a `REPORT` line: duration,
//! memory size, max memory used (the process's peak RSS) and, on the first invocation of a process,
//! the init duration (process start to its first `next` request).

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::{Notify, oneshot};

/// How a failed invocation failed (`X-Amz-Function-Error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionError {
    /// The function returned an error through the Runtime API.
    Handled,
    /// The process crashed, failed to initialise, or timed out.
    Unhandled,
}

impl FunctionError {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionError::Handled => "Handled",
            FunctionError::Unhandled => "Unhandled",
        }
    }
}

/// The result of one invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The function's response payload.
    Response(Bytes),
    /// The function failed; the body is Lambda's error JSON.
    Error(FunctionError, Bytes),
}

/// One `REPORT` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The invocation's request id.
    pub request_id: String,
    /// From delivering the event to the response.
    pub duration: Duration,
    /// The function's configured memory.
    pub memory_size_mb: u64,
    /// Peak RSS of the process so far.
    pub max_memory_used_mb: u64,
    /// Process start to its first `next` request, on the first invocation of a process.
    pub init_duration: Option<Duration>,
}

impl Report {
    /// The line as Lambda writes it.
    pub fn line(&self) -> String {
        let ms = self.duration.as_secs_f64() * 1000.0;
        let mut line = format!(
            "REPORT RequestId: {}\tDuration: {ms:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
            self.request_id,
            ms.ceil() as u64,
            self.memory_size_mb,
            self.max_memory_used_mb
        );
        if let Some(init) = self.init_duration {
            line.push_str(&format!("\tInit Duration: {:.2} ms", init.as_secs_f64() * 1000.0));
        }
        line
    }
}

/// How to run one function.
#[derive(Debug, Clone)]
pub struct FunctionConfig {
    /// Logical id in the template.
    pub logical_id: String,
    /// The cargo binary name (also accepted as the function name by the invoke API).
    pub binary: String,
    /// The local function name.
    pub name: String,
    /// The local function ARN.
    pub arn: String,
    /// Path of the executable.
    pub program: PathBuf,
    /// The process environment (template variables, emulator endpoint, Lambda variables).
    pub environment: BTreeMap<String, String>,
    /// Timeout.
    pub timeout: Duration,
    /// Memory size in MB (reported, not enforced).
    pub memory_mb: u64,
}

struct Pending {
    request_id: String,
    payload: Bytes,
    deadline_ms: u64,
    generation: u64,
    reply: oneshot::Sender<Outcome>,
}

struct InFlight {
    request_id: String,
    generation: u64,
    started: Instant,
    init: Option<Duration>,
    reply: oneshot::Sender<Outcome>,
}

#[derive(Default)]
struct ProcessState {
    generation: u64,
    pid: Option<u32>,
    spawned_at: Option<Instant>,
    init: Option<Duration>,
    init_reported: bool,
    kill: Option<oneshot::Sender<()>>,
}

struct Inner {
    config: FunctionConfig,
    runtime_addr: SocketAddr,
    slot: Mutex<Option<Pending>>,
    available: Notify,
    in_flight: Mutex<Option<InFlight>>,
    process: Mutex<ProcessState>,
    one_at_a_time: tokio::sync::Mutex<()>,
    reports: Mutex<Vec<Report>>,
    logs: Mutex<VecDeque<String>>,
    invocations: AtomicU64,
    log_to_stdout: bool,
}

/// One function: its Runtime API server and its process.
#[derive(Clone)]
pub struct FunctionHost {
    inner: Arc<Inner>,
}

const LOG_LINES_KEPT: usize = 20_000;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn epoch_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn error_body(kind: &str, message: &str) -> Bytes {
    Bytes::from(serde_json::json!({"errorType": kind, "errorMessage": message}).to_string())
}

/// The peak resident set size of a process, in MB (Linux `VmHWM`).
pub fn peak_rss_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.div_ceil(1024))
}

impl FunctionHost {
    /// Serves the function's Runtime API on a free loopback port. The process starts on the first
    /// invocation.
    pub async fn start(config: FunctionConfig, log_to_stdout: bool) -> std::io::Result<FunctionHost> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let runtime_addr = listener.local_addr()?;
        let host = FunctionHost {
            inner: Arc::new(Inner {
                config,
                runtime_addr,
                slot: Mutex::new(None),
                available: Notify::new(),
                in_flight: Mutex::new(None),
                process: Mutex::new(ProcessState::default()),
                one_at_a_time: tokio::sync::Mutex::new(()),
                reports: Mutex::new(Vec::new()),
                logs: Mutex::new(VecDeque::new()),
                invocations: AtomicU64::new(0),
                log_to_stdout,
            }),
        };
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(host.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(host)
    }

    /// The function's configuration.
    pub fn config(&self) -> &FunctionConfig {
        &self.inner.config
    }

    /// Invocations so far.
    pub fn invocations(&self) -> u64 {
        self.inner.invocations.load(Ordering::SeqCst)
    }

    /// Every `REPORT` so far.
    pub fn reports(&self) -> Vec<Report> {
        lock(&self.inner.reports).clone()
    }

    /// The function's recent log lines (stdout and stderr).
    pub fn logs(&self) -> Vec<String> {
        lock(&self.inner.logs).iter().cloned().collect()
    }

    fn log(&self, line: String) {
        if self.inner.log_to_stdout {
            println!("[{}] {line}", self.inner.config.binary);
        }
        let mut logs = lock(&self.inner.logs);
        if logs.len() == LOG_LINES_KEPT {
            logs.pop_front();
        }
        logs.push_back(line);
    }

    /// Invokes the function synchronously, as Lambda's `Invoke` with `RequestResponse` does.
    pub async fn invoke(&self, payload: Bytes) -> Outcome {
        let _one = self.inner.one_at_a_time.lock().await;
        self.inner.invocations.fetch_add(1, Ordering::SeqCst);
        let generation = match self.ensure_process() {
            Ok(generation) => generation,
            Err(e) => return Outcome::Error(FunctionError::Unhandled, error_body("Runtime.InvalidEntrypoint", &e)),
        };
        let request_id = new_request_id();
        let timeout = self.inner.config.timeout;
        let (reply, answer) = oneshot::channel();
        *lock(&self.inner.slot) = Some(Pending {
            request_id: request_id.clone(),
            payload,
            deadline_ms: epoch_ms(SystemTime::now() + timeout),
            generation,
            reply,
        });
        self.inner.available.notify_waiters();
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Outcome::Error(
                FunctionError::Unhandled,
                error_body("Runtime.Unknown", "the invocation was dropped"),
            ),
            Err(_) => {
                // Lambda stops the execution environment of a timed-out invocation.
                lock(&self.inner.slot).take();
                lock(&self.inner.in_flight).take();
                self.kill_process();
                let message = format!("Task timed out after {:.2} seconds", timeout.as_secs_f64());
                self.log(format!("{request_id} {message}"));
                Outcome::Error(FunctionError::Unhandled, error_body("Sandbox.Timedout", &message))
            }
        }
    }

    /// Stops the function's process, if one runs.
    pub fn stop(&self) {
        self.kill_process();
    }

    fn kill_process(&self) {
        let mut process = lock(&self.inner.process);
        if let Some(kill) = process.kill.take() {
            let _ = kill.send(());
        }
        process.pid = None;
    }

    /// Starts the process if none is running; returns its generation.
    fn ensure_process(&self) -> Result<u64, String> {
        let mut process = lock(&self.inner.process);
        if process.pid.is_some() {
            return Ok(process.generation);
        }
        let config = &self.inner.config;
        let mut command = Command::new(&config.program);
        command
            .env_clear()
            .envs(&config.environment)
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", self.inner.runtime_addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| {
            format!(
                "cannot start {}: {e} (build it with `cargo build`)",
                config.program.display()
            )
        })?;
        process.generation += 1;
        let generation = process.generation;
        process.pid = child.id();
        process.spawned_at = Some(Instant::now());
        process.init = None;
        process.init_reported = false;
        let (kill, killed) = oneshot::channel::<()>();
        process.kill = Some(kill);
        drop(process);

        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let host = self.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    host.log(line);
                }
            });
        }
        let host = self.clone();
        tokio::spawn(async move {
            let status = tokio::select! {
                status = child.wait() => status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()),
                _ = killed => {
                    let _ = child.kill().await;
                    "killed".to_string()
                }
            };
            host.process_exited(generation, &status);
        });
        Ok(generation)
    }

    fn process_exited(&self, generation: u64, status: &str) {
        {
            let mut process = lock(&self.inner.process);
            if process.generation == generation {
                process.pid = None;
                process.kill = None;
            }
        }
        let body = error_body("Runtime.ExitError", &format!("RequestId: the runtime exited: {status}"));
        let in_flight = lock(&self.inner.in_flight).take_if(|current| current.generation == generation);
        if let Some(in_flight) = in_flight {
            let _ = in_flight
                .reply
                .send(Outcome::Error(FunctionError::Unhandled, body.clone()));
        }
        // An invocation meant for this process that it never picked up (it died during init).
        let pending = lock(&self.inner.slot).take_if(|pending| pending.generation == generation);
        if let Some(pending) = pending {
            let _ = pending.reply.send(Outcome::Error(FunctionError::Unhandled, body));
        }
        // Wake any `next` request left over from this process, so it ends.
        self.inner.available.notify_waiters();
        if status != "killed" && !status.contains("exit status: 0") {
            self.log(format!("process exited: {status}"));
        }
    }

    fn complete(&self, request_id: &str, outcome: Outcome) -> StatusCode {
        let in_flight = lock(&self.inner.in_flight).take_if(|current| current.request_id == request_id);
        let Some(in_flight) = in_flight else {
            return StatusCode::BAD_REQUEST;
        };
        let pid = lock(&self.inner.process).pid;
        let report = Report {
            request_id: in_flight.request_id.clone(),
            duration: in_flight.started.elapsed(),
            memory_size_mb: self.inner.config.memory_mb,
            max_memory_used_mb: pid.and_then(peak_rss_mb).unwrap_or(0),
            init_duration: in_flight.init,
        };
        self.log(report.line());
        lock(&self.inner.reports).push(report);
        let _ = in_flight.reply.send(outcome);
        StatusCode::ACCEPTED
    }
}

fn new_request_id() -> String {
    let hex = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

async fn next(State(host): State<FunctionHost>) -> Response {
    let inner = &host.inner;
    let generation = {
        let mut process = lock(&inner.process);
        if process.init.is_none()
            && let Some(spawned) = process.spawned_at
        {
            process.init = Some(spawned.elapsed());
        }
        process.generation
    };
    let pending = loop {
        let notified = inner.available.notified();
        if let Some(pending) = lock(&inner.slot).take_if(|p| p.generation == generation) {
            break pending;
        }
        if lock(&inner.process).generation != generation {
            // A request left over from a process that is gone.
            return StatusCode::GONE.into_response();
        }
        notified.await;
    };
    let init = {
        let mut process = lock(&inner.process);
        if process.init_reported {
            None
        } else {
            process.init_reported = true;
            process.init
        }
    };
    *lock(&inner.in_flight) = Some(InFlight {
        request_id: pending.request_id.clone(),
        generation,
        started: Instant::now(),
        init,
        reply: pending.reply,
    });
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("lambda-runtime-aws-request-id", pending.request_id);
    set("lambda-runtime-deadline-ms", pending.deadline_ms.to_string());
    set("lambda-runtime-invoked-function-arn", inner.config.arn.clone());
    set(
        "lambda-runtime-trace-id",
        format!(
            "Root=1-{:08x}-{:024x};Parent={:016x};Sampled=0",
            epoch_ms(SystemTime::now()) / 1000,
            fastrand::u128(..) >> 32,
            fastrand::u64(..)
        ),
    );
    set("content-type", "application/json".to_string());
    (StatusCode::OK, headers, pending.payload).into_response()
}

async fn response(State(host): State<FunctionHost>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    host.complete(&id, Outcome::Response(body))
}

async fn error(State(host): State<FunctionHost>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    host.complete(&id, Outcome::Error(FunctionError::Handled, body))
}

async fn init_error(State(host): State<FunctionHost>, body: Bytes) -> StatusCode {
    host.log(format!("init error: {}", String::from_utf8_lossy(&body)));
    StatusCode::ACCEPTED
}

/// The standard invoke endpoint, `POST /2015-03-31/functions/{name}/invocations`, for every function
/// (by binary name, logical id or local function name): what `cargo lambda invoke` and
/// `aws lambda invoke --endpoint-url` call.
pub fn invoke_api(hosts: Vec<FunctionHost>) -> Router {
    Router::new()
        .route("/2015-03-31/functions/{name}/invocations", post(invoke))
        .with_state(Arc::new(hosts))
}

async fn invoke(State(hosts): State<Arc<Vec<FunctionHost>>>, Path(name): Path<String>, body: Bytes) -> Response {
    let Some(host) = hosts.iter().find(|host| {
        let config = host.config();
        [&config.binary, &config.logical_id, &config.name, &config.arn].contains(&&name)
    }) else {
        let message = serde_json::json!({"Type": "User", "message": format!("Function not found: {name}")});
        return (StatusCode::NOT_FOUND, axum::Json(message)).into_response();
    };
    let json = [("content-type", "application/json")];
    match host.invoke(body).await {
        Outcome::Response(payload) => (StatusCode::OK, json, payload).into_response(),
        Outcome::Error(kind, payload) => (
            StatusCode::OK,
            [("x-amz-function-error", kind.as_str()), json[0]],
            payload,
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_line_has_lambdas_fields() {
        let report = Report {
            request_id: "r-1".into(),
            duration: Duration::from_micros(12_345),
            memory_size_mb: 128,
            max_memory_used_mb: 9,
            init_duration: Some(Duration::from_micros(7_500)),
        };
        assert_eq!(
            report.line(),
            "REPORT RequestId: r-1\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\tInit Duration: 7.50 ms"
        );
    }

    #[test]
    fn peak_rss_of_this_process() {
        assert!(peak_rss_mb(std::process::id()).is_some_and(|mb| mb > 0));
    }

    #[test]
    fn request_ids_look_like_uuids() {
        let id = new_request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
    }
}
