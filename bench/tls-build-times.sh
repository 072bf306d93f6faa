#!/usr/bin/env bash
# Clean release build time of the bare reqwest + tokio + serde_json crate with
# each TLS stack reqwest offers: rustls with ring (what gitlab-client uses),
# rustls with aws-lc-rs (reqwest 0.13's default), and native-tls (OpenSSL;
# needs libssl-dev and pkg-config).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/target/tls-build-times"
rm -rf "$work"; mkdir -p "$work"
now() { date +%s.%N; }
variant() { # name, reqwest dependency line
  local dir="$work/$1"
  mkdir -p "$dir/src"
  cp "$root/bench/build-baseline/src/lib.rs" "$dir/src/lib.rs"
  cat > "$dir/Cargo.toml" <<TOML
[package]
name = "tls-$1"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
$2
tokio = { version = "1", default-features = false, features = ["rt", "time"] }
serde_json = "1"
TOML
  local t0 t1
  t0=$(now)
  if CARGO_TARGET_DIR="$dir/target" cargo build -q --release --manifest-path "$dir/Cargo.toml" >"$dir/build.log" 2>&1; then
    t1=$(now)
    awk -v a="$t0" -v b="$t1" -v n="$1" 'BEGIN { printf "%-22s %.1f s\n", n, b - a }'
  else
    printf '%-22s failed (see %s)\n' "$1" "$dir/build.log"
  fi
}
variant rustls-ring 'reqwest = { version = "0.12", default-features = false, features = ["rustls-tls", "multipart"] }'
variant rustls-aws-lc-rs 'reqwest = { version = "0.13", default-features = false, features = ["rustls", "multipart"] }'
variant native-tls 'reqwest = { version = "0.12", default-features = false, features = ["native-tls", "multipart"] }'
