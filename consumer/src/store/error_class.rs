//! What a DynamoDB error means for the records of the failed call: poison, stale or transient,
//! by the error's code.

/// What a DynamoDB error means for the records of the failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// DynamoDB refused the request's content: for a single item, the item is poison; for a batch,
    /// isolate the items one by one.
    Validation,
    /// The conditional write found a newer (or the same) version stored: success, stale.
    ConditionFailed,
    /// Anything else (throttling, 5xx, timeouts, missing table, access denied...): the record is
    /// reported as failed and redelivered; never dropped.
    Transient,
}

/// Classifies a DynamoDB error by its error code.
pub fn classify(code: Option<&str>) -> ErrorClass {
    match code {
        Some("ValidationException") => ErrorClass::Validation,
        Some("ConditionalCheckFailedException") => ErrorClass::ConditionFailed,
        _ => ErrorClass::Transient,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        assert_eq!(classify(Some("ValidationException")), ErrorClass::Validation);
        assert_eq!(
            classify(Some("ConditionalCheckFailedException")),
            ErrorClass::ConditionFailed
        );
        for code in [
            Some("ProvisionedThroughputExceededException"),
            Some("ThrottlingException"),
            Some("InternalServerError"),
            Some("ResourceNotFoundException"),
            Some("AccessDeniedException"),
            None,
        ] {
            assert_eq!(classify(code), ErrorClass::Transient, "{code:?}");
        }
    }
}
