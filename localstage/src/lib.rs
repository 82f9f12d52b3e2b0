//! The local stage: the whole pipeline on one machine, from `template.yaml`.
//!
//! moto server (or the emulator at a given endpoint) holds the stream, table, queue and secret; the
//! real function binaries (`authorizer`, `consumer`, `streams`) run as Lambda functions behind an
//! emulated Runtime API; an emulated HTTP API and event source mapping connect them as AWS would.
//!
//! [`Options`] says how to run it, [`Stage::start`] (in `start/`, one module per part it starts)
//! starts it, [`Stage::banner`] says where everything is, and [`Stage::stop`] (or dropping the
//! stage) stops every server, poller and process it started.

pub mod apigw;
mod banner;
pub mod credentials;
mod error;
pub mod kafka;
pub mod kafka_side;
pub mod kinesis_esm;
pub mod lambda;
mod options;
pub mod provision;
pub mod put_record_guard;
mod server;
mod start;
pub mod template;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use parking_lot::Mutex;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use kinesis_esm::Delivery;
use lambda::FunctionHost;
use provision::Provisioned;
use template::Plan;

pub use error::StageError;
pub use motoserver::sdk_config;
pub use options::Options;

/// A running stage. Dropping it stops every child process (moto included).
pub struct Stage {
    /// The HTTP API base URL.
    pub gateway_url: String,
    /// The invoke API base URL (`AWS_LAMBDA_RUNTIME_API`-style host:port for `cargo lambda invoke`).
    pub invoke_url: String,
    /// The emulator endpoint.
    pub endpoint: String,
    /// The provisioned resources and credentials.
    pub provisioned: Provisioned,
    /// What the template declares that is not emulated.
    pub not_emulated: Vec<String>,
    /// The plan the stage runs.
    pub plan: Plan,
    /// The Kafka broker (and the REST Proxy stand-in in that mode), when the stage runs them.
    pub kafka: Option<kafka_side::KafkaSide>,
    hosts: HashMap<String, FunctionHost>,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    _moto: Option<motoserver::Moto>,
}

/// How long [`Stage::stop`] waits for each server or poller to finish.
const STOP_WAIT: Duration = Duration::from_secs(5);

impl Stage {
    /// The function host of a logical id (`AuthorizerFunction`, `ConsumerFunction`).
    pub fn function(&self, logical_id: &str) -> Option<&FunctionHost> {
        self.hosts.get(logical_id)
    }

    /// Every batch delivery of the event source mapping so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().clone()
    }

    /// SDK configuration for clients of the stage's emulator.
    pub async fn sdk_config(&self) -> SdkConfig {
        sdk_config(&self.endpoint).await
    }

    /// Stops the servers, the pollers, the functions (their processes and Runtime APIs) and moto.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = tokio::time::timeout(STOP_WAIT, task).await;
        }
        for host in self.hosts.values() {
            host.shut_down();
        }
        for host in self.hosts.values() {
            let _ = tokio::time::timeout(STOP_WAIT, host.runtime_api_stopped()).await;
        }
        // moto stops when `self` drops.
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for host in self.hosts.values() {
            host.shut_down();
        }
    }
}
