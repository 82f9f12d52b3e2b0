//! An EMF line's shape as a serde type: [`crate::MetricRecord`] writes it, and whoever reads the
//! lines back (the functions' tests) reads them into it instead of walking JSON by string.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Unit;

/// One EMF document: the `_aws` metadata, the `service` dimension's value, and the other members
/// (a second dimension's value, each metric's value) by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// `_aws`: when, and which members are metrics of which namespace and dimensions.
    #[serde(rename = "_aws")]
    pub metadata: Metadata,
    /// The value of the `service` dimension.
    pub service: String,
    /// Every other member: a second dimension's value ([`Member::Text`]) and each metric's value
    /// ([`Member::Number`]).
    #[serde(flatten)]
    pub members: BTreeMap<String, Member>,
}

/// `_aws`: the metadata CloudWatch reads the metrics from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Metadata {
    /// When, in milliseconds since the Unix epoch.
    pub timestamp: u64,
    /// The metric directives (one here).
    pub cloud_watch_metrics: Vec<Directive>,
}

/// A metric directive: the namespace, the dimension sets and the metrics' definitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Directive {
    /// The CloudWatch namespace.
    pub namespace: String,
    /// The dimension sets: one, `["service"]` or `["service", NAME]`.
    pub dimensions: Vec<Vec<String>>,
    /// Which top-level members are metrics, and their units.
    pub metrics: Vec<MetricDefinition>,
}

/// One metric's definition: the member that holds its value, and its unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDefinition {
    /// The metric's name (and its member's).
    pub name: String,
    /// Its unit.
    pub unit: Unit,
}

/// A top-level member besides `_aws` and `service`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Member {
    /// A metric's value.
    Number(u64),
    /// A dimension's value.
    Text(String),
}

impl Document {
    /// Reads one EMF line.
    pub fn parse(line: &str) -> Result<Document, serde_json::Error> {
        serde_json::from_str(line)
    }

    /// The (only) metric directive.
    pub fn directive(&self) -> Option<&Directive> {
        self.metadata.cloud_watch_metrics.first()
    }

    /// The value of the metric `name`.
    pub fn value(&self, name: &str) -> Option<u64> {
        match self.members.get(name)? {
            Member::Number(value) => Some(*value),
            Member::Text(_) => None,
        }
    }

    /// The value of the dimension `name` (`service` included).
    pub fn dimension(&self, name: &str) -> Option<&str> {
        if name == "service" {
            return Some(&self.service);
        }
        match self.members.get(name)? {
            Member::Text(value) => Some(value),
            Member::Number(_) => None,
        }
    }
}
