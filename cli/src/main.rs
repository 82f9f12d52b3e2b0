//! `streamgate`: the local stage and tools around the API.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use streamgate::local::{Options, Stage};

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
        streamgate local --parameter-overrides BatchSize=10 AuthorizerCacheTtlSeconds=0")]
    Local(LocalArgs),
    /// Emulate users posting pin, geo and user records to the API (a load generator). Exits non-zero
    /// when any request did not get a 2xx.
    Post(streamgate::post::PostArgs),
    /// Print one item of the events table (DynamoDB JSON), e.g. after a submit to the local stage.
    #[command(after_help = "Examples:\n  streamgate item evt-0001\n  \
        streamgate item evt-0001 --endpoint http://127.0.0.1:5000 --table streamgate-local-EventsTable")]
    Item(ItemArgs),
}

#[derive(clap::Args)]
struct ItemArgs {
    /// The eventId (the table's hash key).
    event_id: String,
    /// The emulator endpoint (the local stage starts moto on port 5000).
    #[arg(long, env = "AWS_ENDPOINT_URL", default_value = "http://127.0.0.1:5000")]
    endpoint: String,
    /// The table.
    #[arg(long, default_value = "streamgate-local-EventsTable")]
    table: String,
}

#[derive(clap::Args)]
struct LocalArgs {
    /// The SAM template to emulate.
    #[arg(long, default_value_os_t = motoserver::workspace_root().join("template.yaml"))]
    template: PathBuf,
    /// HTTP API port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Invoke API port on 127.0.0.1 (`cargo lambda invoke -P PORT`).
    #[arg(long, default_value_t = 9000)]
    invoke_port: u16,
    /// Use this emulator instead of starting moto server.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    endpoint: Option<String>,
    /// Port of the moto server the stage starts (0 = any free port).
    #[arg(long, default_value_t = 5000)]
    moto_port: u16,
    /// Directory of the built `authorizer` and `consumer` executables.
    #[arg(long, default_value_os_t = motoserver::workspace_root().join("target/debug"))]
    bin_dir: PathBuf,
    /// Fixed username (default: the template's Username parameter).
    #[arg(long, env = "STREAMGATE_USERNAME")]
    username: Option<String>,
    /// Fixed password (default: generated).
    #[arg(long, env = "STREAMGATE_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Template parameters, as `sam deploy --parameter-overrides`: Name=Value ...
    #[arg(long, num_args = 1.., value_parser = parse_override)]
    parameter_overrides: Vec<(String, String)>,
    /// Print only the banner and errors, not function output and request lines.
    #[arg(long)]
    quiet: bool,
}

fn parse_override(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected Name=Value, got {text:?}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    match Cli::parse().command {
        Command::Local(args) => local(args).await,
        Command::Item(args) => item(args).await,
        Command::Post(args) => {
            let json = args.json;
            let summary = streamgate::post::run(args).await?;
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
    }
}

async fn item(args: ItemArgs) -> anyhow::Result<()> {
    let sdk = streamgate::local::sdk_config(&args.endpoint).await;
    let output = aws_sdk_dynamodb::Client::new(&sdk)
        .get_item()
        .table_name(&args.table)
        .key(
            "eventId",
            aws_sdk_dynamodb::types::AttributeValue::S(args.event_id.clone()),
        )
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(e)))
        .with_context(|| format!("reading {} from {} at {}", args.event_id, args.table, args.endpoint))?;
    match output.item() {
        Some(item) => {
            println!("{}", serde_json::to_string_pretty(&streamgate::item::item_json(item))?);
            Ok(())
        }
        None => anyhow::bail!("no item with eventId {} in {}", args.event_id, args.table),
    }
}

async fn local(args: LocalArgs) -> anyhow::Result<()> {
    let options = Options {
        template: args.template,
        gateway_addr: SocketAddr::from(([127, 0, 0, 1], args.port)),
        invoke_addr: SocketAddr::from(([127, 0, 0, 1], args.invoke_port)),
        endpoint: args.endpoint,
        moto_port: args.moto_port,
        bin_dir: args.bin_dir,
        username: args.username,
        password: args.password,
        parameter_overrides: args.parameter_overrides.into_iter().collect::<BTreeMap<_, _>>(),
        environment_overrides: Vec::new(),
        verbose: !args.quiet,
    };
    let stage = Stage::start(options).await.context("starting the local stage")?;
    println!("{}", stage.banner());
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing the SIGTERM handler")?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    println!("stopping the local stage...");
    stage.stop().await;
    Ok(())
}
