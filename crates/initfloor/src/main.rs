//! The cold-start floor: the smallest function `lambda_runtime` can run (it echoes its event),
//! built with the workspace's release profile like every function. `make bench-init` starts it
//! beside each real function against the same minimal Runtime API, so a function's init is quoted as
//! a ratio to what no Rust function can go below on this machine. Never deployed.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(event.payload)
    }))
    .await
}
