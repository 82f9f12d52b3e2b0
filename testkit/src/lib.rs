//! Test harness shared by every integration test: one moto server (the AWS API emulator) per test
//! process on a free loopback port, and AWS SDK configuration pointed at it.
//!
//! moto is started through `moto_launcher.py`, which binds port 0 (no free-port race) and exits when
//! its stdin closes, so the emulator never outlives the test process, even when a test panics or the
//! process is killed. Tests share the emulator and isolate themselves with unique resource names
//! ([`unique_name`]).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

/// Region every emulated resource lives in.
pub const REGION: &str = "us-east-1";
/// moto's default account id (ARNs and queue URLs carry it).
pub const ACCOUNT_ID: &str = "123456789012";
const ACCESS_KEY_ID: &str = "testing";
const SECRET_ACCESS_KEY: &str = "testing";

mod proxy;
pub use proxy::{Fault, FaultProxy};

const LAUNCHER: &str = include_str!("../moto_launcher.py");

/// A running moto server. Dropping it stops the server.
pub struct Moto {
    endpoint: String,
    // Held only so the launcher sees EOF (and exits) when this handle goes away.
    stdin: Option<ChildStdin>,
    child: Child,
}

/// Why moto could not be started.
#[derive(Debug)]
pub struct HarnessError(String);

impl std::fmt::Display for HarnessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HarnessError {}

/// The repository root (the workspace this crate lives in).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The Python interpreter that has `moto[server]`: `STREAMGATE_MOTO_PYTHON`, else the project's
/// `.venv/moto` made by `make tools`.
pub fn moto_python() -> PathBuf {
    std::env::var_os("STREAMGATE_MOTO_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/moto/bin/python"))
}

fn install_hint() -> String {
    format!(
        "moto server is not installed at {}.\n\
         Install the project's pinned tools with `make tools` (it creates .venv/moto from \
         requirements/moto.txt), or point STREAMGATE_MOTO_PYTHON at a Python that has \
         `moto[server]`. Integration tests never skip silently: they need the emulator.",
        moto_python().display()
    )
}

impl Moto {
    /// Starts a new moto server on a free loopback port and waits until it listens.
    pub fn start() -> Result<Moto, HarnessError> {
        let python = moto_python();
        if !python.exists() {
            return Err(HarnessError(install_hint()));
        }
        let log_path = std::env::temp_dir().join(format!("streamgate-moto-{}-{}.log", std::process::id(), next_id()));
        let log = std::fs::File::create(&log_path)
            .map_err(|e| HarnessError(format!("cannot create {}: {e}", log_path.display())))?;
        let mut child = Command::new(&python)
            .arg("-c")
            .arg(LAUNCHER)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| HarnessError(format!("cannot run {}: {e}\n{}", python.display(), install_hint())))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| HarnessError("moto launcher has no stdout".into()))?;
        let mut line = String::new();
        // The launcher prints its port only once the socket listens; EOF means it died.
        let read = BufReader::new(stdout).read_line(&mut line);
        let port: Option<u16> = line.trim().parse().ok();
        let Some(port) = port.filter(|_| read.is_ok()) else {
            let _ = child.kill();
            let _ = child.wait();
            let mut stderr = String::new();
            let _ = std::fs::File::open(&log_path).and_then(|mut f| f.read_to_string(&mut stderr));
            return Err(HarnessError(format!(
                "moto server did not start.\n--- its stderr ---\n{stderr}\n---\n{}",
                install_hint()
            )));
        };
        Ok(Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            stdin: child.stdin.take(),
            child,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// SDK configuration for real AWS SDK clients pointed at this emulator.
    pub async fn sdk_config(&self) -> SdkConfig {
        sdk_config(&self.endpoint).await
    }

    /// Environment for a child process (a function binary) so its SDK clients use this emulator.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_REGION", REGION.to_string()),
            ("AWS_DEFAULT_REGION", REGION.to_string()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID.to_string()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY.to_string()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ]
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SDK configuration for clients pointed at `endpoint` (moto, or a [`FaultProxy`] in front of it).
///
/// The standard retry mode (3 attempts) as in production, with a 10 ms initial backoff instead of
/// 1 s so that tests injecting faults stay fast.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "streamgate-testkit",
        ))
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(10)))
        .load()
        .await
}

/// The moto server shared by all tests of this process, started on first use.
///
/// Panics with installation instructions when moto is missing: a missing emulator is a failure,
/// never a skip.
pub fn moto() -> &'static Moto {
    static SHARED: OnceLock<Moto> = OnceLock::new();
    // A static is never dropped: the launcher exits by itself when this process ends and its stdin
    // pipe closes. A failed start panics here and is retried (and fails loudly) by the next test.
    SHARED.get_or_init(|| Moto::start().unwrap_or_else(|e| panic!("{e}")))
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A resource name unique within this test process and across concurrent test processes.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}-{}", std::process::id(), next_id())
}
