//! The dead-letter queue as the commands use it: every message received (and held invisible while a
//! command works on it), the ones kept made visible again, the ones done with deleted.

use std::time::Duration;

use anyhow::Context as _;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use chrono::{TimeZone, Utc};
use deadletter::DeadLetter;

/// Where the commands act, and the clients to act there.
pub(crate) struct Targets {
    pub(crate) queue_url: String,
    pub(crate) stream: String,
    pub(crate) function: String,
    pub(crate) sqs: aws_sdk_sqs::Client,
    pub(crate) kinesis: aws_sdk_kinesis::Client,
    pub(crate) lambda: aws_sdk_lambda::Client,
}

/// One received message.
pub(crate) struct Received {
    pub(crate) receipt: String,
    /// Its body as received (`list --show-data` prints it; `export` re-encodes it on one line).
    pub(crate) body: String,
    /// What it is; `None`: neither a poison message nor a batch pointer.
    pub(crate) letter: Option<DeadLetter>,
    pub(crate) sent: Option<chrono::DateTime<Utc>>,
}

impl Targets {
    /// Every message now in the queue, held invisible for `hold`.
    pub(crate) async fn receive_all(&self, hold: Duration) -> anyhow::Result<Vec<Received>> {
        let mut received = Vec::new();
        let mut empty = 0;
        // Two empty answers in a row: SQS answers from a subset of its servers, an empty answer
        // alone does not prove the queue is empty.
        while empty < 2 {
            let answer = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .visibility_timeout(i32::try_from(hold.as_secs()).unwrap_or(i32::MAX))
                .wait_time_seconds(0)
                .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
                .send()
                .await
                .context("receiving dead-letter messages")?;
            let messages = answer.messages();
            if messages.is_empty() {
                empty += 1;
                continue;
            }
            empty = 0;
            for message in messages {
                let (Some(receipt), Some(body)) = (message.receipt_handle(), message.body()) else {
                    continue;
                };
                let sent = message
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::SentTimestamp))
                    .and_then(|ms| ms.parse::<i64>().ok())
                    .and_then(|ms| Utc.timestamp_millis_opt(ms).single());
                received.push(Received {
                    receipt: receipt.to_string(),
                    body: body.to_string(),
                    letter: DeadLetter::parse(body),
                    sent,
                });
            }
        }
        Ok(received)
    }

    /// Makes messages visible again (the ones a command keeps).
    pub(crate) async fn release(&self, messages: &[&Received]) {
        for message in messages {
            // Best effort: an unreleased message reappears when its visibility timeout ends.
            let _ = self
                .sqs
                .change_message_visibility()
                .queue_url(&self.queue_url)
                .receipt_handle(&message.receipt)
                .visibility_timeout(0)
                .send()
                .await;
        }
    }

    /// Deletes messages; returns how many were deleted.
    pub(crate) async fn delete(&self, messages: &[&Received]) -> anyhow::Result<usize> {
        let mut deleted = 0;
        for chunk in messages.chunks(10) {
            let entries: Vec<DeleteMessageBatchRequestEntry> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, m)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(&m.receipt)
                        .build()
                        .ok()
                })
                .collect();
            let answer = self
                .sqs
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .context("deleting dead-letter messages")?;
            deleted += answer.successful().len();
        }
        Ok(deleted)
    }

    /// The stream's retention in hours (24 when it cannot be read).
    pub(crate) async fn retention_hours(&self, stream: &str) -> i64 {
        self.kinesis
            .describe_stream_summary()
            .stream_name(stream)
            .send()
            .await
            .ok()
            .and_then(|s| {
                s.stream_description_summary()
                    .map(|d| i64::from(d.retention_period_hours()))
            })
            .unwrap_or(24)
    }
}
