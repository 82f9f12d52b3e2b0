//! The `Kinesis-PutRecord` service integration: request parameters mapped from the request, the
//! record checked against Kinesis's limits (moto does not check a single PutRecord), and the
//! statuses API Gateway answers: 400 only for a missing or empty mapped value, 500 for any failure
//! on the Kinesis side (unknown or not-ACTIVE stream, throttling, a record over the limit, a stream
//! the integration role may not write).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_kinesis::primitives::Blob;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;
use streams::request::record_violation;

use super::{Gateway, Request, message, payload};

/// Evaluates one integration request parameter mapping; `None` when the source is missing.
fn mapping_value(expression: &str, request: &Request<'_>) -> Option<Vec<u8>> {
    if expression == "$request.body" {
        return Some(request.body.to_vec());
    }
    if let Some(name) = expression.strip_prefix("$request.path.") {
        return request.parameters.get(name).map(|v| v.clone().into_bytes());
    }
    if let Some(name) = expression.strip_prefix("$request.header.") {
        return request.headers.get(name).map(|v| v.as_bytes().to_vec());
    }
    if let Some(name) = expression.strip_prefix("$request.querystring.") {
        return payload::query_string_parameters(request.uri.query())
            .remove(name)
            .map(String::into_bytes);
    }
    if expression == "$context.requestId" {
        return Some(request.request_id.as_bytes().to_vec());
    }
    (!expression.starts_with('$')).then(|| expression.as_bytes().to_vec())
}

fn internal_error() -> Response {
    message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
}

impl Gateway {
    /// Serves a `Kinesis-PutRecord` route with its request parameters.
    pub(super) async fn put_record(
        &self,
        request: &Request<'_>,
        request_parameters: &BTreeMap<String, String>,
    ) -> Response {
        let mut values: HashMap<&str, Vec<u8>> = HashMap::new();
        for (name, expression) in request_parameters {
            // A missing or empty mapped value is the client's error.
            match mapping_value(expression, request) {
                Some(value) if !value.is_empty() => {
                    values.insert(name.as_str(), value);
                }
                _ => return message(StatusCode::BAD_REQUEST, "Bad Request"),
            }
        }
        let text = |name: &str| values.get(name).map(|v| String::from_utf8_lossy(v).into_owned());
        let (stream, partition_key) = (text("StreamName"), text("PartitionKey"));
        let (Some(stream), Some(partition_key), Some(mut data)) = (stream, partition_key, values.remove("Data")) else {
            return message(StatusCode::BAD_REQUEST, "Bad Request");
        };
        if self.data_as_base64 {
            data = base64::engine::general_purpose::STANDARD.encode(&data).into_bytes();
        }
        if !self.allowed_streams.is_empty() && !self.allowed_streams.contains(&stream) {
            // The integration role may not write there: Kinesis answers AccessDenied.
            return internal_error();
        }
        if let Some(violation) = record_violation(&partition_key, &data) {
            if self.access_log {
                tracing::warn!("[gateway] Kinesis would refuse the record: {violation}");
            }
            return internal_error();
        }
        let result = self
            .kinesis
            .put_record()
            .stream_name(&stream)
            .partition_key(&partition_key)
            .data(Blob::new(data))
            .send()
            .await;
        match result {
            Ok(output) => {
                let mut body = json!({"SequenceNumber": output.sequence_number(), "ShardId": output.shard_id()});
                if let Some(encryption) = output.encryption_type() {
                    body["EncryptionType"] = json!(encryption.as_str());
                }
                (
                    StatusCode::OK,
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    body.to_string(),
                )
                    .into_response()
            }
            Err(error) => {
                if self.access_log {
                    tracing::warn!(
                        "[gateway] PutRecord failed: {}",
                        aws_sdk_kinesis::error::DisplayErrorContext(&error)
                    );
                }
                internal_error()
            }
        }
    }
}
