//! Lambda, emulated: each function runs as one process (one execution environment, one invocation
//! at a time) polling its own Runtime API ([`runtime_api`]); [`host::FunctionHost`] starts, times out
//! and replaces the process as Lambda does; the two meet in the invocation hand-off ([`handoff`]) and
//! write to the function's logs ([`logs`]); [`invoke_api`] is the standard invoke endpoint;
//! [`report`] writes the platform records.

mod handoff;
pub mod host;
pub mod invoke_api;
mod logs;
pub mod report;
pub mod runtime_api;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;

pub use host::FunctionHost;
pub use report::Report;

use crate::template::LoggingSpec;

/// How a failed invocation failed (`X-Amz-Function-Error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionError {
    /// The function returned an error through the Runtime API.
    Handled,
    /// The process crashed, failed to initialise, or timed out.
    Unhandled,
}

impl FunctionError {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionError::Handled => "Handled",
            FunctionError::Unhandled => "Unhandled",
        }
    }
}

/// The result of one invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The function's response payload.
    Response(Bytes),
    /// The function failed; the body is Lambda's error JSON.
    Error(FunctionError, Bytes),
}

/// How to run one function.
#[derive(Debug, Clone)]
pub struct FunctionConfig {
    /// Logical id in the template.
    pub logical_id: String,
    /// The cargo binary name (also accepted as the function name by the invoke API).
    pub binary: String,
    /// The local function name.
    pub name: String,
    /// The local function ARN.
    pub arn: String,
    /// Path of the executable.
    pub program: PathBuf,
    /// The process environment (template variables, emulator endpoint, Lambda variables).
    pub environment: BTreeMap<String, String>,
    /// Timeout.
    pub timeout: Duration,
    /// Memory size in MB (reported, not enforced).
    pub memory_mb: u64,
    /// `LoggingConfig`: the format and level of the platform records.
    pub logging: LoggingSpec,
}

/// The variables Lambda itself sets in a function's environment (the Runtime API's address is
/// added per process).
pub fn reserved_environment(name: &str, memory_mb: u64, logging: &LoggingSpec) -> Vec<(&'static str, String)> {
    let mut variables = vec![
        ("AWS_LAMBDA_FUNCTION_NAME", name.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_string()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory_mb.to_string()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
        // As Lambda spells them: `JSON` or `Text`.
        (
            "AWS_LAMBDA_LOG_FORMAT",
            if logging.json { "JSON" } else { "Text" }.to_string(),
        ),
    ];
    if let Some(level) = &logging.application_level {
        variables.push(("AWS_LAMBDA_LOG_LEVEL", level.clone()));
    }
    variables
}

/// Lambda's error JSON.
pub(crate) fn error_body(kind: &str, message: &str) -> Bytes {
    Bytes::from(serde_json::json!({"errorType": kind, "errorMessage": message}).to_string())
}
