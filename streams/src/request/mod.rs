//! From the HTTP request to a typed Kinesis request, validated as Kinesis validates it: the route,
//! the stream name, `?limit`, and the bodies of CreateStream, PutRecord and PutRecords. Pure; every
//! refusal names the field that is wrong (`records[3].partition-key: 300 characters, at most 256`).
//!
//! `route` says which route a request is; `params` reads the path and query; `body` reads a body's
//! text and JSON through `#[derive(Deserialize)]` types with `deny_unknown_fields`, which `records`
//! and `create` declare for their bodies; `limits` holds Kinesis's limits on a record.

mod body;
mod create;
mod error;
#[cfg(test)]
mod expect;
mod limits;
mod params;
mod records;
mod route;

pub use body::body_text;
pub use create::{ShardLimits, create_stream};
pub use error::RequestError;
pub use limits::{MAX_PARTITION_KEY_CHARS, MAX_PUT_RECORDS, MAX_PUT_RECORDS_BYTES, MAX_RECORD_BYTES, record_violation};
pub use params::{MAX_LIST_LIMIT, MAX_STREAM_NAME, check_stream_name, list_limit, stream_name};
pub use records::{put_record, put_records};
pub use route::Route;
