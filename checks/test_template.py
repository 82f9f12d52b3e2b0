"""Invariants of template.yaml that sam validate, cfn-lint and checkov do not know about.

Run by `make test` with the SAM virtual environment (it has cfn-lint's CloudFormation YAML reader and
the SAM translator, so the IAM check sees the policies SAM itself generates).
"""

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


def plain(value):
    """cfn-lint's YAML nodes as plain dicts, lists and strings."""
    return json.loads(json.dumps(value))


def props(name):
    return plain(RESOURCES[name]["Properties"])


def ref(name):
    return {"Ref": name}


def transformed():
    """The template as CloudFormation sees it after the SAM transform (offline)."""
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


BASE = {"IsProvisioned": False, "HasAlarmTopic": False, "HasKafkaRestProxy": False}
STATES = {
    "streams off": {**BASE, "HasStreamsApi": False, "HasStreamManagement": False},
    "streams on": {**BASE, "HasStreamsApi": True, "HasStreamManagement": False},
    "management on": {**BASE, "HasStreamsApi": True, "HasStreamManagement": True},
    "kafka on": {**BASE, "HasStreamsApi": False, "HasStreamManagement": False, "HasKafkaRestProxy": True},
}


def routes(conditions):
    """{"METHOD /path": operation} of the API in one parameter state."""
    paths = active(props("Api")["DefinitionBody"]["paths"], conditions)
    method = lambda m: "ANY" if m == "x-amazon-apigateway-any-method" else m.upper()
    return {f"{method(m)} {p}": op for p, item in paths.items() for m, op in item.items()}


class Route(unittest.TestCase):
    def test_submit_puts_the_body_on_kinesis(self):
        paths = props("Api")["DefinitionBody"]["paths"]
        self.assertEqual(list(paths["/submit/{streamName}/{eventId}"]), ["post"])
        post = paths["/submit/{streamName}/{eventId}"]["post"]
        self.assertEqual({p["name"] for p in post["parameters"] if p["in"] == "path"}, {"streamName", "eventId"})
        integration = post["x-amazon-apigateway-integration"]
        self.assertEqual(integration["type"], "aws_proxy")
        self.assertEqual(integration["integrationSubtype"], "Kinesis-PutRecord")
        self.assertEqual(integration["payloadFormatVersion"], "1.0")
        self.assertEqual(
            integration["requestParameters"],
            {
                "StreamName": "$request.path.streamName",
                "Data": "$request.body",
                "PartitionKey": "$request.path.eventId",
            },
        )
        self.assertEqual(integration["credentials"], {"Fn::GetAtt": ["ApiKinesisRole", "Arn"]})

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
        self.assertEqual(set(routes(STATES["kafka on"])), submit | {"GET /topics", "ANY /topics/{proxy+}"})
        # Secure by default: the routes that create and delete streams are opt-in.
        self.assertEqual(PARAMETERS["StreamsApi"]["Default"], "true")
        self.assertEqual(PARAMETERS["StreamManagement"]["Default"], "false")

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

    def test_kafka_route_forwards_only_topics_to_the_rest_proxy(self):
        found = routes(STATES["kafka on"])
        topics = found["GET /topics"]["x-amazon-apigateway-integration"]
        proxy = found["ANY /topics/{proxy+}"]["x-amazon-apigateway-integration"]
        for integration in (topics, proxy):
            self.assertEqual(integration["type"], "http_proxy")
            self.assertEqual(integration["payloadFormatVersion"], "1.0")
            self.assertLessEqual(integration["timeoutInMillis"], 30000)
        self.assertEqual(topics["uri"], {"Fn::Sub": "${KafkaRestProxyUrl}/topics"})
        self.assertEqual(proxy["uri"], {"Fn::Sub": "${KafkaRestProxyUrl}/topics/{proxy}"})
        self.assertEqual(proxy["httpMethod"], "ANY")
        self.assertFalse(any(k.endswith(" /{proxy+}") for k in found), "never a root {proxy+}")
        self.assertEqual(PARAMETERS["KafkaRestProxyUrl"]["Default"], "", "off unless a REST Proxy is given")

    def test_kafka_rest_proxy_url_pattern(self):
        pattern = re.compile(PARAMETERS["KafkaRestProxyUrl"]["AllowedPattern"])
        for good in ["", "http://10.0.0.5:8082", "https://kafka-rest.example.com", "http://ec2-1-2-3-4.compute.amazonaws.com:8082"]:
            self.assertIsNotNone(pattern.fullmatch(good), good)
        for bad in ["10.0.0.5:8082", "http://host/", "http://host:8082/topics", "ftp://host", "http://", "http://host:port"]:
            self.assertIsNone(pattern.fullmatch(bad), bad)

    def test_no_separate_route_resources(self):
        # They would be deleted when the API's body is re-imported on update.
        kinds = {r["Type"] for r in RESOURCES.values()}
        self.assertNotIn("AWS::ApiGatewayV2::Route", kinds)

    def test_the_integration_role_may_only_put_records_on_this_stream(self):
        statements = [s for p in props("ApiKinesisRole")["Policies"] for s in p["PolicyDocument"]["Statement"]]
        self.assertEqual(len(statements), 1)
        self.assertEqual(statements[0]["Action"], "kinesis:PutRecord")
        self.assertEqual(statements[0]["Resource"], {"Fn::GetAtt": ["EventStream", "Arn"]})

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

    def test_sam_applies_it_to_every_route_in_every_state(self):
        body = transformed()["Api"]["Properties"]["Body"]
        for state, conditions in STATES.items():
            paths = active(body["paths"], conditions)
            for path, item in paths.items():
                for method, operation in item.items():
                    self.assertEqual(operation["security"], [{"BasicAuthorizer": []}], f"{state}: {method} {path}")


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
    FUNCTIONS = {"AuthorizerFunction": "authorizer", "ConsumerFunction": "consumer", "StreamsFunction": "streams"}

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
            source = (ROOT / crate / "src" / "config.rs").read_text()
            for variable in variables:
                self.assertIn(f'"{variable}"', source, f"{name}: {variable} is not read by {crate}")
        self.assertEqual(
            props("ConsumerFunction")["Environment"]["Variables"]["TABLE_NAME"], ref("EventsTable")
        )
        self.assertEqual(
            props("AuthorizerFunction")["Environment"]["Variables"]["CREDENTIALS_SECRET"], ref("CredentialsSecret")
        )

    def test_metrics_namespace(self):
        for name in ["AuthorizerFunction", "ConsumerFunction"]:
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
            }
            <= set(TEMPLATE["Outputs"])
        )
        command = plain(TEMPLATE["Outputs"]["GetCredentialsCommand"]["Value"])["Fn::Sub"]
        self.assertTrue(command.startswith("aws secretsmanager get-secret-value"))


class Iam(unittest.TestCase):
    def test_no_statement_on_star_except_log_delivery(self):
        resources = transformed()
        roles = {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
        self.assertEqual(
            set(roles), {"ApiKinesisRole", "AuthorizerFunctionRole", "ConsumerFunctionRole", "StreamsFunctionRole"}
        )
        for name, role in roles.items():
            # The only managed policy is log delivery (AWSLambdaBasicExecutionRole).
            self.assertTrue(set(role.get("ManagedPolicyArns", [])) <= {BASIC_EXECUTION}, name)
            for policy in role.get("Policies", []):
                for statement in active(policy["PolicyDocument"]["Statement"], STATES["management on"]):
                    if statement.get("Sid") == "ListStreamsCannotBeScoped":
                        # ListStreams has no resource-level permissions; nothing else may ride on it.
                        self.assertEqual((statement["Action"], statement["Resource"]), ("kinesis:ListStreams", "*"))
                        continue
                    targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                    self.assertNotIn("*", targets, f"{name}: {statement}")
                    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                    self.assertFalse(any(a.endswith("*") for a in actions), f"{name}: {statement}")
        for name, resource in resources.items():
            self.assertNotEqual(resource["Type"], "AWS::IAM::Policy", f"{name}: a policy outside the roles")

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
        resources = transformed()
        proxy = "arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/${AWS::StackName}-proxy-*"
        policy = resources["StreamsFunctionRole"]["Properties"]["Policies"]

        def statements(conditions):
            found = {}
            for p in policy:
                for s in active(p["PolicyDocument"]["Statement"], conditions):
                    found[s["Sid"]] = s
            return found

        off = statements(STATES["streams on"])
        self.assertEqual(set(off), {"ListStreamsCannotBeScoped", "DescribeAndPutOnlyItsStreams"})
        put = off["DescribeAndPutOnlyItsStreams"]
        self.assertEqual(set(put["Action"]), {"kinesis:DescribeStream", "kinesis:PutRecord", "kinesis:PutRecords"})
        self.assertEqual(put["Resource"], [{"Fn::GetAtt": ["EventStream", "Arn"]}, {"Fn::Sub": proxy}])
        on = statements(STATES["management on"])["CreateAndDeleteOnlyProxyStreams"]
        self.assertEqual(set(on["Action"]), {"kinesis:CreateStream", "kinesis:DeleteStream"})
        self.assertEqual(on["Resource"], {"Fn::Sub": proxy}, "never the ingestion stream")
        variables = props("StreamsFunction")["Environment"]["Variables"]
        self.assertEqual(variables["PROXY_STREAM_PREFIX"], {"Fn::Sub": "${AWS::StackName}-proxy-"})
        self.assertEqual(variables["INGESTION_STREAM"], ref("EventStream"))

    def test_everything_of_the_streams_api_goes_with_it(self):
        for name in ["StreamsFunction", "StreamsLogs", "StreamsInvokePermission", "StreamsErrorsAlarm"]:
            self.assertEqual(RESOURCES[name]["Condition"], "HasStreamsApi", name)


class Alarms(unittest.TestCase):
    def test_dead_letters_iterator_age_and_errors(self):
        alarms = {props(n)["MetricName"] + ":" + json.dumps(props(n)["Dimensions"]) for n, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
        expected = [
            "ApproximateNumberOfMessagesVisible",
            "IteratorAge",
            'Errors:[{"Name": "FunctionName", "Value": {"Ref": "AuthorizerFunction"}}]',
            'Errors:[{"Name": "FunctionName", "Value": {"Ref": "ConsumerFunction"}}]',
            'Errors:[{"Name": "FunctionName", "Value": {"Ref": "StreamsFunction"}}]',
        ]
        for metric in expected:
            self.assertTrue(any(a.startswith(metric) for a in alarms), metric)

    def test_failed_records_from_the_consumers_own_metrics(self):
        alarm = props("ConsumerFailedRecordsAlarm")
        self.assertEqual(alarm["Namespace"], ref("MetricsNamespace"))
        self.assertEqual((alarm["MetricName"], alarm["Statistic"]), ("RecordsFailed", "Sum"))
        self.assertEqual(alarm["Dimensions"], [{"Name": "service", "Value": "consumer"}])
        self.assertEqual(alarm["TreatMissingData"], "notBreaching")


if __name__ == "__main__":
    unittest.main()
