#!/usr/bin/env bash
# Fuzzes the native API (`/v1`) with schemathesis against openapi.yaml: DynamoDB Local (in
# memory) + the local API (target/debug/roster-dev, every function's routes) on free ports, then
# `schemathesis run` with the manager key of organization `demo`, every operation, every check,
# positive and negative data, and the stateful phase (the links). Exits non-zero on any failure.
#
# Settings: tools/fuzz/schemathesis.toml (checks, auth, one worker) and tools/fuzz/hooks.py (the
# rules openapi.yaml states in prose only: server-issued cursors). schemathesis is pinned below
# and installed from PyPI into .venv-fuzz on first use.
#
# Arguments are passed on to both `schemathesis run`s (e.g. `--include-operation-id getUser`).
#
# Environment:
#   FUZZ_MAX_EXAMPLES  test cases per operation and round of the fuzzing phase (default 60)
#   FUZZ_MAX_TIME      seconds for the first run: the examples, coverage and fuzzing phases;
#                      fuzzing rounds repeat until it is spent (default 165)
#   FUZZ_STATEFUL_TIME seconds for the second run: the stateful phase, scenarios repeat until it
#                      is spent (default 75). Two runs, so that neither phase starves the other.
#   FUZZ_SEED          the generation seed (default: fixed, so CI runs are reproducible;
#                      `random` lets schemathesis pick one, printed in its summary)
#   FUZZ_VENV          the virtualenv for schemathesis (default .venv-fuzz)
#   FUZZ_REPORT_DIR    where the JUnit report and the server log go (default target/fuzz)
set -euo pipefail

# shellcheck source=lib/local-api.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/local-api.sh" # sets ROOT and works from it

SCHEMATHESIS_VERSION=4.32.5
VENV="${FUZZ_VENV:-$ROOT/.venv-fuzz}"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-60}"
MAX_TIME="${FUZZ_MAX_TIME:-165}"
STATEFUL_TIME="${FUZZ_STATEFUL_TIME:-75}"
SEED="${FUZZ_SEED:-20261127}"
REPORT_DIR="${FUZZ_REPORT_DIR:-$ROOT/target/fuzz}"

# Inside `dynamodb-local.sh run`: DYNAMODB_ENDPOINT and the dummy AWS settings are exported.
if [[ -z "${ROSTER_FUZZ_INNER:-}" ]]; then
    pinned_venv "$VENV" "schemathesis==$SCHEMATHESIS_VERSION"
    say "building the local API (roster-dev) and the invariant checker (roster-admin)"
    cargo build --locked -q -p roster-dev -p roster-admin
    in_dynamodb_local ROSTER_FUZZ_INNER "${BASH_SOURCE[0]}" "$@"
fi

mkdir -p "$REPORT_DIR"
# The API's output: the connection lines, then its log (JSON lines, warnings and errors).
SERVER_LOG="$REPORT_DIR/api.log"
start_api roster-fuzz "$SERVER_LOG"

# The HTTP status of listing users with the manager key (000 when nothing answers).
manager_check() {
    python3 - "$ROSTER_URL/v1/users?limit=1" <<'PY'
import os, sys, urllib.error, urllib.request
request = urllib.request.Request(sys.argv[1], headers={"x-api-key": os.environ["ROSTER_API_KEY"]})
try:
    print(urllib.request.urlopen(request, timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print("000")
PY
}
deadline=$((SECONDS + 60))
until [[ "$(manager_check)" == 200 ]]; do
    ((SECONDS < deadline)) || { echo "error: the API does not answer $ROSTER_URL" >&2; exit 1; }
    sleep 0.2
done

seed_args=(--seed "$SEED")
[[ "$SEED" == random ]] && seed_args=()

# One schemathesis run; `timeout` makes sure it ends whatever happens inside (CI must never hang).
schemathesis_run() {
    local name="$1" budget="$2"
    shift 2
    local rc=0
    timeout --signal=INT --kill-after=30 "$((budget + 300))" \
        "$VENV/bin/schemathesis" --config-file tools/fuzz/schemathesis.toml --no-color run openapi.yaml \
        --url "$ROSTER_URL" \
        --max-examples "$MAX_EXAMPLES" \
        --max-time "$budget" \
        "${seed_args[@]}" \
        --report junit --report-junit-path "$REPORT_DIR/junit-$name.xml" \
        "$@" || rc=$?
    if ((rc == 124)); then
        echo "error: schemathesis ($name) did not finish within $((budget + 300)) s" >&2
    fi
    return "$rc"
}

started=$SECONDS
status=0
say "schemathesis $SCHEMATHESIS_VERSION, 1/2: every operation, examples + coverage + fuzzing ($MAX_EXAMPLES a round, ${MAX_TIME} s), seed $SEED"
schemathesis_run fuzzing "$MAX_TIME" --phases examples,coverage,fuzzing "$@" || status=$?
say "schemathesis $SCHEMATHESIS_VERSION, 2/2: stateful, following openapi.yaml's links (${STATEFUL_TIME} s), seed $SEED"
schemathesis_run stateful "$STATEFUL_TIME" --phases stateful "$@" || status=$?
echo "fuzz runs took $((SECONDS - started)) s" >&2

# Whatever the fuzzer did, the data must still be consistent: markers, counters, parties, keys
# of every organization in the table (roster-admin check-invariants exits non-zero otherwise).
say "checking the table's invariants after the run"
if ! TABLE_NAME=roster-fuzz target/debug/roster-admin check-invariants; then
    echo "error: the fuzz run left broken invariants (listed above)" >&2
    status=1
fi

# The run must not have locked its own manager out: a run that only collected 401/403 after
# demoting or deactivating it would prove nothing.
if [[ "$(manager_check)" != 200 ]]; then
    echo "error: after the run the manager key no longer lists users" >&2
    status=1
fi
if ! kill -0 "$API_PID" 2>/dev/null; then
    echo "error: the API died during the run; its log ($SERVER_LOG):" >&2
    tail -50 "$SERVER_LOG" >&2
    status=1
fi
if ((status != 0)); then
    echo "fuzz: FAILED (server log: $SERVER_LOG, JUnit reports: $REPORT_DIR/junit-*.xml)" >&2
fi
exit "$status"
