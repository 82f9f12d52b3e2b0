//! The stage's HTTP servers (the HTTP API, the invoke API, the PutRecord guard, the REST Proxy
//! stand-in) are bound and served the same way: a loopback listener whose failure names the server,
//! and a task that serves until the stage's shutdown signal.

use std::net::SocketAddr;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::StageError;

/// Binds a loopback listener; returns it with its `http://` URL.
pub(crate) async fn bind(
    what: &'static str,
    addr: SocketAddr,
) -> Result<(tokio::net::TcpListener, String), StageError> {
    let failed = |source| StageError::Bind { what, addr, source };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(failed)?;
    let local = listener.local_addr().map_err(failed)?;
    Ok((listener, format!("http://{local}")))
}

/// Serves `app` (with the peer address available to handlers) until the stage stops.
pub(crate) fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.changed().await;
            })
            .await;
    })
}
