#!/usr/bin/env bash
# Proves that a broken schema fails the real `cargo build` of the client with a
# located message. Uses its own target dir so the main build's cache is untouched.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$root/schema" "$tmp/schema"
# Misspell 'optional' in the issues schema.
sed -i '0,/^      optional:/s//      optinal:/' "$tmp/schema/projects/issues.yaml"
line=$(grep -n '^      optinal:' "$tmp/schema/projects/issues.yaml" | cut -d: -f1)
set +e
out=$(GITLAB_CLIENT_SCHEMA_DIR="$tmp/schema" CARGO_TARGET_DIR="$root/target/broken-schema" \
      cargo check -q -p gitlab-client --features regenerate --manifest-path "$root/Cargo.toml" 2>&1)
status=$?
set -e
want="schema/projects/issues.yaml:${line}:7: unknown key 'optinal' in resource ProjectIssue (did you mean 'optional'?)"
if [ $status -eq 0 ]; then
  echo "broken-schema: FAILED: cargo check succeeded on a broken schema"; exit 1
fi
if ! grep -qF "$want" <<<"$out"; then
  echo "broken-schema: FAILED: expected the message"; echo "  $want"; echo "got:"; echo "$out" | tail -20; exit 1
fi
if grep -q "panicked" <<<"$out"; then
  echo "broken-schema: FAILED: the build script panicked"; exit 1
fi
# Without `regenerate` the client compiles its checked-in code: another schema
# directory must be refused with what to do, not silently ignored.
set +e
out=$(GITLAB_CLIENT_SCHEMA_DIR="$tmp/schema" CARGO_TARGET_DIR="$root/target/broken-schema" \
      cargo check -q -p gitlab-client --manifest-path "$root/Cargo.toml" 2>&1)
status=$?
set -e
if [ $status -eq 0 ] || ! grep -qF "needs gitlab-client's \`regenerate\` feature" <<<"$out"; then
  echo "broken-schema: FAILED: GITLAB_CLIENT_SCHEMA_DIR without regenerate was not refused"; echo "$out" | tail -5; exit 1
fi
echo "broken-schema: ok ($want)"
