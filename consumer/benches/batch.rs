//! A whole batch of 1 KiB records through `Consumer::process`, against the in-memory store and
//! dead-letter sink (no I/O): 100, 1,000 and 10,000 records of distinct keys. Criterion reports
//! records/s per size; the time per record must stay flat as the batch grows.
//!
//! The store keeps nothing (`MemoryStore::discarding`): a table's memory and hashing are not the
//! consumer's. Peak memory is measured by the `batch_memory` bench, with its own allocator.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
#[path = "../tests/support/mod.rs"]
mod support;

use consumer::{Consumer, MemorySink, MemoryStore};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

fn process(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let mut group = c.benchmark_group("consumer_batch_1kib");
    group.sample_size(10);
    for size in [100, 1_000, 10_000] {
        let records = support::sample::batch_1kib(size);
        group.throughput(Throughput::Elements(size));
        group.bench_function(format!("process_{size}"), |b| {
            b.to_async(&runtime).iter_batched(
                || Consumer::new(MemoryStore::discarding(), MemorySink::new()),
                |consumer| {
                    let records = &records;
                    async move {
                        let outcomes = consumer.process(records).await;
                        assert_eq!(outcomes.len(), records.len());
                        outcomes
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, process);
criterion_main!(benches);
