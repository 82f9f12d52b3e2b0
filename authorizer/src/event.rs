//! The authorizer events of both API Gateway flavours, and the responses each expects.
//!
//! The flavour is detected from the event itself, so one binary serves an HTTP API (payload format
//! 2.0, simple responses) and a REST API (TOKEN or REQUEST authorizer, IAM policy responses).
//!
//! Headers are taken out of the raw JSON before the typed (`aws_lambda_events`) deserialization:
//! the crate's header parser puts an invalid header *value* into its error message, and the
//! `Authorization` value must never reach an error message or a log line.

use aws_lambda_events::event::apigw::{
    ApiGatewayCustomAuthorizerPolicy, ApiGatewayCustomAuthorizerRequest, ApiGatewayCustomAuthorizerRequestTypeRequest,
    ApiGatewayCustomAuthorizerResponse, ApiGatewayV2CustomAuthorizerSimpleResponse,
    ApiGatewayV2CustomAuthorizerV2Request,
};
use aws_lambda_events::event::iam::{IamPolicyEffect, IamPolicyStatement};
use serde_json::{Map, Value, json};

/// Which API Gateway authorizer contract an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// HTTP API Lambda authorizer, payload format 2.0: answers with a simple response.
    HttpApiV2,
    /// REST API REQUEST authorizer (also HTTP API payload format 1.0): answers with an IAM policy.
    RestRequest,
    /// REST API TOKEN authorizer: answers with an IAM policy.
    RestToken,
}

impl Flavour {
    /// A stable name for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Flavour::HttpApiV2 => "http_api_v2",
            Flavour::RestRequest => "rest_request",
            Flavour::RestToken => "rest_token",
        }
    }
}

/// What the decision needs from an authorizer event.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthRequest {
    /// The contract to answer in.
    pub flavour: Flavour,
    /// The `Authorization` header value (or the TOKEN authorizer's token), when present.
    pub authorization: Option<String>,
    /// `routeArn` (HTTP API) or `methodArn` (REST).
    pub resource_arn: String,
    /// HTTP API 2.0: the route key (`POST /topics/{topic}`), the raw path and the stage, for the
    /// checks that depend on the path ([`crate::topic_scope`]); empty strings when absent.
    pub route: Option<RouteInfo>,
}

impl std::fmt::Debug for AuthRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthRequest")
            .field("flavour", &self.flavour)
            .field("authorization", &self.authorization.as_ref().map(|_| "<redacted>"))
            .field("resource_arn", &self.resource_arn)
            .field("route", &self.route)
            .finish()
    }
}

/// Where an HTTP API request is going, as its authorizer event says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouteInfo {
    /// `requestContext.http.method`.
    pub method: String,
    /// `routeKey`, e.g. `POST /topics/{topic}`.
    pub route_key: String,
    /// `rawPath`, percent-encoding intact.
    pub raw_path: String,
    /// `requestContext.stage` (`$default`: no prefix on `rawPath`).
    pub stage: String,
}

impl RouteInfo {
    /// `rawPath` without the stage's prefix ([`path_in_stage`]).
    pub fn path_in_stage(&self) -> Option<&str> {
        path_in_stage(&self.raw_path, &self.stage)
    }
}

/// `raw_path` without the stage's own prefix (a named stage's `/prod`), starting with `/`; `None`
/// when the path does not start with it.
pub fn path_in_stage<'a>(raw_path: &'a str, stage: &str) -> Option<&'a str> {
    match stage {
        "" | "$default" => raw_path.starts_with('/').then_some(raw_path),
        stage => raw_path
            .strip_prefix('/')
            .and_then(|rest| rest.strip_prefix(stage))
            .filter(|rest| rest.starts_with('/')),
    }
}

/// An event this function cannot answer. Messages never contain event values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Not an API Gateway authorizer event this function knows.
    #[error("not an API Gateway authorizer event (HTTP API 2.0, REST REQUEST or REST TOKEN)")]
    Unrecognised,
    /// Recognised, but not valid for its flavour.
    #[error("invalid {flavour} authorizer event: {what}", flavour = .0.as_str(), what = .1)]
    Invalid(Flavour, &'static str),
}

/// Reads an authorizer event of any supported flavour.
pub fn parse_event(event: Value) -> Result<AuthRequest, EventError> {
    let Value::Object(mut object) = event else {
        return Err(EventError::Unrecognised);
    };
    let kind = object.get("type").and_then(Value::as_str).unwrap_or_default();
    let version = object.get("version").and_then(Value::as_str).unwrap_or_default();
    let flavour = match (kind, version) {
        ("REQUEST", "2.0") => Flavour::HttpApiV2,
        ("REQUEST", _) => Flavour::RestRequest,
        ("TOKEN", _) => Flavour::RestToken,
        _ => return Err(EventError::Unrecognised),
    };
    let authorization = take_authorization(&mut object);
    let invalid = |what| EventError::Invalid(flavour, what);
    let object = Value::Object(object);
    let mut route = None;
    let (authorization, resource_arn) = match flavour {
        Flavour::HttpApiV2 => {
            let typed: ApiGatewayV2CustomAuthorizerV2Request =
                serde_json::from_value(object).map_err(|_| invalid("does not match the 2.0 payload format"))?;
            // Absent fields become empty strings, which a path check refuses: never a skipped check.
            route = Some(RouteInfo {
                method: typed.request_context.http.method.to_string(),
                route_key: typed.route_key.unwrap_or_default(),
                raw_path: typed.raw_path.unwrap_or_default(),
                stage: typed.request_context.stage.unwrap_or_default(),
            });
            (authorization, typed.route_arn)
        }
        Flavour::RestRequest => {
            let typed: ApiGatewayCustomAuthorizerRequestTypeRequest =
                serde_json::from_value(object).map_err(|_| invalid("does not match the REQUEST format"))?;
            (authorization, typed.method_arn)
        }
        Flavour::RestToken => {
            let typed: ApiGatewayCustomAuthorizerRequest =
                serde_json::from_value(object).map_err(|_| invalid("does not match the TOKEN format"))?;
            (typed.authorization_token, typed.method_arn)
        }
    };
    let resource_arn = resource_arn
        .filter(|arn| !arn.is_empty())
        .ok_or_else(|| invalid("no routeArn/methodArn"))?;
    Ok(AuthRequest {
        flavour,
        authorization,
        resource_arn,
        route,
    })
}

/// Removes `headers` and `multiValueHeaders` from the event and returns the `Authorization` value.
///
/// Header names are case-insensitive. Several values (several spellings of the name, or a
/// multi-value header) are joined with ", " as HTTP combines repeated fields, which the Basic parser
/// then refuses: two credentials are never a valid answer.
fn take_authorization(event: &mut Map<String, Value>) -> Option<String> {
    let mut found: Vec<String> = Vec::new();
    if let Some(Value::Object(headers)) = event.remove("headers") {
        found.extend(
            headers
                .into_iter()
                .filter(|(name, _)| name.eq_ignore_ascii_case("authorization"))
                .filter_map(|(_, value)| match value {
                    Value::String(value) => Some(value),
                    _ => None,
                }),
        );
    }
    if let Some(Value::Object(headers)) = event.remove("multiValueHeaders") {
        // REST sends every header in both maps; the multi-value form matters only when `headers`
        // lacked it, or when it holds more than the one value `headers` showed.
        let multi: Vec<String> = headers
            .into_iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            .flat_map(|(_, values)| match values {
                Value::Array(values) => values,
                other => vec![other],
            })
            .filter_map(|value| match value {
                Value::String(value) => Some(value),
                _ => None,
            })
            .collect();
        if multi.len() > found.len() {
            found = multi;
        }
    }
    (!found.is_empty()).then(|| found.join(", "))
}

/// The verdict for one request, as the response builders need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Let the request through; the authenticated username goes into the context.
    Allow {
        /// The authenticated user.
        username: String,
        /// REST only: the policy's resources (what the client may call; cached per token).
        resources: Vec<String>,
    },
    /// Refuse the request (HTTP API → 403, REST → 403 explicit deny).
    Deny,
    /// An authenticated client outside its routes. HTTP API: a deny. REST: the client's scoped
    /// allow plus an explicit deny of this request's `methodArn`, because REST caches the policy per
    /// token: a stage-wide deny would lock the client out of its own routes for the cache's TTL.
    OutOfScope {
        /// The authenticated client.
        username: String,
        /// What it may call.
        resources: Vec<String>,
    },
}

/// `principalId` of a denied REST request: there is no authenticated principal.
pub const ANONYMOUS_PRINCIPAL: &str = "anonymous";

/// Builds the response the flavour expects.
pub fn respond(request: &AuthRequest, answer: &Answer) -> Value {
    let context = match answer {
        Answer::Allow { username, .. } => json!({ "username": username }),
        Answer::Deny | Answer::OutOfScope { .. } => json!({}),
    };
    match request.flavour {
        Flavour::HttpApiV2 => {
            let mut response = ApiGatewayV2CustomAuthorizerSimpleResponse::<Value>::default();
            response.is_authorized = matches!(answer, Answer::Allow { .. });
            if matches!(answer, Answer::OutOfScope { .. }) {
                response.context = json!({});
            }
            response.context = context;
            serde_json::to_value(response).unwrap_or(Value::Null)
        }
        Flavour::RestRequest | Flavour::RestToken => {
            let mut statement = IamPolicyStatement::default();
            statement.action = vec!["execute-api:Invoke".to_string()];
            let mut statements = Vec::new();
            let principal = match answer {
                Answer::Allow { username, resources } => {
                    statement.effect = IamPolicyEffect::Allow;
                    statement.resource = resources.clone();
                    statements.push(statement);
                    username.clone()
                }
                Answer::OutOfScope { username, resources } => {
                    let mut deny = statement.clone();
                    statement.effect = IamPolicyEffect::Allow;
                    statement.resource = resources.clone();
                    deny.effect = IamPolicyEffect::Deny;
                    deny.resource = vec![request.resource_arn.clone()];
                    statements.extend([statement, deny]);
                    username.clone()
                }
                Answer::Deny => {
                    statement.resource = vec![policy_resource(&request.resource_arn)];
                    statement.effect = IamPolicyEffect::Deny;
                    statements.push(statement);
                    ANONYMOUS_PRINCIPAL.to_string()
                }
            };
            let mut policy = ApiGatewayCustomAuthorizerPolicy::default();
            policy.version = Some("2012-10-17".to_string());
            policy.statement = statements;
            let mut response = ApiGatewayCustomAuthorizerResponse::<Value>::default();
            response.principal_id = Some(principal);
            response.policy_document = policy;
            response.context = context;
            serde_json::to_value(response).unwrap_or(Value::Null)
        }
    }
}

/// The policy covers every method and resource of the stage, not only the `methodArn` of the
/// request that happened to be authorized first: REST caches the policy per token and applies it to
/// later requests on other resources, which a policy naming one method would wrongly deny.
pub fn policy_resource(method_arn: &str) -> String {
    // arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{method}/{resource...}
    let Some((prefix, path)) = method_arn.split_once('/') else {
        return method_arn.to_string();
    };
    match path.split('/').next() {
        Some(stage) if !stage.is_empty() => format!("{prefix}/{stage}/*"),
        _ => method_arn.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v2(headers: Value) -> Value {
        json!({
            "version": "2.0", "type": "REQUEST",
            "routeArn": "arn:aws:execute-api:us-east-1:123456789012:abc/$default/POST/submit/s/e",
            "identitySource": ["x"], "routeKey": "POST /submit/{streamName}/{eventId}",
            "rawPath": "/submit/s/e", "rawQueryString": "", "headers": headers,
            "requestContext": {"accountId": "123456789012", "apiId": "abc", "requestId": "r",
                "http": {"method": "POST", "path": "/submit/s/e", "protocol": "HTTP/1.1",
                         "sourceIp": "1.2.3.4", "userAgent": "t"}}
        })
    }

    #[test]
    fn detects_each_flavour() {
        let http = parse_event(v2(json!({"authorization": "Basic eA=="}))).unwrap();
        assert_eq!(http.flavour, Flavour::HttpApiV2);
        assert_eq!(http.authorization.as_deref(), Some("Basic eA=="));
        let token = parse_event(json!({"type": "TOKEN", "authorizationToken": "Basic eA==",
            "methodArn": "arn:aws:execute-api:us-east-1:1:api/prod/GET/x"}))
        .unwrap();
        assert_eq!(token.flavour, Flavour::RestToken);
        assert_eq!(token.authorization.as_deref(), Some("Basic eA=="));
        let request = parse_event(json!({"type": "REQUEST", "methodArn": "arn:aws:execute-api:us-east-1:1:api/prod/GET/x",
            "requestContext": {}, "headers": {"AuThOrIzAtIoN": "Basic eA=="}, "multiValueHeaders": {"AuThOrIzAtIoN": ["Basic eA=="]}}))
        .unwrap();
        assert_eq!(request.flavour, Flavour::RestRequest);
        assert_eq!(request.authorization.as_deref(), Some("Basic eA=="));
    }

    #[test]
    fn header_is_found_case_insensitively_and_duplicates_are_joined() {
        let one = parse_event(v2(json!({"AUTHORIZATION": "Basic eA=="}))).unwrap();
        assert_eq!(one.authorization.as_deref(), Some("Basic eA=="));
        let none = parse_event(v2(json!({"accept": "*/*"}))).unwrap();
        assert_eq!(none.authorization, None);
        let request = parse_event(
            json!({"type": "REQUEST", "methodArn": "arn:aws:execute-api:r:1:a/s/GET/", "requestContext": {},
            "headers": {"Authorization": "Basic eA=="},
            "multiValueHeaders": {"Authorization": ["Basic eA==", "Basic eQ=="]}}),
        )
        .unwrap();
        assert_eq!(request.authorization.as_deref(), Some("Basic eA==, Basic eQ=="));
    }

    #[test]
    fn invalid_header_values_never_reach_the_error() {
        // The typed parser would reject this value and quote it; ours never sees it.
        let secret = "Basic c2VjcmV0\u{1}";
        let request = parse_event(v2(json!({"authorization": secret}))).unwrap();
        assert_eq!(request.authorization.as_deref(), Some(secret));
        let bad = parse_event(
            json!({"version": "2.0", "type": "REQUEST", "headers": {"authorization": secret},
            "requestContext": 7}),
        )
        .unwrap_err();
        assert!(!bad.to_string().contains("c2VjcmV0"));
    }

    #[test]
    fn unknown_events_are_refused() {
        for event in [
            json!(null),
            json!([]),
            json!({}),
            json!({"type": "JWT"}),
            json!({"Records": []}),
        ] {
            assert_eq!(parse_event(event), Err(EventError::Unrecognised));
        }
        let no_arn = parse_event(json!({"type": "TOKEN", "authorizationToken": "x"})).unwrap_err();
        assert!(matches!(no_arn, EventError::Invalid(Flavour::RestToken, _)));
    }

    #[test]
    fn simple_response_shape() {
        let request = parse_event(v2(json!({}))).unwrap();
        let allow = respond(
            &request,
            &Answer::Allow {
                username: "alice".into(),
                resources: vec![policy_resource(&request.resource_arn)],
            },
        );
        assert_eq!(allow, json!({"isAuthorized": true, "context": {"username": "alice"}}));
        let deny = respond(&request, &Answer::Deny);
        assert_eq!(deny, json!({"isAuthorized": false, "context": {}}));
    }

    #[test]
    fn policy_response_shape() {
        let request = parse_event(json!({"type": "TOKEN", "authorizationToken": "x",
            "methodArn": "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/prod/GET/pets/1"}))
        .unwrap();
        let allow = respond(
            &request,
            &Answer::Allow {
                username: "alice".into(),
                resources: vec![policy_resource(&request.resource_arn)],
            },
        );
        assert_eq!(allow["principalId"], "alice");
        assert_eq!(allow["context"], json!({"username": "alice"}));
        let statement = &allow["policyDocument"]["Statement"][0];
        assert_eq!(allow["policyDocument"]["Version"], "2012-10-17");
        assert_eq!(statement["Effect"], "Allow");
        assert_eq!(statement["Action"], json!(["execute-api:Invoke"]));
        assert_eq!(
            statement["Resource"],
            json!(["arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/prod/*"])
        );
        let deny = respond(&request, &Answer::Deny);
        assert_eq!(deny["policyDocument"]["Statement"][0]["Effect"], "Deny");
        assert_eq!(deny["principalId"], ANONYMOUS_PRINCIPAL);
    }

    #[test]
    fn policy_resource_keeps_api_and_stage() {
        assert_eq!(
            policy_resource("arn:aws:execute-api:r:1:api/*/GET/"),
            "arn:aws:execute-api:r:1:api/*/*"
        );
        assert_eq!(policy_resource("weird"), "weird");
    }
}
