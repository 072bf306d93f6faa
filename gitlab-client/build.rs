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

fn main() {
    println!("cargo:rerun-if-env-changed=GITLAB_CLIENT_SCHEMA_DIR");
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
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
    println!("cargo:rerun-if-changed={}", schema.display());
    let mut files = Vec::new();
    if let Err(e) = yaml_files(&schema, &schema, &mut files) {
        fail(&format!(
            "cannot read the schema in {}: {e}",
            schema.display()
        ));
    }
    files.sort();
    // FNV-1a over (relative path, NUL, bytes, NUL) per file, as codegen::schema_stamp.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes.iter().chain(&[0u8]) {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for (rel, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        eat(rel.as_bytes());
        match std::fs::read(path) {
            Ok(bytes) => eat(&bytes),
            Err(e) => fail(&format!("cannot read {}: {e}", path.display())),
        }
    }
    let now = format!("{h:016x}");
    let recorded = std::fs::read_to_string(&stamp_file).unwrap_or_default();
    if recorded.trim() != now {
        fail(&format!(
            "the schema in {} changed since src/generated/ was written from it (stamp {now}, \
             recorded {}): run `make generate` in the gitlab-client repository, or build with \
             the `regenerate` feature to generate the code at build time",
            schema.display(),
            if recorded.trim().is_empty() {
                "none"
            } else {
                recorded.trim()
            }
        ));
    }
}

#[cfg(not(feature = "regenerate"))]
fn yaml_files(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            yaml_files(root, &p, out)?;
        } else if p.extension().is_some_and(|x| x == "yaml") {
            let rel = p.strip_prefix(root).unwrap_or(&p);
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push((rel.join("/"), p));
        }
    }
    Ok(())
}

#[cfg(not(feature = "regenerate"))]
fn fail(msg: &str) -> ! {
    println!("cargo::error={msg}");
    std::process::exit(1);
}
