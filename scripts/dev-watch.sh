#!/usr/bin/env bash
# `make watch`: the functions under `cargo lambda watch` (Runtime API + invoke endpoint on :9000),
# reading credentials from a moto server on loopback that holds the documented local secret.
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
STREAMGATE_USERNAME="$USERNAME" STREAMGATE_PASSWORD="$PASSWORD" SECRET="$SECRET" \
  .venv/moto/bin/python - <<'PY'
import json, os, time
import boto3

client = boto3.client("secretsmanager", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
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
print(f"secret {os.environ['SECRET']} created in moto at {os.environ['AWS_ENDPOINT_URL']}")
PY

# Passed explicitly: the function processes get exactly the template's variables plus the emulator's.
env_vars="CREDENTIALS_SECRET=$SECRET,AWS_ENDPOINT_URL=$ENDPOINT,AWS_REGION=us-east-1"
env_vars+=",AWS_ACCESS_KEY_ID=testing,AWS_SECRET_ACCESS_KEY=testing,AWS_EC2_METADATA_DISABLED=true"
PATH="$PWD/.venv/lambda/bin:$PATH" cargo-lambda lambda watch \
  --invoke-address 127.0.0.1 --invoke-port "${WATCH_PORT:-9000}" --env-vars "$env_vars"
