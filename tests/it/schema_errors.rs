//! Every schema rule has a small broken fixture in `tests/fixtures/bad-schema/`;
//! the snapshot holds the exact messages, so a worse message shows up in review.

use std::path::Path;

fn diagnostics_for(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let name = path
        .file_name()
        .expect("fixture has a name")
        .to_string_lossy();
    let display = format!("schema/{name}");
    match codegen::load_sources(&[(&display, &text)]) {
        Ok(_) => panic!("{display} should be rejected"),
        Err(d) => d.to_string(),
    }
}

#[test]
fn each_broken_fixture_gets_located_messages() {
    insta::glob!("../fixtures/bad-schema", "*.yaml", |path| {
        let msg = diagnostics_for(path);
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for line in msg.lines() {
            // file:line:col: message
            let mut parts = line.splitn(4, ':');
            assert_eq!(
                parts.next(),
                Some(format!("schema/{name}").as_str()),
                "{line}"
            );
            let l: usize = parts
                .next()
                .and_then(|n| n.parse().ok())
                .expect("line number");
            let c: usize = parts
                .next()
                .and_then(|n| n.parse().ok())
                .expect("column number");
            assert!(l >= 1 && c >= 1, "{line}");
        }
        insta::assert_snapshot!(msg);
    });
}

#[test]
fn unknown_key_message_matches_the_documented_form() {
    let msg = diagnostics_for(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/bad-schema/unknown_key.yaml"
    )));
    assert_eq!(
        msg,
        "schema/unknown_key.yaml:9:7: unknown key 'optinal' in resource ProjectIssue (did you mean 'optional'?)"
    );
}

#[test]
fn all_errors_of_a_file_are_reported_together() {
    let msg = diagnostics_for(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/bad-schema/many_errors.yaml"
    )));
    assert!(msg.lines().count() >= 4, "{msg}");
}

#[test]
fn the_real_schema_is_valid() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema"));
    let cat = codegen::load_dir(dir).unwrap_or_else(|d| panic!("schema/ is invalid:\n{d}"));
    assert!(cat.get("ProjectIssue").is_some());
}

#[test]
fn the_check_command_fails_with_located_errors() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/bad-schema"));
    let err = codegen::load_dir(dir).expect_err("fixtures are broken");
    let text = err.to_string();
    assert!(
        text.contains("bad-schema/unknown_key.yaml:9:7: unknown key 'optinal'"),
        "{text}"
    );
}
