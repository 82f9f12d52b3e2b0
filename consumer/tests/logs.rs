//! The consumer's log: one summary line per batch, one line per poison or failed record with its
//! sequence number and reason, and never any record data, even at TRACE level for every crate
//! (the AWS SDK included).

mod support;

use serde_json::Value;
use support::{Env, event, record, sequence};

const CANARY: &str = "PAYLOAD-LEAK-CANARY-5e1f";

#[tokio::test(flavor = "current_thread")]
async fn batch_summary_and_poison_lines_without_record_data() {
    let captured = testkit::LogCapture::default();
    let _guard = captured.install();

    let env = Env::new(testkit::moto().endpoint()).await;
    let consumer = env.consumer(2);
    let valid = format!(r#"{{"secret":"{CANARY}","eventId":"mismatch-{CANARY}"}}"#);
    let not_json = format!("{CANARY} is not json");
    let reserved = format!(r#"{{"_sg_x":"{CANARY}"}}"#);
    let response = consumer
        .handle(event(vec![
            record("k1", 1, valid.as_bytes()),
            record("k2", 2, not_json.as_bytes()),
            record("k3", 3, reserved.as_bytes()),
        ]))
        .await;
    assert!(response.batch_item_failures.is_empty());

    let logs = captured.text();
    assert!(!logs.contains(CANARY), "record data in the logs:\n{logs}");
    let lines: Vec<Value> = logs.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let summaries: Vec<&Value> = lines.iter().filter(|l| l["fields"]["message"] == "batch").collect();
    assert_eq!(summaries.len(), 1, "{logs}");
    let summary = &summaries[0]["fields"];
    let counts: Vec<&Value> = ["records", "written", "stale", "poison", "failed"]
        .iter()
        .map(|field| &summary[*field])
        .collect();
    assert_eq!(counts, [3, 1, 0, 2, 0].map(Value::from).iter().collect::<Vec<_>>());
    assert!(summary["duration_ms"].is_u64());
    let poison: Vec<(String, String)> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "poison record sent to the dead-letter queue")
        .map(|l| {
            (
                l["fields"]["sequence_number"].as_str().unwrap().to_string(),
                l["fields"]["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        poison,
        vec![
            (sequence(2), "not_json".to_string()),
            (sequence(3), "reserved_name".to_string())
        ]
    );
    assert!(logs.contains("body eventId differs from the partition key"));
}
