use super::*;
use crate::kafka::memory::MemoryKafka;
use crate::partitioner::partition_for_key;
use serde_json::{Value, json};

const JSON: &str = "application/vnd.kafka.json.v2+json";
const BINARY: &str = "application/vnd.kafka.binary.v2+json";

fn proxy(pattern: &str) -> RestProxy<MemoryKafka> {
    let kafka = MemoryKafka::with_topics(&[("orders.pin", 3), ("orders.geo", 1), ("other", 1), ("_schemas", 1)]);
    RestProxy::new(kafka, TopicPolicy::new(pattern).unwrap_or_else(|e| panic!("{e}")))
}

async fn call(
    proxy: &RestProxy<MemoryKafka>,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let request = ProxyRequest {
        method,
        raw_path: path,
        content_type,
        body: body.as_bytes(),
    };
    let (response, _) = proxy.handle(request, Instant::now() + Duration::from_secs(5)).await;
    (
        response.status,
        serde_json::from_slice(&response.body).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn produce_answers_confluents_shape_with_keyed_records_where_java_puts_them() {
    let proxy = proxy("orders.*");
    let body = r#"{"records": [{"key": "user-1", "value": {"a": 1}}, {"value": 2}, {"value": 3}]}"#;
    let (status, answer) = call(&proxy, "POST", "/topics/orders.pin", Some(JSON), body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["key_schema_id"], Value::Null);
    assert_eq!(answer["value_schema_id"], Value::Null);
    let offsets = answer["offsets"].as_array().cloned().unwrap_or_default();
    assert_eq!(offsets.len(), 3);
    assert_eq!(offsets[0]["partition"], json!(partition_for_key(br#""user-1""#, 3)));
    // Keyless records stay together (sticky).
    assert_eq!(offsets[1]["partition"], offsets[2]["partition"]);
    for offset in &offsets {
        assert_eq!(offset["error_code"], Value::Null);
    }
    let partition = offsets[0]["partition"].as_i64().unwrap_or(-1) as i32;
    assert_eq!(
        proxy.kafka().records("orders.pin", partition)[0].value.as_deref(),
        Some(&br#"{"a":1}"#[..])
    );
}

#[tokio::test]
async fn a_partition_route_and_binary_records() {
    let proxy = proxy("*");
    let (status, answer) = call(
        &proxy,
        "POST",
        "/topics/orders.pin/partitions/2",
        Some(BINARY),
        r#"{"records":[{"key":"a2V5","value":"AAEC"}]}"#,
    )
    .await;
    assert_eq!((status, answer["offsets"][0]["partition"].clone()), (200, json!(2)));
    assert_eq!(
        proxy.kafka().records("orders.pin", 2)[0].value.as_deref(),
        Some(&[0u8, 1, 2][..])
    );
    let (status, answer) = call(
        &proxy,
        "POST",
        "/topics/orders.pin/partitions/-1",
        Some(JSON),
        r#"{"records":[{"value":1}]}"#,
    )
    .await;
    assert_eq!((status, answer["error_code"].clone()), (404, json!(40402)));
    let (status, _) = call(
        &proxy,
        "POST",
        "/topics/orders.pin/partitions/0",
        Some(JSON),
        r#"{"records":[{"value":1,"partition":1}]}"#,
    )
    .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn every_error_status_and_nothing_produced() {
    let proxy = proxy("orders.*");
    let one = r#"{"records":[{"value":1}]}"#;
    // (method, path, content type, body, status, error code)
    type Case<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, u16, u32);
    let cases: Vec<Case> = vec![
        ("POST", "/topics/other", Some(JSON), one, 403, 40301),
        ("POST", "/topics/%2e%2e", Some(JSON), one, 403, 40301),
        ("POST", "/topics/..;", Some(JSON), one, 403, 40301),
        ("POST", "/topics/a%2fb", Some(JSON), one, 403, 40301),
        ("GET", "/topics/_schemas", None, "", 403, 40301),
        ("POST", "/topics//", Some(JSON), one, 404, 404),
        ("POST", "/topics/../consumers/x", Some(JSON), one, 404, 404),
        ("DELETE", "/topics/orders.pin", None, "", 405, 405),
        ("POST", "/topics/orders.pin", Some("application/json"), one, 415, 415),
        ("POST", "/topics/orders.pin", Some(JSON), "not json", 422, 422),
        ("POST", "/topics/orders.pin", Some(JSON), r#"{"records":[]}"#, 422, 422),
        (
            "POST",
            "/topics/orders.pin",
            Some(JSON),
            r#"{"records":[{"value":1,"partition":-1}]}"#,
            404,
            40402,
        ),
        ("POST", "/topics/orders.missing", Some(JSON), one, 404, 40401),
        ("GET", "/topics/orders.missing", None, "", 404, 40401),
    ];
    for (method, path, content_type, body, status, code) in cases {
        let (got, answer) = call(&proxy, method, path, content_type, body).await;
        assert_eq!(
            (got, answer["error_code"].as_u64()),
            (status, Some(u64::from(code))),
            "{method} {path} {body}: {answer}"
        );
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert!(proxy.kafka().calls().is_empty(), "{:?}", proxy.kafka().calls());
}

#[tokio::test]
async fn an_unreachable_cluster_is_a_500_saying_so() {
    let proxy = proxy("*");
    proxy.kafka().set_unreachable(true);
    let (status, answer) = call(
        &proxy,
        "POST",
        "/topics/orders.pin",
        Some(JSON),
        r#"{"records":[{"value":1}]}"#,
    )
    .await;
    assert_eq!((status, answer["error_code"].clone()), (500, json!(50003)));
    assert!(
        answer["message"].as_str().is_some_and(|m| m.contains("unreachable")),
        "{answer}"
    );
}

#[tokio::test]
async fn listing_and_describing_show_only_what_the_pattern_allows() {
    let proxy = proxy("orders.*");
    let (status, answer) = call(&proxy, "GET", "/topics", None, "").await;
    assert_eq!((status, answer), (200, json!(["orders.geo", "orders.pin"])));
    let (status, answer) = call(&proxy, "GET", "/topics/orders.pin", None, "").await;
    assert_eq!(status, 200);
    assert_eq!(answer["name"], "orders.pin");
    assert_eq!(answer["partitions"].as_array().map(Vec::len), Some(3));
}
