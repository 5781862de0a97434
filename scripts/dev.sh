#!/usr/bin/env bash
# `make dev`: DynamoDB Local (in memory) + the table + organization `demo` with manager `admin`,
# then every function's routes on one port. Prints ROSTER_URL, ROSTER_API_KEY,
# DYNAMODB_ENDPOINT and TABLE_NAME before serving. Ctrl-C stops the API and DynamoDB Local.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PORT="${PORT:-3000}"
export TABLE_NAME="${TABLE_NAME:-roster-dev}"
# Build first, so DynamoDB Local is not waiting through a compile.
cargo build --locked -q -p roster-dev
exec scripts/dynamodb-local.sh run -- target/debug/roster-dev
