//! [`Options`]: how to run the stage, with the two presets its callers start from (this
//! repository's stage on its usual ports, and isolated stages for tests and benchmarks).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::credentials;
use crate::kafka_side;

/// How to run the stage.
#[derive(Debug, Clone)]
pub struct Options {
    /// The SAM template.
    pub template: PathBuf,
    /// Where the HTTP API listens (port 0 = any free port).
    pub gateway_addr: SocketAddr,
    /// Where the invoke API listens.
    pub invoke_addr: SocketAddr,
    /// An emulator to use instead of starting moto.
    pub endpoint: Option<String>,
    /// Port for the moto server the stage starts (0 = any free port).
    pub moto_port: u16,
    /// Directory holding the `authorizer` and `consumer` executables.
    pub bin_dir: PathBuf,
    /// Fixed credentials instead of generated ones.
    pub username: Option<String>,
    /// Fixed credentials instead of generated ones.
    pub password: Option<String>,
    /// Named clients with route scopes (`--client NAME[:ROUTES]`): when not empty, the secret holds
    /// these (`{"clients":[...]}`) and not the single user of `username`/`password`.
    pub clients: Vec<credentials::ClientSeed>,
    /// Template parameter overrides, as `sam deploy --parameter-overrides`.
    pub parameter_overrides: BTreeMap<String, String>,
    /// Extra environment for a function: (logical id, variable, value).
    pub environment_overrides: Vec<(String, String, String)>,
    /// Report function output, mapping deliveries and access lines (as `tracing` events at INFO; what
    /// went wrong at WARN).
    pub verbose: bool,
    /// Start a Kafka broker and serve `/topics` in front of it in [`Options::kafka_mode`] (skipped
    /// when an override names a Kafka or a REST Proxy).
    pub kafka: bool,
    /// The `topics` function (default) or the REST Proxy mode with the core served over HTTP.
    pub kafka_mode: kafka_side::KafkaMode,
    /// The broker's port (0 = any free port).
    pub kafka_port: u16,
    /// Topics to create (empty: `<stack>.pin`, `.geo`, `.user`).
    pub kafka_topics: Vec<String>,
    /// Whether the emulated `Kinesis-PutRecord` integration stores `Data: $request.body` base64-encoded
    /// instead of as the body's bytes. Nothing offline shows which one AWS does (the evidence points
    /// to the bytes, the default); the other lets `streamgate smoke`'s diagnosis be tested.
    pub direct_data_as_base64: bool,
}

impl Options {
    /// Defaults for this repository: its template, ports 3000 and 9000, `target/debug` binaries.
    pub fn for_repository() -> Options {
        let root = motoserver::workspace_root();
        Options {
            template: root.join("template.yaml"),
            gateway_addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            invoke_addr: SocketAddr::from(([127, 0, 0, 1], 9000)),
            endpoint: None,
            moto_port: 0,
            bin_dir: std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target"))
                .join("debug"),
            username: None,
            password: None,
            clients: Vec::new(),
            parameter_overrides: BTreeMap::new(),
            environment_overrides: Vec::new(),
            verbose: true,
            kafka: false,
            kafka_mode: kafka_side::KafkaMode::Function,
            kafka_port: 0,
            kafka_topics: Vec::new(),
            direct_data_as_base64: false,
        }
    }

    /// For tests and benchmarks: this repository's stage on free loopback ports (moto's too), with
    /// fixed credentials and no output, so that several stages run side by side.
    pub fn isolated(username: &str, password: &str) -> Options {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Options {
            gateway_addr: any,
            invoke_addr: any,
            username: Some(username.into()),
            password: Some(password.into()),
            verbose: false,
            ..Options::for_repository()
        }
    }
}
