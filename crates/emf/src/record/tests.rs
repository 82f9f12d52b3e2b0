//! The EMF document's exact shape: Powertools' members, one line, the bytes it always had, and
//! the same document read back.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::{Document, Member, MetricRecord, Namespace, Unit};

fn at(millis: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(millis)
}

#[test]
fn a_second_dimension_sits_beside_service() {
    let record = MetricRecord::new(Namespace::default(), "authorizer")
        .with_dimension("client", "partner")
        .count("Allowed", 1);
    let json = record.to_json(at(1));
    assert_eq!(
        json["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
        json!([["service", "client"]])
    );
    assert_eq!(json["client"], "partner");
    assert_eq!(json["service"], "authorizer");
}

#[test]
fn the_record_has_the_exact_powertools_shape() {
    let record = MetricRecord::new(Namespace::parse("streamgate").unwrap(), "authorizer")
        .count("Allowed", 1)
        .count("Denied", 0)
        .milliseconds("OldestRecordAgeMs", 1234);
    assert_eq!(
        record.to_json(at(1_764_051_234_567)),
        json!({
            "_aws": {
                "Timestamp": 1_764_051_234_567u64,
                "CloudWatchMetrics": [{
                    "Namespace": "streamgate",
                    "Dimensions": [["service"]],
                    "Metrics": [
                        {"Name": "Allowed", "Unit": "Count"},
                        {"Name": "Denied", "Unit": "Count"},
                        {"Name": "OldestRecordAgeMs", "Unit": "Milliseconds"},
                    ],
                }],
            },
            "service": "authorizer",
            "Allowed": 1,
            "Denied": 0,
            "OldestRecordAgeMs": 1234,
        })
    );
    assert_eq!(record.value("Allowed"), Some(1));
    assert_eq!(record.value("Missing"), None);
}

#[test]
fn one_line_with_a_top_level_object() {
    let record = MetricRecord::new(Namespace::parse("My App/prod").unwrap(), "consumer").count("BatchSize", 3);
    let line = record.to_line(at(5));
    assert!(!line.contains('\n'));
    let parsed: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(parsed["_aws"]["CloudWatchMetrics"][0]["Namespace"], "My App/prod");
    assert_eq!(parsed["BatchSize"], 3);
    assert_eq!(parsed["_aws"]["Timestamp"], 5);
}

#[test]
fn a_repeated_name_keeps_the_last_value_once() {
    let record = MetricRecord::new(Namespace::default(), "s").count("A", 1).count("A", 2);
    let json = record.to_json(at(0));
    assert_eq!(json["A"], 2);
    assert_eq!(
        json["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_record_without_metrics_is_still_valid() {
    let json = MetricRecord::new(Namespace::default(), "s").to_json(at(0));
    assert_eq!(json["_aws"]["CloudWatchMetrics"][0]["Metrics"], json!([]));
    assert_eq!(json["service"], "s");
}

#[test]
fn the_line_is_byte_for_byte_what_it_always_was() {
    let record = MetricRecord::new(Namespace::parse("streamgate").unwrap(), "authorizer")
        .count("Allowed", 1)
        .count("Denied", 0)
        .milliseconds("OldestRecordAgeMs", 1234);
    assert_eq!(
        record.to_line(at(1_764_051_234_567)),
        r#"{"Allowed":1,"Denied":0,"OldestRecordAgeMs":1234,"_aws":{"CloudWatchMetrics":[{"Dimensions":[["service"]],"Metrics":[{"Name":"Allowed","Unit":"Count"},{"Name":"Denied","Unit":"Count"},{"Name":"OldestRecordAgeMs","Unit":"Milliseconds"}],"Namespace":"streamgate"}],"Timestamp":1764051234567},"service":"authorizer"}"#
    );
    let record = MetricRecord::new(Namespace::default(), "authorizer")
        .with_dimension("client", "partner")
        .count("Allowed", 1);
    assert_eq!(
        record.to_line(at(1)),
        r#"{"Allowed":1,"_aws":{"CloudWatchMetrics":[{"Dimensions":[["service","client"]],"Metrics":[{"Name":"Allowed","Unit":"Count"}],"Namespace":"streamgate"}],"Timestamp":1},"client":"partner","service":"authorizer"}"#
    );
}

#[test]
fn a_line_reads_back_as_its_document() {
    let record = MetricRecord::new(Namespace::default(), "consumer")
        .with_dimension("client", "partner")
        .count("BatchSize", 3)
        .milliseconds("OldestRecordAgeMs", 1500);
    let document = Document::parse(&record.to_line(at(42))).unwrap();
    assert_eq!(document, record.document(at(42)));
    assert_eq!(document.metadata.timestamp, 42);
    let directive = document.directive().unwrap();
    assert_eq!(directive.namespace, "streamgate");
    assert_eq!(
        directive.dimensions,
        vec![vec!["service".to_string(), "client".to_string()]]
    );
    let units: Vec<(&str, Unit)> = directive.metrics.iter().map(|m| (m.name.as_str(), m.unit)).collect();
    assert_eq!(
        units,
        vec![("BatchSize", Unit::Count), ("OldestRecordAgeMs", Unit::Milliseconds)]
    );
    assert_eq!(document.value("BatchSize"), Some(3));
    assert_eq!(document.value("client"), None);
    assert_eq!(document.dimension("service"), Some("consumer"));
    assert_eq!(document.dimension("client"), Some("partner"));
    assert_eq!(document.dimension("BatchSize"), None);
    assert_eq!(document.members["client"], Member::Text("partner".into()));
}

#[test]
fn units_are_spelled_as_cloudwatch_spells_them() {
    for unit in [Unit::Count, Unit::Milliseconds] {
        assert_eq!(serde_json::to_value(unit).unwrap(), Value::from(unit.as_str()));
    }
}
