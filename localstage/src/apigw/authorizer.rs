//! The HTTP API's Lambda authorizer (payload format 2.0): identity sources, the event, the verdict
//! (a simple response or an IAM policy) and the result cache.

use std::time::Duration;

use aws_lambda_events::event::apigw::ApiGatewayV2CustomAuthorizerV2Request;
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value as Json, json};

use super::authorizer_cache::Verdict;
use super::{Gateway, LOCAL_API_ID, Request, message, payload};
use crate::lambda::{FunctionHost, Outcome};
use crate::template::AuthorizerSpec;

impl Gateway {
    /// Runs the authorizer (or takes its cached verdict); `Err` is the response that ends the request.
    pub(super) async fn authorize(
        &self,
        spec: &AuthorizerSpec,
        function: &FunctionHost,
        request: &Request<'_>,
    ) -> Result<Json, Response> {
        let identity = match identity(spec, request) {
            Ok(identity) => identity,
            // A missing identity source: 401 without invoking the authorizer.
            Err(IdentityError::Missing) => return Err(message(StatusCode::UNAUTHORIZED, "Unauthorized")),
            Err(IdentityError::UnknownContext(name)) => {
                if self.access_log {
                    tracing::warn!(
                        "[gateway] authorizer {}: identity source $context.{name} is not emulated: 500",
                        spec.name
                    );
                }
                return Err(message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"));
            }
        };
        let verdict = match self.cache.get(&spec.name, &identity) {
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
                self.cache.put(
                    &spec.name,
                    identity,
                    verdict.clone(),
                    Duration::from_secs(spec.ttl_seconds),
                );
                verdict
            }
        };
        if verdict.authorized {
            Ok(verdict.context)
        } else {
            Err(message(StatusCode::FORBIDDEN, "Forbidden"))
        }
    }
}

/// Why a request has no identity to authorize.
#[derive(Debug, Clone, PartialEq, Eq)]
enum IdentityError {
    /// An identity header is absent or empty: 401, the authorizer is not invoked.
    Missing,
    /// A `$context` variable the stage does not know: it cannot evaluate the identity source.
    UnknownContext(String),
}

/// The identity-source values, in the order SAM lists them in `identitySource` (headers, then
/// context variables): what the authorizer gets as `identitySource`, and its verdict's cache key. A
/// header's repeated values are joined by commas, none dropped (see [`payload::combined`]).
fn identity(spec: &AuthorizerSpec, request: &Request<'_>) -> Result<Vec<String>, IdentityError> {
    let mut identity = Vec::with_capacity(spec.identity_headers.len() + spec.identity_context.len());
    for header in &spec.identity_headers {
        let values = payload::values(request.headers, header);
        if values.iter().all(|v| v.is_empty()) {
            return Err(IdentityError::Missing);
        }
        identity.push(values.join(","));
    }
    for name in &spec.identity_context {
        let name = name.strip_prefix("$context.").unwrap_or(name);
        let value = context_variable(name, request).ok_or_else(|| IdentityError::UnknownContext(name.to_string()))?;
        identity.push(value);
    }
    Ok(identity)
}

/// `$context.<name>` for this request, as the stage's events give it (`None`: not emulated).
/// `path` is the request path as received, still percent-encoded.
fn context_variable(name: &str, request: &Request<'_>) -> Option<String> {
    Some(match name {
        "routeKey" => request.route.key(),
        "path" => request.uri.path().to_string(),
        "httpMethod" => request.method.to_string(),
        "protocol" => "HTTP/1.1".to_string(),
        "stage" => "$default".to_string(),
        "apiId" | "domainPrefix" => LOCAL_API_ID.to_string(),
        "domainName" => payload::DOMAIN_NAME.to_string(),
        "accountId" => motoserver::ACCOUNT_ID.to_string(),
        "requestId" => request.request_id.to_string(),
        "identity.sourceIp" => request.source_ip.clone(),
        "identity.userAgent" => payload::combined(request.headers, "user-agent").unwrap_or_default(),
        _ => return None,
    })
}

/// The payload-format-2.0 authorizer event, built with `aws_lambda_events`' own type.
fn authorizer_event(spec: &AuthorizerSpec, request: &Request<'_>, identity: &[String]) -> Json {
    let path = request.uri.path().to_string();
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
    event.route_key = Some(request.route.key());
    event.raw_path = Some(path);
    event.raw_query_string = Some(request.uri.query().unwrap_or_default().to_string());
    event.cookies = payload::cookies(request.headers);
    event.headers = payload::joined_headers(request.headers);
    event.query_string_parameters = payload::query_string_parameters(request.uri.query())
        .into_iter()
        .collect();
    event.path_parameters = request.parameters.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    event.request_context = payload::request_context(request);
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
mod tests;
