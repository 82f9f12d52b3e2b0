//! Reading events: exact arrival times, records read one by one, what is recovered of an unreadable
//! record, and payloads that are not a Kinesis event.

use chrono::SecondsFormat;
use serde_json::json;

use super::*;

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn record(arrival: Value, data: Value) -> Value {
    json!({
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": "evt-1",
            "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
            "data": data,
            "approximateArrivalTimestamp": arrival
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": "shardId-000000000004:49590338271490256608559692538361571095921575989136588898",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::123456789012:role/consumer",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/s"
    })
}

/// The event text with each record's timestamp written out verbatim (a `Value` would round it).
fn event_text(records: &[(Value, &str)]) -> String {
    let records: Vec<String> = records
        .iter()
        .map(|(record, arrival)| record.to_string().replace("\"ARRIVAL\"", arrival))
        .collect();
    format!(r#"{{"Records":[{}]}}"#, records.join(","))
}

#[test]
fn arrival_time_is_exact_to_the_nanosecond() {
    let at = |text: &str| arrival_time(text).map(rfc3339);
    assert_eq!(at("1764051234.1234567").unwrap(), "2025-11-25T06:13:54.123456700Z");
    assert_eq!(at("1764051234.05").unwrap(), "2025-11-25T06:13:54.050000000Z");
    assert_eq!(at("1764051234.123").unwrap(), "2025-11-25T06:13:54.123000000Z");
    assert_eq!(at("1764051234").unwrap(), "2025-11-25T06:13:54.000000000Z");
    assert_eq!(at("1764051234.0").unwrap(), "2025-11-25T06:13:54.000000000Z");
    assert_eq!(
        at("1764051234.1234567899999").unwrap(),
        "2025-11-25T06:13:54.123456789Z",
        "truncated below the nanosecond"
    );
    assert_eq!(at("1.76405123405E9").unwrap(), "2025-11-25T06:13:54.050000000Z");
    assert_eq!(at("176405123405e-2").unwrap(), "2025-11-25T06:13:54.050000000Z");
    assert_eq!(at("17640512.34e2").unwrap(), "2025-11-25T06:13:54.000000000Z");
    assert_eq!(at("5e-1").unwrap(), "1970-01-01T00:00:00.500000000Z");
    assert_eq!(at(r#""1764051234.05""#).unwrap(), "2025-11-25T06:13:54.050000000Z");
    for bad in [
        "-1", "\"\"", "\"abc\"", "true", "null", "{}", "1.2.3", ".5", "1e", "0x10",
    ] {
        assert_eq!(arrival_time(bad), Err(ArrivalError::NotSeconds), "{bad}");
    }
    for far in ["1e100", "99999999999999999999999", "1e20"] {
        assert_eq!(arrival_time(far), Err(ArrivalError::OutOfRange), "{far}");
    }
}

#[test]
fn reads_each_record_with_its_exact_arrival() {
    let text = event_text(&[
        (record(json!("ARRIVAL"), json!("eyJhIjoxfQ==")), "1764051234.1234567"),
        (record(json!("ARRIVAL"), json!("eyJhIjoxfQ==")), "1764051234.05"),
    ]);
    let records = read_event(&text).unwrap();
    assert_eq!(records.len(), 2);
    let BatchRecord::Read(first) = &records[0] else {
        panic!("{:?}", records[0]);
    };
    assert_eq!(first.kinesis.data.0, br#"{"a":1}"#);
    assert_eq!(first.kinesis.partition_key, "evt-1");
    assert_eq!(
        rfc3339(first.kinesis.approximate_arrival_timestamp.0),
        "2025-11-25T06:13:54.123456700Z"
    );
    assert_eq!(
        records[1].arrival().map(rfc3339).as_deref(),
        Some("2025-11-25T06:13:54.050000000Z")
    );
    assert_eq!(records[1].shard_id(), Some("shardId-000000000004"));
    assert_eq!(
        records[1].stream_arn(),
        Some("arn:aws:kinesis:us-east-1:123456789012:stream/s")
    );
}

#[test]
fn an_unreadable_record_keeps_what_can_be_recovered() {
    let text = event_text(&[
        (record(json!("ARRIVAL"), json!(5)), "1764051234.5"),
        (record(json!("ARRIVAL"), json!("eyJhIjoxfQ==")), "-3"),
        (record(json!("ARRIVAL"), json!("not base64!")), "1764051234"),
        (json!({"kinesis": 7, "eventID": "shardId-000000000009:1"}), ""),
        (json!(42), ""),
        (record(json!("ARRIVAL"), json!("eyJhIjoxfQ==")), "1764051234.5"),
    ]);
    let records = read_event(&text).unwrap();
    assert_eq!(records.len(), 6);
    let unreadable = |record: &BatchRecord| match record {
        BatchRecord::Unreadable(unreadable) => unreadable.clone(),
        BatchRecord::Read(_) => panic!("read: {record:?}"),
    };

    let wrong_data_type = unreadable(&records[0]);
    assert!(
        wrong_data_type.detail.starts_with("not a Kinesis record"),
        "{wrong_data_type:?}"
    );
    assert_eq!(
        wrong_data_type.sequence_number.as_deref(),
        Some("49590338271490256608559692538361571095921575989136588898")
    );
    assert_eq!(wrong_data_type.partition_key.as_deref(), Some("evt-1"));
    assert_eq!(wrong_data_type.shard_id.as_deref(), Some("shardId-000000000004"));
    assert_eq!(wrong_data_type.data, None);
    assert_eq!(
        wrong_data_type.arrival.map(rfc3339).as_deref(),
        Some("2025-11-25T06:13:54.500000000Z"),
        "the arrival time is recovered too"
    );

    let negative_time = unreadable(&records[1]);
    assert_eq!(negative_time.detail, ArrivalError::NotSeconds.to_string());
    assert_eq!(
        negative_time.data.as_deref(),
        Some(&br#"{"a":1}"#[..]),
        "data recovered"
    );
    assert_eq!(negative_time.arrival, None);

    let bad_base64 = unreadable(&records[2]);
    assert_eq!(bad_base64.data, None);
    assert_eq!(bad_base64.partition_key.as_deref(), Some("evt-1"));

    let kinesis_not_an_object = unreadable(&records[3]);
    assert_eq!(kinesis_not_an_object.sequence_number, None);
    assert_eq!(kinesis_not_an_object.shard_id.as_deref(), Some("shardId-000000000009"));

    let not_an_object = unreadable(&records[4]);
    assert_eq!(not_an_object.detail, "the record is not a JSON object");
    assert_eq!(
        not_an_object,
        UnreadableRecord {
            detail: not_an_object.detail.clone(),
            ..UnreadableRecord::default()
        }
    );

    assert!(matches!(records[5], BatchRecord::Read(_)), "the rest is read");
}

#[test]
fn a_string_timestamp_is_read_as_the_crate_writes_it() {
    let text = event_text(&[(record(json!("1764051234.05"), json!("e30=")), "")]);
    let records = read_event(&text).unwrap();
    assert_eq!(
        records[0].arrival().map(rfc3339).as_deref(),
        Some("2025-11-25T06:13:54.050000000Z")
    );
    let missing = json!({"kinesis": {"partitionKey": "k", "sequenceNumber": "1", "data": "e30="}});
    let records = read_event(&format!(r#"{{"Records":[{missing}]}}"#)).unwrap();
    let BatchRecord::Unreadable(unreadable) = &records[0] else {
        panic!("{records:?}");
    };
    assert!(
        unreadable.detail.contains("approximateArrivalTimestamp"),
        "{unreadable:?}"
    );
    assert_eq!(unreadable.data.as_deref(), Some(&b"{}"[..]));
}

#[test]
fn an_event_without_a_records_array_is_an_error_not_a_panic() {
    for payload in [
        "{}",
        "[]",
        "42",
        r#"{"Records": 5}"#,
        r#"{"Records": null}"#,
        r#"{"Records": {"a": 1}}"#,
    ] {
        assert!(read_event(payload).is_err(), "{payload}");
    }
    let error = read_event(r#"{"Records": "SECRET-PAYLOAD"}"#).unwrap_err();
    assert!(!error.to_string().contains("SECRET"), "{error}");
    assert_eq!(read_event(r#"{"Records": []}"#).unwrap(), vec![]);
}
