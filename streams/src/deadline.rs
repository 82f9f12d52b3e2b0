//! The time one request may spend ([`Timing`], [`Deadlines`]): every Kinesis call is cut off before
//! the invocation's deadline ([`within`]), so that a late Kinesis is answered 503 in time instead of
//! the function timing out (a bare 5xx at the gateway), and no re-send starts after the retry budget.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

use crate::backoff::{Backoff, PUT_RECORDS_BACKOFF};
use crate::kinesis::KinesisError;

/// When the runtime gives no usable deadline (none, or one already past, which a live invocation
/// cannot have): assume API Gateway's integration timeout, the longest a client waits anyway.
const FALLBACK_DEADLINE: Duration = Duration::from_secs(30);

/// How the proxy spends an invocation's time. Injectable so that tests are fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Backoff between re-sends of failed PutRecords entries (a whole call is the SDK's to retry).
    pub backoff: Backoff,
    /// Kept free before the invocation's deadline to answer: Kinesis calls are cut off and retries
    /// stop this long before it.
    pub safety_margin: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            backoff: PUT_RECORDS_BACKOFF,
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

/// One Kinesis call, cut off at the hard deadline: a late answer becomes a 503, never a function
/// timeout.
pub async fn within<T>(
    deadlines: Deadlines,
    call: impl Future<Output = Result<T, KinesisError>>,
) -> Result<T, KinesisError> {
    tokio::time::timeout_at(tokio::time::Instant::from_std(deadlines.hard), call)
        .await
        .unwrap_or_else(|_| {
            Err(KinesisError::Unavailable {
                message: "Kinesis did not answer before the function's deadline; the request may or may not have \
                          taken effect"
                    .into(),
            })
        })
}

#[cfg(test)]
mod tests;
