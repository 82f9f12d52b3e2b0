//! One function: its Runtime API server and its process. A process that crashes or exceeds the
//! function's timeout is killed and replaced on the next invocation, as Lambda does. Invocations
//! reach the process through the [`super::handoff`]; the Runtime API server stops with
//! [`FunctionHost::shut_down`].

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use super::handoff::{Handoff, InFlight};
use super::logs::FunctionLogs;
use super::report::{Report, Status};
use super::runtime_api::{self, Runtime};
use super::{FunctionConfig, FunctionError, Outcome, error_body};

#[derive(Default)]
struct ProcessState {
    generation: u64,
    pid: Option<u32>,
    kill: Option<oneshot::Sender<()>>,
}

/// The function's Runtime API server, stopped with the host ([`FunctionHost::shut_down`]).
struct RuntimeServer {
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

struct Inner {
    config: FunctionConfig,
    runtime_addr: SocketAddr,
    handoff: Arc<Handoff>,
    logs: Arc<FunctionLogs>,
    server: RuntimeServer,
    process: Mutex<ProcessState>,
    one_at_a_time: tokio::sync::Mutex<()>,
    invocations: AtomicU64,
}

/// One function: its Runtime API server and its process.
#[derive(Clone)]
pub struct FunctionHost {
    inner: Arc<Inner>,
}

/// How the process ended when it was stopped on purpose.
const KILLED: &str = "killed";

impl FunctionHost {
    /// Serves the function's Runtime API on a free loopback port. The process starts on the first
    /// invocation. `emit_logs`: the function's log lines are also `tracing` events (INFO).
    pub async fn start(config: FunctionConfig, emit_logs: bool) -> std::io::Result<FunctionHost> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let runtime_addr = listener.local_addr()?;
        let handoff = Arc::new(Handoff::default());
        let logs = Arc::new(FunctionLogs::new(&config, emit_logs));
        let app = runtime_api::router(Runtime {
            handoff: Arc::clone(&handoff),
            logs: Arc::clone(&logs),
            arn: config.arn.clone(),
        });
        let (stop, mut stopping) = watch::channel(false);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopping.changed().await;
                })
                .await;
        });
        Ok(FunctionHost {
            inner: Arc::new(Inner {
                config,
                runtime_addr,
                handoff,
                logs,
                server: RuntimeServer {
                    stop,
                    task: Mutex::new(Some(task)),
                },
                process: Mutex::new(ProcessState::default()),
                one_at_a_time: tokio::sync::Mutex::new(()),
                invocations: AtomicU64::new(0),
            }),
        })
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
        self.inner.logs.reports()
    }

    /// The function's recent log lines (stdout and stderr, and the platform records).
    pub fn logs(&self) -> Vec<String> {
        self.inner.logs.lines()
    }

    fn log(&self, line: String) {
        self.inner.logs.line(line);
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
        let answer = self
            .inner
            .handoff
            .offer(request_id.clone(), payload, timeout, generation);
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Outcome::Error(
                FunctionError::Unhandled,
                error_body("Runtime.Unknown", "the invocation was dropped"),
            ),
            Err(_) => {
                // Lambda stops the execution environment of a timed-out invocation.
                let in_flight = self.inner.handoff.withdraw();
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

    /// Stops the function for good: its process, its Runtime API server, and any `next` request
    /// still waiting there. [`FunctionHost::runtime_api_stopped`] waits for the server to finish.
    pub fn shut_down(&self) {
        self.inner.handoff.close();
        self.kill_process();
        let _ = self.inner.server.stop.send(true);
    }

    /// Waits for the Runtime API server to finish, once [`FunctionHost::shut_down`] stopped it.
    pub async fn runtime_api_stopped(&self) {
        let task = self.inner.server.task.lock().take();
        if let Some(task) = task {
            let _ = task.await;
        }
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
        let generation = process.generation + 1;
        let mut child = self.inner.handoff.begin(generation, || {
            let child = command.spawn()?;
            let pid = child.id();
            Ok((child, pid))
        })?;
        process.generation = generation;
        process.pid = child.id();
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
        let in_flight = self.inner.handoff.take_in_flight_of(generation);
        if let Some(in_flight) = in_flight {
            self.report(&in_flight, Status::Error);
            in_flight.reply(Outcome::Error(FunctionError::Unhandled, body.clone()));
        }
        // An invocation meant for this process that it never picked up (it died during init).
        self.inner
            .handoff
            .fail_pending_of(generation, Outcome::Error(FunctionError::Unhandled, body));
        // Wake any `next` request left over from this process, so it ends.
        self.inner.handoff.wake();
        if status != KILLED && !status.contains("exit status: 0") {
            self.log(format!("process exited: {status}"));
        }
    }

    /// Records (and, as the logging config says, writes) the report of an invocation.
    fn report(&self, in_flight: &InFlight, status: Status) {
        let pid = self.inner.process.lock().pid;
        self.inner.logs.report(in_flight, pid, status);
    }
}
