//! The tally's summary: success judged per request and per record, split by target, and its
//! `--json` form read back as the same type.

use super::*;

fn outcome(target: &str, status: u16, records: u64, failed: u64) -> Outcome {
    Outcome {
        target: target.into(),
        records,
        first: Ok((status, "body".into())),
        failed,
        retried: 0,
        latency_micros: 1000,
    }
}

#[test]
fn summary_judges_success_and_splits_by_target() {
    let mut tally = Tally::new().unwrap();
    tally.add(outcome("t.pin", 200, 2, 0)).unwrap();
    tally.add(outcome("t.geo", 200, 3, 0)).unwrap();
    let summary = tally.summary(2, 1.0);
    assert!(summary.all_ok());
    assert_eq!(summary.records, 5);
    assert_eq!(summary.targets["t.geo"].records, 3);
    assert!(summary.text().contains("status 200: 2"));
    assert!(summary.text().contains("t.pin: 2 records in 1 requests"));

    tally.add(outcome("t.pin", 200, 2, 1)).unwrap();
    let summary = tally.summary(3, 1.0);
    assert!(!summary.all_ok(), "a record that failed under a 200 is a failure");
    assert_eq!(summary.targets["t.pin"].failed, 1);
    assert!(summary.first_failures[0].contains("1 records not stored"));

    let mut tally = Tally::new().unwrap();
    tally.add(outcome("s", 403, 1, 1)).unwrap();
    assert!(!tally.summary(1, 1.0).all_ok());
    let mut tally = Tally::new().unwrap();
    let mut lost = outcome("s", 200, 1, 1);
    lost.first = Err("refused".into());
    tally.add(lost).unwrap();
    let summary = tally.summary(1, 1.0);
    assert_eq!(summary.transport_errors, 1);
    assert!(!summary.all_ok());
}

#[test]
fn the_json_summary_reads_back() {
    let mut tally = Tally::new().unwrap();
    tally.add(outcome("t.pin", 200, 2, 0)).unwrap();
    tally.add(outcome("t.geo", 403, 3, 3)).unwrap();
    let summary = tally.summary(2, 1.5);
    let json = serde_json::to_string(&summary).unwrap();
    assert_eq!(serde_json::from_str::<Summary>(&json).unwrap(), summary);
    // Statuses are members named by the status (`"403": 1`), as scripts read them.
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["statuses"]["403"], 1);
}
