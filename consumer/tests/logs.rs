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
        .handle(&event(vec![
            record("k1", 1, valid.as_bytes()),
            record("k2", 2, not_json.as_bytes()),
            record("k3", 3, reserved.as_bytes()),
        ]))
        .await
        .expect("handled");
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

#[tokio::test(flavor = "current_thread")]
async fn unreadable_records_and_events_leave_no_data_in_the_logs() {
    let captured = testkit::LogCapture::default();
    let guard = captured.install();

    let env = Env::new(testkit::moto().endpoint()).await;
    let consumer = env.consumer(2);
    // serde's message for an unknown variant quotes it: that detail goes to the dead-letter
    // message, never to the logs.
    let mut event: Value =
        serde_json::from_str(event(vec![record("k1", 1, b"{}"), record("k2", 2, b"{}")]).get()).expect("JSON");
    event["Records"][1]["kinesis"]["encryptionType"] = Value::from(CANARY);
    let payload = serde_json::value::to_raw_value(&event).expect("JSON");
    let response = consumer.handle(&payload).await.expect("handled");
    assert!(response.batch_item_failures.is_empty());

    let not_an_event = serde_json::value::to_raw_value(&serde_json::json!({"Records": CANARY})).expect("JSON");
    let error = consumer.handle(&not_an_event).await.expect_err("not a Kinesis event");
    assert!(!error.to_string().contains(CANARY), "{error}");

    let logs = captured.text();
    assert!(!logs.contains(CANARY), "record data in the logs:\n{logs}");
    let lines: Vec<Value> = logs.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let reasons: Vec<&str> = lines.iter().filter_map(|l| l["fields"]["reason"].as_str()).collect();
    assert_eq!(reasons, vec!["unreadable_record", "unreadable_event"], "{logs}");
    let poison_line = lines
        .iter()
        .find(|l| l["fields"]["reason"] == "unreadable_record")
        .expect("the poison line");
    assert_eq!(poison_line["fields"]["sequence_number"], sequence(2));

    // Reading the queue back is the test's doing, not the consumer's: outside the capture.
    drop(guard);
    let messages = env.drain_queue().await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["reason"], "unreadable_record");
    assert!(
        messages[0]["detail"].as_str().unwrap().contains(CANARY),
        "the dead-letter message says why"
    );
}
