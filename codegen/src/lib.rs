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
mod par;
pub mod stamp;
mod yaml;

pub use catalogue::{load_dir, load_sources, Catalogue, Diagnostic, Diagnostics, Resource};
pub use endpoints::Endpoint;
#[cfg(feature = "tools")]
pub use generate::{generate, generate_module};
pub use stamp::schema_stamp;

use std::path::Path;

/// The files gitlab-client compiles without its `regenerate` feature, written
/// into `dir` (`gitlab-client/src/generated`): `resources.rs` and its
/// per-schema-file modules under `resources/` ([`generate::generate_for_build`]),
/// `blocking.rs`, and `schema.stamp`, the [`schema_stamp`](stamp::schema_stamp)
/// of `schema_dir` they were made from. A module file left from a schema file
/// that no longer exists is removed.
pub fn write_checked_in(cat: &Catalogue, schema_dir: &Path, dir: &Path) -> Result<(), String> {
    let stamp = schema_stamp(schema_dir)
        .map_err(|e| format!("cannot read the schema in {}: {e}", schema_dir.display()))?;
    let mut files = generate::generate_for_build(cat);
    files.push(("blocking.rs".into(), generate::generate_blocking(cat)));
    files.push(("schema.stamp".into(), format!("{stamp}\n")));
    write_files(dir, &files)?;
    let modules = dir.join(generate::MODULE_DIR);
    let entries = match std::fs::read_dir(&modules) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot read {}: {e}", modules.display())),
    };
    for e in entries.flatten() {
        let rel = format!(
            "{}/{}",
            generate::MODULE_DIR,
            e.file_name().to_string_lossy()
        );
        if !files.iter().any(|(p, _)| *p == rel) {
            std::fs::remove_file(e.path())
                .map_err(|err| format!("cannot remove {}: {err}", e.path().display()))?;
        }
    }
    Ok(())
}

/// Writes each (relative path, text) under `dir`.
fn write_files(dir: &Path, files: &[(String, String)]) -> Result<(), String> {
    files
        .iter()
        .try_for_each(|(rel, text)| write_if_changed(&dir.join(rel), text))
}

/// Writes `text` to `p`, creating its directory, unless `p` already holds it,
/// so unrelated rebuilds stay incremental.
fn write_if_changed(p: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(p).ok().as_deref() == Some(text) {
        return Ok(());
    }
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))
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
    // The index goes to `out_file`, its modules into `resources/` beside it.
    let mut files = generate::generate_for_build(&cat);
    let (_, index) = files.remove(0);
    let dir = out_file.parent().unwrap_or(Path::new("."));
    let written = write_files(dir, &files)
        .and_then(|()| write_if_changed(out_file, &index))
        .and_then(|()| {
            blocking_file.map_or(Ok(()), |f| {
                write_if_changed(f, &generate::generate_blocking(&cat))
            })
        });
    if let Err(e) = written {
        eprintln!("error: {e}");
        std::process::exit(1);
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
