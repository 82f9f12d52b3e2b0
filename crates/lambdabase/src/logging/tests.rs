use lambda_runtime::tracing::subscriber::layer::SubscriberExt as _;
use lambda_runtime::tracing::subscriber::util::SubscriberInitExt as _;
use lambda_runtime::tracing::{Level, enabled};

use super::*;

#[test]
fn the_level_comes_from_lambda_then_rust_log_then_info() {
    let pinned = PINNED_DIRECTIVES;
    assert_eq!(filter_directives(None, None), format!("{pinned},info"));
    assert_eq!(filter_directives(None, Some("TRACE")), format!("{pinned},trace"));
    assert_eq!(filter_directives(None, Some("verbose")), format!("{pinned},info"));
    // RUST_LOG's directives win over AWS_LAMBDA_LOG_LEVEL, as with lambda_runtime's subscriber.
    assert_eq!(
        filter_directives(Some("debug"), Some("ERROR")),
        format!("{pinned},debug")
    );
    assert_eq!(
        filter_directives(Some("consumer=debug,info"), None),
        format!("{pinned},consumer=debug,info")
    );
    // Nothing readable in RUST_LOG: the level, and the unreadable part left for the filter to report.
    assert_eq!(filter_directives(Some("=="), Some("warn")), format!("{pinned},==,warn"));
    // Set but empty, RUST_LOG reads as a level: ERROR (tracing's reading of "").
    assert_eq!(filter_directives(Some(""), None), format!("{pinned},error"));
}

/// Whether the filter built from these variables lets an event of `target` at `level` through.
fn logs(rust_log: Option<&str>, lambda_log_level: Option<&str>, target_is_sdk: bool, level: Level) -> bool {
    let filter = EnvFilter::builder().parse_lossy(filter_directives(rust_log, lambda_log_level));
    let subscriber = lambda_runtime::tracing::subscriber::registry().with(filter);
    let _default = subscriber.set_default();
    // `enabled!` needs its target and level as constants: one call site per case.
    match (target_is_sdk, level) {
        (true, Level::TRACE) => enabled!(target: "aws_smithy_runtime::client::orchestrator", Level::TRACE),
        (true, _) => enabled!(target: "aws_smithy_runtime::client::orchestrator", Level::WARN),
        (false, Level::TRACE) => enabled!(target: "consumer::handler", Level::TRACE),
        (false, _) => enabled!(target: "consumer::handler", Level::WARN),
    }
}

#[test]
fn the_sdk_stays_at_warn_even_at_trace() {
    assert!(logs(None, Some("TRACE"), false, Level::TRACE));
    assert!(!logs(None, Some("TRACE"), true, Level::TRACE));
    assert!(logs(None, Some("TRACE"), true, Level::WARN));
    assert!(!logs(Some("trace"), None, true, Level::TRACE));
    // Asked for by name, the SDK's trace logs are there.
    assert!(logs(Some("info,aws_smithy_runtime=trace"), None, true, Level::TRACE));
}
