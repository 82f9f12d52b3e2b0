//! Pure decisions of a batch: which record of each key is the newest, whether a stored item is
//! older than a record, and how a DynamoDB error is classified.

use std::collections::HashMap;

/// One convertible record of the batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate<T> {
    /// Position of the record in the batch.
    pub index: usize,
    /// The `eventId` (partition key).
    pub key: String,
    /// Length-prefixed sequence number (orders as a string).
    pub ordered_sequence: String,
    /// The payload to write (the item).
    pub payload: T,
}

/// Keeps the newest candidate of each key. Returns the survivors (in batch order) and the indexes of
/// the superseded ones: an older record of a key is obsolete once a newer one is in the same batch.
pub fn newest_per_key<T>(candidates: Vec<Candidate<T>>) -> (Vec<Candidate<T>>, Vec<usize>) {
    let mut newest: HashMap<String, usize> = HashMap::with_capacity(candidates.len());
    for (position, candidate) in candidates.iter().enumerate() {
        newest
            .entry(candidate.key.clone())
            .and_modify(|best| {
                if candidates[*best].ordered_sequence < candidate.ordered_sequence {
                    *best = position;
                }
            })
            .or_insert(position);
    }
    let mut survivors = Vec::with_capacity(newest.len());
    let mut superseded = Vec::new();
    for (position, candidate) in candidates.into_iter().enumerate() {
        if newest.get(&candidate.key) == Some(&position) {
            survivors.push(candidate);
        } else {
            superseded.push(candidate.index);
        }
    }
    (survivors, superseded)
}

/// Whether a record should be written over what is stored: only onto nothing or an older version.
/// An equal sequence number is the same record replayed, already stored.
pub fn is_newer(stored: Option<&str>, record: &str) -> bool {
    stored.is_none_or(|stored| stored < record)
}

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

    fn c(index: usize, key: &str, seq: &str) -> Candidate<()> {
        Candidate {
            index,
            key: key.into(),
            ordered_sequence: seq.into(),
            payload: (),
        }
    }

    #[test]
    fn collapses_to_the_newest_per_key() {
        let (survivors, superseded) = newest_per_key(vec![
            c(0, "a", "0011"),
            c(1, "b", "0015"),
            c(2, "a", "0013"),
            c(3, "a", "0012"),
            c(4, "c", "0019"),
        ]);
        let kept: Vec<usize> = survivors.iter().map(|c| c.index).collect();
        assert_eq!(kept, vec![1, 2, 4]);
        assert_eq!(superseded, vec![0, 3]);
    }

    #[test]
    fn newer_only() {
        assert!(is_newer(None, "0015"));
        assert!(is_newer(Some("0014"), "0015"));
        assert!(!is_newer(Some("0015"), "0015"), "a replay of the stored record");
        assert!(!is_newer(Some("0016"), "0015"), "never regress");
        assert!(is_newer(Some("0029"), "00310"), "length prefix orders numerically");
    }

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
