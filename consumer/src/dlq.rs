//! The dead-letter queue for poison records: one JSON message per record ([`poison_message`], the
//! shape shared with `streamgate dlq` in the `deadletter` crate), sent in batches ([`batches`]), each
//! message and each SendMessageBatch call within the queue's size limit.

mod batches;
mod message;

use std::future::Future;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use lambdabase::SdkClient;

use crate::failure::FailureReason;
use crate::fanout::fan_out;

pub use batches::batches;
pub use message::poison_message;

/// SQS's largest message, and the most one SendMessageBatch call may carry in total, in bytes
/// (1 MiB): the default of `DEAD_LETTER_MAX_MESSAGE_BYTES`. The queue's `MaximumMessageSize` must
/// be at least the configured value.
pub const MAX_MESSAGE_BYTES: usize = 1_048_576;
/// The smallest `MaximumMessageSize` SQS accepts (1 KiB): room for a message without its data.
pub const MIN_MESSAGE_BYTES: usize = 1024;
/// SendMessageBatch takes at most 10 entries.
pub const BATCH_ENTRIES: usize = 10;

/// Where `Consumer::process` sends poison records: the SQS queue ([`DeadLetters`]), or an in-memory
/// sink in tests and benchmarks (`memory::MemorySink`, feature `test-util`).
pub trait DeadLetterSink: Send + Sync {
    /// The largest message the queue takes, in bytes; messages are built to fit.
    fn max_message_bytes(&self) -> usize;

    /// Sends every message (keyed by batch index); returns the ones that were not accepted and why.
    /// A message not returned was accepted.
    fn send(&self, messages: Vec<(usize, String)>) -> impl Future<Output = Vec<(usize, FailureReason)>> + Send;
}

/// Sends dead-letter messages to one SQS queue.
#[derive(Debug, Clone)]
pub struct DeadLetters {
    client: SdkClient<Client>,
    queue_url: String,
    concurrency: usize,
    max_message_bytes: usize,
}

impl DeadLetters {
    /// Sends to `queue_url` with at most `concurrency` calls in flight, messages and calls of at most
    /// `max_message_bytes` (clamped to SQS's 1 KiB..=1 MiB; the configuration validates it).
    pub fn new(
        client: impl Into<SdkClient<Client>>,
        queue_url: impl Into<String>,
        concurrency: usize,
        max_message_bytes: usize,
    ) -> Self {
        DeadLetters {
            client: client.into(),
            queue_url: queue_url.into(),
            concurrency: concurrency.max(1),
            max_message_bytes: max_message_bytes.clamp(MIN_MESSAGE_BYTES, MAX_MESSAGE_BYTES),
        }
    }

    async fn send_batch(&self, batch: Vec<(usize, String)>) -> Vec<(usize, FailureReason)> {
        let mut entries = Vec::with_capacity(batch.len());
        for (index, body) in &batch {
            match SendMessageBatchRequestEntry::builder()
                .id(index.to_string())
                .message_body(body)
                .build()
            {
                Ok(entry) => entries.push(entry),
                Err(error) => {
                    let reason = FailureReason::Request(error.to_string());
                    return batch.iter().map(|(i, _)| (*i, reason.clone())).collect();
                }
            }
        }
        match self
            .client
            .get()
            .await
            .send_message_batch()
            .queue_url(&self.queue_url)
            .set_entries(Some(entries))
            .send()
            .await
        {
            Ok(output) => {
                let sent: Vec<&str> = output.successful().iter().map(|entry| entry.id()).collect();
                batch
                    .iter()
                    .filter(|(index, _)| !sent.contains(&index.to_string().as_str()))
                    .map(|(index, _)| {
                        let reason = output
                            .failed()
                            .iter()
                            .find(|failed| failed.id() == index.to_string())
                            .map_or(FailureReason::NotAcknowledged, |failed| FailureReason::Service {
                                code: failed.code().to_string(),
                            });
                        (*index, reason)
                    })
                    .collect()
            }
            Err(error) => {
                let reason = FailureReason::of_sdk(&error);
                batch.iter().map(|(index, _)| (*index, reason.clone())).collect()
            }
        }
    }
}

impl DeadLetterSink for DeadLetters {
    fn max_message_bytes(&self) -> usize {
        self.max_message_bytes
    }

    async fn send(&self, messages: Vec<(usize, String)>) -> Vec<(usize, FailureReason)> {
        fan_out(batches(messages, self.max_message_bytes), self.concurrency, |batch| {
            self.send_batch(batch)
        })
        .await
    }
}
