//! The sample Kinesis events in `events/` deserialize as the mapping sends them and each record
//! converts (or is poison) as the file name promises. No I/O.

use aws_lambda_events::event::kinesis::KinesisEvent;
use consumer::dlq::shard_id;
use consumer::record::{Origin, Poison, to_item};

fn fixture(name: &str) -> KinesisEvent {
    let path = testkit::workspace_root().join("events").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn verdicts(event: &KinesisEvent) -> Vec<Result<(), &'static str>> {
    event
        .records
        .iter()
        .map(|record| {
            let origin = Origin {
                partition_key: &record.kinesis.partition_key,
                sequence_number: &record.kinesis.sequence_number,
                shard_id: shard_id(record),
                arrival: record.kinesis.approximate_arrival_timestamp.0,
            };
            to_item(&record.kinesis.data, &origin)
                .map(|_| ())
                .map_err(|poison: Poison| poison.code())
        })
        .collect()
}

#[test]
fn valid_batch_converts_entirely() {
    let event = fixture("consumer-kinesis-valid.json");
    assert_eq!(event.records.len(), 3);
    assert_eq!(verdicts(&event), vec![Ok(()), Ok(()), Ok(())]);
}

#[test]
fn mixed_batch_has_the_promised_poison() {
    let event = fixture("consumer-kinesis-mixed.json");
    assert_eq!(
        verdicts(&event),
        vec![
            Ok(()),
            Err("not_json"),
            Err("not_an_object"),
            Err("bad_number"),
            Err("reserved_name"),
            Ok(()),
        ]
    );
}
