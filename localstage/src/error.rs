//! [`StageError`]: the one error of [`crate::Stage::start`], naming which part of the stage could not
//! start.

use std::net::SocketAddr;

use crate::{credentials, kafka, kinesis_esm, provision, template};

/// The stage could not start.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// The template, or a parameter override it does not allow.
    #[error(transparent)]
    Template(#[from] template::TemplateError),
    /// moto server did not start.
    #[error(transparent)]
    Emulator(#[from] motoserver::MotoError),
    /// Provisioning.
    #[error(transparent)]
    Provision(#[from] provision::ProvisionError),
    /// The credentials to seed.
    #[error(transparent)]
    Credentials(#[from] credentials::SeedError),
    /// A listener could not be bound.
    #[error("{what} on {addr}: {source}")]
    Bind {
        /// Which server.
        what: &'static str,
        /// Where.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A function's executable is missing.
    #[error("{program} is not built: run `cargo build -p {binary}` (make local does)")]
    NotBuilt {
        /// The expected path.
        program: String,
        /// The cargo binary.
        binary: String,
    },
    /// A function's Runtime API could not start.
    #[error("runtime API for {logical_id}: {source}")]
    Runtime {
        /// The function.
        logical_id: String,
        /// Why.
        source: std::io::Error,
    },
    /// The template refers to a function it does not declare.
    #[error("{0}: no such function in the template")]
    NoFunction(String),
    /// The event source mapping could not start.
    #[error(transparent)]
    Mapping(#[from] kinesis_esm::MappingError),
    /// The Kafka broker, its port, or the REST Proxy stand-in.
    #[error(transparent)]
    Kafka(#[from] kafka::KafkaError),
    /// The stage's HTTP client (for proxies and HTTP integrations) could not be built.
    #[error("HTTP client: {0}")]
    Http(#[from] httpclient::HttpError),
}
