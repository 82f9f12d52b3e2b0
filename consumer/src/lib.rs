//! streamgate's Kinesis consumer: each record becomes one DynamoDB item, exactly once and never
//! regressing to an older version; what can never be stored goes to an SQS dead-letter queue;
//! transient failures are reported to the event source mapping for redelivery.
//!
//! Pure decisions: [`record`] (record → item or poison), [`plan`] (newest per key, ordering, error
//! classes), [`dlq`] message building. Thin adapters: [`store`] (DynamoDB), [`dlq::DeadLetters`] (SQS).

pub mod config;
pub mod dlq;
pub mod handler;
pub mod plan;
pub mod record;
pub mod retry;
pub mod store;

pub use config::Config;
pub use dlq::DeadLetters;
pub use handler::{Consumer, Outcome, Summary};
pub use retry::Backoff;
pub use store::Store;
