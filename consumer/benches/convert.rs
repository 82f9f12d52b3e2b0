//! Decode + convert of one 1 KiB JSON record into a DynamoDB item (target ≤ 2 µs), beside a plain
//! `serde_json::Value` parse of the same bytes as the reference point.

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use consumer::record::{Origin, to_item};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A pin record of the project's generator shape, padded to 1 KiB.
fn record_1kib() -> Vec<u8> {
    let mut body = String::from(
        r#"{"index":7528,"unique_id":"fbe53c66-3442-4773-b19e-d3ec6f54dddf","title":"Mandala art for the living room","description":"#,
    );
    body.push('"');
    let tail = r#"","follower_count":12345,"poster_name":"Maya ✓","tag_list":["mandala","art","home","decor"],"is_image_or_video":"image","image_src":"https://i.pinimg.com/originals/d4/12/9f/d4129f1c2e5b8e0c0b1b2b3b4b5b6b7b.jpg","save_location":"Local save in /data/mandalas","category":"mandalas","downloaded":1,"ratio":0.8125,"geo":{"latitude":-89.9787,"longitude":-173.293,"country":"Albania"}}"#;
    while body.len() + tail.len() < 1024 {
        body.push_str("lorem ipsum ");
    }
    body.truncate(1024 - tail.len());
    body.push_str(tail);
    body.into_bytes()
}

fn convert(c: &mut Criterion) {
    let data = record_1kib();
    assert_eq!(data.len(), 1024);
    let origin = Origin {
        partition_key: "pin-7528",
        sequence_number: "49590338271490256608559692538361571095921575989136588898",
        shard_id: "shardId-000000000000",
        arrival: Utc.timestamp_millis_opt(1_795_381_200_123).single().expect("time"),
    };
    assert!(to_item(&data, &origin).is_ok());
    let mut group = c.benchmark_group("consumer_record_1kib");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("to_item", |b| b.iter(|| to_item(black_box(&data), black_box(&origin))));
    group.bench_function("serde_json_value_reference", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&data)))
    });
    group.finish();
}

criterion_group!(benches, convert);
criterion_main!(benches);
