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
                    println!(
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
mod tests {
    use super::*;
    use crate::template::{Integration, Route};
    use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
    use std::collections::BTreeMap;

    fn spec(context: &[&str]) -> AuthorizerSpec {
        AuthorizerSpec {
            name: "A".into(),
            function: "F".into(),
            identity_headers: vec!["authorization".into()],
            identity_context: context.iter().map(|c| c.to_string()).collect(),
            ttl_seconds: 300,
            payload_format_version: "2.0".into(),
            simple_responses: true,
        }
    }

    /// Calls `check` with a request for `path` on `POST /topics/{topic}` with these headers.
    fn with_request(path: &str, headers: &[(&str, &[u8])], check: impl FnOnce(&Request<'_>)) {
        let route = Route {
            method: "POST".into(),
            path: "/topics/{topic}".into(),
            authorizer: Some("A".into()),
            integration: Integration::NotEmulated(String::new()),
        };
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(value).unwrap(),
            );
        }
        let uri: Uri = path.parse().unwrap();
        let parameters = BTreeMap::new();
        let body = Bytes::new();
        check(&Request {
            route: &route,
            parameters: &parameters,
            headers: &map,
            uri: &uri,
            method: &Method::POST,
            body: &body,
            request_id: "r-1",
            source_ip: "192.0.2.7".into(),
        });
    }

    #[test]
    fn repeated_identity_headers_reach_the_authorizer_whole() {
        let headers: &[(&str, &[u8])] = &[("authorization", b"Basic good"), ("authorization", b"Basic \xff")];
        with_request("/topics/a", headers, |request| {
            let values = identity(&spec(&[]), request).unwrap();
            assert_eq!(values, ["Basic good,Basic \u{FFFD}"]);
            let event = authorizer_event(&spec(&[]), request, &values);
            assert_eq!(event["identitySource"], json!(["Basic good,Basic \u{FFFD}"]));
            assert_eq!(event["headers"]["authorization"], "Basic good,Basic \u{FFFD}");
        });
        for missing in [
            &[][..],
            &[("authorization", &b""[..])],
            &[("authorization", b""), ("authorization", b"")],
        ] {
            with_request("/topics/a", missing, |request| {
                assert_eq!(identity(&spec(&[]), request), Err(IdentityError::Missing));
            });
        }
    }

    #[test]
    fn context_identity_sources_follow_the_headers() {
        let headers: &[(&str, &[u8])] = &[("authorization", b"Basic good")];
        with_request("/topics/a%2Fb//..?x=1", headers, |request| {
            let values = identity(&spec(&["routeKey", "$context.path"]), request).unwrap();
            assert_eq!(values, ["Basic good", "POST /topics/{topic}", "/topics/a%2Fb//.."]);
            let event = authorizer_event(&spec(&["routeKey", "path"]), request, &values);
            assert_eq!(event["identitySource"], json!(values));
            assert_eq!(
                identity(&spec(&["stage", "identity.sourceIp", "httpMethod"]), request).unwrap(),
                ["Basic good", "$default", "192.0.2.7", "POST"]
            );
            assert_eq!(
                identity(&spec(&["authorizer.claims"]), request),
                Err(IdentityError::UnknownContext("authorizer.claims".into()))
            );
        });
    }

    #[test]
    fn verdicts() {
        let mut spec = spec(&[]);
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
