//! The ordering decisions of a batch, pure: which record of each key is the newest, and whether a
//! record may be written over what is stored.

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
}
