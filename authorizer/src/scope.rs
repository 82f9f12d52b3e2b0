//! A named client's route scope, applied to the request being authorized.
//!
//! The request is read as a method and decoded path segments: from an HTTP API event's
//! `requestContext.http.method` and `rawPath` (less the stage's prefix), or from a REST event's
//! `methodArn` (`arn:…:api-id/stage/METHOD/path`). A request that cannot be read that way is out of
//! scope for a scoped client: a scope never guesses. Unscoped clients skip all of this.
//!
//! An HTTP API caches a verdict per identity-source values; ours are the `Authorization` header,
//! `$context.routeKey` and `$context.path`, so a cached allow never covers another route or another
//! path (for `/submit`, another stream). REST answers carry a policy scoped to the client's routes
//! ([`policy_resources`]).

use clients::route_pattern::decode_path;

use crate::credentials::Identity;
use crate::event::{AuthRequest, policy_resource};

/// Whether `client` may make `request`.
pub fn in_scope(client: &Identity, request: &AuthRequest) -> bool {
    if client.routes.is_none() {
        return true;
    }
    match target(request) {
        Some((method, segments)) => client.allows(&method, &segments),
        None => false,
    }
}

/// The request's method and decoded path segments.
fn target(request: &AuthRequest) -> Option<(String, Vec<String>)> {
    match &request.route {
        Some(route) => Some((route.method.clone(), decode_path(route.path_in_stage()?)?)),
        None => {
            // arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{method}/{path...}
            let (_, rest) = request.resource_arn.split_once('/')?;
            let mut parts = rest.splitn(3, '/');
            let (_stage, method) = (parts.next()?, parts.next()?);
            let path = format!("/{}", parts.next().unwrap_or_default());
            Some((method.to_string(), decode_path(&path)?))
        }
    }
}

/// The `Resource` list of a REST allow policy: the whole stage for an unscoped client, one ARN
/// pattern per route for a scoped one.
pub fn policy_resources(client: &Identity, method_arn: &str) -> Vec<String> {
    let stage_wide = policy_resource(method_arn);
    match (&client.routes, stage_wide.strip_suffix("/*")) {
        (Some(routes), Some(stage_arn)) => routes.iter().map(|r| r.execute_api_resource(stage_arn)).collect(),
        _ => vec![stage_wide],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::parse_event;
    use clients::RoutePattern;
    use serde_json::json;

    fn partner() -> Identity {
        Identity {
            name: "partner".into(),
            routes: Some(vec![
                RoutePattern::parse("POST /submit/orders-*/*").unwrap(),
                RoutePattern::parse("GET /streams").unwrap(),
            ]),
        }
    }

    fn http(method: &str, raw_path: &str, stage: &str) -> AuthRequest {
        parse_event(json!({
            "version": "2.0", "type": "REQUEST",
            "routeArn": "arn:aws:execute-api:us-east-1:1:api/$default/POST/submit/s/e",
            "routeKey": "POST /submit/{streamName}/{eventId}", "rawPath": raw_path,
            "requestContext": {"accountId": "1", "apiId": "api", "requestId": "r", "stage": stage,
                "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "t"}}
        }))
        .unwrap()
    }

    fn rest(method_arn: &str) -> AuthRequest {
        parse_event(json!({"type": "TOKEN", "authorizationToken": "x", "methodArn": method_arn})).unwrap()
    }

    #[test]
    fn http_api_requests() {
        let partner = partner();
        assert!(in_scope(&partner, &http("POST", "/submit/orders-eu/e1", "$default")));
        assert!(in_scope(&partner, &http("POST", "/prod/submit/orders-eu/e1", "prod")));
        assert!(!in_scope(&partner, &http("POST", "/submit/audit/e1", "$default")));
        assert!(!in_scope(&partner, &http("GET", "/submit/orders-eu/e1", "$default")));
        assert!(!in_scope(
            &partner,
            &http("POST", "/submit/orders-eu%2Fx/e1", "$default")
        ));
        assert!(!in_scope(&partner, &http("POST", "/other/submit/orders-eu/e1", "prod")));
        assert!(in_scope(&partner, &http("GET", "/streams", "$default")));
        assert!(!in_scope(&partner, &http("GET", "/streams/s", "$default")));
        let everyone = Identity::unrestricted("ops");
        assert!(in_scope(&everyone, &http("DELETE", "/anything", "$default")));
    }

    #[test]
    fn rest_requests_and_policies() {
        let partner = partner();
        let arn = "arn:aws:execute-api:us-east-1:1:api/prod/POST/submit/orders-eu/e1";
        assert!(in_scope(&partner, &rest(arn)));
        assert!(!in_scope(
            &partner,
            &rest("arn:aws:execute-api:us-east-1:1:api/prod/POST/submit/audit/e1")
        ));
        assert!(in_scope(
            &partner,
            &rest("arn:aws:execute-api:us-east-1:1:api/prod/GET/streams")
        ));
        assert_eq!(
            policy_resources(&partner, arn),
            [
                "arn:aws:execute-api:us-east-1:1:api/prod/POST/submit/orders-*/*",
                "arn:aws:execute-api:us-east-1:1:api/prod/GET/streams"
            ]
        );
        assert_eq!(
            policy_resources(&Identity::unrestricted("ops"), arn),
            ["arn:aws:execute-api:us-east-1:1:api/prod/*"]
        );
    }
}
