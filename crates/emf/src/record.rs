//! One invocation's metrics, built up by name and unit, and turned into the EMF document.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Directive, Document, Member, Metadata, MetricDefinition, Namespace};

/// A metric's unit, as CloudWatch spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    pub fn document(&self, timestamp: SystemTime) -> Document {
        let millis = timestamp
            .duration_since(UNIX_EPOCH)
            .map(|since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let mut dimensions = vec!["service".to_string()];
        let mut members = BTreeMap::new();
        if let Some((name, value)) = &self.dimension {
            dimensions.push((*name).to_string());
            members.insert((*name).to_string(), Member::Text(value.clone()));
        }
        for (name, _, value) in &self.metrics {
            members.insert((*name).to_string(), Member::Number(*value));
        }
        Document {
            metadata: Metadata {
                timestamp: millis,
                cloud_watch_metrics: vec![Directive {
                    namespace: self.namespace.as_str().to_string(),
                    dimensions: vec![dimensions],
                    metrics: self
                        .metrics
                        .iter()
                        .map(|(name, unit, _)| MetricDefinition {
                            name: (*name).to_string(),
                            unit: *unit,
                        })
                        .collect(),
                }],
            },
            service: self.service.clone(),
            members,
        }
    }

    /// The EMF document as JSON, stamped `timestamp`. A JSON map sorts its members, so the line's
    /// members are in alphabetical order (`_aws` after the capitalised metric names), as they
    /// always were.
    pub fn to_json(&self, timestamp: SystemTime) -> Value {
        // Serializing strings and numbers cannot fail.
        serde_json::to_value(self.document(timestamp)).unwrap_or(Value::Null)
    }

    /// The EMF document as one line (no newline inside, none at the end).
    pub fn to_line(&self, timestamp: SystemTime) -> String {
        self.to_json(timestamp).to_string()
    }
}

#[cfg(test)]
mod tests;
