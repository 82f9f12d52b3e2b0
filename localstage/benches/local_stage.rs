//! `make bench-local`: N submits at a given concurrency through the local stage with release
//! binaries, then the same N records through the Kinesis proxy API's PutRecords (batches of
//! BENCH_BATCH), then a few calls of each other `/streams` route. Reports requests/s and records/s
//! side by side, POST latency, POST → item readable (sampled), each function's init duration and max
//! memory used from its REPORT lines, and the streams function's warm duration per route. Then the
//! same N submits on a second stage with `SubmitIntegration=function`, beside the first: what the
//! function-backed route costs, and the submit function's init, warm duration and memory. The
//! consumer runs with 1,000-record batches (BatchSize=1000, MaximumBatchingWindowInSeconds=10).
//!
//! moto is the bottleneck of the throughput and end-to-end latency figures (and the stage sends
//! PutRecord one at a time because moto's is not safe for concurrency): they describe the local
//! stage, not AWS. The init, memory and duration figures are the functions' own.
//!
//! BENCH_N (default 2000), BENCH_CONCURRENCY (default 32), BENCH_BATCH (default 100), BENCH_BIN_DIR
//! (default target/release), BENCH_TEMPLATE (default the repository's template.yaml: a variant, e.g.
//! with other authorizer identity sources, measured beside it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use localstage::{Options, Stage};
use testkit::{HttpClient, basic};
use tokio::sync::Mutex;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn ms(histogram: &Histogram<u64>, quantile: f64) -> f64 {
    histogram.value_at_quantile(quantile) as f64 / 1000.0
}

/// One poller for every sampled record (a BatchGetItem every 50 ms, not a request per record, so
/// the measurement does not load the emulator): records the time from each POST until its item is
/// readable.
async fn track_visibility(
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
    sampled: Arc<Mutex<Vec<(String, Instant)>>>,
    posting: Arc<AtomicUsize>,
    visible: Arc<Mutex<Histogram<u64>>>,
) {
    let deadline = Instant::now() + Duration::from_secs(600);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let pending: Vec<(String, Instant)> = sampled.lock().await.iter().take(100).cloned().collect();
        if pending.is_empty() {
            if posting.load(Ordering::SeqCst) == 0 {
                return;
            }
            continue;
        }
        let keys: Vec<_> = pending
            .iter()
            .map(|(id, _)| {
                std::collections::HashMap::from([(
                    "eventId".to_string(),
                    aws_sdk_dynamodb::types::AttributeValue::S(id.clone()),
                )])
            })
            .collect();
        let Ok(request) = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .projection_expression("eventId")
            .build()
        else {
            return;
        };
        let Ok(output) = dynamodb.batch_get_item().request_items(&table, request).send().await else {
            continue;
        };
        let found: Vec<String> = output
            .responses()
            .and_then(|r| r.get(&table))
            .into_iter()
            .flatten()
            .filter_map(|item| item.get("eventId")?.as_s().ok().cloned())
            .collect();
        let now = Instant::now();
        let mut sampled = sampled.lock().await;
        let mut visible = visible.lock().await;
        sampled.retain(|(id, sent)| {
            let landed = found.contains(id);
            if landed {
                visible.record(now.duration_since(*sent).as_micros() as u64).ok();
            }
            !landed
        });
    }
}

/// The streams function's mean warm duration over the REPORTs since `since` (without the one that
/// carried the init).
fn warm_mean_ms(stage: &Stage, since: usize) -> (usize, f64) {
    let reports = stage.function("StreamsFunction").expect("streams function").reports();
    let warm: Vec<f64> = reports
        .iter()
        .skip(since)
        .filter(|r| r.init_duration.is_none())
        .map(|r| r.duration.as_secs_f64() * 1000.0)
        .collect();
    (warm.len(), warm.iter().sum::<f64>() / warm.len().max(1) as f64)
}

/// The Kinesis proxy API: `n` records through PutRecords in batches, then each read route.
async fn proxy_api(stage: &Stage, http: &HttpClient, header: &str, n: usize, concurrency: usize) {
    let batch = env_number("BENCH_BATCH", 100).clamp(1, 500);
    let stream = stage.provisioned.stream_name.clone();
    let records_url = format!("{}/streams/{stream}/records", stage.gateway_url);
    let reports = || {
        stage
            .function("StreamsFunction")
            .expect("streams function")
            .reports()
            .len()
    };
    let since = reports();
    let next = Arc::new(AtomicUsize::new(0));
    let latency = Arc::new(Mutex::new(Histogram::<u64>::new(3).expect("histogram")));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.clamp(1, 8) {
        let (http, header, url) = (http.clone(), header.to_string(), records_url.clone());
        let (next, latency) = (Arc::clone(&next), Arc::clone(&latency));
        workers.spawn(async move {
            loop {
                let first = next.fetch_add(batch, Ordering::SeqCst);
                if first >= n {
                    break;
                }
                let records: Vec<serde_json::Value> = (first..n.min(first + batch))
                    .map(|i| serde_json::json!({"data": {"index": i, "title": "bench record"}, "partition-key": format!("proxy-{i:06}")}))
                    .collect();
                let body = serde_json::json!({ "records": records }).to_string();
                let sent = Instant::now();
                let answer = http
                    .call("PUT", &url, &[("authorization", &header), ("content-type", "application/json")], body)
                    .await;
                assert_eq!(answer.status, 200, "{}", answer.body);
                assert_eq!(answer.json()["FailedRecordCount"], 0, "{}", answer.body);
                latency.lock().await.record(sent.elapsed().as_micros() as u64).ok();
            }
        });
    }
    while workers.join_next().await.is_some() {}
    let wall = started.elapsed();
    let latency = latency.lock().await.clone();
    println!(
        "  PutRecords          {:>8.0} records/s ({n} records in {} requests of {batch}, {:.2} s)   p50 {:.2} ms   p99 {:.2} ms",
        n as f64 / wall.as_secs_f64(),
        latency.len(),
        wall.as_secs_f64(),
        ms(&latency, 0.5),
        ms(&latency, 0.99)
    );
    let (count, mean) = warm_mean_ms(stage, since);
    println!("  streams warm        PUT /streams/{{name}}/records  {mean:>7.2} ms mean ({count} invocations)");
    let routes = [
        ("GET", "/streams".to_string(), String::new()),
        ("GET", format!("/streams/{stream}"), String::new()),
        (
            "PUT",
            format!("/streams/{stream}/record"),
            r#"{"Data": {"title": "bench record"}, "PartitionKey": "proxy-single"}"#.to_string(),
        ),
    ];
    for (method, path, body) in routes {
        let since = reports();
        for _ in 0..20 {
            let answer = http
                .call(
                    method,
                    &format!("{}{path}", stage.gateway_url),
                    &[("authorization", header)],
                    body.clone(),
                )
                .await;
            assert_eq!(answer.status, 200, "{method} {path}: {}", answer.body);
        }
        let (count, mean) = warm_mean_ms(stage, since);
        println!("  streams warm        {method} {path:<30} {mean:>7.2} ms mean ({count} invocations)");
    }
}

/// Options of the bench's stage, `POST /submit` by the `submit` integration (`SubmitIntegration`).
fn options(profile: &str, submit: &str) -> Options {
    let mut options = Options::isolated("bench", "bench-password");
    options.bin_dir = std::env::var_os("BENCH_BIN_DIR")
        .map(Into::into)
        .unwrap_or_else(|| motoserver::workspace_root().join("target").join(profile));
    if let Some(template) = std::env::var_os("BENCH_TEMPLATE") {
        options.template = template.into();
    }
    // Batches of up to 1,000 records: the window lets them fill at the emulator's ingest rate.
    options.parameter_overrides.insert("BatchSize".into(), "1000".into());
    options
        .parameter_overrides
        .insert("MaximumBatchingWindowInSeconds".into(), "10".into());
    options
        .parameter_overrides
        .insert("SubmitIntegration".into(), submit.into());
    options
}

/// What one submit phase measured.
struct Submits {
    posts: Histogram<u64>,
    visible: Histogram<u64>,
    wall: Duration,
}

impl Submits {
    fn rate(&self) -> f64 {
        self.posts.len() as f64 / self.wall.as_secs_f64()
    }

    fn print(&self, label: &str) {
        println!(
            "  {label:<19} {:>8.0} requests/s ({} posted in {:.2} s)",
            self.rate(),
            self.posts.len(),
            self.wall.as_secs_f64()
        );
        println!(
            "  POST latency        p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms",
            ms(&self.posts, 0.5),
            ms(&self.posts, 0.99),
            self.posts.max() as f64 / 1000.0
        );
        println!(
            "  POST -> readable    p50 {:>7.2} ms   p99 {:>7.2} ms   ({} sampled)",
            ms(&self.visible, 0.5),
            ms(&self.visible, 0.99),
            self.visible.len()
        );
    }
}

/// N submits at `concurrency` through `stage`: latency of each POST, and POST → item readable for
/// every 20th record.
async fn submit_phase(stage: &Stage, http: &HttpClient, header: &str, n: usize, concurrency: usize) -> Submits {
    let url = format!("{}/submit/{}", stage.gateway_url, stage.provisioned.stream_name);
    let dynamodb = aws_sdk_dynamodb::Client::new(&stage.sdk_config().await);
    let table = stage.provisioned.table_name.clone();
    let post_latency = Arc::new(Mutex::new(Histogram::<u64>::new(3).expect("histogram")));
    let visible_latency = Arc::new(Mutex::new(Histogram::<u64>::new(3).expect("histogram")));
    let next = Arc::new(AtomicUsize::new(0));
    let sampled = Arc::new(Mutex::new(Vec::new()));
    let posting = Arc::new(AtomicUsize::new(concurrency));
    let tracker = tokio::spawn(track_visibility(
        dynamodb.clone(),
        table.clone(),
        Arc::clone(&sampled),
        Arc::clone(&posting),
        Arc::clone(&visible_latency),
    ));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (http, header, url, next) = (http.clone(), header.to_string(), url.clone(), Arc::clone(&next));
        let post_latency = Arc::clone(&post_latency);
        let (sampled, posting) = (Arc::clone(&sampled), Arc::clone(&posting));
        workers.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n {
                    break;
                }
                let event_id = format!("bench-{i:06}");
                let sent = Instant::now();
                let body = format!(r#"{{"index":{i},"title":"bench record"}}"#);
                let answer = http
                    .post(&format!("{url}/{event_id}"), &[("authorization", &header)], body)
                    .await;
                assert_eq!(answer.status, 200, "{}", answer.body);
                post_latency.lock().await.record(sent.elapsed().as_micros() as u64).ok();
                // Every 20th record: how long until the item is readable.
                if i % 20 == 0 {
                    sampled.lock().await.push((event_id, sent));
                }
            }
            posting.fetch_sub(1, Ordering::SeqCst);
        });
    }
    while workers.join_next().await.is_some() {}
    let wall = started.elapsed();
    let _ = tracker.await;
    let posts = post_latency.lock().await.clone();
    let visible = visible_latency.lock().await.clone();
    Submits { posts, visible, wall }
}

#[tokio::main]
async fn main() {
    // `cargo test --benches` runs bench binaries without `--bench`: a token run with debug binaries.
    let benching = std::env::args().any(|a| a == "--bench");
    let n = if benching { env_number("BENCH_N", 2000) } else { 20 };
    let concurrency = env_number("BENCH_CONCURRENCY", 32);
    let profile = if benching { "release" } else { "debug" };
    let http = HttpClient::default();
    let header = basic("bench", "bench-password");

    let stage = Stage::start(options(profile, "direct"))
        .await
        .unwrap_or_else(|e| panic!("local stage: {e}"));
    let direct = submit_phase(&stage, &http, &header, n, concurrency).await;
    println!("local_stage: {n} submits, concurrency {concurrency}, BatchSize 1000, window 10 s, {profile} binaries");
    direct.print("direct submit");
    proxy_api(&stage, &http, &header, n, concurrency).await;
    for logical_id in ["AuthorizerFunction", "ConsumerFunction", "StreamsFunction"] {
        let reports = stage.function(logical_id).expect("function").reports();
        println!("  {logical_id:<19} {}", localstage::lambda::report::summarize(&reports));
    }
    let batches: Vec<usize> = stage.deliveries().iter().map(|d| d.batch_size).collect();
    println!(
        "  consumer batches    {} (largest {})",
        batches.len(),
        batches.iter().max().unwrap_or(&0)
    );
    stage.stop().await;

    // The same submits with SubmitIntegration=function: the route adds one Lambda invocation.
    let stage = Stage::start(options(profile, "function"))
        .await
        .unwrap_or_else(|e| panic!("local stage: {e}"));
    let function = submit_phase(&stage, &http, &header, n, concurrency).await;
    println!("local_stage: SubmitIntegration=function, the same {n} submits on a new stage");
    function.print("function submit");
    println!(
        "  function / direct   {:.2}x requests/s, p50 {:+.2} ms, p99 {:+.2} ms",
        function.rate() / direct.rate(),
        ms(&function.posts, 0.5) - ms(&direct.posts, 0.5),
        ms(&function.posts, 0.99) - ms(&direct.posts, 0.99)
    );
    let reports = stage.function("SubmitFunction").expect("the submit function").reports();
    println!(
        "  {:<19} {}",
        "SubmitFunction",
        localstage::lambda::report::summarize(&reports)
    );
    stage.stop().await;
}
