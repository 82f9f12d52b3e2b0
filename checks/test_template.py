"""Invariants of template.yaml that sam validate, cfn-lint and checkov do not know about.

Run by `make test` with the SAM virtual environment (it has cfn-lint's CloudFormation YAML reader and
the SAM translator, so the IAM check sees the policies SAM itself generates).
"""

import functools
import json
import os
import pathlib
import re
import unittest

from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEMPLATE = cfn_yaml.load(str(ROOT / "template.yaml"))
RESOURCES = TEMPLATE["Resources"]
PARAMETERS = TEMPLATE["Parameters"]
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"


def plain(value):
    """cfn-lint's YAML nodes as plain dicts, lists and strings."""
    return json.loads(json.dumps(value))


def props(name):
    return plain(RESOURCES[name]["Properties"])


def ref(name):
    return {"Ref": name}


@functools.lru_cache(maxsize=None)
def transformed():
    """The template as CloudFormation sees it after the SAM transform (offline). Cached: read only."""
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    template = plain(TEMPLATE)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://bucket/key"  # sam build's job, not the transform's

    class Policies:
        def load(self):
            return {"AWSLambdaBasicExecutionRole": BASIC_EXECUTION}

    return transform(template, {}, Policies())["Resources"]


def active(value, conditions):
    """`value` with every Fn::If decided by `conditions` (name -> bool) and AWS::NoValue dropped."""
    if isinstance(value, dict):
        if set(value) == {"Fn::If"}:
            name, yes, no = value["Fn::If"]
            return active(yes if conditions[name] else no, conditions)
        if value == ref("AWS::NoValue"):
            return None
        out = {k: active(v, conditions) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None}
    if isinstance(value, list):
        return [v for v in (active(v, conditions) for v in value) if v is not None]
    return value


def parameter_values(overrides):
    """Every parameter's value for a deploy with `overrides`, as CloudFormation passes them: strings,
    and lists for CommaDelimitedList (an empty one is one empty member)."""
    values = {}
    for name, declaration in PARAMETERS.items():
        text = str(overrides.get(name, declaration.get("Default", "")))
        values[name] = text.split(",") if declaration["Type"] == "CommaDelimitedList" else text
    return values


def evaluate(expression, values, conditions):
    """A condition or rule expression of the template, or a string built with Fn::Select/Fn::Split
    (the functions the template uses there)."""
    if not isinstance(expression, dict):
        return expression
    (function, argument), = expression.items()
    value = lambda item: evaluate(item, values, conditions)
    if function == "Ref":
        return values[argument]
    if function == "Condition":
        return conditions[argument]
    if function == "Fn::Equals":
        # CloudFormation compares text: a Number parameter's "0" equals a literal 0.
        text = lambda item: str(item) if isinstance(item, (int, float)) and not isinstance(item, bool) else item
        return text(value(argument[0])) == text(value(argument[1]))
    if function == "Fn::Not":
        return not value(argument[0])
    if function == "Fn::And":
        return all(value(item) for item in argument)
    if function == "Fn::Or":
        return any(value(item) for item in argument)
    if function == "Fn::Join":
        return argument[0].join(value(argument[1]))
    if function == "Fn::Split":
        return value(argument[1]).split(argument[0])
    if function == "Fn::Select":
        return value(argument[1])[int(argument[0])]
    if function == "Fn::EachMemberEquals":
        return all(member == value(argument[1]) for member in value(argument[0]))
    raise AssertionError(f"the checks do not evaluate {function}")


def conditions_for(overrides):
    """The template's Conditions for a deploy with `overrides`."""
    values, conditions = parameter_values(overrides), {}
    pending = dict(plain(TEMPLATE["Conditions"]))
    while pending:
        for name, expression in list(pending.items()):
            try:
                conditions[name] = evaluate(expression, values, conditions)
            except KeyError:  # refers to a condition not evaluated yet
                continue
            del pending[name]
    return conditions


def refusals(overrides):
    """The AssertDescriptions of the template's Rules a deploy with `overrides` breaks (CloudFormation
    refuses it before changing the stack)."""
    values, refused = parameter_values(overrides), []
    for rule in plain(TEMPLATE["Rules"]).values():
        if "RuleCondition" in rule and not evaluate(rule["RuleCondition"], values, {}):
            continue
        refused += [a["AssertDescription"] for a in rule["Assertions"] if not evaluate(a["Assert"], values, {})]
    return refused


def pattern_violations(overrides):
    """The overrides a parameter's AllowedPattern, AllowedValues or MinValue/MaxValue refuses."""
    bad = []
    for name, text in overrides.items():
        declaration = PARAMETERS[name]
        if "AllowedPattern" in declaration and not re.fullmatch(declaration["AllowedPattern"], text):
            bad.append(name)
        if "AllowedValues" in declaration and text not in [str(v) for v in declaration["AllowedValues"]]:
            bad.append(name)
        if declaration["Type"] == "Number":
            number = float(text)
            if number < declaration.get("MinValue", number) or number > declaration.get("MaxValue", number):
                bad.append(name)
    return bad


CLUSTER = "arn:aws:kafka:us-east-1:123456789012:cluster/events/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5"
SCRAM_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_streamgate-AbCdEf"
LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/kafka-rest/50dc6c495c0c9188/f2f7dc8efc522ab2"
NETWORK = {
    "KafkaSubnetIds": "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
    "KafkaSecurityGroupIds": "sg-0123456789abcdef0",
}
MSK = "b-1.events.abc123.c2.kafka.us-east-1.amazonaws.com"
REST_PROXY = {"StreamsApi": "false", "KafkaRestProxyUrl": "https://kafka-rest.internal.example.com:8082"}
FUNCTION = {"StreamsApi": "false"}

# Parameter states the invariants are checked in (every one a deploy the template accepts).
PARAMETER_STATES = {
    "streams off": {"StreamsApi": "false"},
    "streams on": {},
    "management on": {"StreamManagement": "true"},
    # The proxy's bounds at their extremes, on-demand creates allowed.
    "management on, on demand": {
        "StreamManagement": "true", "ProxyOnDemand": "true", "ProxyStreamMaxCount": "100",
        "ProxyShardBudget": "10000", "ProxyControlPlaneRateLimit": "1000",
    },
    "streams on, on demand, tight bounds": {
        "ProxyOnDemand": "true", "ProxyStreamMaxCount": "1", "ProxyShardBudget": "1", "ProxyControlPlaneRateLimit": "1",
    },
    # StreamManagement needs StreamsApi: without it, no route, no grant, no route setting.
    "management without streams": {"StreamsApi": "false", "StreamManagement": "true"},
    "cors on": {"CorsAllowOrigins": "https://app.example.com,http://localhost:5173"},
    "kafka rest proxy": REST_PROXY,
    "kafka rest proxy, vpc link": {**REST_PROXY, "KafkaRestProxyListenerArn": LISTENER, **NETWORK},
    "kafka function, iam, vpc": {**FUNCTION, "KafkaBootstrapServers": f"{MSK}:9098", "KafkaClusterArn": CLUSTER, **NETWORK},
    "kafka function, iam": {**FUNCTION, "KafkaBootstrapServers": f"{MSK}:9098", "KafkaClusterArn": CLUSTER},
    "kafka function, scram, vpc": {
        **FUNCTION, "KafkaBootstrapServers": f"{MSK}:9096", "KafkaAuth": "scram", "KafkaScramSecretArn": SCRAM_SECRET, **NETWORK,
    },
    "kafka function, scram": {
        **FUNCTION, "KafkaBootstrapServers": f"{MSK}:9096", "KafkaAuth": "scram", "KafkaScramSecretArn": SCRAM_SECRET,
    },
    "kafka function, none, vpc": {
        **FUNCTION, "KafkaBootstrapServers": "10.0.1.5:9092,10.0.2.5:9092", "KafkaAuth": "none", **NETWORK,
    },
    "kafka function, none": {
        **FUNCTION, "KafkaBootstrapServers": "127.0.0.1:9092", "KafkaAuth": "none", "KafkaTopicPattern": "streamgate-*",
    },
    # Rotation: scheduled or not (the default, 0), with or without AWSPREVIOUS's grace (default 60).
    "rotation every 30 days, no grace": {"CredentialsRotationDays": "30", "PreviousCredentialsGraceMinutes": "0"},
    "rotation every 1000 days, a week's grace": {"CredentialsRotationDays": "1000", "PreviousCredentialsGraceMinutes": "10080"},
    "no rotation, no grace": {"PreviousCredentialsGraceMinutes": "0"},
    # POST /submit served by the submit function instead of API Gateway's Kinesis-PutRecord.
    "submit function": {"SubmitIntegration": "function"},
    "submit function, management on": {"SubmitIntegration": "function", "StreamManagement": "true"},
    "submit function, streams off": {"SubmitIntegration": "function", "StreamsApi": "false"},
    "kafka function, none, submit function": {
        **FUNCTION, "KafkaBootstrapServers": "127.0.0.1:9092", "KafkaAuth": "none", "SubmitIntegration": "function",
    },
}
STATES = {name: conditions_for(overrides) for name, overrides in PARAMETER_STATES.items()}
KAFKA_FUNCTION_STATES = [name for name, c in STATES.items() if c["HasKafkaFunction"]]
SUBMIT_FUNCTION_STATES = [name for name, c in STATES.items() if c["SubmitIsFunction"]]
SUBMIT_ROUTE = "POST /submit/{streamName}/{eventId}"
# Today's integration (SubmitIntegration=direct): API Gateway puts the body on Kinesis itself.
DIRECT_SUBMIT_INTEGRATION = {
    "type": "aws_proxy",
    "integrationSubtype": "Kinesis-PutRecord",
    "connectionType": "INTERNET",
    "payloadFormatVersion": "1.0",
    "credentials": {"Fn::GetAtt": ["ApiKinesisRole", "Arn"]},
    "requestParameters": {
        "StreamName": "$request.path.streamName",
        "Data": "$request.body",
        "PartitionKey": "$request.path.eventId",
    },
}
TOPIC_ROUTES = {"GET /topics", "GET /topics/{topic}", "POST /topics/{topic}", "POST /topics/{topic}/partitions/{partition}"}


def deployed(conditions):
    """{logical id: resource} of the transformed template that a deploy in one parameter state
    creates, every Fn::If decided."""
    return {
        name: active(resource, conditions)
        for name, resource in transformed().items()
        if conditions.get(resource.get("Condition"), True)
    }


def references(value):
    """The logical ids `value` names through Ref, Fn::GetAtt and Fn::Sub."""
    found = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref":
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else item.split(".")[0])
            elif key == "Fn::Sub":
                text, variables = (item, {}) if isinstance(item, str) else item
                found |= {n.split(".")[0] for n in re.findall(r"\$\{([^}!][^}]*)\}", text)} - set(variables)
                found |= references(variables)
            else:
                found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def routes(conditions, body=None):
    """{"METHOD /path": operation} of the API in one parameter state."""
    paths = active((body or props("Api")["DefinitionBody"])["paths"], conditions)
    method = lambda m: "ANY" if m == "x-amazon-apigateway-any-method" else m.upper()
    return {f"{method(m)} {p}": op for p, item in paths.items() for m, op in item.items()}


PROXY_STREAM_ARN = "arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/${AWS::StackName}-proxy-*"
OWNER_TAG_CONDITION = "aws:ResourceTag/streamgate:stack"
DESCRIBE_AND_PUT = ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:PutRecord", "kinesis:PutRecords"]
# The /streams routes that call Kinesis's control plane (ListStreams, DescribeStream, CreateStream,
# DeleteStream), throttled to ProxyControlPlaneRateLimit; the record routes keep the stage's limits.
CONTROL_PLANE_ROUTES = {"GET /streams", "GET /streams/{streamName}", "POST /streams/{streamName}", "DELETE /streams/{streamName}"}


def as_list(value):
    return value if isinstance(value, list) else [value]


def on_proxy_streams(resource):
    """Whether an IAM Resource (as the template writes it) may name a <stack>-proxy-* stream."""
    return resource == "*" or "-proxy-" in json.dumps(resource)


def streams_statements(resources):
    """{Sid: statement} of the deployed streams function role (Sids are unique there)."""
    found = {}
    for policy in resources["StreamsFunctionRole"]["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Sid"] not in found, statement["Sid"]
            found[statement["Sid"]] = statement
    return found


def stage(conditions):
    """The deployed properties of the HTTP API's stage SAM generates."""
    stages = [r for r in deployed(conditions).values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
    assert len(stages) == 1, stages
    return stages[0]["Properties"]


class Route(unittest.TestCase):
    def test_submit_puts_the_body_on_kinesis(self):
        paths = props("Api")["DefinitionBody"]["paths"]
        self.assertEqual(list(paths["/submit/{streamName}/{eventId}"]), ["post"])
        post = paths["/submit/{streamName}/{eventId}"]["post"]
        self.assertEqual({p["name"] for p in post["parameters"] if p["in"] == "path"}, {"streamName", "eventId"})
        # Direct by default: API Gateway's own Kinesis-PutRecord, as before SubmitIntegration existed.
        parameter = PARAMETERS["SubmitIntegration"]
        self.assertEqual((parameter["Type"], parameter["Default"]), ("String", "direct"))
        self.assertEqual(parameter["AllowedValues"], ["direct", "function"])
        self.assertFalse(STATES["streams on"]["SubmitIsFunction"], "the defaults keep the direct integration")
        for state, conditions in STATES.items():
            self.assertEqual(conditions["SubmitIsFunction"], state in SUBMIT_FUNCTION_STATES, state)
            self.assertEqual(conditions["SubmitIsDirect"], not conditions["SubmitIsFunction"], state)
            if conditions["SubmitIsFunction"]:
                continue
            self.assertEqual(routes(conditions)[SUBMIT_ROUTE]["x-amazon-apigateway-integration"], DIRECT_SUBMIT_INTEGRATION, state)
            resources = deployed(conditions)
            self.assertIn("ApiKinesisRole", resources, state)
            for name in ["SubmitFunction", "SubmitFunctionRole", "SubmitLogs", "SubmitInvokePermission", "SubmitErrorsAlarm"]:
                self.assertNotIn(name, resources, f"{state}: {name}")

    def test_submit_function_serves_the_route_with_no_more_than_the_direct_integration_had(self):
        self.assertTrue(SUBMIT_FUNCTION_STATES)
        body = transformed()["Api"]["Properties"]["Body"]
        for state in SUBMIT_FUNCTION_STATES:
            conditions = STATES[state]
            integration = routes(conditions)[SUBMIT_ROUTE]["x-amazon-apigateway-integration"]
            self.assertEqual(
                integration,
                {
                    "type": "aws_proxy",
                    "httpMethod": "POST",
                    "uri": {
                        "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${SubmitFunction.Arn}/invocations"
                    },
                    "payloadFormatVersion": "2.0",
                },
                state,
            )
            # Still behind the default authorizer once SAM has applied it.
            self.assertEqual(routes(conditions, body)[SUBMIT_ROUTE]["security"], [{"BasicAuthorizer": []}], state)
            resources = deployed(conditions)
            self.assertNotIn("ApiKinesisRole", resources, state)
            for name in ["SubmitFunction", "SubmitFunctionRole", "SubmitLogs", "SubmitInvokePermission", "SubmitErrorsAlarm"]:
                self.assertIn(name, resources, f"{state}: {name}")
            # Exactly the grant the integration role had: kinesis:PutRecord on this stack's stream.
            role = resources["SubmitFunctionRole"]["Properties"]
            statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
            direct = [s for p in props("ApiKinesisRole")["Policies"] for s in p["PolicyDocument"]["Statement"]]
            grants = lambda found: sorted((s["Effect"], json.dumps(s["Action"]), json.dumps(s["Resource"])) for s in found)
            self.assertEqual(grants(statements), grants(direct), state)
            self.assertEqual(grants(statements), [("Allow", '"kinesis:PutRecord"', json.dumps({"Fn::GetAtt": ["EventStream", "Arn"]}))])
            self.assertEqual({managed_policy(a) for a in role["ManagedPolicyArns"]}, {BASIC_EXECUTION}, state)
            # API Gateway may invoke it for this API's POST /submit only.
            permission = resources["SubmitInvokePermission"]["Properties"]
            self.assertEqual(
                permission,
                {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": ref("SubmitFunction"),
                    "Principal": "apigateway.amazonaws.com",
                    "SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/POST/submit/*"},
                },
                state,
            )
            invokers = [
                n for n, r in resources.items()
                if r["Type"] == "AWS::Lambda::Permission" and r["Properties"]["FunctionName"] in (ref("SubmitFunction"), {"Fn::GetAtt": ["SubmitFunction", "Arn"]})
            ]
            self.assertEqual(invokers, ["SubmitInvokePermission"], state)

    def test_every_deployed_resource_names_only_deployed_resources(self):
        # E.g. nothing may still name ApiKinesisRole when SubmitIntegration=function removes it.
        outputs = plain(TEMPLATE["Outputs"])
        for state, conditions in STATES.items():
            resources = deployed(conditions)
            known = set(resources) | set(PARAMETERS) | {"AWS::Partition", "AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::StackId", "AWS::URLSuffix", "AWS::NoValue"}
            for name, resource in resources.items():
                missing = references(resource.get("Properties", {})) - known
                depends = resource.get("DependsOn", [])
                missing |= set([depends] if isinstance(depends, str) else depends) - set(resources)
                self.assertEqual(missing, set(), f"{state}: {name}")
            for name, output in outputs.items():
                if conditions.get(output.get("Condition"), True):
                    self.assertEqual(references(active(output, conditions)) - known, set(), f"{state}: output {name}")

    def test_routes_in_each_parameter_state(self):
        submit = {"POST /submit/{streamName}/{eventId}"}
        proxy = {
            "GET /streams",
            "GET /streams/{streamName}",
            "PUT /streams/{streamName}/record",
            "PUT /streams/{streamName}/records",
        }
        management = {"POST /streams/{streamName}", "DELETE /streams/{streamName}"}
        self.assertEqual(set(routes(STATES["streams off"])), submit)
        self.assertEqual(set(routes(STATES["streams on"])), submit | proxy)
        self.assertEqual(set(routes(STATES["management on"])), submit | proxy | management)
        self.assertEqual(set(routes(STATES["management on, on demand"])), submit | proxy | management)
        self.assertEqual(set(routes(STATES["streams on, on demand, tight bounds"])), submit | proxy)
        self.assertEqual(set(routes(STATES["management without streams"])), submit)
        for state in PARAMETER_STATES:
            if state.startswith("kafka"):
                self.assertEqual(set(routes(STATES[state])), submit | TOPIC_ROUTES, state)
        # Secure by default: the routes that create and delete streams are opt-in; Kafka is off.
        self.assertEqual(PARAMETERS["StreamsApi"]["Default"], "true")
        self.assertEqual(PARAMETERS["StreamManagement"]["Default"], "false")
        self.assertEqual(PARAMETERS["KafkaRestProxyUrl"]["Default"], "")
        self.assertEqual(PARAMETERS["KafkaBootstrapServers"]["Default"], "")

    def test_no_greedy_route_in_any_state(self):
        # A {proxy+} would reach whatever sits behind it (a REST Proxy's consumers and admin calls).
        for state, conditions in STATES.items():
            for key in routes(conditions):
                self.assertNotIn("+}", key, state)

    def test_every_state_is_a_deploy_the_template_accepts(self):
        for state, overrides in PARAMETER_STATES.items():
            self.assertEqual(pattern_violations(overrides), [], state)
            self.assertEqual(refusals(overrides), [], state)

    def test_stream_routes_are_lambda_proxy_integrations_of_the_streams_function(self):
        for key, operation in routes(STATES["management on"]).items():
            if not key.split(" ")[1].startswith("/streams"):
                continue
            integration = operation["x-amazon-apigateway-integration"]
            self.assertEqual(integration["type"], "aws_proxy", key)
            self.assertEqual(integration["payloadFormatVersion"], "2.0", key)
            self.assertIn("${StreamsFunction.Arn}", integration["uri"]["Fn::Sub"], key)
        permission = props("StreamsInvokePermission")
        self.assertEqual(permission["FunctionName"], ref("StreamsFunction"))
        self.assertTrue(permission["SourceArn"]["Fn::Sub"].endswith("${Api}/*/*/streams*"))

    def test_topic_routes_are_lambda_proxy_integrations_of_the_topics_function(self):
        for state in KAFKA_FUNCTION_STATES:
            for key, operation in routes(STATES[state]).items():
                if not key.split(" ")[1].startswith("/topics"):
                    continue
                integration = operation["x-amazon-apigateway-integration"]
                self.assertEqual(integration["type"], "aws_proxy", f"{state}: {key}")
                self.assertEqual(integration["payloadFormatVersion"], "2.0", f"{state}: {key}")
                self.assertIn("${TopicsFunction.Arn}", integration["uri"]["Fn::Sub"], f"{state}: {key}")
        permission = props("TopicsInvokePermission")
        self.assertEqual(permission["FunctionName"], ref("TopicsFunction"))
        self.assertTrue(permission["SourceArn"]["Fn::Sub"].endswith("${Api}/*/*/topics*"))

    def test_topic_routes_forward_to_the_rest_proxy_over_the_internet(self):
        found = routes(STATES["kafka rest proxy"])
        expected = {
            "GET /topics": ("GET", "${KafkaRestProxyUrl}/topics"),
            "GET /topics/{topic}": ("ANY", "${KafkaRestProxyUrl}/topics/{topic}"),
            "POST /topics/{topic}": ("ANY", "${KafkaRestProxyUrl}/topics/{topic}"),
            "POST /topics/{topic}/partitions/{partition}": ("POST", "${KafkaRestProxyUrl}/topics/{topic}/partitions/{partition}"),
        }
        for key, (method, uri) in expected.items():
            integration = found[key]["x-amazon-apigateway-integration"]
            self.assertEqual(integration["type"], "http_proxy", key)
            self.assertEqual(integration["payloadFormatVersion"], "1.0", key)
            self.assertEqual(integration["connectionType"], "INTERNET", key)
            self.assertLessEqual(integration["timeoutInMillis"], 30000, key)
            self.assertEqual((integration["httpMethod"], integration["uri"]), (method, {"Fn::Sub": uri}), key)

    def test_topic_routes_reach_the_rest_proxy_through_the_vpc_link(self):
        for key, operation in routes(STATES["kafka rest proxy, vpc link"]).items():
            if not key.split(" ")[1].startswith("/topics"):
                continue
            integration = operation["x-amazon-apigateway-integration"]
            self.assertEqual(integration["type"], "http_proxy", key)
            self.assertEqual(integration["payloadFormatVersion"], "1.0", key)
            self.assertEqual(integration["connectionType"], "VPC_LINK", key)
            self.assertEqual(integration["connectionId"], ref("KafkaRestProxyVpcLink"), key)
            self.assertEqual(integration["uri"], ref("KafkaRestProxyListenerArn"), key)
            self.assertEqual(integration["httpMethod"], "ANY", key)
            # The route's own path (API Gateway would otherwise prefix the stage), and always TLS,
            # checked against the REST Proxy URL's host.
            self.assertEqual(integration["requestParameters"], {"overwrite:path": "$request.path"}, key)
            server_name = integration["tlsConfig"]["serverNameToVerify"]
            for url, host in [
                ("https://kafka-rest.internal.example.com:8082", "kafka-rest.internal.example.com"),
                ("https://kafka-rest.internal.example.com", "kafka-rest.internal.example.com"),
            ]:
                self.assertEqual(evaluate(server_name, {"KafkaRestProxyUrl": url}, {}), host, key)
        link = RESOURCES["KafkaRestProxyVpcLink"]
        self.assertEqual(link["Condition"], "HasKafkaVpcLink")
        self.assertEqual(plain(link["Properties"])["SubnetIds"], ref("KafkaSubnetIds"))
        self.assertEqual(plain(link["Properties"])["SecurityGroupIds"], ref("KafkaSecurityGroupIds"))
        for state, conditions in STATES.items():
            self.assertEqual(conditions["HasKafkaVpcLink"], state == "kafka rest proxy, vpc link", state)

    def test_kafka_rest_proxy_url_pattern(self):
        pattern = re.compile(PARAMETERS["KafkaRestProxyUrl"]["AllowedPattern"])
        for good in [
            "",
            "https://kafka-rest.example.com",
            "https://10.0.0.5:8082",
            "https://ec2-1-2-3-4.compute.amazonaws.com:8443",
            "http://127.0.0.1:8082",  # the local stage's stand-in
            "http://localhost:38211",
        ]:
            self.assertIsNotNone(pattern.fullmatch(good), good)
        for bad in [
            "http://10.0.0.5:8082",  # the client's Authorization header would cross the network in clear
            "http://kafka-rest.example.com",
            "http://127.0.0.1",
            "http://127.0.0.10:8082",
            "10.0.0.5:8082",
            "https://host/",
            "https://host:8082/topics",
            "ftp://host",
            "https://",
            "https://host:port",
        ]:
            self.assertIsNone(pattern.fullmatch(bad), bad)

    def test_kafka_parameter_patterns(self):
        def check(name, good, bad):
            pattern = re.compile(PARAMETERS[name]["AllowedPattern"])
            for value in good:
                self.assertIsNotNone(pattern.fullmatch(value), f"{name}: {value}")
            for value in bad:
                self.assertIsNone(pattern.fullmatch(value), f"{name}: {value}")

        check(
            "KafkaBootstrapServers",
            ["", "127.0.0.1:9092", f"{MSK}:9098,b-2.events.abc123.c2.kafka.us-east-1.amazonaws.com:9098"],
            ["127.0.0.1", "a:9092, b:9092", "a:9092,", "PLAINTEXT://a:9092", ":9092"],
        )
        check(
            "KafkaClusterArn",
            ["", CLUSTER, "arn:aws-cn:kafka:cn-north-1:123456789012:cluster/x/abcd1234-0123-abcd-5678-1234abcd-1"],
            ["arn:aws:kafka:us-east-1:123456789012:cluster/events", "arn:aws:kafka:us-east-1:123456789012:topic/a/b/c", "events"],
        )
        check("KafkaScramSecretArn", ["", SCRAM_SECRET], ["AmazonMSK_x", "arn:aws:kms:us-east-1:123456789012:key/x"])
        check("KafkaTopicPattern", ["*", "streamgate-*", "orders.v?", "a" * 249], ["", "a b", "a/b", "a" * 250, "a,b"])
        check(
            "KafkaRestProxyListenerArn",
            ["", LISTENER, "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-abcdef123456"],
            ["arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/kafka-rest/50dc6c495c0c9188"],
        )
        check(
            "CorsAllowOrigins",
            ["", "*", "https://app.example.com", "https://a.example.com,http://localhost:5173"],
            ["https://a.example.com/", "https://a.example.com, https://b.example.com", "app.example.com", "*,https://a.example.com"],
        )
        self.assertEqual(PARAMETERS["KafkaAuth"]["AllowedValues"], ["iam", "scram", "none"])
        self.assertEqual(PARAMETERS["KafkaAuth"]["Default"], "iam")
        self.assertEqual(PARAMETERS["KafkaTopicPattern"]["Default"], "*")
        for name in ["KafkaSubnetIds", "KafkaSecurityGroupIds"]:
            self.assertEqual((PARAMETERS[name]["Type"], PARAMETERS[name]["Default"]), ("CommaDelimitedList", ""), name)

    def test_the_rules_refuse_what_no_deploy_could_serve(self):
        both = {**PARAMETER_STATES["kafka function, none"], "KafkaRestProxyUrl": "https://kafka-rest.example.com"}
        refused = refusals(both)
        self.assertEqual(len(refused), 1, refused)
        self.assertIn("not both", refused[0])
        for overrides, needle in [
            ({"KafkaBootstrapServers": f"{MSK}:9098"}, "KafkaClusterArn"),  # KafkaAuth=iam is the default
            ({"KafkaBootstrapServers": f"{MSK}:9096", "KafkaAuth": "scram"}, "KafkaScramSecretArn"),
            ({"KafkaBootstrapServers": "10.0.1.5:9092", "KafkaAuth": "none", "KafkaSubnetIds": "subnet-1"}, "together"),
            ({**REST_PROXY, "KafkaRestProxyListenerArn": LISTENER}, "KafkaSubnetIds"),
            ({**REST_PROXY, "KafkaRestProxyListenerArn": LISTENER, "KafkaSubnetIds": "subnet-1"}, "KafkaSecurityGroupIds"),
            ({"KafkaRestProxyListenerArn": LISTENER, **NETWORK}, "KafkaRestProxyUrl"),
        ]:
            refused = refusals(overrides)
            self.assertTrue(any(needle in r for r in refused), f"{overrides}: {refused}")
        # Settings of the other mode are ignored, not refused.
        self.assertEqual(refusals({**REST_PROXY, "KafkaAuth": "scram"}), [])
        self.assertEqual(refusals({"KafkaClusterArn": CLUSTER}), [])

    def test_cors_only_when_origins_are_given(self):
        body = transformed()["Api"]["Properties"]["Body"]
        for state, conditions in STATES.items():
            cors = active(body, conditions).get("x-amazon-apigateway-cors")
            if state != "cors on":
                self.assertIsNone(cors, state)
                continue
            self.assertEqual(cors["allowHeaders"], ["authorization", "content-type"])
            self.assertEqual(cors["allowMethods"], ["GET", "POST", "PUT", "DELETE"])
            self.assertEqual(cors["maxAge"], 600)
            self.assertEqual(cors["allowOrigins"]["Fn::Split"][0], ",")
            self.assertNotIn("allowCredentials", cors)

    def test_no_separate_route_resources(self):
        # They would be deleted when the API's body is re-imported on update.
        kinds = {r["Type"] for r in RESOURCES.values()}
        self.assertNotIn("AWS::ApiGatewayV2::Route", kinds)

    def test_the_integration_role_may_only_put_records_on_this_stream(self):
        statements = [s for p in props("ApiKinesisRole")["Policies"] for s in p["PolicyDocument"]["Statement"]]
        self.assertEqual(len(statements), 1)
        self.assertEqual(statements[0]["Action"], "kinesis:PutRecord")
        self.assertEqual(statements[0]["Resource"], {"Fn::GetAtt": ["EventStream", "Arn"]})

    def test_control_plane_routes_are_throttled_to_kinesis_limits(self):
        # Exactly the routes of the state: a key naming a missing route fails the deploy ("Unable to
        # find Route by key"), an absent one leaves Kinesis's 5/s per account to the stage's limit.
        body = transformed()["Api"]["Properties"]["Body"]
        limit = {"ThrottlingRateLimit": ref("ProxyControlPlaneRateLimit"), "ThrottlingBurstLimit": ref("ProxyControlPlaneRateLimit")}
        seen = set()
        for state, conditions in STATES.items():
            existing = set(routes(conditions, body))
            throttled = CONTROL_PLANE_ROUTES & existing
            settings = stage(conditions).get("RouteSettings", {})
            self.assertEqual(set(settings), throttled, state)
            self.assertLessEqual(set(settings), existing, state)
            for key, value in settings.items():
                self.assertEqual(value, limit, f"{state}: {key}")
            seen.add(frozenset(throttled))
            if conditions["HasStreamManagement"]:
                self.assertEqual(throttled, CONTROL_PLANE_ROUTES, state)
            elif conditions["HasStreamsApi"]:
                self.assertEqual(throttled, {"GET /streams", "GET /streams/{streamName}"}, state)
            else:
                self.assertNotIn("RouteSettings", stage(conditions), state)
        self.assertEqual(len(seen), 3, "the states cover all three maps")
        # The record routes stay on the stage's limits.
        self.assertFalse(any(key.startswith("PUT ") for key in CONTROL_PLANE_ROUTES))
        parameter = PARAMETERS["ProxyControlPlaneRateLimit"]
        self.assertEqual((parameter["Type"], parameter["Default"], parameter["MinValue"], parameter["MaxValue"]), ("Number", 5, 1, 1000))

    def test_stage_throttling_and_access_log(self):
        api = props("Api")
        self.assertEqual(api["DefaultRouteSettings"]["ThrottlingRateLimit"], ref("ApiThrottlingRateLimit"))
        self.assertEqual(api["DefaultRouteSettings"]["ThrottlingBurstLimit"], ref("ApiThrottlingBurstLimit"))
        log_format = json.loads(api["AccessLogSettings"]["Format"])
        self.assertEqual(log_format["user"], "$context.authorizer.username")
        self.assertEqual(props("ApiAccessLogs")["RetentionInDays"], ref("LogRetentionDays"))


class Authorizer(unittest.TestCase):
    def test_settings(self):
        auth = props("Api")["Auth"]
        self.assertEqual(auth["DefaultAuthorizer"], "BasicAuthorizer")
        self.assertEqual(list(auth["Authorizers"]), ["BasicAuthorizer"], "one authorizer, the default of every route")
        authorizer = auth["Authorizers"]["BasicAuthorizer"]
        self.assertEqual(authorizer["FunctionArn"], {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]})
        self.assertEqual(authorizer["AuthorizerPayloadFormatVersion"], "2.0")
        self.assertIs(authorizer["EnableSimpleResponses"], True)
        self.assertEqual(authorizer["Identity"]["Headers"], ["Authorization"])
        self.assertEqual(authorizer["Identity"]["ReauthorizeEvery"], ref("AuthorizerCacheTtlSeconds"))
        self.assertEqual(PARAMETERS["AuthorizerCacheTtlSeconds"]["Default"], 300)
        self.assertEqual(PARAMETERS["AuthorizerCacheTtlSeconds"]["MaxValue"], 3600)

    def test_pending_credentials_expire(self):
        # A failed rotation must not leave AWSPENDING valid for ever; hours, as the function reads them.
        parameter = PARAMETERS["PendingCredentialsMaxAgeHours"]
        self.assertEqual((parameter["Type"], parameter["Default"]), ("Number", 24))
        self.assertEqual((parameter["MinValue"], parameter["MaxValue"]), (1, 720))
        variables = props("AuthorizerFunction")["Environment"]["Variables"]
        self.assertEqual(variables["PENDING_MAX_AGE_HOURS"], ref("PendingCredentialsMaxAgeHours"))

    def test_every_authorizer_caches_per_credentials_route_and_path(self):
        # The verdict depends on the route (a named client's routes) and the path (a client scoped
        # to POST /submit/orders-*/*, a topic outside KafkaTopicPattern): keyed by the credentials
        # alone, one cached allow would open every route, stream and topic to them.
        authorizers = props("Api")["Auth"]["Authorizers"]
        schemes = transformed()["Api"]["Properties"]["Body"]["components"]["securitySchemes"]
        self.assertEqual(set(schemes), set(authorizers))
        for name, authorizer in authorizers.items():
            self.assertEqual(authorizer["Identity"]["Headers"], ["Authorization"], name)
            self.assertEqual(set(authorizer["Identity"]["Context"]), {"routeKey", "path"}, name)
            sources = schemes[name]["x-amazon-apigateway-authorizer"]["identitySource"]
            self.assertEqual(set(sources), {"$request.header.Authorization", "$context.routeKey", "$context.path"}, name)
        # The authorizer reads the pattern it checks topics against.
        variables = props("AuthorizerFunction")["Environment"]["Variables"]
        self.assertEqual(variables["KAFKA_TOPIC_PATTERN"], ref("KafkaTopicPattern"))

    def test_sam_applies_it_to_every_route_in_every_state(self):
        # No operation names an authorizer of its own: a route without one would be open.
        for state, conditions in STATES.items():
            for key, operation in routes(conditions).items():
                self.assertNotIn("security", operation, f"{state}: {key}")
        body = transformed()["Api"]["Properties"]["Body"]
        for state, conditions in STATES.items():
            for key, operation in routes(conditions, body).items():
                self.assertEqual(operation["security"], [{"BasicAuthorizer": []}], f"{state}: {key}")

    def test_previous_credentials_grace(self):
        # AWSPREVIOUS is accepted this long after the rotation that demoted it (0 = never).
        parameter = PARAMETERS["PreviousCredentialsGraceMinutes"]
        self.assertEqual((parameter["Type"], parameter["Default"]), ("Number", 60))
        self.assertEqual((parameter["MinValue"], parameter["MaxValue"]), (0, 10080))
        variables = props("AuthorizerFunction")["Environment"]["Variables"]
        self.assertEqual(variables["PREVIOUS_GRACE_MINUTES"], ref("PreviousCredentialsGraceMinutes"))
        for state, conditions in STATES.items():
            deployed = active(props("AuthorizerFunction"), conditions)["Environment"]["Variables"]
            self.assertEqual(deployed["PREVIOUS_GRACE_MINUTES"], ref("PreviousCredentialsGraceMinutes"), state)
        self.assertEqual(pattern_violations({"PreviousCredentialsGraceMinutes": "10081"}), ["PreviousCredentialsGraceMinutes"])
        self.assertEqual(pattern_violations({"PreviousCredentialsGraceMinutes": "-1"}), ["PreviousCredentialsGraceMinutes"])


class Mapping(unittest.TestCase):
    def test_settings(self):
        mapping = props("ConsumerEventSourceMapping")
        self.assertEqual(mapping["FunctionName"], ref("ConsumerFunction"))
        self.assertEqual(mapping["EventSourceArn"], {"Fn::GetAtt": ["EventStream", "Arn"]})
        self.assertEqual(mapping["StartingPosition"], "TRIM_HORIZON")
        self.assertIs(mapping["BisectBatchOnFunctionError"], True)
        self.assertEqual(mapping["FunctionResponseTypes"], ["ReportBatchItemFailures"])
        self.assertEqual(
            mapping["DestinationConfig"]["OnFailure"]["Destination"],
            {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]},
        )
        for setting in [
            "BatchSize",
            "MaximumBatchingWindowInSeconds",
            "ParallelizationFactor",
            "MaximumRetryAttempts",
            "MaximumRecordAgeInSeconds",
        ]:
            self.assertEqual(mapping[setting], ref(setting), setting)

    def test_sound_defaults(self):
        self.assertTrue(1 <= PARAMETERS["BatchSize"]["Default"] <= 10000)
        self.assertTrue(0 <= PARAMETERS["MaximumBatchingWindowInSeconds"]["Default"] <= 300)
        self.assertTrue(1 <= PARAMETERS["ParallelizationFactor"]["Default"] <= 10)
        # Finite, so one poison batch cannot block a shard until the records expire.
        self.assertTrue(0 <= PARAMETERS["MaximumRetryAttempts"]["Default"] <= 10000)
        age = int(PARAMETERS["MaximumRecordAgeInSeconds"]["Default"])
        self.assertTrue(60 <= age <= 604800)
        self.assertLessEqual(age, PARAMETERS["StreamRetentionHours"]["Default"] * 3600)

    def test_record_age_allows_exactly_what_aws_accepts(self):
        pattern = re.compile(PARAMETERS["MaximumRecordAgeInSeconds"]["AllowedPattern"])
        accepted = {v for v in range(-5, 700000) if pattern.fullmatch(str(v))}
        self.assertEqual(accepted, {-1} | set(range(60, 604801)))
        for text in ["", "+60", "060", "1e3", " 60", "-0"]:
            self.assertIsNone(pattern.fullmatch(text), text)

    def test_no_function_level_dead_letter_queue_on_the_consumer(self):
        consumer = props("ConsumerFunction")
        self.assertNotIn("DeadLetterQueue", consumer)
        self.assertNotIn("DeadLetterConfig", consumer)
        self.assertNotIn("Events", consumer)


class Functions(unittest.TestCase):
    FUNCTIONS = {
        "AuthorizerFunction": "authorizer",
        "ConsumerFunction": "consumer",
        "StreamsFunction": "streams",
        "TopicsFunction": "topics",
        "RotationFunction": "rotation",
        "SubmitFunction": "submit",
    }

    def test_runtime_build_and_size(self):
        globals_ = plain(TEMPLATE["Globals"]["Function"])
        self.assertEqual(globals_["Runtime"], "provided.al2023")
        self.assertEqual(globals_["Handler"], "bootstrap")
        self.assertEqual(globals_["Architectures"], [ref("FunctionArchitecture")])
        self.assertEqual(PARAMETERS["FunctionArchitecture"]["Default"], "arm64")
        for name, binary in self.FUNCTIONS.items():
            metadata = plain(RESOURCES[name]["Metadata"])
            self.assertEqual(metadata["BuildMethod"], "rust-cargolambda")
            self.assertEqual(metadata["BuildProperties"]["Binary"], binary)
            function = props(name)
            self.assertLessEqual(function["MemorySize"], 256, name)
            self.assertLessEqual(function["Timeout"], 60, name)
            self.assertEqual(function["LoggingConfig"]["LogFormat"], "JSON", name)
            # WARN or ERROR would drop the platform report records (Init Duration, Max Memory Used).
            self.assertEqual(function["LoggingConfig"]["SystemLogLevel"], "INFO", name)

    def test_every_environment_variable_is_read_by_the_function(self):
        for name, crate in self.FUNCTIONS.items():
            variables = props(name)["Environment"]["Variables"]
            config = ROOT / crate / "src" / "config.rs"
            self.assertTrue(config.is_file(), f"{name}: {crate}/src/config.rs reads the function's environment")
            source = config.read_text()
            for variable in variables:
                self.assertTrue(f'"{variable}"' in source, f"{name}: {variable} is not read by {crate}/src/config.rs")
        self.assertEqual(
            props("ConsumerFunction")["Environment"]["Variables"]["TABLE_NAME"], ref("EventsTable")
        )
        self.assertEqual(
            props("AuthorizerFunction")["Environment"]["Variables"]["CREDENTIALS_SECRET"], ref("CredentialsSecret")
        )

    def test_the_topics_function(self):
        function = props("TopicsFunction")
        self.assertEqual(RESOURCES["TopicsFunction"]["Condition"], "HasKafkaFunction")
        self.assertEqual(function["CodeUri"], ".")
        self.assertLess(function["Timeout"], 30, "below the HTTP API's 30 s integration timeout")
        self.assertEqual(function["Role"], {"Fn::GetAtt": ["TopicsFunctionRole", "Arn"]})
        checkov = lambda name: plain(RESOURCES[name]["Metadata"])["checkov"]
        self.assertEqual(checkov("TopicsFunction"), checkov("StreamsFunction"))
        variables = function["Environment"]["Variables"]
        self.assertEqual(variables["KAFKA_BOOTSTRAP_SERVERS"], ref("KafkaBootstrapServers"))
        self.assertEqual(variables["KAFKA_AUTH"], ref("KafkaAuth"))
        self.assertEqual(variables["KAFKA_TOPIC_PATTERN"], ref("KafkaTopicPattern"))
        for state in KAFKA_FUNCTION_STATES:
            conditions = STATES[state]
            deployed = active(function, conditions)
            scram = deployed["Environment"]["Variables"]["KAFKA_SCRAM_SECRET"]
            self.assertEqual(scram, ref("KafkaScramSecretArn") if ", scram" in state else "", state)
            # In Kafka's VPC exactly when subnets are given.
            if state.endswith(", vpc"):
                network = {"SubnetIds": ref("KafkaSubnetIds"), "SecurityGroupIds": ref("KafkaSecurityGroupIds")}
                self.assertEqual(deployed["VpcConfig"], network, state)
            else:
                self.assertNotIn("VpcConfig", deployed, state)

    def test_the_submit_function(self):
        function = props("SubmitFunction")
        self.assertEqual(function["CodeUri"], ".")
        self.assertEqual(function["MemorySize"], 128)
        self.assertLess(function["Timeout"], 30, "below the HTTP API's 30 s integration timeout")
        self.assertEqual(function["Environment"]["Variables"], {"INGESTION_STREAM": ref("EventStream")})
        self.assertEqual(function["LoggingConfig"]["LogGroup"], ref("SubmitLogs"))
        self.assertEqual(props("SubmitLogs")["RetentionInDays"], ref("LogRetentionDays"))
        self.assertNotIn("Events", function, "invoked by the HTTP API's integration only")
        checkov = lambda name: plain(RESOURCES[name]["Metadata"])["checkov"]
        self.assertEqual(checkov("SubmitFunction"), checkov("StreamsFunction"))
        self.assertEqual(checkov("SubmitLogs"), checkov("StreamsLogs"))

    def test_everything_of_the_topics_function_goes_with_it(self):
        for name in ["TopicsFunction", "TopicsFunctionRole", "TopicsLogs", "TopicsInvokePermission", "TopicsErrorsAlarm", "TopicsFailedRecordsAlarm"]:
            self.assertEqual(RESOURCES[name]["Condition"], "HasKafkaFunction", name)
        self.assertEqual(props("TopicsFunction")["LoggingConfig"]["LogGroup"], ref("TopicsLogs"))
        self.assertEqual(plain(TEMPLATE["Outputs"]["KafkaTopicsUrl"])["Condition"], "HasKafkaTopics")
        for state, conditions in STATES.items():
            self.assertEqual(conditions["HasKafkaFunction"], state.startswith("kafka function"), state)
            self.assertEqual(conditions["HasKafkaTopics"], state.startswith("kafka"), state)

    def test_metrics_namespace(self):
        for name in ["AuthorizerFunction", "ConsumerFunction", "TopicsFunction"]:
            variables = props(name)["Environment"]["Variables"]
            self.assertEqual(variables["METRICS_NAMESPACE"], ref("MetricsNamespace"), name)
        parameter = PARAMETERS["MetricsNamespace"]
        self.assertEqual(parameter["Default"], "streamgate")
        pattern = re.compile(parameter["AllowedPattern"])
        for good in ["streamgate", "a", "My App/prod", "x.y-z_1#2:3", "n" * 255]:
            self.assertIsNotNone(pattern.fullmatch(good), good)
        for bad in ["", " lead", "n" * 256, 'quo"te', "new\nline", "café", "a,b"]:
            self.assertIsNone(pattern.fullmatch(bad), bad)


class Data(unittest.TestCase):
    def test_stream_table_queue_secret(self):
        stream = props("EventStream")
        self.assertEqual(stream["StreamEncryption"], {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"})
        self.assertEqual(stream["ShardCount"], ref("StreamShardCount"))
        table = props("EventsTable")
        self.assertEqual(table["KeySchema"], [{"AttributeName": "eventId", "KeyType": "HASH"}])
        self.assertEqual(table["AttributeDefinitions"], [{"AttributeName": "eventId", "AttributeType": "S"}])
        self.assertIs(table["SSESpecification"]["SSEEnabled"], True)
        self.assertIs(table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], True)
        self.assertEqual(PARAMETERS["TableWriteCapacityUnits"]["Default"], 0, "on-demand by default")
        queue = props("DeadLetterQueue")
        self.assertEqual(queue["MessageRetentionPeriod"], 1209600)
        self.assertEqual(queue["MaximumMessageSize"], 1048576)
        self.assertEqual(
            props("ConsumerFunction")["Environment"]["Variables"]["DEAD_LETTER_MAX_MESSAGE_BYTES"],
            queue["MaximumMessageSize"],
            "the consumer sizes dead-letter messages by the queue's limit",
        )
        self.assertIs(queue["SqsManagedSseEnabled"], True)
        generated = props("CredentialsSecret")["GenerateSecretString"]
        self.assertEqual(generated["GenerateStringKey"], "password")
        self.assertGreaterEqual(generated["PasswordLength"], 32)
        self.assertIs(generated["ExcludePunctuation"], True, "no ':' or header-breaking characters")
        # The generated secret stays the single-user form; named clients come from `streamgate credentials`.
        self.assertEqual(generated["SecretStringTemplate"], {"Fn::Sub": '{"username": "${Username}"}'})

    def test_every_parameter_is_in_one_guided_group(self):
        # `sam deploy --guided` and the console ask in these groups; a parameter outside them is asked last, alone.
        groups = plain(TEMPLATE["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"])
        grouped = [name for group in groups for name in group["Parameters"]]
        self.assertEqual(sorted(grouped), sorted(PARAMETERS))
        access = next(g for g in groups if g["Label"]["default"] == "Access")
        self.assertLessEqual({"PreviousCredentialsGraceMinutes", "CredentialsRotationDays"}, set(access["Parameters"]))
        for name, declaration in PARAMETERS.items():
            self.assertTrue(declaration.get("Description"), f"{name}: --guided shows the description")
        api = next(g for g in groups if g["Label"]["default"] == "API")
        self.assertIn("SubmitIntegration", api["Parameters"])
        kafka = next(g for g in groups if g["Label"]["default"] == "Kafka (/topics)")
        self.assertEqual({n for n in PARAMETERS if n.startswith("Kafka")}, set(kafka["Parameters"]))

    def test_the_proxy_bounds(self):
        groups = plain(TEMPLATE["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"])
        proxy = next(g for g in groups if g["Label"]["default"] == "Kinesis proxy API (/streams)")
        self.assertEqual(
            proxy["Parameters"],
            [
                "StreamsApi",
                "StreamManagement",
                "ProxyStreamShardCount",
                "ProxyStreamMaxShardCount",
                "ProxyStreamMaxCount",
                "ProxyShardBudget",
                "ProxyOnDemand",
                "ProxyControlPlaneRateLimit",
            ],
        )
        for name, (default, low, high) in {
            "ProxyStreamMaxCount": (10, 1, 100),
            "ProxyShardBudget": (20, 1, 10000),
            "ProxyControlPlaneRateLimit": (5, 1, 1000),
        }.items():
            parameter = PARAMETERS[name]
            self.assertEqual((parameter["Type"], parameter["Default"]), ("Number", default), name)
            self.assertEqual((parameter["MinValue"], parameter["MaxValue"]), (low, high), name)
            self.assertEqual(pattern_violations({name: str(low - 1)}), [name])
            self.assertEqual(pattern_violations({name: str(high + 1)}), [name])
        # On-demand streams (billed per GB, 50 per account) are opt-in.
        on_demand = PARAMETERS["ProxyOnDemand"]
        self.assertEqual((on_demand["Type"], on_demand["Default"], on_demand["AllowedValues"]), ("String", "false", ["true", "false"]))
        self.assertEqual(pattern_violations({"ProxyOnDemand": "yes"}), ["ProxyOnDemand"])
        self.assertIn("ProxyStreamMaxCount", PARAMETERS["ProxyOnDemand"]["Description"])
        self.assertIn("409", PARAMETERS["ProxyStreamMaxCount"]["Description"])

    def test_outputs(self):
        self.assertTrue(
            {
                "ApiEndpoint",
                "ExampleSubmitUrl",
                "CredentialsSecretArn",
                "GetCredentialsCommand",
                "TableName",
                "StreamName",
                "DeadLetterQueueUrl",
                "ConsumerFunctionName",
                "RotationFunctionName",
                "RotationFunctionArn",
            }
            <= set(TEMPLATE["Outputs"])
        )
        command = plain(TEMPLATE["Outputs"]["GetCredentialsCommand"]["Value"])["Fn::Sub"]
        self.assertTrue(command.startswith("aws secretsmanager get-secret-value"))
        outputs = plain(TEMPLATE["Outputs"])
        self.assertEqual(outputs["RotationFunctionName"]["Value"], ref("RotationFunction"))
        self.assertEqual(outputs["RotationFunctionArn"]["Value"], {"Fn::GetAtt": ["RotationFunction", "Arn"]})
        self.assertNotIn("Condition", outputs["RotationFunctionName"], "the function is always deployed")

    def test_the_docs_list_every_parameter(self):
        # The Configuration table of docs/deploying.md: one row per parameter (two share one row), no more.
        deploying = (ROOT / "docs" / "deploying.md").read_text()
        table = deploying.split("\n## Configuration\n", 1)[1].split("\n\n| parameter |", 1)[1].split("\n\n", 1)[0]
        documented = [name for row in table.splitlines()[2:] for name in re.findall(r"`(\w+)`", row.split(" | ")[0])]
        self.assertEqual(sorted(documented), sorted(PARAMETERS))
        self.assertEqual(len(PARAMETERS), 43)


def managed_policy(arn):
    """A managed policy ARN as SAM writes it (a string) or as the template does (an Fn::Sub with the
    partition), in SAM's form."""
    if isinstance(arn, dict):
        return arn["Fn::Sub"].replace("${AWS::Partition}", "aws")
    return arn


class Iam(unittest.TestCase):
    def test_no_statement_on_star_except_log_delivery(self):
        resources = transformed()
        roles = {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
        self.assertEqual(
            set(roles),
            {
                "ApiKinesisRole",
                "AuthorizerFunctionRole",
                "ConsumerFunctionRole",
                "StreamsFunctionRole",
                "TopicsFunctionRole",
                "RotationFunctionRole",
                "SubmitFunctionRole",
            },
        )
        for state, conditions in STATES.items():
            for name, declared in roles.items():
                role = active(declared, conditions)
                # The only managed policies: log delivery (AWSLambdaBasicExecutionRole), and the network
                # interfaces of a function in a VPC (AWSLambdaVPCAccessExecutionRole) only while it is in one.
                managed = {managed_policy(arn) for arn in role.get("ManagedPolicyArns", [])}
                expected = set() if name == "ApiKinesisRole" else {BASIC_EXECUTION}
                if name == "TopicsFunctionRole" and conditions["HasKafkaFunctionVpc"]:
                    expected.add(VPC_ACCESS)
                self.assertEqual(managed, expected, f"{state}: {name}")
                for policy in role.get("Policies", []):
                    for statement in policy["PolicyDocument"]["Statement"]:
                        if statement.get("Sid") == "ListStreamsCannotBeScoped":
                            # ListStreams has no resource-level permissions; nothing else may ride on it.
                            self.assertEqual((statement["Action"], statement["Resource"]), ("kinesis:ListStreams", "*"))
                            continue
                        targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                        self.assertNotIn("*", targets, f"{state}: {name}: {statement}")
                        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                        self.assertFalse(any(a.endswith("*") for a in actions), f"{state}: {name}: {statement}")
        for name, resource in resources.items():
            self.assertNotEqual(resource["Type"], "AWS::IAM::Policy", f"{name}: a policy outside the roles")

    def test_the_topics_function_may_use_only_its_cluster_topics_or_secret(self):
        role = transformed()["TopicsFunctionRole"]["Properties"]

        def statements(state):
            policies = active(role, STATES[state]).get("Policies", [])
            return {s["Sid"]: s for p in policies for s in p["PolicyDocument"]["Statement"]}

        for state in KAFKA_FUNCTION_STATES:
            found = statements(state)
            if ", iam" in state:
                self.assertEqual(set(found), {"ConnectToItsCluster", "DescribeAndWriteOnlyItsTopics"}, state)
                self.assertEqual(found["ConnectToItsCluster"]["Action"], "kafka-cluster:Connect")
                self.assertEqual(found["ConnectToItsCluster"]["Resource"], {"Fn::Sub": "${KafkaClusterArn}"})
                topics = found["DescribeAndWriteOnlyItsTopics"]
                self.assertEqual(set(topics["Action"]), {"kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"})
                template, parts = topics["Resource"]["Fn::Sub"]
                arn = template.replace("${KafkaTopicPattern}", "streamgate-*")
                for part, expression in parts.items():
                    arn = arn.replace("${" + part + "}", evaluate(expression, {"KafkaClusterArn": CLUSTER}, {}))
                self.assertEqual(
                    arn,
                    "arn:aws:kafka:us-east-1:123456789012:topic/events/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5/streamgate-*",
                )
            elif ", scram" in state:
                self.assertEqual(set(found), {"ReadOnlyItsScramSecret", "DecryptOnlyItsScramSecret"}, state)
                secret = found["ReadOnlyItsScramSecret"]
                self.assertEqual(secret["Action"], "secretsmanager:GetSecretValue")
                self.assertEqual(secret["Resource"], {"Fn::Sub": "${KafkaScramSecretArn}"})
                decrypt = found["DecryptOnlyItsScramSecret"]
                self.assertEqual(decrypt["Action"], "kms:Decrypt")
                self.assertTrue(decrypt["Resource"]["Fn::Sub"][0].endswith(":key/*"))
                condition = decrypt["Condition"]["StringEquals"]
                self.assertEqual(condition["kms:EncryptionContext:SecretARN"], ref("KafkaScramSecretArn"))
                via, parts = condition["kms:ViaService"]["Fn::Sub"]
                region = evaluate(parts["Region"], {"KafkaScramSecretArn": SCRAM_SECRET}, {})
                self.assertEqual(via.replace("${Region}", region), "secretsmanager.us-east-1.amazonaws.com")
            else:
                self.assertEqual(found, {}, f"{state}: KafkaAuth=none needs no Kafka permissions")

    def test_each_function_touches_only_its_own_resources(self):
        resources = transformed()

        def statements(role):
            return [s for p in resources[role]["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]

        authorizer = statements("AuthorizerFunctionRole")
        self.assertEqual([(s["Action"], s["Resource"]) for s in authorizer], [("secretsmanager:GetSecretValue", ref("CredentialsSecret"))])
        consumer = {s["Sid"]: s for s in statements("ConsumerFunctionRole")}
        self.assertEqual(consumer["ReadAndWriteOnlyItsTable"]["Resource"], {"Fn::GetAtt": ["EventsTable", "Arn"]})
        self.assertEqual(consumer["SendOnlyToItsQueue"]["Resource"], {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]})
        self.assertEqual(consumer["ReadOnlyItsStream"]["Resource"], {"Fn::GetAtt": ["EventStream", "Arn"]})

    def test_the_streams_function_has_exactly_its_routes_actions(self):
        proxy = {"Fn::Sub": PROXY_STREAM_ARN}
        own = {"StringEquals": {OWNER_TAG_CONDITION: ref("AWS::StackId")}}
        expected = {
            "ListStreamsCannotBeScoped": ("kinesis:ListStreams", "*", None),
            "DescribeAndPutTheIngestionStream": (DESCRIBE_AND_PUT, {"Fn::GetAtt": ["EventStream", "Arn"]}, None),
            # Unconditioned: the function reads a matching stream's tags to refuse a foreign one (403).
            "ReadProxyStreamTags": ("kinesis:ListTagsForStream", proxy, None),
            "DescribeAndPutOnlyOwnProxyStreams": (DESCRIBE_AND_PUT, proxy, own),
        }
        management = {
            # CreateStream with Tags needs AddTagsToStream on the new stream too; the stack's tag, no other key.
            "CreateOnlyTaggedProxyStreams": (
                ["kinesis:CreateStream", "kinesis:AddTagsToStream"],
                proxy,
                {
                    "StringEquals": {"aws:RequestTag/streamgate:stack": ref("AWS::StackId")},
                    "ForAllValues:StringEquals": {"aws:TagKeys": ["streamgate:stack"]},
                },
            ),
            "DeleteOnlyOwnProxyStreams": ("kinesis:DeleteStream", proxy, own),
        }
        streams_states = [name for name, c in STATES.items() if c["HasStreamsApi"]]
        self.assertTrue(any(STATES[s]["HasStreamManagement"] for s in streams_states))
        self.assertTrue(any(not STATES[s]["HasStreamManagement"] for s in streams_states))
        for state, conditions in STATES.items():
            resources = deployed(conditions)
            if not conditions["HasStreamsApi"]:
                self.assertNotIn("StreamsFunctionRole", resources, state)
                continue
            found = streams_statements(resources)
            wanted = {**expected, **(management if conditions["HasStreamManagement"] else {})}
            self.assertEqual(set(found), set(wanted), state)
            for sid, (actions, resource, condition) in wanted.items():
                statement = found[sid]
                self.assertEqual(statement["Effect"], "Allow", f"{state}: {sid}")
                self.assertEqual(sorted(as_list(statement["Action"])), sorted(as_list(actions)), f"{state}: {sid}")
                self.assertEqual(statement["Resource"], resource, f"{state}: {sid}")
                self.assertEqual(statement.get("Condition"), condition, f"{state}: {sid}")

    def test_ownership_of_proxy_streams_is_enforced_by_iam(self):
        """Whatever the statements are called: on the <stack>-proxy-* ARN, describe, put and delete
        need the stack's tag on the stream, create (and tagging) needs it in the request and no other
        key, and only reading the tags goes unconditioned."""
        tagged = {"kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DeleteStream"}
        created = {"kinesis:CreateStream", "kinesis:AddTagsToStream"}
        for state, conditions in STATES.items():
            if not conditions["HasStreamsApi"]:
                continue
            granted = set()
            for statement in streams_statements(deployed(conditions)).values():
                self.assertEqual(statement["Effect"], "Allow", state)
                resources = as_list(statement["Resource"])
                actions = set(as_list(statement["Action"]))
                if (resources, actions) == (["*"], {"kinesis:ListStreams"}):
                    continue  # no resource-level permissions; names only
                if not any(on_proxy_streams(r) for r in resources):
                    # Nothing else may reach a proxy stream: this is the ingestion stream's.
                    self.assertEqual(resources, [{"Fn::GetAtt": ["EventStream", "Arn"]}], f"{state}: {statement}")
                    continue
                self.assertEqual(resources, [{"Fn::Sub": PROXY_STREAM_ARN}], f"{state}: one resource per statement, so a condition covers all it grants")
                condition = statement.get("Condition", {})
                granted |= actions
                if actions & tagged:
                    self.assertEqual(condition, {"StringEquals": {OWNER_TAG_CONDITION: ref("AWS::StackId")}}, f"{state}: {statement}")
                    self.assertLessEqual(actions, tagged, f"{state}: {statement}")
                elif actions & created:
                    self.assertEqual(
                        condition,
                        {
                            "StringEquals": {"aws:RequestTag/streamgate:stack": ref("AWS::StackId")},
                            "ForAllValues:StringEquals": {"aws:TagKeys": ["streamgate:stack"]},
                        },
                        f"{state}: {statement}",
                    )
                    self.assertLessEqual(actions, created, f"{state}: {statement}")
                else:
                    self.assertEqual(actions, {"kinesis:ListTagsForStream"}, f"{state}: the only unconditioned action on proxy streams")
                    self.assertNotIn("Condition", statement, state)
            # Create and delete exactly with StreamManagement.
            management = {"kinesis:CreateStream", "kinesis:AddTagsToStream", "kinesis:DeleteStream"}
            self.assertEqual(granted & management, management if conditions["HasStreamManagement"] else set(), state)

    def test_the_streams_function_knows_its_stack_and_bounds(self):
        expected = {
            "INGESTION_STREAM": ref("EventStream"),
            "PROXY_STREAM_PREFIX": {"Fn::Sub": "${AWS::StackName}-proxy-"},
            # The value of the streamgate:stack tag the role requires.
            "STACK_ID": ref("AWS::StackId"),
            "PROXY_STREAM_MAX_COUNT": ref("ProxyStreamMaxCount"),
            "PROXY_SHARD_BUDGET": ref("ProxyShardBudget"),
            "PROXY_ON_DEMAND": ref("ProxyOnDemand"),
            "DEFAULT_SHARD_COUNT": ref("ProxyStreamShardCount"),
            "MAX_SHARD_COUNT": ref("ProxyStreamMaxShardCount"),
            # Where its create and delete counts go (EMF).
            "METRICS_NAMESPACE": ref("MetricsNamespace"),
        }
        for state, conditions in STATES.items():
            if not conditions["HasStreamsApi"]:
                continue
            variables = active(props("StreamsFunction"), conditions)["Environment"]["Variables"]
            for name, value in expected.items():
                self.assertEqual(variables.get(name), value, f"{state}: {name}")
            self.assertEqual(variables["STREAM_MANAGEMENT"], "true" if conditions["HasStreamManagement"] else "false", state)
            # And so after the SAM transform, as Lambda gets them.
            function = deployed(conditions)["StreamsFunction"]["Properties"]["Environment"]["Variables"]
            self.assertEqual({k: function[k] for k in expected}, expected, state)

    def test_the_rotation_function_may_rotate_only_the_credentials_secret(self):
        resources = transformed()
        role = resources["RotationFunctionRole"]["Properties"]
        statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
        self.assertEqual(len(statements), 1, statements)
        actions = statements[0]["Action"]
        self.assertEqual(
            sorted(actions if isinstance(actions, list) else [actions]),
            [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:ListSecretVersionIds",
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecretVersionStage",
            ],
            "no GetRandomPassword (unscopable; passwords come from the OS CSPRNG), nothing else",
        )
        self.assertEqual(statements[0]["Resource"], ref("CredentialsSecret"))
        self.assertEqual(statements[0]["Effect"], "Allow")
        self.assertNotIn("Condition", resources["RotationFunctionRole"], "deployed in every state")
        self.assertEqual({managed_policy(a) for a in role["ManagedPolicyArns"]}, {BASIC_EXECUTION})

    def test_everything_of_the_streams_api_goes_with_it(self):
        for name in ["StreamsFunction", "StreamsLogs", "StreamsInvokePermission", "StreamsErrorsAlarm"]:
            self.assertEqual(RESOURCES[name]["Condition"], "HasStreamsApi", name)

    def test_everything_of_the_submit_function_goes_with_it(self):
        for name in ["SubmitFunction", "SubmitLogs", "SubmitInvokePermission", "SubmitErrorsAlarm"]:
            self.assertEqual(RESOURCES[name]["Condition"], "SubmitIsFunction", name)
        self.assertEqual(transformed()["SubmitFunctionRole"]["Condition"], "SubmitIsFunction")
        self.assertEqual(RESOURCES["ApiKinesisRole"]["Condition"], "SubmitIsDirect")
        self.assertEqual(plain(TEMPLATE["Outputs"]["SubmitFunctionName"]), {
            "Condition": "SubmitIsFunction",
            "Description": TEMPLATE["Outputs"]["SubmitFunctionName"]["Description"],
            "Value": ref("SubmitFunction"),
        })


class Rotation(unittest.TestCase):
    def test_the_rotation_function(self):
        function = RESOURCES["RotationFunction"]
        self.assertNotIn("Condition", function, "always deployed: `streamgate credentials rotate` invokes it")
        properties = props("RotationFunction")
        self.assertEqual(properties["Environment"]["Variables"], {"CREDENTIALS_SECRET": ref("CredentialsSecret")})
        self.assertEqual(properties["CodeUri"], ".")
        self.assertEqual((properties["MemorySize"], properties["Timeout"]), (128, 30))
        self.assertEqual(properties["LoggingConfig"]["LogGroup"], ref("RotationLogs"))
        self.assertNotIn("Condition", RESOURCES["RotationLogs"])
        self.assertEqual(props("RotationLogs")["RetentionInDays"], ref("LogRetentionDays"))
        checkov = lambda name: plain(RESOURCES[name]["Metadata"])["checkov"]
        self.assertEqual(checkov("RotationFunction"), checkov("AuthorizerFunction"))
        self.assertEqual(checkov("RotationLogs"), checkov("AuthorizerLogs"))
        self.assertNotIn("Events", properties, "invoked by Secrets Manager and the CLI only")

    def test_secrets_manager_may_invoke_it_for_this_secret_only(self):
        permission = RESOURCES["RotationFunctionSecretsManagerPermission"]
        self.assertEqual(permission["Type"], "AWS::Lambda::Permission")
        self.assertNotIn("Condition", permission, "the CLI's rotation runs through Secrets Manager too")
        self.assertEqual(
            props("RotationFunctionSecretsManagerPermission"),
            {
                "Action": "lambda:InvokeFunction",
                "FunctionName": ref("RotationFunction"),
                "Principal": "secretsmanager.amazonaws.com",
                # Against the confused deputy: this account, this secret.
                "SourceAccount": ref("AWS::AccountId"),
                "SourceArn": ref("CredentialsSecret"),
            },
        )
        # Nothing else may invoke it: no other permission names the function.
        for name, resource in RESOURCES.items():
            if resource["Type"] == "AWS::Lambda::Permission" and name != "RotationFunctionSecretsManagerPermission":
                self.assertNotEqual(plain(resource["Properties"])["FunctionName"], ref("RotationFunction"), name)

    def test_the_schedule_exists_only_with_rotation_days(self):
        schedule = RESOURCES["CredentialsRotationSchedule"]
        self.assertEqual(schedule["Type"], "AWS::SecretsManager::RotationSchedule")
        self.assertEqual(schedule["Condition"], "HasCredentialsRotation")
        self.assertEqual(plain(schedule["DependsOn"]), "RotationFunctionSecretsManagerPermission")
        self.assertEqual(
            props("CredentialsRotationSchedule"),
            {
                "SecretId": ref("CredentialsSecret"),
                "RotationLambdaARN": {"Fn::GetAtt": ["RotationFunction", "Arn"]},
                "RotationRules": {"AutomaticallyAfterDays": ref("CredentialsRotationDays")},
                # A deploy must not replace the password just handed out.
                "RotateImmediatelyOnUpdate": False,
            },
        )
        parameter = PARAMETERS["CredentialsRotationDays"]
        self.assertEqual((parameter["Type"], parameter["Default"]), ("Number", 0), "off by default")
        self.assertEqual((parameter["MinValue"], parameter["MaxValue"]), (0, 1000), "AutomaticallyAfterDays takes 1-1000")
        for state, overrides in PARAMETER_STATES.items():
            days = int(parameter_values(overrides)["CredentialsRotationDays"])
            self.assertEqual(STATES[state]["HasCredentialsRotation"], days > 0, state)
        self.assertTrue(any(c["HasCredentialsRotation"] for c in STATES.values()))
        self.assertFalse(STATES["streams on"]["HasCredentialsRotation"], "the defaults schedule nothing")
        self.assertEqual(pattern_violations({"CredentialsRotationDays": "1001"}), ["CredentialsRotationDays"])
        # After the SAM transform, as CloudFormation gets it.
        transformed_schedule = transformed()["CredentialsRotationSchedule"]
        self.assertEqual(transformed_schedule["Condition"], "HasCredentialsRotation")
        self.assertIn("RotationFunctionSecretsManagerPermission", transformed_schedule["DependsOn"])


class Alarms(unittest.TestCase):
    def test_dead_letters_iterator_age_and_errors(self):
        alarms = {props(n)["MetricName"] + ":" + json.dumps(props(n)["Dimensions"]) for n, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
        expected = [
            "ApproximateNumberOfMessagesVisible",
            "IteratorAge",
            'Errors:[{"Name": "FunctionName", "Value": {"Ref": "AuthorizerFunction"}}]',
            'Errors:[{"Name": "FunctionName", "Value": {"Ref": "ConsumerFunction"}}]',
            'Errors:[{"Name": "FunctionName", "Value": {"Ref": "StreamsFunction"}}]',
            'Errors:[{"Name": "FunctionName", "Value": {"Ref": "TopicsFunction"}}]',
            'Errors:[{"Name": "FunctionName", "Value": {"Ref": "RotationFunction"}}]',
            'Errors:[{"Name": "FunctionName", "Value": {"Ref": "SubmitFunction"}}]',
        ]
        for metric in expected:
            self.assertTrue(any(a.startswith(metric) for a in alarms), metric)

    def test_failed_records_from_the_consumers_own_metrics(self):
        alarm = props("ConsumerFailedRecordsAlarm")
        self.assertEqual(alarm["Namespace"], ref("MetricsNamespace"))
        self.assertEqual((alarm["MetricName"], alarm["Statistic"]), ("RecordsFailed", "Sum"))
        self.assertEqual(alarm["Dimensions"], [{"Name": "service", "Value": "consumer"}])
        self.assertEqual(alarm["TreatMissingData"], "notBreaching")

    def test_failed_records_from_the_topics_functions_own_metrics(self):
        alarm = props("TopicsFailedRecordsAlarm")
        self.assertEqual(alarm["Namespace"], ref("MetricsNamespace"))
        self.assertEqual((alarm["MetricName"], alarm["Statistic"]), ("RecordsFailed", "Sum"))
        self.assertEqual(alarm["Dimensions"], [{"Name": "service", "Value": "topics"}])


if __name__ == "__main__":
    unittest.main()
