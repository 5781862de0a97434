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

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VALIDATOR_VERSION=0.9.0
GENERATOR_VERSION=0.29.1
VENV="${OPENAPI_VENV:-$ROOT/.venv-openapi}"
CLIENT_DIR="${OPENAPI_CLIENT_DIR:-$ROOT/target/openapi-client}"
PY="$VENV/bin/python"

say() { printf '\n==> %s\n' "$*" >&2; }

if [[ -z "${ROSTER_OPENAPI_INNER:-}" ]]; then
    if ! "$PY" - "$VALIDATOR_VERSION" "$GENERATOR_VERSION" 2>/dev/null <<'PY'
import sys
from importlib.metadata import version
sys.exit(0 if (version("openapi-spec-validator"), version("openapi-python-client")) == tuple(sys.argv[1:3]) else 1)
PY
    then
        say "installing openapi-spec-validator $VALIDATOR_VERSION and openapi-python-client $GENERATOR_VERSION into $VENV"
        [[ -x "$PY" ]] || python3 -m venv "$VENV"
        PIP_DISABLE_PIP_VERSION_CHECK=1 "$PY" -m pip install --quiet \
            "openapi-spec-validator==$VALIDATOR_VERSION" "openapi-python-client==$GENERATOR_VERSION"
    fi

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
    export ROSTER_OPENAPI_INNER=1
    exec scripts/dynamodb-local.sh run -- "${BASH_SOURCE[0]}" "$@"
fi

# Inside `dynamodb-local.sh run`: DYNAMODB_ENDPOINT and the dummy AWS settings are exported.
LOG_DIR="$ROOT/target/openapi-check"
mkdir -p "$LOG_DIR"
SERVER_LOG="$LOG_DIR/api.log"
API_PID=""
stop_api() {
    if [[ -n "$API_PID" ]] && kill -0 "$API_PID" 2>/dev/null; then
        kill "$API_PID" 2>/dev/null || true
        wait "$API_PID" 2>/dev/null || true
    fi
}
trap stop_api EXIT

PORT="$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
: >"$SERVER_LOG"
PORT="$PORT" TABLE_NAME=roster-openapi RUST_LOG="${RUST_LOG:-warn}" \
    target/debug/roster-dev >>"$SERVER_LOG" 2>&1 </dev/null &
API_PID=$!
deadline=$((SECONDS + 60))
until grep -q '^ROSTER_API_KEY=' "$SERVER_LOG" 2>/dev/null; do
    if ! kill -0 "$API_PID" 2>/dev/null; then
        echo "error: the API exited during startup; its log:" >&2
        cat "$SERVER_LOG" >&2
        exit 1
    fi
    ((SECONDS < deadline)) || { echo "error: the API did not start within 60 s" >&2; exit 1; }
    sleep 0.2
done
ROSTER_URL="$(sed -n 's/^ROSTER_URL=//p' "$SERVER_LOG")"
ROSTER_API_KEY="$(sed -n 's/^ROSTER_API_KEY=//p' "$SERVER_LOG")"
export ROSTER_URL ROSTER_API_KEY

say "a flow through the generated client against $ROSTER_URL"
"$PY" tools/openapi/flow.py --client "$CLIENT_DIR"
