//! Reads the YAML schema in `schema/`, validates it, and generates the client's
//! resource code. Used by `gitlab-client/build.rs` and by the `gitlab-codegen` binary.
//!
//! ```no_run
//! let cat = codegen::load_dir(std::path::Path::new("schema")).map_err(|d| d.to_string())?;
//! let rust = codegen::generate(&cat);
//! # Ok::<(), String>(())
//! ```

pub mod catalogue;
pub mod endpoints;
pub mod generate;
#[cfg(feature = "tools")]
pub mod import;
pub mod locate;
pub mod model;
pub mod stamp;
mod yaml;

pub use catalogue::{load_dir, load_sources, Catalogue, Diagnostic, Diagnostics, Resource};
pub use endpoints::Endpoint;
#[cfg(feature = "tools")]
pub use generate::{generate, generate_module};
pub use stamp::schema_stamp;

use std::path::Path;

/// The files gitlab-client compiles without its `regenerate` feature, written
/// into `dir` (`gitlab-client/src/generated`): `resources.rs`, `blocking.rs`
/// and `schema.stamp`, the [`schema_stamp`](stamp::schema_stamp) of `schema_dir` they were made from.
pub fn write_checked_in(cat: &Catalogue, schema_dir: &Path, dir: &Path) -> Result<(), String> {
    let stamp = schema_stamp(schema_dir)
        .map_err(|e| format!("cannot read the schema in {}: {e}", schema_dir.display()))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (name, text) in [
        ("resources.rs", generate::generate_for_build(cat)),
        ("blocking.rs", generate::generate_blocking(cat)),
        ("schema.stamp", format!("{stamp}\n")),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    Ok(())
}

/// Everything a build script needs: re-run on schema edits, validate, write
/// `out_file`. On a bad schema it prints every located error and exits the
/// build script with status 1, so `cargo build` fails with readable messages.
pub fn build_script(schema_dir: &Path, out_file: &Path) {
    build_script_with(schema_dir, out_file, None)
}

/// Like [`build_script`]; with `blocking_file`, also writes the blocking
/// wrappers ([`generate::generate_blocking`]) there.
pub fn build_script_with(schema_dir: &Path, out_file: &Path, blocking_file: Option<&Path>) {
    let cat = match load_dir(schema_dir) {
        Ok(c) => c,
        Err(diags) => {
            // A failed build script always reruns, so no rerun-if-changed lines here:
            // they would bury the messages in cargo's output.
            eprintln!("error: the schema in {} is invalid:", schema_dir.display());
            for d in &diags.0 {
                eprintln!("{d}");
                println!("cargo::error={d}");
            }
            std::process::exit(1);
        }
    };
    println!("cargo:rerun-if-changed={}", schema_dir.display());
    rerun_on_every_file(schema_dir);
    write_if_changed(out_file, &generate::generate_for_build(&cat));
    if let Some(f) = blocking_file {
        write_if_changed(f, &generate::generate_blocking(&cat));
    }
}

/// Only touches the file when it changed, so unrelated rebuilds stay incremental.
fn write_if_changed(out_file: &Path, code: &str) {
    if std::fs::read_to_string(out_file).ok().as_deref() != Some(code) {
        if let Err(e) = std::fs::write(out_file, code) {
            eprintln!("error: cannot write {}: {e}", out_file.display());
            std::process::exit(1);
        }
    }
}

fn rerun_on_every_file(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            rerun_on_every_file(&p);
        } else {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
}
