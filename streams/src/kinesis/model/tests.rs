//! The model's serialized shapes, and which PutRecords entries are worth sending again.

use super::*;

#[test]
fn retryable_entries() {
    let throttled = PutRecordsResultEntry::failure("ProvisionedThroughputExceededException", "busy");
    let internal = PutRecordsResultEntry::failure("InternalFailure", "oops");
    let kms = PutRecordsResultEntry::failure("KMSThrottlingException", "kms");
    let ok = PutRecordsResultEntry::Success {
        sequence_number: "1".into(),
        shard_id: "shardId-000000000000".into(),
    };
    assert!(throttled.is_retryable() && internal.is_retryable());
    assert!(!kms.is_retryable() && !ok.is_retryable());
    assert!(kms.is_failure() && !ok.is_failure());
    let output = PutRecordsOutput::new(vec![ok, kms], None);
    assert_eq!(output.failed_record_count, 1);
    assert_eq!(
        serde_json::to_value(&output).unwrap(),
        serde_json::json!({
            "FailedRecordCount": 1,
            "Records": [
                {"SequenceNumber": "1", "ShardId": "shardId-000000000000"},
                {"ErrorCode": "KMSThrottlingException", "ErrorMessage": "kms"}
            ]
        })
    );
}

#[test]
fn description_serializes_in_kinesis_shape() {
    let description = DescribeStreamOutput {
        stream_description: StreamDescription {
            stream_name: "s".into(),
            stream_arn: "arn".into(),
            stream_status: "ACTIVE".into(),
            stream_mode_details: Some(StreamModeDetails {
                stream_mode: "PROVISIONED".into(),
            }),
            shards: vec![Shard {
                shard_id: "shardId-000000000000".into(),
                parent_shard_id: None,
                adjacent_parent_shard_id: None,
                hash_key_range: Some(HashKeyRange {
                    starting_hash_key: "0".into(),
                    ending_hash_key: "340282366920938463463374607431768211455".into(),
                }),
                sequence_number_range: Some(SequenceNumberRange {
                    starting_sequence_number: "1".into(),
                    ending_sequence_number: None,
                }),
            }],
            has_more_shards: false,
            retention_period_hours: 24,
            stream_creation_timestamp: 1_700_000_000.25,
            enhanced_monitoring: vec![EnhancedMetrics {
                shard_level_metrics: vec![],
            }],
            encryption_type: Some("NONE".into()),
            key_id: None,
        },
    };
    assert_eq!(
        serde_json::to_value(&description).unwrap(),
        serde_json::json!({"StreamDescription": {
            "StreamName": "s",
            "StreamARN": "arn",
            "StreamStatus": "ACTIVE",
            "StreamModeDetails": {"StreamMode": "PROVISIONED"},
            "Shards": [{
                "ShardId": "shardId-000000000000",
                "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": "340282366920938463463374607431768211455"},
                "SequenceNumberRange": {"StartingSequenceNumber": "1"}
            }],
            "HasMoreShards": false,
            "RetentionPeriodHours": 24,
            "StreamCreationTimestamp": 1_700_000_000.25,
            "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
            "EncryptionType": "NONE"
        }})
    );
}

#[test]
fn put_answers_read_back_as_written() {
    let single = PutRecordOutput {
        sequence_number: "4959".into(),
        shard_id: "shardId-000000000000".into(),
        encryption_type: None,
    };
    let text = serde_json::to_string(&single).unwrap();
    assert_eq!(serde_json::from_str::<PutRecordOutput>(&text).unwrap(), single);

    let ok = PutRecordsResultEntry::Success {
        sequence_number: "1".into(),
        shard_id: "shardId-000000000001".into(),
    };
    let batch = PutRecordsOutput::new(
        vec![ok, PutRecordsResultEntry::failure("InternalFailure", "oops")],
        Some("KMS".into()),
    );
    let text = serde_json::to_string(&batch).unwrap();
    assert_eq!(serde_json::from_str::<PutRecordsOutput>(&text).unwrap(), batch);
}
