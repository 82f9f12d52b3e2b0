//! The HTTP API as API Gateway serves this template: route matching, the Lambda authorizer (payload
//! format 2.0) with its result cache, and the `Kinesis-PutRecord` integration.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lambda_events::event::apigw::{
    ApiGatewayV2CustomAuthorizerV2Request, ApiGatewayV2httpRequestContext,
    ApiGatewayV2httpRequestContextHttpDescription,
};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

use super::authorizer_cache::{AuthorizerCache, Verdict};
use super::runtime::{FunctionHost, Outcome};
use super::template::{AuthorizerSpec, Route};

/// API id used in ARNs and domain names of the local stage.
pub const LOCAL_API_ID: &str = "local";

/// Everything a request needs.
pub struct Gateway {
    /// The template's routes.
    pub routes: Vec<Route>,
    /// Authorizers by name, with their function.
    pub authorizers: HashMap<String, (AuthorizerSpec, FunctionHost)>,
    /// Kinesis client pointed at the emulator.
    pub kinesis: aws_sdk_kinesis::Client,
    /// Stream names the integration role may write to (empty = unrestricted).
    pub allowed_streams: Vec<String>,
    /// Authorizer verdicts by identity-source values.
    pub cache: AuthorizerCache,
    /// Print one access line per request.
    pub access_log: bool,
    /// moto's PutRecord is not safe for concurrency (two concurrent calls can get the same sequence
    /// number and one record silently replaces the other), so the stage sends them one at a time.
    pub put_record_lock: tokio::sync::Mutex<()>,
}

/// The gateway as an axum router (every path goes through the template's routes).
pub fn router(gateway: Arc<Gateway>) -> Router {
    Router::new().fallback(handle).with_state(gateway)
}

fn message(status: StatusCode, text: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        json!({ "message": text }).to_string(),
    )
        .into_response()
}

/// Matches a request path against an OpenAPI path template, returning the path parameters.
pub fn match_path(template: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let mut parameters = BTreeMap::new();
    let mut actual = path.trim_start_matches('/').split('/');
    let mut expected = template.trim_start_matches('/').split('/').peekable();
    while let Some(part) = expected.next() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            let rest: Vec<&str> = actual.by_ref().collect();
            if rest.is_empty() || expected.peek().is_some() {
                return None;
            }
            parameters.insert(name.to_string(), rest.join("/"));
            return Some(parameters);
        }
        let segment = actual.next()?;
        match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) if !segment.is_empty() => {
                let decoded = percent_decode(segment)?;
                parameters.insert(name.to_string(), decoded);
            }
            Some(_) => return None,
            None if part == segment => {}
            None => return None,
        }
    }
    actual.next().is_none().then_some(parameters)
}

fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

async fn handle(
    State(gateway): State<Arc<Gateway>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    let request_id = format!("{:x}", fastrand::u64(..));
    let matched = gateway.routes.iter().find_map(|route| {
        (route.method == method.as_str())
            .then(|| match_path(&route.path, uri.path()))
            .flatten()
            .map(|p| (route, p))
    });
    let (response, user) = match matched {
        None => (message(StatusCode::NOT_FOUND, "Not Found"), None),
        Some((route, parameters)) => {
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
        println!(
            "[gateway] {method} {} {} user={} {}ms",
            uri.path(),
            response.status().as_u16(),
            user.as_deref().unwrap_or("-"),
            started.elapsed().as_millis()
        );
    }
    let mut response = response;
    if let Ok(value) = request_id.parse() {
        response.headers_mut().insert("apigw-requestid", value);
    }
    response
}

struct Request<'a> {
    route: &'a Route,
    parameters: &'a BTreeMap<String, String>,
    headers: &'a HeaderMap,
    uri: &'a Uri,
    method: &'a Method,
    body: &'a Bytes,
    request_id: &'a str,
    source_ip: String,
}

impl Gateway {
    async fn serve(&self, request: Request<'_>) -> (Response, Option<String>) {
        let mut user = None;
        if let Some(name) = &request.route.authorizer {
            let Some((spec, function)) = self.authorizers.get(name) else {
                return (
                    message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
                    None,
                );
            };
            match self.authorize(spec, function, &request).await {
                Ok(context) => user = context.get("username").and_then(Json::as_str).map(str::to_string),
                Err(response) => return (response, None),
            }
        }
        (self.integrate(&request).await, user)
    }

    /// Runs the authorizer (or takes its cached verdict); `Err` is the response that ends the request.
    async fn authorize(
        &self,
        spec: &AuthorizerSpec,
        function: &FunctionHost,
        request: &Request<'_>,
    ) -> Result<Json, Response> {
        let mut identity = Vec::with_capacity(spec.identity_headers.len());
        for header in &spec.identity_headers {
            let values: Vec<&str> = request
                .headers
                .get_all(header.as_str())
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            if values.is_empty() || values.iter().all(|v| v.is_empty()) {
                // A missing identity source: 401 without invoking the authorizer.
                return Err(message(StatusCode::UNAUTHORIZED, "Unauthorized"));
            }
            identity.push(values.join(","));
        }
        let key = identity.join("\u{0}");
        let verdict = match self.cache.get(&spec.name, &key) {
            Some(verdict) => verdict,
            None => {
                let event = authorizer_event(spec, request, &identity);
                let verdict = match function.invoke(Bytes::from(event.to_string())).await {
                    Outcome::Response(payload) => parse_verdict(spec, &payload),
                    Outcome::Error(..) => None,
                };
                let Some(verdict) = verdict else {
                    // Errors and invalid responses are not cached.
                    return Err(message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"));
                };
                self.cache
                    .put(&spec.name, key, verdict.clone(), Duration::from_secs(spec.ttl_seconds));
                verdict
            }
        };
        if verdict.authorized {
            Ok(verdict.context)
        } else {
            Err(message(StatusCode::FORBIDDEN, "Forbidden"))
        }
    }

    async fn integrate(&self, request: &Request<'_>) -> Response {
        if request.route.integration_subtype != "Kinesis-PutRecord" {
            return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
        let mut values: HashMap<&str, Vec<u8>> = HashMap::new();
        for (name, expression) in &request.route.request_parameters {
            if let Some(value) = mapping_value(expression, request) {
                values.insert(name.as_str(), value);
            }
        }
        let text = |name: &str| values.get(name).map(|v| String::from_utf8_lossy(v).into_owned());
        let (Some(stream), Some(partition_key), Some(data)) =
            (text("StreamName"), text("PartitionKey"), values.get("Data"))
        else {
            return message(StatusCode::BAD_REQUEST, "Bad Request");
        };
        if !self.allowed_streams.is_empty() && !self.allowed_streams.contains(&stream) {
            // The integration role may not write there: API Gateway answers a failed integration with 500.
            return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
        let serialized = self.put_record_lock.lock().await;
        let result = self
            .kinesis
            .put_record()
            .stream_name(&stream)
            .partition_key(&partition_key)
            .data(aws_sdk_kinesis::primitives::Blob::new(data.clone()))
            .send()
            .await;
        drop(serialized);
        match result {
            Ok(output) => {
                let mut body = json!({"SequenceNumber": output.sequence_number(), "ShardId": output.shard_id()});
                if let Some(encryption) = output.encryption_type() {
                    body["EncryptionType"] = json!(encryption.as_str());
                }
                (StatusCode::OK, [("content-type", "application/json")], body.to_string()).into_response()
            }
            Err(error) => {
                let status = match error.raw_response().map(|r| r.status().as_u16()) {
                    Some(400) => StatusCode::BAD_REQUEST,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                if status == StatusCode::BAD_REQUEST {
                    message(status, "Bad Request")
                } else {
                    message(status, "Internal Server Error")
                }
            }
        }
    }
}

/// Evaluates one integration request parameter mapping.
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
        let query = request.uri.query().unwrap_or_default();
        return query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_bytes().to_vec());
    }
    if expression == "$context.requestId" {
        return Some(request.request_id.as_bytes().to_vec());
    }
    (!expression.starts_with('$')).then(|| expression.as_bytes().to_vec())
}

/// The payload-format-2.0 authorizer event, built with `aws_lambda_events`' own type.
fn authorizer_event(spec: &AuthorizerSpec, request: &Request<'_>, identity: &[String]) -> Json {
    let route_key = format!("{} {}", request.route.method, request.route.path);
    let path = request.uri.path().to_string();
    let mut http = ApiGatewayV2httpRequestContextHttpDescription::default();
    http.method = request.method.clone();
    http.path = Some(path.clone());
    http.protocol = Some("HTTP/1.1".into());
    http.source_ip = Some(request.source_ip.clone());
    http.user_agent = request
        .headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let now = chrono::Utc::now();
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(route_key.clone());
    context.account_id = Some(motoserver::ACCOUNT_ID.into());
    context.stage = Some("$default".into());
    context.request_id = Some(request.request_id.to_string());
    context.apiid = Some(LOCAL_API_ID.into());
    context.domain_name = Some("127.0.0.1".into());
    context.domain_prefix = Some(LOCAL_API_ID.into());
    context.time = Some(now.format("%d/%b/%Y:%H:%M:%S %z").to_string());
    context.time_epoch = now.timestamp_millis();
    context.http = http;
    let mut event = ApiGatewayV2CustomAuthorizerV2Request::default();
    event.version = Some(spec.payload_format_version.clone());
    event.type_ = Some("REQUEST".into());
    event.route_arn = Some(format!(
        "arn:aws:execute-api:{}:{}:{LOCAL_API_ID}/$default/{}{}",
        motoserver::REGION,
        motoserver::ACCOUNT_ID,
        request.route.method,
        path
    ));
    event.identity_source = Some(identity.to_vec());
    event.route_key = Some(route_key);
    event.raw_path = Some(path);
    event.raw_query_string = Some(request.uri.query().unwrap_or_default().to_string());
    event.cookies = request
        .headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split("; ").map(str::to_string))
        .collect();
    // HTTP APIs lowercase header names and join repeated headers with commas.
    let mut headers = HeaderMap::new();
    for name in request.headers.keys() {
        let joined: Vec<&str> = request
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if let Ok(value) = joined.join(",").parse() {
            headers.insert(name.clone(), value);
        }
    }
    event.headers = headers;
    event.query_string_parameters = request
        .uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    event.path_parameters = request.parameters.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    event.request_context = context;
    serde_json::to_value(event).unwrap_or(Json::Null)
}

/// Reads an authorizer response: a simple response (`isAuthorized`) or an IAM policy.
fn parse_verdict(spec: &AuthorizerSpec, payload: &[u8]) -> Option<Verdict> {
    let response: Json = serde_json::from_slice(payload).ok()?;
    let context = response
        .get("context")
        .cloned()
        .filter(Json::is_object)
        .unwrap_or_else(|| json!({}));
    let authorized = if spec.simple_responses {
        response.get("isAuthorized")?.as_bool()?
    } else {
        let statements = response.pointer("/policyDocument/Statement")?.as_array()?;
        !statements.is_empty()
            && statements
                .iter()
                .all(|s| s.get("Effect").and_then(Json::as_str) == Some("Allow"))
    };
    Some(Verdict { authorized, context })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_templates() {
        let p = match_path("/submit/{streamName}/{eventId}", "/submit/s/e-1").unwrap();
        assert_eq!(p["streamName"], "s");
        assert_eq!(p["eventId"], "e-1");
        assert_eq!(
            match_path("/submit/{streamName}/{eventId}", "/submit/s/a%20b").unwrap()["eventId"],
            "a b"
        );
        assert!(match_path("/submit/{streamName}/{eventId}", "/submit/s").is_none());
        assert!(match_path("/submit/{streamName}/{eventId}", "/submit/s/e/x").is_none());
        assert!(match_path("/submit/{streamName}/{eventId}", "/submit//e").is_none());
        assert!(match_path("/submit/{streamName}/{eventId}", "/other/s/e").is_none());
        assert_eq!(match_path("/files/{path+}", "/files/a/b/c").unwrap()["path"], "a/b/c");
    }

    #[test]
    fn verdicts() {
        let mut spec = AuthorizerSpec {
            name: "A".into(),
            function: "F".into(),
            identity_headers: vec!["authorization".into()],
            ttl_seconds: 300,
            payload_format_version: "2.0".into(),
            simple_responses: true,
        };
        let allow = parse_verdict(&spec, br#"{"isAuthorized":true,"context":{"username":"u"}}"#).unwrap();
        assert!(allow.authorized);
        assert_eq!(allow.context["username"], "u");
        assert!(!parse_verdict(&spec, br#"{"isAuthorized":false}"#).unwrap().authorized);
        assert!(parse_verdict(&spec, br#"{"nope":1}"#).is_none());
        assert!(parse_verdict(&spec, b"not json").is_none());
        spec.simple_responses = false;
        let policy = br#"{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}}"#;
        assert!(parse_verdict(&spec, policy).unwrap().authorized);
    }
}
