//! streamgate's Kinesis proxy: the Lambda behind the HTTP API's `/streams` routes (Lambda proxy
//! integration, payload format 2.0). It lists, describes, creates and deletes streams and puts
//! records, only on the streams this stack may use, answering in Kinesis's own JSON shapes.
//!
//! Pure decisions: [`config`] (the environment), [`guard`] (which streams, which actions; the
//! listing filter), [`ownership`] and [`bounds`] (the owner tag; what the stack may create),
//! [`request`] (route, stream name, bodies → typed requests, validated as Kinesis validates them; a
//! record's data is the compact JSON text of `Data`, numbers exact, by `jsontext`).
//! [`kinesis`] holds the [`StreamApi`] trait, its answers and [`KinesisError`], the SDK adapter
//! [`Kinesis`] and, with the cargo feature `test-util`, an in-memory [`StreamApi`] with injectable
//! failures (`memory`). [`handler`] answers a request through a [`StreamApi`]: within the
//! invocation's [`deadline`], through the cached reads of [`control_plane`], re-sending failed
//! PutRecords entries ([`put_records`], with [`backoff`]), answering with a [`response`].

pub mod backoff;
pub mod bounds;
pub mod config;
pub mod control_plane;
pub mod deadline;
pub mod guard;
pub mod handler;
pub mod kinesis;
pub mod ownership;
pub mod put_records;
pub mod request;
pub mod response;
pub mod ttl_cache;

pub use backoff::{Backoff, PUT_RECORDS_BACKOFF};
pub use bounds::{OverBound, ProxyBounds};
pub use config::{Config, ConfigError};
pub use control_plane::ControlPlane;
pub use deadline::Timing;
pub use guard::{Action, Denied, StreamPolicy};
pub use handler::Proxy;
#[cfg(any(test, feature = "test-util"))]
pub use kinesis::memory;
#[cfg(any(test, feature = "test-util"))]
pub use kinesis::memory::{MemoryStreams, Operation};
pub use kinesis::{Kinesis, KinesisError, Record, StreamApi};
pub use request::{RequestError, Route, ShardLimits};
pub use response::ApiError;
