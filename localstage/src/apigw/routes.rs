//! Route matching as an HTTP API does it: OpenAPI path templates with `{name}` (one segment,
//! percent-decoded) and a final greedy `{name+}`.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;

use crate::template::Route;

/// The route a request takes, with its path parameters, as an HTTP API picks it: a full match of
/// method and path first, then a match with a greedy `{name+}` variable; `ANY` matches every
/// method, an explicit method wins over `ANY`.
pub fn select<'a>(routes: &'a [Route], method: &str, path: &str) -> Option<(&'a Route, BTreeMap<String, String>)> {
    let greedy = |route: &Route| route.path.contains("+}");
    let candidates = |want_greedy: bool, want_any: bool| {
        routes
            .iter()
            .filter(move |r| greedy(r) == want_greedy)
            .filter(move |r| {
                if want_any {
                    r.method == "ANY"
                } else {
                    r.method == method
                }
            })
    };
    [(false, false), (false, true), (true, false), (true, true)]
        .into_iter()
        .find_map(|(want_greedy, want_any)| {
            candidates(want_greedy, want_any).find_map(|route| match_path(&route.path, path).map(|p| (route, p)))
        })
}

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
mod tests;
