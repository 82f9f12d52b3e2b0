//! Reading `template.yaml`: the local stage's only source of routes, names and settings.
//!
//! The YAML is read with CloudFormation's short-form tags (`!Ref`, `!GetAtt`, `!Sub`, ...) turned into
//! their long JSON form, then [`Resolver`] evaluates intrinsic functions against parameter defaults
//! and the local resources. [`Plan::from_template`] extracts what the stage emulates and lists what it
//! does not.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::{Map, Value as Json, json};

/// The template cannot be used by the local stage.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The YAML does not parse.
    #[error("template is not valid YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    /// Something the stage needs is missing or has an unexpected shape.
    #[error("template: {0}")]
    Shape(String),
}

fn shape(message: impl Into<String>) -> TemplateError {
    TemplateError::Shape(message.into())
}

/// Reads a template file into long-form JSON.
pub fn load(path: &Path) -> Result<Json, TemplateError> {
    let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text)
}

/// Parses template text into long-form JSON.
pub fn parse(text: &str) -> Result<Json, TemplateError> {
    let yaml: serde_norway::Value = serde_norway::from_str(text)?;
    to_json(yaml)
}

fn to_json(value: serde_norway::Value) -> Result<Json, TemplateError> {
    use serde_norway::Value as Y;
    Ok(match value {
        Y::Null => Json::Null,
        Y::Bool(b) => Json::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                json!(n.as_f64())
            }
        }
        Y::String(s) => Json::String(s),
        Y::Sequence(items) => Json::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?),
        Y::Mapping(mapping) => {
            let mut object = Map::new();
            for (key, value) in mapping {
                let key = match key {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => return Err(shape(format!("unsupported mapping key {other:?}"))),
                };
                object.insert(key, to_json(value)?);
            }
            Json::Object(object)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = to_json(tagged.value)?;
            match name {
                "Ref" => json!({ "Ref": inner }),
                "Condition" => json!({ "Condition": inner }),
                "GetAtt" => match inner {
                    Json::String(s) => {
                        let (resource, attribute) = s
                            .split_once('.')
                            .ok_or_else(|| shape(format!("!GetAtt {s}: expected Resource.Attribute")))?;
                        json!({ "Fn::GetAtt": [resource, attribute] })
                    }
                    other => json!({ "Fn::GetAtt": other }),
                },
                other => json!({ format!("Fn::{other}"): inner }),
            }
        }
    })
}

/// Evaluates intrinsic functions for the local stage.
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    /// Parameter values (the template's defaults, possibly overridden).
    pub parameters: HashMap<String, Json>,
    /// `Ref` of resources and pseudo parameters.
    pub refs: HashMap<String, String>,
    /// `Fn::GetAtt` values, keyed `Resource.Attribute`.
    pub attributes: HashMap<String, String>,
    /// Evaluated conditions.
    pub conditions: HashMap<String, bool>,
}

/// Stack name the local stage resolves `AWS::StackName` to.
pub const LOCAL_STACK: &str = "streamgate-local";

impl Resolver {
    /// A resolver with the template's parameter defaults, the pseudo parameters and its conditions.
    pub fn new(template: &Json) -> Result<Resolver, TemplateError> {
        let mut resolver = Resolver::default();
        if let Some(parameters) = template.get("Parameters").and_then(Json::as_object) {
            for (name, parameter) in parameters {
                if let Some(default) = parameter.get("Default") {
                    resolver.parameters.insert(name.clone(), default.clone());
                }
            }
        }
        for (name, value) in [
            ("AWS::Region", motoserver::REGION),
            ("AWS::AccountId", motoserver::ACCOUNT_ID),
            ("AWS::StackName", LOCAL_STACK),
            ("AWS::Partition", "aws"),
            ("AWS::URLSuffix", "amazonaws.com"),
        ] {
            resolver.refs.insert(name.to_string(), value.to_string());
        }
        if let Some(conditions) = template.get("Conditions").and_then(Json::as_object) {
            // Conditions may refer to each other: evaluate until nothing new resolves.
            let mut pending: Vec<(&String, &Json)> = conditions.iter().collect();
            while !pending.is_empty() {
                let before = pending.len();
                pending.retain(|(name, expression)| match resolver.condition(expression) {
                    Ok(value) => {
                        resolver.conditions.insert((*name).clone(), value);
                        false
                    }
                    Err(_) => true,
                });
                if pending.len() == before {
                    return Err(shape(format!("cannot evaluate condition {}", pending[0].0)));
                }
            }
        }
        Ok(resolver)
    }

    /// Evaluates a condition expression.
    pub fn condition(&self, expression: &Json) -> Result<bool, TemplateError> {
        let Some((function, argument)) = single_key(expression) else {
            return Err(shape(format!("not a condition: {expression}")));
        };
        let arguments = || argument.as_array().cloned().unwrap_or_default();
        match function {
            "Condition" => {
                let name = argument.as_str().unwrap_or_default();
                self.conditions
                    .get(name)
                    .copied()
                    .ok_or_else(|| shape(format!("unknown condition {name}")))
            }
            "Fn::Equals" => {
                let items = arguments();
                if items.len() != 2 {
                    return Err(shape("Fn::Equals takes two values"));
                }
                let a = self.resolve(&items[0])?.map(|v| scalar_text(&v));
                let b = self.resolve(&items[1])?.map(|v| scalar_text(&v));
                Ok(a == b)
            }
            "Fn::Not" => Ok(!self.condition(arguments().first().unwrap_or(&Json::Null))?),
            "Fn::And" => arguments()
                .iter()
                .try_fold(true, |all, item| Ok(all && self.condition(item)?)),
            "Fn::Or" => arguments()
                .iter()
                .try_fold(false, |any, item| Ok(any || self.condition(item)?)),
            other => Err(shape(format!("unsupported condition function {other}"))),
        }
    }

    /// Resolves every intrinsic function in `value`. `None` is `AWS::NoValue`.
    pub fn resolve(&self, value: &Json) -> Result<Option<Json>, TemplateError> {
        if let Some((function, argument)) = single_key(value) {
            match function {
                "Ref" => {
                    let name = argument.as_str().unwrap_or_default();
                    if name == "AWS::NoValue" {
                        return Ok(None);
                    }
                    if let Some(parameter) = self.parameters.get(name) {
                        return Ok(Some(parameter.clone()));
                    }
                    return self
                        .refs
                        .get(name)
                        .map(|v| Some(Json::String(v.clone())))
                        .ok_or_else(|| shape(format!("the local stage has no value for !Ref {name}")));
                }
                "Fn::GetAtt" => {
                    let parts: Vec<&str> = argument
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Json::as_str)
                        .collect();
                    let key = parts.join(".");
                    return self
                        .attributes
                        .get(&key)
                        .map(|v| Some(Json::String(v.clone())))
                        .ok_or_else(|| shape(format!("the local stage has no value for !GetAtt {key}")));
                }
                "Fn::Sub" => {
                    let (text, variables) = match argument {
                        Json::String(text) => (text.as_str(), Map::new()),
                        Json::Array(items) => (
                            items.first().and_then(Json::as_str).unwrap_or_default(),
                            items.get(1).and_then(Json::as_object).cloned().unwrap_or_default(),
                        ),
                        _ => return Err(shape("Fn::Sub takes a string or [string, variables]")),
                    };
                    return Ok(Some(Json::String(self.substitute(text, &variables)?)));
                }
                "Fn::If" => {
                    let items = argument.as_array().cloned().unwrap_or_default();
                    if items.len() != 3 {
                        return Err(shape("Fn::If takes [condition, then, else]"));
                    }
                    let name = items[0].as_str().unwrap_or_default();
                    let holds = self
                        .conditions
                        .get(name)
                        .copied()
                        .ok_or_else(|| shape(format!("unknown condition {name}")))?;
                    return self.resolve(&items[if holds { 1 } else { 2 }]);
                }
                "Fn::Join" => {
                    let items = argument.as_array().cloned().unwrap_or_default();
                    let separator = items.first().and_then(Json::as_str).unwrap_or_default();
                    let list = match items.get(1).map(|list| self.resolve(list)).transpose()?.flatten() {
                        Some(Json::Array(list)) => list,
                        _ => Vec::new(),
                    };
                    let parts: Vec<String> = list.iter().map(scalar_text).collect();
                    return Ok(Some(Json::String(parts.join(separator))));
                }
                _ if function.starts_with("Fn::") => {
                    return Err(shape(format!("the local stage does not evaluate {function}")));
                }
                _ => {}
            }
        }
        Ok(Some(match value {
            Json::Object(object) => {
                let mut resolved = Map::new();
                for (key, item) in object {
                    if let Some(item) = self.resolve(item)? {
                        resolved.insert(key.clone(), item);
                    }
                }
                Json::Object(resolved)
            }
            Json::Array(items) => {
                let mut resolved = Vec::new();
                for item in items {
                    if let Some(item) = self.resolve(item)? {
                        resolved.push(item);
                    }
                }
                Json::Array(resolved)
            }
            other => other.clone(),
        }))
    }

    fn substitute(&self, text: &str, variables: &Map<String, Json>) -> Result<String, TemplateError> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| shape(format!("unclosed ${{ in Fn::Sub {text:?}")))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(value) = variables.get(name) {
                let value = self.resolve(value)?.unwrap_or(Json::Null);
                out.push_str(&scalar_text(&value));
            } else if let Some((resource, attribute)) = name.split_once('.')
                && !name.starts_with("AWS::")
            {
                let value = self.resolve(&json!({"Fn::GetAtt": [resource, attribute]}))?;
                out.push_str(&scalar_text(&value.unwrap_or(Json::Null)));
            } else {
                let value = self.resolve(&json!({ "Ref": name }))?;
                out.push_str(&scalar_text(&value.unwrap_or(Json::Null)));
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Resolves to a string (numbers as written).
    pub fn string(&self, value: &Json) -> Result<String, TemplateError> {
        Ok(scalar_text(&self.resolve(value)?.unwrap_or(Json::Null)))
    }

    /// Resolves to an integer (CloudFormation numbers may be strings).
    pub fn integer(&self, value: &Json, what: &str) -> Result<i64, TemplateError> {
        let text = self.string(value)?;
        text.trim()
            .parse()
            .map_err(|_| shape(format!("{what}: expected a whole number, got {text:?}")))
    }
}

fn single_key(value: &Json) -> Option<(&str, &Json)> {
    let object = value.as_object()?;
    if object.len() != 1 {
        return None;
    }
    object.iter().next().map(|(key, value)| (key.as_str(), value))
}

/// A scalar as CloudFormation turns it into a string.
pub fn scalar_text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// One route of the HTTP API.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// `POST`, `GET`, ...
    pub method: String,
    /// The OpenAPI path, e.g. `/submit/{streamName}/{eventId}`.
    pub path: String,
    /// Authorizer name, when the route is authorized.
    pub authorizer: Option<String>,
    /// `integrationSubtype` (only `Kinesis-PutRecord` is emulated).
    pub integration_subtype: String,
    /// The integration's request parameters (unresolved mapping expressions).
    pub request_parameters: BTreeMap<String, String>,
    /// Logical id of the role the integration assumes.
    pub credentials_role: Option<String>,
}

/// A Lambda authorizer of the HTTP API.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizerSpec {
    /// Its name in the template.
    pub name: String,
    /// Logical id of the function.
    pub function: String,
    /// Identity source headers (lowercase).
    pub identity_headers: Vec<String>,
    /// Result cache TTL in seconds (0 = off).
    pub ttl_seconds: u64,
    /// `AuthorizerPayloadFormatVersion`.
    pub payload_format_version: String,
    /// `EnableSimpleResponses`.
    pub simple_responses: bool,
}

/// A function of the template.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSpec {
    /// Logical id.
    pub logical_id: String,
    /// The cargo binary (`Metadata.BuildProperties.Binary`).
    pub binary: String,
    /// Environment variables, unresolved.
    pub environment: BTreeMap<String, Json>,
    /// Timeout in seconds.
    pub timeout_seconds: u64,
    /// Memory size in MB.
    pub memory_mb: u64,
    /// `LoggingConfig.LogFormat` (`JSON` or `Text`).
    pub log_format: Option<String>,
    /// `LoggingConfig.ApplicationLogLevel`.
    pub log_level: Option<String>,
}

/// The event source mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingSpec {
    /// Logical id of the function it invokes.
    pub function: String,
    /// Logical id of the stream it reads.
    pub stream: String,
    /// `TRIM_HORIZON` or `LATEST`.
    pub starting_position: String,
    /// Most records per batch.
    pub batch_size: usize,
    /// Longest wait to fill a batch.
    pub batching_window_seconds: u64,
    /// Concurrent batches per shard.
    pub parallelization_factor: u64,
    /// Retries before the on-failure destination (-1 = infinite).
    pub maximum_retry_attempts: i64,
    /// Oldest record age before the on-failure destination (-1 = infinite).
    pub maximum_record_age_seconds: i64,
    /// Split the batch on function errors.
    pub bisect_on_error: bool,
    /// `ReportBatchItemFailures` is on.
    pub report_batch_item_failures: bool,
    /// Logical id of the on-failure queue.
    pub on_failure_queue: Option<String>,
}

/// What the local stage emulates of the template.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The whole template, long form.
    pub template: Json,
    /// Logical id of the HTTP API.
    pub api: String,
    /// Its routes.
    pub routes: Vec<Route>,
    /// Its authorizers, by name.
    pub authorizers: BTreeMap<String, AuthorizerSpec>,
    /// Functions, by logical id.
    pub functions: BTreeMap<String, FunctionSpec>,
    /// The stream: logical id, name, shard count.
    pub stream: (String, String, usize),
    /// The table: logical id, hash key name.
    pub table: (String, String),
    /// The queue's logical id.
    pub queue: String,
    /// The secret: logical id, its generated JSON's fixed part (the username) and generated key.
    pub secret: (String, Json, String),
    /// The event source mapping.
    pub mapping: MappingSpec,
    /// Streams the integration role may put records on (logical ids), when a role restricts it.
    pub integration_streams: Vec<String>,
    /// What the template declares that the local stage does not emulate.
    pub not_emulated: Vec<String>,
}

fn resources_of<'a>(template: &'a Json, kind: &str) -> Vec<(&'a String, &'a Json)> {
    template
        .get("Resources")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, resource)| resource.get("Type").and_then(Json::as_str) == Some(kind))
        .collect()
}

fn one_of<'a>(template: &'a Json, kind: &str) -> Result<(&'a String, &'a Json), TemplateError> {
    let mut found = resources_of(template, kind);
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(shape(format!("no {kind} resource"))),
        n => Err(shape(format!("{n} {kind} resources; the local stage emulates one"))),
    }
}

fn properties(resource: &Json) -> &Json {
    resource.get("Properties").unwrap_or(&Json::Null)
}

fn logical_of_get_att(value: &Json) -> Option<String> {
    value
        .get("Fn::GetAtt")
        .and_then(|v| v.get(0))
        .and_then(Json::as_str)
        .map(str::to_string)
}

fn logical_of_ref(value: &Json) -> Option<String> {
    value.get("Ref").and_then(Json::as_str).map(str::to_string)
}

impl Plan {
    /// Extracts the plan from a long-form template.
    pub fn from_template(template: Json) -> Result<Plan, TemplateError> {
        let resolver = Resolver::new(&template)?;
        let mut not_emulated = Vec::new();

        // Functions, with Globals.Function merged in.
        let globals = template
            .pointer("/Globals/Function")
            .and_then(Json::as_object)
            .cloned()
            .unwrap_or_default();
        let mut functions = BTreeMap::new();
        for (logical_id, resource) in resources_of(&template, "AWS::Serverless::Function") {
            let mut merged = globals.clone();
            if let Some(own) = properties(resource).as_object() {
                merged.extend(own.clone());
            }
            let merged = Json::Object(merged);
            let binary = resource
                .pointer("/Metadata/BuildProperties/Binary")
                .and_then(Json::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| logical_id.to_lowercase());
            let environment = merged
                .pointer("/Environment/Variables")
                .and_then(Json::as_object)
                .map(|vars| vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            let number = |key: &str, default: i64| -> Result<u64, TemplateError> {
                match merged.get(key) {
                    Some(value) => Ok(resolver.integer(value, &format!("{logical_id}.{key}"))?.max(1) as u64),
                    None => Ok(default as u64),
                }
            };
            let text = |pointer: &str| -> Result<Option<String>, TemplateError> {
                merged.pointer(pointer).map(|value| resolver.string(value)).transpose()
            };
            if merged.get("Events").is_some() {
                not_emulated.push(format!(
                    "{logical_id}.Events (only AWS::Lambda::EventSourceMapping is emulated)"
                ));
            }
            functions.insert(
                logical_id.clone(),
                FunctionSpec {
                    logical_id: logical_id.clone(),
                    binary,
                    environment,
                    timeout_seconds: number("Timeout", 3)?,
                    memory_mb: number("MemorySize", 128)?,
                    log_format: text("/LoggingConfig/LogFormat")?,
                    log_level: text("/LoggingConfig/ApplicationLogLevel")?,
                },
            );
        }

        // The HTTP API: routes from its OpenAPI body, authorizers from Auth.
        let (api, api_resource) = one_of(&template, "AWS::Serverless::HttpApi")?;
        let api_id = api.clone();
        let api_properties = properties(api_resource);
        let default_authorizer = api_properties
            .pointer("/Auth/DefaultAuthorizer")
            .and_then(Json::as_str)
            .map(str::to_string);
        let mut authorizers = BTreeMap::new();
        if let Some(declared) = api_properties.pointer("/Auth/Authorizers").and_then(Json::as_object) {
            for (name, spec) in declared {
                let function = spec
                    .get("FunctionArn")
                    .and_then(logical_of_get_att)
                    .ok_or_else(|| shape(format!("authorizer {name}: FunctionArn must be !GetAtt Function.Arn")))?;
                let identity_headers = spec
                    .pointer("/Identity/Headers")
                    .and_then(Json::as_array)
                    .map(|headers| headers.iter().filter_map(Json::as_str).map(str::to_lowercase).collect())
                    .unwrap_or_else(|| vec!["authorization".to_string()]);
                let ttl_seconds = match spec.pointer("/Identity/ReauthorizeEvery") {
                    Some(value) => resolver.integer(value, "ReauthorizeEvery")?.clamp(0, 3600) as u64,
                    None => 300,
                };
                authorizers.insert(
                    name.clone(),
                    AuthorizerSpec {
                        name: name.clone(),
                        function,
                        identity_headers,
                        ttl_seconds,
                        payload_format_version: spec
                            .get("AuthorizerPayloadFormatVersion")
                            .map(|v| resolver.string(v))
                            .transpose()?
                            .unwrap_or_else(|| "2.0".into()),
                        simple_responses: spec
                            .get("EnableSimpleResponses")
                            .and_then(Json::as_bool)
                            .unwrap_or(false),
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
            for (method, operation) in methods.as_object().into_iter().flatten() {
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
                let credentials_role = integration.get("credentials").and_then(logical_of_get_att);
                if let Some(role) = &credentials_role {
                    integration_roles.push(role.clone());
                }
                routes.push(Route {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    authorizer,
                    integration_subtype: integration
                        .get("integrationSubtype")
                        .and_then(Json::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    request_parameters: integration
                        .get("requestParameters")
                        .and_then(Json::as_object)
                        .map(|p| p.iter().map(|(k, v)| (k.clone(), scalar_text(v))).collect())
                        .unwrap_or_default(),
                    credentials_role,
                });
            }
        }
        for (key, what) in [
            ("DefaultRouteSettings", "stage throttling (DefaultRouteSettings)"),
            ("AccessLogSettings", "access logging (AccessLogSettings)"),
        ] {
            if api_properties.get(key).is_some() {
                not_emulated.push(what.to_string());
            }
        }

        // Streams the integration role may write to.
        let mut integration_streams = Vec::new();
        for role in integration_roles {
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
                integration_streams.extend(resources.iter().filter_map(logical_of_get_att));
            }
        }

        let (stream_id, stream) = one_of(&template, "AWS::Kinesis::Stream")?;
        let stream_properties = properties(stream);
        let stream_name = match stream_properties.get("Name") {
            Some(name) => resolver.string(name)?,
            None => format!("{LOCAL_STACK}-{stream_id}"),
        };
        let shards = match stream_properties.get("ShardCount") {
            Some(count) => resolver.integer(count, "ShardCount")?.max(1) as usize,
            None => 1,
        };
        if stream_properties.get("StreamEncryption").is_some() {
            not_emulated.push(format!(
                "{stream_id}.StreamEncryption (moto stores records unencrypted)"
            ));
        }

        let (table_id, table) = one_of(&template, "AWS::DynamoDB::Table")?;
        let hash_key = properties(table)
            .get("KeySchema")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .find(|key| key.get("KeyType").and_then(Json::as_str) == Some("HASH"))
            .and_then(|key| key.get("AttributeName"))
            .and_then(Json::as_str)
            .ok_or_else(|| shape(format!("{table_id}: no HASH key")))?
            .to_string();
        for key in ["PointInTimeRecoverySpecification", "SSESpecification"] {
            if properties(table).get(key).is_some() {
                not_emulated.push(format!("{table_id}.{key}"));
            }
        }

        let queue_id = one_of(&template, "AWS::SQS::Queue")?.0.clone();

        let (secret_id, secret) = one_of(&template, "AWS::SecretsManager::Secret")?;
        let generate = properties(secret).get("GenerateSecretString").unwrap_or(&Json::Null);
        let fixed = match generate.get("SecretStringTemplate") {
            Some(text) => serde_json::from_str(&resolver.string(text)?)
                .map_err(|e| shape(format!("{secret_id}.SecretStringTemplate is not JSON: {e}")))?,
            None => json!({}),
        };
        let generated_key = generate
            .get("GenerateStringKey")
            .and_then(Json::as_str)
            .unwrap_or("password")
            .to_string();

        let (_, mapping) = one_of(&template, "AWS::Lambda::EventSourceMapping")?;
        let m = properties(mapping);
        let int = |key: &str, default: i64| -> Result<i64, TemplateError> {
            m.get(key).map_or(Ok(default), |v| resolver.integer(v, key))
        };
        let mapping = MappingSpec {
            function: m
                .get("FunctionName")
                .and_then(logical_of_ref)
                .ok_or_else(|| shape("EventSourceMapping.FunctionName must be !Ref Function"))?,
            stream: m
                .get("EventSourceArn")
                .and_then(logical_of_get_att)
                .ok_or_else(|| shape("EventSourceMapping.EventSourceArn must be !GetAtt Stream.Arn"))?,
            starting_position: m
                .get("StartingPosition")
                .map(|v| resolver.string(v))
                .transpose()?
                .unwrap_or_else(|| "TRIM_HORIZON".into()),
            batch_size: int("BatchSize", 100)?.clamp(1, 10_000) as usize,
            batching_window_seconds: int("MaximumBatchingWindowInSeconds", 0)?.clamp(0, 300) as u64,
            parallelization_factor: int("ParallelizationFactor", 1)?.clamp(1, 10) as u64,
            maximum_retry_attempts: int("MaximumRetryAttempts", -1)?,
            maximum_record_age_seconds: int("MaximumRecordAgeInSeconds", -1)?,
            bisect_on_error: m
                .get("BisectBatchOnFunctionError")
                .and_then(Json::as_bool)
                .unwrap_or(false),
            report_batch_item_failures: m
                .get("FunctionResponseTypes")
                .and_then(Json::as_array)
                .is_some_and(|types| types.iter().any(|t| t == "ReportBatchItemFailures")),
            on_failure_queue: m
                .pointer("/DestinationConfig/OnFailure/Destination")
                .and_then(logical_of_get_att),
        };
        if mapping.parallelization_factor > 1 {
            not_emulated.push("ParallelizationFactor > 1 (each shard is read by one batch at a time)".into());
        }
        if !resources_of(&template, "AWS::CloudWatch::Alarm").is_empty() {
            not_emulated.push("CloudWatch alarms".into());
        }
        not_emulated.push("IAM (roles are not enforced, except the integration role's stream restriction)".into());
        not_emulated.push("log groups and retention (function logs go to this terminal)".into());

        Ok(Plan {
            api: api_id,
            routes,
            authorizers,
            functions,
            stream: (stream_id.clone(), stream_name, shards),
            table: (table_id.clone(), hash_key),
            queue: queue_id,
            secret: (secret_id.clone(), fixed, generated_key),
            mapping,
            integration_streams,
            not_emulated,
            // Last: the fields above borrow from it.
            template,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_template() -> Json {
        load(&motoserver::workspace_root().join("template.yaml")).expect("template.yaml")
    }

    #[test]
    fn short_form_tags_become_long_form() {
        let t = parse("A: !Ref X\nB: !GetAtt R.Arn\nC: !Sub 'x-${Y}'\nD: !If [c, 1, !Ref AWS::NoValue]\n").unwrap();
        assert_eq!(t["A"], json!({"Ref": "X"}));
        assert_eq!(t["B"], json!({"Fn::GetAtt": ["R", "Arn"]}));
        assert_eq!(t["C"], json!({"Fn::Sub": "x-${Y}"}));
        assert_eq!(t["D"], json!({"Fn::If": ["c", 1, {"Ref": "AWS::NoValue"}]}));
    }

    #[test]
    fn resolver_evaluates_refs_subs_and_conditions() {
        let t = parse(
            "Parameters:\n  N: {Type: Number, Default: 0}\n  U: {Type: String, Default: bob}\n\
             Conditions:\n  Zero: !Equals [!Ref N, 0]\n  NotZero: !Not [!Condition Zero]\n",
        )
        .unwrap();
        let mut r = Resolver::new(&t).unwrap();
        assert!(r.conditions["Zero"]);
        assert!(!r.conditions["NotZero"]);
        r.attributes.insert("Q.Arn".into(), "arn:q".into());
        assert_eq!(
            r.string(&json!({"Fn::Sub": "${AWS::StackName}-${U}-${Q.Arn}-${!Literal}"}))
                .unwrap(),
            "streamgate-local-bob-arn:q-${Literal}"
        );
        assert_eq!(
            r.resolve(&json!({"Fn::If": ["Zero", {"Ref": "AWS::NoValue"}, 1]}))
                .unwrap(),
            None
        );
        assert_eq!(
            r.resolve(&json!({"a": {"Ref": "AWS::NoValue"}, "b": 1})).unwrap(),
            Some(json!({"b": 1}))
        );
        assert!(r.resolve(&json!({"Ref": "Missing"})).is_err());
    }

    #[test]
    fn plan_of_the_repository_template() {
        let plan = Plan::from_template(repo_template()).unwrap();
        assert_eq!(plan.routes.len(), 1);
        let route = &plan.routes[0];
        assert_eq!(
            (route.method.as_str(), route.path.as_str()),
            ("POST", "/submit/{streamName}/{eventId}")
        );
        assert_eq!(route.authorizer.as_deref(), Some("BasicAuthorizer"));
        assert_eq!(route.integration_subtype, "Kinesis-PutRecord");
        assert_eq!(route.request_parameters["PartitionKey"], "$request.path.eventId");
        let authorizer = &plan.authorizers["BasicAuthorizer"];
        assert_eq!(authorizer.function, "AuthorizerFunction");
        assert_eq!(authorizer.identity_headers, vec!["authorization"]);
        assert_eq!(authorizer.ttl_seconds, 300);
        assert!(authorizer.simple_responses);
        assert_eq!(plan.functions["AuthorizerFunction"].binary, "authorizer");
        assert_eq!(plan.functions["ConsumerFunction"].binary, "consumer");
        assert_eq!(plan.functions["ConsumerFunction"].timeout_seconds, 60);
        assert_eq!(plan.stream, ("EventStream".into(), "streamgate-local-events".into(), 1));
        assert_eq!(plan.table.1, "eventId");
        assert_eq!(plan.mapping.batch_size, 100);
        assert!(plan.mapping.bisect_on_error && plan.mapping.report_batch_item_failures);
        assert_eq!(plan.mapping.on_failure_queue.as_deref(), Some("DeadLetterQueue"));
        assert_eq!(plan.integration_streams, vec!["EventStream"]);
        assert_eq!(plan.secret.1, json!({"username": "streamgate"}));
        assert!(plan.not_emulated.iter().any(|n| n.contains("throttling")));
    }
}
