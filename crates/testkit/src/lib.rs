//! Test harness shared by every integration test: one moto server (the AWS API emulator) per test
//! process on a free loopback port, AWS SDK configuration pointed at it, and a fault-injecting proxy.
//!
//! The emulator never outlives the test process (see `motoserver`). Tests share it and isolate
//! themselves with unique resource names ([`unique_name`]).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
pub use motoserver::{ACCOUNT_ID, Moto, REGION, client_env, create_table, workspace_root};

mod aws;
mod http;
mod logs;
pub use aws::{StreamRecord, drain_queue, scan_items, stream_records};
mod proxy;
pub use http::{Answer, HttpClient, basic};
pub use logs::LogCapture;
pub use proxy::{Fault, FaultProxy};

/// SDK configuration for real AWS SDK clients pointed at the shared emulator.
pub async fn moto_sdk_config() -> SdkConfig {
    sdk_config(moto().endpoint()).await
}

/// SDK configuration for clients pointed at `endpoint` (moto, or a [`FaultProxy`] in front of it).
///
/// The standard retry mode (3 attempts) as in production, with a 10 ms initial backoff instead of
/// 1 s so that tests injecting faults stay fast.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    motoserver::sdk_config_loader(endpoint)
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
    SHARED.get_or_init(|| {
        Moto::start().unwrap_or_else(|e| panic!("{e}\nIntegration tests never skip silently: they need the emulator."))
    })
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Polls `check` every 100 ms until it returns `Some`, or panics with `what` after `deadline`.
pub async fn eventually<T, F, Fut>(what: &str, deadline: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = std::time::Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            start.elapsed() < deadline,
            "timed out after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A resource name unique within this test process and across concurrent test processes.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}-{}", std::process::id(), next_id())
}
