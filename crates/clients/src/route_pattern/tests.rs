use super::*;
use proptest::prelude::*;

fn allows(pattern: &str, method: &str, path: &str) -> bool {
    let pattern = RoutePattern::parse(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
    decode_path(path).is_some_and(|segments| pattern.matches(method, &segments))
}

#[test]
fn the_issue_examples() {
    assert!(allows("POST /submit/orders-*/*", "POST", "/submit/orders-eu/e1"));
    assert!(allows("POST /submit/orders-*/*", "POST", "/submit/orders-/e1"));
    assert!(!allows("POST /submit/orders-*/*", "POST", "/submit/audit/e1"));
    assert!(!allows("POST /submit/orders-*/*", "GET", "/submit/orders-eu/e1"));
    assert!(!allows("POST /submit/orders-*/*", "POST", "/submit/orders-eu"));
    assert!(!allows("POST /submit/orders-*/*", "POST", "/submit/orders-eu/e1/x"));
    assert!(allows("GET /streams", "GET", "/streams"));
    assert!(!allows("GET /streams", "GET", "/streams/s"));
    assert!(allows("POST /topics/*", "POST", "/topics/t"));
    assert!(!allows("POST /topics/*", "POST", "/topics/t/partitions/0"));
    assert!(allows("POST /topics/**", "POST", "/topics/t/partitions/0"));
    assert!(!allows("POST /topics/**", "POST", "/topics"));
    assert!(allows("* /streams/**", "DELETE", "/streams/s"));
    assert!(allows("ANY /streams/**", "PUT", "/streams/s/record"));
    assert!(allows("POST /submit/{streamName}/{eventId}", "POST", "/submit/a/b"));
}

#[test]
fn encoded_paths_are_judged_decoded() {
    assert!(allows("POST /submit/orders-*/*", "POST", "/submit/orders%2Deu/e1"));
    assert!(!allows("POST /submit/orders-*/*", "POST", "/submit/%61udit/e1"));
    // An encoded slash would let one segment pose as two: nothing matches it.
    assert!(!allows("POST /submit/*/*", "POST", "/submit/orders%2Fx/e1"));
    assert!(!allows("POST /submit/**", "POST", "/submit/a%2Fb"));
    assert!(!allows("POST /submit/*/*", "POST", "/submit/%ff/e1"));
    assert_eq!(decode_path("no-slash"), None);
    assert!(!allows("GET /streams/**", "GET", "/streams/../topics"));
    assert!(!allows("GET /streams/**", "GET", "/streams/%2e%2e/topics"));
    assert!(!allows("GET /streams/*", "GET", "/streams/."));
}

#[test]
fn bad_patterns_are_refused() {
    for (text, error) in [
        ("/submit/x", PatternError::Shape),
        ("POST submit", PatternError::Shape),
        ("post /submit", PatternError::Method),
        ("POST /submit//x", PatternError::EmptySegment),
        ("POST /submit/", PatternError::EmptySegment),
        ("POST /a/**/b", PatternError::DoubleStar),
        ("POST /a/x**", PatternError::DoubleStar),
        ("POST /a/%2F", PatternError::Character),
        ("POST /a/b c", PatternError::Character),
        ("POST /a/{x", PatternError::Character),
    ] {
        assert_eq!(RoutePattern::parse(text), Err(error), "{text}");
    }
    assert_eq!(
        RoutePattern::parse(&format!("GET /{}", "a".repeat(600))),
        Err(PatternError::TooLong)
    );
}

#[test]
fn execute_api_resources() {
    let stage = "arn:aws:execute-api:eu-west-1:1:api/prod";
    let resource = |p: &str| RoutePattern::parse(p).unwrap().execute_api_resource(stage);
    assert_eq!(
        resource("POST /submit/orders-*/*"),
        format!("{stage}/POST/submit/orders-*/*")
    );
    assert_eq!(resource("* /streams/**"), format!("{stage}/*/streams/*"));
    assert_eq!(resource("GET /streams"), format!("{stage}/GET/streams"));
}

/// An independent reference: the pattern as an anchored regular expression over the joined path.
fn reference(pattern: &str, method: &str, segments: &[String]) -> bool {
    let (m, path) = pattern.split_once(' ').unwrap();
    if m != "*" && m != "ANY" && m != method {
        return false;
    }
    let mut expression = String::from("^");
    for part in path.trim_start_matches('/').split('/') {
        expression.push('/');
        if part == "**" {
            expression.push_str(".+");
        } else {
            expression.push_str(&part.split('*').map(regex::escape).collect::<Vec<_>>().join("[^/]*"));
        }
    }
    expression.push('$');
    let joined: String = segments.iter().map(|s| format!("/{s}")).collect();
    regex::Regex::new(&expression).unwrap().is_match(&joined)
}

fn segment() -> impl Strategy<Value = String> {
    prop::string::string_regex("[a-c*-]{1,4}").unwrap()
}

fn value() -> impl Strategy<Value = String> {
    prop::string::string_regex("[a-c-]{0,4}").unwrap()
}

proptest! {
    /// Whatever the pattern and the request, the matcher allows exactly what the reference allows:
    /// in particular, never a method, a segment count or a segment outside the pattern.
    #[test]
    fn never_allows_outside_the_pattern(
        method in prop::sample::select(vec!["GET", "POST", "*"]),
        parts in prop::collection::vec(segment(), 1..4),
        rest in any::<bool>(),
        request_method in prop::sample::select(vec!["GET", "POST", "PUT"]),
        values in prop::collection::vec(value(), 1..6),
    ) {
        let parts: Vec<String> = parts
            .into_iter()
            .map(|mut p| {
                while p.contains("**") {
                    p = p.replace("**", "*");
                }
                p
            })
            .collect();
        let mut text = format!("{method} /{}", parts.join("/"));
        if rest {
            text.push_str("/**");
        }
        let pattern = RoutePattern::parse(&text).unwrap();
        let values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
        prop_assume!(!values.is_empty());
        prop_assert_eq!(pattern.matches(request_method, &values), reference(&text, request_method, &values), "{} vs {:?}", text, values);
    }
}
