#!/usr/bin/env bash
# Clean release build of gitlab-client (full schema, as a dependent builds it: the
# checked-in generated code) against bare reqwest + tokio, and debug rebuilds after
# editing one schema file (with `regenerate`, the schema editor's build). Each clean
# build uses its own target directory under target/build-times, so nothing cached is
# reused. RUNS=n (default 1) repeats the clean builds, alternating baseline and
# client, and prints each pair's ratio: on a shared machine the spread between
# runs is larger than a few percent, so compare ratios from the same round.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/target/build-times"
runs=${RUNS:-1}
rm -rf "$out"; mkdir -p "$out"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" "BEGIN { printf \"%.2f\", b - a }"; }
ratio() { awk -v c="$1" -v b="$2" "BEGIN { printf \"%.2f\", c / b }"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ratios=""
for i in $(seq 1 "$runs"); do
  rm -rf "$out/baseline" "$out/client"
  t0=$(now); CARGO_TARGET_DIR="$out/baseline" cargo build -q --release --manifest-path "$root/bench/build-baseline/Cargo.toml"; t1=$(now)
  base=$(secs "$t0" "$t1")
  t0=$(now); CARGO_TARGET_DIR="$out/client" cargo build -q --release -p gitlab-client --manifest-path "$root/Cargo.toml"; t1=$(now)
  client=$(secs "$t0" "$t1")
  r=$(ratio "$client" "$base"); ratios="$ratios $r"
  printf 'run %d: clean release build, bare reqwest + tokio + serde_json %.1f s, gitlab-client (full schema) %.1f s: %sx\n' "$i" "$base" "$client" "$r"
done

# Debug build, then three schema edits (a new optional create attribute added,
# removed, added again), each followed by a rebuild.
CARGO_TARGET_DIR="$out/client-debug" cargo build -q -p gitlab-client --features regenerate --manifest-path "$root/Cargo.toml"
f="$root/schema/projects/issues.yaml"
cp "$f" "$out/issues.yaml.orig"
trap 'cp "$out/issues.yaml.orig" "$f"' EXIT
rebuilds=""
for i in 1 2 3; do
  if [ $((i % 2)) -eq 1 ]; then
    sed -i '0,/^      optional: \[description,/s//      optional: [build_time_probe, description,/' "$f"
    grep -q build_time_probe "$f" || { echo "could not edit $f"; exit 1; }
  else
    cp "$out/issues.yaml.orig" "$f"
  fi
  t0=$(now); CARGO_TARGET_DIR="$out/client-debug" cargo build -q -p gitlab-client --features regenerate --manifest-path "$root/Cargo.toml"; t1=$(now)
  rebuilds="$rebuilds $(secs "$t0" "$t1")"
done
cp "$out/issues.yaml.orig" "$f"; trap - EXIT

# The build script writes one item per line; count the formatted lines instead.
lines=$(cargo run -q -p gitlab-client-codegen --bin gitlab-codegen --manifest-path "$root/Cargo.toml" -- generate --schema "$root/schema" | wc -l)
printf 'clean release build ratio (gitlab-client / baseline), median of %d: %sx\n' "$runs" "$(echo "$ratios" | median)"
printf 'debug rebuild after editing one schema file (regenerate):%s s; median %s s\n' "$rebuilds" "$(echo "$rebuilds" | median)"
printf 'generated code: %s lines\n' "$lines"
