//! `make bench-local` (second part): `/topics` through the local stage with release binaries, in the
//! template's two modes one after the other in the same run: the `topics` function producing to the
//! broker itself, and the REST Proxy mode (HTTP proxy integrations to the same core served over
//! plain HTTP). For each: 1-record requests and 100-record requests at a fixed concurrency, records/s
//! and latency p50/p99; for the function, its init duration and max memory used from its REPORT
//! lines. Both pass through the same gateway and authorizer, so the difference between the modes is
//! the Lambda hop (the function is invoked through the emulated Runtime API) against an HTTP hop.
//!
//! BENCH_KAFKA_N (default 2000: the 1-record requests; the 100-record phase sends 10× the records),
//! BENCH_CONCURRENCY (default 32), BENCH_BIN_DIR (default target/release).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use hdrhistogram::Histogram;
use localstage::kafka_side::KafkaMode;
use localstage::{Options, Stage, kafka};
use testkit::{HttpClient, basic};
use tokio::sync::Mutex;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn ms(histogram: &Histogram<u64>, quantile: f64) -> f64 {
    histogram.value_at_quantile(quantile) as f64 / 1000.0
}

/// `requests` requests of `per_request` keyed records each at `concurrency`; prints one line.
async fn produce(stage: &Stage, label: &str, topic: &str, requests: usize, per_request: usize, concurrency: usize) {
    let http = HttpClient::default();
    let header = basic("bench", "bench-password");
    let url = format!("{}/topics/{topic}", stage.gateway_url);
    let next = Arc::new(AtomicUsize::new(0));
    let latency = Arc::new(Mutex::new(Histogram::<u64>::new(3).expect("histogram")));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (http, header, url) = (http.clone(), header.clone(), url.clone());
        let (next, latency) = (Arc::clone(&next), Arc::clone(&latency));
        workers.spawn(async move {
            loop {
                let request = next.fetch_add(1, Ordering::SeqCst);
                if request >= requests {
                    break;
                }
                let records: Vec<String> = (0..per_request)
                    .map(|i| {
                        let n = request * per_request + i;
                        format!(r#"{{"key":"evt-{n:07}","value":{{"index":{n},"title":"bench record","exact":1.50}}}}"#)
                    })
                    .collect();
                let body = format!(r#"{{"records":[{}]}}"#, records.join(","));
                let sent = Instant::now();
                let answer = http
                    .call(
                        "POST",
                        &url,
                        &[
                            ("authorization", &header),
                            ("content-type", "application/vnd.kafka.json.v2+json"),
                        ],
                        body,
                    )
                    .await;
                assert_eq!(answer.status, 200, "{}", answer.body);
                assert!(
                    answer.body.matches("\"error_code\":null").count() == per_request,
                    "{}",
                    answer.body
                );
                latency.lock().await.record(sent.elapsed().as_micros() as u64).ok();
            }
        });
    }
    while workers.join_next().await.is_some() {}
    let wall = started.elapsed();
    let latency = latency.lock().await.clone();
    println!(
        "  {label:<34} {:>8.0} records/s  {:>6.0} requests/s   p50 {:>7.2} ms   p99 {:>7.2} ms",
        (requests * per_request) as f64 / wall.as_secs_f64(),
        requests as f64 / wall.as_secs_f64(),
        ms(&latency, 0.5),
        ms(&latency, 0.99)
    );
}

#[tokio::main]
async fn main() {
    // `cargo test --benches` runs bench binaries without `--bench`: a token run with debug binaries.
    let benching = std::env::args().any(|a| a == "--bench");
    let n = if benching {
        env_number("BENCH_KAFKA_N", 2000)
    } else {
        20
    };
    let concurrency = env_number("BENCH_CONCURRENCY", 32);
    let profile = if benching { "release" } else { "debug" };
    println!(
        "topics: {n} 1-record requests and {n}0 records in 100-record requests, concurrency {concurrency}, {profile} binaries"
    );
    for mode in [KafkaMode::Function, KafkaMode::RestProxy] {
        let mut options = Options::isolated("bench", "bench-password");
        options.bin_dir = std::env::var_os("BENCH_BIN_DIR")
            .map(Into::into)
            .unwrap_or_else(|| motoserver::workspace_root().join("target").join(profile));
        options.kafka = true;
        options.kafka_mode = mode;
        let stage = Stage::start(options)
            .await
            .unwrap_or_else(|e| panic!("local stage: {e}"));
        let bootstrap = stage.kafka.as_ref().expect("kafka").bootstrap.clone();
        let topic = "streamgate-local.bench".to_string();
        kafka::create_topics(&bootstrap, std::slice::from_ref(&topic), 3)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let name = match mode {
            KafkaMode::Function => "function",
            KafkaMode::RestProxy => "REST Proxy mode",
        };
        produce(&stage, &format!("{name}, 1-record requests"), &topic, n, 1, concurrency).await;
        produce(
            &stage,
            &format!("{name}, 100-record requests"),
            &topic,
            n / 10,
            100,
            concurrency.min(8),
        )
        .await;
        if let Some(function) = stage.function("TopicsFunction") {
            println!(
                "  TopicsFunction      {}",
                localstage::lambda::report::summarize(&function.reports())
            );
        }
        stage.stop().await;
    }
}
