//! The schema's stamp: a fingerprint of its YAML files that gitlab-client's
//! checked-in generated code records (`src/generated/schema.stamp`), so its
//! build script can tell that the schema changed since. This file has no
//! dependencies: gitlab-client's build script includes it through the link
//! `gitlab-client/stamp.rs`, without depending on the generator.

use std::path::{Path, PathBuf};

/// A schema file: its path relative to the schema folder (with `/`), and its path.
pub type YamlFile = (String, PathBuf);

/// Every `.yaml` file under `dir`, in path order, and every directory walked.
pub fn yaml_files(dir: &Path) -> std::io::Result<(Vec<YamlFile>, Vec<PathBuf>)> {
    let (mut files, mut dirs) = (Vec::new(), vec![dir.to_path_buf()]);
    let mut i = 0;
    while let Some(d) = dirs.get(i).cloned() {
        i += 1;
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml") {
                let rel: Vec<String> = p
                    .strip_prefix(dir)
                    .unwrap_or(&p)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                files.push((rel.join("/"), p));
            }
        }
    }
    files.sort();
    Ok((files, dirs))
}

/// FNV-1a (64 bits) over each file's relative path, a NUL, its bytes and a
/// NUL, in the given order, as 16 hex digits.
pub fn stamp_of(files: &[YamlFile]) -> std::io::Result<String> {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes.iter().chain(&[0u8]) {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for (rel, path) in files {
        eat(rel.as_bytes());
        eat(&std::fs::read(path)?);
    }
    Ok(format!("{h:016x}"))
}

/// The stamp of the schema in `dir`.
pub fn schema_stamp(dir: &Path) -> std::io::Result<String> {
    stamp_of(&yaml_files(dir)?.0)
}
