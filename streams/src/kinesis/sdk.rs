//! The [`StreamApi`] over the AWS SDK ([`Kinesis`]): one SDK call per operation (paged listings read
//! to the end), the SDK's types turned into the model's, its errors into [`KinesisError`]s. The SDK's
//! standard retry is the only retry of a whole call.

use std::collections::HashSet;

use aws_sdk_kinesis::Client;
use aws_sdk_kinesis::primitives::{Blob, DateTime};
use aws_sdk_kinesis::types::{PutRecordsRequestEntry, StreamMode};
use lambdabase::SdkClient;

use super::{
    Capacity, EnhancedMetrics, HashKeyRange, KinesisError, PutRecordOutput, PutRecordsOutput, PutRecordsResultEntry,
    Record, SequenceNumberRange, Shard, StreamApi, StreamDescription, StreamListing, StreamModeDetails, StreamSummary,
};

/// Pages one listing may take before the proxy stops asking (a guard against a service that keeps
/// saying "more" without moving on).
const MAX_PAGES: usize = 1000;

/// Kinesis through the AWS SDK.
#[derive(Debug, Clone)]
pub struct Kinesis {
    client: SdkClient<Client>,
    list_page_size: i32,
}

impl Kinesis {
    /// The adapter over `client`, listing 1,000 streams per ListStreams page.
    pub fn new(client: impl Into<SdkClient<Client>>) -> Self {
        Kinesis {
            client: client.into(),
            list_page_size: 1000,
        }
    }

    /// Lists `size` (1..=10,000) streams per ListStreams page (small pages exercise paging in tests).
    pub fn with_list_page_size(mut self, size: i32) -> Self {
        self.list_page_size = size.clamp(1, 10_000);
        self
    }
}

fn epoch_seconds(time: &DateTime) -> f64 {
    time.as_secs_f64()
}

fn mode_details(details: Option<&aws_sdk_kinesis::types::StreamModeDetails>) -> Option<StreamModeDetails> {
    details.map(|d| StreamModeDetails {
        stream_mode: d.stream_mode().as_str().to_string(),
    })
}

fn summary_of(summary: &aws_sdk_kinesis::types::StreamSummary) -> StreamSummary {
    StreamSummary {
        stream_name: summary.stream_name().to_string(),
        stream_arn: summary.stream_arn().to_string(),
        stream_status: summary.stream_status().as_str().to_string(),
        stream_mode_details: mode_details(summary.stream_mode_details()),
        stream_creation_timestamp: summary.stream_creation_timestamp().map(epoch_seconds),
    }
}

fn shard_of(shard: &aws_sdk_kinesis::types::Shard) -> Shard {
    Shard {
        shard_id: shard.shard_id().to_string(),
        parent_shard_id: shard.parent_shard_id().map(str::to_string),
        adjacent_parent_shard_id: shard.adjacent_parent_shard_id().map(str::to_string),
        hash_key_range: shard.hash_key_range().map(|range| HashKeyRange {
            starting_hash_key: range.starting_hash_key().to_string(),
            ending_hash_key: range.ending_hash_key().to_string(),
        }),
        sequence_number_range: shard.sequence_number_range().map(|range| SequenceNumberRange {
            starting_sequence_number: range.starting_sequence_number().to_string(),
            ending_sequence_number: range.ending_sequence_number().map(str::to_string),
        }),
    }
}

fn description_of(description: &aws_sdk_kinesis::types::StreamDescription) -> StreamDescription {
    StreamDescription {
        stream_name: description.stream_name().to_string(),
        stream_arn: description.stream_arn().to_string(),
        stream_status: description.stream_status().as_str().to_string(),
        stream_mode_details: mode_details(description.stream_mode_details()),
        shards: description.shards().iter().map(shard_of).collect(),
        has_more_shards: description.has_more_shards(),
        retention_period_hours: description.retention_period_hours(),
        stream_creation_timestamp: epoch_seconds(description.stream_creation_timestamp()),
        enhanced_monitoring: description
            .enhanced_monitoring()
            .iter()
            .map(|metrics| EnhancedMetrics {
                shard_level_metrics: metrics
                    .shard_level_metrics()
                    .iter()
                    .map(|m| m.as_str().to_string())
                    .collect(),
            })
            .collect(),
        encryption_type: description.encryption_type().map(|e| e.as_str().to_string()),
        key_id: description.key_id().map(str::to_string),
    }
}

fn entry_of(entry: &aws_sdk_kinesis::types::PutRecordsResultEntry) -> PutRecordsResultEntry {
    match (entry.error_code(), entry.sequence_number(), entry.shard_id()) {
        (Some(code), _, _) => PutRecordsResultEntry::failure(code, entry.error_message().unwrap_or_default()),
        (None, Some(sequence_number), Some(shard_id)) => PutRecordsResultEntry::Success {
            sequence_number: sequence_number.to_string(),
            shard_id: shard_id.to_string(),
        },
        // Neither a result nor an error: reported as failed, never as stored.
        _ => PutRecordsResultEntry::failure(
            "InternalFailure",
            "Kinesis gave this record neither a result nor an error",
        ),
    }
}

fn unreadable(message: String) -> KinesisError {
    KinesisError::Internal {
        code: "InternalFailure".into(),
        message,
    }
}

impl StreamApi for Kinesis {
    async fn list_streams(&self) -> Result<StreamListing, KinesisError> {
        let mut listing = StreamListing::default();
        let mut summarised = HashSet::new();
        let mut next_token: Option<String> = None;
        let mut start_after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .client
                .get()
                .await
                .list_streams()
                .limit(self.list_page_size)
                .set_next_token(next_token.take())
                .set_exclusive_start_stream_name(start_after.take())
                .send()
                .await
                .map_err(|e| KinesisError::from_sdk(&e))?;
            // moto repeats every stream's summary on every page: keep one per name.
            for summary in page.stream_summaries() {
                if summarised.insert(summary.stream_name().to_string()) {
                    listing.stream_summaries.push(summary_of(summary));
                }
            }
            let names = page.stream_names();
            listing.stream_names.extend(names.iter().cloned());
            if !page.has_more_streams() || names.is_empty() {
                break;
            }
            // Kinesis pages with NextToken; ExclusiveStartStreamName (the last name seen) is the
            // older way, and the only one moto knows.
            match page.next_token() {
                Some(token) => next_token = Some(token.to_string()),
                None => start_after = names.last().cloned(),
            }
        }
        Ok(listing)
    }

    async fn describe_stream(&self, stream: &str) -> Result<StreamDescription, KinesisError> {
        let mut description: Option<StreamDescription> = None;
        let mut start_after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let output = self
                .client
                .get()
                .await
                .describe_stream()
                .stream_name(stream)
                .set_exclusive_start_shard_id(start_after.take())
                .send()
                .await
                .map_err(|e| KinesisError::from_sdk(&e))?;
            let page = output
                .stream_description()
                .ok_or_else(|| unreadable("DescribeStream answered without a StreamDescription".into()))?;
            let page = description_of(page);
            let last_shard = page.shards.last().map(|s| s.shard_id.clone());
            let more = page.has_more_shards;
            match description.as_mut() {
                None => description = Some(page),
                Some(described) => {
                    let before = described.shards.len();
                    for shard in page.shards {
                        if !described.shards.iter().any(|s| s.shard_id == shard.shard_id) {
                            described.shards.push(shard);
                        }
                    }
                    if described.shards.len() == before {
                        // No new shard: the service ignores ExclusiveStartShardId. Stop rather than
                        // loop; HasMoreShards stays true, as it is.
                        break;
                    }
                    described.has_more_shards = more;
                }
            }
            match (more, last_shard) {
                (true, Some(last)) => start_after = Some(last),
                _ => break,
            }
        }
        description.ok_or_else(|| unreadable("DescribeStream gave no description".into()))
    }

    async fn create_stream(
        &self,
        stream: &str,
        capacity: Capacity,
        tags: &[(String, String)],
    ) -> Result<(), KinesisError> {
        let mut request = self.client.get().await.create_stream().stream_name(stream);
        for (key, value) in tags {
            request = request.tags(key, value);
        }
        let request = match capacity {
            Capacity::Provisioned(shards) => request.shard_count(i32::try_from(shards).unwrap_or(i32::MAX)),
            Capacity::OnDemand => {
                let details = aws_sdk_kinesis::types::StreamModeDetails::builder()
                    .stream_mode(StreamMode::OnDemand)
                    .build()
                    .map_err(|e| unreadable(format!("cannot build StreamModeDetails: {e}")))?;
                request.stream_mode_details(details)
            }
        };
        request.send().await.map_err(|e| KinesisError::from_sdk(&e))?;
        Ok(())
    }

    async fn stream_tags(&self, stream: &str) -> Result<Vec<(String, String)>, KinesisError> {
        let mut tags: Vec<(String, String)> = Vec::new();
        let mut start_after: Option<String> = None;
        // A stream holds at most 50 tags: a handful of pages at most, bounded against a service
        // that keeps saying "more".
        for _ in 0..MAX_PAGES {
            let output = self
                .client
                .get()
                .await
                .list_tags_for_stream()
                .stream_name(stream)
                .set_exclusive_start_tag_key(start_after.clone())
                .send()
                .await
                .map_err(|e| KinesisError::from_sdk(&e))?;
            let before = tags.len();
            for tag in output.tags() {
                tags.push((tag.key().to_string(), tag.value().unwrap_or_default().to_string()));
            }
            match (output.has_more_tags(), tags.last()) {
                (true, Some((last, _))) if tags.len() > before => start_after = Some(last.clone()),
                _ => break,
            }
        }
        Ok(tags)
    }

    async fn delete_stream(&self, stream: &str) -> Result<(), KinesisError> {
        self.client
            .get()
            .await
            .delete_stream()
            .stream_name(stream)
            .send()
            .await
            .map_err(|e| KinesisError::from_sdk(&e))?;
        Ok(())
    }

    async fn put_record(&self, stream: &str, record: &Record) -> Result<PutRecordOutput, KinesisError> {
        let output = self
            .client
            .get()
            .await
            .put_record()
            .stream_name(stream)
            .partition_key(&record.partition_key)
            .data(Blob::new(record.data.clone()))
            .send()
            .await
            .map_err(|e| KinesisError::from_sdk(&e))?;
        Ok(PutRecordOutput {
            sequence_number: output.sequence_number().to_string(),
            shard_id: output.shard_id().to_string(),
            encryption_type: output.encryption_type().map(|e| e.as_str().to_string()),
        })
    }

    async fn put_records(&self, stream: &str, records: &[&Record]) -> Result<PutRecordsOutput, KinesisError> {
        let mut entries = Vec::with_capacity(records.len());
        for record in records {
            let entry = PutRecordsRequestEntry::builder()
                .data(Blob::new(record.data.clone()))
                .partition_key(&record.partition_key)
                .build()
                .map_err(|e| unreadable(format!("cannot build a PutRecords entry: {e}")))?;
            entries.push(entry);
        }
        let output = self
            .client
            .get()
            .await
            .put_records()
            .stream_name(stream)
            .set_records(Some(entries))
            .send()
            .await
            .map_err(|e| KinesisError::from_sdk(&e))?;
        if output.records().len() != records.len() {
            return Err(unreadable(format!(
                "PutRecords answered {} results for {} records",
                output.records().len(),
                records.len()
            )));
        }
        Ok(PutRecordsOutput::new(
            output.records().iter().map(entry_of).collect(),
            output.encryption_type().map(|e| e.as_str().to_string()),
        ))
    }
}
