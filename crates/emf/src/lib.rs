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
//! [`MetricRecord`] is a pure builder; a [`MetricsSink`] takes the finished line ([`MemorySink`]
//! keeps them for tests).

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

/// The namespace when none is configured (the template parameter `MetricsNamespace`'s default).
pub const DEFAULT_NAMESPACE: &str = "streamgate";

/// A valid CloudWatch metric namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace(String);

/// Why a string is not a CloudWatch namespace.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NamespaceError {
    /// Empty, whitespace only, or over 255 characters.
    #[error("a metrics namespace must be 1 to 255 characters with at least one that is not a space")]
    Length,
    /// A character outside letters, digits, space and `. - _ / # :`.
    #[error("a metrics namespace may hold only letters, digits, spaces and . - _ / # :")]
    Character,
    /// `AWS/` is reserved for AWS's own metrics.
    #[error("a metrics namespace must not start with AWS/ (reserved for AWS services)")]
    Reserved,
}

impl Namespace {
    /// Checks `text` against CloudWatch's rules for namespaces.
    pub fn parse(text: &str) -> Result<Namespace, NamespaceError> {
        if text.is_empty() || text.len() > 255 || text.trim().is_empty() {
            return Err(NamespaceError::Length);
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || " .-_/#:".contains(c);
        if !text.chars().all(allowed) {
            return Err(NamespaceError::Character);
        }
        if text.starts_with("AWS/") {
            return Err(NamespaceError::Reserved);
        }
        Ok(Namespace(text.to_owned()))
    }

    /// The namespace's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Namespace {
    fn default() -> Self {
        Namespace(DEFAULT_NAMESPACE.to_owned())
    }
}

/// A metric's unit, as CloudWatch spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// `Count`.
    Count,
    /// `Milliseconds`.
    Milliseconds,
}

impl Unit {
    /// CloudWatch's name of the unit.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

/// The metrics of one invocation, for one namespace and service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricRecord {
    namespace: Namespace,
    service: String,
    dimension: Option<(&'static str, String)>,
    metrics: Vec<(&'static str, Unit, u64)>,
}

impl MetricRecord {
    /// An empty record of `service` (the value of the `service` dimension) in `namespace`.
    pub fn new(namespace: Namespace, service: impl Into<String>) -> Self {
        MetricRecord {
            namespace,
            service: service.into(),
            dimension: None,
            metrics: Vec::new(),
        }
    }

    /// Publishes this record's metrics under one more dimension, `name` = `value`, beside
    /// `service` (e.g. the authorizer's per-client counts). Every distinct value is a new
    /// CloudWatch metric: give it only values from a bounded set.
    pub fn with_dimension(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.dimension = Some((name, value.into()));
        self
    }

    /// Adds a metric; a second value under the same name replaces the first (EMF allows one value
    /// per member name).
    pub fn with(mut self, name: &'static str, unit: Unit, value: u64) -> Self {
        self.metrics.retain(|(existing, _, _)| *existing != name);
        self.metrics.push((name, unit, value));
        self
    }

    /// Adds a `Count` metric.
    pub fn count(self, name: &'static str, value: u64) -> Self {
        self.with(name, Unit::Count, value)
    }

    /// Adds a `Milliseconds` metric.
    pub fn milliseconds(self, name: &'static str, value: u64) -> Self {
        self.with(name, Unit::Milliseconds, value)
    }

    /// The value of a metric of this record.
    pub fn value(&self, name: &str) -> Option<u64> {
        self.metrics
            .iter()
            .find(|(existing, _, _)| *existing == name)
            .map(|(_, _, value)| *value)
    }

    /// The EMF document, stamped `timestamp`.
    pub fn to_json(&self, timestamp: SystemTime) -> Value {
        let millis = timestamp
            .duration_since(UNIX_EPOCH)
            .map(|since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let definitions: Vec<Value> = self
            .metrics
            .iter()
            .map(|(name, unit, _)| json!({"Name": name, "Unit": unit.as_str()}))
            .collect();
        let dimensions = match &self.dimension {
            None => json!(["service"]),
            Some((name, _)) => json!(["service", name]),
        };
        let mut document = Map::new();
        document.insert(
            "_aws".into(),
            json!({
                "Timestamp": millis,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace.as_str(),
                    "Dimensions": [dimensions],
                    "Metrics": definitions,
                }],
            }),
        );
        document.insert("service".into(), Value::from(self.service.as_str()));
        if let Some((name, value)) = &self.dimension {
            document.insert((*name).into(), Value::from(value.as_str()));
        }
        for (name, _, value) in &self.metrics {
            document.insert((*name).into(), Value::from(*value));
        }
        Value::Object(document)
    }

    /// The EMF document as one line (no newline inside, none at the end).
    pub fn to_line(&self, timestamp: SystemTime) -> String {
        self.to_json(timestamp).to_string()
    }
}

/// Where finished EMF lines go.
pub trait MetricsSink: Send + Sync {
    /// Writes one line (without its newline).
    fn emit(&self, line: &str);
}

/// The process's stdout, which Lambda sends to CloudWatch Logs line by line.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdoutSink;

impl MetricsSink for StdoutSink {
    fn emit(&self, line: &str) {
        use std::io::Write as _;
        // One write of line and newline under the lock, so concurrent output cannot split it. A
        // failed write loses a metric, never the invocation.
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(format!("{line}\n").as_bytes());
        let _ = stdout.flush();
    }
}

/// Discards every line (metrics turned off).
#[derive(Debug, Clone, Copy, Default)]
pub struct NullSink;

impl MetricsSink for NullSink {
    fn emit(&self, _line: &str) {}
}

/// Keeps every line in memory, for tests; shared by clones.
#[derive(Debug, Clone, Default)]
pub struct MemorySink(Arc<Mutex<Vec<String>>>);

impl MemorySink {
    /// Every line emitted so far.
    pub fn lines(&self) -> Vec<String> {
        // A panicked writer cannot leave a half-pushed String: keep reading.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Every line emitted so far, parsed (a line that is not JSON becomes `Value::Null`).
    pub fn records(&self) -> Vec<Value> {
        self.lines()
            .iter()
            .map(|line| serde_json::from_str(line).unwrap_or(Value::Null))
            .collect()
    }
}

impl MetricsSink for MemorySink {
    fn emit(&self, line: &str) {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(line.to_owned());
    }
}

/// Builds and emits the records of one service: the namespace, the service name and the sink,
/// configured once per execution environment.
#[derive(Clone)]
pub struct Metrics {
    namespace: Namespace,
    service: &'static str,
    sink: Arc<dyn MetricsSink>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("namespace", &self.namespace)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// Records of `service` in `namespace`, written to `sink`.
    pub fn new(namespace: Namespace, service: &'static str, sink: impl MetricsSink + 'static) -> Self {
        Metrics {
            namespace,
            service,
            sink: Arc::new(sink),
        }
    }

    /// Metrics that go nowhere (the default of library users and tests that do not look).
    pub fn disabled(service: &'static str) -> Self {
        Metrics::new(Namespace::default(), service, NullSink)
    }

    /// An empty record for this service.
    pub fn record(&self) -> MetricRecord {
        MetricRecord::new(self.namespace.clone(), self.service)
    }

    /// Writes `record`, stamped now, as one line.
    pub fn emit(&self, record: &MetricRecord) {
        self.sink.emit(&record.to_line(SystemTime::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(millis)
    }

    #[test]
    fn a_second_dimension_sits_beside_service() {
        let record = MetricRecord::new(Namespace::default(), "authorizer")
            .with_dimension("client", "partner")
            .count("Allowed", 1);
        let json = record.to_json(at(1));
        assert_eq!(
            json["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["service", "client"]])
        );
        assert_eq!(json["client"], "partner");
        assert_eq!(json["service"], "authorizer");
    }

    #[test]
    fn the_record_has_the_exact_powertools_shape() {
        let record = MetricRecord::new(Namespace::parse("streamgate").unwrap(), "authorizer")
            .count("Allowed", 1)
            .count("Denied", 0)
            .milliseconds("OldestRecordAgeMs", 1234);
        assert_eq!(
            record.to_json(at(1_764_051_234_567)),
            json!({
                "_aws": {
                    "Timestamp": 1_764_051_234_567u64,
                    "CloudWatchMetrics": [{
                        "Namespace": "streamgate",
                        "Dimensions": [["service"]],
                        "Metrics": [
                            {"Name": "Allowed", "Unit": "Count"},
                            {"Name": "Denied", "Unit": "Count"},
                            {"Name": "OldestRecordAgeMs", "Unit": "Milliseconds"},
                        ],
                    }],
                },
                "service": "authorizer",
                "Allowed": 1,
                "Denied": 0,
                "OldestRecordAgeMs": 1234,
            })
        );
        assert_eq!(record.value("Allowed"), Some(1));
        assert_eq!(record.value("Missing"), None);
    }

    #[test]
    fn one_line_with_a_top_level_object() {
        let record = MetricRecord::new(Namespace::parse("My App/prod").unwrap(), "consumer").count("BatchSize", 3);
        let line = record.to_line(at(5));
        assert!(!line.contains('\n'));
        let parsed: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["_aws"]["CloudWatchMetrics"][0]["Namespace"], "My App/prod");
        assert_eq!(parsed["BatchSize"], 3);
        assert_eq!(parsed["_aws"]["Timestamp"], 5);
    }

    #[test]
    fn a_repeated_name_keeps_the_last_value_once() {
        let record = MetricRecord::new(Namespace::default(), "s").count("A", 1).count("A", 2);
        let json = record.to_json(at(0));
        assert_eq!(json["A"], 2);
        assert_eq!(
            json["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn a_record_without_metrics_is_still_valid() {
        let json = MetricRecord::new(Namespace::default(), "s").to_json(at(0));
        assert_eq!(json["_aws"]["CloudWatchMetrics"][0]["Metrics"], json!([]));
        assert_eq!(json["service"], "s");
    }

    #[test]
    fn namespaces_follow_cloudwatch_rules() {
        for good in ["streamgate", "a", "My App/prod", "x.y-z_1#2:3", &"n".repeat(255)] {
            assert_eq!(
                Namespace::parse(good).map(|n| n.as_str().to_owned()),
                Ok(good.to_string())
            );
        }
        for (bad, error) in [
            ("", NamespaceError::Length),
            ("   ", NamespaceError::Length),
            (&"n".repeat(256), NamespaceError::Length),
            ("stream\"gate", NamespaceError::Character),
            ("stream\ngate", NamespaceError::Character),
            ("café", NamespaceError::Character),
            ("AWS/Lambda", NamespaceError::Reserved),
        ] {
            assert_eq!(Namespace::parse(bad), Err(error), "{bad:?}");
        }
        assert_eq!(Namespace::default().as_str(), DEFAULT_NAMESPACE);
    }

    #[test]
    fn metrics_stamp_now_and_write_to_their_sink() {
        let sink = MemorySink::default();
        let metrics = Metrics::new(Namespace::default(), "authorizer", sink.clone());
        let before = SystemTime::now();
        metrics.emit(&metrics.record().count("Allowed", 1));
        let after = SystemTime::now();
        let records = sink.records();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0]["service"], "authorizer");
        assert_eq!(records[0]["Allowed"], 1);
        let stamp = records[0]["_aws"]["Timestamp"].as_u64().unwrap();
        let millis = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        assert!((millis(before)..=millis(after)).contains(&stamp));
        Metrics::disabled("x").emit(&MetricRecord::new(Namespace::default(), "x"));
    }
}
