//! Generates `crate::resources` from the YAML schema. Set `GITLAB_CLIENT_SCHEMA_DIR`
//! to build against another schema directory. The default, `schema/` in this
//! package, is a link to the workspace's `schema/` that `cargo package` resolves,
//! so the published crate carries the schema it builds from. With the `blocking`
//! feature it also writes the blocking wrappers; without it, none are generated.
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=GITLAB_CLIENT_SCHEMA_DIR");
    let schema = std::env::var_os("GITLAB_CLIENT_SCHEMA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let blocking = std::env::var_os("CARGO_FEATURE_BLOCKING").map(|_| out_dir.join("blocking.rs"));
    codegen::build_script_with(&schema, &out_dir.join("resources.rs"), blocking.as_deref());
}
