#!/usr/bin/env python3
"""Fails when a dependency of the published crates needs a newer Rust than our
`rust-version`. Only one toolchain can be had on our machines, so this and
clippy's `incompatible_msrv` lint (std APIs newer than `rust-version`, part of
`make clippy`) are how the MSRV is checked."""
import json
import subprocess
import sys

PUBLISHED = ["gitlab-vocab", "gitlab-client-codegen", "gitlab-client", "gitlab-emulator", "gitlab-cli"]


def version(text):
    return tuple(int(x) for x in text.split("."))[:2]


meta = json.loads(subprocess.run(
    ["cargo", "metadata", "--format-version", "1", "--locked"],
    check=True, capture_output=True, text=True).stdout)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
ours = [p for p in meta["packages"] if p["name"] in PUBLISHED]
msrv = {version(p["rust_version"]) for p in ours}
if len(msrv) != 1:
    sys.exit(f"msrv: the published crates disagree on rust-version: {sorted(msrv)}")
msrv = msrv.pop()

# Walk normal and build dependencies (not dev) from the published crates.
seen, todo = set(), [p["id"] for p in ours]
while todo:
    pid = todo.pop()
    if pid in seen:
        continue
    seen.add(pid)
    for dep in nodes[pid]["deps"]:
        if any(k["kind"] in (None, "build") for k in dep["dep_kinds"]):
            todo.append(dep["pkg"])

too_new = sorted(
    (version(packages[pid]["rust_version"]), packages[pid]["name"], packages[pid]["version"])
    for pid in seen if packages[pid].get("rust_version")
    and version(packages[pid]["rust_version"]) > msrv)
if too_new:
    for v, name, ver in too_new:
        print(f"msrv: {name} {ver} needs Rust {v[0]}.{v[1]}, above our rust-version {msrv[0]}.{msrv[1]}")
    sys.exit(1)
print(f"msrv: {len(seen)} crates, none needs more than Rust {msrv[0]}.{msrv[1]}")
