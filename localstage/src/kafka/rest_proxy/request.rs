//! The pure half of the produce call: content type → embedded format, body → typed records, and the
//! REST Proxy's error bodies. No I/O here; the handlers in the parent module do the producing.

use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

/// The content type of every answer (and of request errors).
pub const V2_JSON: &str = "application/vnd.kafka.v2+json";
/// Records whose key and value are any JSON, produced as JSON text.
pub const JSON_V2: &str = "application/vnd.kafka.json.v2+json";
/// Records whose key and value are base64 strings, produced as the decoded bytes.
pub const BINARY_V2: &str = "application/vnd.kafka.binary.v2+json";

/// The REST Proxy's error code for a malformed request body (its constraint-violation code).
pub const UNPROCESSABLE: u32 = 422;
/// The REST Proxy's error code for an unknown topic.
pub const TOPIC_NOT_FOUND: u32 = 40401;
/// A non-retriable Kafka error (per record, or for the whole request).
pub const KAFKA_ERROR: u32 = 50002;
/// A retriable Kafka error (per record).
pub const KAFKA_RETRIABLE_ERROR: u32 = 50003;

/// How the records of a produce request embed their keys and values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbeddedFormat {
    /// `application/vnd.kafka.json.v2+json`: any JSON, produced as its compact JSON text.
    Json,
    /// `application/vnd.kafka.binary.v2+json`: base64 strings, produced decoded.
    Binary,
}

/// One record of a produce request, ready to produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProduceRecord {
    /// The key bytes (`None`: no key, or a JSON `null` key).
    pub key: Option<Vec<u8>>,
    /// The value bytes (`None`: a JSON `null` value, produced as a null value).
    pub value: Option<Vec<u8>>,
    /// The partition asked for, if any.
    pub partition: Option<i32>,
}

/// A request-level error: the HTTP status and the REST Proxy's `{"error_code", "message"}` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestError {
    /// The HTTP status (not in the body).
    #[serde(skip)]
    pub status: u16,
    /// The REST Proxy's error code.
    pub error_code: u32,
    /// What went wrong.
    pub message: String,
}

impl RestError {
    /// 415: a content type the stand-in does not produce from.
    pub fn unsupported_media_type(found: Option<&str>) -> RestError {
        RestError {
            status: 415,
            error_code: 415,
            message: format!(
                "HTTP 415 Unsupported Media Type: {} (this local stand-in produces from {JSON_V2} and {BINARY_V2})",
                found.map_or_else(
                    || "no Content-Type".to_string(),
                    |found| format!("Content-Type {found}")
                )
            ),
        }
    }

    /// 422: the body is not a produce request.
    pub fn unprocessable(message: impl Into<String>) -> RestError {
        RestError {
            status: 422,
            error_code: UNPROCESSABLE,
            message: message.into(),
        }
    }

    /// 404 / 40401.
    pub fn topic_not_found() -> RestError {
        RestError {
            status: 404,
            error_code: TOPIC_NOT_FOUND,
            message: "Topic not found.".into(),
        }
    }

    /// 500 / 50002: the broker could not be reached for the request.
    pub fn kafka(detail: impl std::fmt::Display) -> RestError {
        RestError {
            status: 500,
            error_code: KAFKA_ERROR,
            message: format!("Kafka error: {detail}"),
        }
    }

    /// 413: the body is larger than the stand-in reads.
    pub fn too_large(limit: usize) -> RestError {
        RestError {
            status: 413,
            error_code: 413,
            message: format!("HTTP 413 Request Entity Too Large: the body is over {limit} bytes or could not be read"),
        }
    }

    /// What Jersey answers for a path the proxy does not serve.
    pub fn not_found() -> RestError {
        RestError {
            status: 404,
            error_code: 404,
            message: "HTTP 404 Not Found".into(),
        }
    }

    /// What Jersey answers for a method the path does not take.
    pub fn method_not_allowed() -> RestError {
        RestError {
            status: 405,
            error_code: 405,
            message: "HTTP 405 Method Not Allowed".into(),
        }
    }
}

/// The embedded format a `Content-Type` asks for. Media types compare case-insensitively and
/// without their parameters (`; charset=utf-8`), as JAX-RS matches them. Only the two v2 types
/// produce: `application/json`, `application/octet-stream`, the v1 types and the schema formats
/// (avro, protobuf, jsonschema) are 415.
pub fn embedded_format(content_type: Option<&str>) -> Result<EmbeddedFormat, RestError> {
    let essence = content_type
        .and_then(|value| value.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some(JSON_V2) => Ok(EmbeddedFormat::Json),
        Some(BINARY_V2) => Ok(EmbeddedFormat::Binary),
        _ => Err(RestError::unsupported_media_type(content_type)),
    }
}

#[derive(Deserialize)]
struct RawRequest<'a> {
    // Borrowed raw elements, so that each record's errors can name its index.
    #[serde(borrow, default)]
    records: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct RawRecord<'a> {
    // `Some(raw)` whenever the member is present, `null` included: a missing value is an error, a
    // null one a null value.
    #[serde(borrow, default, deserialize_with = "present")]
    key: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    value: Option<&'a RawValue>,
    #[serde(default)]
    partition: Option<i32>,
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(deserializer).map(Some)
}

/// The records of a produce request body, in request order. Every reason to refuse the whole
/// request is a 422 whose message says what is wrong and where: not JSON, no or empty `records`, a
/// record that is not an object, without `value`, with a partition that is not an integer, or (binary)
/// a key or value that is not a base64 string.
pub fn parse_records(format: EmbeddedFormat, body: &[u8]) -> Result<Vec<ProduceRecord>, RestError> {
    let request: RawRequest<'_> = serde_json::from_slice(body)
        .map_err(|e| RestError::unprocessable(format!("the body is not a JSON produce request: {e}")))?;
    let records = request.records.unwrap_or_default();
    if records.is_empty() {
        return Err(RestError::unprocessable("records must be a non-empty array"));
    }
    records
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            let record: RawRecord<'_> = serde_json::from_str(raw.get())
                .map_err(|e| RestError::unprocessable(format!("records[{index}]: {e}")))?;
            let value = record
                .value
                .ok_or_else(|| RestError::unprocessable(format!("records[{index}]: value is required")))?;
            Ok(ProduceRecord {
                key: record
                    .key
                    .map(|key| embedded_bytes(format, key))
                    .transpose()
                    .map_err(|e| RestError::unprocessable(format!("records[{index}].key: {e}")))?
                    .flatten(),
                value: embedded_bytes(format, value)
                    .map_err(|e| RestError::unprocessable(format!("records[{index}].value: {e}")))?,
                partition: record.partition,
            })
        })
        .collect()
}

/// The bytes a key or value produces (`None` for JSON `null`).
fn embedded_bytes(format: EmbeddedFormat, raw: &RawValue) -> Result<Option<Vec<u8>>, String> {
    let text = raw.get();
    if text == "null" {
        return Ok(None);
    }
    match format {
        EmbeddedFormat::Json => Ok(Some(jsontext::compact_json(text).into_bytes())),
        EmbeddedFormat::Binary => {
            let encoded: String =
                serde_json::from_str(text).map_err(|_| "must be a base64 string (or null)".to_string())?;
            base64::engine::general_purpose::STANDARD
                .decode(encoded.as_bytes())
                .map(Some)
                .map_err(|e| format!("not valid base64: {e}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(format: EmbeddedFormat, body: &str) -> Result<Vec<ProduceRecord>, RestError> {
        parse_records(format, body.as_bytes())
    }

    fn message(result: Result<Vec<ProduceRecord>, RestError>) -> String {
        match result {
            Ok(records) => panic!("accepted: {records:?}"),
            Err(error) => {
                assert_eq!((error.status, error.error_code), (422, UNPROCESSABLE), "{error:?}");
                error.message
            }
        }
    }

    #[test]
    fn the_two_v2_types_pick_the_format_whatever_their_case_and_parameters() {
        assert_eq!(embedded_format(Some(JSON_V2)), Ok(EmbeddedFormat::Json));
        assert_eq!(embedded_format(Some(BINARY_V2)), Ok(EmbeddedFormat::Binary));
        assert_eq!(
            embedded_format(Some("Application/VND.Kafka.JSON.v2+json; charset=utf-8")),
            Ok(EmbeddedFormat::Json)
        );
        assert_eq!(
            embedded_format(Some(" application/vnd.kafka.binary.v2+json ;x=y")),
            Ok(EmbeddedFormat::Binary)
        );
    }

    #[test]
    fn every_other_content_type_is_415() {
        for content_type in [
            Some("application/json"),
            Some("application/octet-stream"),
            Some("application/vnd.kafka.v2+json"),
            Some("application/vnd.kafka.json.v1+json"),
            Some("application/vnd.kafka.avro.v2+json"),
            Some("text/plain"),
            Some(""),
            None,
        ] {
            let error = embedded_format(content_type).err();
            assert_eq!(
                error.as_ref().map(|e| (e.status, e.error_code)),
                Some((415, 415)),
                "{content_type:?}"
            );
        }
        let message = embedded_format(Some("application/json")).err().map(|e| e.message);
        assert!(message.is_some_and(|m| m.contains("application/json") && m.contains(JSON_V2)));
    }

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
    fn errors_serialise_as_the_rest_proxy_does() {
        let body = serde_json::to_value(RestError::topic_not_found()).unwrap_or_default();
        assert_eq!(
            body,
            serde_json::json!({"error_code": 40401, "message": "Topic not found."})
        );
    }
}
