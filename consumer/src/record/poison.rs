//! What makes a record poison: every reason a record can never become an item, each with the
//! stable code that logs, metrics and the dead-letter queue know it by. Poison is never retried;
//! it is dead-lettered, and the rest of the batch is written.

/// Why a record can never become an item. `code()` is logged and sent to the dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Poison {
    /// The data is not UTF-8.
    #[error("record data is not UTF-8")]
    NotUtf8,
    /// The data is not JSON.
    #[error("record data is not JSON (line {line}, column {column})")]
    NotJson {
        /// Line of the syntax error.
        line: usize,
        /// Column of the syntax error.
        column: usize,
    },
    /// JSON, but the top level is not an object.
    #[error("record data is JSON but not an object")]
    NotAnObject,
    /// A number DynamoDB cannot hold (more than 38 significant digits, or out of 1e-130..1e126).
    #[error("a number has more than 38 significant digits or is outside DynamoDB's range")]
    BadNumber,
    /// An attribute or map key is empty.
    #[error("an attribute name or map key is empty")]
    EmptyAttributeName,
    /// Nested deeper than DynamoDB's 32 levels.
    #[error("nested deeper than 32 levels")]
    TooDeep,
    /// The item would exceed 400 KB.
    #[error("item would be {bytes} bytes, over DynamoDB's 400 KB limit")]
    TooLarge {
        /// Estimated item size.
        bytes: usize,
    },
    /// A top-level field uses the reserved `_sg_` prefix.
    #[error("a body field uses the reserved attribute prefix _sg_")]
    ReservedName,
    /// The sequence number is not a decimal number (never from a real stream).
    #[error("the sequence number is not a decimal number")]
    BadSequenceNumber,
    /// DynamoDB refused the item itself (ValidationException on a single-item write).
    #[error("DynamoDB rejected the item: {0}")]
    RejectedByDynamoDb(String),
    /// The record itself could not be read from the event (a field of the wrong type, say): what
    /// could be recovered of it is dead-lettered, and the rest of the batch is written.
    #[error("the record could not be read from the event: {0}")]
    UnreadableRecord(String),
}

impl Poison {
    /// A stable code for logs, metrics and the dead-letter message.
    pub fn code(&self) -> &'static str {
        match self {
            Poison::NotUtf8 => "not_utf8",
            Poison::NotJson { .. } => "not_json",
            Poison::NotAnObject => "not_an_object",
            Poison::BadNumber => "bad_number",
            Poison::EmptyAttributeName => "empty_attribute_name",
            Poison::TooDeep => "too_deep",
            Poison::TooLarge { .. } => "item_too_large",
            Poison::ReservedName => "reserved_name",
            Poison::BadSequenceNumber => "bad_sequence_number",
            Poison::RejectedByDynamoDb(_) => "rejected_by_dynamodb",
            Poison::UnreadableRecord(_) => "unreadable_record",
        }
    }
}
