//! End-to-end throughput of the consumer against moto: one 1,000-record batch of distinct keys,
//! records/s and the DynamoDB requests it took (counted by the loopback proxy), beside the
//! alternative design, one conditional PutItem per record, measured in the same run.
//!
//! moto is the bottleneck of every figure here; compare the two rows, not the absolute numbers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use futures_util::StreamExt;
use support::{Env, body, event, record};
use testkit::FaultProxy;

const RECORDS: u64 = 1000;
const ROUNDS: u64 = 3;
const CONCURRENCY: usize = 4;

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    // `cargo test --benches` runs bench binaries with `--bench` absent: do the minimum then.
    let rounds = if std::env::args().any(|a| a == "--bench") {
        ROUNDS
    } else {
        1
    };
    let moto = testkit::moto();
    let proxy = FaultProxy::start(moto.endpoint(), 0).await.expect("proxy");
    let env = Env::new(proxy.endpoint()).await;
    let consumer = env.consumer(CONCURRENCY);

    let mut batch_times = Vec::new();
    let mut batch_requests = 0;
    for round in 0..rounds {
        let records: Vec<_> = (0..RECORDS)
            .map(|n| record(&format!("r{round}-{n:04}"), round * RECORDS + n, &body(n)))
            .collect();
        proxy.reset_counts();
        let started = Instant::now();
        let response = consumer.handle(&event(records)).await.expect("handled");
        batch_times.push(started.elapsed());
        assert!(response.batch_item_failures.is_empty());
        batch_requests = proxy.calls("DynamoDB_20120810.");
    }

    // The alternative: one conditional PutItem per record, same concurrency.
    let mut put_times = Vec::new();
    let mut put_requests = 0;
    for round in 0..rounds {
        let items: Vec<_> = (0..RECORDS)
            .map(|n| {
                let mut item = std::collections::HashMap::new();
                item.insert("eventId".to_string(), AttributeValue::S(format!("p{round}-{n:04}")));
                item.insert("_sg_seq".to_string(), AttributeValue::S(format!("00{n:07}")));
                item.insert("index".to_string(), AttributeValue::N(n.to_string()));
                item
            })
            .collect();
        proxy.reset_counts();
        let started = Instant::now();
        let results: Vec<_> = futures_util::stream::iter(items)
            .map(|item| {
                env.dynamodb
                    .put_item()
                    .table_name(&env.table)
                    .set_item(Some(item))
                    .condition_expression("attribute_not_exists(eventId) OR #s < :s")
                    .expression_attribute_names("#s", "_sg_seq")
                    .expression_attribute_values(":s", AttributeValue::S("999".into()))
                    .send()
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        put_times.push(started.elapsed());
        assert!(results.iter().all(Result::is_ok));
        put_requests = proxy.calls("DynamoDB_20120810.");
    }

    let batch = median(batch_times);
    let put = median(put_times);
    let rate = |d: Duration| RECORDS as f64 / d.as_secs_f64();
    println!("consumer_moto_throughput ({RECORDS} distinct records, concurrency {CONCURRENCY}, median of {rounds})");
    println!(
        "  BatchGetItem+BatchWriteItem: {:>8.0} records/s  {:>6.0} ms  {batch_requests} DynamoDB requests",
        rate(batch),
        batch.as_secs_f64() * 1000.0
    );
    println!(
        "  conditional PutItem each:    {:>8.0} records/s  {:>6.0} ms  {put_requests} DynamoDB requests",
        rate(put),
        put.as_secs_f64() * 1000.0
    );
    println!(
        "  ratio: {:.1}x faster with batches",
        put.as_secs_f64() / batch.as_secs_f64()
    );
    assert_eq!(env.items().await.len() as u64, 2 * RECORDS * rounds);
}
