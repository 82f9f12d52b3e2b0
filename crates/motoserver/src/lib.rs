//! moto server (the AWS API emulator) on a free loopback port, for the test harness and the local
//! stage.
//!
//! moto is started through `moto_launcher.py`, which binds port 0 (no free-port race), prints the
//! port, and exits when its stdin closes: the emulator never outlives the process that started it,
//! even when that process panics or is killed.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

mod resources;
pub use resources::create_table;

/// Region every emulated resource lives in.
pub const REGION: &str = "us-east-1";
/// moto's default account id (ARNs and queue URLs carry it).
pub const ACCOUNT_ID: &str = "123456789012";
/// The dummy credentials SDK clients send to moto.
pub const ACCESS_KEY_ID: &str = "testing";
/// The dummy credentials SDK clients send to moto.
pub const SECRET_ACCESS_KEY: &str = "testing";

const LAUNCHER: &str = include_str!("../moto_launcher.py");

/// A running moto server. Dropping it stops the server.
pub struct Moto {
    endpoint: String,
    // Held only so the launcher sees EOF (and exits) when this handle goes away.
    stdin: Option<ChildStdin>,
    child: Child,
}

/// Why moto could not be started; the message says how to install it.
#[derive(Debug)]
pub struct MotoError(String);

impl std::fmt::Display for MotoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MotoError {}

/// The repository root (the workspace this crate lives in, at `crates/motoserver`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
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

fn install_hint(python: &Path) -> String {
    format!(
        "moto server is not installed at {}.\n\
         Install the project's pinned tools with `make tools` (it creates .venv/moto from \
         requirements/moto.txt), or point STREAMGATE_MOTO_PYTHON at a Python that has \
         `moto[server]`.",
        python.display()
    )
}

impl Moto {
    /// Starts moto with [`moto_python`] on a free loopback port and waits until it listens.
    pub fn start() -> Result<Moto, MotoError> {
        Moto::start_with(&moto_python())
    }

    /// Starts moto with the given Python interpreter on a free port.
    pub fn start_with(python: &Path) -> Result<Moto, MotoError> {
        Moto::start_on(python, 0)
    }

    /// Starts moto with the given Python interpreter on `port` (0 = a free port).
    pub fn start_on(python: &Path, port: u16) -> Result<Moto, MotoError> {
        if !python.exists() {
            return Err(MotoError(install_hint(python)));
        }
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let log_path = std::env::temp_dir().join(format!(
            "streamgate-moto-{}-{}.log",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let log = std::fs::File::create(&log_path)
            .map_err(|e| MotoError(format!("cannot create {}: {e}", log_path.display())))?;
        let mut child = Command::new(python)
            .arg("-c")
            .arg(LAUNCHER)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| {
                MotoError(format!(
                    "cannot run {}: {e}\n{}",
                    python.display(),
                    install_hint(python)
                ))
            })?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| MotoError("moto launcher has no stdout".into()))?;
        let mut line = String::new();
        // The launcher prints its port only once the socket listens; EOF means it died.
        let read = BufReader::new(stdout).read_line(&mut line);
        let port: Option<u16> = line.trim().parse().ok();
        let Some(port) = port.filter(|_| read.is_ok()) else {
            let _ = child.kill();
            let _ = child.wait();
            let mut stderr = String::new();
            let _ = std::fs::File::open(&log_path).and_then(|mut f| f.read_to_string(&mut stderr));
            return Err(MotoError(format!(
                "moto server did not start.\n--- its stderr ---\n{stderr}\n---\n{}",
                install_hint(python)
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
}

/// SDK configuration for clients of the emulator at `endpoint`: the local region, the dummy
/// credentials, the SDK's standard retries. The one configuration the local stage, the CLI and the
/// test harness use.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    sdk_config_loader(endpoint).load().await
}

/// [`sdk_config`] before loading, for callers that change a setting (the test harness shortens the
/// retry backoff).
pub fn sdk_config_loader(endpoint: &str) -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "streamgate-emulator",
        ))
}

/// Environment for a process (a function binary) whose SDK clients should use `endpoint`.
pub fn client_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_REGION", REGION.to_string()),
        ("AWS_DEFAULT_REGION", REGION.to_string()),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID.to_string()),
        ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY.to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
    ]
}

impl Drop for Moto {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
