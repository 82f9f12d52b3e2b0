//! The record's sequence number in a form whose string order is numeric order, so that DynamoDB's
//! condition `#s < :s` and a plain string comparison both tell which record is newer.

use crate::record::Poison;

/// The sequence number as a string whose lexicographic order is numeric order: three digits of
/// length, then the digits. Kinesis sequence numbers have no leading zeros and up to 129 digits, so
/// a longer one is always larger and equal lengths compare digit by digit.
pub fn ordered_sequence(sequence_number: &str) -> Result<String, Poison> {
    let digits = sequence_number.trim_start_matches('0');
    let digits = if digits.is_empty() && !sequence_number.is_empty() {
        "0"
    } else {
        digits
    };
    if digits.is_empty() || digits.len() > 999 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Poison::BadSequenceNumber);
    }
    Ok(format!("{:03}{digits}", digits.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_sequence_orders_numerically() {
        let mut seqs = vec![
            "9",
            "10",
            "49590338271490256608559692538361571095921575989136588898",
            "100",
            "0",
        ];
        let mut ordered: Vec<String> = seqs.iter().map(|s| ordered_sequence(s).unwrap()).collect();
        ordered.sort();
        seqs.sort_by_key(|s| (s.len(), s.to_string()));
        let back: Vec<String> = ordered.iter().map(|o| o[3..].to_string()).collect();
        assert_eq!(back, seqs);
        assert_eq!(ordered_sequence(""), Err(Poison::BadSequenceNumber));
        assert_eq!(ordered_sequence("-1"), Err(Poison::BadSequenceNumber));
    }
}
