//! The backoff between re-sends of failed PutRecords entries: the shared exponential backoff with
//! full jitter ([`lambdabase::Backoff`]), so that instances throttled together do not all come back
//! at the same instant, with the proxy's own steps.

use std::time::Duration;

pub use lambdabase::Backoff;

/// The proxy's steps: 50 ms doubling up to 2 s, well inside API Gateway's 30 s and the function's
/// timeout, which the deadline checks bound anyway.
pub const PUT_RECORDS_BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(50),
    cap: Duration::from_secs(2),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_caps() {
        let backoff = PUT_RECORDS_BACKOFF;
        assert_eq!(backoff.ceiling(0), Duration::from_millis(50));
        assert_eq!(backoff.ceiling(1), Duration::from_millis(100));
        assert_eq!(backoff.ceiling(5), Duration::from_millis(1600));
        assert_eq!(backoff.ceiling(6), Duration::from_secs(2));
        assert_eq!(backoff.ceiling(40), Duration::from_secs(2));
        for retry in 0..10 {
            assert!(backoff.delay(retry) <= backoff.ceiling(retry));
        }
    }
}
