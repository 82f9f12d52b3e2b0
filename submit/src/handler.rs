//! One request: the event → a [`Submission`] → one PutRecord, bounded by the invocation's deadline →
//! the direct route's answer. Every outcome is a response: a Lambda error would reach the client as a
//! bare 502, where the direct route answers its own 500.
//!
//! Throttling and transient failures are retried by the SDK's standard retry (as Kinesis's own
//! clients are); there is no retry loop on top, so a slow Kinesis costs one call's retries, not more.

use std::time::{Duration, Instant, SystemTime};

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use serde_json::value::RawValue;
use streams::{Kinesis, StreamApi};

use crate::answer::Answer;
use crate::config::Config;
use crate::submission::{Submission, submission};

/// Time kept back from the invocation's deadline to answer 500 before Lambda times the function out.
pub const SAFETY_MARGIN: Duration = Duration::from_millis(500);

/// The submit route of one execution environment, over a [`StreamApi`] (the SDK adapter in
/// production, `streams::MemoryStreams` in tests).
#[derive(Debug)]
pub struct Submitter<A = Kinesis> {
    api: A,
    config: Config,
}

impl<A: StreamApi> Submitter<A> {
    /// The route over `api` with `config`.
    pub fn new(api: A, config: Config) -> Self {
        Submitter { api, config }
    }

    /// The Kinesis side (tests read the in-memory streams through it).
    pub fn api(&self) -> &A {
        &self.api
    }

    /// Answers one raw event, due at `deadline`.
    pub async fn handle_event(&self, payload: &RawValue, deadline: SystemTime) -> Answer {
        match serde_json::from_str::<ApiGatewayV2httpRequest>(payload.get()) {
            Ok(request) => self.handle(&request, deadline).await,
            Err(error) => {
                // Where it failed, never what: the event holds the body and the Authorization header.
                tracing::warn!(
                    status = 500,
                    line = error.line(),
                    column = error.column(),
                    "unreadable event (is the route a Lambda proxy integration with payload 2.0?)"
                );
                Answer::InternalError
            }
        }
    }

    /// Answers one request of the invocation due at `deadline`.
    pub async fn handle(&self, request: &ApiGatewayV2httpRequest, deadline: SystemTime) -> Answer {
        let started = Instant::now();
        let decided = submission(request, &self.config);
        let (answer, detail) = match &decided {
            Ok(submission) => self.put(submission, deadline).await,
            Err(refusal) => (Answer::error(refusal.status()), Some(refusal.reason())),
        };
        let user = request
            .request_context
            .authorizer
            .as_ref()
            .and_then(|authorizer| authorizer.fields.get("username"))
            .and_then(|username| username.as_str());
        let status = answer.status();
        macro_rules! log_line {
            ($level:expr) => {
                tracing::event!(
                    $level,
                    status,
                    stream = request.path_parameters.get("streamName").map(String::as_str),
                    bytes = decided.as_ref().ok().map(|s| s.record.data.len()),
                    detail = detail.as_deref(),
                    duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                    user,
                    request_id = request.request_context.request_id.as_deref(),
                    "submit"
                )
            };
        }
        if status >= 500 {
            log_line!(tracing::Level::WARN);
        } else {
            log_line!(tracing::Level::INFO);
        }
        answer
    }

    /// One PutRecord, answered before the deadline: a call still running then is answered 500 (the
    /// record may have been stored: the client's retry is what the direct route's client does too).
    async fn put(&self, submission: &Submission, deadline: SystemTime) -> (Answer, Option<String>) {
        let budget = deadline
            .duration_since(SystemTime::now())
            .unwrap_or_default()
            .saturating_sub(SAFETY_MARGIN);
        if budget.is_zero() {
            // Too late to call at all: a call begun now could store the record and still be answered 500.
            return (
                Answer::InternalError,
                Some("no time left before the invocation's deadline".into()),
            );
        }
        let call = self.api.put_record(&submission.stream, &submission.record);
        match tokio::time::timeout(budget, call).await {
            Ok(Ok(output)) => (Answer::Stored(output), None),
            Ok(Err(error)) => (Answer::InternalError, Some(error.to_string())),
            Err(_) => (
                Answer::InternalError,
                Some("Kinesis did not answer before the invocation's deadline".into()),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use streams::{KinesisError, MemoryStreams, Operation};

    use super::*;

    const STREAM: &str = "app-events";

    fn submitter() -> Submitter<MemoryStreams> {
        let streams = MemoryStreams::new();
        streams.add_stream(STREAM, 1);
        Submitter::new(
            streams,
            Config {
                ingestion_stream: STREAM.into(),
            },
        )
    }

    fn event(stream: &str, event_id: &str, body: &str) -> Box<RawValue> {
        let event = serde_json::json!({
            "version": "2.0",
            "routeKey": "POST /submit/{streamName}/{eventId}",
            "rawPath": format!("/submit/{stream}/{event_id}"),
            "headers": {"content-type": "text/plain"},
            "requestContext": {
                "http": {"method": "POST", "path": format!("/submit/{stream}/{event_id}")},
                "authorizer": {"lambda": {"username": "streamgate"}},
                "requestId": "r-1"
            },
            "pathParameters": {"streamName": stream, "eventId": event_id},
            "body": body,
            "isBase64Encoded": false
        });
        RawValue::from_string(event.to_string()).unwrap()
    }

    fn soon() -> SystemTime {
        SystemTime::now() + Duration::from_secs(10)
    }

    #[tokio::test]
    async fn the_body_is_stored_unchanged_and_kinesis_answer_returned() {
        let submitter = submitter();
        let body = "{\"a\": 1.0}\n";
        let answer = submitter.handle_event(&event(STREAM, "e-1", body), soon()).await;
        let Answer::Stored(output) = &answer else {
            panic!("{answer:?}");
        };
        let stored = submitter.api().records(STREAM);
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].data, body.as_bytes());
        assert_eq!(stored[0].partition_key, "e-1");
        assert_eq!(output.sequence_number, stored[0].sequence_number);
        assert_eq!(answer.response().status_code, 200);
    }

    #[tokio::test]
    async fn refusals_put_nothing() {
        let submitter = submitter();
        assert_eq!(
            submitter.handle_event(&event(STREAM, "e", ""), soon()).await,
            Answer::BadRequest
        );
        assert_eq!(
            submitter.handle_event(&event("other", "e", "x"), soon()).await,
            Answer::InternalError
        );
        assert_eq!(
            submitter
                .handle_event(&RawValue::from_string("[1]".into()).unwrap(), soon())
                .await,
            Answer::InternalError
        );
        assert_eq!(submitter.api().calls(Operation::PutRecord), 0);
    }

    #[tokio::test]
    async fn kinesis_failures_are_500() {
        let submitter = submitter();
        submitter.api().fail_next(
            Operation::PutRecord,
            KinesisError::Throttled {
                code: "ProvisionedThroughputExceededException".into(),
                message: "slow down".into(),
            },
        );
        assert_eq!(
            submitter.handle_event(&event(STREAM, "e", "x"), soon()).await,
            Answer::InternalError
        );
        assert_eq!(
            submitter.api().calls(Operation::PutRecord),
            1,
            "no retry on top of the SDK's"
        );
        assert!(submitter.api().records(STREAM).is_empty());
    }

    #[tokio::test]
    async fn a_call_past_the_deadline_is_answered_500_in_time() {
        let submitter = submitter();
        submitter.api().set_delay(Duration::from_secs(5));
        let started = Instant::now();
        let deadline = SystemTime::now() + SAFETY_MARGIN + Duration::from_millis(200);
        assert_eq!(
            submitter.handle_event(&event(STREAM, "e", "x"), deadline).await,
            Answer::InternalError
        );
        assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
        // Past the margin already: not even a call.
        let calls = submitter.api().calls(Operation::PutRecord);
        assert_eq!(
            submitter
                .handle_event(&event(STREAM, "e", "x"), SystemTime::now())
                .await,
            Answer::InternalError
        );
        assert_eq!(submitter.api().calls(Operation::PutRecord), calls);
    }
}
