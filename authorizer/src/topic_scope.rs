//! The `/topics` routes' path check, done here because in the `KafkaRestProxyUrl` mode API Gateway
//! forwards the request to a REST Proxy the stack does not control, and an HTTP API has no other
//! place to refuse a path before it is forwarded.
//!
//! The path's `{topic}` and `{partition}` are read from `rawPath` (encoding intact), which must have
//! exactly the route key's segments (after the stage's own prefix, for a named stage): a topic must pass
//! [`kafkatopic::TopicPolicy`] (Kafka's name rule, so no `..`, `%2e%2e`, `%2f`, `;`; the stack's
//! `KafkaTopicPattern`; no internal topics), a partition must be an integer. The verdict depends on
//! the path, so the routes that use it have an authorizer whose identity sources include
//! `$context.routeKey` and `$context.path`: a cached allow never covers another topic.

use kafkatopic::TopicPolicy;

/// Why a path is refused (logged as `detail`; never the path itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRefusal {
    /// The raw path does not have the route's shape (an empty or missing segment).
    Shape,
    /// `{topic}` is not a topic this API serves.
    Topic,
    /// `{partition}` is not an integer.
    Partition,
}

impl PathRefusal {
    /// A stable code for the decision log.
    pub fn code(self) -> &'static str {
        match self {
            PathRefusal::Shape => "path_shape",
            PathRefusal::Topic => "topic_refused",
            PathRefusal::Partition => "partition_not_integer",
        }
    }
}

/// Checks the path parameters of `route_key` (`"POST /topics/{topic}"`) in `raw_path` of a request to
/// `stage`. Routes outside `/topics` pass; a `/topics` route's raw path must match its key segment
/// for segment (literals equal, `{topic}` and `{partition}` valid), so no path the authorizer did not
/// check can reach the integration under a route it allowed.
pub fn check_path(policy: &TopicPolicy, route_key: &str, raw_path: &str, stage: &str) -> Result<(), PathRefusal> {
    let template = route_key.split_once(' ').map_or(route_key, |(_, path)| path);
    let names: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    if names.first() != Some(&"topics") {
        return Ok(());
    }
    let raw = crate::event::path_in_stage(raw_path, stage)
        .and_then(|path| path.strip_prefix('/'))
        .ok_or(PathRefusal::Shape)?;
    let values: Vec<&str> = raw.split('/').collect();
    if values.len() != names.len() {
        return Err(PathRefusal::Shape);
    }
    for (name, value) in names.iter().zip(&values) {
        match *name {
            "{topic}" => policy.check(value).map_err(|_| PathRefusal::Topic)?,
            "{partition}" => {
                value.parse::<i32>().map_err(|_| PathRefusal::Partition)?;
            }
            literal if literal.starts_with('{') => {}
            literal if literal == *value => {}
            _ => return Err(PathRefusal::Shape),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, route_key: &str, raw_path: &str) -> Result<(), PathRefusal> {
        let policy = TopicPolicy::new(pattern).unwrap_or_else(|e| panic!("{e}"));
        match raw_path.strip_prefix("/prod/") {
            Some(_) => check_path(&policy, route_key, raw_path, "prod"),
            None => check_path(&policy, route_key, raw_path, "$default"),
        }
    }

    #[test]
    fn topic_routes_need_a_topic_the_pattern_allows() {
        assert_eq!(check("orders.*", "POST /topics/{topic}", "/topics/orders.pin"), Ok(()));
        assert_eq!(
            check("orders.*", "POST /topics/{topic}", "/prod/topics/orders.pin"),
            Ok(())
        );
        assert_eq!(
            check("orders.*", "POST /topics/{topic}", "/topics/geo.pin"),
            Err(PathRefusal::Topic)
        );
        assert_eq!(
            check("*", "GET /topics/{topic}", "/topics/_schemas"),
            Err(PathRefusal::Topic)
        );
        assert_eq!(
            check(
                "*",
                "POST /topics/{topic}/partitions/{partition}",
                "/topics/a/partitions/2"
            ),
            Ok(())
        );
        assert_eq!(
            check(
                "*",
                "POST /topics/{topic}/partitions/{partition}",
                "/topics/a/partitions/-1"
            ),
            Ok(())
        );
        assert_eq!(
            check(
                "*",
                "POST /topics/{topic}/partitions/{partition}",
                "/topics/a/partitions/x"
            ),
            Err(PathRefusal::Partition)
        );
    }

    #[test]
    fn every_traversal_form_is_refused() {
        for raw in [
            "/topics/..",
            "/topics/..;",
            "/topics/%2e%2e",
            "/topics/%2E%2E",
            "/topics/a%2fb",
            "/topics/",
            "/topics/.",
            "/topics/a;b",
        ] {
            assert!(check("*", "POST /topics/{topic}", raw).is_err(), "{raw}");
        }
        assert_eq!(check("*", "POST /topics/{topic}", "topic"), Err(PathRefusal::Shape));
        assert_eq!(
            check("*", "POST /topics/{topic}/partitions/{partition}", "/topics/a/x/1"),
            Err(PathRefusal::Shape)
        );
    }

    #[test]
    fn other_routes_pass_untouched() {
        assert_eq!(
            check("x", "POST /submit/{streamName}/{eventId}", "/submit/s/%2e%2e"),
            Ok(())
        );
        assert_eq!(check("x", "GET /topics", "/topics"), Ok(()));
        assert_eq!(check("x", "$default", "/anything"), Ok(()));
    }

    #[test]
    fn a_topics_path_must_match_its_route_exactly() {
        // Another prefix than the stage's, extra segments, a literal route with another raw path,
        // or no raw path at all: refused, never skipped.
        let policy = TopicPolicy::new("*").unwrap_or_else(|e| panic!("{e}"));
        let shape = Err(PathRefusal::Shape);
        assert_eq!(
            check_path(&policy, "POST /topics/{topic}", "/x/topics/a", "$default"),
            shape
        );
        assert_eq!(
            check_path(&policy, "POST /topics/{topic}", "/x/topics/a", "prod"),
            shape
        );
        assert_eq!(check_path(&policy, "GET /topics", "/topics/..", "$default"), shape);
        assert_eq!(check_path(&policy, "GET /topics", "/topics", "$default"), Ok(()));
        assert_eq!(check_path(&policy, "POST /topics/{topic}", "", "$default"), shape);
        assert_eq!(
            check_path(&policy, "POST /topics/{topic}", "/prod/topics/a", "prod"),
            Ok(())
        );
    }
}
