//! Shared by the route tests (`routes_*.rs`): the proxy of the unit tests' stack over the in-memory
//! Kinesis, calling it, a PutRecords body, and how many Kinesis calls were made (none, for a request
//! refused before Kinesis).

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use serde_json::{Value, json};
use streams::{MemoryStreams, Operation, Proxy};

use super::{Answer, INGESTION, config, deadline, fast_timing, read};

/// A proxy stream of the unit tests' stack (not created by [`proxy`]).
pub const PROXY_A: &str = "mystack-proxy-a";

/// The proxy over an in-memory Kinesis holding the ingestion stream (2 shards), stream management
/// on or off.
pub fn proxy(management: bool) -> Proxy<MemoryStreams> {
    let memory = MemoryStreams::new();
    memory.add_stream(INGESTION, 2);
    Proxy::new(memory, config(management)).with_timing(fast_timing())
}

/// The proxy's answer to `request`, read.
pub async fn call(proxy: &Proxy<MemoryStreams>, request: ApiGatewayV2httpRequest) -> Answer {
    read(proxy.handle(request, deadline()).await)
}

/// A PutRecords body in the proxy's spelling, one record per key.
pub fn put_records_body(keys: &[&str]) -> String {
    let records: Vec<Value> = keys
        .iter()
        .enumerate()
        .map(|(n, key)| json!({"data": {"n": n, "key": key}, "partition-key": key}))
        .collect();
    json!({ "records": records }).to_string()
}

/// Kinesis calls so far, of every operation a route makes.
pub fn total_calls(memory: &MemoryStreams) -> usize {
    [
        Operation::ListStreams,
        Operation::DescribeStream,
        Operation::CreateStream,
        Operation::DeleteStream,
        Operation::PutRecord,
        Operation::PutRecords,
    ]
    .into_iter()
    .map(|op| memory.calls(op))
    .sum()
}
