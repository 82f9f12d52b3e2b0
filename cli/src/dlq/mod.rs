//! `streamgate dlq`: what is in the dead-letter queue, and bringing it back.
//!
//! - `list`: messages grouped (poison records by reason; batch pointers by shard, with the records
//!   they cover and whether the stream still holds them), duplicates counted. No payloads unless
//!   `--show-data`.
//! - `redrive`: for each batch pointer, reads the range from the stream and delivers it to the
//!   consumer function as a Kinesis event with the records' **original sequence numbers**, so the
//!   consumer's order guard keeps newer versions (putting them on the stream again would give them
//!   new sequence numbers and could overwrite newer data). A message is deleted only after its
//!   redrive succeeded; a range the stream no longer holds is reported as lost and its message kept.
//!   Poison records are not redriven: they can never be stored.
//! - `export`: poison records as JSON lines, deduplicated by shard and sequence number.
//! - `purge --kind poison|batch|all`: deletes those messages (after `export`).
//!
//! Every command receives messages with a visibility timeout and makes the ones it keeps visible
//! again before it ends, so a `list` hides nothing from other readers for long.

mod queue;
mod redrive;
mod retention;

use std::collections::HashSet;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;
use deadletter::{DeadLetter, Overview};
use queue::{Received, Targets};

use crate::aws::{Endpoints, LOCAL_CONSUMER, LOCAL_STREAM};

/// Arguments of `streamgate dlq`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without --stack it acts on the local stage (make local) and needs no environment variables; \
    with --stack, AWS credentials and region come from the SDK's usual configuration.\n\
    Examples:\n  streamgate dlq list\n  streamgate dlq redrive --dry-run\n  \
    streamgate dlq --stack streamgate redrive\n  streamgate dlq export --output poison.jsonl && streamgate dlq purge --kind poison"
)]
pub struct DlqArgs {
    #[command(subcommand)]
    command: DlqCommand,
    /// Read the queue, stream and consumer function from this CloudFormation stack's outputs
    /// (explicit flags override them).
    #[arg(long, global = true, env = "STREAMGATE_STACK")]
    stack: Option<String>,
    /// The dead-letter queue's URL (default: the local stage's queue).
    #[arg(long, global = true)]
    queue_url: Option<String>,
    /// The stream the batch pointers point into, when their ARN does not say (default: the local stage's).
    #[arg(long, global = true)]
    stream: Option<String>,
    /// The consumer function redriven batches are delivered to (default: the local stage's).
    #[arg(long, global = true)]
    function: Option<String>,
    #[command(flatten)]
    endpoints: Endpoints,
}

#[derive(Debug, clap::Subcommand)]
enum DlqCommand {
    /// What is in the queue, grouped, duplicates counted.
    List {
        /// Print every message's body too (poison records carry their data).
        #[arg(long)]
        show_data: bool,
        /// The overview as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Deliver the batches the pointers name to the consumer again, with their original sequence numbers.
    Redrive {
        /// Say what would be done, change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the poison records as JSON lines (deduplicated).
    Export {
        /// The file (`-` = standard output).
        #[arg(long, default_value = "-")]
        output: PathBuf,
    },
    /// Delete messages of a kind (export poison records first).
    Purge {
        /// Which messages.
        #[arg(long, value_enum)]
        kind: PurgeKind,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PurgeKind {
    Poison,
    Batch,
    All,
}

/// The queue, stream and function the arguments name, and the clients to reach them.
async fn resolve(args: &DlqArgs) -> anyhow::Result<Targets> {
    let aws = args.endpoints.connect(args.stack.as_deref()).await?;
    let queue_url = aws.queue_url(args.queue_url.as_deref()).await?;
    Ok(Targets {
        queue_url,
        stream: aws.pick(args.stream.as_deref(), "StreamName", LOCAL_STREAM)?,
        function: aws.pick(args.function.as_deref(), "ConsumerFunctionName", LOCAL_CONSUMER)?,
        sqs: aws_sdk_sqs::Client::new(&aws.sdk),
        kinesis: aws_sdk_kinesis::Client::new(&aws.sdk),
        lambda: aws.lambda,
    })
}

/// Runs `streamgate dlq`; exits non-zero when anything was lost or failed.
pub async fn run(args: DlqArgs) -> anyhow::Result<()> {
    let targets = resolve(&args).await?;
    match args.command {
        DlqCommand::List { show_data, json } => list(&targets, show_data, json).await,
        DlqCommand::Redrive { dry_run } => {
            let report = redrive::run(&targets, dry_run).await?;
            print!("{}", report.text());
            if !report.all_ok() {
                std::process::exit(1);
            }
            Ok(())
        }
        DlqCommand::Export { output } => export(&targets, &output).await,
        DlqCommand::Purge { kind } => purge(&targets, kind).await,
    }
}

async fn list(targets: &Targets, show_data: bool, json: bool) -> anyhow::Result<()> {
    let received = targets.receive_all(Duration::from_secs(60)).await?;
    let retention = targets.retention_hours(&targets.stream).await;
    let now = Utc::now();
    let overview = Overview::of(received.iter().map(|r| r.letter.as_ref()), |pointer| {
        retention::retained(retention::first_arrival(pointer), retention, now)
    });
    let oldest = received.iter().filter_map(|r| r.sent).min();
    targets.release(&received.iter().collect::<Vec<_>>()).await;
    if json {
        println!("{}", serde_json::to_string(&overview)?);
        return Ok(());
    }
    println!(
        "{} messages in {} ({} duplicates)",
        overview.messages, targets.queue_url, overview.duplicates
    );
    if let Some(oldest) = oldest {
        println!("oldest sent {} ago", humanize(now - oldest));
    }
    for (reason, count) in &overview.poison_by_reason {
        println!("  poison {reason}: {count} records (never storable: `dlq export`, then `dlq purge --kind poison`)");
    }
    for (shard, batches) in &overview.batches_by_shard {
        println!(
            "  batches {shard}: {} pointers, {} records, {} no longer in the stream (retention {retention} h)",
            batches.pointers, batches.records, batches.expired
        );
    }
    if overview.unknown > 0 {
        println!("  unknown: {} messages", overview.unknown);
    }
    if show_data {
        for message in &received {
            println!("{}", message.body);
        }
    }
    Ok(())
}

fn humanize(age: chrono::Duration) -> String {
    match age.num_seconds() {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    }
}

async fn export(targets: &Targets, output: &PathBuf) -> anyhow::Result<()> {
    let received = targets.receive_all(Duration::from_secs(60)).await?;
    let mut seen = HashSet::new();
    let mut lines = Vec::new();
    for message in &received {
        if let Some(letter @ DeadLetter::Poison(_)) = &message.letter
            && seen.insert(letter.key())
            // As received, members the type does not know included, re-encoded on one line.
            && let Ok(json) = serde_json::from_str::<serde_json::Value>(&message.body)
        {
            lines.push(json.to_string());
        }
    }
    targets.release(&received.iter().collect::<Vec<_>>()).await;
    let mut text = lines.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    if output.as_os_str() == "-" {
        std::io::stdout().write_all(text.as_bytes())?;
    } else {
        std::fs::write(output, text).with_context(|| format!("writing {}", output.display()))?;
        eprintln!("{} poison records written to {}", lines.len(), output.display());
    }
    Ok(())
}

async fn purge(targets: &Targets, kind: PurgeKind) -> anyhow::Result<()> {
    let received = targets.receive_all(Duration::from_secs(60)).await?;
    let (doomed, kept): (Vec<&Received>, Vec<&Received>) = received.iter().partition(|m| {
        matches!(
            (kind, &m.letter),
            (PurgeKind::All, _)
                | (PurgeKind::Poison, Some(DeadLetter::Poison(_)))
                | (PurgeKind::Batch, Some(DeadLetter::Batch(_)))
        )
    });
    let deleted = targets.delete(&doomed).await?;
    targets.release(&kept).await;
    println!("{deleted} messages deleted, {} kept", kept.len());
    Ok(())
}
