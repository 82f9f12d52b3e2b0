//! streamgate's Kinesis proxy: the Lambda behind the HTTP API's `/streams` routes (Lambda proxy
//! integration, payload format 2.0). It lists, describes, creates and deletes streams and puts
//! records, only on the streams this stack may use, answering in Kinesis's own JSON shapes.
//!
//! Pure decisions: [`config`] (the environment), [`guard`] (which streams, which actions; the
//! listing filter), [`request`] (route, stream name, bodies → typed requests, validated as Kinesis
//! validates them; a record's data is the compact JSON text of `Data`, numbers exact, by `jsontext`).
//! [`kinesis`] holds the [`StreamApi`] trait, its answers and [`KinesisError`], and the SDK adapter
//! [`Kinesis`]; [`handler`] answers a request through a [`StreamApi`] within the invocation's
//! deadline, retrying throttled PutRecords entries. With the cargo feature `test-util`, `memory`
//! holds an in-memory [`StreamApi`] with injectable failures.

pub mod bounds;
pub mod config;
pub mod control_plane;
pub mod guard;
pub mod handler;
pub mod kinesis;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod ownership;
pub mod request;
pub mod ttl_cache;

pub use bounds::{OverBound, ProxyBounds};
pub use config::{Config, ConfigError};
pub use control_plane::ControlPlane;
pub use guard::{Action, Denied, StreamPolicy};
pub use handler::{ApiError, Backoff, Proxy, Timing};
pub use kinesis::{Kinesis, KinesisError, Record, StreamApi};
#[cfg(any(test, feature = "test-util"))]
pub use memory::{MemoryStreams, Operation};
pub use request::{RequestError, Route, ShardLimits};
