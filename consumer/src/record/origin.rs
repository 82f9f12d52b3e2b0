//! Where a record came from (partition key, sequence number, shard, arrival time): what the
//! metadata attributes of its item are made of, read from the record as the mapping delivers it.

use aws_lambda_events::event::kinesis::KinesisEventRecord;
use chrono::{DateTime, Utc};

/// Where a record came from; becomes the metadata attributes.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The partition key, i.e. the `eventId`.
    pub partition_key: &'a str,
    /// The record's sequence number.
    pub sequence_number: &'a str,
    /// The shard id (`shardId-...`), [`UNKNOWN_SHARD`] when the record's `eventID` does not say.
    pub shard_id: &'a str,
    /// Approximate arrival time in the stream.
    pub arrival: DateTime<Utc>,
}

/// The shard id of a record whose `eventID` does not name one (never from a real mapping).
pub const UNKNOWN_SHARD: &str = "unknown";

impl<'a> Origin<'a> {
    /// The origin of a record as the event source mapping delivers it. Its arrival time is taken as
    /// is: the event reader ([`crate::event`]) has already set it from the exact JSON text.
    pub fn of(record: &'a KinesisEventRecord) -> Origin<'a> {
        Origin {
            partition_key: &record.kinesis.partition_key,
            sequence_number: &record.kinesis.sequence_number,
            shard_id: record.event_id.as_deref().and_then(shard_of).unwrap_or(UNKNOWN_SHARD),
            arrival: record.kinesis.approximate_arrival_timestamp.0,
        }
    }
}

/// The shard id in a record's `eventID` (`shardId-000000000000:4959...`), if it has one.
pub fn shard_of(event_id: &str) -> Option<&str> {
    event_id
        .split_once(':')
        .map(|(shard, _)| shard)
        .filter(|shard| !shard.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn origin_of_a_record_takes_the_shard_from_the_event_id() {
        let arrival = Utc.timestamp_millis_opt(1_795_381_200_123).unwrap();
        let mut record = KinesisEventRecord::default();
        record.event_id = Some("shardId-000000000007:4959".into());
        record.kinesis.partition_key = "evt-3".into();
        record.kinesis.sequence_number = "4959".into();
        record.kinesis.approximate_arrival_timestamp.0 = arrival;
        let of = Origin::of(&record);
        assert_eq!(of.shard_id, "shardId-000000000007");
        assert_eq!(of.partition_key, "evt-3");
        assert_eq!(of.sequence_number, "4959");
        assert_eq!(of.arrival, arrival);
        for event_id in [None, Some("no-colon"), Some(":4959")] {
            record.event_id = event_id.map(String::from);
            assert_eq!(Origin::of(&record).shard_id, UNKNOWN_SHARD, "{event_id:?}");
        }
        assert_eq!(shard_of("shardId-1:2:3"), Some("shardId-1"));
    }
}
