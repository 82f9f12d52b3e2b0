//! Route matching as an HTTP API does it: OpenAPI path templates with `{name}` (one segment,
//! percent-decoded) and a final greedy `{name+}`.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;

/// Matches a request path against an OpenAPI path template, returning the path parameters.
pub fn match_path(template: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let mut parameters = BTreeMap::new();
    let mut actual = path.trim_start_matches('/').split('/');
    let mut expected = template.trim_start_matches('/').split('/').peekable();
    while let Some(part) = expected.next() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            let rest: Vec<&str> = actual.by_ref().collect();
            if rest.is_empty() || expected.peek().is_some() {
                return None;
            }
            parameters.insert(name.to_string(), rest.join("/"));
            return Some(parameters);
        }
        let segment = actual.next()?;
        match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) if !segment.is_empty() => {
                let decoded = percent_decode_str(segment).decode_utf8().ok()?;
                parameters.insert(name.to_string(), decoded.into_owned());
            }
            Some(_) => return None,
            None if part == segment => {}
            None => return None,
        }
    }
    actual.next().is_none().then_some(parameters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_templates() {
        let p = match_path("/submit/{streamName}/{eventId}", "/submit/s/e-1").unwrap();
        assert_eq!(p["streamName"], "s");
        assert_eq!(p["eventId"], "e-1");
        assert_eq!(
            match_path("/submit/{streamName}/{eventId}", "/submit/s/a%20b").unwrap()["eventId"],
            "a b"
        );
        assert!(match_path("/submit/{streamName}/{eventId}", "/submit/s/%ff").is_none());
        assert!(match_path("/submit/{streamName}/{eventId}", "/submit/s").is_none());
        assert!(match_path("/submit/{streamName}/{eventId}", "/submit/s/e/x").is_none());
        assert!(match_path("/submit/{streamName}/{eventId}", "/submit//e").is_none());
        assert!(match_path("/submit/{streamName}/{eventId}", "/other/s/e").is_none());
        assert_eq!(match_path("/files/{path+}", "/files/a/b/c").unwrap()["path"], "a/b/c");
    }
}
