#!/usr/bin/env bash
# Clean release build of gitlab-client (full schema, as a dependent builds it: the
# checked-in generated code) against bare reqwest + tokio, and a debug rebuild after
# editing one schema file (with `regenerate`, the schema editor's build). Each clean build uses its own
# target directory under target/build-times, so nothing cached is reused.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/target/build-times"
rm -rf "$out"; mkdir -p "$out"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" "BEGIN { printf \"%.2f\", b - a }"; }

t0=$(now); CARGO_TARGET_DIR="$out/baseline" cargo build -q --release --manifest-path "$root/bench/build-baseline/Cargo.toml"; t1=$(now)
base=$(secs "$t0" "$t1")
t0=$(now); CARGO_TARGET_DIR="$out/client" cargo build -q --release -p gitlab-client --manifest-path "$root/Cargo.toml"; t1=$(now)
client=$(secs "$t0" "$t1")

# Debug build, then one schema edit (a new optional create attribute) and a rebuild.
CARGO_TARGET_DIR="$out/client-debug" cargo build -q -p gitlab-client --features regenerate --manifest-path "$root/Cargo.toml"
f="$root/schema/projects/issues.yaml"
cp "$f" "$out/issues.yaml.orig"
trap 'cp "$out/issues.yaml.orig" "$f"' EXIT
sed -i '0,/^      optional: \[description,/s//      optional: [build_time_probe, description,/' "$f"
grep -q build_time_probe "$f" || { echo "could not edit $f"; exit 1; }
t0=$(now); CARGO_TARGET_DIR="$out/client-debug" cargo build -q -p gitlab-client --features regenerate --manifest-path "$root/Cargo.toml"; t1=$(now)
rebuild=$(secs "$t0" "$t1")
cp "$out/issues.yaml.orig" "$f"; trap - EXIT

# The build script writes one item per line; count the formatted lines instead.
lines=$(cargo run -q -p gitlab-client-codegen --bin gitlab-codegen --manifest-path "$root/Cargo.toml" -- generate --schema "$root/schema" | wc -l)
printf 'clean release build, bare reqwest + tokio + serde_json: %.1f s\n' "$base"
printf 'clean release build, gitlab-client (full schema):       %.1f s  (%.2fx)\n' "$client" "$(awk -v c="$client" -v b="$base" "BEGIN { print c / b }")"
printf 'debug rebuild after editing one schema file (regenerate): %.1f s\n' "$rebuild"
printf 'generated code: %s lines\n' "$lines"
