//! The template's resources as far as the stage reads them, as serde structs named as the template
//! names its properties. Values stay JSON where they may be intrinsic functions, and are resolved
//! field by field.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::{TemplateError, shape};

// The template's resources, as far as the stage reads them. Values stay JSON: they may be
// intrinsic functions, resolved field by field.

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct FunctionProperties {
    pub(super) timeout: Option<Json>,
    pub(super) memory_size: Option<Json>,
    pub(super) environment: Option<EnvironmentProperty>,
    pub(super) logging_config: Option<LoggingConfigProperty>,
    pub(super) events: Option<Json>,
    pub(super) vpc_config: Option<Json>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct EnvironmentProperty {
    pub(super) variables: BTreeMap<String, Json>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct LoggingConfigProperty {
    pub(super) log_format: Option<Json>,
    pub(super) application_log_level: Option<Json>,
    pub(super) system_log_level: Option<Json>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct MappingProperties {
    pub(super) function_name: Json,
    pub(super) event_source_arn: Json,
    pub(super) starting_position: Option<Json>,
    pub(super) batch_size: Option<Json>,
    pub(super) maximum_batching_window_in_seconds: Option<Json>,
    pub(super) parallelization_factor: Option<Json>,
    pub(super) maximum_retry_attempts: Option<Json>,
    pub(super) maximum_record_age_in_seconds: Option<Json>,
    pub(super) bisect_batch_on_function_error: Option<Json>,
    pub(super) function_response_types: Vec<String>,
    pub(super) destination_config: Option<DestinationConfigProperty>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct DestinationConfigProperty {
    pub(super) on_failure: Option<OnFailureProperty>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct OnFailureProperty {
    pub(super) destination: Json,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct StreamProperties {
    pub(super) name: Option<Json>,
    pub(super) shard_count: Option<Json>,
    pub(super) stream_encryption: Option<Json>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct TableProperties {
    pub(super) key_schema: Vec<KeySchemaProperty>,
    pub(super) point_in_time_recovery_specification: Option<Json>,
    #[serde(rename = "SSESpecification")]
    pub(super) sse_specification: Option<Json>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct KeySchemaProperty {
    pub(super) attribute_name: String,
    pub(super) key_type: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct SecretProperties {
    pub(super) generate_secret_string: GenerateSecretStringProperty,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct GenerateSecretStringProperty {
    pub(super) secret_string_template: Option<Json>,
    pub(super) generate_string_key: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct PermissionProperties {
    pub(super) function_name: Json,
    pub(super) principal: Json,
    pub(super) source_arn: Option<Json>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct RotationScheduleProperties {
    pub(super) secret_id: Json,
    #[serde(rename = "RotationLambdaARN")]
    pub(super) rotation_lambda_arn: Option<Json>,
    pub(super) rotation_rules: Option<RotationRulesProperty>,
    pub(super) hosted_rotation_lambda: Option<Json>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct RotationRulesProperty {
    pub(super) automatically_after_days: Option<Json>,
    pub(super) schedule_expression: Option<Json>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct AuthorizerProperty {
    pub(super) function_arn: Json,
    pub(super) identity: IdentityProperty,
    pub(super) authorizer_payload_format_version: Option<Json>,
    pub(super) enable_simple_responses: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct IdentityProperty {
    pub(super) headers: Option<Vec<String>>,
    pub(super) context: Option<Vec<String>>,
    pub(super) reauthorize_every: Option<Json>,
}

pub(super) fn resources_of<'a>(template: &'a Json, kind: &str) -> Vec<(&'a String, &'a Json)> {
    template
        .get("Resources")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, resource)| resource.get("Type").and_then(Json::as_str) == Some(kind))
        .collect()
}

pub(super) fn one_of<'a>(template: &'a Json, kind: &str) -> Result<(&'a String, &'a Json), TemplateError> {
    let mut found = resources_of(template, kind);
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(shape(format!("no {kind} resource"))),
        n => Err(shape(format!("{n} {kind} resources; the local stage emulates one"))),
    }
}

pub(super) fn properties(resource: &Json) -> &Json {
    resource.get("Properties").unwrap_or(&Json::Null)
}

/// A resource's properties as their typed struct.
pub(super) fn typed<T: for<'de> Deserialize<'de>>(logical_id: &str, value: &Json) -> Result<T, TemplateError> {
    let value = if value.is_null() { json!({}) } else { value.clone() };
    serde_json::from_value(value).map_err(|e| shape(format!("{logical_id}.Properties: {e}")))
}

pub(super) fn logical_of_get_att(value: &Json) -> Option<String> {
    value
        .get("Fn::GetAtt")
        .and_then(|v| v.get(0))
        .and_then(Json::as_str)
        .map(str::to_string)
}

pub(super) fn logical_of_ref(value: &Json) -> Option<String> {
    value.get("Ref").and_then(Json::as_str).map(str::to_string)
}
