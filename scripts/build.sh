#!/usr/bin/env bash
# `make build`: sam build of the six functions (release, cargo-lambda, arm64 by default) and the zip size
# of each. ARCH=x86_64 builds for x86_64 instead (deploy with FunctionArchitecture=x86_64).
set -euo pipefail
cd "$(dirname "$0")/.."

ARCH="${ARCH:-arm64}"
case "$ARCH" in
  arm64) TARGET=aarch64-unknown-linux-gnu ;;
  x86_64) TARGET=x86_64-unknown-linux-gnu ;;
  *) echo "ARCH must be arm64 or x86_64, not $ARCH" >&2; exit 2 ;;
esac

if ! rustup target list --installed | grep -qx "$TARGET"; then
  echo "Adding the Rust target $TARGET (rustup target add)..."
  if ! rustup target add "$TARGET"; then
    cat >&2 <<MSG
The Rust target $TARGET could not be installed (no access to the rustup distribution server?).
Build for x86_64 instead, which needs no extra target on an x86_64 machine:
    make build ARCH=x86_64
and deploy with the parameter FunctionArchitecture=x86_64:
    sam deploy --guided --parameter-overrides FunctionArchitecture=x86_64
MSG
    exit 1
  fi
fi

# cargo-lambda (and the zig linker it cross-builds with) from the project's pinned tools.
export PATH="$PWD/.venv/lambda/bin:$PWD/.venv/sam/bin:$PATH"
export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
# Kafka turned on (a placeholder broker, plaintext) so that the topics function is built and measured
# too: its artifact is deployed only when the stack's own parameters turn it on. Likewise
# SubmitIntegration=function for the submit function (SAM CLI's providers appear to build every
# function whatever its Condition; the override makes sure), so a later `sam deploy
# --parameter-overrides SubmitIntegration=function` needs no other build.
sam build --beta-features --parameter-overrides "FunctionArchitecture=$ARCH" \
  "KafkaBootstrapServers=b-1.example.internal:9092" "KafkaAuth=none" "SubmitIntegration=function"

# What Lambda would store: the zipped bootstrap of each function. Small zips are part of a fast cold
# start: the build fails when one grows past ZIP_LIMIT_MB.
ZIP_LIMIT_MB="${ZIP_LIMIT_MB:-4}" python3 - <<'PY'
import io, os, sys, zipfile
limit = float(os.environ["ZIP_LIMIT_MB"])
over = []
for function in ("AuthorizerFunction", "ConsumerFunction", "StreamsFunction", "TopicsFunction", "RotationFunction", "SubmitFunction"):
    path = os.path.join(".aws-sam", "build", function, "bootstrap")
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(path, "bootstrap")
    size = data.tell() / 1e6
    print(f"{function:20} bootstrap {os.path.getsize(path) / 1e6:6.2f} MB   zip {size:6.2f} MB")
    if size >= limit:
        over.append(function)
if over:
    sys.exit(f"zip of {', '.join(over)} is {limit} MB or more: find what grew (cargo bloat) before shipping it")
PY
