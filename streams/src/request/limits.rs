//! Kinesis's limits on the records it stores, checked before it is called so that a refusal names
//! the field rather than coming back as Kinesis's own error. [`record_violation`] is the one check of
//! a record's size and key for every PutRecord of the project that holds raw bytes.

/// Longest partition key, in Unicode characters.
pub const MAX_PARTITION_KEY_CHARS: usize = 256;
/// Most bytes of data + partition key in one record (1 MiB).
pub const MAX_RECORD_BYTES: usize = 1_048_576;
/// Most bytes of data + partition keys in one PutRecords request (5 MiB).
pub const MAX_PUT_RECORDS_BYTES: usize = 5 * 1_048_576;
/// Most records in one PutRecords request.
pub const MAX_PUT_RECORDS: usize = 500;

/// Why Kinesis would refuse one record with this partition key and data before storing it: a key
/// outside 1 to 256 characters, or data + key over 1 MiB. Shared by every PutRecord of the project
/// that holds raw bytes (the submit function, the local stage's direct integration).
pub fn record_violation(partition_key: &str, data: &[u8]) -> Option<String> {
    let key_chars = partition_key.chars().count();
    if key_chars == 0 || key_chars > MAX_PARTITION_KEY_CHARS {
        return Some(format!(
            "partition key of {key_chars} characters (1 to {MAX_PARTITION_KEY_CHARS})"
        ));
    }
    let size = data.len() + partition_key.len();
    (size > MAX_RECORD_BYTES)
        .then(|| format!("record of {size} bytes (data + partition key, at most {MAX_RECORD_BYTES})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_limits_are_kinesis_limits() {
        assert!(record_violation("k", &[]).is_none());
        assert!(record_violation("k", &vec![0; MAX_RECORD_BYTES - 1]).is_none());
        assert!(record_violation("k", &vec![0; MAX_RECORD_BYTES]).is_some());
        assert!(record_violation("", b"x").is_some());
        assert!(
            record_violation(&"é".repeat(256), b"x").is_none(),
            "characters, not bytes"
        );
        assert!(record_violation(&"k".repeat(257), b"x").is_some());
    }
}
