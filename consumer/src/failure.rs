//! Why a record was not handled this time: the reason it is reported in `batchItemFailures` and
//! redelivered. Never a reason to drop it.

use std::fmt;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// Why a record failed this time. `Display` is the short code logged as `reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureReason {
    /// The service answered with an error (throttling, 5xx, a missing table or queue, access denied,
    /// an SQS entry refused...): its error code, `service_error` when it gave none.
    Service {
        /// The service's error code, e.g. `ProvisionedThroughputExceededException`.
        code: String,
    },
    /// The call timed out (after the SDK's own retries).
    Timeout,
    /// The request could not be sent (connection refused, DNS...).
    Dispatch,
    /// The response could not be read.
    Response,
    /// The SDK could not build the request.
    Construction,
    /// Any other SDK failure.
    Sdk,
    /// DynamoDB still left the key unprocessed after every retry (BatchGetItem).
    UnprocessedKeys,
    /// DynamoDB still left the item unprocessed after every retry (BatchWriteItem).
    UnprocessedItems,
    /// SQS answered the batch call but neither accepted nor refused this entry.
    NotAcknowledged,
    /// Our request could not be built (a builder refused it); the detail is for debugging only.
    Request(String),
    /// The record is poison, but the dead-letter queue did not take its message: it is redelivered
    /// rather than dropped.
    DeadLetterSend(Box<FailureReason>),
    /// The batch bookkeeping gave the record no outcome (a bug); reported rather than lost.
    NoOutcome,
}

impl FailureReason {
    /// The reason of a failed SDK call: the service's error code, or the kind of transport failure.
    pub fn of_sdk<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> FailureReason {
        match error {
            SdkError::ServiceError(service) => FailureReason::Service {
                code: service.err().code().unwrap_or("service_error").to_string(),
            },
            SdkError::TimeoutError(_) => FailureReason::Timeout,
            SdkError::DispatchFailure(_) => FailureReason::Dispatch,
            SdkError::ResponseError(_) => FailureReason::Response,
            SdkError::ConstructionFailure(_) => FailureReason::Construction,
            _ => FailureReason::Sdk,
        }
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Short codes only: this is the log field `reason`, and the Request detail stays out of it.
        match self {
            FailureReason::Service { code } => f.write_str(code),
            FailureReason::Timeout => f.write_str("timeout"),
            FailureReason::Dispatch => f.write_str("dispatch_failure"),
            FailureReason::Response => f.write_str("response_error"),
            FailureReason::Construction => f.write_str("construction_failure"),
            FailureReason::Sdk => f.write_str("sdk_error"),
            FailureReason::UnprocessedKeys => f.write_str("unprocessed_keys"),
            FailureReason::UnprocessedItems => f.write_str("unprocessed_items"),
            FailureReason::NotAcknowledged => f.write_str("not_acknowledged"),
            FailureReason::Request(_) => f.write_str("invalid_request"),
            FailureReason::DeadLetterSend(cause) => write!(f, "dead_letter_send:{cause}"),
            FailureReason::NoOutcome => f.write_str("no_outcome"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_short_code() {
        let throttled = FailureReason::Service {
            code: "ProvisionedThroughputExceededException".into(),
        };
        assert_eq!(throttled.to_string(), "ProvisionedThroughputExceededException");
        assert_eq!(FailureReason::Timeout.to_string(), "timeout");
        assert_eq!(FailureReason::Dispatch.to_string(), "dispatch_failure");
        assert_eq!(FailureReason::UnprocessedKeys.to_string(), "unprocessed_keys");
        assert_eq!(FailureReason::UnprocessedItems.to_string(), "unprocessed_items");
        assert_eq!(FailureReason::NotAcknowledged.to_string(), "not_acknowledged");
        assert_eq!(
            FailureReason::Request("a long builder message".into()).to_string(),
            "invalid_request"
        );
        assert_eq!(FailureReason::NoOutcome.to_string(), "no_outcome");
        let send = FailureReason::DeadLetterSend(Box::new(FailureReason::Service {
            code: "InternalError".into(),
        }));
        assert_eq!(send.to_string(), "dead_letter_send:InternalError");
    }
}
