//! The template's `AWS::Serverless::Function`s as [`FunctionSpec`]s: `Globals.Function` merged in,
//! Lambda's defaults (3 s, 128 MB), the binary from the build metadata, the logging config as
//! Lambda reads it (levels only with the JSON format).

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::template::TemplateError;
use crate::template::intrinsics::Resolver;
use crate::template::properties::{FunctionProperties, properties, resources_of, typed};
use crate::template::specs::{FunctionSpec, LoggingSpec};

/// The functions, with `Globals.Function` merged in.
pub(super) fn functions(
    template: &Json,
    resolver: &Resolver,
    not_emulated: &mut Vec<String>,
) -> Result<BTreeMap<String, FunctionSpec>, TemplateError> {
    let globals = template
        .pointer("/Globals/Function")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    let mut functions = BTreeMap::new();
    for (logical_id, resource) in resources_of(template, "AWS::Serverless::Function") {
        let mut merged = globals.clone();
        if let Some(own) = properties(resource).as_object() {
            merged.extend(own.clone());
        }
        let declared: FunctionProperties = typed(logical_id, &Json::Object(merged))?;
        let binary = resource
            .pointer("/Metadata/BuildProperties/Binary")
            .and_then(Json::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| logical_id.to_lowercase());
        let number = |value: &Option<Json>, key: &str, default: u64| -> Result<u64, TemplateError> {
            match value {
                Some(value) => Ok(resolver.integer(value, &format!("{logical_id}.{key}"))?.max(1) as u64),
                None => Ok(default),
            }
        };
        let text = |value: &Option<Json>| value.as_ref().map(|v| resolver.string(v)).transpose();
        let logging = declared.logging_config.unwrap_or_default();
        let json = text(&logging.log_format)?.is_some_and(|format| format.eq_ignore_ascii_case("JSON"));
        if declared.vpc_config.is_some() {
            not_emulated.push(format!(
                "{logical_id}.VpcConfig (the function runs on this machine's network)"
            ));
        }
        if declared.events.is_some() {
            not_emulated.push(format!(
                "{logical_id}.Events (only AWS::Lambda::EventSourceMapping is emulated)"
            ));
        }
        functions.insert(
            logical_id.clone(),
            FunctionSpec {
                logical_id: logical_id.clone(),
                binary,
                environment: declared.environment.unwrap_or_default().variables,
                timeout_seconds: number(&declared.timeout, "Timeout", 3)?,
                memory_mb: number(&declared.memory_size, "MemorySize", 128)?,
                logging: LoggingSpec {
                    json,
                    application_level: text(&logging.application_log_level)?.filter(|_| json),
                    system_level: text(&logging.system_log_level)?
                        .filter(|_| json)
                        .map(|level| level.to_uppercase())
                        .unwrap_or_else(|| "INFO".into()),
                },
            },
        );
    }
    Ok(functions)
}
