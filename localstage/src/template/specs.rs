//! The typed specs of what the local stage emulates: one struct per resource kind, named fields.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

/// One route of the HTTP API.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// `POST`, `GET`, ...
    pub method: String,
    /// The OpenAPI path, e.g. `/submit/{streamName}/{eventId}`.
    pub path: String,
    /// Authorizer name, when the route is authorized.
    pub authorizer: Option<String>,
    /// What serves it.
    pub integration: Integration,
}

impl Route {
    /// The route key as API Gateway spells it (`POST /submit/{streamName}/{eventId}`).
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A route's integration (`x-amazon-apigateway-integration`).
#[derive(Debug, Clone, PartialEq)]
pub enum Integration {
    /// The `Kinesis-PutRecord` AWS service integration.
    KinesisPutRecord {
        /// The request parameters (unresolved mapping expressions).
        request_parameters: BTreeMap<String, String>,
        /// Logical id of the role the integration assumes.
        credentials_role: Option<String>,
    },
    /// A Lambda proxy integration (`aws_proxy` with a function's invocation URI).
    LambdaProxy {
        /// Logical id of the function.
        function: String,
        /// `payloadFormatVersion` (`1.0` or `2.0`).
        payload_format_version: String,
    },
    /// An HTTP proxy integration (payload format 1.0).
    HttpProxy {
        /// The backend URL, parameters resolved; `{name}` stands for a path parameter.
        uri: String,
        /// `httpMethod` (`ANY` = the request's method).
        method: String,
        /// `timeoutInMillis` (HTTP APIs: 50 ms to 30 s, default 30 s).
        timeout: std::time::Duration,
    },
    /// Something the local stage does not emulate (answered with a 500), described.
    NotEmulated(String),
}

/// A Lambda authorizer of the HTTP API.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizerSpec {
    /// Its name in the template.
    pub name: String,
    /// Logical id of the function.
    pub function: String,
    /// Identity source headers (lowercase).
    pub identity_headers: Vec<String>,
    /// Identity source context variables (`routeKey`, `path`: `$context.<name>`), part of the cache
    /// key beside the headers.
    pub identity_context: Vec<String>,
    /// Result cache TTL in seconds (0 = off).
    pub ttl_seconds: u64,
    /// `AuthorizerPayloadFormatVersion`.
    pub payload_format_version: String,
    /// `EnableSimpleResponses`.
    pub simple_responses: bool,
}

/// A function's `LoggingConfig`, with Lambda's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggingSpec {
    /// `LogFormat` is `JSON` (otherwise `Text`).
    pub json: bool,
    /// `ApplicationLogLevel` (JSON format only).
    pub application_level: Option<String>,
    /// `SystemLogLevel` (JSON format only; Lambda's default is INFO).
    pub system_level: String,
}

impl LoggingSpec {
    /// Whether Lambda writes platform records (start, report) at this `SystemLogLevel`: they are
    /// INFO records, so WARN and ERROR drop them.
    pub fn platform_info(&self) -> bool {
        !self.json || matches!(self.system_level.as_str(), "DEBUG" | "INFO")
    }
}

/// A function of the template.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSpec {
    /// Logical id.
    pub logical_id: String,
    /// The cargo binary (`Metadata.BuildProperties.Binary`).
    pub binary: String,
    /// Environment variables, unresolved.
    pub environment: BTreeMap<String, Json>,
    /// Timeout in seconds.
    pub timeout_seconds: u64,
    /// Memory size in MB.
    pub memory_mb: u64,
    /// `LoggingConfig`.
    pub logging: LoggingSpec,
}

/// The event source mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingSpec {
    /// Logical id of the function it invokes.
    pub function: String,
    /// Logical id of the stream it reads.
    pub stream: String,
    /// `TRIM_HORIZON` or `LATEST`.
    pub starting_position: String,
    /// Most records per batch.
    pub batch_size: usize,
    /// Longest wait to fill a batch.
    pub batching_window_seconds: u64,
    /// Concurrent batches per shard.
    pub parallelization_factor: u64,
    /// Retries before the on-failure destination (-1 = infinite).
    pub maximum_retry_attempts: i64,
    /// Oldest record age before the on-failure destination (-1 = infinite).
    pub maximum_record_age_seconds: i64,
    /// Split the batch on function errors.
    pub bisect_on_error: bool,
    /// `ReportBatchItemFailures` is on.
    pub report_batch_item_failures: bool,
    /// Logical id of the on-failure queue.
    pub on_failure_queue: Option<String>,
}

/// The Kinesis stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSpec {
    /// Logical id.
    pub logical_id: String,
    /// Its name (the template's `Name`, else `<stack>-<logical id>`).
    pub name: String,
    /// `ShardCount`.
    pub shard_count: usize,
}

/// The DynamoDB table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    /// Logical id.
    pub logical_id: String,
    /// The HASH key attribute (type S).
    pub hash_key: String,
}

/// The SQS queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSpec {
    /// Logical id.
    pub logical_id: String,
    /// Queue attributes the template sets that change behaviour (`MaximumMessageSize`,
    /// `MessageRetentionPeriod`, `VisibilityTimeout`), as SQS takes them.
    pub attributes: BTreeMap<String, String>,
}

/// The generated credentials secret.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretSpec {
    /// Logical id.
    pub logical_id: String,
    /// The fixed part of the generated JSON (`SecretStringTemplate`: the username).
    pub fixed: Map<String, Json>,
    /// The generated key (`GenerateStringKey`: the password).
    pub generated_key: String,
}

/// Rotation of the credentials secret by one of the template's functions: the function Secrets
/// Manager may invoke (its `AWS::Lambda::Permission` for `secretsmanager.amazonaws.com`) and, when
/// the template schedules rotations, the `AWS::SecretsManager::RotationSchedule`. The stage schedules
/// nothing: a rotation runs when asked (`streamgate credentials rotate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationSpec {
    /// Logical id of the rotation function (one of [`super::Plan::functions`]).
    pub function: String,
    /// Logical id of the secret it rotates (the schedule's `SecretId`, else the permission's
    /// `SourceArn`), when the template names one.
    pub secret: Option<String>,
    /// `RotationRules.AutomaticallyAfterDays` of the schedule (`None`: no schedule in these
    /// parameters, or a `ScheduleExpression`).
    pub automatically_after_days: Option<u64>,
}
