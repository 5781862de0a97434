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

# shellcheck source=lib/local-api.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/local-api.sh" # sets ROOT and works from it

SCIM2_TESTER_VERSION=0.5.2
VENV="${SCIM_VENV:-$ROOT/.venv-scim}"
REPORT_DIR="${SCIM_REPORT_DIR:-$ROOT/target/scim}"
PY="$VENV/bin/python"

if [[ -z "${ROSTER_SCIM_INNER:-}" ]]; then
    pinned_venv "$VENV" "scim2-tester==$SCIM2_TESTER_VERSION" -- -r tools/scim/requirements.txt
    say "building the local API (roster-dev)"
    cargo build --locked -q -p roster-dev
    in_dynamodb_local ROSTER_SCIM_INNER "${BASH_SOURCE[0]}" "$@"
fi

SERVER_LOG="$REPORT_DIR/api.log"
start_api roster-scim "$SERVER_LOG"

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
