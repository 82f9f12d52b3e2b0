//! The record's arrival time from the exact JSON text of `approximateArrivalTimestamp`, digit by
//! digit: the event types' own reading goes through `f64` and a string split, which refuses more
//! than millisecond digits and reads `.05` as 5 ms.

use chrono::{DateTime, TimeZone, Utc};

/// Why `approximateArrivalTimestamp` could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ArrivalError {
    /// Not a non-negative decimal number of seconds (nor a string holding one).
    #[error("approximateArrivalTimestamp is not a number of seconds since the epoch")]
    NotSeconds,
    /// A number, but not a time chrono can represent.
    #[error("approximateArrivalTimestamp is out of range")]
    OutOfRange,
}

/// The time `approximateArrivalTimestamp` stands for, from its exact JSON text: a number of seconds
/// since the epoch with a fraction of any length (`1764051234.1234567`, `.05` = 50 ms), or a string
/// holding one (as `aws_lambda_events` writes it). Digits below the nanosecond are truncated.
pub fn arrival_time(json: &str) -> Result<DateTime<Utc>, ArrivalError> {
    let text = if json.starts_with('"') {
        serde_json::from_str::<String>(json).map_err(|_| ArrivalError::NotSeconds)?
    } else {
        json.to_owned()
    };
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => {
            let exponent: i64 = text[at + 1..].parse().map_err(|_| ArrivalError::NotSeconds)?;
            (&text[..at], exponent)
        }
        None => (text.as_str(), 0),
    };
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if integer.is_empty() || !integer.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        // Negative numbers land here too: nothing arrived in a stream before 1970.
        return Err(ArrivalError::NotSeconds);
    }
    // Seconds fit in 12 digits until the year 33658: a wider shift is out of range, not a reason
    // to build a long string.
    if exponent.unsigned_abs() > 64 {
        return Err(ArrivalError::OutOfRange);
    }
    // Move the decimal point by the exponent, digit by digit (never through f64).
    let digits = format!("{integer}{fraction}");
    let point = integer.len() as i64 + exponent;
    let (whole, part) = if point <= 0 {
        (
            String::new(),
            format!("{}{digits}", "0".repeat(point.unsigned_abs() as usize)),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        let (whole, part) = digits.split_at(point as usize);
        (whole.to_owned(), part.to_owned())
    };
    let whole = whole.trim_start_matches('0');
    let seconds: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| ArrivalError::OutOfRange)?
    };
    let nanos_digits: String = part.chars().chain(std::iter::repeat('0')).take(9).collect();
    let nanos: u32 = nanos_digits.parse().map_err(|_| ArrivalError::NotSeconds)?;
    Utc.timestamp_opt(seconds, nanos)
        .single()
        .ok_or(ArrivalError::OutOfRange)
}
