//! Request-level errors in the REST Proxy's shape: an HTTP status and `{"error_code", "message"}`.
//! Codes are Confluent's where it documents one (40401, 40402, 50002, 50003); otherwise the HTTP
//! status itself, as the REST Proxy's Jersey layer answers (404, 405, 413, 415, 422).

use serde::Serialize;

/// Malformed request body (the REST Proxy's constraint-violation code).
pub const UNPROCESSABLE: u32 = 422;
/// Unknown topic.
pub const TOPIC_NOT_FOUND: u32 = 40401;
/// A partition the topic does not have.
pub const PARTITION_NOT_FOUND: u32 = 40402;
/// A topic this API does not serve (Confluent's authorization-error code).
pub const FORBIDDEN: u32 = 40301;
/// A non-retriable Kafka error (per record, or for the whole request).
pub const KAFKA_ERROR: u32 = 50002;
/// A retriable Kafka error (per record, or for the whole request).
pub const KAFKA_RETRIABLE_ERROR: u32 = 50003;

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
    /// 422: the body is not a produce request this API takes.
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

    /// 404 / 40402, saying which partition and how many there are.
    pub fn partition_not_found(detail: impl std::fmt::Display) -> RestError {
        RestError {
            status: 404,
            error_code: PARTITION_NOT_FOUND,
            message: format!("Partition not found. {detail}"),
        }
    }

    /// 403 / 40301: a topic outside what this API serves.
    pub fn forbidden(reason: impl std::fmt::Display) -> RestError {
        RestError {
            status: 403,
            error_code: FORBIDDEN,
            message: format!("Forbidden: {reason}"),
        }
    }

    /// 500 / 50003: Kafka could not be reached for the request; retrying may succeed.
    pub fn kafka_unavailable(detail: impl std::fmt::Display) -> RestError {
        RestError {
            status: 500,
            error_code: KAFKA_RETRIABLE_ERROR,
            message: format!("Kafka is unreachable; nothing was produced: {detail}"),
        }
    }

    /// 500 / 50002: a Kafka error for the whole request.
    pub fn kafka(detail: impl std::fmt::Display) -> RestError {
        RestError {
            status: 500,
            error_code: KAFKA_ERROR,
            message: format!("Kafka error; nothing was produced: {detail}"),
        }
    }

    /// 413: the body, or one record, is larger than this API takes.
    pub fn too_large(what: impl std::fmt::Display) -> RestError {
        RestError {
            status: 413,
            error_code: 413,
            message: format!("HTTP 413 Request Entity Too Large: {what}"),
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

    /// The body, as the REST Proxy writes it.
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_else(|_| br#"{"error_code":500,"message":"error"}"#.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_serialise_as_the_rest_proxy_does() {
        let body: serde_json::Value = serde_json::from_slice(&RestError::topic_not_found().body()).unwrap_or_default();
        assert_eq!(
            body,
            serde_json::json!({"error_code": 40401, "message": "Topic not found."})
        );
    }
}
