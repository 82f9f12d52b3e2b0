//! [`Plan::from_template`]: what the local stage emulates of the template, as the typed specs of
//! [`super::specs`], and the list of what it declares but the stage ignores. Each resource kind is
//! read by its own module: [`functions`], [`rotation`], [`http_api`] (with [`integrations`]),
//! [`stores`] (stream, table, queue, secret) and [`event_source`].

mod event_source;
mod functions;
mod http_api;
mod integrations;
mod rotation;
mod stores;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::TemplateError;
use super::intrinsics::Resolver;
use super::properties::resources_of;
pub use super::specs::*;

/// What the local stage emulates of the template.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The whole template, long form.
    pub template: Json,
    /// The template's intrinsics with parameter values and pseudo parameters (provisioning adds the
    /// local resources' names).
    pub resolver: Resolver,
    /// Logical id of the HTTP API.
    pub api: String,
    /// Its routes.
    pub routes: Vec<Route>,
    /// Its authorizers, by name.
    pub authorizers: BTreeMap<String, AuthorizerSpec>,
    /// Functions, by logical id.
    pub functions: BTreeMap<String, FunctionSpec>,
    /// The stream.
    pub stream: StreamSpec,
    /// The table.
    pub table: TableSpec,
    /// The queue.
    pub queue: QueueSpec,
    /// The secret.
    pub secret: SecretSpec,
    /// Its rotation function (and schedule), when the template has one.
    pub rotation: Option<RotationSpec>,
    /// The event source mapping.
    pub mapping: MappingSpec,
    /// Streams the integration role may put records on (logical ids), when a role restricts it.
    pub integration_streams: Vec<String>,
    /// What the template declares that the local stage does not emulate.
    pub not_emulated: Vec<String>,
}

impl Plan {
    /// Extracts the plan from a long-form template.
    pub fn from_template(template: Json) -> Result<Plan, TemplateError> {
        let resolver = Resolver::new(&template)?;
        // Values CloudFormation would refuse together stop the stage as they would stop a deploy.
        super::parameters::check_rules(&template, &resolver)?;
        // From here on the template is what CloudFormation would deploy for these parameter values.
        let template = resolver.decide_template(template)?;
        let mut not_emulated = Vec::new();
        let functions = functions::functions(&template, &resolver, &mut not_emulated)?;
        let rotation = rotation::rotation(&template, &resolver, &functions, &mut not_emulated)?;
        let api = http_api::http_api(&template, &resolver, &mut not_emulated)?;
        // Streams the integration role may write to.
        let integration_streams = integrations::role_streams(&template, &api.integration_roles);
        let stream = stores::stream(&template, &resolver, &mut not_emulated)?;
        let table = stores::table(&template, &mut not_emulated)?;
        let queue = stores::queue(&template, &resolver)?;
        let secret = stores::secret(&template, &resolver)?;

        let mapping = event_source::mapping(&template, &resolver)?;
        if mapping.parallelization_factor > 1 {
            not_emulated.push("ParallelizationFactor > 1 (each shard is read by one batch at a time)".into());
        }
        if !resources_of(&template, "AWS::CloudWatch::Alarm").is_empty() {
            not_emulated.push("CloudWatch alarms".into());
        }
        not_emulated.push("IAM (roles are not enforced, except the integration role's stream restriction)".into());
        not_emulated.push("log groups and retention (function logs go to this terminal)".into());

        Ok(Plan {
            resolver,
            api: api.logical_id,
            routes: api.routes,
            authorizers: api.authorizers,
            functions,
            stream,
            table,
            queue,
            secret,
            rotation,
            mapping,
            integration_streams,
            not_emulated,
            // Last: the fields above borrow from it.
            template,
        })
    }
}
