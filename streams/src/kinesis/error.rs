//! The errors a Kinesis call can meet ([`KinesisError`]), by what they mean for the caller: the
//! proxy answers each with its own HTTP status and Kinesis's exception name, whichever adapter
//! raised it (the SDK's or the in-memory one).

use aws_sdk_kinesis::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// Error type answered when Kinesis could not be reached or did not answer in time (AWS's common
/// error for an unavailable service).
pub const UNAVAILABLE: &str = "ServiceUnavailable";

/// A Kinesis error, by what it means for the caller. Each variant keeps Kinesis's error code where
/// several codes share a meaning, so the response names the exception Kinesis raised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KinesisError {
    /// 400: Kinesis refused the request's content (`InvalidArgumentException`, `ValidationException`,
    /// `SerializationException`).
    #[error("{code}: {message}")]
    Invalid {
        /// Kinesis's error code.
        code: String,
        /// Kinesis's message.
        message: String,
    },
    /// 403: `AccessDeniedException` (IAM refused the function's role).
    #[error("AccessDeniedException: {message}")]
    AccessDenied {
        /// Kinesis's message.
        message: String,
    },
    /// 404: `ResourceNotFoundException` (no such stream, or not ACTIVE for writes).
    #[error("ResourceNotFoundException: {message}")]
    NotFound {
        /// Kinesis's message.
        message: String,
    },
    /// 409: `ResourceInUseException` (the stream exists already, or is not ACTIVE).
    #[error("ResourceInUseException: {message}")]
    InUse {
        /// Kinesis's message.
        message: String,
    },
    /// 429: throttled (`ProvisionedThroughputExceededException`, `LimitExceededException`,
    /// `ThrottlingException`).
    #[error("{code}: {message}")]
    Throttled {
        /// Kinesis's error code.
        code: String,
        /// Kinesis's message.
        message: String,
    },
    /// 500: a KMS error on an encrypted stream (`KMSDisabledException`, `KMSThrottlingException`...).
    #[error("{code}: {message}")]
    Kms {
        /// Kinesis's error code.
        code: String,
        /// Kinesis's message.
        message: String,
    },
    /// 500: `InternalFailure`, an unreadable answer, or any error code not listed above.
    #[error("{code}: {message}")]
    Internal {
        /// Kinesis's error code (`InternalFailure` when it gave none).
        code: String,
        /// What happened.
        message: String,
    },
    /// 503: Kinesis could not be reached, or did not answer before the function's deadline.
    #[error("ServiceUnavailable: {message}")]
    Unavailable {
        /// What happened (never the request's content).
        message: String,
    },
}

impl KinesisError {
    /// The error of a service answer with error code `code` and message `message`.
    pub fn from_code(code: Option<&str>, message: Option<&str>) -> KinesisError {
        let message = message.unwrap_or_default().to_string();
        let Some(code) = code.filter(|code| !code.is_empty()) else {
            return KinesisError::Internal {
                code: "InternalFailure".into(),
                message,
            };
        };
        let owned = || code.to_string();
        match code {
            "InvalidArgumentException" | "ValidationException" | "SerializationException" => {
                KinesisError::Invalid { code: owned(), message }
            }
            "AccessDeniedException" => KinesisError::AccessDenied { message },
            "ResourceNotFoundException" => KinesisError::NotFound { message },
            "ResourceInUseException" => KinesisError::InUse { message },
            "ProvisionedThroughputExceededException" | "LimitExceededException" | "ThrottlingException" => {
                KinesisError::Throttled { code: owned(), message }
            }
            "ServiceUnavailable" | "ServiceUnavailableException" => KinesisError::Unavailable { message },
            _ if code.starts_with("KMS") => KinesisError::Kms { code: owned(), message },
            _ => KinesisError::Internal { code: owned(), message },
        }
    }

    /// The error of a failed SDK call: the service's error code, or the kind of transport failure.
    pub fn from_sdk<E, R>(error: &SdkError<E, R>) -> KinesisError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        match error {
            SdkError::ServiceError(_) => KinesisError::from_code(error.code(), error.message()),
            SdkError::TimeoutError(_) => KinesisError::Unavailable {
                message: "Kinesis did not answer in time".into(),
            },
            SdkError::DispatchFailure(_) => {
                // The detail (endpoint, connector error) is logged, never answered.
                tracing::warn!(error = %DisplayErrorContext(error), "Kinesis could not be reached");
                KinesisError::Unavailable {
                    message: "Kinesis could not be reached".into(),
                }
            }
            _ => {
                tracing::warn!(error = %DisplayErrorContext(error), "Kinesis call failed");
                KinesisError::Internal {
                    code: "InternalFailure".into(),
                    message: "the call to Kinesis failed (unreadable answer or request)".into(),
                }
            }
        }
    }

    /// The HTTP status the proxy answers with.
    pub fn status(&self) -> u16 {
        match self {
            KinesisError::Invalid { .. } => 400,
            KinesisError::AccessDenied { .. } => 403,
            KinesisError::NotFound { .. } => 404,
            KinesisError::InUse { .. } => 409,
            KinesisError::Throttled { .. } => 429,
            KinesisError::Kms { .. } | KinesisError::Internal { .. } => 500,
            KinesisError::Unavailable { .. } => 503,
        }
    }

    /// The exception name (the response's `type`, and a PutRecords entry's `ErrorCode`).
    pub fn error_type(&self) -> &str {
        match self {
            KinesisError::Invalid { code, .. }
            | KinesisError::Throttled { code, .. }
            | KinesisError::Kms { code, .. }
            | KinesisError::Internal { code, .. } => code,
            KinesisError::AccessDenied { .. } => "AccessDeniedException",
            KinesisError::NotFound { .. } => "ResourceNotFoundException",
            KinesisError::InUse { .. } => "ResourceInUseException",
            KinesisError::Unavailable { .. } => UNAVAILABLE,
        }
    }

    /// Kinesis's message.
    pub fn message(&self) -> &str {
        match self {
            KinesisError::Invalid { message, .. }
            | KinesisError::AccessDenied { message }
            | KinesisError::NotFound { message }
            | KinesisError::InUse { message }
            | KinesisError::Throttled { message, .. }
            | KinesisError::Kms { message, .. }
            | KinesisError::Internal { message, .. }
            | KinesisError::Unavailable { message } => message,
        }
    }

    /// Whether the whole call was throttled, so sending it again later may succeed.
    pub fn is_throttling(&self) -> bool {
        matches!(self, KinesisError::Throttled { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_map_to_statuses_and_types() {
        let cases = [
            ("InvalidArgumentException", 400, "InvalidArgumentException"),
            ("ValidationException", 400, "ValidationException"),
            ("SerializationException", 400, "SerializationException"),
            ("AccessDeniedException", 403, "AccessDeniedException"),
            ("ResourceNotFoundException", 404, "ResourceNotFoundException"),
            ("ResourceInUseException", 409, "ResourceInUseException"),
            (
                "ProvisionedThroughputExceededException",
                429,
                "ProvisionedThroughputExceededException",
            ),
            ("LimitExceededException", 429, "LimitExceededException"),
            ("ThrottlingException", 429, "ThrottlingException"),
            ("KMSDisabledException", 500, "KMSDisabledException"),
            ("KMSThrottlingException", 500, "KMSThrottlingException"),
            ("KMSAccessDeniedException", 500, "KMSAccessDeniedException"),
            ("InternalFailureException", 500, "InternalFailureException"),
            ("InternalFailure", 500, "InternalFailure"),
            ("SomethingNew", 500, "SomethingNew"),
            ("ServiceUnavailable", 503, "ServiceUnavailable"),
        ];
        for (code, status, error_type) in cases {
            let error = KinesisError::from_code(Some(code), Some("why"));
            assert_eq!(error.status(), status, "{code}");
            assert_eq!(error.error_type(), error_type, "{code}");
            assert_eq!(error.message(), "why", "{code}");
            assert_eq!(error.is_throttling(), status == 429, "{code}");
        }
        let none = KinesisError::from_code(None, None);
        assert_eq!((none.status(), none.error_type()), (500, "InternalFailure"));
        let empty = KinesisError::from_code(Some(""), Some("m"));
        assert_eq!(empty.error_type(), "InternalFailure");
    }
}
