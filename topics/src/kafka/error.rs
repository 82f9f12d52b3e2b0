//! Kafka failures as the REST Proxy reports them: which ones a retry may cure (its per-record code
//! 50003) and which it will not (50002), decided from rskafka's error without I/O.

use rskafka::client::error::{Error as ClientError, ProtocolError};

/// Whether retrying may succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// The connection, a timeout, a leader moving: retry (after refreshing metadata).
    Retriable,
    /// The broker refused for good (record too large, not authorized, invalid...).
    Fatal,
}

/// A Kafka call that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KafkaError {
    /// No connection to the cluster could be made (bootstrap, TLS, SASL, credentials).
    #[error("cannot connect to Kafka at {bootstrap}: {reason}")]
    Unreachable {
        /// The bootstrap servers.
        bootstrap: String,
        /// Why.
        reason: String,
    },
    /// A request failed.
    #[error("{reason}")]
    Request {
        /// Retriable or not.
        retry: Retry,
        /// What the client or the broker said.
        reason: String,
        /// The metadata is stale (a leader moved, a topic or partition is unknown here).
        stale_metadata: bool,
    },
    /// The caller's deadline passed first; the records may or may not have been written.
    #[error("no answer from Kafka before the deadline (the records may or may not have been written)")]
    Deadline,
}

impl KafkaError {
    /// Whether a retry may succeed.
    pub fn retry(&self) -> Retry {
        match self {
            KafkaError::Unreachable { .. } | KafkaError::Deadline => Retry::Retriable,
            KafkaError::Request { retry, .. } => *retry,
        }
    }

    /// rskafka's error, classified.
    pub fn from_client(error: &ClientError) -> KafkaError {
        let (retry, stale_metadata) = match error {
            ClientError::Connection(_)
            | ClientError::Request(_)
            | ClientError::Timeout
            | ClientError::RetryFailed(_) => (Retry::Retriable, true),
            ClientError::ServerError { protocol_error, .. } => {
                let stale = matches!(
                    protocol_error,
                    ProtocolError::UnknownTopicOrPartition
                        | ProtocolError::LeaderNotAvailable
                        | ProtocolError::NotLeaderOrFollower
                        | ProtocolError::FencedLeaderEpoch
                        | ProtocolError::UnknownLeaderEpoch
                );
                let retry = match retriable(*protocol_error) {
                    true => Retry::Retriable,
                    false => Retry::Fatal,
                };
                (retry, stale)
            }
            _ => (Retry::Fatal, false),
        };
        KafkaError::Request {
            retry,
            reason: describe(error),
            stale_metadata,
        }
    }
}

/// rskafka's message without the request and response it quotes (which can hold record bytes).
fn describe(error: &ClientError) -> String {
    match error {
        ClientError::ServerError {
            protocol_error,
            error_message,
            ..
        } => match error_message {
            Some(message) => format!("broker error {protocol_error}: {message}"),
            None => format!("broker error {protocol_error}"),
        },
        other => other.to_string(),
    }
}

/// The Kafka error codes whose Java exceptions are `RetriableException`s.
fn retriable(error: ProtocolError) -> bool {
    matches!(
        error,
        ProtocolError::CorruptMessage
            | ProtocolError::UnknownTopicOrPartition
            | ProtocolError::LeaderNotAvailable
            | ProtocolError::NotLeaderOrFollower
            | ProtocolError::RequestTimedOut
            | ProtocolError::NetworkException
            | ProtocolError::CoordinatorLoadInProgress
            | ProtocolError::CoordinatorNotAvailable
            | ProtocolError::NotCoordinator
            | ProtocolError::NotEnoughReplicas
            | ProtocolError::NotEnoughReplicasAfterAppend
            | ProtocolError::KafkaStorageError
            | ProtocolError::FencedLeaderEpoch
            | ProtocolError::UnknownLeaderEpoch
            | ProtocolError::OffsetNotAvailable
            | ProtocolError::PreferredLeaderNotAvailable
            | ProtocolError::ThrottlingQuotaExceeded
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_trouble_and_leader_moves_are_retriable_with_stale_metadata() {
        let timeout = KafkaError::from_client(&ClientError::Timeout);
        assert_eq!(timeout.retry(), Retry::Retriable);
        assert!(retriable(ProtocolError::NotLeaderOrFollower));
        assert!(retriable(ProtocolError::UnknownTopicOrPartition));
        assert!(!retriable(ProtocolError::MessageTooLarge));
        assert!(!retriable(ProtocolError::TopicAuthorizationFailed));
        let invalid = KafkaError::from_client(&ClientError::InvalidResponse("bad".into()));
        assert_eq!(invalid.retry(), Retry::Fatal);
        assert_eq!(KafkaError::Deadline.retry(), Retry::Retriable);
    }
}
