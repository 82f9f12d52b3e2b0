//! The Lambda Runtime API a function's process polls: `GET /2018-06-01/runtime/invocation/next`,
//! then `.../{id}/response` or `.../{id}/error`; `.../init/error` when its init fails. It serves
//! from the function's [`Handoff`] and writes to its [`FunctionLogs`]; the host starts it and stops it.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;

use super::handoff::{Handoff, epoch_ms};
use super::logs::FunctionLogs;
use super::report::Status;
use super::{FunctionError, Outcome};

/// The invocation's request id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("lambda-runtime-aws-request-id");
/// When the invocation times out, in milliseconds since the epoch.
pub const DEADLINE_MS: HeaderName = HeaderName::from_static("lambda-runtime-deadline-ms");
/// The invoked function's ARN.
pub const INVOKED_FUNCTION_ARN: HeaderName = HeaderName::from_static("lambda-runtime-invoked-function-arn");
/// The X-Ray trace header.
pub const TRACE_ID: HeaderName = HeaderName::from_static("lambda-runtime-trace-id");

/// What the Runtime API of one function serves from.
#[derive(Clone)]
pub(crate) struct Runtime {
    /// Where invocations wait for the process and answers go back.
    pub(crate) handoff: Arc<Handoff>,
    /// Where the platform records and init errors go.
    pub(crate) logs: Arc<FunctionLogs>,
    /// The function's ARN (`Lambda-Runtime-Invoked-Function-Arn`).
    pub(crate) arn: String,
}

/// The Runtime API of one function.
pub(crate) fn router(runtime: Runtime) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        // A response may be as large as Lambda lets a synchronous invocation answer.
        .layer(axum::extract::DefaultBodyLimit::max(
            super::invoke_api::MAX_PAYLOAD_BYTES,
        ))
        .with_state(runtime)
}

async fn next(State(runtime): State<Runtime>) -> Response {
    let Some(invocation) = runtime.handoff.next().await else {
        // A request left over from a process that is gone (or from before the shutdown).
        return StatusCode::GONE.into_response();
    };
    runtime.logs.start(&invocation.request_id);
    let mut headers = HeaderMap::new();
    let mut set = |name: HeaderName, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set(REQUEST_ID, invocation.request_id);
    set(DEADLINE_MS, invocation.deadline_ms.to_string());
    set(INVOKED_FUNCTION_ARN, runtime.arn.clone());
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

async fn response(State(runtime): State<Runtime>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    complete(&runtime, &id, Outcome::Response(body))
}

async fn error(State(runtime): State<Runtime>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    complete(&runtime, &id, Outcome::Error(FunctionError::Handled, body))
}

/// The process answered an invocation: its report, then the outcome back to `invoke`.
fn complete(runtime: &Runtime, request_id: &str, outcome: Outcome) -> StatusCode {
    let Some(in_flight) = runtime.handoff.complete(request_id) else {
        return StatusCode::BAD_REQUEST;
    };
    let status = match outcome {
        Outcome::Response(_) => Status::Success,
        Outcome::Error(..) => Status::Error,
    };
    runtime.logs.report(&in_flight, runtime.handoff.pid(), status);
    in_flight.reply(outcome);
    StatusCode::ACCEPTED
}

async fn init_error(State(runtime): State<Runtime>, body: Bytes) -> StatusCode {
    runtime
        .logs
        .line(format!("init error: {}", String::from_utf8_lossy(&body)));
    StatusCode::ACCEPTED
}
