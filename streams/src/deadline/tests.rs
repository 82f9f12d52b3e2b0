//! How deadlines are drawn from the invocation's: the safety margin, the retry budget, and the
//! fallback when the runtime gives no usable deadline.

use super::*;

#[test]
fn deadlines_leave_the_margin_and_cap_the_budget() {
    let timing = Timing {
        backoff: crate::backoff::PUT_RECORDS_BACKOFF,
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
