//! [`Plan::from_template`]: what the local stage emulates of the template, as the typed specs of
//! [`super::specs`], and the list of what it declares but the stage ignores.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::intrinsics::{LOCAL_STACK, Resolver, scalar_text};
use super::properties::*;
pub use super::specs::*;
use super::{TemplateError, shape};

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
        let functions = functions(&template, &resolver, &mut not_emulated)?;
        let rotation = rotation(&template, &resolver, &functions, &mut not_emulated)?;
        let (api, authorizers, routes, integration_roles) = http_api(&template, &resolver, &mut not_emulated)?;

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
        let stream_properties: StreamProperties = typed(stream_id, properties(stream))?;
        let stream = StreamSpec {
            logical_id: stream_id.clone(),
            name: match &stream_properties.name {
                Some(name) => resolver.string(name)?,
                None => format!("{LOCAL_STACK}-{stream_id}"),
            },
            shard_count: match &stream_properties.shard_count {
                Some(count) => resolver.integer(count, "ShardCount")?.max(1) as usize,
                None => 1,
            },
        };
        if stream_properties.stream_encryption.is_some() {
            not_emulated.push(format!(
                "{stream_id}.StreamEncryption (moto stores records unencrypted)"
            ));
        }

        let (table_id, table) = one_of(&template, "AWS::DynamoDB::Table")?;
        let table_properties: TableProperties = typed(table_id, properties(table))?;
        let hash_key = table_properties
            .key_schema
            .iter()
            .find(|key| key.key_type == "HASH")
            .map(|key| key.attribute_name.clone())
            .ok_or_else(|| shape(format!("{table_id}: no HASH key")))?;
        if table_properties.point_in_time_recovery_specification.is_some() {
            not_emulated.push(format!("{table_id}.PointInTimeRecoverySpecification"));
        }
        if table_properties.sse_specification.is_some() {
            not_emulated.push(format!("{table_id}.SSESpecification"));
        }

        let (queue_id, queue) = one_of(&template, "AWS::SQS::Queue")?;
        let mut queue_attributes = BTreeMap::new();
        for key in ["MaximumMessageSize", "MessageRetentionPeriod", "VisibilityTimeout"] {
            if let Some(value) = properties(queue).get(key) {
                queue_attributes.insert(key.to_string(), resolver.string(value)?);
            }
        }

        let (secret_id, secret) = one_of(&template, "AWS::SecretsManager::Secret")?;
        let generate = typed::<SecretProperties>(secret_id, properties(secret))?.generate_secret_string;
        let fixed = match &generate.secret_string_template {
            Some(text) => serde_json::from_str(&resolver.string(text)?)
                .map_err(|e| shape(format!("{secret_id}.SecretStringTemplate is not JSON: {e}")))?,
            None => Map::new(),
        };

        let mapping = mapping(&template, &resolver)?;
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
            api,
            routes,
            authorizers,
            functions,
            stream,
            table: TableSpec {
                logical_id: table_id.clone(),
                hash_key,
            },
            queue: QueueSpec {
                logical_id: queue_id.clone(),
                attributes: queue_attributes,
            },
            secret: SecretSpec {
                logical_id: secret_id.clone(),
                fixed,
                generated_key: generate.generate_string_key.unwrap_or_else(|| "password".into()),
            },
            rotation,
            mapping,
            integration_streams,
            not_emulated,
            // Last: the fields above borrow from it.
            template,
        })
    }
}

/// The functions, with `Globals.Function` merged in.
fn functions(
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

/// Secrets Manager's service principal, as a Lambda permission names it.
const SECRETS_MANAGER: &str = "secretsmanager.amazonaws.com";

/// The secret's rotation: the function Secrets Manager may invoke (`AWS::Lambda::Permission`) and the
/// `AWS::SecretsManager::RotationSchedule`, if these parameters keep one. Neither is enforced or
/// scheduled here: the invoke API serves any caller, and a rotation runs when asked.
fn rotation(
    template: &Json,
    resolver: &Resolver,
    functions: &BTreeMap<String, FunctionSpec>,
    not_emulated: &mut Vec<String>,
) -> Result<Option<RotationSpec>, TemplateError> {
    let function_of = |value: &Json| logical_of_ref(value).or_else(|| logical_of_get_att(value));
    // (function, secret) of each permission for Secrets Manager.
    let mut invokable = Vec::new();
    let permissions = resources_of(template, "AWS::Lambda::Permission");
    for (logical_id, resource) in &permissions {
        let declared: PermissionProperties = typed(logical_id, properties(resource))?;
        if resolver.string(&declared.principal)? != SECRETS_MANAGER {
            continue;
        }
        let function = function_of(&declared.function_name).ok_or_else(|| {
            shape(format!(
                "{logical_id}.FunctionName must be !Ref Function or !GetAtt Function.Arn"
            ))
        })?;
        invokable.push((function, declared.source_arn.as_ref().and_then(logical_of_ref)));
    }
    if !permissions.is_empty() {
        not_emulated.push("Lambda permissions (AWS::Lambda::Permission: the invoke API serves any caller)".into());
    }
    let schedules = resources_of(template, "AWS::SecretsManager::RotationSchedule");
    let (function, secret, automatically_after_days) = match schedules.as_slice() {
        [] => match invokable.as_slice() {
            [] => return Ok(None),
            [(function, secret)] => (function.clone(), secret.clone(), None),
            _ => {
                return Err(shape(
                    "more than one function that Secrets Manager may invoke; the local stage rotates with one",
                ));
            }
        },
        [(logical_id, resource)] => {
            let declared: RotationScheduleProperties = typed(logical_id, properties(resource))?;
            if declared.hosted_rotation_lambda.is_some() {
                return Err(shape(format!(
                    "{logical_id}.HostedRotationLambda: the local stage runs the template's own functions only"
                )));
            }
            let function = declared
                .rotation_lambda_arn
                .as_ref()
                .and_then(function_of)
                .ok_or_else(|| shape(format!("{logical_id}.RotationLambdaARN must be !GetAtt Function.Arn")))?;
            let rules = declared.rotation_rules.unwrap_or_default();
            let days = rules
                .automatically_after_days
                .as_ref()
                .map(|days| resolver.integer(days, &format!("{logical_id}.RotationRules.AutomaticallyAfterDays")))
                .transpose()?
                .map(|days| days.clamp(1, 1000) as u64);
            let every = match (days, &rules.schedule_expression) {
                (Some(days), _) => format!("every {days} days"),
                (None, Some(expression)) => resolver.string(expression)?,
                (None, None) => "on its schedule".into(),
            };
            not_emulated.push(format!(
                "{logical_id}: rotation {every} (nothing is scheduled here: `streamgate credentials rotate` runs {function})"
            ));
            let secret = logical_of_ref(&declared.secret_id).or_else(|| {
                invokable
                    .iter()
                    .find(|(invoked, _)| *invoked == function)
                    .and_then(|(_, secret)| secret.clone())
            });
            (function, secret, days)
        }
        many => {
            return Err(shape(format!(
                "{} AWS::SecretsManager::RotationSchedule resources; the local stage reads one",
                many.len()
            )));
        }
    };
    if !functions.contains_key(&function) {
        return Err(shape(format!(
            "the rotation function {function} is not an AWS::Serverless::Function of the template"
        )));
    }
    Ok(Some(RotationSpec {
        function,
        secret,
        automatically_after_days,
    }))
}

type HttpApi = (String, BTreeMap<String, AuthorizerSpec>, Vec<Route>, Vec<String>);

/// The HTTP API: routes from its OpenAPI body, authorizers from `Auth`, and the integration roles.
fn http_api(template: &Json, resolver: &Resolver, not_emulated: &mut Vec<String>) -> Result<HttpApi, TemplateError> {
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
    Ok((api.clone(), authorizers, routes, integration_roles))
}

/// Reads `x-amazon-apigateway-integration`.
fn integration_of(integration: &Json, resolver: &Resolver) -> Result<Integration, TemplateError> {
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
fn function_of_invocation_uri(uri: &Json) -> Option<String> {
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

/// The event source mapping's settings, with AWS's defaults and ranges.
fn mapping(template: &Json, resolver: &Resolver) -> Result<MappingSpec, TemplateError> {
    let (logical_id, resource) = one_of(template, "AWS::Lambda::EventSourceMapping")?;
    let m: MappingProperties = typed(logical_id, properties(resource))?;
    let int = |value: &Option<Json>, key: &str, default: i64| -> Result<i64, TemplateError> {
        value.as_ref().map_or(Ok(default), |v| resolver.integer(v, key))
    };
    Ok(MappingSpec {
        function: logical_of_ref(&m.function_name)
            .ok_or_else(|| shape("EventSourceMapping.FunctionName must be !Ref Function"))?,
        stream: logical_of_get_att(&m.event_source_arn)
            .ok_or_else(|| shape("EventSourceMapping.EventSourceArn must be !GetAtt Stream.Arn"))?,
        starting_position: m
            .starting_position
            .map(|v| resolver.string(&v))
            .transpose()?
            .unwrap_or_else(|| "TRIM_HORIZON".into()),
        batch_size: int(&m.batch_size, "BatchSize", 100)?.clamp(1, 10_000) as usize,
        batching_window_seconds: int(
            &m.maximum_batching_window_in_seconds,
            "MaximumBatchingWindowInSeconds",
            0,
        )?
        .clamp(0, 300) as u64,
        parallelization_factor: int(&m.parallelization_factor, "ParallelizationFactor", 1)?.clamp(1, 10) as u64,
        maximum_retry_attempts: int(&m.maximum_retry_attempts, "MaximumRetryAttempts", -1)?,
        maximum_record_age_seconds: int(&m.maximum_record_age_in_seconds, "MaximumRecordAgeInSeconds", -1)?,
        bisect_on_error: m
            .bisect_batch_on_function_error
            .map(|v| resolver.string(&v))
            .transpose()?
            .is_some_and(|v| v == "true"),
        report_batch_item_failures: m.function_response_types.iter().any(|t| t == "ReportBatchItemFailures"),
        on_failure_queue: m
            .destination_config
            .and_then(|d| d.on_failure)
            .and_then(|f| logical_of_get_att(&f.destination)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::load;
    use serde_json::json;

    fn repo_template() -> Json {
        load(&motoserver::workspace_root().join("template.yaml")).expect("template.yaml")
    }

    #[test]
    fn plan_of_the_repository_template() {
        let plan = Plan::from_template(repo_template()).unwrap();
        let keys: Vec<String> = plan.routes.iter().map(Route::key).collect();
        assert_eq!(
            keys,
            [
                "GET /streams",
                "GET /streams/{streamName}",
                "PUT /streams/{streamName}/record",
                "PUT /streams/{streamName}/records",
                "POST /submit/{streamName}/{eventId}",
            ],
            "POST and DELETE /streams/{{streamName}} are off by default"
        );
        assert!(
            plan.routes
                .iter()
                .all(|r| r.authorizer.as_deref() == Some("BasicAuthorizer"))
        );
        let submit = plan.routes.iter().find(|r| r.method == "POST").unwrap();
        let Integration::KinesisPutRecord { request_parameters, .. } = &submit.integration else {
            panic!("submit is a Kinesis-PutRecord integration: {submit:?}");
        };
        assert_eq!(request_parameters["PartitionKey"], "$request.path.eventId");
        assert_eq!(
            plan.routes[0].integration,
            Integration::LambdaProxy {
                function: "StreamsFunction".into(),
                payload_format_version: "2.0".into()
            }
        );
        assert_eq!(plan.functions["StreamsFunction"].binary, "streams");
        assert_eq!(plan.authorizers.keys().collect::<Vec<_>>(), ["BasicAuthorizer"]);
        let authorizer = &plan.authorizers["BasicAuthorizer"];
        assert_eq!(authorizer.function, "AuthorizerFunction");
        assert_eq!(authorizer.identity_headers, vec!["authorization"]);
        assert_eq!(
            authorizer.identity_context,
            ["routeKey", "path"],
            "a cached allow must not open another route or stream"
        );
        assert_eq!(authorizer.ttl_seconds, 300);
        assert!(authorizer.simple_responses);
        assert_eq!(plan.functions["AuthorizerFunction"].binary, "authorizer");
        let consumer = &plan.functions["ConsumerFunction"];
        assert_eq!(consumer.binary, "consumer");
        assert_eq!(consumer.timeout_seconds, 60);
        assert!(consumer.logging.json);
        assert!(consumer.logging.platform_info(), "REPORT lines must reach the logs");
        assert_eq!(
            plan.stream,
            StreamSpec {
                logical_id: "EventStream".into(),
                name: "streamgate-local-events".into(),
                shard_count: 1
            }
        );
        assert_eq!(plan.table.hash_key, "eventId");
        assert_eq!(plan.queue.attributes["MaximumMessageSize"], "1048576");
        assert_eq!(plan.mapping.batch_size, 100);
        assert!(plan.mapping.bisect_on_error && plan.mapping.report_batch_item_failures);
        assert_eq!(plan.mapping.on_failure_queue.as_deref(), Some("DeadLetterQueue"));
        assert_eq!(plan.integration_streams, vec!["EventStream"]);
        assert_eq!(
            plan.secret.fixed,
            json!({"username": "streamgate"}).as_object().cloned().unwrap()
        );
        assert!(plan.not_emulated.iter().any(|n| n.contains("throttling")));
    }

    fn plan_with(overrides: &[(&str, &str)]) -> Result<Plan, TemplateError> {
        let mut template = repo_template();
        let overrides: BTreeMap<String, String> =
            overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        crate::template::parameters::apply_overrides(&mut template, &overrides)?;
        Plan::from_template(template)
    }

    fn with(overrides: &[(&str, &str)]) -> Plan {
        plan_with(overrides).unwrap()
    }

    const TOPIC_ROUTES: [&str; 4] = [
        "GET /topics",
        "GET /topics/{topic}",
        "POST /topics/{topic}",
        "POST /topics/{topic}/partitions/{partition}",
    ];

    fn topic_routes(plan: &Plan) -> Vec<&Route> {
        plan.routes.iter().filter(|r| r.path.starts_with("/topics")).collect()
    }

    #[test]
    fn parameters_turn_routes_and_their_function_on_and_off() {
        let off = with(&[("StreamsApi", "false")]);
        assert_eq!(off.routes.len(), 1);
        assert!(!off.functions.contains_key("StreamsFunction"));
        let managed = with(&[("StreamManagement", "true")]);
        let keys: Vec<String> = managed.routes.iter().map(Route::key).collect();
        assert!(keys.contains(&"POST /streams/{streamName}".to_string()));
        assert!(keys.contains(&"DELETE /streams/{streamName}".to_string()));
        assert_eq!(
            managed.functions["StreamsFunction"].environment["STREAM_MANAGEMENT"],
            json!("true")
        );
        let default = with(&[]);
        assert!(topic_routes(&default).is_empty(), "no Kafka by default");
        assert!(!default.functions.contains_key("TopicsFunction"));
    }

    #[test]
    fn submit_integration_function_serves_submit_with_the_submit_function() {
        let direct = with(&[]);
        assert!(!direct.functions.contains_key("SubmitFunction"));
        let plan = with(&[("SubmitIntegration", "function")]);
        let submit = plan
            .routes
            .iter()
            .find(|r| r.key() == "POST /submit/{streamName}/{eventId}")
            .expect("the submit route");
        assert_eq!(
            submit.integration,
            Integration::LambdaProxy {
                function: "SubmitFunction".into(),
                payload_format_version: "2.0".into()
            }
        );
        assert_eq!(submit.authorizer.as_deref(), Some("BasicAuthorizer"));
        let function = &plan.functions["SubmitFunction"];
        assert_eq!(function.binary, "submit");
        assert_eq!(function.environment["INGESTION_STREAM"], json!({"Ref": "EventStream"}));
        assert!(
            plan.integration_streams.is_empty(),
            "no Kinesis-PutRecord role without the direct route"
        );
        assert!(plan_with(&[("SubmitIntegration", "lambda")]).is_err(), "AllowedValues");
    }

    #[test]
    fn the_topics_function_serves_the_topic_routes() {
        let plan = with(&[
            ("StreamsApi", "false"),
            ("KafkaBootstrapServers", "127.0.0.1:9092"),
            ("KafkaAuth", "none"),
        ]);
        let keys: Vec<String> = topic_routes(&plan).into_iter().map(Route::key).collect();
        assert_eq!(keys, TOPIC_ROUTES);
        for route in topic_routes(&plan) {
            assert_eq!(route.authorizer.as_deref(), Some("BasicAuthorizer"), "{}", route.key());
            assert_eq!(
                route.integration,
                Integration::LambdaProxy {
                    function: "TopicsFunction".into(),
                    payload_format_version: "2.0".into()
                },
                "{}",
                route.key()
            );
        }
        let submit = plan.routes.iter().find(|r| r.path.starts_with("/submit")).unwrap();
        assert_eq!(submit.authorizer.as_deref(), Some("BasicAuthorizer"));
        let function = &plan.functions["TopicsFunction"];
        assert_eq!(function.binary, "topics");
        assert_eq!(function.timeout_seconds, 29);
        assert_eq!(
            function.environment["KAFKA_SCRAM_SECRET"],
            json!(""),
            "decided: not scram"
        );
        let environment = |name: &str| plan.resolver.string(&function.environment[name]).unwrap();
        assert_eq!(environment("KAFKA_BOOTSTRAP_SERVERS"), "127.0.0.1:9092");
        assert_eq!(environment("KAFKA_AUTH"), "none");
        assert_eq!(environment("KAFKA_TOPIC_PATTERN"), "*");
        let authorizer = &plan.authorizers["BasicAuthorizer"];
        assert_eq!(authorizer.function, "AuthorizerFunction");
        assert_eq!(authorizer.identity_headers, ["authorization"]);
        assert_eq!(authorizer.identity_context, ["routeKey", "path"]);
        assert!(
            !plan.not_emulated.iter().any(|n| n.contains("VpcConfig")),
            "no subnets, no VPC"
        );

        let in_vpc = with(&[
            ("KafkaBootstrapServers", "10.0.1.5:9092"),
            ("KafkaAuth", "none"),
            ("KafkaSubnetIds", "subnet-0123456789abcdef0"),
            ("KafkaSecurityGroupIds", "sg-0123456789abcdef0"),
        ]);
        assert!(
            in_vpc
                .not_emulated
                .iter()
                .any(|n| n.starts_with("TopicsFunction.VpcConfig")),
            "{:?}",
            in_vpc.not_emulated
        );
    }

    #[test]
    fn a_rest_proxy_serves_the_topic_routes() {
        let plan = with(&[("StreamsApi", "false"), ("KafkaRestProxyUrl", "http://127.0.0.1:8082")]);
        let keys: Vec<String> = plan.routes.iter().map(Route::key).collect();
        assert_eq!(keys[0], "POST /submit/{streamName}/{eventId}");
        assert_eq!(keys[1..], TOPIC_ROUTES);
        let proxy = |uri: &str, method: &str| Integration::HttpProxy {
            uri: uri.into(),
            method: method.into(),
            timeout: std::time::Duration::from_secs(30),
        };
        let integrations: Vec<&Integration> = topic_routes(&plan).into_iter().map(|r| &r.integration).collect();
        assert_eq!(
            integrations,
            [
                &proxy("http://127.0.0.1:8082/topics", "GET"),
                &proxy("http://127.0.0.1:8082/topics/{topic}", "ANY"),
                &proxy("http://127.0.0.1:8082/topics/{topic}", "ANY"),
                &proxy("http://127.0.0.1:8082/topics/{topic}/partitions/{partition}", "POST"),
            ]
        );
        assert!(
            topic_routes(&plan)
                .iter()
                .all(|r| r.authorizer.as_deref() == Some("BasicAuthorizer"))
        );
        assert!(!plan.functions.contains_key("TopicsFunction"));
    }

    #[test]
    fn a_vpc_link_and_cors_are_listed_as_not_emulated() {
        let plan = with(&[
            ("KafkaRestProxyUrl", "https://kafka-rest.internal.example.com"),
            (
                "KafkaRestProxyListenerArn",
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/kafka-rest/50dc6c495c0c9188/f2f7dc8efc522ab2",
            ),
            ("KafkaSubnetIds", "subnet-0123456789abcdef0,subnet-0123456789abcdef1"),
            ("KafkaSecurityGroupIds", "sg-0123456789abcdef0"),
            ("CorsAllowOrigins", "https://app.example.com"),
        ]);
        for route in topic_routes(&plan) {
            assert!(
                matches!(&route.integration, Integration::NotEmulated(what) if what.contains("VPC link")),
                "{route:?}"
            );
        }
        let listed = |needle: &str| plan.not_emulated.iter().filter(|n| n.contains(needle)).count();
        assert_eq!(listed("VPC link"), 4, "{:?}", plan.not_emulated);
        assert_eq!(listed("CorsConfiguration"), 1, "{:?}", plan.not_emulated);
        assert!(!with(&[]).not_emulated.iter().any(|n| n.contains("CorsConfiguration")));
    }

    #[test]
    fn the_rules_refuse_both_kafka_modes_and_iam_without_its_cluster() {
        let refused = |overrides: &[(&str, &str)]| match plan_with(overrides) {
            Err(TemplateError::Parameter { name, message }) => format!("{name}: {message}"),
            other => panic!("{overrides:?} should be refused: {other:?}"),
        };
        let both = refused(&[
            ("KafkaBootstrapServers", "127.0.0.1:9092"),
            ("KafkaAuth", "none"),
            ("KafkaRestProxyUrl", "http://127.0.0.1:8082"),
        ]);
        assert!(both.starts_with("KafkaBootstrapServers, KafkaRestProxyUrl: "), "{both}");
        assert!(
            both.contains("not both") && both.ends_with("(rule OneKafkaMode)"),
            "{both}"
        );
        let iam = refused(&[("KafkaBootstrapServers", "127.0.0.1:9098")]);
        assert!(iam.contains("KafkaAuth=iam needs KafkaClusterArn"), "{iam}");
        let link = refused(&[
            ("KafkaRestProxyUrl", "https://kafka-rest.internal.example.com"),
            (
                "KafkaRestProxyListenerArn",
                "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-abcdef123456",
            ),
        ]);
        assert!(link.contains("needs KafkaSubnetIds"), "{link}");
        assert!(
            plan_with(&[("KafkaRestProxyUrl", "http://10.0.0.5:8082")]).is_err(),
            "plain http only on loopback"
        );
    }

    #[test]
    fn the_rotation_function_is_hosted_and_its_schedule_follows_the_days() {
        let mut plan = with(&[]);
        let function = &plan.functions["RotationFunction"];
        assert_eq!(function.binary, "rotation");
        assert_eq!((function.timeout_seconds, function.memory_mb), (30, 128));
        assert!(function.logging.json && function.logging.platform_info());
        assert_eq!(function.environment.keys().collect::<Vec<_>>(), ["CREDENTIALS_SECRET"]);
        assert_eq!(
            plan.rotation,
            Some(RotationSpec {
                function: "RotationFunction".into(),
                secret: Some("CredentialsSecret".into()),
                automatically_after_days: None,
            }),
            "no schedule by default, the function all the same"
        );
        assert!(!plan.not_emulated.iter().any(|n| n.contains("rotation every")));
        assert!(plan.not_emulated.iter().any(|n| n.starts_with("Lambda permissions")));
        // Provisioning names the secret: the function gets its ARN, as the authorizer does.
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:streamgate-local/CredentialsSecret-AbCdEf";
        plan.resolver.refs.insert("CredentialsSecret".into(), arn.into());
        let environment = &plan.functions["RotationFunction"].environment;
        assert_eq!(plan.resolver.string(&environment["CREDENTIALS_SECRET"]).unwrap(), arn);
        let authorizer = &plan.functions["AuthorizerFunction"].environment;
        assert_eq!(plan.resolver.string(&authorizer["CREDENTIALS_SECRET"]).unwrap(), arn);
        assert_eq!(
            plan.resolver.string(&authorizer["PREVIOUS_GRACE_MINUTES"]).unwrap(),
            "60"
        );

        let scheduled = with(&[
            ("CredentialsRotationDays", "30"),
            ("PreviousCredentialsGraceMinutes", "0"),
        ]);
        let rotation = scheduled.rotation.as_ref().unwrap();
        assert_eq!(rotation.automatically_after_days, Some(30));
        assert_eq!(rotation.function, "RotationFunction");
        assert_eq!(rotation.secret.as_deref(), Some("CredentialsSecret"));
        assert!(
            scheduled
                .not_emulated
                .iter()
                .any(|n| n.starts_with("CredentialsRotationSchedule: rotation every 30 days")),
            "{:?}",
            scheduled.not_emulated
        );
        let grace = &scheduled.functions["AuthorizerFunction"].environment["PREVIOUS_GRACE_MINUTES"];
        assert_eq!(scheduled.resolver.string(grace).unwrap(), "0");
        for (name, value) in [
            ("CredentialsRotationDays", "1001"),
            ("CredentialsRotationDays", "-1"),
            ("PreviousCredentialsGraceMinutes", "10081"),
        ] {
            assert!(
                matches!(plan_with(&[(name, value)]), Err(TemplateError::Parameter { .. })),
                "{name}={value}"
            );
        }
    }

    #[test]
    fn invocation_uris() {
        let sub = json!({"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${F.Arn}/invocations"});
        assert_eq!(function_of_invocation_uri(&sub).as_deref(), Some("F"));
        let join = json!({"Fn::Join": ["", ["arn:aws:apigateway:r:lambda:path/2015-03-31/functions/", {"Fn::GetAtt": ["G", "Arn"]}, "/invocations"]]});
        assert_eq!(function_of_invocation_uri(&join).as_deref(), Some("G"));
        assert!(function_of_invocation_uri(&json!("arn:aws:lambda:us-east-1:1:function:x")).is_none());
    }

    #[test]
    fn system_log_level_warn_drops_platform_records() {
        let spec = |json, level: &str| LoggingSpec {
            json,
            application_level: None,
            system_level: level.into(),
        };
        assert!(spec(true, "INFO").platform_info());
        assert!(spec(true, "DEBUG").platform_info());
        assert!(!spec(true, "WARN").platform_info());
        assert!(!spec(true, "ERROR").platform_info());
        assert!(
            spec(false, "WARN").platform_info(),
            "Text format has no system log level"
        );
    }
}
