//! streamgate's Kinesis consumer: each record becomes one DynamoDB item, exactly once and never
//! regressing to an older version; what can never be stored goes to an SQS dead-letter queue;
//! transient failures are reported to the event source mapping for redelivery.
//!
//! Pure decisions: [`event`] (the payload, read record by record, leniently), [`record`] (record →
//! item or poison, and its [`record::Origin`]) filling the schema of [`item`] (attribute names and
//! DynamoDB's limits), [`ordering`] (newest per key, newer than stored),
//! [`dlq`] message building and batching, [`failure`] (why a record failed this time).
//! [`handler`] keeps one batch's books behind two traits: [`ItemStore`], implemented by the DynamoDB
//! adapter [`store::Store`] (which also classifies DynamoDB's errors), and [`DeadLetterSink`],
//! implemented by the SQS adapter [`dlq::DeadLetters`]. With the cargo feature `test-util`,
//! `memory` holds in-memory implementations of both, with injectable failures.

pub mod config;
pub mod dlq;
pub mod event;
pub mod failure;
mod fanout;
pub mod handler;
pub mod item;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod ordering;
pub mod record;
pub mod retry;
pub mod store;

pub use config::Config;
pub use dlq::{DeadLetterSink, DeadLetters};
pub use event::BatchRecord;
pub use failure::FailureReason;
pub use handler::{Consumer, HandleError, Outcome, Summary};
#[cfg(any(test, feature = "test-util"))]
pub use memory::{MemorySink, MemoryStore};
pub use retry::Backoff;
pub use store::{ItemStore, Store};
