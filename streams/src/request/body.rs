//! Reading a request body: its text (API Gateway may have base64-encoded it), its JSON, and an
//! object's members through a `#[derive(Deserialize)]` type with `deny_unknown_fields`. The types'
//! members are raw JSON values (so numbers are never parsed, and each value is checked by the route
//! that knows what it must be); serde finds the unknown and duplicate members, and every refusal is
//! worded here for the client, naming where it is (`body`, `records[3]`).

use std::borrow::Cow;

use base64::Engine as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::RequestError;

/// The request body as text: decoded from base64 when API Gateway encoded it; `""` when absent.
pub fn body_text(body: Option<&str>, is_base64_encoded: bool) -> Result<Cow<'_, str>, RequestError> {
    let Some(body) = body else {
        return Ok(Cow::Borrowed(""));
    };
    if !is_base64_encoded {
        return Ok(Cow::Borrowed(body));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|_| RequestError::Malformed("body: not valid base64".into()))?;
    String::from_utf8(bytes)
        .map(Cow::Owned)
        .map_err(|_| RequestError::Malformed("body: not UTF-8 text".into()))
}

/// The whole body as one JSON value (never empty).
pub(super) fn parse_body(body: &str) -> Result<&RawValue, RequestError> {
    if body.trim().is_empty() {
        return Err(RequestError::Malformed("body: empty, expected a JSON object".into()));
    }
    // serde_json's syntax errors say where ("expected value at line 1 column 5"), never what.
    serde_json::from_str::<&RawValue>(body).map_err(|e| RequestError::Malformed(format!("body: not valid JSON: {e}")))
}

/// The object `raw` at `path` read as `T`: a derived type with `deny_unknown_fields` whose members
/// are read with [`present`]. A non-object, an unknown member or a duplicate one is refused.
pub(super) fn object<'a, T: Deserialize<'a>>(raw: &'a RawValue, path: &str) -> Result<T, RequestError> {
    // Checked first: a derived struct would also read a JSON array, as its members in order.
    if !raw.get().trim_start().starts_with('{') {
        return Err(RequestError::Malformed(format!(
            "{}: must be a JSON object",
            place(path)
        )));
    }
    serde_json::from_str(raw.get()).map_err(|e| RequestError::Malformed(format!("{}: {}", place(path), reworded(&e))))
}

/// A member read as its raw JSON, `Some` whenever it is present (`null` included, which the route
/// refuses as a value of the wrong type rather than taking for a missing member). With
/// `#[serde(borrow, default, deserialize_with = "present")]`, an absent member is `None`.
pub(super) fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(deserializer).map(Some)
}

/// A required member.
pub(super) fn required<'a>(value: Option<&'a RawValue>, path: &str, name: &str) -> Result<&'a RawValue, RequestError> {
    value.ok_or_else(|| RequestError::Invalid(format!("{}: missing", member_path(path, name))))
}

/// A JSON string member, decoded.
pub(super) fn string(raw: &RawValue, field: &str) -> Result<String, RequestError> {
    serde_json::from_str::<String>(raw.get()).map_err(|_| RequestError::Malformed(format!("{field}: must be a string")))
}

/// The path of member `name` of the object at `path`.
pub(super) fn member_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Where a value sits, for messages: `body` at the top, `records[3]` inside.
fn place(path: &str) -> &str {
    if path.is_empty() { "body" } else { path }
}

/// serde's words for a refused member, in the API's own: serde says ``unknown field `x`, expected
/// `a` or `b` `` (``one of `a`, `b`, `c` `` for more) and ``duplicate field `a` ``, the client reads
/// `unknown field "x", expected a or b` and `duplicate field "a"`. Any other error keeps serde's
/// words. Never the position: the message's path says where.
fn reworded(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    let message = text.strip_suffix(&position).unwrap_or(&text);
    if let Some((name, expected)) = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.rsplit_once("`, expected "))
    {
        let expected = expected
            .strip_prefix("one of ")
            .unwrap_or(expected)
            .replace('`', "")
            .replace(", ", " or ");
        return format!("unknown field {name:?}, expected {expected}");
    }
    if let Some(name) = message
        .strip_prefix("duplicate field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        return format!("duplicate field {name:?}");
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::expect::malformed;

    #[test]
    fn bodies_are_decoded_from_base64() {
        assert_eq!(body_text(None, false).unwrap(), "");
        assert_eq!(body_text(Some("{}"), false).unwrap(), "{}");
        assert_eq!(body_text(Some("eyJhIjoxfQ=="), true).unwrap(), r#"{"a":1}"#);
        assert_eq!(malformed(body_text(Some("***"), true)), "body: not valid base64");
        assert_eq!(malformed(body_text(Some("/w=="), true)), "body: not UTF-8 text");
    }
}
