//! The template's `AWS::Serverless::HttpApi`: its authorizers (`Auth`), its routes (the OpenAPI
//! body's operations, each with its integration), and the API settings the stage does not emulate.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::integrations::integration_of;
use crate::template::intrinsics::Resolver;
use crate::template::properties::{AuthorizerProperty, logical_of_get_att, one_of, properties, typed};
use crate::template::specs::{AuthorizerSpec, Integration, Route};
use crate::template::{TemplateError, shape};

/// The HTTP API, as the plan takes it apart.
pub(super) struct HttpApi {
    /// Its logical id.
    pub(super) logical_id: String,
    /// Its authorizers, by name.
    pub(super) authorizers: BTreeMap<String, AuthorizerSpec>,
    /// Its routes, in the order of its OpenAPI body.
    pub(super) routes: Vec<Route>,
    /// The roles its `Kinesis-PutRecord` integrations assume (logical ids).
    pub(super) integration_roles: Vec<String>,
}

/// The HTTP API: routes from its OpenAPI body, authorizers from `Auth`, and the integration roles.
pub(super) fn http_api(
    template: &Json,
    resolver: &Resolver,
    not_emulated: &mut Vec<String>,
) -> Result<HttpApi, TemplateError> {
    let (api, api_resource) = one_of(template, "AWS::Serverless::HttpApi")?;
    let api_properties = properties(api_resource);
    let default_authorizer = api_properties
        .pointer("/Auth/DefaultAuthorizer")
        .and_then(Json::as_str)
        .map(str::to_string);
    let mut authorizers = BTreeMap::new();
    if let Some(declared) = api_properties.pointer("/Auth/Authorizers").and_then(Json::as_object) {
        for (name, spec) in declared {
            let spec: AuthorizerProperty = typed(name, spec)?;
            let function = logical_of_get_att(&spec.function_arn)
                .ok_or_else(|| shape(format!("authorizer {name}: FunctionArn must be !GetAtt Function.Arn")))?;
            let ttl_seconds = match &spec.identity.reauthorize_every {
                Some(value) => resolver.integer(value, "ReauthorizeEvery")?.clamp(0, 3600) as u64,
                None => 300,
            };
            authorizers.insert(
                name.clone(),
                AuthorizerSpec {
                    name: name.clone(),
                    function,
                    identity_headers: spec
                        .identity
                        .headers
                        .map(|headers| headers.iter().map(|h| h.to_lowercase()).collect())
                        .unwrap_or_else(|| vec!["authorization".to_string()]),
                    identity_context: spec.identity.context.unwrap_or_default(),
                    ttl_seconds,
                    payload_format_version: spec
                        .authorizer_payload_format_version
                        .map(|v| resolver.string(&v))
                        .transpose()?
                        .unwrap_or_else(|| "2.0".into()),
                    simple_responses: spec.enable_simple_responses.unwrap_or(false),
                },
            );
        }
    }
    let paths = api_properties
        .pointer("/DefinitionBody/paths")
        .and_then(Json::as_object)
        .ok_or_else(|| shape(format!("{api}: DefinitionBody.paths is required")))?;
    let mut routes = Vec::new();
    let mut integration_roles = Vec::new();
    for (path, methods) in paths {
        for (key, operation) in methods.as_object().into_iter().flatten() {
            // Path-item keys that are not operations (`parameters`, `summary`...) are skipped.
            let method = match key.as_str() {
                "x-amazon-apigateway-any-method" => "ANY".to_string(),
                "get" | "put" | "post" | "delete" | "patch" | "head" | "options" => key.to_uppercase(),
                _ => continue,
            };
            let integration = operation
                .get("x-amazon-apigateway-integration")
                .ok_or_else(|| shape(format!("{method} {path}: no x-amazon-apigateway-integration")))?;
            let authorizer = operation
                .get("security")
                .and_then(Json::as_array)
                .and_then(|security| security.first())
                .and_then(Json::as_object)
                .and_then(|first| first.keys().next().cloned())
                .or_else(|| default_authorizer.clone());
            let integration = integration_of(integration, resolver)?;
            if let Integration::KinesisPutRecord {
                credentials_role: Some(role),
                ..
            } = &integration
            {
                integration_roles.push(role.clone());
            }
            if let Integration::NotEmulated(what) = &integration {
                not_emulated.push(format!("{method} {path}: {what} (answered with 500)"));
            }
            routes.push(Route {
                method,
                path: path.clone(),
                authorizer,
                integration,
            });
        }
    }
    for (key, what) in [
        ("DefaultRouteSettings", "stage throttling (DefaultRouteSettings)"),
        ("RouteSettings", "per-route throttling (RouteSettings)"),
        ("AccessLogSettings", "access logging (AccessLogSettings)"),
        (
            "CorsConfiguration",
            "CORS (CorsConfiguration: no preflight answers, no Access-Control-* headers)",
        ),
    ] {
        if api_properties.get(key).is_some() {
            not_emulated.push(what.to_string());
        }
    }
    Ok(HttpApi {
        logical_id: api.clone(),
        authorizers,
        routes,
        integration_roles,
    })
}
