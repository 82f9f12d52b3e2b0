#!/usr/bin/env bash
# `make watch`: the functions under `cargo lambda watch` (Runtime API + invoke endpoint on :9000),
# against a moto server on loopback holding the documented local secret, the table and the queue.
# Stopped with Ctrl-C; moto stops with it. (The full pipeline comes with `make local`.)
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_PORT="${MOTO_PORT:-5005}"
ENDPOINT="http://127.0.0.1:${MOTO_PORT}"
SECRET="${CREDENTIALS_SECRET:-streamgate/local/credentials}"
USERNAME="${STREAMGATE_USERNAME:-streamgate}"
PASSWORD="${STREAMGATE_PASSWORD:-streamgate-local-password}"

.venv/moto/bin/moto_server -H 127.0.0.1 -p "$MOTO_PORT" >/dev/null 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true' EXIT INT TERM

export AWS_ENDPOINT_URL="$ENDPOINT" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
TABLE="${TABLE_NAME:-streamgate-events}"
QUEUE="${QUEUE_NAME:-streamgate-dead-letters}"
QUEUE_URL=$(STREAMGATE_USERNAME="$USERNAME" STREAMGATE_PASSWORD="$PASSWORD" SECRET="$SECRET" \
  TABLE="$TABLE" QUEUE="$QUEUE" .venv/moto/bin/python - <<'PY'
import json, os, sys, time
import boto3

endpoint = os.environ["AWS_ENDPOINT_URL"]
client = boto3.client("secretsmanager", endpoint_url=endpoint)
deadline = time.monotonic() + 30
while True:
    try:
        client.list_secrets()
        break
    except Exception:
        if time.monotonic() > deadline:
            raise SystemExit("moto server did not start within 30 s")
        time.sleep(0.2)
value = json.dumps({"username": os.environ["STREAMGATE_USERNAME"], "password": os.environ["STREAMGATE_PASSWORD"]})
client.create_secret(Name=os.environ["SECRET"], SecretString=value)
boto3.client("dynamodb", endpoint_url=endpoint).create_table(
    TableName=os.environ["TABLE"], BillingMode="PAY_PER_REQUEST",
    KeySchema=[{"AttributeName": "eventId", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "eventId", "AttributeType": "S"}])
queue_url = boto3.client("sqs", endpoint_url=endpoint).create_queue(QueueName=os.environ["QUEUE"])["QueueUrl"]
print(f"moto at {endpoint}: secret {os.environ['SECRET']}, table {os.environ['TABLE']}, queue {queue_url}",
      file=sys.stderr)
print(queue_url)
PY
)

# Passed explicitly: the function processes get exactly the template's variables plus the emulator's.
env_vars="CREDENTIALS_SECRET=$SECRET,TABLE_NAME=$TABLE,DEAD_LETTER_QUEUE_URL=$QUEUE_URL"
env_vars+=",AWS_ENDPOINT_URL=$ENDPOINT,AWS_REGION=us-east-1"
env_vars+=",AWS_ACCESS_KEY_ID=testing,AWS_SECRET_ACCESS_KEY=testing,AWS_EC2_METADATA_DISABLED=true"
PATH="$PWD/.venv/lambda/bin:$PATH" cargo-lambda lambda watch \
  --invoke-address 127.0.0.1 --invoke-port "${WATCH_PORT:-9000}" --env-vars "$env_vars"
