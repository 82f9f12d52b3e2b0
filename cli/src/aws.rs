//! Where a command acts: a deployed stack (`--stack`: its CloudFormation outputs, through the SDK's
//! own configuration) or, by default, the local stage (`streamgate local`, `make local`), whose
//! names and ports are fixed, so that no environment variable is needed. The local stage's defaults
//! live here and nowhere else in the CLI; explicit flags (and the SDK's `AWS_ENDPOINT_URL`,
//! `AWS_ENDPOINT_URL_LAMBDA`) override them.

use std::collections::HashMap;

use anyhow::Context as _;
use aws_config::SdkConfig;

/// The local stage's HTTP API port (`streamgate local --port`).
pub const LOCAL_API_PORT: u16 = 3000;
/// The local stage's invoke API port (`--invoke-port`).
pub const LOCAL_INVOKE_PORT: u16 = 9000;
/// The port of the moto server the local stage starts (`--moto-port`).
pub const LOCAL_EMULATOR_PORT: u16 = 5000;
/// The local stage's HTTP API.
pub const LOCAL_API: &str = "http://127.0.0.1:3000";
/// The local stage's emulator: every AWS service but Lambda.
pub const LOCAL_EMULATOR: &str = "http://127.0.0.1:5000";
/// The local stage's invoke API: the Lambda endpoint of its functions.
pub const LOCAL_INVOKE_API: &str = "http://127.0.0.1:9000";
/// The local stage's stack name (`AWS::StackName`), also the prefix of its topics.
pub const LOCAL_STACK: &str = localstage::template::LOCAL_STACK;
/// The local stage's stream.
pub const LOCAL_STREAM: &str = "streamgate-local-events";
/// The local stage's table.
pub const LOCAL_TABLE: &str = "streamgate-local-EventsTable";
/// The local stage's dead-letter queue.
pub const LOCAL_QUEUE: &str = "streamgate-local-DeadLetterQueue";
/// The local stage's consumer function.
pub const LOCAL_CONSUMER: &str = "streamgate-local-ConsumerFunction";
/// The local stage's rotation function.
pub const LOCAL_ROTATION: &str = "streamgate-local-RotationFunction";
/// The local stage's credentials secret.
pub const LOCAL_SECRET: &str = "streamgate-local/CredentialsSecret";
/// The template's default `Username`: the local stage's single user.
pub const DEFAULT_USERNAME: &str = "streamgate";

/// The endpoints a command may be pointed at (both apply to a stack too, when given).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Endpoints {
    /// Endpoint of every AWS service but Lambda [default without --stack: the local stage's
    /// emulator, http://127.0.0.1:5000].
    #[arg(long, global = true, env = "AWS_ENDPOINT_URL")]
    pub endpoint: Option<String>,
    /// Lambda endpoint [default without --stack: the local stage's invoke API, http://127.0.0.1:9000].
    #[arg(long, global = true, env = "AWS_ENDPOINT_URL_LAMBDA")]
    pub invoke_endpoint: Option<String>,
}

/// SDK configuration and a Lambda client for one target, and the stack's outputs.
pub struct Aws {
    /// For every service but Lambda.
    pub sdk: SdkConfig,
    /// Lambda, at the invoke endpoint.
    pub lambda: aws_sdk_lambda::Client,
    /// The stack's outputs by key (empty for the local stage).
    pub outputs: HashMap<String, String>,
    /// The stack, or `None` for the local stage.
    pub stack: Option<String>,
    /// The emulator endpoint (the local stage only), for messages.
    pub emulator: Option<String>,
}

impl Endpoints {
    /// The endpoints of the local stage, or of the SDK's configuration for a stack, with the
    /// explicit ones applied.
    fn resolved(&self, stack: Option<&str>) -> (Option<String>, Option<String>) {
        match stack {
            Some(_) => (self.endpoint.clone(), self.invoke_endpoint.clone()),
            None => (
                Some(self.endpoint.clone().unwrap_or_else(|| LOCAL_EMULATOR.into())),
                Some(self.invoke_endpoint.clone().unwrap_or_else(|| LOCAL_INVOKE_API.into())),
            ),
        }
    }

    /// Clients for `stack` (reading its outputs), or for the local stage when `stack` is `None`
    /// (moto's dummy credentials and region: nothing to configure).
    pub async fn connect(&self, stack: Option<&str>) -> anyhow::Result<Aws> {
        let (endpoint, invoke) = self.resolved(stack);
        let sdk = match (stack, &endpoint) {
            (None, Some(emulator)) => motoserver::sdk_config(emulator).await,
            _ => sdk_from_env(endpoint.as_deref()).await,
        };
        let mut lambda = aws_sdk_lambda::config::Builder::from(&sdk);
        if let Some(invoke) = &invoke {
            lambda = lambda.endpoint_url(invoke);
        }
        let outputs = match stack {
            Some(stack) => stack_outputs(&sdk, stack).await?,
            None => HashMap::new(),
        };
        Ok(Aws {
            lambda: aws_sdk_lambda::Client::from_conf(lambda.build()),
            sdk,
            outputs,
            stack: stack.map(str::to_string),
            emulator: endpoint.filter(|_| stack.is_none()),
        })
    }
}

impl Aws {
    /// A value from the flag, else the stack's output, else (local stage only) the local default;
    /// an error naming the output when the stack lacks it.
    pub fn pick(&self, flag: Option<&str>, output: &str, local: &str) -> anyhow::Result<String> {
        if let Some(value) = flag {
            return Ok(value.to_string());
        }
        match &self.stack {
            None => Ok(local.to_string()),
            Some(stack) => self.outputs.get(output).cloned().with_context(|| {
                format!(
                    "stack {stack} has no {output} output (deploy the current template.yaml, or name it with a flag)"
                )
            }),
        }
    }

    /// The dead-letter queue's URL: the flag, else the stack's `DeadLetterQueueUrl` output, else the
    /// local stage's queue, looked up by name.
    pub async fn queue_url(&self, flag: Option<&str>) -> anyhow::Result<String> {
        if self.stack.is_some() || flag.is_some() {
            return self.pick(flag, "DeadLetterQueueUrl", "");
        }
        aws_sdk_sqs::Client::new(&self.sdk)
            .get_queue_url()
            .queue_name(LOCAL_QUEUE)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{}", aws_sdk_sqs::error::DisplayErrorContext(e)))
            .with_context(|| format!("finding the queue {LOCAL_QUEUE} in {}", self.describe()))?
            .queue_url()
            .map(str::to_string)
            .context("no queue URL")
    }

    /// Where the command acts, for messages: `stack NAME` or `the local stage (ENDPOINT)`.
    pub fn describe(&self) -> String {
        match (&self.stack, &self.emulator) {
            (Some(stack), _) => format!("stack {stack}"),
            (None, Some(emulator)) => format!("the local stage (emulator {emulator})"),
            (None, None) => "the local stage".into(),
        }
    }
}

/// SDK configuration as the SDK's own conventions say (`AWS_ENDPOINT_URL`, profiles), with an
/// explicit endpoint, and the local region when none is configured.
async fn sdk_from_env(endpoint: Option<&str>) -> SdkConfig {
    let loader = |region: Option<&'static str>| {
        let mut loader = aws_config::from_env();
        if let Some(endpoint) = endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        if let Some(region) = region {
            loader = loader.region(aws_config::Region::new(region));
        }
        loader
    };
    let config = loader(None).load().await;
    match config.region() {
        Some(_) => config,
        None => loader(Some(motoserver::REGION)).load().await,
    }
}

/// A stack's outputs by key.
async fn stack_outputs(sdk: &SdkConfig, stack: &str) -> anyhow::Result<HashMap<String, String>> {
    let answer = aws_sdk_cloudformation::Client::new(sdk)
        .describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("{}", aws_sdk_cloudformation::error::DisplayErrorContext(e)))
        .with_context(|| format!("reading the outputs of stack {stack}"))?;
    let stack = answer.stacks().first().context("no such stack")?;
    Ok(stack
        .outputs()
        .iter()
        .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string())))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_defaults_are_the_local_stages_names() {
        use localstage::provision::function_name;
        assert_eq!(LOCAL_CONSUMER, function_name("ConsumerFunction"));
        assert_eq!(LOCAL_ROTATION, function_name("RotationFunction"));
        assert_eq!(LOCAL_STREAM, format!("{LOCAL_STACK}-events"));
        assert_eq!(LOCAL_TABLE, format!("{LOCAL_STACK}-EventsTable"));
        assert_eq!(LOCAL_QUEUE, format!("{LOCAL_STACK}-DeadLetterQueue"));
        assert_eq!(LOCAL_SECRET, format!("{LOCAL_STACK}/CredentialsSecret"));
        for (url, port) in [
            (LOCAL_API, LOCAL_API_PORT),
            (LOCAL_EMULATOR, LOCAL_EMULATOR_PORT),
            (LOCAL_INVOKE_API, LOCAL_INVOKE_PORT),
        ] {
            assert_eq!(url, format!("http://127.0.0.1:{port}"));
        }
    }

    #[test]
    fn without_a_stack_the_local_stage_needs_no_environment() {
        let none = Endpoints::default();
        assert_eq!(
            none.resolved(None),
            (Some(LOCAL_EMULATOR.into()), Some(LOCAL_INVOKE_API.into()))
        );
        assert_eq!(none.resolved(Some("prod")), (None, None));
        let explicit = Endpoints {
            endpoint: Some("http://127.0.0.1:5001".into()),
            invoke_endpoint: None,
        };
        assert_eq!(
            explicit.resolved(None),
            (Some("http://127.0.0.1:5001".into()), Some(LOCAL_INVOKE_API.into()))
        );
        assert_eq!(
            explicit.resolved(Some("prod")).0.as_deref(),
            Some("http://127.0.0.1:5001")
        );
    }
}
