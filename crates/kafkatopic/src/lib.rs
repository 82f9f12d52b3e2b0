//! Which Kafka topic names a request may use, decided once for every place that needs it: the
//! `topics` function (before it produces) and the authorizer (before API Gateway forwards a
//! `/topics/{topic}` request to a REST Proxy the stack does not control).
//!
//! Three rules, in order:
//! 1. **Kafka's name rule**: 1 to 249 characters of `A-Z a-z 0-9 . _ -`, not `.` or `..`. A path
//!    segment is checked as it arrived (raw), so every traversal and encoding trick (`..`, `..;`,
//!    `%2e%2e`, `%2f`, an empty segment) is refused here: none of `%`, `;`, `/` is a topic character.
//! 2. **The stack's topic pattern** (`KafkaTopicPattern`), an IAM-style glob (`*` any run of
//!    characters, `?` one character), the same string the IAM policy puts in the topic ARNs.
//! 3. **Internal topics** (`__consumer_offsets`, `__amazon_msk_canary`, `_schemas`, `_confluent-*`,
//!    `connect-*`: anything starting with `_` or `connect-`) are refused unless the pattern itself
//!    names them (its literal part before the first wildcard is internal): `*` does not open
//!    `_schemas`, `connect-*` opens Kafka Connect's topics.

/// The longest topic name Kafka accepts.
pub const MAX_TOPIC_NAME_LENGTH: usize = 249;

/// Why a topic name is refused. Messages never repeat the refused text: it came from a client and
/// may be anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicRefusal {
    /// Not a Kafka topic name (or an encoded one).
    #[error("not a Kafka topic name: 1 to 249 of A-Z a-z 0-9 . _ -, not . or .., unencoded")]
    InvalidName,
    /// A valid name outside the pattern.
    #[error("topic {topic} is outside this API's topic pattern {pattern}")]
    OutsidePattern {
        /// The topic.
        topic: String,
        /// The pattern.
        pattern: String,
    },
    /// An internal topic the pattern does not name.
    #[error("topic {topic} is an internal topic; only a topic pattern that names it (e.g. {topic} itself) allows it")]
    Internal {
        /// The topic.
        topic: String,
    },
}

/// The pattern itself cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("topic pattern {0:?} must be 1 to 249 of A-Z a-z 0-9 . _ - * ?")]
pub struct PatternError(pub String);

/// The topics a stack's clients may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicPolicy {
    pattern: String,
    opens_internal: bool,
}

impl TopicPolicy {
    /// A policy from an IAM-style glob.
    pub fn new(pattern: &str) -> Result<TopicPolicy, PatternError> {
        let valid = !pattern.is_empty()
            && pattern.len() <= MAX_TOPIC_NAME_LENGTH
            && pattern.bytes().all(|b| is_topic_byte(b) || b == b'*' || b == b'?');
        if !valid {
            return Err(PatternError(pattern.to_string()));
        }
        let literal = pattern.split(['*', '?']).next().unwrap_or_default();
        Ok(TopicPolicy {
            pattern: pattern.to_string(),
            opens_internal: is_internal(literal),
        })
    }

    /// The pattern, as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Whether a client may use `name` (a raw path segment or a topic from the broker).
    pub fn check(&self, name: &str) -> Result<(), TopicRefusal> {
        if !is_valid_name(name) {
            return Err(TopicRefusal::InvalidName);
        }
        if !glob_match(&self.pattern, name) {
            return Err(TopicRefusal::OutsidePattern {
                topic: name.to_string(),
                pattern: self.pattern.clone(),
            });
        }
        if is_internal(name) && !self.opens_internal {
            return Err(TopicRefusal::Internal {
                topic: name.to_string(),
            });
        }
        Ok(())
    }

    /// Whether `name` is usable (for filtering a topic list).
    pub fn allows(&self, name: &str) -> bool {
        self.check(name).is_ok()
    }
}

fn is_topic_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

/// Kafka's topic name rule (`org.apache.kafka.common.internals.Topic.validate`).
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_TOPIC_NAME_LENGTH
        && name != "."
        && name != ".."
        && name.bytes().all(is_topic_byte)
}

/// Topics that Kafka, MSK, Schema Registry and Kafka Connect keep for themselves.
pub fn is_internal(name: &str) -> bool {
    name.starts_with('_') || name.starts_with("connect-")
}

/// IAM-style wildcard match: `*` matches any run of characters (none included), `?` exactly one.
/// Linear backtracking on the last `*`, so a hostile name cannot make it exponential.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == b'?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((star_pi, star_ti)) => {
                    pi = star_pi + 1;
                    ti = star_ti + 1;
                    star = Some((star_pi, star_ti + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(pattern: &str) -> TopicPolicy {
        TopicPolicy::new(pattern).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn traversal_and_encoding_forms_are_not_topic_names() {
        for raw in [
            "", ".", "..", "..;", "%2e%2e", "%2E%2E", "a%2fb", "a/b", "a;b", "a b", "é", "a\\b", "a?b", "*", "..%2f",
            "%00",
        ] {
            assert_eq!(policy("*").check(raw), Err(TopicRefusal::InvalidName), "{raw:?}");
        }
        assert_eq!(policy("*").check(&"a".repeat(250)), Err(TopicRefusal::InvalidName));
        assert_eq!(policy("*").check(&"a".repeat(249)), Ok(()));
        for ok in ["...", "a..b", ".hidden", "orders.pin", "A-Z_0.9"] {
            assert_eq!(policy("*").check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn the_pattern_is_an_iam_glob() {
        assert!(glob_match("*", ""));
        assert!(glob_match("orders.*", "orders.pin"));
        assert!(!glob_match("orders.*", "orders"));
        assert!(glob_match("orders-?", "orders-1"));
        assert!(!glob_match("orders-?", "orders-12"));
        assert!(glob_match("*.pin", "a.b.pin"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
        // Many stars against a long near-miss stays fast (linear backtracking).
        assert!(!glob_match(&"*a".repeat(50), &"a".repeat(200).replace('a', "b")));
        assert_eq!(
            policy("orders.*").check("geo.pin"),
            Err(TopicRefusal::OutsidePattern {
                topic: "geo.pin".into(),
                pattern: "orders.*".into()
            })
        );
    }

    #[test]
    fn internal_topics_need_a_pattern_that_names_them() {
        for internal in [
            "__consumer_offsets",
            "__amazon_msk_canary",
            "_schemas",
            "_confluent-metrics",
            "connect-offsets",
        ] {
            assert!(
                matches!(policy("*").check(internal), Err(TopicRefusal::Internal { .. })),
                "{internal}"
            );
        }
        assert_eq!(policy("_schemas").check("_schemas"), Ok(()));
        assert_eq!(policy("connect-*").check("connect-offsets"), Ok(()));
        assert!(policy("*").allows("connected"));
        assert!(!policy("*").allows("_schemas"));
    }

    #[test]
    fn a_pattern_must_be_topic_characters_and_wildcards() {
        for bad in ["", "a/b", "a b", "${x}", &"a".repeat(250)] {
            assert!(TopicPolicy::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(policy("x.*").pattern(), "x.*");
    }
}
