//! The consumer against moto with real SDK clients: exactly the valid records land, exactly the
//! poison ones are dead-lettered, replays change nothing, older records never regress an item, and
//! under injected throttling/5xx the response lists exactly the records that did not land.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use std::collections::{BTreeSet, HashMap};

use aws_lambda_events::event::kinesis::KinesisEventRecord;
use aws_sdk_dynamodb::types::AttributeValue;
use consumer::item::SEQUENCE_ATTRIBUTE;
use deadletter::{Kind, PoisonMessage};
use support::{Env, body, event, record, sequence};
use testkit::{Fault, FaultProxy};

fn failed_sequences(response: &aws_lambda_events::event::streams::KinesisEventResponse) -> BTreeSet<String> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone().expect("itemIdentifier"))
        .collect()
}

/// 500 records: 400 valid with distinct keys, 100 poison of five kinds.
fn mixed_batch() -> (Vec<KinesisEventRecord>, BTreeSet<String>) {
    let mut records = Vec::new();
    let mut poison = BTreeSet::new();
    for n in 0..500u64 {
        let key = format!("evt-{n:04}");
        let data: Vec<u8> = match n % 5 {
            0 if n % 25 == 0 => b"this is not json".to_vec(),
            1 if n % 25 == 1 => b"[1,2,3]".to_vec(),
            2 if n % 25 == 2 => br#"{"huge": 1e400}"#.to_vec(),
            3 if n % 25 == 3 => br#"{"_sg_seq": "999", "a": 1}"#.to_vec(),
            4 if n % 25 == 4 => vec![0xff, 0xfe, b'{', b'}'],
            _ => body(n),
        };
        if n % 25 < 5 {
            poison.insert(sequence(n));
        }
        records.push(record(&key, n, &data));
    }
    (records, poison)
}

#[tokio::test]
async fn mixed_batch_lands_exactly_and_replays_change_nothing() {
    let env = Env::new(testkit::moto().endpoint()).await;
    let consumer = env.consumer(4);
    let (records, poison) = mixed_batch();
    assert_eq!(poison.len(), 100);

    let response = consumer.handle(&event(records.clone())).await.expect("handled");
    assert!(
        response.batch_item_failures.is_empty(),
        "{:?}",
        response.batch_item_failures
    );

    let items = env.items().await;
    assert_eq!(items.len(), 400, "exactly the valid records");
    for r in &records {
        let stored = items.get(&r.kinesis.partition_key);
        assert_eq!(stored.is_some(), !poison.contains(&r.kinesis.sequence_number));
    }
    let item = &items["evt-0007"];
    assert_eq!(item["title"], AttributeValue::S("pin 7 ✓".into()));
    assert_eq!(item["follower_count"], AttributeValue::N("1007".into()));
    assert_eq!(
        item["exact"],
        AttributeValue::N("12345678901234567890123456789012345678".into())
    );
    assert_eq!(item["_sg_shard"], AttributeValue::S(support::SHARD.into()));

    let messages = env.drain_queue().await;
    assert_eq!(messages.len(), 100, "exactly the poison records");
    let dead: BTreeSet<String> = messages.iter().map(|m| m.sequence_number.clone().unwrap()).collect();
    assert_eq!(dead, poison);
    let reasons: BTreeSet<&str> = messages.iter().map(|m| m.reason.as_str()).collect();
    assert_eq!(
        reasons,
        BTreeSet::from(["not_json", "not_an_object", "bad_number", "reserved_name", "not_utf8"])
    );
    for m in &messages {
        assert_eq!(m.kind, Kind::Poison);
        assert_eq!(m.stream_arn.as_deref(), Some(support::STREAM_ARN));
        assert!(m.data_included);
        assert!(m.partition_key.as_deref().unwrap().starts_with("evt-"));
    }

    // The same batch again (a retry, a bisection or a redrive): the table does not change.
    let response = consumer.handle(&event(records)).await.expect("handled");
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(env.items().await, items);
    // Poison records are dead-lettered again (at least once); they are the same records.
    let replayed: BTreeSet<String> = env
        .drain_queue()
        .await
        .iter()
        .map(|m| m.sequence_number.clone().unwrap())
        .collect();
    assert_eq!(replayed, poison);
}

#[tokio::test]
async fn older_records_never_regress_and_a_batch_collapses_to_the_newest() {
    let env = Env::new(testkit::moto().endpoint()).await;
    let consumer = env.consumer(4);
    let v = |version: u64| format!(r#"{{"version": {version}}}"#).into_bytes();

    let response = consumer
        .handle(&event(vec![record("k", 200, &v(2))]))
        .await
        .expect("handled");
    assert!(response.batch_item_failures.is_empty());
    let older = consumer.process(&[record("k", 100, &v(1)).into()]).await;
    assert_eq!(older, vec![consumer::Outcome::Stale]);
    let items = env.items().await;
    assert_eq!(items["k"]["version"], AttributeValue::N("2".into()));
    assert_eq!(
        items["k"][SEQUENCE_ATTRIBUTE],
        AttributeValue::S(consumer::record::ordered_sequence(&sequence(200)).unwrap())
    );

    // Three versions of one key in one batch, out of order: the newest wins.
    let outcomes = consumer
        .process(&[
            record("j", 300, &v(30)).into(),
            record("j", 302, &v(32)).into(),
            record("j", 301, &v(31)).into(),
        ])
        .await;
    assert_eq!(
        outcomes,
        vec![
            consumer::Outcome::Stale,
            consumer::Outcome::Written,
            consumer::Outcome::Stale
        ]
    );
    assert_eq!(env.items().await["j"]["version"], AttributeValue::N("32".into()));
}

#[tokio::test]
async fn an_item_dynamodb_rejects_is_isolated_and_dead_lettered() {
    let env = Env::new(testkit::moto().endpoint()).await;
    let consumer = env.consumer(4);
    // Passes our size estimate (~21 bytes per number) but not moto's (one byte per digit): DynamoDB
    // itself refuses it, failing the whole BatchWriteItem call it is in.
    let numbers = vec!["12345678901234567890123456789012345678"; 12_000].join(",");
    let rejected = format!(r#"{{"numbers": [{numbers}]}}"#);
    let mut records: Vec<KinesisEventRecord> = (0..30).map(|n| record(&format!("ok-{n}"), n, &body(n))).collect();
    records.insert(10, record("rejected", 100, rejected.as_bytes()));

    let response = consumer.handle(&event(records)).await.expect("handled");
    assert!(response.batch_item_failures.is_empty());
    let items = env.items().await;
    assert_eq!(items.len(), 30, "every neighbour landed");
    assert!(!items.contains_key("rejected"));
    let messages = env.drain_queue().await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].reason, "rejected_by_dynamodb");
    assert_eq!(messages[0].partition_key.as_deref(), Some("rejected"));
}

/// Runs the batch through the consumer, then redelivers as the event source mapping does (from the
/// lowest failed sequence number on) until nothing fails. Asserts after each invocation that every
/// valid record that did not land is reported. Returns the invocations.
async fn deliver_until_done(
    env: &Env,
    consumer: &consumer::Consumer,
    records: &[KinesisEventRecord],
    proxy: &FaultProxy,
) -> usize {
    let mut from = 0;
    for invocation in 1..=20 {
        let batch = records[from..].to_vec();
        let response = consumer.handle(&event(batch.clone())).await.expect("handled");
        let failed = failed_sequences(&response);
        let items = env.items().await;
        let not_landed: BTreeSet<String> = batch
            .iter()
            .filter(|r| {
                items
                    .get(&r.kinesis.partition_key)
                    .map(|item| &item[SEQUENCE_ATTRIBUTE])
                    != Some(&AttributeValue::S(
                        consumer::record::ordered_sequence(&r.kinesis.sequence_number).unwrap(),
                    ))
            })
            .map(|r| r.kinesis.sequence_number.clone())
            .collect();
        // Every record that did not land is reported (nothing lost). The converse does not hold: a
        // record written by an earlier invocation and redelivered with its neighbours is reported
        // again when its stored version cannot be read (a BatchGetItem 5xx), which is safe.
        assert!(
            not_landed.is_subset(&failed),
            "invocation {invocation}: not landed but not reported: {:?}",
            not_landed.difference(&failed).collect::<Vec<_>>()
        );
        let Some(lowest) = failed.first() else {
            return invocation;
        };
        from = records
            .iter()
            .position(|r| &r.kinesis.sequence_number == lowest)
            .expect("a failed record is in the batch");
        if invocation == 3 {
            proxy.clear(); // the fault passes, as throttling does
        }
    }
    panic!("the batch did not complete within 20 deliveries");
}

#[tokio::test]
async fn throttling_and_5xx_report_exactly_what_did_not_land_and_redelivery_completes() {
    let moto = testkit::moto();
    let proxy = FaultProxy::start(moto.endpoint(), 7).await.expect("proxy");
    let env = Env::new(proxy.endpoint()).await;
    let consumer = env.consumer(4);
    proxy.inject("DynamoDB_20120810.BatchWriteItem", 0.5, Fault::Throttle);
    proxy.inject("DynamoDB_20120810.BatchWriteItem", 0.3, Fault::ServerError);
    proxy.inject("DynamoDB_20120810.BatchGetItem", 0.3, Fault::ServerError);

    let records: Vec<KinesisEventRecord> = (0..500).map(|n| record(&format!("evt-{n:04}"), n, &body(n))).collect();
    let invocations = deliver_until_done(&env, &consumer, &records, &proxy).await;
    assert!(
        invocations > 1,
        "the faults must have made the first invocation fail some records"
    );
    assert!(proxy.faults("DynamoDB_20120810.") > 0);

    let items = env.items().await;
    assert_eq!(items.len(), 500, "nothing lost");
    for r in &records {
        let item = &items[&r.kinesis.partition_key];
        assert_eq!(
            item[SEQUENCE_ATTRIBUTE],
            AttributeValue::S(consumer::record::ordered_sequence(&r.kinesis.sequence_number).unwrap())
        );
    }
    assert!(env.drain_queue().await.is_empty(), "no valid record was dead-lettered");
}

#[tokio::test]
async fn a_dead_letter_queue_outage_reports_the_poison_records_for_redelivery() {
    let moto = testkit::moto();
    let proxy = FaultProxy::start(moto.endpoint(), 11).await.expect("proxy");
    let env = Env::new(proxy.endpoint()).await;
    let consumer = env.consumer(4);
    proxy.inject("AmazonSQS.", 1.0, Fault::ServerError);
    let (records, poison) = mixed_batch();

    let response = consumer.handle(&event(records.clone())).await.expect("handled");
    assert_eq!(failed_sequences(&response), poison, "only the poison records failed");
    assert_eq!(env.items().await.len(), 400);
    assert!(env.drain_queue().await.is_empty());

    proxy.clear();
    let lowest = poison.first().unwrap();
    let from = records
        .iter()
        .position(|r| &r.kinesis.sequence_number == lowest)
        .unwrap();
    let response = consumer
        .handle(&event(records[from..].to_vec()))
        .await
        .expect("handled");
    assert!(response.batch_item_failures.is_empty());
    let dead: BTreeSet<String> = env
        .drain_queue()
        .await
        .iter()
        .map(|m| m.sequence_number.clone().unwrap())
        .collect();
    assert_eq!(dead, poison);
}

#[tokio::test]
async fn a_thousand_distinct_records_take_at_most_60_dynamodb_requests() {
    let moto = testkit::moto();
    let proxy = FaultProxy::start(moto.endpoint(), 1).await.expect("proxy");
    let env = Env::new(proxy.endpoint()).await;
    let consumer = env.consumer(4);
    let records: Vec<KinesisEventRecord> = (0..1000).map(|n| record(&format!("evt-{n:04}"), n, &body(n))).collect();
    proxy.reset_counts();
    let response = consumer.handle(&event(records)).await.expect("handled");
    assert!(response.batch_item_failures.is_empty());
    let requests = proxy.calls("DynamoDB_20120810.");
    assert!(requests <= 60, "{requests} DynamoDB requests for 1,000 records");
    let by_op: HashMap<&str, u64> = ["BatchGetItem", "BatchWriteItem", "PutItem"]
        .into_iter()
        .map(|op| (op, proxy.calls(&format!("DynamoDB_20120810.{op}"))))
        .collect();
    assert_eq!(by_op["BatchGetItem"], 10);
    assert_eq!(by_op["BatchWriteItem"], 40);
    assert_eq!(by_op["PutItem"], 0);
    assert_eq!(env.items().await.len(), 1000);
}

#[tokio::test]
async fn large_poison_records_keep_their_data_in_calls_within_one_mib() {
    let env = Env::new(testkit::moto().endpoint()).await;
    let consumer = env.consumer(4);
    // Three 500 KiB records that are not JSON: each message (~683 KB) fits SQS's 1 MiB, two do not
    // fit one SendMessageBatch call (moto refuses a call over 1 MiB, as SQS does). A fourth record,
    // 900 KiB, is over the limit once base64-encoded: its message says so instead.
    let large = |fill: u8| vec![fill; 500 * 1024];
    let mut records: Vec<KinesisEventRecord> = (0..3u8)
        .map(|n| record(&format!("large-{n}"), u64::from(n), &large(b'a' + n)))
        .collect();
    records.push(record("too-large", 3, &vec![b'z'; 900 * 1024]));
    records.push(record("fine", 4, &body(4)));

    let response = consumer.handle(&event(records)).await.expect("handled");
    assert!(
        response.batch_item_failures.is_empty(),
        "{:?}",
        response.batch_item_failures
    );
    assert_eq!(env.items().await.len(), 1);
    let messages: HashMap<String, PoisonMessage> = env
        .drain_queue()
        .await
        .into_iter()
        .map(|m| (m.partition_key.clone().unwrap(), m))
        .collect();
    assert_eq!(messages.len(), 4);
    for n in 0..3u8 {
        let message = &messages[&format!("large-{n}")];
        assert!(message.data_included);
        let data = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            message.data.as_deref().unwrap(),
        )
        .unwrap();
        assert_eq!(data, large(b'a' + n), "the record's data, whole");
    }
    let omitted = &messages["too-large"];
    assert!(!omitted.data_included);
    assert_eq!(omitted.data_bytes, Some(900 * 1024));
    assert_eq!(omitted.sequence_number, Some(sequence(3)));
}

#[tokio::test]
async fn an_unreadable_record_is_dead_lettered_and_the_rest_of_the_batch_lands() {
    let env = Env::new(testkit::moto().endpoint()).await;
    let consumer = env.consumer(4);
    let mut event: serde_json::Value =
        serde_json::from_str(event((0..3).map(|n| record(&format!("evt-{n}"), n, &body(n))).collect()).get()).unwrap();
    event["Records"][1]["kinesis"]["data"] = serde_json::json!(5);
    let payload = serde_json::value::to_raw_value(&event).unwrap();

    let response = consumer.handle(&payload).await.expect("handled");
    assert!(response.batch_item_failures.is_empty());
    let items = env.items().await;
    assert_eq!(
        items.keys().cloned().collect::<BTreeSet<_>>(),
        BTreeSet::from(["evt-0".to_string(), "evt-2".to_string()])
    );
    let messages = env.drain_queue().await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].reason, "unreadable_record");
    assert_eq!(messages[0].sequence_number, Some(sequence(1)));
    assert_eq!(messages[0].partition_key.as_deref(), Some("evt-1"));
    assert_eq!(messages[0].shard_id.as_deref(), Some(support::SHARD));
}
