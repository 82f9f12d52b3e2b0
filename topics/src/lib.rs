//! The `/topics` function: Confluent's Kafka REST Proxy v2 produce API served from Lambda,
//! producing to Kafka/MSK itself, so nobody runs a REST Proxy server.
//!
//! Pure decisions: [`config`] (the environment), [`route`] (method + raw path → call),
//! [`format`] (content type → embedded format), [`records`] (body → records, limits),
//! [`partitioner`] (murmur2 as the Java producer, sticky keyless records), [`produce::batches`],
//! [`error`] and [`response`] (Confluent's shapes); topic names are checked by the `kafkatopic`
//! crate, shared with the authorizer. [`service`] is the core over a [`kafka::KafkaApi`] (rskafka in
//! [`kafka::client`], an in-memory one behind the `test-util` feature); [`handler`] adapts it to
//! Lambda, and the local stage serves the same core over plain HTTP. [`msk_iam`] builds MSK IAM
//! tokens.

pub mod config;
pub mod error;
pub mod format;
pub mod handler;
pub mod kafka;
pub mod msk_iam;
pub mod partitioner;
pub mod produce;
pub mod records;
pub mod response;
pub mod route;
pub mod service;

pub use config::{AuthMode, Config, ConfigError};
pub use handler::Handler;
pub use service::{Facts, ProxyRequest, ProxyResponse, RestProxy};
