//! For the request module's tests: the message of a refusal of the expected kind.

use std::fmt;

use super::RequestError;

/// The message of a `Malformed` refusal (400 `SerializationException`).
pub fn malformed(result: Result<impl fmt::Debug, RequestError>) -> String {
    match result {
        Err(RequestError::Malformed(message)) => message,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

/// The message of an `Invalid` refusal (400 `InvalidArgumentException`).
pub fn invalid(result: Result<impl fmt::Debug, RequestError>) -> String {
    match result {
        Err(RequestError::Invalid(message)) => message,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// The message of a `TooLarge` refusal (413).
pub fn too_large(result: Result<impl fmt::Debug, RequestError>) -> String {
    match result {
        Err(RequestError::TooLarge(message)) => message,
        other => panic!("expected TooLarge, got {other:?}"),
    }
}
