//! `streamgate post`: emulates users posting pin/geo/user records to the API, as a load generator,
//! in any of the API's wire formats ([`wire`]): one record per submit, batches through the Kinesis
//! proxy API's PutRecords, or batches per topic through the Kafka REST route. The same seed gives
//! the same records in every format.
//!
//! With `--rate` the load is open-loop: request *i* is due at `start + i/rate` whatever the server
//! does, and its latency counts from when it was due, so a slow server shows up as latency instead
//! of being hidden by back-pressure. Without `--rate`, `--concurrency` requests are kept in flight.

pub mod generate;
pub mod summary;
pub mod wire;

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use generate::{Generator, Kind};
use httpclient::HttpClient;
use summary::{Outcome, Summary, Tally};
use tokio::sync::{Mutex, Semaphore};
use wire::{Batcher, Format, Item, Sender};

/// Arguments of `streamgate post`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:\n  \
    streamgate post --password secret --count 300 --seed 7\n  \
    streamgate post --url https://abc123.execute-api.eu-west-1.amazonaws.com --stream mystack-events \\\n      \
    --username streamgate --password \"$PASSWORD\" --duration 60 --rate 50 --concurrency 16\n  \
    streamgate post --count 1000 --reuse-ids --json    # idempotency: fewer items than requests\n  \
    streamgate post --format records --batch 100 --count 10000   # PutRecords through /streams\n  \
    streamgate post --format kafka-rest --batch 10 --count 300   # the Kafka REST route")]
pub struct PostArgs {
    /// Base URL of the API (the local stage, or the stack's ApiEndpoint output).
    #[arg(long, env = "STREAMGATE_URL", default_value = crate::aws::LOCAL_API)]
    pub url: String,
    /// The stream of `submit` and `records` (the `{streamName}` of their paths).
    #[arg(long, env = "STREAMGATE_STREAM", default_value = crate::aws::LOCAL_STREAM)]
    pub stream: String,
    /// The topic prefix of `kafka-rest`: records go to `<prefix>.pin`, `.geo` and `.user`.
    #[arg(long, env = "STREAMGATE_TOPIC_PREFIX", default_value = crate::aws::LOCAL_STACK)]
    pub topic_prefix: String,
    /// Basic-auth username.
    #[arg(long, env = "STREAMGATE_USERNAME", default_value = crate::aws::DEFAULT_USERNAME)]
    pub username: String,
    /// Basic-auth password.
    #[arg(long, env = "STREAMGATE_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// How records travel: `submit` (one per POST /submit/{stream}/{eventId}), `records` (batches
    /// through PUT /streams/{stream}/records) or `kafka-rest` (batches per kind to POST
    /// /topics/<prefix>.<kind>, REST Proxy v2 JSON).
    #[arg(long, value_enum, default_value_t = Format::Submit)]
    pub format: Format,
    /// Records per request with `records` and `kafka-rest` (1 to 500, PutRecords' limit).
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

/// The eventId of record `index`.
fn event_id(args: &PostArgs, run: &str, index: u64, count: u64) -> String {
    let kind = args.kind.of(index).as_str();
    if args.reuse_ids {
        format!("{kind}-shared-{}", index % (count / 3).max(1))
    } else {
        format!("{kind}-{run}-{index:07}")
    }
}

/// Runs the posting emulator and prints its summary; exits non-zero when any request or record
/// failed.
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
    let sender = Sender {
        client: HttpClient::new()?,
        base: args.url.trim_end_matches('/').to_string(),
        stream: args.stream.clone(),
        topic_prefix: args.topic_prefix.clone(),
        authorization: httpclient::basic(&args.username, &args.password),
        format: args.format,
    };
    let per_request = if args.format == Format::Submit {
        1
    } else {
        args.batch.max(1)
    };
    let tally = Arc::new(Mutex::new(Tally::new()?));
    let permits = Arc::new(Semaphore::new(args.concurrency.max(1)));
    let progress = Progress::new(&args, count.div_ceil(per_request));
    let mut generator = Generator::new(seed);
    let mut batcher = Batcher::new(args.format, args.batch);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let (mut sent, mut index) = (0u64, 0u64);
    let mut ready: Vec<Vec<Item>> = Vec::new();
    loop {
        // Same seed, same records, whatever the format: record i is generated for index i.
        while ready.is_empty() && index < count {
            let item = Item {
                event_id: event_id(&args, &run_id, index, count),
                kind: args.kind.of(index),
                record: generator.record(args.kind, index),
            };
            index += 1;
            ready.extend(batcher.push(item));
            if index == count {
                ready.extend(batcher.drain());
            }
        }
        let Some(items) = ready.pop() else { break };
        let due = match args.rate {
            Some(rate) if rate > 0.0 => started + Duration::from_secs_f64(sent as f64 / rate),
            _ => Instant::now(),
        };
        if stop_at.is_some_and(|limit| due.duration_since(started) >= limit) {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let permit = Arc::clone(&permits).acquire_owned().await?;
        let (sender, tally, progress) = (sender.clone(), Arc::clone(&tally), progress.clone());
        tasks.spawn(async move {
            let records = items.len() as u64;
            let delivered = sender.send(items).await;
            // Open loop: latency counts from when the request was due.
            let latency = due.elapsed();
            drop(permit);
            let mut tally = tally.lock().await;
            let outcome = Outcome {
                target: delivered.target,
                records,
                first: delivered.first,
                failed: delivered.failed,
                retried: delivered.retried,
                latency_micros: u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
            };
            if tally.add(outcome).is_ok() {
                progress.tick(&tally);
            }
        });
        sent += 1;
        // Reap finished requests as we go, so a long run does not hold every handle.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let seconds = started.elapsed().as_secs_f64();
    progress.finish();
    let summary = tally.lock().await.summary(sent, seconds);
    Ok(summary)
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
        let (done, failed) = tally.progress();
        match self {
            Progress::Bar(bar) => {
                bar.inc(1);
                bar.set_message(format!("{failed} failed"));
            }
            Progress::Lines(last) => {
                let mut last = last.lock();
                if last.elapsed() >= Duration::from_secs(5) {
                    *last = Instant::now();
                    eprintln!("posted {done}: {} ok, {failed} failed", done - failed);
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
            topic_prefix: "t".into(),
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
}
