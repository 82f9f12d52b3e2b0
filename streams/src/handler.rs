//! One request: route → stream name → guard → body → Kinesis (bounded by the invocation's deadline,
//! throttling retried within a budget) → a JSON response. Every outcome is a response: the handler
//! never fails and never panics, because a Lambda error reaches the client as a bare 500/502.

use std::time::{Duration, Instant, SystemTime};

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::HeaderValue;
use aws_lambda_events::http::header::CONTENT_TYPE;
use serde::Serialize;
use serde_json::value::RawValue;

use std::sync::Arc;

use crate::bounds::OverBound;
use crate::config::Config;
use crate::control_plane::ControlPlane;
use crate::guard::{Action, Denied, visible_streams};
use crate::kinesis::{
    DescribeStreamOutput, Kinesis, KinesisError, PutRecordOutput, PutRecordsOutput, PutRecordsResultEntry, Record,
    StreamApi,
};
use crate::ownership::{OWNER_TAG, owner_tags};
use crate::request::{self, RequestError, Route};

/// Header holding PutRecords' `FailedRecordCount`, so a client can check it without reading the body.
pub const FAILED_RECORD_COUNT_HEADER: &str = "x-failed-record-count";

/// When the runtime gives no usable deadline (none, or one already past, which a live invocation
/// cannot have): assume API Gateway's integration timeout, the longest a client waits anyway.
const FALLBACK_DEADLINE: Duration = Duration::from_secs(30);

/// Exponential backoff with full jitter: retry `n` sleeps a random time in `[0, min(cap, base·2ⁿ)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// First ceiling.
    pub base: Duration,
    /// Largest ceiling.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(50),
            cap: Duration::from_secs(2),
        }
    }
}

impl Backoff {
    /// The ceiling of the sleep before retry number `retry` (0-based).
    pub fn ceiling(&self, retry: u32) -> Duration {
        self.base
            .saturating_mul(1u32.checked_shl(retry).unwrap_or(u32::MAX))
            .min(self.cap)
    }

    /// A random sleep before retry number `retry`.
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = u64::try_from(self.ceiling(retry).as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(fastrand::u64(0..=ceiling))
    }
}

/// How the proxy spends an invocation's time. Injectable so that tests are fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Backoff between retries of throttled calls and entries.
    pub backoff: Backoff,
    /// Kept free before the invocation's deadline to answer: Kinesis calls are cut off and retries
    /// stop this long before it.
    pub safety_margin: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            backoff: Backoff::default(),
            safety_margin: Duration::from_secs(1),
        }
    }
}

/// The instants one request works to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Every Kinesis call is cut off here (the invocation's deadline minus the safety margin).
    pub hard: Instant,
    /// No retry starts after this (the retry budget from the start, within `hard`).
    pub retry: Instant,
}

impl Deadlines {
    /// The deadlines of a request started at `now` (= `now_system` on the wall clock) in an
    /// invocation due at `deadline`.
    pub fn new(
        deadline: SystemTime,
        now: Instant,
        now_system: SystemTime,
        timing: &Timing,
        retry_budget: Duration,
    ) -> Deadlines {
        let remaining = deadline
            .duration_since(now_system)
            .ok()
            .filter(|left| !left.is_zero())
            .unwrap_or(FALLBACK_DEADLINE);
        let hard = now + remaining.saturating_sub(timing.safety_margin);
        let retry = (now + retry_budget).min(hard);
        Deadlines { hard, retry }
    }
}

/// An error response: status, Kinesis-style exception name, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The `type` of the body: a Kinesis exception name (`NotFound` for an unknown route).
    pub error_type: String,
    /// The `message` of the body.
    pub message: String,
}

impl ApiError {
    /// 404 for a route this function does not serve (API Gateway's own words).
    pub fn route_not_found() -> ApiError {
        ApiError {
            status: 404,
            error_type: "NotFound".into(),
            message: "Not Found".into(),
        }
    }

    /// 400 for an invocation payload that is not an HTTP API payload 2.0 request.
    pub fn not_a_request() -> ApiError {
        ApiError {
            status: 400,
            error_type: "SerializationException".into(),
            message: "the event is not an API Gateway HTTP API (payload format 2.0) request".into(),
        }
    }

    fn internal(message: impl Into<String>) -> ApiError {
        ApiError {
            status: 500,
            error_type: "InternalFailure".into(),
            message: message.into(),
        }
    }

    fn response(&self) -> ApiGatewayV2httpResponse {
        #[derive(Serialize)]
        struct ErrorBody<'a> {
            message: &'a str,
            #[serde(rename = "type")]
            error_type: &'a str,
        }
        let body = serde_json::to_string(&ErrorBody {
            message: &self.message,
            error_type: &self.error_type,
        })
        .unwrap_or_else(|_| r#"{"message":"Internal Failure","type":"InternalFailure"}"#.to_string());
        json_response(self.status, body)
    }
}

impl From<RequestError> for ApiError {
    fn from(error: RequestError) -> Self {
        ApiError {
            status: error.status(),
            error_type: error.error_type().into(),
            message: error.to_string(),
        }
    }
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        ApiError {
            status: 403,
            error_type: "AccessDeniedException".into(),
            message: denied.to_string(),
        }
    }
}

impl From<OverBound> for ApiError {
    fn from(over: OverBound) -> Self {
        ApiError {
            status: 409,
            // Not Kinesis's LimitExceededException (a 429 to retry): this one lasts until a delete.
            error_type: "ProxyBoundExceeded".into(),
            message: over.to_string(),
        }
    }
}

impl From<KinesisError> for ApiError {
    fn from(error: KinesisError) -> Self {
        ApiError {
            status: error.status(),
            error_type: error.error_type().into(),
            message: error.message().into(),
        }
    }
}

/// A successful answer: a JSON body, and PutRecords' failed count for its header.
struct Reply {
    body: String,
    failed_record_count: Option<usize>,
}

impl Reply {
    fn json<T: Serialize>(value: &T) -> Result<Reply, ApiError> {
        serde_json::to_string(value)
            .map(|body| Reply {
                body,
                failed_record_count: None,
            })
            .map_err(|_| ApiError::internal("the answer could not be serialized"))
    }

    fn empty() -> Reply {
        Reply {
            body: "{}".into(),
            failed_record_count: None,
        }
    }

    fn response(self) -> ApiGatewayV2httpResponse {
        let mut response = json_response(200, self.body);
        if let Some(failed) = self.failed_record_count {
            response
                .headers
                .insert(FAILED_RECORD_COUNT_HEADER, HeaderValue::from(failed));
        }
        response
    }
}

fn json_response(status: u16, body: String) -> ApiGatewayV2httpResponse {
    let mut response = ApiGatewayV2httpResponse::default();
    response.status_code = i64::from(status);
    response
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.body = Some(Body::Text(body));
    response.is_base64_encoded = false;
    response
}

/// What the request's log line says besides route and status (never a payload).
#[derive(Debug, Default)]
struct Facts {
    stream: Option<String>,
    records: usize,
    failed: Option<usize>,
    attempts: u32,
}

/// The Kinesis proxy of one execution environment, over a [`StreamApi`] (the SDK adapter in
/// production, `memory::MemoryStreams` with the `test-util` feature).
#[derive(Debug, Clone)]
pub struct Proxy<A = Kinesis> {
    api: A,
    config: Config,
    timing: Timing,
    control: Arc<ControlPlane>,
    metrics: emf::Metrics,
}

impl<A: StreamApi> Proxy<A> {
    /// A proxy calling `api`, with the default [`Timing`], the documented cache times and no
    /// metrics.
    pub fn new(api: A, config: Config) -> Self {
        let control = Arc::new(ControlPlane::new(&config.stack_id));
        Proxy {
            api,
            config,
            timing: Timing::default(),
            control,
            metrics: emf::Metrics::disabled("streams"),
        }
    }

    /// The same proxy writing its create and delete counts to `metrics`.
    pub fn with_metrics(mut self, metrics: emf::Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// The same proxy with other cached reads (no caching in tests that change streams behind it).
    pub fn with_control_plane(mut self, control: ControlPlane) -> Self {
        self.control = Arc::new(control);
        self
    }

    /// The same proxy with other timing (short backoffs in tests).
    pub fn with_timing(mut self, timing: Timing) -> Self {
        self.timing = timing;
        self
    }

    /// The Kinesis API.
    pub fn api(&self) -> &A {
        &self.api
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Answers an invocation payload: an HTTP API payload 2.0 request, read here rather than by the
    /// runtime so that even an unreadable event gets a response (400) instead of a function error.
    pub async fn handle_event(&self, payload: &RawValue, deadline: SystemTime) -> ApiGatewayV2httpResponse {
        match serde_json::from_str::<ApiGatewayV2httpRequest>(payload.get()) {
            Ok(request) => self.handle(request, deadline).await,
            Err(error) => {
                // Where it failed, never what: the event holds the body and the Authorization header.
                tracing::warn!(
                    status = 400,
                    error_type = "SerializationException",
                    line = error.line(),
                    column = error.column(),
                    "unreadable event"
                );
                ApiError::not_a_request().response()
            }
        }
    }

    /// Answers one request of the invocation due at `deadline`.
    pub async fn handle(&self, request: ApiGatewayV2httpRequest, deadline: SystemTime) -> ApiGatewayV2httpResponse {
        let started = Instant::now();
        let deadlines = Deadlines::new(
            deadline,
            started,
            SystemTime::now(),
            &self.timing,
            self.config.put_records_retry_budget,
        );
        let route = request.route_key.as_deref().and_then(Route::from_key);
        let mut facts = Facts::default();
        let outcome = match route {
            Some(route) => self.dispatch(route, &request, deadlines, &mut facts).await,
            None => Err(ApiError::route_not_found()),
        };
        let (status, error_type, detail) = match &outcome {
            Ok(_) => (200, None, None),
            // A client error's message may quote the request (a field name); a server error's is
            // Kinesis's or ours, and is what an operator needs.
            Err(error) => (
                error.status,
                Some(error.error_type.clone()),
                (error.status >= 500).then(|| error.message.clone()),
            ),
        };
        let user = request
            .request_context
            .authorizer
            .as_ref()
            .and_then(|authorizer| authorizer.fields.get("username"))
            .and_then(|username| username.as_str());
        macro_rules! log_line {
            ($level:expr) => {
                tracing::event!(
                    $level,
                    route = route.map_or("unknown", Route::key),
                    stream = facts.stream.as_deref(),
                    status,
                    error_type = error_type.as_deref(),
                    detail = detail.as_deref(),
                    records = facts.records,
                    failed = facts.failed,
                    attempts = facts.attempts,
                    duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                    user,
                    request_id = request.request_context.request_id.as_deref(),
                    "request"
                )
            };
        }
        if status >= 500 {
            log_line!(tracing::Level::WARN);
        } else {
            log_line!(tracing::Level::INFO);
        }
        match outcome {
            Ok(reply) => reply.response(),
            Err(error) => error.response(),
        }
    }

    async fn dispatch(
        &self,
        route: Route,
        request: &ApiGatewayV2httpRequest,
        deadlines: Deadlines,
        facts: &mut Facts,
    ) -> Result<Reply, ApiError> {
        // The listing is the one route without a stream: it is filtered instead of guarded.
        let Some(action) = route.action() else {
            let limit = request::list_limit(request.query_string_parameters.first("limit"))?;
            let listing = self.call(deadlines, self.control.list(&self.api)).await?;
            return Reply::json(&visible_streams(listing, &self.config.policy, limit));
        };
        let stream = request::stream_name(&request.path_parameters)?;
        facts.stream = Some(stream.to_string());
        self.config.policy.check(action, stream)?;
        // A proxy stream is used only if this stack created it (its tag), whatever its name says.
        if action != Action::Create && self.config.policy.is_proxy_stream(stream) {
            match self.call(deadlines, self.control.owned(&self.api, stream)).await {
                Ok(true) => {}
                Ok(false) => {
                    return Err(Denied::NotOwned {
                        stream: stream.to_string(),
                        tag: OWNER_TAG,
                    }
                    .into());
                }
                // ListTagsForStream allows 5 calls a second per account: when a burst of puts from
                // new instances is throttled there, the put goes on and IAM's aws:ResourceTag
                // condition on PutRecord(s) is the check (a foreign stream answers AccessDenied).
                Err(error) if error.is_throttling() && action.is_put() => {}
                Err(error) => return Err(error.into()),
            }
        }
        let outcome = self.serve(action, stream, request, deadlines, facts).await;
        if let Err(error) = &outcome
            && matches!(
                error.error_type.as_str(),
                "ResourceNotFoundException" | "AccessDeniedException"
            )
        {
            // Gone, or not what the cache believed: read it again next time.
            self.control.forget(stream);
        }
        outcome
    }

    /// One guarded action on `stream`.
    async fn serve(
        &self,
        action: Action,
        stream: &str,
        request: &ApiGatewayV2httpRequest,
        deadlines: Deadlines,
        facts: &mut Facts,
    ) -> Result<Reply, ApiError> {
        let body = || request::body_text(request.body.as_deref(), request.is_base64_encoded);
        match action {
            Action::Describe => {
                let stream_description = self.call(deadlines, self.control.describe(&self.api, stream)).await?;
                Reply::json(&DescribeStreamOutput { stream_description })
            }
            Action::Create => {
                let capacity = request::create_stream(&body()?, self.config.shards)?;
                let owned = self
                    .call(deadlines, self.control.owned_streams(&self.api, &self.config.policy))
                    .await?;
                if let Err(over) = self.config.bounds.check_create(&owned, capacity) {
                    self.metrics
                        .emit(&self.metrics.record().count("StreamCreateRefused", 1));
                    return Err(over.into());
                }
                let tags = owner_tags(self.control.stack_id());
                let created = self
                    .call(deadlines, self.api.create_stream(stream, capacity, &tags))
                    .await;
                self.control.forget(stream);
                created?;
                self.metrics.emit(&self.metrics.record().count("StreamCreated", 1));
                Ok(Reply::empty())
            }
            Action::Delete => {
                let deleted = self.call(deadlines, self.api.delete_stream(stream)).await;
                self.control.forget(stream);
                deleted?;
                self.metrics.emit(&self.metrics.record().count("StreamDeleted", 1));
                Ok(Reply::empty())
            }
            Action::PutRecord => {
                let record = request::put_record(&body()?)?;
                facts.records = 1;
                let output = self.put_record(stream, &record, deadlines, facts).await?;
                Reply::json(&output)
            }
            Action::PutRecords => {
                let records = request::put_records(&body()?)?;
                facts.records = records.len();
                let output = self.put_records(stream, &records, deadlines, facts).await?;
                facts.failed = Some(output.failed_record_count);
                let mut reply = Reply::json(&output)?;
                reply.failed_record_count = Some(output.failed_record_count);
                Ok(reply)
            }
        }
    }

    /// One Kinesis call, cut off at the hard deadline: a late answer becomes a 503, never a
    /// function timeout.
    async fn call<T>(
        &self,
        deadlines: Deadlines,
        call: impl Future<Output = Result<T, KinesisError>>,
    ) -> Result<T, KinesisError> {
        tokio::time::timeout_at(tokio::time::Instant::from_std(deadlines.hard), call)
            .await
            .unwrap_or_else(|_| {
                Err(KinesisError::Unavailable {
                    message: "Kinesis did not answer before the function's deadline; the request may or may not \
                              have taken effect"
                        .into(),
                })
            })
    }

    /// Sleeps before retry number `retry` if the retry budget allows it; false (no sleep) otherwise.
    async fn pause(&self, retry: u32, deadlines: Deadlines) -> bool {
        let delay = self.timing.backoff.delay(retry);
        if Instant::now() + delay >= deadlines.retry {
            return false;
        }
        tokio::time::sleep(delay).await;
        true
    }

    /// PutRecord, the whole call retried while throttled and within the budget.
    async fn put_record(
        &self,
        stream: &str,
        record: &Record,
        deadlines: Deadlines,
        facts: &mut Facts,
    ) -> Result<PutRecordOutput, KinesisError> {
        let mut retry = 0;
        loop {
            facts.attempts += 1;
            match self.call(deadlines, self.api.put_record(stream, record)).await {
                Err(error) if error.is_throttling() => {
                    if !self.pause(retry, deadlines).await {
                        return Err(error);
                    }
                    retry += 1;
                }
                outcome => return outcome,
            }
        }
    }

    /// PutRecords, re-sending only the entries that failed with a retryable entry error (and the
    /// whole call when it is throttled), with backoff, within the budget. What still failed is
    /// reported per record, in request order; nothing is dropped. An error answers the whole
    /// request only when no call ever got per-record results.
    async fn put_records(
        &self,
        stream: &str,
        records: &[Record],
        deadlines: Deadlines,
        facts: &mut Facts,
    ) -> Result<PutRecordsOutput, KinesisError> {
        let mut results: Vec<Option<PutRecordsResultEntry>> = vec![None; records.len()];
        let mut pending: Vec<usize> = (0..records.len()).collect();
        let mut encryption_type = None;
        let mut retry = 0;
        // The whole-call error that left the pending entries without a newer answer, if any.
        let stopped_by = loop {
            facts.attempts += 1;
            let batch: Vec<&Record> = pending.iter().map(|&index| &records[index]).collect();
            let error = match self.call(deadlines, self.api.put_records(stream, &batch)).await {
                Ok(output) if output.records.len() == pending.len() => {
                    encryption_type = output.encryption_type.or(encryption_type);
                    let mut again = Vec::new();
                    for (index, entry) in pending.iter().copied().zip(output.records) {
                        if entry.is_retryable() {
                            again.push(index);
                        }
                        results[index] = Some(entry);
                    }
                    pending = again;
                    None
                }
                Ok(output) => {
                    break Some(KinesisError::Internal {
                        code: "InternalFailure".into(),
                        message: format!(
                            "PutRecords answered {} results for {} records",
                            output.records.len(),
                            pending.len()
                        ),
                    });
                }
                Err(error) if error.is_throttling() => Some(error),
                Err(error) => break Some(error),
            };
            if pending.is_empty() || !self.pause(retry, deadlines).await {
                break error;
            }
            retry += 1;
        };
        if let Some(error) = stopped_by {
            if results.iter().all(Option::is_none) {
                return Err(error);
            }
            for &index in &pending {
                results[index] = Some(PutRecordsResultEntry::failure(error.error_type(), error.message()));
            }
        }
        let entries = results
            .into_iter()
            .map(|entry| {
                entry.unwrap_or_else(|| PutRecordsResultEntry::failure("InternalFailure", "no result for this record"))
            })
            .collect();
        Ok(PutRecordsOutput::new(entries, encryption_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_caps() {
        let backoff = Backoff::default();
        assert_eq!(backoff.ceiling(0), Duration::from_millis(50));
        assert_eq!(backoff.ceiling(1), Duration::from_millis(100));
        assert_eq!(backoff.ceiling(5), Duration::from_millis(1600));
        assert_eq!(backoff.ceiling(6), Duration::from_secs(2));
        assert_eq!(backoff.ceiling(40), Duration::from_secs(2));
        for retry in 0..10 {
            assert!(backoff.delay(retry) <= backoff.ceiling(retry));
        }
    }

    #[test]
    fn deadlines_leave_the_margin_and_cap_the_budget() {
        let timing = Timing {
            backoff: Backoff::default(),
            safety_margin: Duration::from_secs(1),
        };
        let now = Instant::now();
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        // 29 s left, budget 20 s: calls until 28 s, retries until 20 s.
        let d = Deadlines::new(
            wall + Duration::from_secs(29),
            now,
            wall,
            &timing,
            Duration::from_secs(20),
        );
        assert_eq!(d.hard, now + Duration::from_secs(28));
        assert_eq!(d.retry, now + Duration::from_secs(20));
        // 5 s left: the deadline caps the budget.
        let d = Deadlines::new(
            wall + Duration::from_secs(5),
            now,
            wall,
            &timing,
            Duration::from_secs(20),
        );
        assert_eq!(d.retry, now + Duration::from_secs(4));
        assert_eq!(d.hard, d.retry);
        // Less than the margin left: no time for calls at all.
        let d = Deadlines::new(
            wall + Duration::from_millis(500),
            now,
            wall,
            &timing,
            Duration::from_secs(20),
        );
        assert_eq!((d.hard, d.retry), (now, now));
        // No usable deadline (0 or past): API Gateway's 30 s.
        for deadline in [SystemTime::UNIX_EPOCH, wall, wall - Duration::from_secs(1)] {
            let d = Deadlines::new(deadline, now, wall, &timing, Duration::from_secs(60));
            assert_eq!(d.hard, now + Duration::from_secs(29));
        }
    }

    #[test]
    fn error_bodies() {
        let response = ApiError::route_not_found().response();
        assert_eq!(response.status_code, 404);
        assert_eq!(response.headers[CONTENT_TYPE], "application/json");
        let Some(Body::Text(body)) = response.body else {
            panic!("a text body")
        };
        assert_eq!(body, r#"{"message":"Not Found","type":"NotFound"}"#);
    }
}
