//! `streamgate local`: the local stage until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use localstage::credentials::ClientSeed;
use localstage::{Options, Stage};

/// Arguments of `streamgate local`.
#[derive(clap::Args)]
pub struct LocalArgs {
    /// The SAM template to emulate.
    #[arg(long, default_value_os_t = motoserver::workspace_root().join("template.yaml"))]
    template: PathBuf,
    /// HTTP API port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = crate::aws::LOCAL_API_PORT)]
    port: u16,
    /// Invoke API port on 127.0.0.1 (`cargo lambda invoke -P PORT`).
    #[arg(long, default_value_t = crate::aws::LOCAL_INVOKE_PORT)]
    invoke_port: u16,
    /// Use this emulator instead of starting moto server.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    endpoint: Option<String>,
    /// Port of the moto server the stage starts (0 = any free port).
    #[arg(long, default_value_t = crate::aws::LOCAL_EMULATOR_PORT)]
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
    /// A named client with a generated password (repeatable), instead of the single user: NAME may
    /// call every route, NAME:ROUTES only the `,`-separated route patterns, e.g.
    /// --client 'partner:POST /submit/orders-*/*,GET /streams' --client ops
    #[arg(long = "client", value_name = "NAME[:ROUTES]", value_parser = parse_client)]
    clients: Vec<ClientSeed>,
    /// Template parameters, as `sam deploy --parameter-overrides`: Name=Value ... (checked against
    /// the template's constraints).
    #[arg(long, num_args = 1.., value_parser = parse_override)]
    parameter_overrides: Vec<(String, String)>,
    /// Print only the banner and errors, not function output and request lines.
    #[arg(long)]
    quiet: bool,
    /// Do not start the Kafka broker (the /topics routes are then absent, unless
    /// --parameter-overrides names a Kafka (KafkaBootstrapServers=...) or a REST Proxy
    /// (KafkaRestProxyUrl=...)).
    #[arg(long)]
    no_kafka: bool,
    /// Serve /topics in the template's REST Proxy mode (HTTP proxy integrations to the topics
    /// function's core served over plain HTTP) instead of running the topics function.
    #[arg(long, conflicts_with = "no_kafka")]
    kafka_rest_proxy: bool,
    /// Port of the Kafka broker the stage starts (0 = any free port).
    #[arg(long, default_value_t = 9092)]
    kafka_port: u16,
    /// Topics to create (default: streamgate-local.pin, .geo and .user).
    #[arg(long, value_delimiter = ',')]
    kafka_topics: Vec<String>,
}

fn parse_client(text: &str) -> Result<ClientSeed, String> {
    ClientSeed::parse(text).map_err(|e| e.to_string())
}

fn parse_override(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected Name=Value, got {text:?}"))
}

/// Runs the stage until Ctrl-C or SIGTERM.
pub async fn run(args: LocalArgs) -> anyhow::Result<()> {
    if !args.clients.is_empty() && (args.username.is_some() || args.password.is_some()) {
        // `streamgate post` reads the same variables: say why they will not work here.
        eprintln!(
            "warning: --client given: STREAMGATE_USERNAME/STREAMGATE_PASSWORD (--username/--password) are not \
             seeded; use a client's credentials (streamgate credentials show NAME --reveal)"
        );
    }
    let options = Options {
        template: args.template,
        gateway_addr: SocketAddr::from(([127, 0, 0, 1], args.port)),
        invoke_addr: SocketAddr::from(([127, 0, 0, 1], args.invoke_port)),
        endpoint: args.endpoint,
        moto_port: args.moto_port,
        bin_dir: args.bin_dir,
        username: args.username,
        password: args.password,
        clients: args.clients,
        parameter_overrides: args.parameter_overrides.into_iter().collect(),
        verbose: !args.quiet,
        kafka: !args.no_kafka,
        kafka_mode: match args.kafka_rest_proxy {
            true => localstage::kafka_side::KafkaMode::RestProxy,
            false => localstage::kafka_side::KafkaMode::Function,
        },
        kafka_port: args.kafka_port,
        kafka_topics: args.kafka_topics,
        ..Options::for_repository()
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
