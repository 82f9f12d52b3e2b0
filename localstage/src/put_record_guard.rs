//! A loopback proxy in front of the emulator that lets one Kinesis `PutRecord` through at a time.
//!
//! moto's `PutRecord` is not safe for concurrency: two concurrent calls can get the same sequence
//! number, and one record silently replaces the other. Kinesis has no such problem, so every
//! Kinesis client of the stage (the gateway's submit integration and the functions, through
//! `AWS_ENDPOINT_URL_KINESIS`) goes through this proxy, which holds one lock around each
//! `PutRecord` and forwards everything else untouched. `PutRecords` is safe in moto and is not
//! serialised.
//!
//! It also fills one gap of moto's: its `CreateStream` ignores `Tags` (Kinesis sets them at
//! creation, and the streams function's ownership check and IAM conditions depend on them), so a
//! successful `CreateStream` with tags is followed by an `AddTagsToStream` of the same tags before
//! the client gets its answer.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use httpclient::HttpClient;

/// The `X-Amz-Target` of the call that is serialised.
const PUT_RECORD_TARGET: &str = "Kinesis_20131202.PutRecord";
/// The `X-Amz-Target` of the call whose tags moto drops.
const CREATE_STREAM_TARGET: &str = "Kinesis_20131202.CreateStream";
/// The call that applies them afterwards.
const ADD_TAGS_TARGET: &str = "Kinesis_20131202.AddTagsToStream";

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
    let target = parts.headers.get("x-amz-target").map(|t| t.as_bytes().to_vec());
    if target.as_deref() == Some(CREATE_STREAM_TARGET.as_bytes()) {
        return create_stream(&guard, parts, body).await;
    }
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

/// `CreateStream`, then its `Tags` through `AddTagsToStream` (moto drops them); the client gets
/// CreateStream's answer, or a 500 when the tags could not be applied.
async fn create_stream(guard: &Guard, parts: axum::http::request::Parts, body: axum::body::Bytes) -> Response {
    let tags = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|request| {
            let tags = request
                .get("Tags")
                .filter(|t| t.as_object().is_some_and(|o| !o.is_empty()))?
                .clone();
            Some(serde_json::json!({"StreamName": request.get("StreamName")?, "Tags": tags}))
        });
    let mut add_tags = axum::http::Request::builder().method("POST").uri(parts.uri.clone());
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_LENGTH && name != "x-amz-target" {
            add_tags = add_tags.header(name, value);
        }
    }
    let created = match guard
        .client
        .exchange(axum::http::Request::from_parts(parts, body))
        .await
    {
        Ok(response) => response,
        Err(_) => return StatusCode::BAD_GATEWAY.into_response(),
    };
    if let (true, Some(tags)) = (created.status().is_success(), tags) {
        let request = add_tags
            .header("x-amz-target", ADD_TAGS_TARGET)
            .body(axum::body::Bytes::from(tags.to_string()));
        let tagged = match request {
            Ok(request) => guard.client.exchange(request).await.ok(),
            Err(_) => None,
        };
        if !tagged.is_some_and(|answer| answer.status().is_success()) {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(axum::http::header::CONTENT_TYPE, "application/x-amz-json-1.1")],
                r#"{"__type":"InternalFailure","message":"the local stage could not apply CreateStream's Tags"}"#,
            )
                .into_response();
        }
    }
    created.map(axum::body::Body::from)
}
