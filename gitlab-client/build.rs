//! By default the crate compiles the code generated from `schema/` that is
//! checked in under `src/generated/` (`make generate` writes it), so a build
//! needs no YAML reader and no generator. This script then only checks that
//! the schema has not been edited since: it compares the schema's stamp with
//! `src/generated/schema.stamp` and fails with what to do if they differ.
//!
//! With the `regenerate` feature it generates the code from the schema at build
//! time instead, into `OUT_DIR` (set `GITLAB_CLIENT_SCHEMA_DIR` to build against
//! another schema directory; without it, `schema/` in this package, a link to the
//! workspace's `schema/` that `cargo package` resolves). With the `blocking`
//! feature it also writes the blocking wrappers.
#[cfg(not(feature = "regenerate"))]
use std::path::Path;
use std::path::PathBuf;

#[cfg(not(feature = "regenerate"))]
#[allow(dead_code)]
mod stamp;

fn main() {
    println!("cargo:rerun-if-env-changed=GITLAB_CLIENT_SCHEMA_DIR");
    // Cargo names the package directory when it runs the script; the path baked in at
    // compile time may be another checkout's when several share one target directory.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let custom = std::env::var_os("GITLAB_CLIENT_SCHEMA_DIR").map(PathBuf::from);
    #[cfg(feature = "regenerate")]
    {
        let schema = custom.unwrap_or_else(|| manifest.join("schema"));
        let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
        let blocking =
            std::env::var_os("CARGO_FEATURE_BLOCKING").map(|_| out_dir.join("blocking.rs"));
        codegen::build_script_with(&schema, &out_dir.join("resources.rs"), blocking.as_deref());
    }
    #[cfg(not(feature = "regenerate"))]
    check_stamp(&manifest, custom.as_deref());
}

#[cfg(not(feature = "regenerate"))]
fn check_stamp(manifest: &Path, custom: Option<&Path>) {
    if let Some(dir) = custom {
        fail(&format!(
            "GITLAB_CLIENT_SCHEMA_DIR={} needs gitlab-client's `regenerate` feature, which builds \
             the code from that schema (gitlab-client = {{ features = [\"regenerate\"] }})",
            dir.display()
        ));
    }
    let schema = manifest.join("schema");
    let stamp_file = manifest.join("src/generated/schema.stamp");
    println!("cargo:rerun-if-changed={}", stamp_file.display());
    if !schema.is_dir() {
        // A copy of the crate without its schema has nothing the code could be stale against.
        return;
    }
    // The same files and stamp as `make generate` (codegen/src/stamp.rs, linked here).
    let unreadable =
        |e: std::io::Error| format!("cannot read the schema in {}: {e}", schema.display());
    let (files, dirs) = stamp::yaml_files(&schema).unwrap_or_else(|e| fail(&unreadable(e)));
    for p in dirs.iter().chain(files.iter().map(|(_, p)| p)) {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    let now = stamp::stamp_of(&files).unwrap_or_else(|e| fail(&unreadable(e)));
    let recorded = std::fs::read_to_string(&stamp_file).unwrap_or_default();
    let recorded = recorded.trim();
    if recorded != now {
        fail(&format!(
            "the schema in {} changed since src/generated/ was written from it (stamp {now}, \
             recorded {}): run `make generate` in the gitlab-client repository, or build with \
             the `regenerate` feature to generate the code at build time",
            schema.display(),
            if recorded.is_empty() {
                "none"
            } else {
                recorded
            }
        ));
    }
}

#[cfg(not(feature = "regenerate"))]
fn fail(msg: &str) -> ! {
    println!("cargo::error={msg}");
    std::process::exit(1);
}
