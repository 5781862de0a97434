# shellcheck shell=bash
# Sourced by scripts/check-openapi.sh, scripts/fuzz.sh and scripts/scim.sh: a pinned tool in its
# own virtualenv, run against the local API (target/debug/roster-dev) on DynamoDB Local, both on
# free ports and both stopped whatever happens.
#
#   ROOT                      the repository root, the working directory from here on
#   say MESSAGE...            a progress line on stderr
#   pinned_venv VENV NAME==VERSION... [-- PIP_ARGS...]
#                             unless VENV has every NAME at VERSION: creates VENV (python3 -m
#                             venv) if needed and pip-installs PIP_ARGS (default: the NAME==VERSIONs)
#   in_dynamodb_local FLAG SCRIPT ARGS...
#                             exports FLAG=1 and re-runs SCRIPT ARGS under
#                             `scripts/dynamodb-local.sh run` (DynamoDB Local on a free port,
#                             DYNAMODB_ENDPOINT and dummy AWS settings exported, always stopped);
#                             never returns. The caller runs its preparation only while FLAG is
#                             unset, and its API part once it is set.
#   start_api TABLE LOG       starts target/debug/roster-dev on a free port with table TABLE,
#                             its output in LOG (emptied first); waits up to 60 s for its
#                             connection lines; exports ROSTER_URL and ROSTER_API_KEY (the manager
#                             key of organization `demo`); sets API_PID; stops the API on exit.

# The caller sets `set -euo pipefail`.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

say() { printf '\n==> %s\n' "$*" >&2; }

pinned_venv() {
    local venv="$1" pins=()
    shift
    while (($#)) && [[ "$1" != -- ]]; do
        pins+=("$1")
        shift
    done
    (($#)) && shift # the `--`; what follows is what pip installs
    (($#)) || set -- "${pins[@]}"
    if "$venv/bin/python" - "${pins[@]}" 2>/dev/null <<'PY'
import sys
from importlib.metadata import version
wanted = [arg.split("==", 1) for arg in sys.argv[1:]]
sys.exit(0 if all(version(name) == pinned for name, pinned in wanted) else 1)
PY
    then
        return 0
    fi
    say "installing ${pins[*]} into $venv"
    [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet "$@"
}

in_dynamodb_local() {
    local flag="$1"
    shift
    export "$flag=1"
    exec scripts/dynamodb-local.sh run -- "$@"
}

API_PID=""

stop_api() {
    if [[ -n "$API_PID" ]] && kill -0 "$API_PID" 2>/dev/null; then
        kill "$API_PID" 2>/dev/null || true
        wait "$API_PID" 2>/dev/null || true
    fi
}

start_api() {
    local table="$1" log="$2" port deadline
    trap stop_api EXIT
    port="$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    say "starting the API on port $port (table $table on $DYNAMODB_ENDPOINT)"
    mkdir -p "$(dirname "$log")"
    : >"$log" # emptied here, not by the child's redirection, which may come after the wait starts
    PORT="$port" TABLE_NAME="$table" RUST_LOG="${RUST_LOG:-warn}" \
        target/debug/roster-dev >>"$log" 2>&1 </dev/null &
    API_PID=$!
    # roster-dev prints ROSTER_URL and ROSTER_API_KEY once its listener is bound, before serving.
    deadline=$((SECONDS + 60))
    until grep -q '^ROSTER_API_KEY=' "$log" 2>/dev/null; do
        if ! kill -0 "$API_PID" 2>/dev/null; then
            echo "error: the API exited during startup; its log:" >&2
            cat "$log" >&2
            exit 1
        fi
        ((SECONDS < deadline)) || { echo "error: the API did not start within 60 s" >&2; exit 1; }
        sleep 0.2
    done
    ROSTER_URL="$(sed -n 's/^ROSTER_URL=//p' "$log")"
    ROSTER_API_KEY="$(sed -n 's/^ROSTER_API_KEY=//p' "$log")"
    export ROSTER_URL ROSTER_API_KEY
}
