#!/usr/bin/env bash
# `make package`: the arm64 deployment zips of the four functions, built as `sam build` builds
# them (cargo-lambda, release profile, provided.al2023 on Graviton), with their sizes.
#
#   target/lambda/{users,party,activation,authorizer}/bootstrap.zip
#
# Needs the aarch64 standard library (`rustup target add aarch64-unknown-linux-gnu`) and
# cargo-lambda (installed here from PyPI into .venv-lambda on first use, pinned; it brings zig for
# cross-linking). Not part of `make test`/CI: the build machines have no aarch64 target.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CARGO_LAMBDA_VERSION=1.9.2
VENV="${PACKAGE_VENV:-$ROOT/.venv-lambda}"
TARGET=aarch64-unknown-linux-gnu
FUNCTIONS=(users party activation authorizer)

if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
    echo "package: the $TARGET target is not installed; run: rustup target add $TARGET" >&2
    exit 1
fi
if [[ ! -x "$VENV/bin/cargo-lambda" ]] || [[ "$("$VENV/bin/cargo-lambda" --version 2>/dev/null)" != *"$CARGO_LAMBDA_VERSION"* ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet "cargo-lambda==$CARGO_LAMBDA_VERSION"
fi
export PATH="$VENV/bin:$PATH"

packages=()
for f in "${FUNCTIONS[@]}"; do packages+=(-p "roster-$f"); done
cargo lambda build --release --locked --arm64 --output-format zip "${packages[@]}"

printf '%-12s %12s %12s\n' function "binary MiB" "zip MiB"
for f in "${FUNCTIONS[@]}"; do
    zip="target/lambda/$f/bootstrap.zip"
    bin="target/$TARGET/release/$f"
    size_mib() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.2f", b / 1048576 }'; }
    printf '%-12s %12s %12s\n' "$f" "$( [[ -f $bin ]] && size_mib "$bin" || echo -)" "$(size_mib "$zip")"
done
