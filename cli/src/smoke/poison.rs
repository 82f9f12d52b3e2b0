//! The smoke test's poison check: the record it sent that is not JSON must reach the dead-letter
//! queue as the consumer's poison message for its sequence number. The message is deleted once
//! found; anyone else's is made visible again at once.

use std::time::{Duration, Instant};

use deadletter::DeadLetter;

/// Waits up to `timeout` for the poison message of the record at `sequence`; says which reason it
/// carries.
pub(super) async fn wait_for_poison(
    sdk: &aws_config::SdkConfig,
    queue_url: &str,
    sequence: &str,
    timeout: Duration,
) -> Result<String, String> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let started = Instant::now();
    while started.elapsed() < timeout {
        let answer = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .visibility_timeout(5)
            .wait_time_seconds(1)
            .send()
            .await
            .map_err(|e| format!("reading the queue ({})", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        for message in answer.messages() {
            let poison = match DeadLetter::parse(message.body().unwrap_or_default()) {
                Some(DeadLetter::Poison(poison)) => Some(poison),
                _ => None,
            };
            let receipt = message.receipt_handle().unwrap_or_default();
            if let Some(poison) = poison.filter(|p| p.sequence_number.as_deref() == Some(sequence)) {
                let _ = sqs
                    .delete_message()
                    .queue_url(queue_url)
                    .receipt_handle(receipt)
                    .send()
                    .await;
                return Ok(format!(
                    "a poison message ({}) after {:.1} s",
                    if poison.reason.is_empty() { "?" } else { &poison.reason },
                    started.elapsed().as_secs_f64()
                ));
            }
            // Not ours: visible again at once for whoever owns it.
            let _ = sqs
                .change_message_visibility()
                .queue_url(queue_url)
                .receipt_handle(receipt)
                .visibility_timeout(0)
                .send()
                .await;
        }
    }
    Err(format!(
        "no poison message for sequence {sequence} in the dead-letter queue within {} s",
        timeout.as_secs()
    ))
}
