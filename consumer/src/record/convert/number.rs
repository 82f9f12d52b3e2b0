//! DynamoDB's rules for numbers: at most 38 significant digits, magnitudes from 1e-130 to below
//! 1e126, stored as the exact decimal text (never through `f64`).

use std::borrow::Cow;

use crate::item::MAX_SIGNIFICANT_DIGITS;
use crate::record::Poison;

/// Checks a JSON number against DynamoDB's limits and returns the text to store: the JSON text
/// itself (borrowed) when it has no exponent, otherwise the same value in plain decimal notation
/// (exact: digits are moved, never computed in floating point).
pub fn dynamodb_number(json: &str) -> Result<Cow<'_, str>, Poison> {
    let (negative, unsigned) = match json.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, json),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => {
            let exponent: i64 = unsigned[at + 1..].parse().map_err(|_| Poison::BadNumber)?;
            (&unsigned[..at], exponent)
        }
        None => (unsigned, 0),
    };
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if integer.is_empty() || !integer.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(Poison::BadNumber);
    }
    // Positions in the digits of integer and fraction read as one run, found without building it:
    // this runs for every number of every record.
    let nonzero = |b: u8| b != b'0';
    let first = integer
        .bytes()
        .position(nonzero)
        .or_else(|| fraction.bytes().position(nonzero).map(|at| integer.len() + at));
    let Some(first) = first else {
        return Ok(Cow::Borrowed(if negative { "-0" } else { "0" }));
    };
    let last = fraction
        .bytes()
        .rposition(nonzero)
        .map(|at| integer.len() + at)
        .or_else(|| integer.bytes().rposition(nonzero))
        .unwrap_or(first);
    if last + 1 - first > MAX_SIGNIFICANT_DIGITS {
        return Err(Poison::BadNumber);
    }
    // The value is 0.<significant> × 10^point: `point` places the decimal point relative to the
    // first significant digit, and the magnitude is 10^(point-1).
    let point = integer.len() as i64 - first as i64 + exponent;
    if !(-129..=126).contains(&point) {
        return Err(Poison::BadNumber);
    }
    if exponent == 0 {
        return Ok(Cow::Borrowed(json));
    }
    let digits = [integer, fraction].concat();
    let significant = &digits[first..=last];
    let sign = if negative { "-" } else { "" };
    let len = significant.len() as i64;
    Ok(Cow::Owned(if point <= 0 {
        format!("{sign}0.{}{significant}", "0".repeat((-point) as usize))
    } else if point >= len {
        format!("{sign}{significant}{}", "0".repeat((point - len) as usize))
    } else {
        let (whole, part) = significant.split_at(point as usize);
        format!("{sign}{whole}.{part}")
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamodb_number_limits() {
        assert_eq!(dynamodb_number("1e125").unwrap().len(), 126);
        assert_eq!(
            dynamodb_number("9.9999999999999999999999999999999999999e125")
                .unwrap()
                .len(),
            126
        );
        assert_eq!(dynamodb_number("1e126"), Err(Poison::BadNumber));
        assert_eq!(dynamodb_number("1e-130").unwrap(), format!("0.{}1", "0".repeat(129)));
        assert_eq!(dynamodb_number("1e-131"), Err(Poison::BadNumber));
        assert_eq!(dynamodb_number("-1e-131"), Err(Poison::BadNumber));
        assert_eq!(dynamodb_number("0e999").unwrap(), "0");
        assert_eq!(
            dynamodb_number("1000000000000000000000000000000000000000000000")
                .unwrap()
                .len(),
            46
        );
        assert_eq!(dynamodb_number(&"1".repeat(39)), Err(Poison::BadNumber));
        assert_eq!(
            dynamodb_number(&format!("0.{}", "1".repeat(38))).unwrap(),
            format!("0.{}", "1".repeat(38))
        );
        assert_eq!(dynamodb_number("123.456e1").unwrap(), "1234.56");
        assert_eq!(dynamodb_number("-123.456e-5").unwrap(), "-0.00123456");
        assert_eq!(dynamodb_number("12e+2").unwrap(), "1200");
    }
}
