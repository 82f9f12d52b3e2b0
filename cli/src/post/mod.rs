//! `streamgate post`: emulates users posting pin/geo/user records to the API, as a load generator,
//! in one of its wire formats: one record per submit, or batches through the Kinesis proxy API's
//! PutRecords (whose failed entries are re-sent, as a careful client does).
//!
//! With `--rate` the load is open-loop: request *i* is due at `start + i/rate` whatever the server
//! does, and its latency counts from when it was due, so a slow server shows up as latency instead
//! of being hidden by back-pressure. Without `--rate`, `--concurrency` requests are kept in flight.

pub mod generate;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use apiclient::HttpClient;
use generate::{Generator, Kind};
use hdrhistogram::Histogram;
use serde::Serialize;
use serde_json::{Value as Json, json};
use tokio::sync::{Mutex, Semaphore};

/// Arguments of `streamgate post`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:\n  \
    streamgate post --password secret --count 300 --seed 7\n  \
    streamgate post --url https://abc123.execute-api.eu-west-1.amazonaws.com --stream mystack-events \\\n      \
    --username streamgate --password \"$PASSWORD\" --duration 60 --rate 50 --concurrency 16\n  \
    streamgate post --count 1000 --reuse-ids --json    # idempotency: fewer items than requests\n  \
    streamgate post --format records --batch 100 --count 10000   # PutRecords through /streams")]
pub struct PostArgs {
    /// Base URL of the API (the local stage, or the stack's ApiEndpoint output).
    #[arg(long, env = "STREAMGATE_URL", default_value = "http://127.0.0.1:3000")]
    pub url: String,
    /// The `{streamName}` of the submit path.
    #[arg(long, env = "STREAMGATE_STREAM", default_value = "streamgate-local-events")]
    pub stream: String,
    /// Basic-auth username.
    #[arg(long, env = "STREAMGATE_USERNAME", default_value = "streamgate")]
    pub username: String,
    /// Basic-auth password.
    #[arg(long, env = "STREAMGATE_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// How records travel: `submit` (one per POST /submit/{stream}/{eventId}) or `records` (batches
    /// of --batch through PUT /streams/{stream}/records).
    #[arg(long, value_enum, default_value_t = Format::Submit)]
    pub format: Format,
    /// Records per request with `--format records` (1 to 500, PutRecords' limit).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=500))]
    pub batch: u64,
    /// Records to send (default 100 when no --duration is given).
    #[arg(long)]
    pub count: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long)]
    pub duration: Option<f64>,
    /// Requests per second, open-loop (default: as fast as --concurrency allows).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Requests in flight at most.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Seed of the record generator (same seed, same records).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Which records to send.
    #[arg(long, value_enum, default_value_t = Kind::Mixed)]
    pub kind: Kind,
    /// Draw eventIds from a small pool (a third of --count) shared across runs, to exercise idempotency.
    #[arg(long)]
    pub reuse_ids: bool,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Print no progress.
    #[arg(long)]
    pub quiet: bool,
}

/// The wire formats of `streamgate post`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `POST /submit/{stream}/{eventId}`, the record as the body.
    Submit,
    /// `PUT /streams/{stream}/records` of the Kinesis proxy API, `{"records": [{"data", "partition-key"}]}`.
    Records,
}

/// Re-sends of a batch's failed entries before they count as failed.
const ENTRY_RETRIES: u32 = 4;

/// The outcome of a run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    /// Requests sent (first attempts; re-sent entries are counted in `records_retried`).
    pub sent: u64,
    /// Records sent.
    pub records: u64,
    /// Records that were not stored in the end (their request failed, or their entry still failed
    /// after the re-sends).
    pub records_failed: u64,
    /// Entries re-sent because PutRecords reported them failed.
    pub records_retried: u64,
    /// Records stored per second.
    pub records_per_second: f64,
    /// Responses by HTTP status.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests that got no HTTP response.
    pub transport_errors: u64,
    /// Wall time of the run, seconds.
    pub seconds: f64,
    /// Responses per second.
    pub throughput: f64,
    /// Latency percentiles in milliseconds: p50, p90, p99, max.
    pub latency_ms: BTreeMap<String, f64>,
    /// The first few non-2xx bodies (or transport errors).
    pub first_failures: Vec<String>,
}

impl Summary {
    /// Whether every request got a 2xx and every record was stored.
    pub fn all_ok(&self) -> bool {
        self.transport_errors == 0 && self.records_failed == 0 && self.statuses.keys().all(|s| (200..300).contains(s))
    }

    /// The human summary.
    pub fn text(&self) -> String {
        let statuses: Vec<String> = self.statuses.iter().map(|(s, n)| format!("{s}: {n}")).collect();
        let mut text = format!(
            "sent {} requests in {:.2} s ({:.1}/s)\nrecords {} stored, {} failed, {} re-sent ({:.1} records/s)\nstatus {}\ntransport errors {}\nlatency ms p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}\n",
            self.sent,
            self.seconds,
            self.throughput,
            self.records - self.records_failed,
            self.records_failed,
            self.records_retried,
            self.records_per_second,
            if statuses.is_empty() {
                "-".into()
            } else {
                statuses.join(", ")
            },
            self.transport_errors,
            self.latency_ms["p50"],
            self.latency_ms["p90"],
            self.latency_ms["p99"],
            self.latency_ms["max"],
        );
        for failure in &self.first_failures {
            text.push_str(&format!("failure: {failure}\n"));
        }
        text
    }
}

#[derive(Default)]
struct Tally {
    statuses: BTreeMap<u16, u64>,
    transport_errors: u64,
    first_failures: Vec<String>,
    done: u64,
    records: u64,
    records_failed: u64,
    records_retried: u64,
}

impl Tally {
    fn failure(&mut self, text: String) {
        if self.first_failures.len() < FAILURES_SHOWN {
            self.first_failures.push(text);
        }
    }
}

/// What one request (with its entry re-sends) came to.
struct Delivered {
    /// The first attempt's HTTP status and the start of its body, or the transport error.
    first: Result<(u16, String), String>,
    /// Records of the request not stored in the end.
    failed: u64,
    /// Entries re-sent.
    retried: u64,
}

const FAILURES_SHOWN: usize = 3;

/// The eventId of request `index`.
fn event_id(args: &PostArgs, run: &str, index: u64, count: u64) -> String {
    let kind = args.kind.of(index).as_str();
    if args.reuse_ids {
        format!("{kind}-shared-{}", index % (count / 3).max(1))
    } else {
        format!("{kind}-{run}-{index:07}")
    }
}

/// Runs the posting emulator and prints its summary; exits non-zero when any request failed.
pub async fn run(args: PostArgs) -> anyhow::Result<()> {
    let json = args.json;
    let summary = post_all(args).await?;
    if json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print!("{}", summary.text());
    }
    if !summary.all_ok() {
        std::process::exit(1);
    }
    Ok(())
}

/// Runs the posting emulator and returns its summary.
async fn post_all(args: PostArgs) -> anyhow::Result<Summary> {
    let count = match (args.count, args.duration) {
        (Some(count), _) => count,
        (None, Some(_)) => u64::MAX,
        (None, None) => 100,
    };
    let stop_at = args.duration.map(Duration::from_secs_f64);
    let seed = args.seed.unwrap_or_else(|| fastrand::u64(..));
    let run_id = format!("{:08x}", fastrand::u32(..));
    let authorization = apiclient::basic(&args.username, &args.password);
    let client = HttpClient::new()?;
    let base = args.url.trim_end_matches('/').to_string();
    let per_request = match args.format {
        Format::Submit => 1,
        Format::Records => args.batch.max(1),
    };
    let histogram = Arc::new(Mutex::new(Histogram::<u64>::new(3)?));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let permits = Arc::new(Semaphore::new(args.concurrency.max(1)));
    let progress = Progress::new(&args, count.div_ceil(per_request));
    let mut generator = Generator::new(seed);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let (mut sent, mut next_record) = (0u64, 0u64);
    while next_record < count {
        let due = match args.rate {
            Some(rate) if rate > 0.0 => started + Duration::from_secs_f64(sent as f64 / rate),
            _ => Instant::now(),
        };
        if stop_at.is_some_and(|limit| due.duration_since(started) >= limit) {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let permit = Arc::clone(&permits).acquire_owned().await?;
        // Same seed, same records, whatever the format: record i is generated for index i.
        let last = count.min(next_record + per_request);
        let records: Vec<(String, Json)> = (next_record..last)
            .map(|i| (event_id(&args, &run_id, i, count), generator.record(args.kind, i)))
            .collect();
        next_record = last;
        let request = Request {
            client: client.clone(),
            base: base.clone(),
            stream: args.stream.clone(),
            authorization: authorization.clone(),
        };
        let format = args.format;
        let (histogram, tally, progress) = (Arc::clone(&histogram), Arc::clone(&tally), progress.clone());
        tasks.spawn(async move {
            let records_sent = records.len() as u64;
            let delivered = match format {
                Format::Submit => request.submit(records).await,
                Format::Records => request.put_records(records).await,
            };
            // Open loop: latency counts from when the request was due.
            let latency = due.elapsed();
            drop(permit);
            histogram.lock().await.record(latency.as_micros().max(1) as u64).ok();
            let mut tally = tally.lock().await;
            tally.done += 1;
            tally.records += records_sent;
            tally.records_failed += delivered.failed;
            tally.records_retried += delivered.retried;
            match delivered.first {
                Ok((status, body)) => {
                    *tally.statuses.entry(status).or_default() += 1;
                    if !(200..300).contains(&status) {
                        tally.failure(format!("{status} {body}"));
                    } else if delivered.failed > 0 {
                        tally.failure(format!(
                            "{} records still failed after {ENTRY_RETRIES} re-sends: {body}",
                            delivered.failed
                        ));
                    }
                }
                Err(error) => {
                    tally.transport_errors += 1;
                    tally.failure(format!("transport: {error}"));
                }
            }
            progress.tick(&tally);
        });
        sent += 1;
        // Reap finished requests as we go, so a long run does not hold every handle.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let seconds = started.elapsed().as_secs_f64();
    progress.finish();
    let histogram = histogram.lock().await;
    let tally = tally.lock().await;
    let ms = |micros: u64| micros as f64 / 1000.0;
    let latency_ms = BTreeMap::from([
        ("p50".to_string(), ms(histogram.value_at_quantile(0.5))),
        ("p90".to_string(), ms(histogram.value_at_quantile(0.9))),
        ("p99".to_string(), ms(histogram.value_at_quantile(0.99))),
        ("max".to_string(), ms(histogram.max())),
    ]);
    Ok(Summary {
        sent,
        records: tally.records,
        records_failed: tally.records_failed,
        records_retried: tally.records_retried,
        records_per_second: (tally.records - tally.records_failed) as f64 / seconds.max(f64::EPSILON),
        statuses: tally.statuses.clone(),
        transport_errors: tally.transport_errors,
        seconds,
        throughput: tally.done as f64 / seconds.max(f64::EPSILON),
        latency_ms,
        first_failures: tally.first_failures.clone(),
    })
}

/// Where and as whom one request goes.
struct Request {
    client: HttpClient,
    base: String,
    stream: String,
    authorization: String,
}

impl Request {
    async fn send(&self, method: &str, url: &str, body: String) -> Result<(u16, String), String> {
        let headers = [
            ("authorization", self.authorization.as_str()),
            ("content-type", "application/json"),
        ];
        let answer = self
            .client
            .send(method, url, &headers, body)
            .await
            .map_err(|e| e.to_string())?;
        Ok((answer.status, answer.body))
    }

    /// One record to `/submit/{stream}/{eventId}`.
    async fn submit(&self, records: Vec<(String, Json)>) -> Delivered {
        let mut failed = 0;
        let mut first = Err("no record".to_string());
        for (event_id, record) in records {
            let url = format!("{}/submit/{}/{event_id}", self.base, self.stream);
            let result = self.send("POST", &url, record.to_string()).await;
            failed += u64::from(!matches!(&result, Ok((status, _)) if (200..300).contains(status)));
            first = result.map(|(status, body)| (status, shorten(&body)));
        }
        Delivered {
            first,
            failed,
            retried: 0,
        }
    }

    /// A batch to `/streams/{stream}/records`; entries reported failed are re-sent with backoff.
    async fn put_records(&self, mut pending: Vec<(String, Json)>) -> Delivered {
        let url = format!("{}/streams/{}/records", self.base, self.stream);
        let mut first = None;
        let mut retried = 0;
        for attempt in 0..=ENTRY_RETRIES {
            if attempt > 0 {
                retried += pending.len() as u64;
                let backoff = Duration::from_millis(50 << attempt.min(6));
                tokio::time::sleep(backoff + Duration::from_millis(fastrand::u64(..50))).await;
            }
            let result = self.send("PUT", &url, records_body(&pending).to_string()).await;
            let still_failed = match &result {
                Ok((status, body)) if (200..300).contains(status) => failed_entries(body, pending.len()),
                // The whole request failed: every record of it did.
                _ => None,
            };
            if first.is_none() {
                first = Some(result.map(|(status, body)| (status, shorten(&body))));
            }
            match still_failed {
                Some(indexes) if indexes.is_empty() => {
                    pending.clear();
                    break;
                }
                Some(indexes) => pending = indexes.into_iter().filter_map(|i| pending.get(i).cloned()).collect(),
                None => break,
            }
        }
        Delivered {
            first: first.unwrap_or_else(|| Err("no attempt".into())),
            failed: pending.len() as u64,
            retried,
        }
    }
}

/// The PutRecords request body, in the shape the AWS tutorials use.
fn records_body(records: &[(String, Json)]) -> Json {
    let entries: Vec<Json> = records
        .iter()
        .map(|(key, record)| json!({"data": record, "partition-key": key}))
        .collect();
    json!({ "records": entries })
}

/// The positions of the entries a 200 PutRecords answer reports failed (`ErrorCode` set); `None` when
/// the answer cannot be read, which counts the whole request as failed.
fn failed_entries(body: &str, sent: usize) -> Option<Vec<usize>> {
    let answer: Json = serde_json::from_str(body).ok()?;
    let entries = answer.get("Records")?.as_array()?;
    if entries.len() != sent {
        return None;
    }
    Some(
        entries
            .iter()
            .enumerate()
            .filter(|(_, entry)| entry.get("ErrorCode").is_some_and(|code| !code.is_null()))
            .map(|(i, _)| i)
            .collect(),
    )
}

fn shorten(body: &str) -> String {
    body.chars().take(300).collect()
}

/// A progress bar on a terminal; plain periodic lines otherwise; nothing with --quiet or --json.
#[derive(Clone)]
enum Progress {
    Bar(indicatif::ProgressBar),
    Lines(Arc<parking_lot::Mutex<Instant>>),
    Off,
}

impl Progress {
    fn new(args: &PostArgs, count: u64) -> Progress {
        if args.quiet || args.json {
            Progress::Off
        } else if std::io::stderr().is_terminal() {
            let bar = if count == u64::MAX {
                indicatif::ProgressBar::new_spinner()
            } else {
                indicatif::ProgressBar::new(count)
            };
            Progress::Bar(bar)
        } else {
            Progress::Lines(Arc::new(parking_lot::Mutex::new(Instant::now())))
        }
    }

    fn tick(&self, tally: &Tally) {
        let ok: u64 = tally
            .statuses
            .iter()
            .filter(|(status, _)| (200..300).contains(*status))
            .map(|(_, n)| n)
            .sum();
        match self {
            Progress::Bar(bar) => {
                bar.inc(1);
                bar.set_message(format!("{} failed", tally.done - ok));
            }
            Progress::Lines(last) => {
                let mut last = last.lock();
                if last.elapsed() >= Duration::from_secs(5) {
                    *last = Instant::now();
                    eprintln!("posted {}: {ok} ok, {} failed", tally.done, tally.done - ok);
                }
            }
            Progress::Off => {}
        }
    }

    fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> PostArgs {
        PostArgs {
            url: "http://x".into(),
            stream: "s".into(),
            username: "u".into(),
            password: "p".into(),
            format: Format::Submit,
            batch: 100,
            count: Some(9),
            duration: None,
            rate: None,
            concurrency: 1,
            seed: Some(1),
            kind: Kind::Mixed,
            reuse_ids: false,
            json: false,
            quiet: true,
        }
    }

    #[test]
    fn event_ids_are_unique_per_run_unless_reused() {
        let a = args();
        let ids: std::collections::HashSet<String> = (0..9).map(|i| event_id(&a, "run1", i, 9)).collect();
        assert_eq!(ids.len(), 9);
        assert_ne!(event_id(&a, "run1", 0, 9), event_id(&a, "run2", 0, 9));
        let reuse = PostArgs {
            reuse_ids: true,
            ..args()
        };
        let ids: std::collections::HashSet<String> = (0..9).map(|i| event_id(&reuse, "run1", i, 9)).collect();
        assert!(ids.len() < 9);
        assert_eq!(event_id(&reuse, "run1", 0, 9), event_id(&reuse, "run2", 0, 9));
    }

    #[test]
    fn summary_judges_success() {
        let mut summary = Summary {
            sent: 2,
            records: 2,
            records_failed: 0,
            records_retried: 0,
            records_per_second: 2.0,
            statuses: BTreeMap::from([(200, 2)]),
            transport_errors: 0,
            seconds: 1.0,
            throughput: 2.0,
            latency_ms: ["p50", "p90", "p99", "max"]
                .iter()
                .map(|k| (k.to_string(), 1.0))
                .collect(),
            first_failures: vec![],
        };
        assert!(summary.all_ok());
        assert!(summary.text().contains("status 200: 2"));
        summary.statuses.insert(403, 1);
        assert!(!summary.all_ok());
        summary.statuses.remove(&403);
        summary.transport_errors = 1;
        assert!(!summary.all_ok());
        summary.transport_errors = 0;
        summary.records_failed = 1;
        assert!(
            !summary.all_ok(),
            "a record PutRecords still reports failed is a failure under 200"
        );
    }

    #[test]
    fn failed_entries_are_found_by_position() {
        let body = r#"{"FailedRecordCount":1,"Records":[{"SequenceNumber":"1","ShardId":"s"},{"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"slow down"}]}"#;
        assert_eq!(failed_entries(body, 2), Some(vec![1]));
        assert_eq!(
            failed_entries(r#"{"Records":[{"SequenceNumber":"1"}]}"#, 1),
            Some(vec![])
        );
        assert_eq!(
            failed_entries(r#"{"Records":[]}"#, 1),
            None,
            "a short answer fails the request"
        );
        assert_eq!(failed_entries("not json", 1), None);
        let body = records_body(&[("k".into(), json!({"a": 1}))]);
        assert_eq!(body, json!({"records": [{"data": {"a": 1}, "partition-key": "k"}]}));
    }
}
