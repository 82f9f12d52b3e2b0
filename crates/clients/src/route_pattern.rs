//! A client's route scope: `"POST /submit/orders-*/*"`, `"GET /streams"`, `"* /topics/**"`.
//!
//! A pattern is a method and a path. The method is an HTTP method in capitals, or `*`/`ANY` for every
//! method. The path is `/`-separated segments:
//! - `*` inside a segment matches any characters of that one segment (never a `/`), so
//!   `orders-*` matches the stream `orders-eu` and `orders-` but not `audit`;
//! - a whole segment `{name}` (as in a route key) is the same as `*`;
//! - `**` as the last segment matches one or more remaining segments.
//!
//! Requests are matched on their *decoded* path segments ([`decode_path`]): a stream name reaches the
//! integration decoded, so that is what a scope must judge. A path whose segment decodes to something
//! with a `/`, or to bytes that are not UTF-8, matches nothing: a scope never guesses.

use std::fmt;

/// The longest pattern accepted (a route key is far shorter; this bounds what a secret can make the
/// authorizer do per request).
pub const MAX_PATTERN_LEN: usize = 512;

/// A parsed route pattern.
#[derive(Clone, PartialEq, Eq)]
pub struct RoutePattern {
    text: String,
    method: Option<String>,
    segments: Vec<Segment>,
    rest: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Literal text with `*` wildcards.
    Glob(String),
}

/// Why a pattern is refused. Quotes nothing from the secret beyond the pattern's own shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// Not `METHOD /path`.
    #[error("a route is `METHOD /path` (for example `POST /submit/orders-*/*`)")]
    Shape,
    /// The method is not capital letters, `*` or `ANY`.
    #[error("the method must be an HTTP method in capitals, `*` or `ANY`")]
    Method,
    /// An empty segment (`//`, or a trailing `/`).
    #[error("the path has an empty segment")]
    EmptySegment,
    /// A character a route cannot hold (whitespace, `%`, `?`, `#`, braces inside a segment).
    #[error("the path has a character a route cannot hold (whitespace, %, ?, # or a brace inside a segment)")]
    Character,
    /// `**` anywhere but as the last segment, or inside a segment.
    #[error("`**` may only be the whole last segment")]
    DoubleStar,
    /// Longer than [`MAX_PATTERN_LEN`].
    #[error("a route is at most {MAX_PATTERN_LEN} characters")]
    TooLong,
}

impl RoutePattern {
    /// Parses a pattern.
    pub fn parse(text: &str) -> Result<RoutePattern, PatternError> {
        if text.len() > MAX_PATTERN_LEN {
            return Err(PatternError::TooLong);
        }
        let (method, path) = text.split_once(' ').ok_or(PatternError::Shape)?;
        let method = match method {
            "*" | "ANY" => None,
            m if !m.is_empty() && m.len() <= 16 && m.bytes().all(|b| b.is_ascii_uppercase()) => Some(m.to_string()),
            _ => return Err(PatternError::Method),
        };
        let path = path.strip_prefix('/').ok_or(PatternError::Shape)?;
        let mut segments = Vec::new();
        let mut rest = false;
        let parts: Vec<&str> = path.split('/').collect();
        for (index, part) in parts.iter().enumerate() {
            if part.is_empty() {
                return Err(PatternError::EmptySegment);
            }
            if *part == "**" {
                if index + 1 != parts.len() {
                    return Err(PatternError::DoubleStar);
                }
                rest = true;
                continue;
            }
            if part.contains("**") {
                return Err(PatternError::DoubleStar);
            }
            if part.starts_with('{') && part.ends_with('}') && part.len() > 2 {
                let name = &part[1..part.len() - 1];
                if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '+') {
                    segments.push(Segment::Glob("*".into()));
                    continue;
                }
            }
            if part
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '%' | '?' | '#' | '{' | '}'))
            {
                return Err(PatternError::Character);
            }
            segments.push(Segment::Glob((*part).to_string()));
        }
        Ok(RoutePattern {
            text: text.to_string(),
            method,
            segments,
            rest,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether a request with `method` and decoded path `segments` is inside this pattern.
    pub fn matches<S: AsRef<str>>(&self, method: &str, segments: &[S]) -> bool {
        if self.method.as_deref().is_some_and(|m| m != method) {
            return false;
        }
        let fixed = self.segments.len();
        let count_ok = if self.rest {
            segments.len() > fixed
        } else {
            segments.len() == fixed
        };
        count_ok
            && self
                .segments
                .iter()
                .zip(segments)
                .all(|(Segment::Glob(glob), value)| glob_matches(glob, value.as_ref()))
    }

    /// The `execute-api` ARN pattern of this route under `stage_arn` (`arn:…:api-id/stage`), for the
    /// policy of a REST authorizer. IAM's `*` also spans `/`, so the policy can be wider than the
    /// pattern; the authorizer checks each request it is asked about against the pattern itself.
    pub fn execute_api_resource(&self, stage_arn: &str) -> String {
        let method = self.method.as_deref().unwrap_or("*");
        let mut path: Vec<&str> = self.segments.iter().map(|Segment::Glob(glob)| glob.as_str()).collect();
        if self.rest {
            path.push("*");
        }
        format!("{stage_arn}/{method}/{}", path.join("/"))
    }
}

impl fmt::Debug for RoutePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RoutePattern({:?})", self.text)
    }
}

impl fmt::Display for RoutePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `*`-only wildcard matching (no `?`, no classes), linear in practice: the classic two-pointer
/// walk with one backtrack point.
fn glob_matches(glob: &str, value: &str) -> bool {
    let (glob, value) = (glob.as_bytes(), value.as_bytes());
    let (mut g, mut v) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while v < value.len() {
        if g < glob.len() && glob[g] == b'*' {
            star = Some((g, v));
            g += 1;
        } else if g < glob.len() && glob[g] == value[v] {
            g += 1;
            v += 1;
        } else if let Some((star_g, star_v)) = star {
            g = star_g + 1;
            v = star_v + 1;
            star = Some((star_g, star_v + 1));
        } else {
            return false;
        }
    }
    glob[g..].iter().all(|b| *b == b'*')
}

/// A request path (without the stage prefix, starting with `/`) as decoded segments; `None` when a
/// segment does not decode to UTF-8 without a `/`, is `.` or `..` (encoded or not), or the path does
/// not start with `/`.
pub fn decode_path(path: &str) -> Option<Vec<String>> {
    let path = path.strip_prefix('/')?;
    path.split('/')
        .map(|raw| {
            let decoded = percent_encoding::percent_decode_str(raw).decode_utf8().ok()?;
            // `.` and `..` would mean another path to whatever resolves them downstream.
            (!decoded.contains('/') && decoded != "." && decoded != "..").then(|| decoded.into_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests;
