//! Tests of the plan of this repository's template, under the parameter values that turn its parts
//! on and off.

use super::integrations::function_of_invocation_uri;
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
    let overrides: BTreeMap<String, String> = overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
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
