use super::*;

fn parse(format: EmbeddedFormat, body: &str) -> Result<Vec<ProduceRecord>, RestError> {
    parse_records(format, body.as_bytes())
}

fn refused(result: Result<Vec<ProduceRecord>, RestError>) -> RestError {
    match result {
        Ok(records) => panic!("accepted {} records", records.len()),
        Err(error) => error,
    }
}

fn message(result: Result<Vec<ProduceRecord>, RestError>) -> String {
    let error = refused(result);
    assert_eq!((error.status, error.error_code), (422, UNPROCESSABLE_CODE), "{error:?}");
    error.message
}

const UNPROCESSABLE_CODE: u32 = crate::error::UNPROCESSABLE;

#[test]
fn json_keys_and_values_are_produced_as_their_compact_text() {
    let body = r#"{"records": [
        {"key": "user-1", "value": {"a": 1, "b": [true, null, "x y"]}},
        {"value": 1.50, "partition": 2},
        {"key": null, "value": null}
    ]}"#;
    let records = parse(EmbeddedFormat::Json, body).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        records,
        vec![
            ProduceRecord {
                key: Some(br#""user-1""#.to_vec()),
                value: Some(br#"{"a":1,"b":[true,null,"x y"]}"#.to_vec()),
                partition: None,
            },
            ProduceRecord {
                key: None,
                value: Some(b"1.50".to_vec()),
                partition: Some(2),
            },
            ProduceRecord {
                key: None,
                value: None,
                partition: None,
            },
        ]
    );
}

#[test]
fn binary_keys_and_values_are_decoded() {
    let body = r#"{"records": [{"key": "a2V5", "value": "AAEC/w=="}, {"value": ""}]}"#;
    let records = parse(EmbeddedFormat::Binary, body).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(records[0].key.as_deref(), Some(&b"key"[..]));
    assert_eq!(records[0].value.as_deref(), Some(&[0u8, 1, 2, 255][..]));
    assert_eq!(records[1].value.as_deref(), Some(&b""[..]));
}

#[test]
fn a_malformed_body_is_422_saying_what_is_wrong() {
    use EmbeddedFormat::{Binary, Json};
    let cases: [(EmbeddedFormat, &str, &str); 11] = [
        (Json, "", "not a JSON produce request"),
        (Json, "{\"records\": [", "not a JSON produce request"),
        (Json, "[1, 2]", "not a JSON produce request"),
        (Json, "{}", "records must be a non-empty array"),
        (Json, r#"{"records": []}"#, "records must be a non-empty array"),
        (Json, r#"{"records": null}"#, "records must be a non-empty array"),
        (Json, r#"{"records": [{"value": 1}, 7]}"#, "records[1]"),
        (
            Json,
            r#"{"records": [{"value": 1}, {"key": "k"}]}"#,
            "records[1]: value is required",
        ),
        (Json, r#"{"records": [{"value": 1, "partition": "x"}]}"#, "records[0]"),
        (
            Binary,
            r#"{"records": [{"value": "not base64!"}]}"#,
            "records[0].value: not valid base64",
        ),
        (
            Binary,
            r#"{"records": [{"key": 12, "value": "AA=="}]}"#,
            "records[0].key: must be a base64 string",
        ),
    ];
    for (format, body, expected) in cases {
        let message = message(parse(format, body));
        assert!(message.contains(expected), "{body:?}: {message}");
    }
}

#[test]
fn limits_refuse_the_request_before_anything_is_produced() {
    // 5,000-deep nesting: valid JSON, refused by depth (and never a stack overflow).
    let deep = format!(
        r#"{{"records": [{{"value": {}1{}}}]}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert!(message(parse(EmbeddedFormat::Json, &deep)).contains("nested 5000 deep"));
    let ok_depth = format!(
        r#"{{"records": [{{"value": {}1{}}}]}}"#,
        "[".repeat(1000),
        "]".repeat(1000)
    );
    assert!(parse(EmbeddedFormat::Json, &ok_depth).is_ok());

    // A 2 MB value: 413 naming the record.
    let big = format!(
        r#"{{"records": [{{"value": 1}}, {{"value": "{}"}}]}}"#,
        "x".repeat(2_000_000)
    );
    let error = refused(parse(EmbeddedFormat::Json, &big));
    assert_eq!((error.status, error.error_code), (413, 413));
    assert!(error.message.contains("records[1]"), "{}", error.message);

    // Exactly at the limit passes (key + value bytes).
    let at_limit = format!(
        r#"{{"records": [{{"key": "k", "value": "{}"}}]}}"#,
        "x".repeat(MAX_RECORD_BYTES - 5)
    );
    assert!(parse(EmbeddedFormat::Json, &at_limit).is_ok());

    // 20,000 records: 422 saying to split.
    let many = format!(r#"{{"records": [{}]}}"#, vec![r#"{"value":1}"#; 20_000].join(","));
    assert!(message(parse(EmbeddedFormat::Json, &many)).contains("at most 10000 records"));
}
