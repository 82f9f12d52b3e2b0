use super::*;
use crate::credentials::Credential;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A source whose answer the test sets, counting the calls.
#[derive(Default, Clone)]
struct FakeSource {
    calls: Arc<AtomicUsize>,
    answer: Arc<Mutex<Option<CredentialSet>>>,
    delay: Option<Duration>,
}

impl FakeSource {
    fn with(pairs: &[(&str, &str)]) -> FakeSource {
        let source = FakeSource::default();
        source.set(Some(pairs));
        source
    }
    fn set(&self, pairs: Option<&[(&str, &str)]>) {
        *self.answer.lock() = pairs.map(|p| CredentialSet::new(p.iter().map(|(u, w)| Credential::new(u, w)).collect()));
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl SecretSource for FakeSource {
    async fn fetch(&self) -> Result<CredentialSet, SourceError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        let answer = self.answer.lock().clone();
        answer.ok_or_else(|| SourceError::Unavailable("injected failure".into()))
    }
}

fn p(username: &str, password: &str) -> Presented {
    Presented {
        username: username.into(),
        password: password.into(),
    }
}

fn accepted(stale: bool) -> Check {
    Check::Accepted {
        stale,
        client: Arc::new(Identity::unrestricted("u")),
    }
}

fn cache(source: &FakeSource, clock: &ManualClock) -> CredentialCache<FakeSource, ManualClock> {
    CredentialCache::new(source.clone(), clock.clone(), CachePolicy::default())
}

#[tokio::test]
async fn fetches_once_then_serves_from_cache() {
    let (source, clock) = (FakeSource::with(&[("u", "pw")]), ManualClock::default());
    let cache = cache(&source, &clock);
    for _ in 0..100 {
        assert_eq!(cache.check(&p("u", "pw")).await, accepted(false));
        clock.advance(Duration::from_secs(1));
    }
    assert_eq!(source.calls(), 1, "100 s of allows within the 300 s TTL: one fetch");
}

#[tokio::test]
async fn refreshes_after_ttl() {
    let (source, clock) = (FakeSource::with(&[("u", "old")]), ManualClock::default());
    let cache = cache(&source, &clock);
    assert_eq!(cache.check(&p("u", "old")).await, accepted(false));
    source.set(Some(&[("u", "new")]));
    clock.advance(Duration::from_secs(299));
    assert_eq!(cache.check(&p("u", "old")).await, accepted(false), "still within TTL");
    assert_eq!(source.calls(), 1);
    clock.advance(Duration::from_secs(1));
    assert_eq!(cache.check(&p("u", "old")).await, Check::Rejected);
    assert_eq!(
        source.calls(),
        2,
        "expired: one refresh, no second one for the mismatch"
    );
}

#[tokio::test]
async fn mismatch_refreshes_once_after_min_refresh_so_rotation_is_seen() {
    let (source, clock) = (FakeSource::with(&[("u", "old")]), ManualClock::default());
    let cache = cache(&source, &clock);
    assert_eq!(cache.check(&p("u", "old")).await, accepted(false));
    source.set(Some(&[("u", "new")]));
    clock.advance(Duration::from_secs(10));
    assert_eq!(
        cache.check(&p("u", "new")).await,
        Check::Rejected,
        "too soon to look again"
    );
    assert_eq!(source.calls(), 1);
    clock.advance(Duration::from_secs(20));
    assert_eq!(
        cache.check(&p("u", "new")).await,
        accepted(false),
        "30 s later the mismatch refreshes"
    );
    assert_eq!(source.calls(), 2);
    assert_eq!(cache.check(&p("u", "old")).await, Check::Rejected);
    assert_eq!(source.calls(), 2);
}

#[tokio::test]
async fn a_thousand_wrong_passwords_cost_one_call_per_interval() {
    let (source, clock) = (FakeSource::with(&[("u", "pw")]), ManualClock::default());
    let cache = cache(&source, &clock);
    // 1,000 wrong passwords over 100 s (one every 100 ms).
    for i in 0..1000 {
        assert_eq!(cache.check(&p("u", &format!("guess{i}"))).await, Check::Rejected);
        clock.advance(Duration::from_millis(100));
    }
    // Fetch at 0 s, then at most one per 30 s: 30, 60, 90.
    assert_eq!(source.calls(), 4);
}

#[tokio::test]
async fn concurrent_refreshes_coalesce() {
    let mut source = FakeSource::with(&[("u", "pw")]);
    source.delay = Some(Duration::from_millis(50));
    let clock = ManualClock::default();
    let cache = Arc::new(cache(&source, &clock));
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let cache = Arc::clone(&cache);
            tokio::spawn(async move { cache.check(&p("u", if i % 2 == 0 { "pw" } else { "bad" })).await })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        let expected = if i % 2 == 0 { accepted(false) } else { Check::Rejected };
        assert_eq!(task.await.unwrap(), expected);
    }
    assert_eq!(source.calls(), 1, "50 concurrent cold checks, one fetch");
}

#[tokio::test]
async fn fails_closed_without_cache() {
    let (source, clock) = (FakeSource::default(), ManualClock::default());
    let cache = cache(&source, &clock);
    assert_eq!(cache.check(&p("u", "pw")).await, Check::Unavailable);
    // A failing store is not hammered either.
    assert_eq!(cache.check(&p("u", "pw")).await, Check::Unavailable);
    assert_eq!(source.calls(), 1);
    clock.advance(Duration::from_secs(30));
    source.set(Some(&[("u", "pw")]));
    assert_eq!(
        cache.check(&p("u", "pw")).await,
        accepted(false),
        "recovers once the store answers"
    );
}

#[tokio::test]
async fn serves_stale_within_grace_then_fails_closed() {
    let (source, clock) = (FakeSource::with(&[("u", "pw")]), ManualClock::default());
    let cache = cache(&source, &clock);
    assert_eq!(cache.check(&p("u", "pw")).await, accepted(false));
    source.set(None);
    clock.advance(Duration::from_secs(300));
    assert_eq!(cache.check(&p("u", "pw")).await, accepted(true));
    assert_eq!(cache.check(&p("u", "bad")).await, Check::Rejected);
    // TTL 300 s + grace 3600 s after the last successful fetch, nothing is usable.
    clock.advance(Duration::from_secs(3599));
    assert_eq!(cache.check(&p("u", "pw")).await, accepted(true));
    clock.advance(Duration::from_secs(1));
    assert_eq!(cache.check(&p("u", "pw")).await, Check::Unavailable);
    let calls = source.calls();
    assert!(
        calls <= 2 + 3900 / 30,
        "failing store asked at most once per interval ({calls} calls)"
    );
}

#[tokio::test]
async fn check_counted_says_when_the_store_was_asked() {
    let (source, clock) = (FakeSource::with(&[("u", "pw")]), ManualClock::default());
    let cache = cache(&source, &clock);
    let fetched = Lookup {
        store_requests: 1,
        cache_hit: false,
    };
    let hit = Lookup {
        store_requests: 0,
        cache_hit: true,
    };
    assert_eq!(
        cache.check_counted(&p("u", "pw")).await,
        (accepted(false), fetched),
        "cold"
    );
    assert_eq!(cache.check_counted(&p("u", "pw")).await, (accepted(false), hit));
    assert_eq!(
        cache.check_counted(&p("u", "x")).await,
        (Check::Rejected, hit),
        "too soon to look again"
    );
    clock.advance(Duration::from_secs(30));
    assert_eq!(
        cache.check_counted(&p("u", "x")).await,
        (Check::Rejected, fetched),
        "a mismatch looks again"
    );
    clock.advance(Duration::from_secs(300));
    // Expired, refreshed, still a mismatch, and no second look within the interval.
    assert_eq!(cache.check_counted(&p("u", "x")).await, (Check::Rejected, fetched));
    assert_eq!(source.calls(), 3);
}

#[tokio::test]
async fn rotation_accepts_current_and_pending() {
    let (source, clock) = (FakeSource::with(&[("u", "current")]), ManualClock::default());
    let cache = cache(&source, &clock);
    assert_eq!(cache.check(&p("u", "current")).await, accepted(false));
    source.set(Some(&[("u", "current"), ("u", "pending")]));
    clock.advance(Duration::from_secs(30));
    assert_eq!(cache.check(&p("u", "pending")).await, accepted(false));
    assert_eq!(cache.check(&p("u", "current")).await, accepted(false));
}
