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

    #[test]
    fn verdicts() {
        let mut spec = AuthorizerSpec {
            name: "A".into(),
            function: "F".into(),
            identity_headers: vec!["authorization".into()],
            identity_context: vec![],
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
