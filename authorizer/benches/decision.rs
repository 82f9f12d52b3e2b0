//! One allow and one deny decision with a warm cache: the whole invocation body (event parse, Basic
//! parse, constant-time check, response) without the Lambda runtime's HTTP round trip.
//! Target: ≤ 20 µs each and zero secret-store calls on the warm path (checked after the run).

use std::hint::black_box;

use authorizer::cache::{CountingSource, ManualClock, StaticSource};
use authorizer::credentials::{Credential, CredentialSet};
use authorizer::{Authorizer, CachePolicy, CredentialCache};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

fn event(password: &str) -> Value {
    let header = testkit::basic("streamgate", password);
    json!({
        "version": "2.0", "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:us-east-1:123456789012:api/$default/POST/submit/s/e",
        "identitySource": [header],
        "routeKey": "POST /submit/{streamName}/{eventId}", "rawPath": "/submit/s/e", "rawQueryString": "",
        "headers": {"authorization": header, "content-type": "application/json", "user-agent": "bench"},
        "requestContext": {"accountId": "123456789012", "apiId": "api", "requestId": "r",
            "http": {"method": "POST", "path": "/submit/s/e", "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "bench"}}
    })
}

fn decisions(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let source = CountingSource::new(StaticSource(CredentialSet::new(vec![Credential::new(
        "streamgate",
        "streamgate-local-password",
    )])));
    // A frozen clock: no refresh interval elapses during the run, as within one TTL in production.
    let authorizer = Authorizer::new(CredentialCache::new(
        source,
        ManualClock::default(),
        CachePolicy::default(),
    ));
    let allow = event("streamgate-local-password");
    let deny = event("wrong-password");
    // Warm the cache: the only fetch of the run. The deny then finds the refresh interval not yet
    // elapsed, as it is for every wrong password after the first within an interval.
    runtime.block_on(async {
        assert_eq!(
            authorizer.handle(allow.clone(), "warm").await.unwrap()["isAuthorized"],
            true
        );
        assert_eq!(
            authorizer.handle(deny.clone(), "warm").await.unwrap()["isAuthorized"],
            false
        );
    });

    let mut group = c.benchmark_group("authorizer_decision");
    group.bench_function("allow_warm", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(authorizer.handle(black_box(allow.clone()), "bench").await) })
    });
    group.bench_function("deny_warm", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(authorizer.handle(black_box(deny.clone()), "bench").await) })
    });
    group.finish();

    let fetches = authorizer.cache().source().fetches();
    println!("secret store fetches during the whole run (1 = the warm-up only): {fetches}");
    assert_eq!(fetches, 1, "the warm path must not ask the secret store");
}

criterion_group!(benches, decisions);
criterion_main!(benches);
