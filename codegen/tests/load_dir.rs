//! `load_dir` refuses what would make the client's build fail, and reports
//! unreadable files where the problem is.

use std::path::{Path, PathBuf};

fn temp_schema(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("codegen-load-dir-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (rel, bytes) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("dir");
        std::fs::write(p, bytes).expect("write");
    }
    dir
}

fn errors(dir: &Path) -> String {
    match codegen::load_dir(dir) {
        Ok(c) => panic!(
            "{} accepted with {} resources",
            dir.display(),
            c.resources.len()
        ),
        Err(d) => d.to_string(),
    }
}

const USER: &str = "resources:\n  - name: CurrentUser\n    path: /user\n    accessor: user\n    id: null\n    operations: [get_without_id]\n";

#[test]
fn a_minimal_schema_loads() {
    let dir = temp_schema("minimal", &[("users.yaml", USER.as_bytes())]);
    assert!(codegen::load_dir(&dir).is_ok(), "{}", errors(&dir));
}

#[test]
fn an_empty_schema_directory_is_an_error_naming_it() {
    let dir = temp_schema("empty", &[("README.md", b"no yaml here")]);
    let e = errors(&dir);
    assert!(
        e.starts_with(&format!("{}:1:1: no schema files", dir.display())),
        "{e}"
    );
}

#[test]
fn the_resources_the_runtime_uses_are_required() {
    let renamed = USER.replace("name: CurrentUser", "name: Me");
    let dir = temp_schema("renamed", &[("users.yaml", renamed.as_bytes())]);
    let e = errors(&dir);
    assert!(
        e.contains("users.yaml:2:5: the runtime needs a resource named CurrentUser"),
        "{e}"
    );

    let accessor = USER.replace("accessor: user", "accessor: me");
    let dir = temp_schema("accessor", &[("users.yaml", accessor.as_bytes())]);
    let e = errors(&dir);
    assert!(
        e.contains("users.yaml:4:5: CurrentUser needs `accessor: user`"),
        "{e}"
    );

    let ops = USER.replace(
        "[get_without_id]",
        "[]\n    actions:\n      - {name: ping, method: GET, path: ping, on: manager}",
    );
    let dir = temp_schema("ops", &[("users.yaml", ops.as_bytes())]);
    let e = errors(&dir);
    assert!(
        e.contains("users.yaml:6:5: CurrentUser needs the get_without_id operation"),
        "{e}"
    );
}

#[test]
fn non_utf8_is_reported_at_the_first_bad_byte() {
    let mut bytes = USER.as_bytes().to_vec();
    bytes.extend_from_slice(b"doc: caf\xe9 ok\n");
    let dir = temp_schema("latin1", &[("users.yaml", &bytes)]);
    let e = errors(&dir);
    assert!(e.contains("users.yaml:7:9: not UTF-8: byte 0xe9"), "{e}");
}
