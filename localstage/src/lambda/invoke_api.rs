//! The standard invoke endpoint, `POST /2015-03-31/functions/{name}/invocations`, for every function
//! (by binary name, logical id, local function name or ARN): what `cargo lambda invoke` and
//! `aws lambda invoke --endpoint-url` call.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;

use super::{FunctionHost, Outcome};

/// Lambda's synchronous invoke payload limit (6 MB).
pub const MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;

/// The invoke API over `hosts`.
pub fn router(hosts: Vec<FunctionHost>) -> Router {
    Router::new()
        .route("/2015-03-31/functions/{name}/invocations", post(invoke))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_PAYLOAD_BYTES))
        .with_state(Arc::new(hosts))
}

async fn invoke(State(hosts): State<Arc<Vec<FunctionHost>>>, Path(name): Path<String>, body: Bytes) -> Response {
    let Some(host) = hosts.iter().find(|host| {
        let config = host.config();
        [&config.binary, &config.logical_id, &config.name, &config.arn].contains(&&name)
    }) else {
        let message = serde_json::json!({"Type": "User", "message": format!("Function not found: {name}")});
        return (StatusCode::NOT_FOUND, axum::Json(message)).into_response();
    };
    let json = (axum::http::header::CONTENT_TYPE, "application/json");
    match host.invoke(body).await {
        Outcome::Response(payload) => (StatusCode::OK, [json], payload).into_response(),
        Outcome::Error(kind, payload) => (
            StatusCode::OK,
            [
                (
                    axum::http::HeaderName::from_static("x-amz-function-error"),
                    kind.as_str(),
                ),
                json,
            ],
            payload,
        )
            .into_response(),
    }
}
