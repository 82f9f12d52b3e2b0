//! The Lambda Runtime API a function's process polls: `GET /2018-06-01/runtime/invocation/next`,
//! then `.../{id}/response` or `.../{id}/error`; `.../init/error` when its init fails.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;

use super::host::FunctionHost;
use super::{FunctionError, Outcome};

/// The invocation's request id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("lambda-runtime-aws-request-id");
/// When the invocation times out, in milliseconds since the epoch.
pub const DEADLINE_MS: HeaderName = HeaderName::from_static("lambda-runtime-deadline-ms");
/// The invoked function's ARN.
pub const INVOKED_FUNCTION_ARN: HeaderName = HeaderName::from_static("lambda-runtime-invoked-function-arn");
/// The X-Ray trace header.
pub const TRACE_ID: HeaderName = HeaderName::from_static("lambda-runtime-trace-id");

/// Milliseconds since the epoch.
pub(crate) fn epoch_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// The Runtime API of one function.
pub fn router(host: FunctionHost) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        // A response may be as large as Lambda lets a synchronous invocation answer.
        .layer(axum::extract::DefaultBodyLimit::max(
            super::invoke_api::MAX_PAYLOAD_BYTES,
        ))
        .with_state(host)
}

async fn next(State(host): State<FunctionHost>) -> Response {
    let Some(invocation) = host.next_invocation().await else {
        // A request left over from a process that is gone.
        return StatusCode::GONE.into_response();
    };
    let mut headers = HeaderMap::new();
    let mut set = |name: HeaderName, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set(REQUEST_ID, invocation.request_id);
    set(DEADLINE_MS, invocation.deadline_ms.to_string());
    set(INVOKED_FUNCTION_ARN, host.config().arn.clone());
    let trace = uuid::Uuid::new_v4().simple().to_string();
    set(
        TRACE_ID,
        format!(
            "Root=1-{:08x}-{};Parent={};Sampled=0",
            epoch_ms(SystemTime::now()) / 1000,
            &trace[..24],
            &trace[16..32]
        ),
    );
    set(axum::http::header::CONTENT_TYPE, "application/json".to_string());
    (StatusCode::OK, headers, invocation.payload).into_response()
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
