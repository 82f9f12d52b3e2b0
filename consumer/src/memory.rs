//! In-memory [`ItemStore`] and [`DeadLetterSink`], with injectable failures, so that
//! `Consumer::process`'s bookkeeping is tested and benchmarked without I/O. Only with the cargo
//! feature `test-util` (off by default; this crate's tests and benches turn it on):
//!
//! ```toml
//! [dev-dependencies]
//! consumer = { path = "../consumer", features = ["test-util"] }
//! ```

mod sink;
mod store;

use std::sync::{Mutex, MutexGuard, PoisonError};

pub use sink::MemorySink;
pub use store::MemoryStore;

/// Locks, carrying on after a panicked holder: the state is plain data, never half-written.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
