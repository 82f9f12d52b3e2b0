//! Tests of route matching: path templates, full matches over greedy ones, methods over `ANY`.

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

#[test]
fn full_matches_win_over_greedy_ones_and_methods_over_any() {
    use crate::template::Integration;
    let route = |method: &str, path: &str| Route {
        method: method.into(),
        path: path.into(),
        authorizer: None,
        integration: Integration::NotEmulated(String::new()),
    };
    let routes = [
        route("ANY", "/topics/{proxy+}"),
        route("GET", "/topics"),
        route("GET", "/topics/{topic}"),
        route("ANY", "/topics/{topic}"),
    ];
    let pick = |method: &str, path: &str| select(&routes, method, path).map(|(r, _)| r.key());
    assert_eq!(pick("GET", "/topics").as_deref(), Some("GET /topics"));
    assert_eq!(pick("GET", "/topics/a").as_deref(), Some("GET /topics/{topic}"));
    assert_eq!(pick("POST", "/topics/a").as_deref(), Some("ANY /topics/{topic}"));
    assert_eq!(pick("POST", "/topics/a/b").as_deref(), Some("ANY /topics/{proxy+}"));
    assert_eq!(pick("POST", "/topics"), None);
    assert_eq!(pick("GET", "/other"), None);
}
