//! Shared by the proxy's tests: configuration, requests as API Gateway sends them, and reading the
//! answers; [`routes`] holds what the route tests (`routes_*.rs`) share besides.
#![allow(dead_code)] // each test file takes a different subset

pub mod routes;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use serde_json::Value;
use streams::{Backoff, Config, Timing};

/// The ingestion stream of the unit tests' stack.
pub const INGESTION: &str = "mystack-events";
/// The proxy prefix of the unit tests' stack.
pub const PREFIX: &str = "mystack-proxy-";

/// The stack id of the unit tests' stack (the value of its proxy streams' owner tag).
pub const STACK_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/mystack/0000";

/// Marks `stream` as created by the tests' stack (what the proxy's CreateStream does).
pub fn own(memory: &streams::MemoryStreams, stream: &str) {
    memory.set_tags(stream, &[(streams::ownership::OWNER_TAG, STACK_ID)]);
}

/// A configuration with these variables on top of the required ones.
pub fn config_with(ingestion: &str, prefix: &str, extra: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("INGESTION_STREAM".to_string(), ingestion.to_string()),
        ("PROXY_STREAM_PREFIX".to_string(), prefix.to_string()),
        ("STACK_ID".to_string(), STACK_ID.to_string()),
    ]);
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::from_lookup(|name| vars.get(name).cloned()).expect("a valid configuration")
}

/// The unit tests' configuration, stream management on or off.
pub fn config(management: bool) -> Config {
    config_with(
        INGESTION,
        PREFIX,
        &[("STREAM_MANAGEMENT", if management { "true" } else { "false" })],
    )
}

/// Millisecond backoffs and a small margin, so retry tests take milliseconds.
pub fn fast_timing() -> Timing {
    Timing {
        backoff: Backoff {
            base: Duration::from_millis(1),
            cap: Duration::from_millis(4),
        },
        safety_margin: Duration::from_millis(20),
    }
}

/// An invocation deadline far enough away not to matter.
pub fn deadline() -> SystemTime {
    SystemTime::now() + Duration::from_secs(30)
}

/// A request for `route_key`, with `{streamName}` and a body, as API Gateway sends it.
pub fn request(route_key: &str, stream: Option<&str>, body: Option<&str>) -> ApiGatewayV2httpRequest {
    let mut request = ApiGatewayV2httpRequest::default();
    request.version = Some("2.0".into());
    request.route_key = Some(route_key.into());
    request.request_context.route_key = Some(route_key.into());
    request.request_context.request_id = Some("test-request".into());
    if let Some(stream) = stream {
        request.path_parameters.insert("streamName".into(), stream.into());
    }
    request.body = body.map(str::to_string);
    request
}

/// `GET /streams` with a query string.
pub fn list_request(query: &[(&str, &str)]) -> ApiGatewayV2httpRequest {
    let mut request = request("GET /streams", None, None);
    let query: HashMap<String, String> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    request.query_string_parameters = query.into();
    request
}

/// A response, read.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: i64,
    /// Headers, lower-case names.
    pub headers: HashMap<String, String>,
    /// The body as JSON.
    pub body: Value,
}

impl Answer {
    /// The error `type` of an error body.
    pub fn error_type(&self) -> &str {
        self.body["type"].as_str().unwrap_or("")
    }

    /// The error `message` of an error body.
    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or("")
    }
}

/// Reads a response, asserting what every response has: a JSON content type and a JSON body.
pub fn read(response: ApiGatewayV2httpResponse) -> Answer {
    let headers: HashMap<String, String> = response
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_string(), value.to_str().unwrap_or("").to_string()))
        .collect();
    assert_eq!(
        headers.get("content-type").map(String::as_str),
        Some("application/json")
    );
    assert!(!response.is_base64_encoded);
    let text = match response.body {
        Some(Body::Text(text)) => text,
        other => panic!("expected a text body, got {other:?}"),
    };
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("JSON body ({e}): {text}"));
    Answer {
        status: response.status_code,
        headers,
        body,
    }
}
