//! One function: its Runtime API server and its process. A process that crashes or exceeds the
//! function's timeout is killed and replaced on the next invocation, as Lambda does.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::{Notify, oneshot};

use super::report::{self, Report, Status, peak_rss_mb};
use super::runtime_api::{self, epoch_ms};
use super::{FunctionConfig, FunctionError, Outcome, error_body};

/// An invocation waiting for the process to ask for it.
struct Pending {
    request_id: String,
    payload: Bytes,
    deadline_ms: u64,
    generation: u64,
    reply: oneshot::Sender<Outcome>,
}

/// The invocation the process is working on.
struct InFlight {
    request_id: String,
    generation: u64,
    started: Instant,
    init: Option<Duration>,
    reply: oneshot::Sender<Outcome>,
}

/// What the Runtime API hands the process on `next`.
pub(crate) struct Invocation {
    pub(crate) request_id: String,
    pub(crate) payload: Bytes,
    pub(crate) deadline_ms: u64,
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

/// How the process ended when it was stopped on purpose.
const KILLED: &str = "killed";

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
        let app = runtime_api::router(host.clone());
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

    /// Every report so far (whether or not the logging config writes them).
    pub fn reports(&self) -> Vec<Report> {
        self.inner.reports.lock().clone()
    }

    /// The function's recent log lines (stdout and stderr, and the platform records).
    pub fn logs(&self) -> Vec<String> {
        self.inner.logs.lock().iter().cloned().collect()
    }

    pub(crate) fn log(&self, line: String) {
        if self.inner.log_to_stdout {
            println!("[{}] {line}", self.inner.config.binary);
        }
        let mut logs = self.inner.logs.lock();
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
            Err(e) => {
                let message = format!(
                    "cannot start {}: {e} (build it with `cargo build`)",
                    self.inner.config.program.display()
                );
                return Outcome::Error(
                    FunctionError::Unhandled,
                    error_body("Runtime.InvalidEntrypoint", &message),
                );
            }
        };
        let request_id = uuid::Uuid::new_v4().to_string();
        let timeout = self.inner.config.timeout;
        let (reply, answer) = oneshot::channel();
        *self.inner.slot.lock() = Some(Pending {
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
                self.inner.slot.lock().take();
                let in_flight = self.inner.in_flight.lock().take();
                if let Some(in_flight) = in_flight {
                    self.report(&in_flight, Status::Timeout);
                }
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
        let mut process = self.inner.process.lock();
        if let Some(kill) = process.kill.take() {
            let _ = kill.send(());
        }
        process.pid = None;
    }

    /// Starts the process if none is running; returns its generation.
    fn ensure_process(&self) -> std::io::Result<u64> {
        let mut process = self.inner.process.lock();
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
        let mut child = command.spawn()?;
        process.generation += 1;
        let generation = process.generation;
        process.pid = child.id();
        process.spawned_at = Some(Instant::now());
        process.init = None;
        process.init_reported = false;
        let (kill, killed) = oneshot::channel::<()>();
        process.kill = Some(kill);
        drop(process);

        let outputs = [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        ];
        for stream in outputs.into_iter().flatten() {
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
                    KILLED.to_string()
                }
            };
            host.process_exited(generation, &status);
        });
        Ok(generation)
    }

    fn process_exited(&self, generation: u64, status: &str) {
        {
            let mut process = self.inner.process.lock();
            if process.generation == generation {
                process.pid = None;
                process.kill = None;
            }
        }
        let body = error_body("Runtime.ExitError", &format!("RequestId: the runtime exited: {status}"));
        let in_flight = self
            .inner
            .in_flight
            .lock()
            .take_if(|current| current.generation == generation);
        if let Some(in_flight) = in_flight {
            self.report(&in_flight, Status::Error);
            let _ = in_flight
                .reply
                .send(Outcome::Error(FunctionError::Unhandled, body.clone()));
        }
        // An invocation meant for this process that it never picked up (it died during init).
        let pending = self
            .inner
            .slot
            .lock()
            .take_if(|pending| pending.generation == generation);
        if let Some(pending) = pending {
            let _ = pending.reply.send(Outcome::Error(FunctionError::Unhandled, body));
        }
        // Wake any `next` request left over from this process, so it ends.
        self.inner.available.notify_waiters();
        if status != KILLED && !status.contains("exit status: 0") {
            self.log(format!("process exited: {status}"));
        }
    }

    /// Waits for the next invocation of the current process (the Runtime API's `next`); `None` when
    /// the process that asked is gone.
    pub(crate) async fn next_invocation(&self) -> Option<Invocation> {
        let inner = &self.inner;
        let generation = {
            let mut process = inner.process.lock();
            if process.init.is_none()
                && let Some(spawned) = process.spawned_at
            {
                process.init = Some(spawned.elapsed());
            }
            process.generation
        };
        let pending = loop {
            let notified = inner.available.notified();
            if let Some(pending) = inner.slot.lock().take_if(|p| p.generation == generation) {
                break pending;
            }
            if inner.process.lock().generation != generation {
                return None;
            }
            notified.await;
        };
        let init = {
            let mut process = inner.process.lock();
            if process.init_reported {
                None
            } else {
                process.init_reported = true;
                process.init
            }
        };
        if let Some(start) = report::start_record(&pending.request_id, &inner.config.logging) {
            self.log(start);
        }
        *inner.in_flight.lock() = Some(InFlight {
            request_id: pending.request_id.clone(),
            generation,
            started: Instant::now(),
            init,
            reply: pending.reply,
        });
        Some(Invocation {
            request_id: pending.request_id,
            payload: pending.payload,
            deadline_ms: pending.deadline_ms,
        })
    }

    /// Records (and, as the logging config says, writes) the report of an invocation.
    fn report(&self, in_flight: &InFlight, status: Status) {
        let pid = self.inner.process.lock().pid;
        let report = Report {
            request_id: in_flight.request_id.clone(),
            duration: in_flight.started.elapsed(),
            memory_size_mb: self.inner.config.memory_mb,
            max_memory_used_mb: pid.and_then(peak_rss_mb).unwrap_or(0),
            init_duration: in_flight.init,
            status,
        };
        if let Some(record) = report::report_record(&report, &self.inner.config.logging) {
            self.log(record);
        }
        self.inner.reports.lock().push(report);
    }

    /// The process answered an invocation (`response` or `error`).
    pub(crate) fn complete(&self, request_id: &str, outcome: Outcome) -> axum::http::StatusCode {
        let in_flight = self
            .inner
            .in_flight
            .lock()
            .take_if(|current| current.request_id == request_id);
        let Some(in_flight) = in_flight else {
            return axum::http::StatusCode::BAD_REQUEST;
        };
        let status = match outcome {
            Outcome::Response(_) => Status::Success,
            Outcome::Error(..) => Status::Error,
        };
        self.report(&in_flight, status);
        let _ = in_flight.reply.send(outcome);
        axum::http::StatusCode::ACCEPTED
    }
}
