//! API Gateway's HTTP API as it serves this template: route matching ([`routes`]), the Lambda
//! authorizer with its result cache ([`authorizer`], [`authorizer_cache`]), and the integrations:
//! `Kinesis-PutRecord` ([`kinesis`]), the Lambda proxy ([`lambda_proxy`], whose events share
//! [`payload`] with the authorizer's) and the HTTP proxy ([`http_proxy`]). Errors have API
//! Gateway's JSON shape `{"message": "..."}`.

pub mod authorizer;
pub mod authorizer_cache;
pub mod http_proxy;
pub mod kinesis;
pub mod lambda_proxy;
mod payload;
pub mod routes;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

use crate::lambda::FunctionHost;
use crate::template::{AuthorizerSpec, Integration, Route};
use authorizer_cache::AuthorizerCache;

/// API id used in ARNs and domain names of the local stage.
pub const LOCAL_API_ID: &str = "local";

/// An HTTP API's payload limit (10 MB): larger bodies get 413 before any route or authorizer.
pub const MAX_PAYLOAD_BYTES: usize = 10 * 1024 * 1024;

/// The header carrying API Gateway's request id.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("apigw-requestid");

/// Everything a request needs.
pub struct Gateway {
    /// The template's routes.
    pub routes: Vec<Route>,
    /// Authorizers by name, with their function.
    pub authorizers: HashMap<String, (AuthorizerSpec, FunctionHost)>,
    /// Functions by logical id, for Lambda proxy integrations.
    pub functions: HashMap<String, FunctionHost>,
    /// The client of HTTP proxy integrations.
    pub http: httpclient::HttpClient,
    /// Kinesis client pointed at the emulator (through the PutRecord guard).
    pub kinesis: aws_sdk_kinesis::Client,
    /// Stream names the integration role may write to (empty = unrestricted).
    pub allowed_streams: Vec<String>,
    /// Store `Kinesis-PutRecord`'s mapped `Data` base64-encoded (see `Options::direct_data_as_base64`).
    pub data_as_base64: bool,
    /// Authorizer verdicts by identity-source values.
    pub cache: AuthorizerCache,
    /// Log one access line per request (a `tracing` event), and why a request failed with a 500.
    pub access_log: bool,
}

/// The gateway as an axum router (every path goes through the template's routes).
pub fn router(gateway: Arc<Gateway>) -> Router {
    Router::new()
        .fallback(handle)
        .with_state(gateway)
        // The handler enforces API Gateway's own limit, in its own shape (axum's default is 2 MB,
        // answered in plain text).
        .layer(DefaultBodyLimit::disable())
}

/// API Gateway's error response.
pub(crate) fn message(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json!({ "message": text }).to_string(),
    )
        .into_response()
}

/// One request, matched to its route.
pub(crate) struct Request<'a> {
    route: &'a Route,
    parameters: &'a BTreeMap<String, String>,
    headers: &'a HeaderMap,
    uri: &'a Uri,
    method: &'a Method,
    body: &'a Bytes,
    request_id: &'a str,
    source_ip: String,
}

async fn handle(
    State(gateway): State<Arc<Gateway>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let (method, uri, headers) = (parts.method, parts.uri, parts.headers);
    let announced = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    // An announced length over the limit is refused before the body is read, as API Gateway does.
    let body = match announced {
        Some(length) if length > MAX_PAYLOAD_BYTES => Err(StatusCode::PAYLOAD_TOO_LARGE),
        _ => axum::body::to_bytes(body, MAX_PAYLOAD_BYTES)
            .await
            .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE),
    };
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let matched = routes::select(&gateway.routes, method.as_str(), uri.path());
    let (mut response, user) = match (body, matched) {
        (Err(_), _) => (message(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large"), None),
        (Ok(_), None) => (message(StatusCode::NOT_FOUND, "Not Found"), None),
        (Ok(body), Some((route, parameters))) => {
            let request = Request {
                route,
                parameters: &parameters,
                headers: &headers,
                uri: &uri,
                method: &method,
                body: &body,
                request_id: &request_id,
                source_ip: peer.ip().to_string(),
            };
            gateway.serve(request).await
        }
    };
    if gateway.access_log {
        tracing::info!(
            "[gateway] {method} {} {} user={} {}ms",
            uri.path(),
            response.status().as_u16(),
            user.as_deref().unwrap_or("-"),
            started.elapsed().as_millis()
        );
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

impl Gateway {
    async fn serve(&self, request: Request<'_>) -> (Response, Option<String>) {
        let mut context = Json::Null;
        if let Some(name) = &request.route.authorizer {
            let Some((spec, function)) = self.authorizers.get(name) else {
                return (
                    message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
                    None,
                );
            };
            match self.authorize(spec, function, &request).await {
                Ok(verdict) => context = verdict,
                Err(response) => return (response, None),
            }
        }
        let user = context.get("username").and_then(Json::as_str).map(str::to_string);
        let response = match &request.route.integration {
            Integration::KinesisPutRecord { request_parameters, .. } => {
                self.put_record(&request, request_parameters).await
            }
            Integration::LambdaProxy { function, .. } => self.lambda_proxy(&request, function, &context).await,
            Integration::HttpProxy { uri, method, timeout } => self.http_proxy(&request, uri, method, *timeout).await,
            Integration::NotEmulated(_) => message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        };
        (response, user)
    }
}
