//! Why a request is refused before Kinesis is called ([`RequestError`]), and the status and
//! Kinesis exception name each refusal is answered with.

/// Why a request is refused before Kinesis is called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// 400 `SerializationException`: the body is not JSON, not valid base64 or UTF-8, or of the
    /// wrong shape (a field of the wrong type, an unknown field).
    #[error("{0}")]
    Malformed(String),
    /// 400 `InvalidArgumentException`: a missing field, or a value out of range.
    #[error("{0}")]
    Invalid(String),
    /// 413 `InvalidArgumentException`: a record or the whole request is over Kinesis's size limit.
    #[error("{0}")]
    TooLarge(String),
}

impl RequestError {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            RequestError::Malformed(_) | RequestError::Invalid(_) => 400,
            RequestError::TooLarge(_) => 413,
        }
    }

    /// The exception name answered as `type`.
    pub fn error_type(&self) -> &'static str {
        match self {
            RequestError::Malformed(_) => "SerializationException",
            RequestError::Invalid(_) | RequestError::TooLarge(_) => "InvalidArgumentException",
        }
    }
}
