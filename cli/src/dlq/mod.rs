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

pub mod message;
mod redrive;

use std::collections::HashSet;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use chrono::{TimeZone, Utc};
use message::{DeadLetter, overview};

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

/// Where the commands act, and the clients to act there.
pub(crate) struct Targets {
    pub(crate) queue_url: String,
    pub(crate) stream: String,
    pub(crate) function: String,
    pub(crate) sqs: aws_sdk_sqs::Client,
    pub(crate) kinesis: aws_sdk_kinesis::Client,
    pub(crate) lambda: aws_sdk_lambda::Client,
}

/// One received message.
pub(crate) struct Received {
    pub(crate) receipt: String,
    pub(crate) body: String,
    pub(crate) letter: DeadLetter,
    pub(crate) sent: Option<chrono::DateTime<Utc>>,
}

impl Targets {
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

    /// Every message now in the queue, held invisible for `hold`.
    pub(crate) async fn receive_all(&self, hold: Duration) -> anyhow::Result<Vec<Received>> {
        let mut received = Vec::new();
        let mut empty = 0;
        // Two empty answers in a row: SQS answers from a subset of its servers, an empty answer
        // alone does not prove the queue is empty.
        while empty < 2 {
            let answer = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .visibility_timeout(i32::try_from(hold.as_secs()).unwrap_or(i32::MAX))
                .wait_time_seconds(0)
                .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
                .send()
                .await
                .context("receiving dead-letter messages")?;
            let messages = answer.messages();
            if messages.is_empty() {
                empty += 1;
                continue;
            }
            empty = 0;
            for message in messages {
                let (Some(receipt), Some(body)) = (message.receipt_handle(), message.body()) else {
                    continue;
                };
                let sent = message
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::SentTimestamp))
                    .and_then(|ms| ms.parse::<i64>().ok())
                    .and_then(|ms| Utc.timestamp_millis_opt(ms).single());
                received.push(Received {
                    receipt: receipt.to_string(),
                    body: body.to_string(),
                    letter: DeadLetter::parse(body),
                    sent,
                });
            }
        }
        Ok(received)
    }

    /// Makes messages visible again (the ones a command keeps).
    pub(crate) async fn release(&self, messages: &[&Received]) {
        for message in messages {
            // Best effort: an unreleased message reappears when its visibility timeout ends.
            let _ = self
                .sqs
                .change_message_visibility()
                .queue_url(&self.queue_url)
                .receipt_handle(&message.receipt)
                .visibility_timeout(0)
                .send()
                .await;
        }
    }

    /// Deletes messages; returns how many were deleted.
    pub(crate) async fn delete(&self, messages: &[&Received]) -> anyhow::Result<usize> {
        let mut deleted = 0;
        for chunk in messages.chunks(10) {
            let entries: Vec<DeleteMessageBatchRequestEntry> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, m)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(&m.receipt)
                        .build()
                        .ok()
                })
                .collect();
            let answer = self
                .sqs
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .context("deleting dead-letter messages")?;
            deleted += answer.successful().len();
        }
        Ok(deleted)
    }

    /// The stream's retention in hours (24 when it cannot be read).
    pub(crate) async fn retention_hours(&self, stream: &str) -> i64 {
        self.kinesis
            .describe_stream_summary()
            .stream_name(stream)
            .send()
            .await
            .ok()
            .and_then(|s| {
                s.stream_description_summary()
                    .map(|d| i64::from(d.retention_period_hours()))
            })
            .unwrap_or(24)
    }
}

/// Runs `streamgate dlq`; exits non-zero when anything was lost or failed.
pub async fn run(args: DlqArgs) -> anyhow::Result<()> {
    let targets = Targets::resolve(&args).await?;
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
    let letters: Vec<DeadLetter> = received.iter().map(|r| r.letter.clone()).collect();
    let overview = overview(&letters, |b| message::retained(b.first_arrival, retention, now));
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
        if let DeadLetter::Poison(poison) = &message.letter
            && message.letter.key().is_some_and(|key| seen.insert(key))
        {
            lines.push(poison.message.to_string());
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
            (PurgeKind::All, _) | (PurgeKind::Poison, DeadLetter::Poison(_)) | (PurgeKind::Batch, DeadLetter::Batch(_))
        )
    });
    let deleted = targets.delete(&doomed).await?;
    targets.release(&kept).await;
    println!("{deleted} messages deleted, {} kept", kept.len());
    Ok(())
}
