//! A route's `x-amazon-apigateway-integration` as an [`Integration`], and the streams the
//! `Kinesis-PutRecord` integrations' roles may write to.

use serde_json::Value as Json;

use crate::template::intrinsics::{Resolver, scalar_text};
use crate::template::properties::logical_of_get_att;
use crate::template::specs::Integration;
use crate::template::{TemplateError, shape};

/// The streams (logical ids) the policies of `roles` name as `Resource: !GetAtt Stream.Arn`.
pub(super) fn role_streams(template: &Json, roles: &[String]) -> Vec<String> {
    let mut streams = Vec::new();
    for role in roles {
        let statements = template
            .pointer(&format!("/Resources/{role}/Properties/Policies"))
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|policy| policy.pointer("/PolicyDocument/Statement").and_then(Json::as_array))
            .flatten();
        for statement in statements {
            let resources = match statement.get("Resource") {
                Some(Json::Array(list)) => list.clone(),
                Some(one) => vec![one.clone()],
                None => vec![],
            };
            streams.extend(resources.iter().filter_map(logical_of_get_att));
        }
    }
    streams
}

/// Reads `x-amazon-apigateway-integration`.
pub(super) fn integration_of(integration: &Json, resolver: &Resolver) -> Result<Integration, TemplateError> {
    let text = |key: &str| integration.get(key).and_then(Json::as_str).unwrap_or_default();
    if text("connectionType").eq_ignore_ascii_case("VPC_LINK") {
        // Its uri is a load balancer listener (or Cloud Map service) in a VPC this machine is not in.
        return Ok(Integration::NotEmulated(
            "a private integration through a VPC link (connectionType VPC_LINK)".into(),
        ));
    }
    if text("type").eq_ignore_ascii_case("http_proxy") {
        let uri = integration
            .get("uri")
            .map(|uri| resolver.string(uri))
            .transpose()?
            .ok_or_else(|| shape("an http_proxy integration without uri"))?;
        let timeout_ms = match integration.get("timeoutInMillis") {
            Some(value) => resolver.integer(value, "timeoutInMillis")?.clamp(50, 30_000) as u64,
            None => 30_000,
        };
        return Ok(Integration::HttpProxy {
            uri,
            method: text("httpMethod").to_uppercase(),
            timeout: std::time::Duration::from_millis(timeout_ms),
        });
    }
    if text("integrationSubtype") == "Kinesis-PutRecord" {
        return Ok(Integration::KinesisPutRecord {
            request_parameters: integration
                .get("requestParameters")
                .and_then(Json::as_object)
                .map(|p| p.iter().map(|(k, v)| (k.clone(), scalar_text(v))).collect())
                .unwrap_or_default(),
            credentials_role: integration.get("credentials").and_then(logical_of_get_att),
        });
    }
    let kind = text("type");
    if kind == "aws_proxy" {
        let function = integration.get("uri").and_then(function_of_invocation_uri);
        let version = integration
            .get("payloadFormatVersion")
            .map(scalar_text)
            .unwrap_or_else(|| "2.0".into());
        return Ok(match function {
            Some(_) if version != "2.0" => {
                Integration::NotEmulated(format!("Lambda proxy payload format {version} (only 2.0 is emulated)"))
            }
            Some(function) => Integration::LambdaProxy {
                function,
                payload_format_version: version,
            },
            None => Integration::NotEmulated("a Lambda integration whose uri is not !Sub ...${Function.Arn}...".into()),
        });
    }
    Ok(Integration::NotEmulated(format!("integration type {kind:?}")))
}

/// The function of a Lambda invocation URI written as `!Sub "arn:...:functions/${Fn.Arn}/invocations"`
/// (or `!GetAtt Fn.Arn` inside a `!Join`).
pub(super) fn function_of_invocation_uri(uri: &Json) -> Option<String> {
    let sub = uri
        .get("Fn::Sub")
        .and_then(|s| s.as_str().or_else(|| s.get(0)?.as_str()));
    if let Some(text) = sub {
        let (_, after) = text.split_once("/functions/${")?;
        let (reference, _) = after.split_once('}')?;
        return reference.strip_suffix(".Arn").map(str::to_string);
    }
    let parts = uri.pointer("/Fn::Join/1")?.as_array()?;
    parts.iter().find_map(logical_of_get_att)
}
