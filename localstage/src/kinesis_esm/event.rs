//! What the mapping sends: the Kinesis event (AWS's shape, built with `aws_lambda_events`' types)
//! and the on-failure record (no data, only where to find it).

use aws_lambda_events::event::kinesis::KinesisEventRecord;
use aws_sdk_kinesis::types::Record;
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use deadletter::{BatchPointer, KinesisBatchInfo, RequestContext, ResponseContext};
use serde_json::Value as Json;

use super::step::Condition;
use crate::lambda::FunctionError;

/// A record read from the shard, with its JSON in the event, serialized once.
#[derive(Debug, Clone)]
pub struct Buffered {
    /// The record as Kinesis returned it.
    pub record: Record,
    /// Its entry in the event's `Records`.
    pub json: Vec<u8>,
}

/// Who the event comes from.
#[derive(Debug, Clone)]
pub struct Source {
    /// The shard.
    pub shard_id: String,
    /// The stream's ARN.
    pub stream_arn: String,
    /// The function's name (its execution role's name in `invokeIdentityArn`).
    pub function_name: String,
}

/// When a record arrived in the stream.
pub fn arrival(record: &Record) -> DateTime<Utc> {
    record
        .approximate_arrival_timestamp()
        .and_then(|t| Utc.timestamp_opt(t.secs(), t.subsec_nanos()).single())
        .unwrap_or_else(Utc::now)
}

fn iso(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Buffered {
    /// A record of the shard, as the event will carry it.
    pub fn new(record: Record, source: &Source) -> Buffered {
        // Region and account as the stream's ARN says (`arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`):
        // `streamgate dlq redrive` builds events for deployed streams too.
        let arn: Vec<&str> = source.stream_arn.split(':').collect();
        let region = arn
            .get(3)
            .filter(|r| !r.is_empty())
            .copied()
            .unwrap_or(motoserver::REGION);
        let account = arn
            .get(4)
            .filter(|a| !a.is_empty())
            .copied()
            .unwrap_or(motoserver::ACCOUNT_ID);
        let mut r = KinesisEventRecord::default();
        r.aws_region = Some(region.into());
        r.event_id = Some(format!("{}:{}", source.shard_id, record.sequence_number()));
        r.event_name = Some("aws:kinesis:record".into());
        r.event_source = Some("aws:kinesis".into());
        r.event_source_arn = Some(source.stream_arn.clone());
        r.event_version = Some("1.0".into());
        r.invoke_identity_arn = Some(format!("arn:aws:iam::{account}:role/{}-role", source.function_name));
        r.kinesis.kinesis_schema_version = Some("1.0".into());
        r.kinesis.partition_key = record.partition_key().unwrap_or_default().to_string();
        r.kinesis.sequence_number = record.sequence_number().to_string();
        r.kinesis.data.0 = record.data().as_ref().to_vec();
        r.kinesis.approximate_arrival_timestamp.0 = arrival(&record);
        // Serializing plain strings, numbers and bytes cannot fail.
        let json = serde_json::to_vec(&r).unwrap_or_default();
        Buffered { record, json }
    }
}

/// The event for a batch: `{"Records":[...]}`.
pub fn payload(batch: &[Buffered]) -> Bytes {
    let size = batch.iter().map(|b| b.json.len() + 1).sum::<usize>() + super::step::EVENT_ENVELOPE_BYTES;
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(br#"{"Records":["#);
    for (i, buffered) in batch.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&buffered.json);
    }
    out.extend_from_slice(b"]}");
    Bytes::from(out)
}

/// AWS's on-failure record for a Kinesis batch.
///
/// Built as [`BatchPointer`], the type `streamgate dlq` reads it back with, and returned as JSON:
/// a `serde_json` map sorts its keys, so the message's bytes are the same as before the type.
pub fn on_failure_record(
    function_arn: &str,
    condition: Condition,
    invoke_count: u32,
    error: Option<FunctionError>,
    source: &Source,
    batch: &[Record],
) -> Json {
    let pointer = BatchPointer {
        request_context: RequestContext {
            request_id: uuid::Uuid::new_v4().to_string(),
            function_arn: function_arn.to_owned(),
            condition: condition.as_str().to_owned(),
            approximate_invoke_count: invoke_count,
        },
        response_context: ResponseContext {
            status_code: 200,
            executed_version: "$LATEST".to_owned(),
            function_error: error.map(|error| error.as_str().to_owned()),
        },
        version: "1.0".to_owned(),
        timestamp: iso(Utc::now()),
        batch: KinesisBatchInfo {
            shard_id: source.shard_id.clone(),
            // The mapping never gives up on an empty batch: there is always a first and a last.
            start_sequence_number: batch
                .first()
                .map(|r| r.sequence_number().to_owned())
                .unwrap_or_default(),
            end_sequence_number: batch.last().map(|r| r.sequence_number().to_owned()).unwrap_or_default(),
            approximate_arrival_of_first_record: batch.first().map(|r| iso(arrival(r))),
            approximate_arrival_of_last_record: batch.last().map(|r| iso(arrival(r))),
            batch_size: batch.len() as u64,
            stream_arn: source.stream_arn.clone(),
        },
    };
    // Strings and numbers only: serializing cannot fail.
    serde_json::to_value(pointer).unwrap_or(Json::Null)
}

#[cfg(test)]
mod tests;
