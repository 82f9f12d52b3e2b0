//! A function host stops for good: once shut down, its Runtime API server finishes, even while the
//! function's process was waiting there for its next invocation (as it always is between two).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use std::time::Duration;

use bytes::Bytes;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runtime_api_stops_with_its_function() {
    let stage = support::stage(&[], &[]).await;
    let host = stage
        .function("AuthorizerFunction")
        .unwrap_or_else(|| panic!("the template's authorizer"))
        .clone();
    // Whatever the authorizer answers, its process took the invocation and is back at `next`.
    let _ = host.invoke(Bytes::from_static(b"{}")).await;
    assert_eq!(host.reports().len(), 1, "{:?}", host.logs());

    host.shut_down();
    tokio::time::timeout(Duration::from_secs(5), host.runtime_api_stopped())
        .await
        .unwrap_or_else(|_| panic!("the Runtime API server still runs 5 s after the shutdown"));
    stage.stop().await;
}
