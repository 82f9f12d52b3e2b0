//! CloudWatch Embedded Metric Format (EMF): metrics written as one JSON log line, which CloudWatch
//! Logs turns into metrics without any API call.
//!
//! The shape is the one Powertools for AWS Lambda writes: one dimension set `[["service"]]`, the
//! service as a top-level member, each metric's value as a top-level member named like the metric:
//!
//! ```json
//! {"_aws":{"Timestamp":1764051234000,"CloudWatchMetrics":[{"Namespace":"streamgate",
//!   "Dimensions":[["service"]],"Metrics":[{"Name":"Allowed","Unit":"Count"}]}]},
//!  "service":"authorizer","Allowed":1}
//! ```
//!
//! The line must reach CloudWatch Logs as a top-level JSON object, so it goes to stdout on its own
//! ([`StdoutSink`]), not through `tracing`, whose JSON formatter would nest it under `fields`.
//! Lambda sends a custom runtime's stdout lines to CloudWatch Logs as they are, with either log
//! format, and does not re-encode a line that already is JSON.
//!
//! [`MetricRecord`] is a pure builder; [`Document`] is the line's shape as a serde type, written by
//! the builder and read back by tests (a renamed member fails to compile, not to match); a
//! [`MetricsSink`] takes the finished line ([`MemorySink`] keeps them for tests).

mod document;
mod metrics;
mod namespace;
mod record;
mod sink;

pub use document::{Directive, Document, Member, Metadata, MetricDefinition};
pub use metrics::Metrics;
pub use namespace::{DEFAULT_NAMESPACE, Namespace, NamespaceError};
pub use record::{MetricRecord, Unit};
pub use sink::{MemorySink, MetricsSink, NullSink, StdoutSink};
