//! A loopback proxy in front of the emulator that lets one Kinesis `PutRecord` through at a time.
//!
//! moto's `PutRecord` is not safe for concurrency: two concurrent calls can get the same sequence
//! number, and one record silently replaces the other. Kinesis has no such problem, so every
//! Kinesis client of the stage (the gateway's submit integration and the functions, through
//! `AWS_ENDPOINT_URL_KINESIS`) goes through this proxy, which holds one lock around each
//! `PutRecord` and forwards everything else untouched. `PutRecords` is safe in moto and is not
//! serialised.

use std::sync::Arc;

use apiclient::HttpClient;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The `X-Amz-Target` of the call that is serialised.
const PUT_RECORD_TARGET: &str = "Kinesis_20131202.PutRecord";

struct Guard {
    upstream: String,
    client: HttpClient,
    put_record: tokio::sync::Mutex<()>,
}

/// The proxy's router, forwarding to `upstream` (`http://127.0.0.1:PORT`).
pub fn router(upstream: &str, client: HttpClient) -> Router {
    let guard = Guard {
        upstream: upstream.trim_end_matches('/').to_string(),
        client,
        put_record: tokio::sync::Mutex::new(()),
    };
    Router::new().fallback(forward).with_state(Arc::new(guard))
}

async fn forward(State(guard): State<Arc<Guard>>, request: Request) -> Response {
    let serialise = request
        .headers()
        .get("x-amz-target")
        .is_some_and(|target| target.as_bytes() == PUT_RECORD_TARGET.as_bytes());
    let (mut parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    parts.uri = match format!("{}{path}", guard.upstream).parse() {
        Ok(uri) => uri,
        Err(_) => return StatusCode::BAD_GATEWAY.into_response(),
    };
    let _one_at_a_time = match serialise {
        true => Some(guard.put_record.lock().await),
        false => None,
    };
    // The whole answer is read under the lock: moto has stored the record once it has answered.
    match guard
        .client
        .exchange(axum::http::Request::from_parts(parts, body))
        .await
    {
        Ok(response) => response.map(axum::body::Body::from),
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}
