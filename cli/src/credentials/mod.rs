//! `streamgate credentials`: the API's named clients, in the credentials secret of a stack
//! (`--stack`) or of the local stage (the default, no environment variables needed).
//!
//! - `list`, `show NAME`: read `AWSCURRENT`; a password is printed only by `show --reveal`.
//! - `add NAME [--routes ...]`, `remove NAME`: write a new version through the rotation's own four
//!   steps ([`clients::steps::apply`]), so a change from here is checked exactly as a scheduled
//!   rotation is, and one that would leave no client is refused ([`edit`]).
//! - `rotate NAME|--all`: invokes the stack's rotation function with the four steps ([`rotate`]).

mod edit;
mod print;
mod rotate;
mod target;

use clients::RoutePattern;

use crate::aws::Endpoints;
use target::Target;

/// Arguments of `streamgate credentials`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without --stack it acts on the local stage (make local) and needs no environment variables.\n\
    Examples:\n  streamgate credentials list\n  \
    streamgate credentials add partner --routes 'POST /submit/orders-*/*' 'GET /streams'\n  \
    streamgate credentials show partner --reveal\n  \
    streamgate credentials rotate partner\n  \
    streamgate credentials --stack streamgate rotate --all\n  \
    streamgate credentials remove partner"
)]
pub struct CredentialsArgs {
    #[command(subcommand)]
    command: CredentialsCommand,
    /// Act on this CloudFormation stack (its CredentialsSecretArn and RotationFunctionName outputs)
    /// instead of the local stage.
    #[arg(long, global = true, env = "STREAMGATE_STACK")]
    stack: Option<String>,
    /// The credentials secret (name or ARN), instead of the stack's or the local stage's.
    #[arg(long, global = true)]
    secret: Option<String>,
    /// The rotation function, instead of the stack's or the local stage's.
    #[arg(long, global = true)]
    rotation_function: Option<String>,
    #[command(flatten)]
    endpoints: Endpoints,
}

#[derive(Debug, clap::Subcommand)]
enum CredentialsCommand {
    /// The clients: names and routes (never passwords).
    List,
    /// One client; its password only with --reveal.
    Show {
        /// The client's username.
        name: String,
        /// Print the password.
        #[arg(long)]
        reveal: bool,
    },
    /// Add a client with a generated password.
    Add {
        /// The client's username (also its name in logs and metrics).
        name: String,
        /// The routes it may call, e.g. 'POST /submit/orders-*/*' 'GET /streams' (default: every route).
        #[arg(long, num_args = 1.., value_parser = parse_route)]
        routes: Vec<RoutePattern>,
        /// Print the generated password.
        #[arg(long)]
        reveal: bool,
    },
    /// Remove a client (refused for the last one).
    Remove {
        /// The client's username.
        name: String,
    },
    /// New passwords, by the stack's rotation function (Secrets Manager's four steps); the old ones
    /// keep working for PreviousCredentialsGraceMinutes.
    Rotate {
        /// The clients to rotate, in one new version: rotate several at once rather than one after
        /// the other, since a second change within PreviousCredentialsGraceMinutes ends the grace of
        /// the first one's old passwords.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        names: Vec<String>,
        /// Rotate every client (what a scheduled rotation does).
        #[arg(long)]
        all: bool,
    },
}

fn parse_route(text: &str) -> Result<RoutePattern, String> {
    RoutePattern::parse(text).map_err(|e| e.to_string())
}

/// Runs `streamgate credentials`.
pub async fn run(args: CredentialsArgs) -> anyhow::Result<()> {
    let target = Target::resolve(
        &args.endpoints,
        args.stack.as_deref(),
        args.secret.as_deref(),
        args.rotation_function.as_deref(),
    )
    .await?;
    let text = match args.command {
        CredentialsCommand::List => edit::list(&target).await?,
        CredentialsCommand::Show { name, reveal } => edit::show(&target, &name, reveal).await?,
        CredentialsCommand::Add { name, routes, reveal } => {
            let routes = (!routes.is_empty()).then_some(routes);
            edit::add(&target, &name, routes, reveal).await?
        }
        CredentialsCommand::Remove { name } => edit::remove(&target, &name).await?,
        CredentialsCommand::Rotate { names, .. } => rotate::run(&target, names).await?,
    };
    print!("{text}");
    Ok(())
}
