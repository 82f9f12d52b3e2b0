//! The Lambda adapter: an HTTP API payload-2.0 event → [`ProxyRequest`] → the core → the proxy
//! integration's response; one log line and one metrics record per request.

use std::time::{Instant as StdInstant, SystemTime};

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::HeaderMap;
use aws_lambda_events::http::header::{CONTENT_TYPE, HeaderValue};
use base64::Engine;
use serde_json::value::RawValue;
use tokio::time::Instant;

use crate::error::RestError;
use crate::format::V2_JSON;
use crate::kafka::KafkaApi;
use crate::service::{ANSWER_MARGIN, Facts, ProxyRequest, ProxyResponse, RestProxy};

/// The core with its metrics, as the Lambda function runs it.
pub struct Handler<K> {
    proxy: RestProxy<K>,
    metrics: emf::Metrics,
    budget: std::time::Duration,
}

impl<K: KafkaApi> Handler<K> {
    /// A handler over `proxy`, writing `metrics`, spending at most `budget` on Kafka per request.
    pub fn new(proxy: RestProxy<K>, metrics: emf::Metrics, budget: std::time::Duration) -> Handler<K> {
        Handler { proxy, metrics, budget }
    }

    /// The core.
    pub fn proxy(&self) -> &RestProxy<K> {
        &self.proxy
    }

    /// Answers one invocation due at `deadline`. An event that is not an HTTP API request still
    /// gets an HTTP answer (a function error would be a bare 500 at the gateway).
    pub async fn handle_event(&self, payload: &RawValue, deadline: SystemTime) -> ApiGatewayV2httpResponse {
        let started = StdInstant::now();
        let request: ApiGatewayV2httpRequest = match serde_json::from_str(payload.get()) {
            Ok(request) => request,
            Err(e) => {
                // Where and what kind, never serde's message: aws_lambda_events quotes an invalid
                // header value in it, and a header may be a credential.
                tracing::warn!(category = ?e.classify(), line = e.line(), column = e.column(), "not an HTTP API payload 2.0 event");
                let error = RestError::unprocessable("not an HTTP API payload 2.0 event");
                return response(ProxyResponse {
                    status: error.status,
                    body: error.body(),
                });
            }
        };
        let body = match body_bytes(&request) {
            Ok(body) => body,
            Err(error) => {
                return response(ProxyResponse {
                    status: error.status,
                    body: error.body(),
                });
            }
        };
        let method = request.request_context.http.method.as_str();
        // A named stage prefixes `rawPath` with itself (`$default` does not).
        let raw_path = request.raw_path.as_deref().unwrap_or_default();
        let raw_path = match request.request_context.stage.as_deref() {
            Some(stage) if stage != "$default" => raw_path
                .strip_prefix('/')
                .and_then(|rest| rest.strip_prefix(stage))
                .filter(|rest| rest.starts_with('/'))
                .unwrap_or(raw_path),
            _ => raw_path,
        };
        let content_type = request.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let kafka_deadline = kafka_deadline(deadline).min(Instant::now() + self.budget);
        let (answer, facts) = self
            .proxy
            .handle(
                ProxyRequest {
                    method,
                    raw_path,
                    content_type,
                    body: &body,
                },
                kafka_deadline,
            )
            .await;
        self.report(answer.status, &facts, started);
        response(answer)
    }

    fn report(&self, status: u16, facts: &Facts, started: StdInstant) {
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        // Never a key, a value or a header: only what the request did.
        tracing::info!(
            route = facts.route,
            topic = facts.topic.as_deref().unwrap_or(""),
            status,
            records = facts.records,
            produced = facts.produced,
            failed = facts.failed,
            retries = facts.retries,
            error = facts.error.as_deref().unwrap_or(""),
            duration_ms,
            "request"
        );
        let record = self
            .metrics
            .record()
            .count("RecordsProduced", facts.produced as u64)
            // A whole request Kafka could not take counts its records too: the alarm watches this.
            .count(
                "RecordsFailed",
                facts.failed as u64 + u64::from(status >= 500) * facts.records as u64,
            )
            .count("RequestsRefused", u64::from((400..500).contains(&status)))
            .count("KafkaErrors", u64::from(status >= 500));
        self.metrics.emit(&record);
    }
}

/// The Kafka deadline of an invocation due at `deadline`: its remaining time minus the margin to
/// answer (none left, or a deadline in the past: a short budget rather than none).
pub fn kafka_deadline(deadline: SystemTime) -> Instant {
    let remaining = deadline
        .duration_since(SystemTime::now())
        .unwrap_or_default()
        .saturating_sub(ANSWER_MARGIN);
    Instant::now() + remaining.max(std::time::Duration::from_millis(500))
}

fn body_bytes(request: &ApiGatewayV2httpRequest) -> Result<Vec<u8>, RestError> {
    let Some(body) = request.body.as_deref() else {
        return Ok(Vec::new());
    };
    match request.is_base64_encoded {
        true => base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|_| RestError::unprocessable("the event's body is not valid base64")),
        false => Ok(body.as_bytes().to_vec()),
    }
}

fn response(answer: ProxyResponse) -> ApiGatewayV2httpResponse {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(V2_JSON));
    let mut response = ApiGatewayV2httpResponse::default();
    response.status_code = i64::from(answer.status);
    response.headers = headers;
    response.body = Some(Body::Text(String::from_utf8_lossy(&answer.body).into_owned()));
    response.is_base64_encoded = false;
    response
}
