//! Peak heap while `Consumer::process` handles a batch of 1 KiB records against the in-memory
//! store and sink, measured by dhat: the records themselves (as the event reader hands them over)
//! and everything the consumer allocates for them. Budget: 40 MB at 10,000 records.
//!
//! Heap bytes, not RSS: deterministic, and what the batch costs beyond the process's baseline (the
//! release binary's REPORT lines give that: `make bench-local`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
#[path = "../tests/support/mod.rs"]
mod support;

use consumer::{Consumer, MemorySink, MemoryStore, Outcome};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// Peak budget at 10,000 records.
const BUDGET_10K: usize = 40 * 1000 * 1000;

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let sizes: &[u64] = if std::env::args().any(|a| a == "--bench") {
        &[100, 1_000, 10_000]
    } else {
        // `cargo test --benches`: the smallest size proves the bench runs.
        &[100]
    };
    for &size in sizes {
        let profiler = dhat::Profiler::builder().testing().build();
        let records = support::sample::batch_1kib(size);
        let input = dhat::HeapStats::get().curr_bytes;
        let consumer = Consumer::new(MemoryStore::discarding(), MemorySink::new());
        let outcomes = runtime.block_on(consumer.process(&records));
        let peak = dhat::HeapStats::get().max_bytes;
        assert!(outcomes.iter().all(|o| *o == Outcome::Written), "every record written");
        drop((outcomes, records, consumer));
        drop(profiler);
        println!(
            "consumer_batch_1kib/{size}: peak heap {:.1} MB ({:.0} B per record), of which the records {:.1} MB",
            peak as f64 / 1e6,
            peak as f64 / size as f64,
            input as f64 / 1e6
        );
        if size == 10_000 {
            assert!(peak <= BUDGET_10K, "peak heap {peak} B over the budget {BUDGET_10K} B");
        }
    }
}
