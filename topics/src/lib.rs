//! The `/topics` function: Confluent's Kafka REST Proxy v2 produce API, served from Lambda and
//! producing to Kafka/MSK itself (no REST Proxy server to run).

pub mod msk_iam;
