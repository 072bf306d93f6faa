//! The `gitlab-codegen` binary, run the way other tools run it: from the repository root.

use std::path::Path;
use std::process::Command;

fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gitlab-codegen"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("gitlab-codegen runs")
}

#[test]
fn dump_prints_the_catalogue_the_library_builds() {
    let out = run(&["dump", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let cat = codegen::load_dir(&repo_root().join("schema")).expect("schema loads");
    let expected: serde_json::Value = serde_json::from_str(&cat.to_json()).expect("JSON");
    assert_eq!(printed, expected);
    let first = &printed["resources"][0];
    for key in [
        "name",
        "manager",
        "path",
        "operations",
        "create",
        "update",
        "update_method",
        "list_filters",
        "attr_types",
        "sub_resources",
        "actions",
    ] {
        assert!(first.get(key).is_some(), "dump lacks '{key}'");
    }
    // A field's default (`field_defaults`) sits next to its type; fields
    // without one have no "default" key.
    let schedule = printed["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["name"] == "ProjectPipelineSchedule"))
        .expect("ProjectPipelineSchedule in the dump");
    assert_eq!(
        schedule["fields"]["active"],
        serde_json::json!({"type": "boolean", "nullable": false, "default": true})
    );
    assert!(schedule["fields"]["next_run_at"].get("default").is_none());
}

#[test]
fn check_reports_located_errors_and_fails() {
    let dir = repo_root().join("tests/fixtures/bad-schema");
    let out = run(&["check", "--schema", dir.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad-schema/unknown_key.yaml:9:7: unknown key 'optinal' in resource ProjectIssue (did you mean 'optional'?)"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_arguments_get_usage_not_a_panic() {
    let out = run(&["dump", "--format", "xml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only 'json' is supported"));
    let out = run(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage:"));
    let out = run(&["check", "--schema", "/nonexistent/schema"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
}
