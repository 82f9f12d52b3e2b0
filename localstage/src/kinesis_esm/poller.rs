//! One shard's poller: reads records, forms batches, invokes the function and acts on
//! [`super::step`]'s decisions.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use aws_sdk_kinesis::types::{Record, ShardIteratorType};
use chrono::Utc;
use tokio::sync::watch;

use super::EventSourceMapping;
use super::event::{Buffered, Source, arrival, on_failure_record, payload};
use super::step::{self, Answer, Condition, Segments, Step};
use crate::lambda::{FunctionError, Outcome};

/// How often an idle shard is polled (AWS polls each shard about once a second).
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Sleeps, or returns `true` at once when the stage is stopping.
async fn sleep_or_stop(duration: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(duration) => *shutdown.borrow(),
        _ = shutdown.changed() => true,
    }
}

impl EventSourceMapping {
    pub(super) async fn poll_shard(self, shard_id: String, mut shutdown: watch::Receiver<bool>) {
        let source = Source {
            shard_id: shard_id.clone(),
            stream_arn: self.stream_arn.clone(),
            function_name: self.function.config().name.clone(),
        };
        let position = match self.spec.starting_position.as_str() {
            "LATEST" => ShardIteratorType::Latest,
            _ => ShardIteratorType::TrimHorizon,
        };
        let mut iterator = loop {
            match self
                .kinesis
                .get_shard_iterator()
                .stream_name(&self.stream_name)
                .shard_id(&shard_id)
                .shard_iterator_type(position.clone())
                .send()
                .await
            {
                Ok(output) => break output.shard_iterator().map(str::to_string),
                Err(_) => {
                    if sleep_or_stop(Duration::from_secs(1), &mut shutdown).await {
                        return;
                    }
                }
            }
        };
        let batch_size = self.spec.batch_size;
        let window = Duration::from_secs(self.spec.batching_window_seconds);
        let mut buffer: VecDeque<Buffered> = VecDeque::new();
        let mut waiting_since: Option<Instant> = None;
        let mut segments = Segments::default();
        let mut attempts: u32 = 0;
        loop {
            if *shutdown.borrow() {
                return;
            }
            if buffer.len() < batch_size
                && let Some(current) = iterator.clone()
            {
                match self
                    .kinesis
                    .get_records()
                    .shard_iterator(current)
                    .limit((batch_size - buffer.len()).min(10_000) as i32)
                    .send()
                    .await
                {
                    Ok(output) => {
                        buffer.extend(output.records().iter().map(|r| Buffered::new(r.clone(), &source)));
                        iterator = output.next_shard_iterator().map(str::to_string);
                    }
                    Err(_) => {
                        if sleep_or_stop(Duration::from_secs(1), &mut shutdown).await {
                            return;
                        }
                        continue;
                    }
                }
            }
            if buffer.is_empty() {
                waiting_since = None;
                if sleep_or_stop(POLL_INTERVAL, &mut shutdown).await {
                    return;
                }
                continue;
            }
            let take = match segments.next() {
                Some(segment) => segment.min(buffer.len()),
                None => {
                    let take = step::batch_len(buffer.iter().map(|b| b.json.len()), batch_size);
                    let since = *waiting_since.get_or_insert_with(Instant::now);
                    // A batch smaller than both caps waits for the window to fill it.
                    if take == buffer.len() && buffer.len() < batch_size && since.elapsed() < window {
                        let wait = (window - since.elapsed()).min(POLL_INTERVAL);
                        if sleep_or_stop(wait, &mut shutdown).await {
                            return;
                        }
                        continue;
                    }
                    take
                }
            };
            buffer.make_contiguous();
            let batch = &buffer.as_slices().0[..take];
            let (next, error) = self.deliver(&source, batch, attempts).await;
            let done = match next {
                Step::Done(done) => Some(done),
                Step::OnFailure(condition) => {
                    self.on_failure(&source, batch, condition, attempts, error).await;
                    Some(take)
                }
                Step::Retry => {
                    attempts += 1;
                    None
                }
                Step::Bisect => {
                    segments.bisect(take);
                    None
                }
            };
            if let Some(done) = done {
                buffer.drain(..done.min(buffer.len()));
                segments.done(done);
                attempts = 0;
                if buffer.is_empty() {
                    waiting_since = None;
                }
            }
        }
    }

    /// Delivers one batch (unless it expired first) and decides what comes next; the function's
    /// error kind goes into an on-failure record.
    async fn deliver(&self, source: &Source, batch: &[Buffered], attempts: u32) -> (Step, Option<FunctionError>) {
        let shard_id = source.shard_id.as_str();
        let oldest = batch.first().map(|b| arrival(&b.record)).unwrap_or_else(Utc::now);
        if step::expired((Utc::now() - oldest).num_seconds(), &self.spec) {
            self.record(shard_id, batch.len(), 0, "record_age");
            return (Step::OnFailure(Condition::RecordAgeExceeded), None);
        }
        let event = payload(batch);
        let event_bytes = event.len();
        let (answer, error) = match self.function.invoke(event).await {
            Outcome::Response(_) if !self.spec.report_batch_item_failures => (Answer::Success, None),
            Outcome::Response(body) => {
                match step::lowest_failure(&body, batch.iter().map(|b| b.record.sequence_number())) {
                    None => (Answer::Success, None),
                    Some(lowest) => (Answer::PartialFailure(lowest), None),
                }
            }
            Outcome::Error(kind, _) => (Answer::FunctionError, Some(kind)),
        };
        let outcome = match answer {
            Answer::Success => "ok",
            Answer::PartialFailure(_) => "partial",
            Answer::FunctionError => "error",
        };
        self.record(shard_id, batch.len(), event_bytes, outcome);
        let next = step::after(answer, batch.len(), &self.spec, attempts);
        if matches!(next, Step::OnFailure(_)) {
            self.record(shard_id, batch.len(), 0, "on_failure");
        }
        (next, error)
    }

    /// Sends the on-failure record (no data, only where to find it) to the destination.
    async fn on_failure(
        &self,
        source: &Source,
        batch: &[Buffered],
        condition: Condition,
        attempts: u32,
        error: Option<FunctionError>,
    ) {
        let records: Vec<Record> = batch.iter().map(|b| b.record.clone()).collect();
        let record = on_failure_record(
            &self.function.config().arn,
            condition,
            attempts + 1,
            error,
            source,
            &records,
        );
        let shard_id = &source.shard_id;
        let Some(url) = &self.on_failure_url else {
            tracing::warn!(
                "[mapping] {shard_id}: batch discarded ({}), no on-failure destination",
                condition.as_str()
            );
            return;
        };
        if let Err(e) = self
            .sqs
            .send_message()
            .queue_url(url)
            .message_body(record.to_string())
            .send()
            .await
        {
            tracing::warn!(
                "[mapping] {shard_id}: on-failure record could not be sent: {}",
                aws_sdk_sqs::error::DisplayErrorContext(&e)
            );
        }
    }
}
