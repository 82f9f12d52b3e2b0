//! Parsing of an HTTP `Authorization: Basic ...` header value (RFC 7617).
//!
//! The parser is strict about structure and lenient only where clients commonly differ (scheme case,
//! missing base64 padding, surrounding whitespace). Every rejection carries a [`Malformed`] code that
//! is safe to log: it never contains any part of the header.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Longest header value accepted. Real Basic credentials are far shorter; anything longer is either a
/// mistake or an attempt to make us work.
pub const MAX_HEADER_LEN: usize = 4096;

/// Standard alphabet; padding optional but, when present, correct; non-canonical trailing bits
/// rejected (so one credential has exactly one accepted encoding).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(false),
);

/// Credentials presented by a client. `Debug` never prints the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Presented {
    /// The user-id part, before the first `:`. Never empty.
    pub username: String,
    /// The password part, after the first `:` (may itself contain `:`).
    pub password: String,
}

impl std::fmt::Debug for Presented {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Presented")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Why a header value is not acceptable Basic credentials. The `Display` form is a stable,
/// loggable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    /// Empty or whitespace only.
    #[error("empty")]
    Empty,
    /// Longer than [`MAX_HEADER_LEN`].
    #[error("oversized")]
    Oversized,
    /// A control character in the header or in the decoded credentials.
    #[error("control_character")]
    ControlCharacter,
    /// A scheme other than `Basic`.
    #[error("wrong_scheme")]
    WrongScheme,
    /// `Basic` without a token, or with more than one.
    #[error("bad_token_count")]
    BadTokenCount,
    /// The token is not standard base64.
    #[error("bad_base64")]
    BadBase64,
    /// The decoded bytes are not UTF-8.
    #[error("not_utf8")]
    NotUtf8,
    /// No `:` between user-id and password.
    #[error("no_colon")]
    NoColon,
    /// The user-id is empty.
    #[error("empty_user")]
    EmptyUser,
}

/// Parses an `Authorization` header value as Basic credentials.
pub fn parse_basic(header: &str) -> Result<Presented, Malformed> {
    if header.len() > MAX_HEADER_LEN {
        return Err(Malformed::Oversized);
    }
    // Optional whitespace around a field value is not part of it (RFC 9110 5.5).
    let value = header.trim_matches([' ', '\t']);
    if value.is_empty() {
        return Err(Malformed::Empty);
    }
    if value.chars().any(char::is_control) {
        return Err(Malformed::ControlCharacter);
    }
    let mut parts = value.split(' ').filter(|part| !part.is_empty());
    let scheme = parts.next().ok_or(Malformed::Empty)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(Malformed::WrongScheme);
    }
    let (Some(token), None) = (parts.next(), parts.next()) else {
        return Err(Malformed::BadTokenCount);
    };
    let decoded = BASE64.decode(token).map_err(|_| Malformed::BadBase64)?;
    let decoded = String::from_utf8(decoded).map_err(|_| Malformed::NotUtf8)?;
    // RFC 7617 2: neither user-id nor password may contain control characters.
    if decoded.chars().any(char::is_control) {
        return Err(Malformed::ControlCharacter);
    }
    let (username, password) = decoded.split_once(':').ok_or(Malformed::NoColon)?;
    if username.is_empty() {
        return Err(Malformed::EmptyUser);
    }
    Ok(Presented {
        username: username.to_owned(),
        password: password.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn b64(raw: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(raw)
    }

    #[test]
    fn accepts_well_formed_credentials() {
        let ok = parse_basic(&testkit::basic("alice", "s3cret")).unwrap();
        assert_eq!(ok.username, "alice");
        assert_eq!(ok.password, "s3cret");
    }

    #[test]
    fn scheme_is_case_insensitive_and_whitespace_tolerated() {
        for header in [
            format!("basic {}", b64(b"alice:pw")),
            format!("BASIC {}", b64(b"alice:pw")),
            format!("  Basic   {}\t", b64(b"alice:pw")),
        ] {
            let ok = parse_basic(&header).unwrap();
            assert_eq!((ok.username.as_str(), ok.password.as_str()), ("alice", "pw"));
        }
    }

    #[test]
    fn missing_padding_is_tolerated() {
        // "alice:pw1" encodes to "YWxpY2U6cHcx" (no padding); "a:bc" to "YTpiYw==".
        let ok = parse_basic("Basic YTpiYw").unwrap();
        assert_eq!((ok.username.as_str(), ok.password.as_str()), ("a", "bc"));
        let ok = parse_basic("Basic YTpiYw==").unwrap();
        assert_eq!(ok.password, "bc");
        // Padding cut short is still "missing padding".
        let ok = parse_basic("Basic YTpiYw=").unwrap();
        assert_eq!(ok.password, "bc");
    }

    #[test]
    fn splits_at_the_first_colon_only() {
        let ok = parse_basic(&testkit::basic("bob", "a:b:c")).unwrap();
        assert_eq!((ok.username.as_str(), ok.password.as_str()), ("bob", "a:b:c"));
        let ok = parse_basic(&testkit::basic("bob", "")).unwrap();
        assert_eq!(ok.password, "");
    }

    #[test]
    fn utf8_credentials_are_accepted() {
        let ok = parse_basic(&testkit::basic("jürgen", "pässwörd✓")).unwrap();
        assert_eq!(ok.username, "jürgen");
        assert_eq!(ok.password, "pässwörd✓");
    }

    #[test]
    fn debug_never_shows_the_password() {
        let p = parse_basic(&testkit::basic("alice", "hunter2")).unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    /// At least 30 malformed headers, each with the exact reason it is refused.
    #[test]
    fn malformed_headers_are_rejected_with_their_reason() {
        use Malformed::*;
        let long = format!("Basic {}", "A".repeat(MAX_HEADER_LEN));
        let cases: Vec<(String, Malformed)> = vec![
            (String::new(), Empty),
            ("   ".into(), Empty),
            ("\t".into(), Empty),
            (long, Oversized),
            ("x".repeat(MAX_HEADER_LEN + 1), Oversized),
            (format!("Basic {}\r\nX-Injected: 1", b64(b"a:b")), ControlCharacter),
            (format!("Basic\u{0}{}", b64(b"a:b")), ControlCharacter),
            (format!("Basic {}\u{7f}", b64(b"a:b")), ControlCharacter),
            (format!("Basic\t{}", b64(b"a:b")), ControlCharacter),
            (format!("Basic {}", b64(b"a\n:b")), ControlCharacter),
            (format!("Basic {}", b64(b"a:b\x00")), ControlCharacter),
            (format!("Basic {}", b64(b"a:b\x1b[31m")), ControlCharacter),
            (format!("Bearer {}", b64(b"a:b")), WrongScheme),
            (format!("Digest {}", b64(b"a:b")), WrongScheme),
            (format!("Basics {}", b64(b"a:b")), WrongScheme),
            (b64(b"a:b"), WrongScheme),
            ("Basic:abc".into(), WrongScheme),
            ("Basic".into(), BadTokenCount),
            ("basic   ".into(), BadTokenCount),
            (format!("Basic {} {}", b64(b"a:b"), b64(b"c:d")), BadTokenCount),
            (format!("Basic {}, Basic {}", b64(b"a:b"), b64(b"c:d")), BadTokenCount),
            ("Basic a:b".into(), BadBase64),
            ("Basic ####".into(), BadBase64),
            ("Basic YWxpY2U6cHc-".into(), BadBase64),
            ("Basic YWxpY2U6cHc_".into(), BadBase64),
            ("Basic YTpi Yw==".into(), BadTokenCount),
            ("Basic YTpiYw===".into(), BadBase64),
            ("Basic Y".into(), BadBase64),
            ("Basic YTpiYx==".into(), BadBase64),
            ("Basic =YTpiYw".into(), BadBase64),
            (format!("Basic {}", b64(&[0xff, 0xfe, b':', b'x'])), NotUtf8),
            (format!("Basic {}", b64(&[b'a', b':', 0xc3])), NotUtf8),
            (format!("Basic {}", b64(b"alicepw")), NoColon),
            (format!("Basic {}", b64(b"")), BadTokenCount),
            (format!("Basic {}", b64(b":pw")), EmptyUser),
            (format!("Basic {}", b64(b":")), EmptyUser),
        ];
        assert!(cases.len() >= 30, "the table must hold at least 30 malformed headers");
        for (header, reason) in cases {
            assert_eq!(parse_basic(&header), Err(reason), "header {header:?}");
        }
    }

    proptest! {
        /// Whatever arrives, the parser answers without panicking, and what it accepts is well formed.
        #[test]
        fn never_panics_and_accepts_only_well_formed(header in ".{0,300}") {
            if let Ok(p) = parse_basic(&header) {
                prop_assert!(!p.username.is_empty());
                prop_assert!(!p.username.contains(':'));
                prop_assert!(!p.username.chars().chain(p.password.chars()).any(char::is_control));
            }
        }

        #[test]
        fn arbitrary_bytes_as_token_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_basic(&format!("Basic {}", b64(&raw)));
        }

        /// Every well-formed credential round-trips through encode and parse.
        #[test]
        fn round_trips(user in "[^:\\p{Cc}]{1,40}", password in "[^\\p{Cc}]{0,40}") {
            let p = parse_basic(&testkit::basic(&user, &password)).unwrap();
            prop_assert_eq!(p.username, user);
            prop_assert_eq!(p.password, password);
        }
    }
}
