//! PutRecord and PutRecords bodies: both spellings, the refusals (each naming its field) and
//! Kinesis's size limits counted on the compact data.

use super::*;
use crate::request::expect::{invalid, malformed, too_large};

#[test]
fn put_record_body() {
    let record =
        put_record(r#"{ "Data": { "n": 12345678901234567890123456789.0, "s": "a b" }, "PartitionKey": "k-1" }"#)
            .unwrap();
    assert_eq!(record.partition_key, "k-1");
    assert_eq!(record.data, br#"{"n":12345678901234567890123456789.0,"s":"a b"}"#);
    assert_eq!(
        put_record(r#"{"Data": null, "PartitionKey": "k"}"#).unwrap().data,
        b"null"
    );
    assert_eq!(
        put_record(r#"{"Data": "text", "PartitionKey": "k"}"#).unwrap().data,
        b"\"text\""
    );

    assert_eq!(invalid(put_record(r#"{"PartitionKey": "k"}"#)), "Data: missing");
    assert_eq!(invalid(put_record(r#"{"Data": 1}"#)), "PartitionKey: missing");
    assert_eq!(
        invalid(put_record(r#"{"Data": 1, "PartitionKey": ""}"#)),
        "PartitionKey: empty, at least 1 character"
    );
    assert_eq!(
        malformed(put_record(r#"{"Data": 1, "PartitionKey": 7}"#)),
        "PartitionKey: must be a string"
    );
    assert_eq!(
        malformed(put_record(r#"{"Data": 1, "PartitionKey": "k", "Extra": 1}"#)),
        r#"body: unknown field "Extra", expected Data or PartitionKey"#
    );
    assert_eq!(
        malformed(put_record(r#"{"Data": 1, "Data": 2, "PartitionKey": "k"}"#)),
        r#"body: duplicate field "Data""#
    );
    assert_eq!(malformed(put_record("")), "body: empty, expected a JSON object");
    assert_eq!(malformed(put_record("[1]")), "body: must be a JSON object");
    assert!(malformed(put_record(r#"{"Data": 1,"#)).starts_with("body: not valid JSON: "));
}

#[test]
fn partition_keys_count_unicode_characters() {
    let key = "é".repeat(256); // 512 bytes, 256 characters: allowed
    let body = format!(r#"{{"Data": 1, "PartitionKey": "{key}"}}"#);
    assert_eq!(put_record(&body).unwrap().partition_key, key);
    let body = format!(r#"{{"Data": 1, "PartitionKey": "{}"}}"#, "k".repeat(300));
    assert_eq!(invalid(put_record(&body)), "PartitionKey: 300 characters, at most 256");
}

#[test]
fn record_size_is_compact_data_plus_key() {
    // Compact data of 1 MiB - 1 byte (with its quotes), plus a 1-byte key: exactly 1 MiB, allowed.
    let fill = "x".repeat(MAX_RECORD_BYTES - 3);
    let body = format!(r#"{{"Data": "{fill}", "PartitionKey": "k"}}"#);
    assert_eq!(put_record(&body).unwrap().data.len(), MAX_RECORD_BYTES - 1);
    // Whitespace does not count: it is not stored.
    let body = format!(r#"{{"Data":    "{fill}"   , "PartitionKey": "k"}}"#);
    assert!(put_record(&body).is_ok());
    // One more byte of key: over.
    let body = format!(r#"{{"Data": "{fill}", "PartitionKey": "kk"}}"#);
    assert_eq!(
        too_large(put_record(&body)),
        "Data + PartitionKey: 1048577 bytes, at most 1048576"
    );
}

#[test]
fn put_records_both_shapes() {
    let lower = put_records(
        r#"{"records": [{"data": {"a": 1.0}, "partition-key": "k1"}, {"partition-key": "k2", "data": [1, 2]}]}"#,
    )
    .unwrap();
    let upper = put_records(
        r#"{"Records": [{"Data": {"a": 1.0}, "PartitionKey": "k1"}, {"Data": [1, 2], "PartitionKey": "k2"}]}"#,
    )
    .unwrap();
    assert_eq!(lower, upper);
    assert_eq!(lower[0].data, br#"{"a":1.0}"#);
    assert_eq!(lower[1].data, b"[1,2]");
    assert_eq!(lower[1].partition_key, "k2");
}

#[test]
fn put_records_refusals_name_the_field() {
    let entry = |i: usize| format!(r#"{{"data": {i}, "partition-key": "k{i}"}}"#);
    let many = |n: usize| {
        format!(
            r#"{{"records": [{}]}}"#,
            (0..n).map(entry).collect::<Vec<_>>().join(",")
        )
    };
    assert_eq!(put_records(&many(500)).unwrap().len(), 500);
    assert_eq!(invalid(put_records(&many(501))), "records: 501 records, at most 500");
    assert_eq!(invalid(put_records(&many(0))), "records: no records, at least 1");
    assert_eq!(
        invalid(put_records(r#"{"Records": []}"#)),
        "Records: no records, at least 1"
    );
    assert_eq!(invalid(put_records("{}")), "records: missing");
    assert_eq!(
        invalid(put_records(r#"{"records": [], "Records": []}"#)),
        "body: both records and Records, send one of them"
    );
    assert_eq!(
        malformed(put_records(r#"{"records": {}}"#)),
        "records: must be an array"
    );
    assert_eq!(
        malformed(put_records(r#"{"records": [{"data": 1, "partition-key": "k"}, 5]}"#)),
        "records[1]: must be a JSON object"
    );

    let long = "k".repeat(300);
    let body = format!(
        r#"{{"records": [{}, {}, {}, {{"data": 1, "partition-key": "{long}"}}]}}"#,
        entry(0),
        entry(1),
        entry(2)
    );
    assert_eq!(
        invalid(put_records(&body)),
        "records[3].partition-key: 300 characters, at most 256"
    );
    let body = format!(r#"{{"Records": [{{"Data": 1, "PartitionKey": "{long}"}}]}}"#);
    assert_eq!(
        invalid(put_records(&body)),
        "Records[0].PartitionKey: 300 characters, at most 256"
    );
    assert_eq!(
        invalid(put_records(r#"{"records": [{"data": 1}]}"#)),
        "records[0].partition-key: missing"
    );
    assert_eq!(
        invalid(put_records(r#"{"Records": [{"PartitionKey": "k"}]}"#)),
        "Records[0].Data: missing"
    );
    // The shapes do not mix.
    assert_eq!(
        malformed(put_records(r#"{"records": [{"Data": 1, "partition-key": "k"}]}"#)),
        r#"records[0]: unknown field "Data", expected data or partition-key"#
    );
    assert_eq!(
        malformed(put_records(r#"{"records": [{"data": 1, "partition-key": ["k"]}]}"#)),
        "records[0].partition-key: must be a string"
    );
}

#[test]
fn put_records_sizes() {
    let fill = "x".repeat(MAX_RECORD_BYTES); // 1 MiB + 2 quotes: over on its own
    let body =
        format!(r#"{{"records": [{{"data": 1, "partition-key": "k"}}, {{"data": "{fill}", "partition-key": "k"}}]}}"#);
    assert_eq!(
        too_large(put_records(&body)),
        "records[1]: data + partition-key: 1048579 bytes, at most 1048576"
    );
    // Six records of 1 MiB - 10 bytes each: each fine, over 5 MiB together.
    let fill = "x".repeat(MAX_RECORD_BYTES - 12);
    let entry = format!(r#"{{"data": "{fill}", "partition-key": "k"}}"#);
    let body = format!(r#"{{"records": [{}]}}"#, [entry.as_str(); 6].join(","));
    assert_eq!(
        too_large(put_records(&body)),
        format!(
            "records: {} bytes of data and partition keys in all, at most 5242880",
            6 * (MAX_RECORD_BYTES - 10 + 1)
        )
    );
    let body = format!(r#"{{"records": [{}]}}"#, [entry.as_str(); 5].join(","));
    assert_eq!(put_records(&body).unwrap().len(), 5);
}
