//! Where `streamgate credentials` acts: the secret and the rotation function a stack's outputs name
//! (`CredentialsSecretArn`, `RotationFunctionName`), or the local stage's.

use anyhow::Context as _;
use aws_sdk_secretsmanager::error::DisplayErrorContext;
use clients::store::sdk::SecretsManagerStore;

use crate::aws::{Endpoints, LOCAL_ROTATION, LOCAL_SECRET};

/// The secret, the rotation function and the clients to reach them.
pub struct Target {
    /// The secret's versions.
    pub store: SecretsManagerStore,
    /// The secret's name or ARN.
    pub secret: String,
    /// The rotation function, or why there is none.
    rotation_function: Result<String, String>,
    /// Lambda, at the stack's or the local stage's invoke endpoint.
    pub lambda: aws_sdk_lambda::Client,
    secrets: aws_sdk_secretsmanager::Client,
    place: String,
    stack: Option<String>,
}

impl Target {
    /// The target of `stack` (its outputs), or the local stage's; explicit names win.
    pub async fn resolve(
        endpoints: &Endpoints,
        stack: Option<&str>,
        secret: Option<&str>,
        rotation_function: Option<&str>,
    ) -> anyhow::Result<Target> {
        let aws = endpoints.connect(stack).await?;
        let secret = aws.pick(secret, "CredentialsSecretArn", LOCAL_SECRET)?;
        let rotation_function = aws
            .pick(rotation_function, "RotationFunctionName", LOCAL_ROTATION)
            .map_err(|e| e.to_string());
        let secrets = aws_sdk_secretsmanager::Client::new(&aws.sdk);
        Ok(Target {
            store: SecretsManagerStore::new(secrets.clone(), secret.clone()),
            secret,
            rotation_function,
            lambda: aws.lambda.clone(),
            secrets,
            place: aws.describe(),
            stack: aws.stack,
        })
    }

    /// Where it acts, for messages.
    pub fn place(&self) -> &str {
        &self.place
    }

    /// The flags that name this target again, for the commands a message suggests.
    pub fn flags(&self) -> String {
        match &self.stack {
            Some(stack) => format!(" --stack {stack}"),
            None => String::new(),
        }
    }

    /// The rotation function's name.
    pub fn rotation_function(&self) -> anyhow::Result<&str> {
        self.rotation_function.as_deref().map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// The secret's ARN, as Secrets Manager sends it to a rotation function (which refuses any other
    /// secret than its own).
    pub async fn secret_arn(&self) -> anyhow::Result<String> {
        if self.secret.starts_with("arn:") {
            return Ok(self.secret.clone());
        }
        let described = self
            .secrets
            .describe_secret()
            .secret_id(&self.secret)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{}", DisplayErrorContext(e)))
            .with_context(|| format!("describing the secret {} of {}", self.secret, self.place))?;
        described
            .arn()
            .map(str::to_string)
            .with_context(|| format!("the secret {} has no ARN", self.secret))
    }
}
