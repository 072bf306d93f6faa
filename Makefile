# Two commands matter: `make demo` (the main job) and `make test` (everything CI runs).
CARGO ?= cargo
RESOURCE ?= ProjectIssue

.PHONY: all demo test fmt-check clippy unit broken-schema schema-check dump snapshots

all: demo

## The main job: regenerate from schema/ and describe one resource (RESOURCE=ProjectIssue).
demo:
	$(CARGO) run -q -p gitlab-client --example describe -- $(RESOURCE)

## Everything CI checks.
test: fmt-check clippy unit broken-schema

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit:
	$(CARGO) test --workspace

## A deliberately broken schema must fail `cargo build` with file:line:col.
broken-schema:
	./tests/broken-schema-build.sh

## Validate the schema without building the client.
schema-check:
	$(CARGO) run -q -p codegen --bin gitlab-codegen -- check

## Print the resolved catalogue as JSON.
dump:
	$(CARGO) run -q -p codegen --bin gitlab-codegen -- dump --format json

## Review generated-code snapshot changes after a schema edit.
snapshots:
	$(CARGO) insta review || $(CARGO) test -p gitlab-client-tests --test it snapshots
