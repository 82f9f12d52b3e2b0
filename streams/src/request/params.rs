//! The request's path and query parameters: `{streamName}`, checked as Kinesis checks a stream name
//! (the configuration checks its stream names the same way), and `GET /streams?limit=`.

use std::collections::HashMap;

use super::RequestError;

/// Longest stream name.
pub const MAX_STREAM_NAME: usize = 128;
/// Most names `GET /streams?limit=` may ask for (ListStreams' own maximum).
pub const MAX_LIST_LIMIT: usize = 10_000;

/// Checks a stream name as Kinesis does: 1 to 128 characters from `[a-zA-Z0-9_.-]`. The error
/// says what is wrong, without the name.
pub fn check_stream_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty, at least 1 character".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "{bad:?} is not allowed: only letters, digits, '_', '.' and '-'"
        ));
    }
    if name.len() > MAX_STREAM_NAME {
        return Err(format!("{} characters, at most {MAX_STREAM_NAME}", name.len()));
    }
    Ok(())
}

/// The `{streamName}` path parameter, checked.
pub fn stream_name(path_parameters: &HashMap<String, String>) -> Result<&str, RequestError> {
    let name = path_parameters
        .get("streamName")
        .ok_or_else(|| RequestError::Invalid("streamName: missing path parameter".into()))?;
    check_stream_name(name).map_err(|why| RequestError::Invalid(format!("streamName: {why}")))?;
    Ok(name)
}

/// `?limit=N` of `GET /streams`: a whole number from 1 to 10,000, or absent.
pub fn list_limit(value: Option<&str>) -> Result<Option<usize>, RequestError> {
    let Some(value) = value else {
        return Ok(None);
    };
    value
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_LIST_LIMIT).contains(n))
        .map(Some)
        .ok_or_else(|| RequestError::Invalid(format!("limit: must be a whole number from 1 to {MAX_LIST_LIMIT}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::expect::invalid;

    #[test]
    fn stream_names_as_kinesis_checks_them() {
        for ok in ["a", "A-b_c.9", &"x".repeat(128)] {
            assert_eq!(check_stream_name(ok), Ok(()), "{ok}");
        }
        assert_eq!(check_stream_name(""), Err("empty, at least 1 character".into()));
        assert_eq!(
            check_stream_name(&"x".repeat(129)),
            Err("129 characters, at most 128".into())
        );
        for bad in ["a b", "a/b", "é", "a:b", "a%2Fb", "a\u{0}"] {
            assert!(check_stream_name(bad).is_err(), "{bad:?}");
        }
        let params = HashMap::from([("streamName".to_string(), "bad name".to_string())]);
        assert!(invalid(stream_name(&params)).starts_with("streamName: ' ' is not allowed"));
        assert_eq!(
            invalid(stream_name(&HashMap::new())),
            "streamName: missing path parameter"
        );
    }

    #[test]
    fn list_limit_range() {
        assert_eq!(list_limit(None), Ok(None));
        assert_eq!(list_limit(Some("1")), Ok(Some(1)));
        assert_eq!(list_limit(Some("10000")), Ok(Some(10_000)));
        for bad in ["0", "10001", "-1", "x", "", "1.5", "1,2", " 3"] {
            assert_eq!(
                invalid(list_limit(Some(bad))),
                "limit: must be a whole number from 1 to 10000",
                "{bad:?}"
            );
        }
    }
}
