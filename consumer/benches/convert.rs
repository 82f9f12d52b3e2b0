//! Decode + convert of one record into a DynamoDB item: a 1 KiB pin record (target ≤ 2 µs) and a
//! 64 KiB document, each beside a plain `serde_json::Value` parse of the same bytes as the
//! reference point of this machine. `to_item` starts with fresh buffers; `converter_to_item` reuses
//! one `Converter`, as a batch does, and `converter_check` is the batch's first pass (no item).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
#[path = "../tests/support/mod.rs"]
mod support;

use support::sample;

use std::hint::black_box;

use consumer::record::{Converter, to_item};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn convert(c: &mut Criterion) {
    let origin = sample::origin("pin-7528", "49590338271490256608559692538361571095921575989136588898");
    for (name, data) in [
        ("consumer_record_1kib", sample::record_1kib(7528)),
        ("consumer_record_64kib", sample::record_64kib()),
    ] {
        assert!(to_item(&data, &origin).is_ok(), "{name} converts");
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_function("to_item", |b| b.iter(|| to_item(black_box(&data), black_box(&origin))));
        let mut converter = Converter::default();
        group.bench_function("converter_to_item", |b| {
            b.iter(|| converter.to_item(black_box(&data), black_box(&origin)))
        });
        group.bench_function("converter_check", |b| {
            b.iter(|| converter.check(black_box(&data), black_box(&origin)))
        });
        group.bench_function("serde_json_skim_reference", |b| {
            b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&data)))
        });
        group.bench_function("jiter_skip_reference", |b| {
            b.iter(|| jiter::Jiter::new(black_box(&data)).next_skip())
        });
        group.bench_function("serde_json_value_reference", |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&data)))
        });
        group.finish();
    }
}

criterion_group!(benches, convert);
criterion_main!(benches);
