//! Why an invocation fails as a whole: the payload is not a Kinesis event, or a failed record
//! cannot be named in `batchItemFailures`. Anything else is one record's outcome, never the batch's.

use crate::event::EventError;

/// Failed records that `batchItemFailures` cannot name: they have no sequence number (an
/// unreadable record whose dead-letter send failed). Only failing the whole invocation gets them
/// redelivered; the rest of the batch is replayed too, which the conditional path makes harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{records} failed record(s) have no sequence number to report; the whole batch fails so that it is retried")]
pub struct UnreportableFailure {
    /// How many.
    pub records: usize,
}

/// Why an invocation fails as a whole (the mapping then retries and bisects the batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HandleError {
    /// The payload is not a Kinesis event at all.
    #[error(transparent)]
    Event(#[from] EventError),
    /// A failed record cannot be reported on its own.
    #[error(transparent)]
    Unreportable(#[from] UnreportableFailure),
}

impl HandleError {
    /// A stable code: the Lambda error type and the log field `reason`.
    pub fn code(&self) -> &'static str {
        match self {
            HandleError::Event(_) => "unreadable_event",
            HandleError::Unreportable(_) => "unreportable_failure",
        }
    }
}

impl From<HandleError> for lambda_runtime::Diagnostic {
    fn from(error: HandleError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: error.code().to_string(),
            error_message: error.to_string(),
        }
    }
}
