//! The `tracing` subscriber every function installs first, configured by Lambda's advanced logging
//! controls as lambda_runtime's default subscriber is, with the SDK's request logging pinned down.
//!
//! - Format: JSON lines when the function's log format is JSON (`AWS_LAMBDA_LOG_FORMAT`), text
//!   otherwise; no timestamps (CloudWatch Logs adds its own) and no targets.
//! - Level: `RUST_LOG`'s directives when it has any; otherwise the level of `AWS_LAMBDA_LOG_LEVEL`,
//!   else of `RUST_LOG`, else INFO.
//! - Pinned: the SDK's orchestrator (`aws_smithy_runtime`, `aws_smithy_runtime_api`) and its HTTP
//!   client (`hyper`) log at WARN and above even at TRACE: at DEBUG and TRACE they log request and
//!   response bodies, which are the records clients sent and the credentials secret. A `RUST_LOG`
//!   directive naming one of these targets still wins, for a deliberate debugging session.

use std::str::FromStr;

use lambda_runtime::tracing::subscriber::filter::{Directive, EnvFilter, LevelFilter};

/// The directives that keep request and response bodies out of the logs at any level.
pub const PINNED_DIRECTIVES: &str = "aws_smithy_runtime=warn,aws_smithy_runtime_api=warn,hyper=warn";

/// Installs the subscriber for the process (once, before anything logs).
pub fn init() {
    let var = |name| std::env::var(name).ok();
    let json = var("AWS_LAMBDA_LOG_FORMAT").is_some_and(|format| format.eq_ignore_ascii_case("json"));
    let filter = EnvFilter::builder().parse_lossy(filter_directives(
        var("RUST_LOG").as_deref(),
        var("AWS_LAMBDA_LOG_LEVEL").as_deref(),
    ));
    let subscriber = lambda_runtime::tracing::subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(filter)
        .with_writer(std::io::stdout);
    // Fails only when a subscriber is already installed, which then keeps logging.
    let _ = if json {
        subscriber.json().try_init()
    } else {
        subscriber.try_init()
    };
}

/// The filter's directives for these values of `RUST_LOG` and `AWS_LAMBDA_LOG_LEVEL`: the pinned
/// ones first, so that a later directive for the same target (from `RUST_LOG`) replaces them.
pub fn filter_directives(rust_log: Option<&str>, lambda_log_level: Option<&str>) -> String {
    let directives = rust_log.unwrap_or_default();
    let has_directives = directives
        .split(',')
        .any(|directive| !directive.is_empty() && Directive::from_str(directive).is_ok());
    if has_directives {
        return format!("{PINNED_DIRECTIVES},{directives}");
    }
    // As lambda_runtime reads it: an empty RUST_LOG is a level too (tracing reads "" as ERROR).
    let level = LevelFilter::from_str(lambda_log_level.or(rust_log).unwrap_or("INFO")).unwrap_or(LevelFilter::INFO);
    // RUST_LOG's unreadable directives stay in, so that the filter still reports them on stderr.
    [PINNED_DIRECTIVES, directives, &level.to_string()]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests;
