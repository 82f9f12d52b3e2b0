//! The Lambda proxy integration, payload format 2.0: the request as the function's event (with the
//! authorizer's context under `requestContext.authorizer.lambda`), and the function's answer read
//! as an HTTP API reads it: `{statusCode, headers, cookies, body, isBase64Encoded}`, or any other
//! JSON as a 200 `application/json` body. A function error, or an answer that is not JSON, is a
//! 500; no answer within the integration timeout (30 s) is a 503.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde_json::{Map, Value as Json, json};

use super::{Gateway, Request, message, payload};
use crate::lambda::Outcome;

/// How long an HTTP API waits for an integration.
pub const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(30);

impl Gateway {
    /// Serves a route integrated with `function`.
    pub(super) async fn lambda_proxy(&self, request: &Request<'_>, function: &str, authorizer: &Json) -> Response {
        let Some(host) = self.functions.get(function) else {
            return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        };
        let event = proxy_event(request, authorizer);
        let outcome = tokio::time::timeout(INTEGRATION_TIMEOUT, host.invoke(Bytes::from(event.to_string()))).await;
        let answer = match outcome {
            Err(_) => return message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
            Ok(Outcome::Error(..)) => None,
            Ok(Outcome::Response(payload)) => proxy_response(&payload),
        };
        answer.unwrap_or_else(|| {
            if self.access_log {
                tracing::warn!("[gateway] {function} failed or answered something an HTTP API cannot read: 500");
            }
            message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        })
    }
}

/// The payload-2.0 event of a Lambda proxy integration.
pub(super) fn proxy_event(request: &Request<'_>, authorizer: &Json) -> Json {
    let mut context = serde_json::to_value(payload::request_context(request)).unwrap_or_else(|_| json!({}));
    if authorizer.is_object() {
        context["authorizer"] = json!({ "lambda": authorizer });
    }
    let mut event = Map::new();
    event.insert("version".into(), json!("2.0"));
    event.insert("routeKey".into(), json!(request.route.key()));
    event.insert("rawPath".into(), json!(request.uri.path()));
    event.insert("rawQueryString".into(), json!(request.uri.query().unwrap_or_default()));
    let cookies = payload::cookies(request.headers);
    if !cookies.is_empty() {
        event.insert("cookies".into(), json!(cookies));
    }
    let headers: Map<String, Json> = payload::joined_headers(request.headers)
        .iter()
        .map(|(name, value)| (name.to_string(), json!(payload::text(value))))
        .collect();
    event.insert("headers".into(), Json::Object(headers));
    let query = payload::query_string_parameters(request.uri.query());
    if !query.is_empty() {
        event.insert("queryStringParameters".into(), json!(query));
    }
    if !request.parameters.is_empty() {
        event.insert("pathParameters".into(), json!(request.parameters));
    }
    event.insert("requestContext".into(), context);
    let (body, encoded) = event_body(request.body, request.headers.get(header::CONTENT_TYPE));
    if !body.is_empty() {
        event.insert("body".into(), json!(body));
    }
    event.insert("isBase64Encoded".into(), json!(encoded));
    Json::Object(event)
}

/// The event's `body` and `isBase64Encoded`, as HTTP APIs choose them: by the request's content type,
/// not by its bytes. `text/*`, `application/json`, `application/xml` and `application/javascript`
/// (with any parameters) pass as text; everything else, a missing content type included, is
/// base64-encoded. Bytes that are not UTF-8 under a text type are replaced (U+FFFD): what AWS does
/// with them is not documented, and a function cannot see the original bytes either way.
fn event_body(body: &[u8], content_type: Option<&axum::http::HeaderValue>) -> (String, bool) {
    let media_type = content_type
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let text = media_type.starts_with("text/")
        || matches!(
            media_type.as_str(),
            "application/json" | "application/xml" | "application/javascript"
        );
    match text {
        true => (String::from_utf8_lossy(body).into_owned(), false),
        false => (STANDARD.encode(body), true),
    }
}

/// Reads a function's answer as an HTTP API does (payload 2.0); `None` when it cannot be read.
pub(super) fn proxy_response(payload: &[u8]) -> Option<Response> {
    let answer: Json = serde_json::from_slice(payload).ok()?;
    let Some(status) = answer.get("statusCode") else {
        // Any other JSON: a 200 with the answer as the body.
        return Some(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                Bytes::copy_from_slice(payload),
            )
                .into_response(),
        );
    };
    let status = match status {
        Json::Number(n) => n.as_u64(),
        Json::String(s) => s.parse().ok(),
        _ => None,
    }?;
    let status = StatusCode::from_u16(u16::try_from(status).ok()?).ok()?;
    let body = match answer.get("body") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::String(text)) if answer.get("isBase64Encoded") == Some(&Json::Bool(true)) => {
            STANDARD.decode(text).ok()?
        }
        Some(Json::String(text)) => text.clone().into_bytes(),
        Some(_) => return None,
    };
    // No content type unless the function gives one.
    let mut response = Response::new(axum::body::Body::from(body));
    *response.status_mut() = status;
    for (name, value) in answer.get("headers").and_then(Json::as_object).into_iter().flatten() {
        let text = match value {
            Json::String(s) => s.clone(),
            Json::Number(_) | Json::Bool(_) => value.to_string(),
            _ => continue,
        };
        let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
        response.headers_mut().insert(name, HeaderValue::from_str(&text).ok()?);
    }
    for cookie in answer.get("cookies").and_then(Json::as_array).into_iter().flatten() {
        let value = HeaderValue::from_str(cookie.as_str()?).ok()?;
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Some(response)
}

#[cfg(test)]
mod tests;
