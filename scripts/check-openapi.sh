#!/usr/bin/env bash
# Checks openapi.yaml with independently written tools, as a client's developer would use it:
#   1. openapi-spec-validator: the document is valid OpenAPI 3.1;
#   2. openapi-python-client: a client generates from it, into target/openapi-client, and every
#      generated module imports;
#   3. that client drives a flow through a running API (roster-dev on a free port, DynamoDB Local
#      on another): create → get → patch (If-Match) → profile → me → delete → get, every answer
#      parsed into the generated typed models (tools/openapi/flow.py).
# Both tools are pinned below and installed from PyPI into .venv-openapi on first use.
#
# Environment: OPENAPI_VENV (default .venv-openapi), OPENAPI_CLIENT_DIR (default
# target/openapi-client).
set -euo pipefail

# shellcheck source=lib/local-api.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/local-api.sh" # sets ROOT and works from it

VALIDATOR_VERSION=0.9.0
GENERATOR_VERSION=0.29.1
VENV="${OPENAPI_VENV:-$ROOT/.venv-openapi}"
CLIENT_DIR="${OPENAPI_CLIENT_DIR:-$ROOT/target/openapi-client}"
PY="$VENV/bin/python"

if [[ -z "${ROSTER_OPENAPI_INNER:-}" ]]; then
    pinned_venv "$VENV" "openapi-spec-validator==$VALIDATOR_VERSION" "openapi-python-client==$GENERATOR_VERSION"

    say "openapi-spec-validator $VALIDATOR_VERSION: openapi.yaml"
    "$VENV/bin/openapi-spec-validator" openapi.yaml

    say "openapi-python-client $GENERATOR_VERSION: generating the client into ${CLIENT_DIR#"$ROOT"/}"
    rm -rf "$CLIENT_DIR"
    mkdir -p "$(dirname "$CLIENT_DIR")"
    # Warnings mean parts of the document were skipped: they fail the check.
    out="$("$VENV/bin/openapi-python-client" generate --path openapi.yaml --output-path "$CLIENT_DIR" \
        --meta none --overwrite --config tools/openapi/client-config.yaml 2>&1)" || { echo "$out" >&2; exit 1; }
    echo "$out" >&2
    if grep -qi 'warning\|error' <<<"$out"; then
        echo "error: the generator reported problems with openapi.yaml (above)" >&2
        exit 1
    fi

    say "importing every generated module"
    "$PY" tools/openapi/flow.py --client "$CLIENT_DIR" --import-only

    say "building the local API (roster-dev)"
    cargo build --locked -q -p roster-dev
    in_dynamodb_local ROSTER_OPENAPI_INNER "${BASH_SOURCE[0]}" "$@"
fi

# Inside `dynamodb-local.sh run`: DYNAMODB_ENDPOINT and the dummy AWS settings are exported.
start_api roster-openapi "$ROOT/target/openapi-check/api.log"

say "a flow through the generated client against $ROSTER_URL"
"$PY" tools/openapi/flow.py --client "$CLIENT_DIR"
