//! Content types: which embedded format a produce request uses, and the type of every answer.

use crate::error::RestError;

/// The content type of every answer (and of request errors).
pub const V2_JSON: &str = "application/vnd.kafka.v2+json";
/// Records whose key and value are any JSON, produced as JSON text.
pub const JSON_V2: &str = "application/vnd.kafka.json.v2+json";
/// Records whose key and value are base64 strings, produced as the decoded bytes.
pub const BINARY_V2: &str = "application/vnd.kafka.binary.v2+json";

/// How the records of a produce request embed their keys and values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbeddedFormat {
    /// `application/vnd.kafka.json.v2+json`: any JSON, produced as its compact JSON text.
    Json,
    /// `application/vnd.kafka.binary.v2+json`: base64 strings, produced decoded.
    Binary,
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
        _ => Err(unsupported_media_type(content_type)),
    }
}

/// 415: a content type this API does not produce from.
fn unsupported_media_type(found: Option<&str>) -> RestError {
    let found = found.map_or_else(
        || "no Content-Type".to_string(),
        |found| format!("Content-Type {found}"),
    );
    RestError {
        status: 415,
        error_code: 415,
        message: format!("HTTP 415 Unsupported Media Type: {found} (produce with {JSON_V2} or {BINARY_V2})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
