//! [`Stage::start`]: everything that can fail without starting a process is settled first (the Kafka
//! port, the template with its overrides, the binaries, the credentials, the listeners), then the
//! stage starts its parts in the order they depend on each other: the emulator, Kafka, the resources,
//! the functions, the invoke API, the HTTP API and the event source mapping. Each part has its own
//! module.

mod emulator;
mod functions;
mod gateway;
mod kafka;
mod mapping;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use tokio::sync::watch;

use crate::error::StageError;
use crate::options::Options;
use crate::provision::provision;
use crate::server::{bind, serve};
use crate::template::{self, Plan};
use crate::{Stage, apigw, credentials, sdk_config};

impl Stage {
    /// Starts everything and returns once the stage accepts requests.
    pub async fn start(options: Options) -> Result<Stage, StageError> {
        let mut tasks = Vec::new();
        let (shutdown, stopping) = watch::channel(false);

        // First everything that can fail without starting a process: the Kafka port, the template
        // with its overrides (types, constraints, rules), the binaries, the listeners.
        let mut overrides = options.parameter_overrides.clone();
        let kafka_plan = kafka::prepare(&options, &mut overrides).await?;
        let plan = plan(&options.template, &overrides)?;
        functions::check_built(&plan, &options.bin_dir)?;
        let seed = credentials::seed(
            &plan.secret,
            options.username.as_deref(),
            options.password.as_deref(),
            &options.clients,
        )?;
        let (invoke_listener, invoke_url) = bind("invoke API", options.invoke_addr).await?;
        let (gateway_listener, gateway_url) = bind("HTTP API", options.gateway_addr).await?;

        let (moto, endpoint) = emulator::start(&options)?;
        let kafka = match kafka_plan {
            Some(plan) => Some(kafka::start(plan, &stopping, &mut tasks).await?),
            None => None,
        };
        let sdk = sdk_config(&endpoint).await;
        let (provisioned, resolver) = provision(&plan, &sdk, &seed).await?;
        let http = httpclient::HttpClient::new()?;
        let kinesis_url = emulator::put_record_guard(&endpoint, &http, &stopping, &mut tasks).await?;

        let hosts = functions::start(&plan, &options, &resolver, &endpoint, &kinesis_url).await?;
        functions::serve_invoke_api(invoke_listener, &options, &hosts, &stopping, &mut tasks).await;
        let gateway = gateway::gateway(&plan, &resolver, &hosts, http, &kinesis_url, &options).await?;
        tasks.push(serve(
            gateway_listener,
            apigw::router(Arc::new(gateway)),
            stopping.clone(),
        ));
        let mapping = mapping::mapping(&plan, &resolver, &hosts, &provisioned, &sdk, options.verbose)?;
        let deliveries = Arc::clone(&mapping.deliveries);
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
}

/// The template with the parameter overrides applied (checked against its types, constraints and
/// rules), as the stage's plan.
fn plan(path: &Path, overrides: &BTreeMap<String, String>) -> Result<Plan, StageError> {
    let mut template = template::load(path)?;
    template::parameters::apply_overrides(&mut template, overrides)?;
    Ok(Plan::from_template(template)?)
}
