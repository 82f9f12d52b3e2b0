//! JSON text kept as the client wrote it, minus the whitespace between tokens: a Kinesis record's
//! data in the streams function (`Data` of PutRecord), a Kafka record's key and value in the local
//! REST Proxy produce request (the topics function).
//!
//! The text is kept as it arrived, minus the whitespace between tokens: numbers keep their exact
//! digits (`12345678901234567890123456789012345678`, `1.50`, `1e400` stay as written: never parsed
//! into an `f64`), strings keep their escapes, object keys keep their order and duplicates. Only
//! whitespace outside strings is dropped, so two requests that differ only in formatting store the
//! same bytes.

/// The compact form of `json`, which must already be valid JSON (a `RawValue`'s text): every space,
/// tab, carriage return and line feed outside a string is removed, nothing else changes.
pub fn compact_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    out
}

/// The deepest nesting of arrays and objects in `json` (valid JSON text): 0 for a scalar. A byte
/// scan, so a hostile 100,000-deep document costs no stack.
pub fn nesting_depth(json: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for b in json.bytes() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    /// Compacts the `Data` member of a body, as the request parser does.
    fn data_of(body: &str) -> String {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(rename = "Data")]
            data: Box<RawValue>,
        }
        let body: Body = serde_json::from_str(body).expect("valid JSON");
        compact_json(body.data.get())
    }

    #[test]
    fn nesting_depth_counts_containers_outside_strings() {
        assert_eq!(nesting_depth("1"), 0);
        assert_eq!(nesting_depth(r#""[[[""#), 0);
        assert_eq!(nesting_depth(r#"{"a":[1,{"b":"]}\\\"{"}]}"#), 3);
        assert_eq!(
            nesting_depth(&format!("{}{}", "[".repeat(5000), "]".repeat(5000))),
            5000
        );
    }

    #[test]
    fn numbers_keep_their_exact_text() {
        for number in [
            "12345678901234567890123456789012345678",
            "-0.000000000000000000000000000000000001",
            "1.50",
            "1e400",
            "-1.5E-3",
            "9007199254740993",
            "0",
        ] {
            assert_eq!(compact_json(&format!(" {number} ")), number);
            assert_eq!(data_of(&format!(r#"{{"Data": [ {number} ] }}"#)), format!("[{number}]"));
        }
    }

    #[test]
    fn whitespace_between_tokens_goes_and_strings_stay() {
        let body = "{\"Data\":\r\n\t{ \"a b\" : \"c  d\" ,\n \"n\": [ 1 , 2.0 , { \"x\" : null } ], \"t\" : true } }";
        assert_eq!(data_of(body), r#"{"a b":"c  d","n":[1,2.0,{"x":null}],"t":true}"#);
    }

    #[test]
    fn escapes_are_kept_as_written() {
        // An escaped quote or backslash must not end the string early.
        let raw = r#"{ "q" : "say \"hi there\" " , "b" : "back\\ slash\\" , "u" : "\u00e9 \n \t", "k\" ey" : 1 }"#;
        assert_eq!(
            compact_json(raw),
            r#"{"q":"say \"hi there\" ","b":"back\\ slash\\","u":"\u00e9 \n \t","k\" ey":1}"#
        );
        // Still the same JSON value.
        let before: serde_json::Value = serde_json::from_str(raw).unwrap();
        let after: serde_json::Value = serde_json::from_str(&compact_json(raw)).unwrap();
        assert_eq!(before, after);
    }

    #[test]
    fn unicode_and_scalars() {
        assert_eq!(compact_json(r#" "✓ — 日本 " "#), r#""✓ — 日本 ""#);
        assert_eq!(compact_json(" null "), "null");
        assert_eq!(compact_json("\"\""), "\"\"");
        assert_eq!(compact_json("[ ]"), "[]");
        assert_eq!(compact_json("{ }"), "{}");
        assert_eq!(
            compact_json(r#"{"a":[{"b":[{"c":[]}]}]}"#),
            r#"{"a":[{"b":[{"c":[]}]}]}"#
        );
    }

    #[test]
    fn nested_objects_with_big_numbers() {
        let body = r#"{"Data": {"outer": {"inner": {"big": 340282366920938463463374607431768211457,
            "neg": -98765432109876543210.123456789, "list": [ 1e-130 , 1E126 ] } } } }"#;
        assert_eq!(
            data_of(body),
            r#"{"outer":{"inner":{"big":340282366920938463463374607431768211457,"neg":-98765432109876543210.123456789,"list":[1e-130,1E126]}}}"#
        );
    }

    #[test]
    fn duplicate_keys_and_key_order_stay() {
        assert_eq!(compact_json(r#"{ "b": 1, "a": 2, "b": 3 }"#), r#"{"b":1,"a":2,"b":3}"#);
    }

    #[test]
    fn whitespace_between_tokens_only() {
        assert_eq!(compact_json(" { \"a b\" : [ 1 ,\n\t2 ] } "), r#"{"a b":[1,2]}"#);
        assert_eq!(compact_json(r#""say \"hi \" \\" "#), r#""say \"hi \" \\""#);
        assert_eq!(compact_json(r#"{"k": "\\", "l": " x "}"#), r#"{"k":"\\","l":" x "}"#);
        assert_eq!(compact_json("\"\\u00e9\""), "\"\\u00e9\"");
        assert_eq!(compact_json("1e2"), "1e2");
    }
}
