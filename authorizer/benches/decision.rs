//! One allow and one deny decision with a warm cache: the whole invocation body (event parse, Basic
//! parse, constant-time check, response) without the Lambda runtime's HTTP round trip.
//! With 1, 10 and 100 clients in the secret (the check compares every pair, by design).
//! Target: ≤ 20 µs each and zero secret-store calls on the warm path (checked after the run).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::hint::black_box;

use authorizer::cache::{CountingSource, ManualClock, StaticSource};
use std::sync::Arc;

use authorizer::credentials::{Credential, CredentialSet, Identity};
use authorizer::{Authorizer, CachePolicy, CredentialCache};
use clients::RoutePattern;
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

/// A secret of `clients` named clients, the benchmarked one last; every other one scoped to a
/// stream of its own, as a many-partner deployment would be.
fn credentials(clients: usize) -> CredentialSet {
    let mut accepted: Vec<Credential> = (1..clients)
        .map(|i| {
            let identity = Arc::new(Identity {
                name: format!("partner-{i}"),
                routes: Some(vec![
                    RoutePattern::parse(&format!("POST /submit/partner-{i}-*/*")).expect("pattern"),
                ]),
            });
            Credential::scoped(&format!("partner-{i}"), &format!("partner-{i}-password"), identity)
        })
        .collect();
    accepted.push(Credential::new("streamgate", "streamgate-local-password"));
    CredentialSet::new(accepted)
}

fn decisions(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let allow = event("streamgate-local-password");
    let deny = event("wrong-password");
    let mut group = c.benchmark_group("authorizer_decision");
    for clients in [1, 10, 100] {
        let source = CountingSource::new(StaticSource(credentials(clients)));
        // A frozen clock: no refresh interval elapses during the run, as within one TTL in production.
        let authorizer = Authorizer::new(CredentialCache::new(
            source,
            ManualClock::default(),
            CachePolicy::default(),
        ));
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
        group.bench_function(format!("allow_warm/clients_{clients}"), |b| {
            b.to_async(&runtime)
                .iter(|| async { black_box(authorizer.handle(black_box(allow.clone()), "bench").await) })
        });
        group.bench_function(format!("deny_warm/clients_{clients}"), |b| {
            b.to_async(&runtime)
                .iter(|| async { black_box(authorizer.handle(black_box(deny.clone()), "bench").await) })
        });
        let fetches = authorizer.cache().source().fetches();
        println!("{clients} clients: secret store fetches during the run (1 = the warm-up only): {fetches}");
        assert_eq!(fetches, 1, "the warm path must not ask the secret store");
    }
    group.finish();
}

criterion_group!(benches, decisions);
criterion_main!(benches);
