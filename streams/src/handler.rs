//! One request: route → stream name → guard → body → Kinesis (bounded by the invocation's deadline;
//! failed PutRecords entries re-sent within a budget) → a JSON response. Every outcome is a
//! response: the handler never fails and never panics, because a Lambda error reaches the client as
//! a bare 500/502.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use serde_json::value::RawValue;

use crate::config::Config;
use crate::control_plane::ControlPlane;
use crate::deadline::{Deadlines, Timing, within};
use crate::guard::{Action, Denied, visible_streams};
use crate::kinesis::{DescribeStreamOutput, Kinesis, StreamApi};
use crate::ownership::{OWNER_TAG, owner_tags};
use crate::put_records::put_records;
use crate::request::{self, Route};
use crate::response::{ApiError, Reply};

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
            let listing = within(deadlines, self.control.list(&self.api)).await?;
            return Reply::json(&visible_streams(listing, &self.config.policy, limit));
        };
        let stream = request::stream_name(&request.path_parameters)?;
        facts.stream = Some(stream.to_string());
        self.config.policy.check(action, stream)?;
        // A proxy stream is used only if this stack created it (its tag), whatever its name says.
        if action != Action::Create && self.config.policy.is_proxy_stream(stream) {
            match within(deadlines, self.control.owned(&self.api, stream)).await {
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
                let stream_description = within(deadlines, self.control.describe(&self.api, stream)).await?;
                Reply::json(&DescribeStreamOutput { stream_description })
            }
            Action::Create => {
                let capacity = request::create_stream(&body()?, self.config.shards)?;
                let owned = within(deadlines, self.control.owned_streams(&self.api, &self.config.policy)).await?;
                if let Err(over) = self.config.bounds.check_create(&owned, capacity) {
                    self.metrics
                        .emit(&self.metrics.record().count("StreamCreateRefused", 1));
                    return Err(over.into());
                }
                let tags = owner_tags(self.control.stack_id());
                let created = within(deadlines, self.api.create_stream(stream, capacity, &tags)).await;
                self.control.forget(stream);
                created?;
                self.metrics.emit(&self.metrics.record().count("StreamCreated", 1));
                Ok(Reply::empty())
            }
            Action::Delete => {
                let deleted = within(deadlines, self.api.delete_stream(stream)).await;
                self.control.forget(stream);
                deleted?;
                self.metrics.emit(&self.metrics.record().count("StreamDeleted", 1));
                Ok(Reply::empty())
            }
            Action::PutRecord => {
                let record = request::put_record(&body()?)?;
                facts.records = 1;
                // One call: a throttled one was retried by the SDK already.
                facts.attempts = 1;
                let output = within(deadlines, self.api.put_record(stream, &record)).await?;
                Reply::json(&output)
            }
            Action::PutRecords => {
                let records = request::put_records(&body()?)?;
                facts.records = records.len();
                let output = put_records(
                    &self.api,
                    stream,
                    &records,
                    deadlines,
                    self.timing.backoff,
                    &mut facts.attempts,
                )
                .await?;
                facts.failed = Some(output.failed_record_count);
                Ok(Reply::json(&output)?.with_failed_record_count(output.failed_record_count))
            }
        }
    }
}
