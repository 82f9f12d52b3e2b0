//! Tests of the Lambda authorizer: identity sources, the authorizer's event, and its verdicts.

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
