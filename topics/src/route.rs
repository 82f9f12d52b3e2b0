//! Method and raw path → the REST Proxy call. The path is read as it arrived (percent-encoding
//! intact), segment by segment: a topic is whatever one segment holds, and [`kafkatopic`] decides
//! whether it may be used, so an encoded `/` or `.` can never turn into another path.

use crate::error::RestError;

/// The REST Proxy v2 calls this API serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    /// `GET /topics`.
    ListTopics,
    /// `GET /topics/{topic}`.
    DescribeTopic(&'a str),
    /// `POST /topics/{topic}` (`partition` None) or `POST /topics/{topic}/partitions/{partition}`.
    Produce {
        /// The raw topic segment.
        topic: &'a str,
        /// The path's partition.
        partition: Option<i32>,
    },
}

impl Route<'_> {
    /// The topic segment the call names, if any.
    pub fn topic(&self) -> Option<&str> {
        match self {
            Route::ListTopics => None,
            Route::DescribeTopic(topic) | Route::Produce { topic, .. } => Some(topic),
        }
    }

    /// A short name for logs and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Route::ListTopics => "list_topics",
            Route::DescribeTopic(_) => "describe_topic",
            Route::Produce { partition: None, .. } => "produce",
            Route::Produce { partition: Some(_), .. } => "produce_partition",
        }
    }
}

/// The call `method` + `raw_path` (no query string) asks for: 404 for another path (an empty
/// segment too), 405 for another method, as the REST Proxy's Jersey answers.
pub fn route<'a>(method: &str, raw_path: &'a str) -> Result<Route<'a>, RestError> {
    let Some(rest) = raw_path.strip_prefix('/') else {
        return Err(RestError::not_found());
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let post = method.eq_ignore_ascii_case("POST");
    let get = method.eq_ignore_ascii_case("GET");
    match segments.as_slice() {
        ["topics"] if get => Ok(Route::ListTopics),
        ["topics", topic] if !topic.is_empty() && get => Ok(Route::DescribeTopic(topic)),
        ["topics", topic] if !topic.is_empty() && post => Ok(Route::Produce { topic, partition: None }),
        ["topics", topic, "partitions", partition] if !topic.is_empty() && post => {
            // Jersey answers a path parameter that is not an int with 404; -1 is an int, and a
            // partition no topic has (40402).
            let partition = partition.parse::<i32>().map_err(|_| RestError::not_found())?;
            Ok(Route::Produce {
                topic,
                partition: Some(partition),
            })
        }
        ["topics"] => Err(RestError::method_not_allowed()),
        ["topics", topic] | ["topics", topic, "partitions", _] if !topic.is_empty() => {
            Err(RestError::method_not_allowed())
        }
        _ => Err(RestError::not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_calls() {
        assert_eq!(route("GET", "/topics"), Ok(Route::ListTopics));
        assert_eq!(route("get", "/topics/a.b"), Ok(Route::DescribeTopic("a.b")));
        assert_eq!(
            route("POST", "/topics/a"),
            Ok(Route::Produce {
                topic: "a",
                partition: None
            })
        );
        assert_eq!(
            route("POST", "/topics/a/partitions/-1"),
            Ok(Route::Produce {
                topic: "a",
                partition: Some(-1)
            })
        );
    }

    #[test]
    fn segments_are_raw_and_never_resolved() {
        // Traversal forms stay one segment (refused later as topic names) or miss every route.
        assert_eq!(
            route("POST", "/topics/%2e%2e").map(|r| r.topic().map(str::to_string)),
            Ok(Some("%2e%2e".into()))
        );
        assert_eq!(
            route("POST", "/topics/a%2fb").map(|r| r.topic().map(str::to_string)),
            Ok(Some("a%2fb".into()))
        );
        for path in [
            "/topics/../consumers/g",
            "/topics//",
            "//topics",
            "/topics/",
            "/topics/a/",
            "topics",
            "/v3/clusters",
            "/",
        ] {
            assert_eq!(route("POST", path).map_err(|e| e.status), Err(404), "{path}");
        }
        assert_eq!(route("POST", "/topics/a/partitions/x").map_err(|e| e.status), Err(404));
    }

    #[test]
    fn other_methods_are_405() {
        for (method, path) in [
            ("POST", "/topics"),
            ("DELETE", "/topics/a"),
            ("GET", "/topics/a/partitions/0"),
        ] {
            assert_eq!(route(method, path).map_err(|e| e.status), Err(405), "{method} {path}");
        }
    }
}
