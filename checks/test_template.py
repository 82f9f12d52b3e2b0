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


class Route(unittest.TestCase):
    def test_the_only_route_puts_the_body_on_kinesis(self):
        paths = props("Api")["DefinitionBody"]["paths"]
        self.assertEqual(list(paths), ["/submit/{streamName}/{eventId}"])
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

    def test_sam_applies_it_to_the_route(self):
        body = transformed()["Api"]["Properties"]["Body"]
        post = body["paths"]["/submit/{streamName}/{eventId}"]["post"]
        self.assertEqual(post["security"], [{"BasicAuthorizer": []}])


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
    FUNCTIONS = {"AuthorizerFunction": "authorizer", "ConsumerFunction": "consumer"}

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
            }
            <= set(TEMPLATE["Outputs"])
        )
        command = plain(TEMPLATE["Outputs"]["GetCredentialsCommand"]["Value"])["Fn::Sub"]
        self.assertTrue(command.startswith("aws secretsmanager get-secret-value"))


class Iam(unittest.TestCase):
    def test_no_statement_on_star_except_log_delivery(self):
        resources = transformed()
        roles = {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
        self.assertEqual(set(roles), {"ApiKinesisRole", "AuthorizerFunctionRole", "ConsumerFunctionRole"})
        for name, role in roles.items():
            # The only managed policy is log delivery (AWSLambdaBasicExecutionRole).
            self.assertTrue(set(role.get("ManagedPolicyArns", [])) <= {BASIC_EXECUTION}, name)
            for policy in role.get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
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


class Alarms(unittest.TestCase):
    def test_dead_letters_iterator_age_and_errors(self):
        alarms = {props(n)["MetricName"] + ":" + json.dumps(props(n)["Dimensions"]) for n, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
        expected = [
            "ApproximateNumberOfMessagesVisible",
            "IteratorAge",
            'Errors:[{"Name": "FunctionName", "Value": {"Ref": "AuthorizerFunction"}}]',
            'Errors:[{"Name": "FunctionName", "Value": {"Ref": "ConsumerFunction"}}]',
        ]
        for metric in expected:
            self.assertTrue(any(a.startswith(metric) for a in alarms), metric)


if __name__ == "__main__":
    unittest.main()
