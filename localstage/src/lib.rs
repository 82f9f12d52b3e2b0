//! The local stage: the whole pipeline on one machine, from `template.yaml`.
//!
//! moto server (or the emulator at a given endpoint) holds the stream, table, queue and secret; the
//! real function binaries (`authorizer`, `consumer`, `streams`) run as Lambda functions behind an
//! emulated Runtime API; an emulated HTTP API and event source mapping connect them as AWS would.

pub mod apigw;
mod banner;
pub mod credentials;
pub mod kafka;
pub mod kafka_side;
pub mod kinesis_esm;
pub mod lambda;
pub mod provision;
pub mod put_record_guard;
pub mod template;

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use parking_lot::Mutex;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use apigw::Gateway;
use kinesis_esm::{Delivery, EventSourceMapping};
use lambda::{FunctionConfig, FunctionHost};
use provision::{Provisioned, function_arn, function_name, provision};
use template::{Plan, scalar_text};

pub use motoserver::sdk_config;

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
    /// Print function output, mapping deliveries and access lines to stdout.
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
}

impl Options {
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

/// Binds a loopback listener; returns it with its `http://` URL.
async fn bind(what: &'static str, addr: SocketAddr) -> Result<(tokio::net::TcpListener, String), StageError> {
    let failed = |source| StageError::Bind { what, addr, source };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(failed)?;
    let local = listener.local_addr().map_err(failed)?;
    Ok((listener, format!("http://{local}")))
}

/// Serves `app` (with the peer address available to handlers) until the stage stops.
fn serve(listener: tokio::net::TcpListener, app: axum::Router, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.changed().await;
            })
            .await;
    })
}

impl Stage {
    /// Starts everything and returns once the stage accepts requests.
    pub async fn start(options: Options) -> Result<Stage, StageError> {
        let mut tasks = Vec::new();
        let (shutdown, stopping) = watch::channel(false);

        // First everything that can fail without starting a process: the Kafka port, the template
        // with its overrides (types, constraints, rules), the binaries, the listeners.
        let mut overrides = options.parameter_overrides.clone();
        let kafka_plan = match options.kafka && !kafka_side::overridden(&overrides) {
            true => {
                let topics = match options.kafka_topics.is_empty() {
                    true => kafka_side::default_topics(template::LOCAL_STACK),
                    false => options.kafka_topics.clone(),
                };
                let (plan, kafka_overrides) =
                    kafka_side::prepare(options.kafka_port, topics, options.kafka_mode).await?;
                overrides.extend(kafka_overrides);
                Some(plan)
            }
            false => None,
        };
        let mut template = template::load(&options.template)?;
        template::parameters::apply_overrides(&mut template, &overrides)?;
        let plan = Plan::from_template(template)?;
        for spec in plan.functions.values() {
            let program = options.bin_dir.join(&spec.binary);
            if !program.exists() {
                return Err(StageError::NotBuilt {
                    program: program.display().to_string(),
                    binary: spec.binary.clone(),
                });
            }
        }
        let seed = credentials::seed(
            &plan.secret,
            options.username.as_deref(),
            options.password.as_deref(),
            &options.clients,
        )?;
        let (invoke_listener, invoke_url) = bind("invoke API", options.invoke_addr).await?;
        let (gateway_listener, gateway_url) = bind("HTTP API", options.gateway_addr).await?;

        let (moto, endpoint) = match &options.endpoint {
            Some(endpoint) => (None, endpoint.clone()),
            None => {
                let moto = motoserver::Moto::start_on(&motoserver::moto_python(), options.moto_port)?;
                let endpoint = moto.endpoint().to_string();
                (Some(moto), endpoint)
            }
        };
        let kafka = match kafka_plan {
            Some(plan) => {
                let (side, task) = kafka_side::start(plan, stopping.clone()).await?;
                tasks.extend(task);
                Some(side)
            }
            None => None,
        };
        let sdk = sdk_config(&endpoint).await;
        let (provisioned, resolver) = provision(&plan, &sdk, &seed).await?;
        let http = httpclient::HttpClient::new()?;

        // Every Kinesis client of the stage goes through the PutRecord guard (see put_record_guard).
        let (guard_listener, kinesis_url) = bind("Kinesis PutRecord guard", (Ipv4Addr::LOCALHOST, 0).into()).await?;
        tasks.push(serve(
            guard_listener,
            put_record_guard::router(&endpoint, http.clone()),
            stopping.clone(),
        ));
        let mut emulator_env = motoserver::client_env(&endpoint);
        emulator_env.push(("AWS_ENDPOINT_URL_KINESIS", kinesis_url.clone()));

        // The functions, with the environment the template gives them.
        let mut hosts = HashMap::new();
        for (logical_id, spec) in &plan.functions {
            let mut environment = BTreeMap::new();
            for (name, value) in &spec.environment {
                let value = resolver.resolve(value)?.map(|v| scalar_text(&v)).unwrap_or_default();
                environment.insert(name.clone(), value);
            }
            for (function, name, value) in &options.environment_overrides {
                if function == logical_id {
                    environment.insert(name.clone(), value.clone());
                }
            }
            for (name, value) in &emulator_env {
                environment.insert(name.to_string(), value.clone());
            }
            let name = function_name(logical_id);
            for (variable, value) in lambda::reserved_environment(&name, spec.memory_mb, &spec.logging) {
                environment.insert(variable.to_string(), value);
            }
            let program = options.bin_dir.join(&spec.binary);
            let config = FunctionConfig {
                logical_id: logical_id.clone(),
                binary: spec.binary.clone(),
                name,
                arn: function_arn(logical_id),
                program,
                environment,
                timeout: Duration::from_secs(spec.timeout_seconds),
                memory_mb: spec.memory_mb,
                logging: spec.logging.clone(),
            };
            let host = FunctionHost::start(config, options.verbose)
                .await
                .map_err(|source| StageError::Runtime {
                    logical_id: logical_id.clone(),
                    source,
                })?;
            hosts.insert(logical_id.clone(), host);
        }
        // The invoke API.
        let invoke_app = lambda::invoke_api::router(hosts.values().cloned().collect());
        let mut listeners = vec![invoke_listener];
        // `cargo lambda invoke` connects to [::1] by default: answer there too when we can.
        if options.invoke_addr.ip() == Ipv4Addr::LOCALHOST
            && options.invoke_addr.port() != 0
            && let Ok(v6) =
                tokio::net::TcpListener::bind((std::net::Ipv6Addr::LOCALHOST, options.invoke_addr.port())).await
        {
            listeners.push(v6);
        }
        for listener in listeners {
            tasks.push(serve(listener, invoke_app.clone(), stopping.clone()));
        }

        // The HTTP API.
        let mut authorizers = HashMap::new();
        for (name, spec) in &plan.authorizers {
            let host = hosts
                .get(&spec.function)
                .ok_or_else(|| StageError::NoFunction(format!("authorizer {name}: {}", spec.function)))?;
            authorizers.insert(name.clone(), (spec.clone(), host.clone()));
        }
        let allowed_streams = plan
            .integration_streams
            .iter()
            .filter_map(|logical| resolver.refs.get(logical).cloned())
            .collect();
        // API Gateway makes one call per request to the service it integrates; it does not retry.
        let once = sdk_config(&kinesis_url)
            .await
            .to_builder()
            .retry_config(RetryConfig::disabled())
            .build();
        let gateway = Arc::new(Gateway {
            routes: plan.routes.clone(),
            authorizers,
            functions: hosts.clone(),
            http,
            kinesis: aws_sdk_kinesis::Client::new(&once),
            allowed_streams,
            data_as_base64: options.direct_data_as_base64,
            cache: Default::default(),
            access_log: options.verbose,
        });
        tasks.push(serve(gateway_listener, apigw::router(gateway), stopping.clone()));

        // The event source mapping.
        let consumer = hosts
            .get(&plan.mapping.function)
            .ok_or_else(|| StageError::NoFunction(format!("event source mapping: {}", plan.mapping.function)))?
            .clone();
        let on_failure_url = plan
            .mapping
            .on_failure_queue
            .as_ref()
            .and_then(|logical| resolver.refs.get(logical).cloned());
        let deliveries = Arc::new(Mutex::new(Vec::new()));
        let mapping = EventSourceMapping {
            spec: plan.mapping.clone(),
            function: consumer,
            kinesis: aws_sdk_kinesis::Client::new(&sdk),
            sqs: aws_sdk_sqs::Client::new(&sdk),
            stream_name: provisioned.stream_name.clone(),
            stream_arn: provisioned.stream_arn.clone(),
            on_failure_url,
            deliveries: Arc::clone(&deliveries),
            log: options.verbose,
        };
        tasks.extend(mapping.start(stopping).await?);

        Ok(Stage {
            gateway_url,
            invoke_url,
            endpoint,
            provisioned,
            not_emulated: plan.not_emulated.clone(),
            plan,
            kafka,
            hosts,
            deliveries,
            shutdown,
            tasks,
            _moto: moto,
        })
    }

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

    /// Stops the servers, the pollers, the function processes and moto.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
        for host in self.hosts.values() {
            host.stop();
        }
        // moto stops when `self` drops.
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for host in self.hosts.values() {
            host.stop();
        }
    }
}
