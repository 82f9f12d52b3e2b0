//! Which streams this stack may touch, and with which actions: checked before any Kinesis call, so
//! a refused request never reaches Kinesis (and IAM stays the second fence, not the only one).
//!
//! - the stack's own ingestion stream: describe and put record(s); never created or deleted here
//!   (CloudFormation owns it);
//! - streams whose name starts with the proxy prefix (`<stack>-proxy-`): every action, creation and
//!   deletion only when stream management is turned on;
//! - any other stream: refused.

use std::collections::HashMap;

use crate::kinesis::{ListStreamsOutput, StreamListing};

/// Template parameter that turns stream management on (named in the refusal, so a caller knows
/// what to change).
pub const MANAGEMENT_PARAMETER: &str = "StreamManagement";

/// What this stack's proxy may do, from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamPolicy {
    /// The stack's own stream (`INGESTION_STREAM`).
    pub ingestion_stream: String,
    /// Prefix of the streams the proxy manages (`PROXY_STREAM_PREFIX`, never empty).
    pub proxy_prefix: String,
    /// Whether CreateStream and DeleteStream are served (`STREAM_MANAGEMENT`).
    pub management: bool,
}

/// A guarded action on one stream (listing is filtered instead, see [`visible_streams`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// DescribeStream.
    Describe,
    /// CreateStream.
    Create,
    /// DeleteStream.
    Delete,
    /// PutRecord.
    PutRecord,
    /// PutRecords.
    PutRecords,
}

impl Action {
    /// Whether the action puts records.
    pub fn is_put(self) -> bool {
        matches!(self, Action::PutRecord | Action::PutRecords)
    }

    /// Whether the action creates or deletes a stream.
    pub fn is_management(self) -> bool {
        matches!(self, Action::Create | Action::Delete)
    }
}

/// Why an action on a stream is refused (403 `AccessDeniedException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// Create or delete while stream management is off.
    #[error(
        "stream management is turned off (template parameter {MANAGEMENT_PARAMETER}=false): streams cannot be \
         created or deleted through this API"
    )]
    ManagementOff,
    /// Create or delete of the stack's own stream.
    #[error("{stream} is this stack's ingestion stream: it cannot be created or deleted through this API")]
    IngestionStream {
        /// The stream asked for.
        stream: String,
    },
    /// A stream named like a proxy stream that this stack did not create.
    #[error(
        "stream {stream} is named like this stack's proxy streams but was not created by this stack (it lacks \
         the tag {tag} with this stack's id): it cannot be used through this API"
    )]
    NotOwned {
        /// The stream asked for.
        stream: String,
        /// The owner tag's key.
        tag: &'static str,
    },
    /// A stream that is neither the ingestion stream nor a proxy stream.
    #[error("stream {stream} is not one this stack may use (only {ingestion} and streams named {prefix}*)")]
    NotThisStack {
        /// The stream asked for.
        stream: String,
        /// The ingestion stream.
        ingestion: String,
        /// The proxy prefix.
        prefix: String,
    },
}

impl StreamPolicy {
    /// Whether `stream` is a proxy stream (named with the prefix, and more than the prefix).
    pub fn is_proxy_stream(&self, stream: &str) -> bool {
        stream.len() > self.proxy_prefix.len() && stream.starts_with(&self.proxy_prefix)
    }

    /// Whether ListStreams may show `stream`.
    pub fn lists(&self, stream: &str) -> bool {
        stream == self.ingestion_stream || self.is_proxy_stream(stream)
    }

    /// Whether `action` on `stream` is allowed; why not otherwise.
    pub fn check(&self, action: Action, stream: &str) -> Result<(), Denied> {
        // Management first: when it is off, that is the answer whatever the name.
        if action.is_management() && !self.management {
            return Err(Denied::ManagementOff);
        }
        // The ingestion stream wins over the prefix, should its name also carry it.
        if stream == self.ingestion_stream {
            return if action.is_management() {
                Err(Denied::IngestionStream {
                    stream: stream.to_string(),
                })
            } else {
                Ok(())
            };
        }
        if self.is_proxy_stream(stream) {
            return Ok(());
        }
        Err(Denied::NotThisStack {
            stream: stream.to_string(),
            ingestion: self.ingestion_stream.clone(),
            prefix: self.proxy_prefix.clone(),
        })
    }
}

/// The ListStreams answer: only the streams `policy` lists, in Kinesis's order, at most `limit`
/// names (`HasMoreStreams` says whether allowed names were left out), with the summaries Kinesis
/// gave for exactly those names.
pub fn visible_streams(listing: StreamListing, policy: &StreamPolicy, limit: Option<usize>) -> ListStreamsOutput {
    let mut allowed: Vec<String> = Vec::new();
    for name in listing.stream_names {
        // A name listed twice (pages that overlap while streams come and go) is shown once.
        if policy.lists(&name) && !allowed.contains(&name) {
            allowed.push(name);
        }
    }
    let limit = limit.unwrap_or(usize::MAX);
    let has_more_streams = allowed.len() > limit;
    allowed.truncate(limit);
    let mut summaries: HashMap<String, _> = listing
        .stream_summaries
        .into_iter()
        .map(|summary| (summary.stream_name.clone(), summary))
        .collect();
    let stream_summaries = allowed.iter().filter_map(|name| summaries.remove(name)).collect();
    ListStreamsOutput {
        has_more_streams,
        stream_names: allowed,
        stream_summaries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinesis::StreamSummary;

    fn policy(management: bool) -> StreamPolicy {
        StreamPolicy {
            ingestion_stream: "mystack-events".into(),
            proxy_prefix: "mystack-proxy-".into(),
            management,
        }
    }

    const ALL: [Action; 5] = [
        Action::Describe,
        Action::Create,
        Action::Delete,
        Action::PutRecord,
        Action::PutRecords,
    ];

    #[test]
    fn ingestion_stream_is_read_and_write_but_never_managed() {
        for management in [false, true] {
            let policy = policy(management);
            for action in [Action::Describe, Action::PutRecord, Action::PutRecords] {
                assert_eq!(policy.check(action, "mystack-events"), Ok(()), "{action:?}");
            }
            for action in [Action::Create, Action::Delete] {
                let denied = policy.check(action, "mystack-events").unwrap_err();
                if management {
                    assert_eq!(
                        denied,
                        Denied::IngestionStream {
                            stream: "mystack-events".into()
                        }
                    );
                } else {
                    assert_eq!(denied, Denied::ManagementOff);
                }
            }
        }
    }

    #[test]
    fn proxy_streams_allow_everything_when_management_is_on() {
        let on = policy(true);
        let off = policy(false);
        for action in ALL {
            assert_eq!(on.check(action, "mystack-proxy-a"), Ok(()), "{action:?}");
            let expected = if action.is_management() {
                Err(Denied::ManagementOff)
            } else {
                Ok(())
            };
            assert_eq!(off.check(action, "mystack-proxy-a"), expected, "{action:?}");
        }
    }

    #[test]
    fn other_streams_are_refused_for_every_action() {
        let policy = policy(true);
        for stream in [
            "otherstack-events",
            "mystack-proxy-",
            "mystack-proxy",
            "Mystack-proxy-a",
            "mystack-events2",
            "x-mystack-proxy-a",
            "mystack-event",
        ] {
            for action in ALL {
                let denied = policy.check(action, stream).unwrap_err();
                assert!(matches!(denied, Denied::NotThisStack { .. }), "{stream} {action:?}");
                assert!(!policy.lists(stream), "{stream}");
            }
        }
    }

    #[test]
    fn refusals_say_why() {
        let message = Denied::ManagementOff.to_string();
        assert!(message.contains("StreamManagement=false"), "{message}");
        let message = policy(true).check(Action::Describe, "other").unwrap_err().to_string();
        assert_eq!(
            message,
            "stream other is not one this stack may use (only mystack-events and streams named mystack-proxy-*)"
        );
    }

    #[test]
    fn an_ingestion_stream_carrying_the_prefix_is_still_protected() {
        let policy = StreamPolicy {
            ingestion_stream: "s-proxy-events".into(),
            proxy_prefix: "s-proxy-".into(),
            management: true,
        };
        assert!(matches!(
            policy.check(Action::Delete, "s-proxy-events"),
            Err(Denied::IngestionStream { .. })
        ));
        assert_eq!(policy.check(Action::Delete, "s-proxy-other"), Ok(()));
    }

    fn summary(name: &str) -> StreamSummary {
        StreamSummary {
            stream_name: name.into(),
            stream_arn: format!("arn:aws:kinesis:us-east-1:123456789012:stream/{name}"),
            stream_status: "ACTIVE".into(),
            stream_mode_details: None,
            stream_creation_timestamp: Some(1_700_000_000.5),
        }
    }

    fn listing(names: &[&str], summaries: &[&str]) -> StreamListing {
        StreamListing {
            stream_names: names.iter().map(|n| n.to_string()).collect(),
            stream_summaries: summaries.iter().map(|n| summary(n)).collect(),
        }
    }

    #[test]
    fn listing_shows_only_allowed_streams_with_their_summaries() {
        let names = [
            "a-foreign",
            "mystack-events",
            "mystack-proxy-a",
            "other",
            "mystack-proxy-b",
            "mystack-proxy-a",
        ];
        let output = visible_streams(listing(&names, &names), &policy(false), None);
        assert_eq!(
            output.stream_names,
            ["mystack-events", "mystack-proxy-a", "mystack-proxy-b"]
        );
        assert!(!output.has_more_streams);
        let summarised: Vec<&str> = output.stream_summaries.iter().map(|s| s.stream_name.as_str()).collect();
        assert_eq!(summarised, output.stream_names);
    }

    #[test]
    fn limit_caps_names_and_says_more_were_left_out() {
        let names = ["mystack-events", "x", "mystack-proxy-a", "mystack-proxy-b"];
        let two = visible_streams(listing(&names, &names), &policy(false), Some(2));
        assert_eq!(two.stream_names, ["mystack-events", "mystack-proxy-a"]);
        assert!(two.has_more_streams);
        assert_eq!(two.stream_summaries.len(), 2);
        // Exactly as many allowed as the limit: nothing left out, even though a foreign one was.
        let three = visible_streams(listing(&names, &names), &policy(false), Some(3));
        assert_eq!(three.stream_names.len(), 3);
        assert!(!three.has_more_streams);
    }

    #[test]
    fn summaries_are_only_those_kinesis_gave() {
        let output = visible_streams(
            listing(&["mystack-events", "mystack-proxy-a"], &["mystack-proxy-a", "foreign"]),
            &policy(false),
            None,
        );
        assert_eq!(output.stream_names.len(), 2);
        assert_eq!(output.stream_summaries.len(), 1);
        assert_eq!(output.stream_summaries[0].stream_name, "mystack-proxy-a");
    }
}
