# Two commands matter: `make demo` (the main job) and `make test` (everything CI runs).
CARGO ?= cargo
RESOURCE ?= ProjectIssue
PORT ?= 0

.PHONY: generate package msrv all demo describe emulator cli test fmt-check clippy unit broken-schema lean-deps schema-check dump snapshots bench bench-quick build-times

all: demo

## The main job: start the embedded GitLab emulator and drive the client through
## groups, projects, issues, a merge request, pagination, updates, deletes and
## custom actions. With GITLAB_URL (+ GITLAB_PRIVATE_TOKEN) set, runs read-only
## against that server instead (add ARGS=--write to create things there).
demo:
	$(CARGO) run -q -p gitlab-emulator --example demo -- $(ARGS)

## Describe one resource from the schema (RESOURCE=ProjectIssue): paths, operations, attribute tables.
describe:
	$(CARGO) run -q -p gitlab-client --example describe -- $(RESOURCE)

## Run the GitLab emulator with demo data until Ctrl-C.
emulator:
	$(CARGO) run -q -p gitlab-emulator -- --port $(PORT) --seed demo

## Build the `gitlab` command (target/release/gitlab).
cli:
	$(CARGO) build --release -p gitlab-cli

## Everything CI checks.
test: fmt-check clippy unit broken-schema lean-deps package msrv

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit:
	$(CARGO) test --workspace

## Without default features the client builds without the python-gitlab config readers.
lean-deps:
	@if $(CARGO) tree -p gitlab-client --no-default-features -e normal --prefix none | grep -E '^shlex '; then \
		echo "error: gitlab-client --no-default-features still depends on the crates above"; exit 1; fi
	$(CARGO) check -q -p gitlab-client --no-default-features
	@echo "lean-deps: gitlab-client --no-default-features builds without shlex"

## The crates meant for crates.io package and build from their tarballs alone
## (`cargo package` verifies each against the others through a local registry).
package:
	@# cargo reuses an earlier unpack of the local registry's tarballs, and their compiled
	@# artifacts (registry crates count as immutable), so a second run would verify stale
	@# sources: drop the unpacks and our crates' fingerprints first.
	rm -rf target/package "$${CARGO_HOME:-$$HOME/.cargo}"/registry/src/-*/gitlab-* target/debug/.fingerprint/gitlab-*
	$(CARGO) package -q --allow-dirty -p gitlab-vocab -p gitlab-client-codegen -p gitlab-client -p gitlab-emulator -p gitlab-cli
	@echo "package: gitlab-vocab, gitlab-client-codegen, gitlab-client, gitlab-emulator and gitlab-cli package and build"

## No dependency of the published crates needs a newer Rust than our rust-version.
msrv:
	python3 tests/msrv-deps.py

## A deliberately broken schema must fail `cargo build` with file:line:col.
broken-schema:
	./tests/broken-schema-build.sh

## Validate the schema without building the client.
schema-check:
	$(CARGO) run -q -p gitlab-client-codegen --bin gitlab-codegen -- check

## Print the resolved catalogue as JSON.
dump:
	$(CARGO) run -q -p gitlab-client-codegen --bin gitlab-codegen -- dump --format json

## After a schema edit: rewrite gitlab-client/src/generated/ (what the client compiles
## without its `regenerate` feature) and review the snapshot diff.
generate:
	$(CARGO) run -q -p gitlab-client-codegen --bin gitlab-codegen -- generate --checked-in gitlab-client/src/generated

## Review generated-code snapshot changes after a schema edit.
snapshots:
	$(CARGO) insta review || $(CARGO) test -p gitlab-client-tests --test it snapshots

## Benchmarks against a bare reqwest + serde_json baseline, on the emulator (release build).
bench:
	$(CARGO) build -q --release -p gitlab-cli -p gitlab-bench
	./target/release/gitlab-bench

bench-quick:
	$(CARGO) build -q --release -p gitlab-cli -p gitlab-bench
	./target/release/gitlab-bench --quick

## Clean release build time against bare reqwest + tokio, and rebuild after one schema edit.
build-times:
	./bench/build-times.sh
