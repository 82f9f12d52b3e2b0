//! One exponential backoff with jitter for every retry loop (DynamoDB's unprocessed items, Kinesis'
//! throttled entries, Kafka's retriable batches, the load generator's failed entries).
//!
//! Retry `n` (0-based) waits a random time below a ceiling that doubles from `base` up to `cap`:
//! `min(cap, base·2ⁿ)`. The randomness (jitter) spreads the retries of concurrent callers, so they
//! do not hit a throttled service again in step.

use std::time::Duration;

/// Exponential backoff with full jitter: retry `n` sleeps a random time in `[0, min(cap, base·2ⁿ)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// First ceiling.
    pub base: Duration,
    /// Largest ceiling.
    pub cap: Duration,
}

impl Backoff {
    /// The ceiling of the sleep before retry number `attempt` (0-based).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        self.base
            .saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX))
            .min(self.cap)
    }

    /// A random sleep before retry number `attempt`, in `[0, ceiling]` ("full jitter": the widest
    /// spread, so the least contention between callers).
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = micros(self.ceiling(attempt));
        Duration::from_micros(fastrand::u64(0..=ceiling))
    }

    /// A random sleep before retry number `attempt`, in `[ceiling/2, ceiling]` ("equal jitter"):
    /// for a caller that must give the other side time to recover (a Kafka leader moving) before it
    /// asks again.
    pub fn delay_equal_jitter(&self, attempt: u32) -> Duration {
        let ceiling = micros(self.ceiling(attempt));
        Duration::from_micros(fastrand::u64(ceiling / 2..=ceiling))
    }

    /// Sleeps [`delay`](Self::delay) before retry number `attempt`.
    pub async fn sleep(&self, attempt: u32) {
        tokio::time::sleep(self.delay(attempt)).await;
    }
}

/// Whole microseconds: the jitter's resolution, fine enough for millisecond bases.
fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
