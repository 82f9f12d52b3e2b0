//! The REST Proxy's answer bodies (always `application/vnd.kafka.v2+json`).

use serde::{Deserialize, Serialize};

/// One entry of the produce answer's `offsets`, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct PartitionOffset {
    /// Where the record went (null when it failed).
    pub partition: Option<i32>,
    /// Its offset (null when it failed).
    pub offset: Option<i64>,
    /// 50002 or 50003 when it failed.
    pub error_code: Option<u32>,
    /// Why it failed.
    pub error: Option<String>,
}

impl PartitionOffset {
    /// A produced record.
    pub fn produced(partition: i32, offset: i64) -> PartitionOffset {
        PartitionOffset {
            partition: Some(partition),
            offset: Some(offset),
            error_code: None,
            error: None,
        }
    }

    /// A record that was not produced (or whose fate is unknown).
    pub fn failed(error_code: u32, error: impl Into<String>) -> PartitionOffset {
        PartitionOffset {
            partition: None,
            offset: None,
            error_code: Some(error_code),
            error: Some(error.into()),
        }
    }
}

/// `POST /topics/{topic}[/partitions/{p}]` → 200: written by the function, read by its clients.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ProduceResponse {
    /// One per record, in request order.
    pub offsets: Vec<PartitionOffset>,
    /// Always null: no schema formats here.
    pub key_schema_id: Option<i32>,
    /// Always null.
    pub value_schema_id: Option<i32>,
}

/// `GET /topics/{topic}` → 200.
#[derive(Debug, Serialize)]
pub struct TopicDescription {
    /// The topic.
    pub name: String,
    /// Always empty: topic configs need describe-configs rights this API does not ask for.
    pub configs: std::collections::BTreeMap<String, String>,
    /// One per partition.
    pub partitions: Vec<PartitionDescription>,
}

/// A partition in a topic description.
#[derive(Debug, Serialize)]
pub struct PartitionDescription {
    /// Its number.
    pub partition: i32,
    /// The leader's broker id (-1: not reported).
    pub leader: i32,
    /// Its replicas (not reported: empty).
    pub replicas: Vec<ReplicaDescription>,
}

/// A replica in a partition description.
#[derive(Debug, Serialize)]
pub struct ReplicaDescription {
    /// Broker id.
    pub broker: i32,
    /// Whether it leads.
    pub leader: bool,
    /// Whether it is in sync.
    pub in_sync: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_record_has_null_partition_and_offset() {
        let entry = serde_json::to_value(PartitionOffset::failed(50002, "no")).unwrap_or_default();
        assert_eq!(
            entry,
            serde_json::json!({"partition": null, "offset": null, "error_code": 50002, "error": "no"})
        );
    }

    #[test]
    fn a_produce_answer_reads_back_as_written() {
        let answer = ProduceResponse {
            offsets: vec![PartitionOffset::produced(0, 7), PartitionOffset::failed(50003, "retry")],
            key_schema_id: None,
            value_schema_id: None,
        };
        let text = serde_json::to_string(&answer).unwrap_or_default();
        assert_eq!(serde_json::from_str::<ProduceResponse>(&text).ok(), Some(answer));
    }
}
