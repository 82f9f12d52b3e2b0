//! How records are grouped into requests, and how answers and bodies are read and written.

use super::*;

fn item(i: u64, kind: Kind) -> Item {
    Item {
        event_id: format!("e{i}"),
        kind,
        record: json!({"i": i}),
    }
}

#[test]
fn batches_are_consecutive_or_per_kind() {
    let kinds = [Kind::Pin, Kind::Geo, Kind::User, Kind::Pin, Kind::Geo];
    let mut records = Batcher::new(Format::Records, 2);
    let full: Vec<Vec<Item>> = kinds
        .iter()
        .enumerate()
        .filter_map(|(i, k)| records.push(item(i as u64, *k)))
        .collect();
    assert_eq!(full.len(), 2);
    assert_eq!(
        full[0].iter().map(|i| i.event_id.as_str()).collect::<Vec<_>>(),
        ["e0", "e1"]
    );
    assert_eq!(records.drain().len(), 1);

    let mut kafka = Batcher::new(Format::KafkaRest, 2);
    let full: Vec<Vec<Item>> = kinds
        .iter()
        .enumerate()
        .filter_map(|(i, k)| kafka.push(item(i as u64, *k)))
        .collect();
    assert_eq!(full.len(), 2, "pin and geo fill up, user does not");
    assert!(full.iter().all(|group| group.iter().all(|i| i.kind == group[0].kind)));
    let rest = kafka.drain();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0][0].kind, Kind::User);

    let mut submit = Batcher::new(Format::Submit, 100);
    assert!(submit.push(item(0, Kind::Pin)).is_some(), "one record per submit");
}

#[test]
fn failures_are_found_in_answers() {
    let body = r#"{"FailedRecordCount":1,"Records":[{"SequenceNumber":"1","ShardId":"s"},{"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"slow down"}]}"#;
    assert_eq!(failed_entries(body, 2), Some(vec![1]));
    assert_eq!(
        failed_entries(r#"{"Records":[{"SequenceNumber":"1"}]}"#, 1),
        Some(vec![])
    );
    assert_eq!(
        failed_entries(r#"{"Records":[]}"#, 1),
        None,
        "a short answer fails the request"
    );
    assert_eq!(failed_entries("not json", 1), None);

    let produced = r#"{"offsets":[{"partition":0,"offset":1,"error_code":null,"error":null},{"partition":null,"offset":null,"error_code":50003,"error":"retriable"}],"key_schema_id":null,"value_schema_id":null}"#;
    assert_eq!(failed_offsets(produced, 2), Some(1));
    assert_eq!(failed_offsets(produced, 3), None);
    assert_eq!(failed_offsets("{}", 1), None);

    let items = [item(1, Kind::Geo)];
    assert_eq!(
        records_body(&items),
        json!({"records": [{"data": {"i": 1}, "partition-key": "e1"}]})
    );
    let body = kafka_body(&items).unwrap();
    assert_eq!(
        serde_json::from_str::<Json>(&body).unwrap(),
        json!({"records": [{"key": "e1", "value": {"i": 1}}]})
    );
}
