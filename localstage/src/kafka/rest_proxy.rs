//! The `topics` function's REST Proxy v2 core served over plain HTTP, in front of the stage's
//! broker: what `KafkaRestProxyUrl` points at when the stage runs the REST Proxy mode (Confluent's
//! proxy is Java and cannot be installed here). One implementation of the produce API in the
//! codebase, two adapters: the Lambda one in `topics::handler`, this one.
//!
//! It answers what the function answers (see the README's difference list against Confluent's
//! proxy), with two differences of its own as a stand-in for a server: bodies up to
//! [`MAX_BODY_BYTES`] (a Lambda payload stops at 6 MB), and a 30 s budget per request.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use kafkatopic::TopicPolicy;
use topics::error::RestError;
use topics::format::V2_JSON;
use topics::kafka::auth::Sasl;
use topics::kafka::client::KafkaClient;
use topics::{ProxyRequest, ProxyResponse, RestProxy};

/// The largest request body the stand-in reads.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// A request's Kafka budget: API Gateway's integration timeout.
const REQUEST_BUDGET: Duration = Duration::from_secs(29);

type Proxy = Arc<RestProxy<KafkaClient>>;

/// The router, producing to the broker at `bootstrap` (`host:port`, plaintext). It connects on the
/// first request, so it can be built before the broker answers.
pub fn router(bootstrap: &str) -> Router {
    let kafka = KafkaClient::new(vec![bootstrap.to_string()], false, Sasl::None);
    // A REST Proxy serves every topic; only Kafka's name rule and the internal topics are checked.
    let policy = TopicPolicy::new("*").unwrap_or_else(|_| unreachable!("* is a valid pattern"));
    Router::new()
        .fallback(handle)
        .with_state(Arc::new(RestProxy::new(kafka, policy)))
}

async fn handle(State(proxy): State<Proxy>, method: Method, uri: Uri, headers: HeaderMap, body: Body) -> Response {
    let too_large = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|length| length > MAX_BODY_BYTES);
    let bytes = match too_large {
        true => None,
        false => axum::body::to_bytes(body, MAX_BODY_BYTES).await.ok(),
    };
    let Some(bytes) = bytes else {
        let error = RestError::too_large(format!("the body is over {MAX_BODY_BYTES} bytes or could not be read"));
        return answer(ProxyResponse {
            status: error.status,
            body: error.body(),
        });
    };
    let request = ProxyRequest {
        method: method.as_str(),
        // `Uri::path` is the path as it arrived: percent-encoding intact.
        raw_path: uri.path(),
        content_type: headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
        body: &bytes,
    };
    let (response, _) = proxy
        .handle(request, tokio::time::Instant::now() + REQUEST_BUDGET)
        .await;
    answer(response)
}

fn answer(response: ProxyResponse) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, V2_JSON)], response.body).into_response()
}
