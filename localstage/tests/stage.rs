//! End to end against a running local stage: the real binaries, moto, the emulated HTTP API and
//! event source mapping. Every test starts its own stage on free ports and waits with deadlines.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use std::collections::HashSet;
use std::time::Duration;

use deadletter::{BatchPointer, Kind, PoisonMessage};
use localstage::Stage;
use serde_json::Value;
use support::{PASSWORD, USERNAME, failing_consumer_stage, queue_messages, stage, submit_url};
use testkit::{HttpClient, basic, eventually};

const DEADLINE: Duration = Duration::from_secs(60);

/// The queue's messages read as `T`, the one kind of dead-letter message the test expects.
fn read_as<T: serde::de::DeserializeOwned>(messages: &[Value]) -> Vec<T> {
    messages
        .iter()
        .map(|message| serde_json::from_value(message.clone()).unwrap_or_else(|e| panic!("{e}: {message}")))
        .collect()
}

async fn item(stage: &Stage, event_id: &str) -> Option<Value> {
    let dynamodb = aws_sdk_dynamodb::Client::new(&stage.sdk_config().await);
    let output = dynamodb
        .get_item()
        .table_name(&stage.provisioned.table_name)
        .key("eventId", aws_sdk_dynamodb::types::AttributeValue::S(event_id.into()))
        .consistent_read(true)
        .send()
        .await
        .ok()?;
    let item = output.item()?;
    Some(serde_json::json!(item.keys().collect::<Vec<_>>()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorizes_puts_and_lands() {
    authorizes_puts_and_lands_with("direct").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorizes_puts_and_lands_through_the_submit_function() {
    authorizes_puts_and_lands_with("function").await;
}

/// The submit route with `SubmitIntegration` = `integration`: the same answers either way.
async fn authorizes_puts_and_lands_with(integration: &str) {
    let stage = stage(&[("SubmitIntegration", integration)], &[]).await;
    assert_eq!(
        stage.function("SubmitFunction").is_some(),
        integration == "function",
        "the submit function runs only when the route is function-backed"
    );
    let http = HttpClient::default();
    let authorizer = stage.function("AuthorizerFunction").expect("authorizer");
    let good = basic(USERNAME, PASSWORD);

    let answer = http
        .post(
            &submit_url(&stage, "e2e-1"),
            &[("authorization", &good), ("content-type", "application/json")],
            r#"{"title":"first"}"#,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = answer.json();
    assert!(body["SequenceNumber"].as_str().is_some_and(|s| !s.is_empty()), "{body}");
    assert!(
        body["ShardId"].as_str().is_some_and(|s| s.starts_with("shardId-")),
        "{body}"
    );
    let keys = eventually("the item in DynamoDB", DEADLINE, || item(&stage, "e2e-1")).await;
    assert!(keys.as_array().unwrap().iter().any(|k| k == "title"), "{keys}");
    assert_eq!(authorizer.invocations(), 1);

    // Missing header: 401 without invoking the authorizer.
    let answer = http.post(&submit_url(&stage, "e2e-2"), &[], "{}").await;
    assert_eq!(
        (answer.status, answer.json()["message"].as_str()),
        (401, Some("Unauthorized"))
    );
    assert_eq!(authorizer.invocations(), 1);

    // Wrong password: 403.
    let answer = http
        .post(
            &submit_url(&stage, "e2e-3"),
            &[("authorization", &basic(USERNAME, "wrong"))],
            "{}",
        )
        .await;
    assert_eq!(
        (answer.status, answer.json()["message"].as_str()),
        (403, Some("Forbidden"))
    );
    assert_eq!(authorizer.invocations(), 2);

    // The same header on the same path inside the TTL: the cached verdict, no invocation. The
    // cache is keyed by header, route and path, so another eventId is another invocation: a cached
    // allow never covers another path (for a scoped client, another stream).
    let answer = http
        .post(
            &submit_url(&stage, "e2e-1"),
            &[("authorization", &good)],
            r#"{"title":"first"}"#,
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(authorizer.invocations(), 2);
    let answer = http
        .post(&submit_url(&stage, "e2e-4"), &[("authorization", &good)], "{}")
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(authorizer.invocations(), 3);

    // Unknown route, and a stream the integration role may not write to.
    let answer = http
        .post(
            &format!("{}/nope", stage.gateway_url),
            &[("authorization", &good)],
            "{}",
        )
        .await;
    assert_eq!(
        (answer.status, answer.json()["message"].as_str()),
        (404, Some("Not Found"))
    );
    let answer = http
        .post(
            &format!("{}/submit/another-stream/x", stage.gateway_url),
            &[("authorization", &good)],
            "{}",
        )
        .await;
    assert_eq!(
        (answer.status, answer.json()["message"].as_str()),
        (500, Some("Internal Server Error"))
    );
    if let Some(submit) = stage.function("SubmitFunction") {
        // One invocation per authorized submit (the cached e2e-1 included), none for a refusal
        // before the integration.
        assert_eq!(submit.invocations(), 4);
    }
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_is_dead_lettered_and_later_records_still_land() {
    let stage = stage(&[], &[]).await;
    let http = HttpClient::default();
    let good = basic(USERNAME, PASSWORD);
    let answer = http
        .post(
            &submit_url(&stage, "poison-1"),
            &[("authorization", &good)],
            "this is not json",
        )
        .await;
    assert_eq!(answer.status, 200);
    let messages = eventually("the poison message", DEADLINE, || async {
        let messages = queue_messages(&stage).await;
        (!messages.is_empty()).then_some(messages)
    })
    .await;
    assert_eq!(messages.len(), 1);
    let messages: Vec<PoisonMessage> = read_as(&messages);
    assert_eq!(messages[0].kind, Kind::Poison);
    assert_eq!(messages[0].reason, "not_json");
    assert_eq!(messages[0].partition_key.as_deref(), Some("poison-1"));

    let answer = http
        .post(
            &submit_url(&stage, "after-poison"),
            &[("authorization", &good)],
            r#"{"ok":true}"#,
        )
        .await;
    assert_eq!(answer.status, 200);
    eventually("the later item", DEADLINE, || item(&stage, "after-poison")).await;
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_writes_are_retried_then_one_on_failure_record_per_batch() {
    let stage = stage(
        &[("MaximumRetryAttempts", "2"), ("MaximumBatchingWindowInSeconds", "3")],
        &[],
    )
    .await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&stage.sdk_config().await);
    dynamodb
        .delete_table()
        .table_name(&stage.provisioned.table_name)
        .send()
        .await
        .expect("delete_table");
    let http = HttpClient::default();
    let good = basic(USERNAME, PASSWORD);
    for n in 0..3 {
        let answer = http
            .post(
                &submit_url(&stage, &format!("lost-{n}")),
                &[("authorization", &good)],
                "{}",
            )
            .await;
        assert_eq!(answer.status, 200);
    }
    let messages = eventually("the on-failure record", DEADLINE, || async {
        let messages = queue_messages(&stage).await;
        (!messages.is_empty()).then_some(messages)
    })
    .await;
    assert_eq!(
        messages.len(),
        1,
        "one on-failure record for the one batch: {messages:?}"
    );
    // AWS leaves `functionError` out (not `null`) when the function returned failures.
    assert!(
        messages[0]["responseContext"].get("functionError").is_none(),
        "the function reported failures, it did not fail"
    );
    let record = &read_as::<BatchPointer>(&messages)[0];
    assert_eq!(record.request_context.condition, "RetryAttemptsExhausted");
    assert_eq!(
        record.request_context.approximate_invoke_count, 3,
        "first try + 2 retries"
    );
    assert!(record.request_context.function_arn.contains(":function:"));
    assert_eq!(record.response_context.status_code, 200);
    assert_eq!(record.response_context.function_error, None);
    assert_eq!(record.version, "1.0");
    assert!(messages[0]["timestamp"].as_str().is_some());
    let info = &record.batch;
    assert_eq!(info.batch_size, 3);
    assert_eq!(info.shard_id, "shardId-000000000000");
    assert_eq!(info.stream_arn, stage.provisioned.stream_arn.as_str());
    // The sequence numbers are required by the type (read as strings); the arrivals are optional.
    assert!(info.approximate_arrival_of_first_record.is_some());
    assert!(info.approximate_arrival_of_last_record.is_some());
    let partial = stage.deliveries().iter().filter(|d| d.outcome == "partial").count();
    assert_eq!(partial, 3, "delivered three times");

    // The stage keeps running: with the table back, new records land.
    testkit::create_table(&stage.sdk_config().await, &stage.provisioned.table_name, "eventId")
        .await
        .expect("create_table");
    let answer = http
        .post(&submit_url(&stage, "after-outage"), &[("authorization", &good)], "{}")
        .await;
    assert_eq!(answer.status, 200);
    eventually("the item after the outage", DEADLINE, || item(&stage, "after-outage")).await;
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_errors_bisect_then_dead_letter_each_record() {
    let stage = failing_consumer_stage("1").await;
    let http = HttpClient::default();
    let good = basic(USERNAME, PASSWORD);
    for n in 0..2 {
        let answer = http
            .post(
                &submit_url(&stage, &format!("crash-{n}")),
                &[("authorization", &good)],
                "{}",
            )
            .await;
        assert_eq!(answer.status, 200);
    }
    let messages = eventually("two on-failure records", DEADLINE, || async {
        let deliveries = stage.deliveries();
        (deliveries.iter().filter(|d| d.outcome == "on_failure").count() >= 2).then_some(())
    })
    .await;
    let _: () = messages;
    let messages = queue_messages(&stage).await;
    assert_eq!(
        messages.len(),
        2,
        "bisected down to one record per failed batch: {messages:?}"
    );
    for record in read_as::<BatchPointer>(&messages) {
        assert_eq!(record.batch.batch_size, 1);
        assert_eq!(record.response_context.function_error.as_deref(), Some("Unhandled"));
        assert_eq!(record.request_context.approximate_invoke_count, 2);
    }
    let deliveries = stage.deliveries();
    assert!(
        deliveries.iter().any(|d| d.batch_size == 2 && d.outcome == "error"),
        "the batch of two was tried whole first: {deliveries:?}"
    );
    // The stage keeps running: the authorizer still answers.
    let answer = http
        .post(&submit_url(&stage, "still-up"), &[("authorization", &good)], "{}")
        .await;
    assert_eq!(answer.status, 200);
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_parallel_submits_land_once_in_full_batches() {
    // A 10 s batching window: a batch is full (BatchSize records) long before the window ends even
    // when a loaded machine ingests at tens of records per second (with the default 1 s window, a
    // run on a busy machine delivered batches of 44 to 96 and no full one).
    let stage = stage(&[("MaximumBatchingWindowInSeconds", "10")], &[]).await;
    let http = HttpClient::default();
    let good = basic(USERNAME, PASSWORD);
    let url = |n: usize| submit_url(&stage, &format!("bulk-{n:04}"));
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in (0..1000).collect::<Vec<_>>().chunks(20) {
        let http = http.clone();
        let urls: Vec<String> = chunk.iter().map(|n| url(*n)).collect();
        let good = good.clone();
        tasks.spawn(async move {
            let mut statuses = Vec::new();
            for url in urls {
                statuses.push(
                    http.post(&url, &[("authorization", &good)], r#"{"bulk":true}"#)
                        .await
                        .status,
                );
            }
            statuses
        });
    }
    let mut ok = 0;
    while let Some(statuses) = tasks.join_next().await {
        ok += statuses.expect("task").iter().filter(|s| **s == 200).count();
    }
    assert_eq!(ok, 1000);

    let ids: Vec<String> = eventually("1,000 items", Duration::from_secs(120), || async {
        let items = support::items(&stage).await;
        (items.len() >= 1000).then_some(items)
    })
    .await
    .iter()
    .filter_map(|item| item.get("eventId")?.as_s().ok().cloned())
    .collect();
    assert_eq!(ids.len(), 1000);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 1000, "no duplicates");

    let batch_size = stage.plan.mapping.batch_size;
    let deliveries = stage.deliveries();
    assert!(deliveries.iter().all(|d| d.batch_size <= batch_size));
    assert!(
        deliveries.iter().any(|d| d.batch_size == batch_size),
        "batches of the template's size ({batch_size}): {deliveries:?}"
    );
    let logged: Vec<u64> = stage
        .function("ConsumerFunction")
        .expect("consumer")
        .logs()
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "batch")
        .filter_map(|line| line["fields"]["records"].as_u64())
        .collect();
    assert!(
        logged.contains(&(batch_size as u64)),
        "the consumer's batch lines: {logged:?}"
    );
    stage.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_invoke_endpoint_answers_every_sample_event() {
    // With Kafka, so that the topics function runs for its sample events, and the submit function.
    let mut options = support::options(&[("SubmitIntegration", "function")], &[]);
    options.kafka = true;
    let stage = localstage::Stage::start(options)
        .await
        .unwrap_or_else(|e| panic!("the local stage did not start: {e}"));
    let http = HttpClient::default();
    let invoke = |function: &str| format!("{}/2015-03-31/functions/{function}/invocations", stage.invoke_url);
    let events = motoserver::workspace_root().join("events");
    let mut seen = 0;
    for entry in std::fs::read_dir(&events).expect("events/") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let body = std::fs::read(&path).expect("event");
        let function = name.split('-').next().unwrap_or_default();
        let answer = http
            .post(&invoke(function), &[("content-type", "application/json")], body)
            .await;
        assert_eq!(answer.status, 200, "{name}");
        assert_eq!(answer.header("x-amz-function-error"), None, "{name}: {}", answer.body);
        let response = answer.json();
        let expected_allow = match name.as_str() {
            "authorizer-http-v2-allow.json" => Some(true),
            "authorizer-http-v2-wrong-password.json"
            | "authorizer-http-v2-missing-header.json"
            | "authorizer-http-v2-topic-traversal.json" => Some(false),
            _ => None,
        };
        match (function, expected_allow) {
            ("authorizer", Some(allow)) => assert_eq!(response["isAuthorized"], allow, "{name}"),
            ("authorizer", None) => {
                assert_eq!(response["policyDocument"]["Statement"][0]["Effect"], "Allow", "{name}");
            }
            ("consumer", _) => assert_eq!(response["batchItemFailures"], serde_json::json!([]), "{name}"),
            // The sample events name the local stage's stream.
            ("streams", _) => assert_eq!(response["statusCode"], 200, "{name}: {response}"),
            // ... and its topics.
            ("topics", _) => assert_eq!(response["statusCode"], 200, "{name}: {response}"),
            ("submit", _) => assert_eq!(response["statusCode"], 200, "{name}: {response}"),
            _ => panic!("{name}: a sample event for which function?"),
        }
        seen += 1;
    }
    assert_eq!(seen, 16, "every file in events/");
    // Unknown function: 404.
    let answer = http.post(&invoke("nope"), &[], "{}").await;
    assert_eq!(answer.status, 404);
    stage.stop().await;
}
