//! CreateStream bodies: every way to ask for a capacity, and each refusal naming its field.

use super::*;
use crate::request::expect::{invalid, malformed};

const LIMITS: ShardLimits = ShardLimits { default: 1, max: 4 };

#[test]
fn create_stream_body() {
    for empty in ["", "  ", "{}", " { } "] {
        assert_eq!(create_stream(empty, LIMITS), Ok(Capacity::Provisioned(1)), "{empty:?}");
    }
    assert_eq!(
        create_stream(r#"{"ShardCount": 3}"#, LIMITS),
        Ok(Capacity::Provisioned(3))
    );
    assert_eq!(
        create_stream(r#"{"ShardCount": 4}"#, LIMITS),
        Ok(Capacity::Provisioned(4))
    );
    assert_eq!(
        create_stream(r#"{"StreamMode": "ON_DEMAND"}"#, LIMITS),
        Ok(Capacity::OnDemand)
    );
    assert_eq!(
        create_stream(r#"{"StreamModeDetails": {"StreamMode": "ON_DEMAND"}}"#, LIMITS),
        Ok(Capacity::OnDemand)
    );
    assert_eq!(
        create_stream(r#"{"StreamMode": "PROVISIONED"}"#, LIMITS),
        Ok(Capacity::Provisioned(1))
    );
    assert_eq!(
        create_stream(r#"{"StreamMode": "PROVISIONED", "ShardCount": 2}"#, LIMITS),
        Ok(Capacity::Provisioned(2))
    );
}

#[test]
fn create_stream_refusals() {
    assert_eq!(
        invalid(create_stream(r#"{"ShardCount": 5}"#, LIMITS)),
        "ShardCount: 5, at most 4 (MAX_SHARD_COUNT, a cost guard)"
    );
    assert_eq!(
        invalid(create_stream(r#"{"ShardCount": 99999999999999999999}"#, LIMITS)),
        "ShardCount: must be a whole number from 1 to 4"
    );
    for bad in ["0", "-1", "1.5", "\"2\"", "null", "true"] {
        assert_eq!(
            invalid(create_stream(&format!(r#"{{"ShardCount": {bad}}}"#), LIMITS)),
            "ShardCount: must be a whole number from 1 to 4",
            "{bad}"
        );
    }
    assert_eq!(
        invalid(create_stream(r#"{"StreamMode": "ON_DEMAND", "ShardCount": 2}"#, LIMITS)),
        "ShardCount: not allowed with StreamMode ON_DEMAND (Kinesis scales its shards)"
    );
    assert_eq!(
        invalid(create_stream(r#"{"StreamMode": "on_demand"}"#, LIMITS)),
        "StreamMode: must be ON_DEMAND or PROVISIONED"
    );
    assert_eq!(
        malformed(create_stream(r#"{"StreamMode": 1}"#, LIMITS)),
        "StreamMode: must be a string"
    );
    assert_eq!(
        malformed(create_stream(r#"{"shardCount": 1}"#, LIMITS)),
        r#"body: unknown field "shardCount", expected ShardCount or StreamMode or StreamModeDetails"#
    );
    assert_eq!(
        invalid(create_stream(r#"{"StreamModeDetails": {}}"#, LIMITS)),
        "StreamModeDetails.StreamMode: missing"
    );
    assert_eq!(malformed(create_stream("[]", LIMITS)), "body: must be a JSON object");
    assert!(malformed(create_stream("{", LIMITS)).starts_with("body: not valid JSON"));
}
