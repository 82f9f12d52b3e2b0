//! Generated passwords and the strength every client's password must have.
//!
//! Generated from the operating system's CSPRNG (`getrandom`) without modulo bias, over an alphabet
//! without the characters people confuse when reading a password aloud or off a screen (`0 O o 1 l
//! I i`) and without punctuation (no `:`, the Basic separator, nothing a shell or a header mangles).

/// Letters and digits minus the ambiguous ones: 55 characters, ~5.8 bits each.
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz";

/// The length of a generated password: 40 characters, ~231 bits.
pub const GENERATED_LENGTH: usize = 40;

/// The shortest password the rotation's test step accepts.
pub const MIN_LENGTH: usize = 32;

/// The operating system's random generator failed.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random generator failed: {0}")]
pub struct RandomError(String);

/// A new password of [`GENERATED_LENGTH`] characters from [`ALPHABET`].
pub fn generate() -> Result<String, RandomError> {
    generate_from(ALPHABET, GENERATED_LENGTH)
}

/// A password of `length` characters from `alphabet` (at most 256 distinct bytes). Bytes at or above
/// the largest multiple of the alphabet's size are drawn again, so every character is equally likely.
pub fn generate_from(alphabet: &[u8], length: usize) -> Result<String, RandomError> {
    let usable = 256 - 256 % alphabet.len();
    let mut password = String::with_capacity(length);
    let mut buffer = [0u8; 64];
    while password.len() < length {
        getrandom::fill(&mut buffer).map_err(|e| RandomError(e.to_string()))?;
        for byte in buffer.iter().map(|b| usize::from(*b)).filter(|b| *b < usable) {
            if password.len() < length {
                password.push(char::from(alphabet[byte % alphabet.len()]));
            }
        }
    }
    Ok(password)
}

/// Whether `password` is strong enough to keep: at least [`MIN_LENGTH`] characters, and not a short
/// run repeated (at least 8 distinct characters), which a length rule alone would let through.
pub fn is_strong(password: &str) -> bool {
    let mut seen: Vec<char> = password.chars().collect();
    let length = seen.len();
    seen.sort_unstable();
    seen.dedup();
    length >= MIN_LENGTH && seen.len() >= 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_strong_unambiguous_and_different() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_eq!(a.len(), GENERATED_LENGTH);
        assert_ne!(a, b);
        assert!(is_strong(&a));
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
        for ambiguous in ['0', 'O', 'o', '1', 'l', 'I', 'i', ':'] {
            assert!(!ALPHABET.contains(&(ambiguous as u8)), "{ambiguous}");
        }
    }

    #[test]
    fn every_character_is_drawn() {
        let sample: String = (0..50).map(|_| generate().unwrap()).collect();
        assert!(ALPHABET.iter().all(|c| sample.as_bytes().contains(c)));
    }

    #[test]
    fn strength_rule() {
        assert!(!is_strong("short"));
        assert!(!is_strong(&"ab".repeat(20)));
        assert!(!is_strong(&"abcdefgh".repeat(3)));
        assert!(is_strong(&"abcdefgh".repeat(4)));
    }
}
