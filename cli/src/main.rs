//! `streamgate`: the local stage and tools around the API. Each subcommand owns its arguments and
//! its `run`.

mod aws;
mod credentials;
mod dlq;
mod item;
mod local;
mod post;
mod smoke;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "streamgate",
    version,
    about = "streamgate: an authenticated ingestion endpoint on AWS serverless"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole pipeline on this machine, from template.yaml: moto server, the real function
    /// binaries behind a Lambda Runtime API, the HTTP API and the event source mapping.
    #[command(after_help = "Examples:\n  streamgate local\n  \
        STREAMGATE_USERNAME=me STREAMGATE_PASSWORD=secret streamgate local --port 3001\n  \
        streamgate local --client 'partner:POST /submit/streamgate-local-*/*,GET /streams' --client ops\n  \
        streamgate local --parameter-overrides BatchSize=10 AuthorizerCacheTtlSeconds=0")]
    Local(local::LocalArgs),
    /// Emulate users posting pin, geo and user records to the API (a load generator). Exits non-zero
    /// when any request did not get a 2xx.
    Post(post::PostArgs),
    /// Print one item of the events table (DynamoDB JSON), e.g. after a submit to the local stage.
    #[command(after_help = "Examples:\n  streamgate item evt-0001\n  \
        streamgate item evt-0001 --endpoint http://127.0.0.1:5000 --table streamgate-local-EventsTable")]
    Item(item::ItemArgs),
    /// Inspect the dead-letter queue and redrive failed batches in order (local stage or deployed
    /// stack). Exits non-zero when anything was lost or failed.
    Dlq(dlq::DlqArgs),
    /// The API's clients in the credentials secret (local stage or deployed stack): list, add, show,
    /// remove, rotate. Passwords are printed only with --reveal.
    Credentials(credentials::CredentialsArgs),
    /// Check a deployed stack (or the local stage) end to end: 401, 403, a submit, the record in the
    /// stream byte for byte, the item with exact numbers, a poison record dead-lettered.
    Smoke(smoke::SmokeArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The Kafka client's connection chatter stays out of the stage's terminal unless asked for
    // (RUST_LOG=rskafka=info).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rskafka=warn"));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_env_filter(filter)
        .init();
    match Cli::parse().command {
        Command::Local(args) => local::run(args).await,
        Command::Item(args) => item::run(args).await,
        Command::Post(args) => post::run(args).await,
        Command::Dlq(args) => dlq::run(args).await,
        Command::Smoke(args) => smoke::run(args).await,
        Command::Credentials(args) => credentials::run(args).await,
    }
}
