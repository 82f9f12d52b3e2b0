//! Tests of the platform records: the text and JSON reports, the system log level that drops them,
//! and the peak memory read.

use super::*;

fn report() -> Report {
    Report {
        request_id: "r-1".into(),
        duration: Duration::from_micros(12_345),
        memory_size_mb: 128,
        max_memory_used_mb: 9,
        init_duration: Some(Duration::from_micros(7_500)),
        status: Status::Success,
    }
}

fn logging(json: bool, level: &str) -> LoggingSpec {
    LoggingSpec {
        json,
        application_level: None,
        system_level: level.into(),
    }
}

#[test]
fn report_line_has_lambdas_fields() {
    assert_eq!(
        report().line(),
        "REPORT RequestId: r-1\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\tInit Duration: 7.50 ms"
    );
}

#[test]
fn json_format_writes_platform_report_records() {
    let record: serde_json::Value =
        serde_json::from_str(&report_record(&report(), &logging(true, "INFO")).unwrap()).unwrap();
    assert_eq!(record["type"], "platform.report");
    assert_eq!(record["record"]["requestId"], "r-1");
    assert_eq!(record["record"]["status"], "success");
    let metrics = &record["record"]["metrics"];
    assert_eq!(metrics["durationMs"], 12.35);
    assert_eq!(metrics["billedDurationMs"], 13);
    assert_eq!(metrics["memorySizeMB"], 128);
    assert_eq!(metrics["maxMemoryUsedMB"], 9);
    assert_eq!(metrics["initDurationMs"], 7.5);
    let start: serde_json::Value = serde_json::from_str(&start_record("r-1", &logging(true, "INFO")).unwrap()).unwrap();
    assert_eq!(start["type"], "platform.start");
}

#[test]
fn system_log_level_filters_platform_records() {
    assert!(report_record(&report(), &logging(true, "WARN")).is_none());
    assert!(start_record("r-1", &logging(true, "ERROR")).is_none());
    assert!(
        report_record(&report(), &logging(false, "WARN"))
            .unwrap()
            .starts_with("REPORT ")
    );
    assert_eq!(
        start_record("r-1", &logging(false, "INFO")).unwrap(),
        "START RequestId: r-1 Version: $LATEST"
    );
}

#[test]
fn peak_rss_of_this_process() {
    assert!(peak_rss_mb(std::process::id()).is_some_and(|mb| mb > 0));
}
