//! One authorization decision: parse the event, check the credentials, log one line, write one
//! EMF metrics record, answer.

use std::sync::Arc;

use emf::{MetricRecord, Metrics};
use lambda_runtime::Diagnostic;
use serde_json::Value;

use crate::basic::{Malformed, parse_basic};
use crate::cache::{Check, CredentialCache, Lookup};
use crate::clock::{Clock, SystemClock};
use crate::credentials::Identity;
use crate::event::{Answer, AuthRequest, EventError, Flavour, parse_event, policy_resource, respond};
use crate::scope::{in_scope, policy_resources};
use crate::source::SecretSource;
use crate::topic_scope::{PathRefusal, check_path};
use kafkatopic::TopicPolicy;

/// Why a decision came out as it did; logged as a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Credentials accepted.
    Authenticated,
    /// No `Authorization` header (or TOKEN).
    MissingHeader,
    /// The header is not acceptable Basic credentials.
    Malformed(Malformed),
    /// Well-formed, but not an accepted pair.
    BadCredentials,
    /// The accepted credentials could not be loaded: fail closed.
    SecretUnavailable,
    /// Authenticated, but the path names a topic (or partition) this API does not serve.
    PathRefused(PathRefusal),
    /// Authenticated, but the client's routes do not include this request.
    OutOfScope,
}

impl Reason {
    /// The code written to the decision log line.
    pub fn code(self) -> &'static str {
        match self {
            Reason::Authenticated => "authenticated",
            Reason::MissingHeader => "missing_header",
            Reason::Malformed(_) => "malformed",
            Reason::BadCredentials => "bad_credentials",
            Reason::SecretUnavailable => "secret_unavailable",
            Reason::PathRefused(_) => "path_refused",
            Reason::OutOfScope => "out_of_scope",
        }
    }
}

/// The outcome of [`Authorizer::decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The authenticated user, when allowed.
    pub username: Option<String>,
    /// The authenticated client, allowed or not (a deny for its path or scope); `None` when the
    /// credentials were not accepted.
    pub client: Option<Arc<Identity>>,
    /// Why.
    pub reason: Reason,
    /// Decided from credentials past their TTL because Secrets Manager is failing.
    pub stale: bool,
    /// How the credentials were consulted (nothing when the header alone decided).
    pub lookup: Lookup,
}

impl Decision {
    fn deny(reason: Reason) -> Decision {
        Decision {
            username: None,
            client: None,
            reason,
            stale: false,
            lookup: Lookup::default(),
        }
    }
}

/// The service name of the authorizer's metrics (the `service` dimension).
pub const METRICS_SERVICE: &str = "authorizer";

/// The metrics of one invocation: `Allowed` or `Denied` (every answer that is not an allow, errors
/// included, as in the decision log), `SecretFetches` (Secrets Manager requests this invocation
/// made) and `CacheHits` (credentials checked without asking Secrets Manager).
pub fn invocation_metrics(record: MetricRecord, allowed: bool, lookup: Lookup) -> MetricRecord {
    record
        .count("Allowed", u64::from(allowed))
        .count("Denied", u64::from(!allowed))
        .count("SecretFetches", lookup.store_requests)
        .count("CacheHits", u64::from(lookup.cache_hit))
}

/// The per-client record: `Allowed`/`Denied` under the dimensions `service` and `client`.
///
/// Written only for an authenticated client (allowed, or denied for its scope or path), never for a
/// presented username that did not authenticate: the dimension's values are the clients in the
/// secret (at most a few hundred in its 64 KiB), not whatever callers send.
pub fn client_metrics(record: MetricRecord, client: &str, allowed: bool) -> MetricRecord {
    record
        .with_dimension("client", client)
        .count("Allowed", u64::from(allowed))
        .count("Denied", u64::from(!allowed))
}

/// An invocation that ends in an error rather than a verdict.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizerError {
    /// REST API only: API Gateway turns exactly this message into 401 (missing or malformed
    /// credentials), where a Deny policy would give 403.
    #[error("Unauthorized")]
    Unauthorized,
    /// Fail closed without a verdict: API Gateway answers 500 and, unlike a deny, does not cache it,
    /// so valid users are not locked out for the cache TTL once Secrets Manager recovers.
    #[error("credentials unavailable")]
    CredentialsUnavailable,
    /// Not an event this function can answer.
    #[error(transparent)]
    Event(#[from] EventError),
}

impl From<AuthorizerError> for Diagnostic {
    fn from(error: AuthorizerError) -> Diagnostic {
        let error_type = match error {
            AuthorizerError::Unauthorized => "Unauthorized",
            AuthorizerError::CredentialsUnavailable => "CredentialsUnavailable",
            AuthorizerError::Event(_) => "UnsupportedEvent",
        };
        Diagnostic {
            error_type: error_type.to_string(),
            error_message: error.to_string(),
        }
    }
}

/// The authorizer of one execution environment.
pub struct Authorizer<S, C = SystemClock> {
    cache: CredentialCache<S, C>,
    metrics: Metrics,
    topics: TopicPolicy,
}

impl<S: SecretSource, C: Clock> Authorizer<S, C> {
    /// An authorizer deciding from `cache`, writing no metrics.
    pub fn new(cache: CredentialCache<S, C>) -> Self {
        Authorizer {
            cache,
            metrics: Metrics::disabled(METRICS_SERVICE),
            topics: TopicPolicy::new("*").unwrap_or_else(|_| unreachable!("* is a valid pattern")),
        }
    }

    /// The topics the `/topics/{topic}` routes may name (`KAFKA_TOPIC_PATTERN`; default every
    /// topic that is a valid, non-internal name).
    pub fn with_topic_policy(mut self, topics: TopicPolicy) -> Self {
        self.topics = topics;
        self
    }

    /// Writes one EMF record per invocation through `metrics` (stdout in the Lambda binary).
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// The credential cache (tests read its source's counters).
    pub fn cache(&self) -> &CredentialCache<S, C> {
        &self.cache
    }

    /// Decides one request. Never panics and never fails: every input has a verdict.
    pub async fn decide(&self, request: &AuthRequest) -> Decision {
        let Some(header) = request.authorization.as_deref() else {
            return Decision::deny(Reason::MissingHeader);
        };
        let presented = match parse_basic(header) {
            Ok(presented) => presented,
            Err(malformed) => return Decision::deny(Reason::Malformed(malformed)),
        };
        let (check, lookup) = self.cache.check_counted(&presented).await;
        match check {
            Check::Accepted { client, .. } if let Some(Err(refusal)) = self.path_check(request) => Decision {
                lookup,
                client: Some(client),
                ..Decision::deny(Reason::PathRefused(refusal))
            },
            Check::Accepted { client, .. } if !in_scope(&client, request) => Decision {
                lookup,
                client: Some(client),
                ..Decision::deny(Reason::OutOfScope)
            },
            Check::Accepted { stale, client } => Decision {
                username: Some(client.name.clone()),
                client: Some(client),
                reason: Reason::Authenticated,
                stale,
                lookup,
            },
            Check::Rejected => Decision {
                lookup,
                ..Decision::deny(Reason::BadCredentials)
            },
            Check::Unavailable => Decision {
                lookup,
                ..Decision::deny(Reason::SecretUnavailable)
            },
        }
    }

    /// The path check of an HTTP API request (`None` for other flavours).
    fn path_check(&self, request: &AuthRequest) -> Option<Result<(), PathRefusal>> {
        let route = request.route.as_ref()?;
        Some(check_path(
            &self.topics,
            &route.route_key,
            &route.raw_path,
            &route.stage,
        ))
    }

    /// Handles one invocation: the response API Gateway expects, or the error that makes it answer
    /// 401 (REST) or 500. Writes exactly one decision line to the log and one metrics record.
    pub async fn handle(&self, event: Value, request_id: &str) -> Result<Value, AuthorizerError> {
        let request = match parse_event(event) {
            Ok(request) => request,
            Err(error) => {
                tracing::warn!(request_id, verdict = "deny", reason = "unsupported_event", %error, "decision");
                self.emit_metrics(false, Lookup::default(), None);
                return Err(error.into());
            }
        };
        let decision = self.decide(&request).await;
        log_decision(request_id, &request, &decision);
        let client = decision.client.as_ref().map(|c| c.name.as_str());
        self.emit_metrics(decision.username.is_some(), decision.lookup, client);
        answer(&request, decision)
    }

    fn emit_metrics(&self, allowed: bool, lookup: Lookup, client: Option<&str>) {
        self.metrics
            .emit(&invocation_metrics(self.metrics.record(), allowed, lookup));
        if let Some(client) = client {
            self.metrics
                .emit(&client_metrics(self.metrics.record(), client, allowed));
        }
    }
}

fn log_decision(request_id: &str, request: &AuthRequest, decision: &Decision) {
    let flavour = request.flavour.as_str();
    let reason = decision.reason.code();
    match (&decision.username, decision.reason) {
        // The username is logged only once authenticated: a rejected "username" may be a password
        // typed into the wrong field.
        (Some(username), _) => {
            tracing::info!(request_id, flavour, verdict = "allow", reason, username = %username, stale = decision.stale, "decision")
        }
        (None, Reason::Malformed(detail)) => {
            tracing::info!(request_id, flavour, verdict = "deny", reason, detail = %detail, "decision")
        }
        (None, Reason::SecretUnavailable) => {
            tracing::error!(request_id, flavour, verdict = "deny", reason, "decision")
        }
        (None, Reason::OutOfScope) => {
            let client = decision.client.as_ref().map_or("", |c| c.name.as_str());
            tracing::info!(request_id, flavour, verdict = "deny", reason, username = %client, "decision")
        }
        (None, Reason::PathRefused(refusal)) => {
            tracing::info!(
                request_id,
                flavour,
                verdict = "deny",
                reason,
                detail = refusal.code(),
                "decision"
            )
        }
        (None, _) => tracing::info!(request_id, flavour, verdict = "deny", reason, "decision"),
    }
}

/// Maps a decision to the flavour's answer.
pub fn answer(request: &AuthRequest, decision: Decision) -> Result<Value, AuthorizerError> {
    match (decision.username, decision.reason, request.flavour) {
        (Some(username), _, _) => {
            let resources = match &decision.client {
                Some(client) => policy_resources(client, &request.resource_arn),
                None => vec![policy_resource(&request.resource_arn)],
            };
            Ok(respond(request, &Answer::Allow { username, resources }))
        }
        (None, Reason::OutOfScope, Flavour::RestRequest | Flavour::RestToken)
            if let Some(client) = &decision.client =>
        {
            Ok(respond(
                request,
                &Answer::OutOfScope {
                    username: client.name.clone(),
                    resources: policy_resources(client, &request.resource_arn),
                },
            ))
        }
        (None, Reason::SecretUnavailable, _) => Err(AuthorizerError::CredentialsUnavailable),
        (None, Reason::MissingHeader | Reason::Malformed(_), Flavour::RestRequest | Flavour::RestToken) => {
            Err(AuthorizerError::Unauthorized)
        }
        (None, _, _) => Ok(respond(request, &Answer::Deny)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emf::Namespace;
    use serde_json::json;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn one_record_per_invocation_with_the_four_counts() {
        let record = |allowed, lookup| {
            invocation_metrics(
                MetricRecord::new(Namespace::default(), METRICS_SERVICE),
                allowed,
                lookup,
            )
            .to_json(UNIX_EPOCH + Duration::from_millis(1000))
        };
        let cold_allow = record(
            true,
            Lookup {
                store_requests: 2,
                cache_hit: false,
            },
        );
        assert_eq!(
            cold_allow,
            json!({
                "_aws": {"Timestamp": 1000, "CloudWatchMetrics": [{
                    "Namespace": "streamgate",
                    "Dimensions": [["service"]],
                    "Metrics": [
                        {"Name": "Allowed", "Unit": "Count"},
                        {"Name": "Denied", "Unit": "Count"},
                        {"Name": "SecretFetches", "Unit": "Count"},
                        {"Name": "CacheHits", "Unit": "Count"},
                    ],
                }]},
                "service": "authorizer",
                "Allowed": 1, "Denied": 0, "SecretFetches": 2, "CacheHits": 0,
            })
        );
        let cached_deny = record(
            false,
            Lookup {
                store_requests: 0,
                cache_hit: true,
            },
        );
        assert_eq!(
            [
                &cached_deny["Allowed"],
                &cached_deny["Denied"],
                &cached_deny["SecretFetches"],
                &cached_deny["CacheHits"]
            ],
            [0, 1, 0, 1]
        );
        // Decided from the header alone: the credentials were not consulted at all.
        let header_deny = record(false, Lookup::default());
        assert_eq!([&header_deny["SecretFetches"], &header_deny["CacheHits"]], [0, 0]);
    }

    #[test]
    fn rest_out_of_scope_keeps_the_clients_routes_and_denies_only_this_request() {
        let request = crate::event::parse_event(json!({"type": "TOKEN", "authorizationToken": "x",
            "methodArn": "arn:aws:execute-api:r:1:api/prod/POST/submit/audit/e1"}))
        .unwrap();
        let partner = Arc::new(Identity {
            name: "partner".into(),
            routes: Some(vec![clients::RoutePattern::parse("POST /submit/orders-*/*").unwrap()]),
        });
        let decision = Decision {
            client: Some(partner),
            lookup: Lookup::default(),
            ..Decision::deny(Reason::OutOfScope)
        };
        let response = answer(&request, decision).unwrap();
        assert_eq!(response["principalId"], "partner");
        assert_eq!(
            response["policyDocument"]["Statement"],
            json!([
                {"Action": ["execute-api:Invoke"], "Effect": "Allow",
                 "Resource": ["arn:aws:execute-api:r:1:api/prod/POST/submit/orders-*/*"]},
                {"Action": ["execute-api:Invoke"], "Effect": "Deny",
                 "Resource": ["arn:aws:execute-api:r:1:api/prod/POST/submit/audit/e1"]},
            ])
        );
        assert_eq!(response["context"], json!({}));
    }
}
