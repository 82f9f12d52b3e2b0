use std::time::Duration;

use super::*;

const BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(25),
    cap: Duration::from_secs(1),
};

#[test]
fn ceiling_doubles_then_caps() {
    assert_eq!(BACKOFF.ceiling(0), Duration::from_millis(25));
    assert_eq!(BACKOFF.ceiling(1), Duration::from_millis(50));
    assert_eq!(BACKOFF.ceiling(3), Duration::from_millis(200));
    assert_eq!(BACKOFF.ceiling(10), Duration::from_secs(1));
    // Past 31 doublings the shift would overflow: the ceiling stays at the cap.
    assert_eq!(BACKOFF.ceiling(40), Duration::from_secs(1));
    assert_eq!(BACKOFF.ceiling(u32::MAX), Duration::from_secs(1));
}

#[test]
fn a_huge_base_saturates_to_the_cap() {
    let backoff = Backoff {
        base: Duration::MAX,
        cap: Duration::from_secs(2),
    };
    assert_eq!(backoff.ceiling(5), Duration::from_secs(2));
    assert!(backoff.delay(5) <= Duration::from_secs(2));
}

#[test]
fn full_jitter_spans_zero_to_the_ceiling() {
    for attempt in [0, 2, 6, 30] {
        let ceiling = BACKOFF.ceiling(attempt);
        let delays: Vec<Duration> = (0..2_000).map(|_| BACKOFF.delay(attempt)).collect();
        assert!(delays.iter().all(|d| *d <= ceiling), "attempt {attempt}");
        assert!(
            delays.iter().any(|d| *d < ceiling / 4),
            "some short delays: attempt {attempt}"
        );
        assert!(
            delays.iter().any(|d| *d > ceiling * 3 / 4),
            "some long delays: attempt {attempt}"
        );
    }
}

#[test]
fn equal_jitter_spans_half_to_all_of_the_ceiling() {
    for attempt in [0, 2, 6, 30] {
        let ceiling = BACKOFF.ceiling(attempt);
        let delays: Vec<Duration> = (0..2_000).map(|_| BACKOFF.delay_equal_jitter(attempt)).collect();
        assert!(
            delays.iter().all(|d| *d >= ceiling / 2 && *d <= ceiling),
            "attempt {attempt}"
        );
        assert!(delays.iter().any(|d| *d < ceiling * 5 / 8), "attempt {attempt}");
        assert!(delays.iter().any(|d| *d > ceiling * 7 / 8), "attempt {attempt}");
    }
}

#[test]
fn a_zero_base_never_waits() {
    let backoff = Backoff {
        base: Duration::ZERO,
        cap: Duration::from_secs(1),
    };
    assert_eq!(backoff.delay(3), Duration::ZERO);
    assert_eq!(backoff.delay_equal_jitter(3), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn sleep_waits_at_most_the_ceiling() {
    let started = tokio::time::Instant::now();
    BACKOFF.sleep(3).await;
    assert!(started.elapsed() <= BACKOFF.ceiling(3));
}
