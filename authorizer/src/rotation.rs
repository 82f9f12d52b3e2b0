//! How long a pending (`AWSPENDING`) version of the credentials is accepted.
//!
//! A rotation that fails after staging its new version leaves `AWSPENDING` behind, and a pending
//! version nobody promotes would otherwise be a second valid password for ever. So a pending version
//! is accepted only while it is younger than a maximum age, measured from its creation date in
//! Secrets Manager (`CreatedDate` of `GetSecretValue`). A version whose age cannot be established is
//! not accepted: the current version keeps working, so refusing costs at most a rotation retry,
//! while accepting could keep an abandoned password alive.
//!
//! The decision is [`judge_pending`], a pure function; wall time comes from a [`WallClock`], so tests
//! can move past the maximum age without waiting.

use std::time::{Duration, SystemTime};

/// Default maximum age of an accepted pending version: 24 hours (`PENDING_MAX_AGE_HOURS`).
pub const DEFAULT_PENDING_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// Wall-clock time (creation dates are wall-clock times, unlike the cache's monotonic [`Clock`]).
///
/// [`Clock`]: crate::clock::Clock
pub trait WallClock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemWallClock;

impl WallClock for SystemWallClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// What to do with a pending version, given its creation date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingAge {
    /// Younger than the maximum age: accepted.
    Fresh,
    /// At least the maximum age old: ignored, the rotation that staged it is presumed abandoned.
    Stale {
        /// How old it is.
        age: Duration,
    },
    /// Secrets Manager gave no creation date: ignored, since its age cannot be bounded.
    Undated,
}

impl PendingAge {
    /// Whether the pending version may be accepted.
    pub fn accepted(self) -> bool {
        self == PendingAge::Fresh
    }
}

/// Judges a pending version created at `created` (if known), seen at `now`.
///
/// Accepted while `now - created < max_age`; exactly `max_age` old is already stale (the same
/// convention as the credential cache's TTL). A creation date in the future (clock skew between
/// Secrets Manager and this host) counts as age zero.
pub fn judge_pending(created: Option<SystemTime>, now: SystemTime, max_age: Duration) -> PendingAge {
    let Some(created) = created else {
        return PendingAge::Undated;
    };
    let age = now.duration_since(created).unwrap_or(Duration::ZERO);
    if age < max_age {
        PendingAge::Fresh
    } else {
        PendingAge::Stale { age }
    }
}

/// Test double: a wall clock that starts at the real time and moves only when told to; shared by
/// clones. Only with the cargo feature `test-util`.
#[cfg(any(test, feature = "test-util"))]
mod doubles {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, SystemTime};

    use super::WallClock;

    /// A wall clock moved by hand, starting at the time it was made.
    #[derive(Debug, Clone)]
    pub struct ManualWallClock {
        start: SystemTime,
        offset_nanos: Arc<AtomicU64>,
    }

    impl Default for ManualWallClock {
        fn default() -> Self {
            ManualWallClock {
                start: SystemTime::now(),
                offset_nanos: Arc::new(AtomicU64::new(0)),
            }
        }
    }

    impl ManualWallClock {
        /// Moves time forward.
        pub fn advance(&self, by: Duration) {
            let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
            self.offset_nanos.fetch_add(by, Ordering::SeqCst);
        }
    }

    impl WallClock for ManualWallClock {
        fn now(&self) -> SystemTime {
            self.start + Duration::from_nanos(self.offset_nanos.load(Ordering::SeqCst))
        }
    }
}

#[cfg(any(test, feature = "test-util"))]
pub use doubles::ManualWallClock;

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000 + seconds)
    }

    #[test]
    fn a_fresh_pending_version_is_accepted() {
        assert_eq!(judge_pending(Some(at(0)), at(0), 24 * HOUR), PendingAge::Fresh);
        assert_eq!(judge_pending(Some(at(0)), at(3600), 24 * HOUR), PendingAge::Fresh);
        assert!(PendingAge::Fresh.accepted());
    }

    #[test]
    fn a_stale_pending_version_is_ignored() {
        let verdict = judge_pending(Some(at(0)), at(25 * 3600), 24 * HOUR);
        assert_eq!(verdict, PendingAge::Stale { age: 25 * HOUR });
        assert!(!verdict.accepted());
    }

    #[test]
    fn the_boundary_is_exclusive() {
        let max = 24 * HOUR;
        let just_under = at(0) + max - Duration::from_nanos(1);
        assert_eq!(judge_pending(Some(at(0)), just_under, max), PendingAge::Fresh);
        assert_eq!(
            judge_pending(Some(at(0)), at(0) + max, max),
            PendingAge::Stale { age: max },
            "exactly the maximum age is stale"
        );
    }

    #[test]
    fn an_undated_pending_version_is_ignored() {
        let verdict = judge_pending(None, at(0), 24 * HOUR);
        assert_eq!(verdict, PendingAge::Undated);
        assert!(
            !verdict.accepted(),
            "secure by default: an unbounded age is not accepted"
        );
    }

    #[test]
    fn a_creation_date_in_the_future_counts_as_new() {
        assert_eq!(judge_pending(Some(at(60)), at(0), HOUR), PendingAge::Fresh);
    }

    #[test]
    fn the_manual_wall_clock_moves_only_when_told() {
        let clock = ManualWallClock::default();
        let start = clock.now();
        assert_eq!(clock.now(), start);
        clock.clone().advance(HOUR);
        assert_eq!(clock.now().duration_since(start).unwrap(), HOUR);
    }
}
