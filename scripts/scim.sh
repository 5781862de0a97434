#!/usr/bin/env bash
# The SCIM compliance suite scim2-tester against the local API's /scim/v2: DynamoDB Local (in
# memory) + the local API (target/debug/roster-dev) on free ports, then tools/scim/check.py with
# the manager key of organization `demo` (Authorization: Bearer). Exits non-zero when any check
# fails. scim2-tester 0.5.2 and its dependencies are pinned in tools/scim/requirements.txt and
# installed from PyPI into .venv-scim on first use. Which checks are skipped, and why:
# docs/scim.md.
#
# Environment: SCIM_VENV the virtualenv (default .venv-scim); SCIM_REPORT_DIR where the output
# and the server log go (default target/scim).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SCIM2_TESTER_VERSION=0.5.2
VENV="${SCIM_VENV:-$ROOT/.venv-scim}"
REPORT_DIR="${SCIM_REPORT_DIR:-$ROOT/target/scim}"
PY="$VENV/bin/python"

say() { printf '\n==> %s\n' "$*" >&2; }

if [[ -z "${ROSTER_SCIM_INNER:-}" ]]; then
    if ! "$PY" -c 'import sys
from importlib.metadata import version
sys.exit(0 if version("scim2-tester") == sys.argv[1] else 1)' "$SCIM2_TESTER_VERSION" 2>/dev/null; then
        say "installing scim2-tester $SCIM2_TESTER_VERSION into $VENV"
        [[ -x "$PY" ]] || python3 -m venv "$VENV"
        PIP_DISABLE_PIP_VERSION_CHECK=1 "$PY" -m pip install --quiet -r tools/scim/requirements.txt
    fi
    say "building the local API (roster-dev)"
    cargo build --locked -q -p roster-dev
    export ROSTER_SCIM_INNER=1
    exec scripts/dynamodb-local.sh run -- "${BASH_SOURCE[0]}" "$@"
fi

mkdir -p "$REPORT_DIR"
SERVER_LOG="$REPORT_DIR/api.log"
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
say "starting the API on port $PORT (table roster-scim on $DYNAMODB_ENDPOINT)"
: >"$SERVER_LOG"
PORT="$PORT" TABLE_NAME=roster-scim RUST_LOG="${RUST_LOG:-warn}" \
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

started=$SECONDS
say "scim2-tester $SCIM2_TESTER_VERSION against $ROSTER_URL/scim/v2"
status=0
timeout --kill-after=10 120 "$PY" tools/scim/check.py "$ROSTER_URL/scim/v2" "$ROSTER_API_KEY" \
    | tee "$REPORT_DIR/results.txt" || status=$?
echo "scim2-tester took $((SECONDS - started)) s" >&2
if ((status != 0)); then
    echo "error: scim2-tester reported failures (see above; server log: $SERVER_LOG)" >&2
fi
exit "$status"
