//! Backoff with full jitter for what DynamoDB leaves unprocessed: the shared
//! [`lambdabase::Backoff`], with the number of calls the store makes before it gives up.

use std::time::Duration;

/// Exponential backoff with full jitter: attempt `n` sleeps a random time in `[0, min(cap, base·2ⁿ)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// First ceiling.
    pub base: Duration,
    /// Largest ceiling.
    pub cap: Duration,
    /// Calls per request before what is still unprocessed counts as failed.
    pub attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(25),
            cap: Duration::from_secs(1),
            attempts: 6,
        }
    }
}

impl Backoff {
    /// The shared backoff these settings describe.
    fn jittered(&self) -> lambdabase::Backoff {
        lambdabase::Backoff {
            base: self.base,
            cap: self.cap,
        }
    }

    /// The ceiling of the sleep before retry number `attempt` (0-based).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        self.jittered().ceiling(attempt)
    }

    /// Sleeps before retry number `attempt`.
    pub async fn sleep(&self, attempt: u32) {
        self.jittered().sleep(attempt).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_grows_then_caps() {
        let b = Backoff::default();
        assert_eq!(b.ceiling(0), Duration::from_millis(25));
        assert_eq!(b.ceiling(1), Duration::from_millis(50));
        assert_eq!(b.ceiling(3), Duration::from_millis(200));
        assert_eq!(b.ceiling(10), Duration::from_secs(1));
        assert_eq!(b.ceiling(40), Duration::from_secs(1));
    }
}
