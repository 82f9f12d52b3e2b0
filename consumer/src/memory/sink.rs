//! A dead-letter queue in memory, behind the same [`DeadLetterSink`] as SQS's, with injectable
//! outages and refused messages.

use std::collections::HashMap;
use std::sync::Mutex;

use deadletter::PoisonMessage;

use super::lock;
use crate::dlq::{DeadLetterSink, MAX_MESSAGE_BYTES};
use crate::failure::FailureReason;

/// A dead-letter queue in memory: keeps every accepted message body. Like SQS it refuses a message
/// over its size limit.
#[derive(Debug)]
pub struct MemorySink {
    max_message_bytes: usize,
    state: Mutex<SinkState>,
}

#[derive(Debug, Default)]
struct SinkState {
    messages: Vec<String>,
    outage: Option<FailureReason>,
    failing_sequences: HashMap<String, FailureReason>,
    send_calls: usize,
}

impl Default for MemorySink {
    fn default() -> Self {
        MemorySink::with_max_message_bytes(MAX_MESSAGE_BYTES)
    }
}

impl MemorySink {
    /// An empty queue taking messages up to 1 MiB.
    pub fn new() -> Self {
        MemorySink::default()
    }

    /// An empty queue taking messages up to `max_message_bytes`.
    pub fn with_max_message_bytes(max_message_bytes: usize) -> Self {
        MemorySink {
            max_message_bytes,
            state: Mutex::new(SinkState::default()),
        }
    }

    /// Every accepted message body, in the order sent.
    pub fn messages(&self) -> Vec<String> {
        lock(&self.state).messages.clone()
    }

    /// Every accepted message, read as a poison message (a body that is not one is left out).
    pub fn poison(&self) -> Vec<PoisonMessage> {
        self.messages()
            .iter()
            .filter_map(|body| serde_json::from_str(body).ok())
            .collect()
    }

    /// Every send fails with `reason` (a queue outage) until [`MemorySink::clear_faults`].
    pub fn fail_all(&self, reason: FailureReason) {
        lock(&self.state).outage = Some(reason);
    }

    /// The message of the record with this `sequenceNumber` is refused with `reason`.
    pub fn fail_sequence(&self, sequence_number: impl Into<String>, reason: FailureReason) {
        lock(&self.state)
            .failing_sequences
            .insert(sequence_number.into(), reason);
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        let mut state = lock(&self.state);
        state.outage = None;
        state.failing_sequences.clear();
    }

    /// `send` calls so far.
    pub fn send_calls(&self) -> usize {
        lock(&self.state).send_calls
    }

    fn accept(&self, messages: Vec<(usize, String)>) -> Vec<(usize, FailureReason)> {
        let mut state = lock(&self.state);
        state.send_calls += 1;
        let mut unsent = Vec::new();
        for (index, body) in messages {
            let sequence_number = serde_json::from_str::<PoisonMessage>(&body)
                .ok()
                .and_then(|message| message.sequence_number);
            let refused = if let Some(reason) = &state.outage {
                Some(reason.clone())
            } else if body.len() > self.max_message_bytes {
                Some(FailureReason::Service {
                    code: "InvalidParameterValue".into(),
                })
            } else {
                sequence_number.and_then(|seq| state.failing_sequences.get(&seq).cloned())
            };
            match refused {
                Some(reason) => unsent.push((index, reason)),
                None => state.messages.push(body),
            }
        }
        unsent
    }
}

impl DeadLetterSink for MemorySink {
    fn max_message_bytes(&self) -> usize {
        self.max_message_bytes
    }

    async fn send(&self, messages: Vec<(usize, String)>) -> Vec<(usize, FailureReason)> {
        self.accept(messages)
    }
}
