//! The emulator serves no path GitLab does not have: every route it answers
//! (`gitlab_emulator::routes()`, the routing table itself) is an endpoint of
//! the catalogue's expansion (`codegen::Catalogue::endpoints()`) or of the
//! endpoint reference (`tests/fixtures/gitlab-endpoints.json`, the endpoints
//! four GitLab clients call). Everything else is a 404.

use super::*;
use gitlab_emulator::{routes, RouteSource};
use std::collections::BTreeSet;
use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the emulator sits in the workspace")
}

/// (method, path) of every endpoint the reference lists and does not mark suspect.
fn reference() -> BTreeSet<(String, String)> {
    let path = workspace().join("tests/fixtures/gitlab-endpoints.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let v: Value = serde_json::from_str(&text).expect("the endpoint list parses");
    v["endpoints"]
        .as_array()
        .expect("an 'endpoints' array")
        .iter()
        .filter(|e| e.get("suspect").is_none())
        .map(|e| {
            (
                e["method"].as_str().expect("method").to_string(),
                e["path"].as_str().expect("path").to_string(),
            )
        })
        .collect()
}

fn expansion() -> BTreeSet<(String, String)> {
    let cat = codegen::load_dir(&workspace().join("schema"))
        .unwrap_or_else(|d| panic!("schema/ is invalid:\n{d}"));
    cat.endpoints()
        .iter()
        .map(|e| (e.method.to_string(), e.path.clone()))
        .collect()
}

/// GitLab's `archive[.format]` style: a last segment `name.{}` is the endpoint
/// `name` with a format suffix.
fn without_format_suffix(path: &str) -> Option<String> {
    let (head, last) = path.rsplit_once('/').unwrap_or(("", path));
    let base = last.strip_suffix(".{}")?;
    Some(if head.is_empty() {
        base.to_string()
    } else {
        format!("{head}/{base}")
    })
}

#[test]
fn every_route_is_an_endpoint_gitlab_has() {
    let known: BTreeSet<(String, String)> = reference().into_iter().chain(expansion()).collect();
    let has = |m: &str, p: &str| known.contains(&(m.to_string(), p.to_string()));
    let all = routes();
    let handlers = all
        .iter()
        .filter(|r| r.source == RouteSource::Handler)
        .count();
    let core = all.iter().filter(|r| r.source == RouteSource::Core).count();
    // The table is not empty, and hand-written and core routes are in it.
    assert!(
        handlers >= 10 && core >= 20,
        "{handlers} handler and {core} core routes"
    );
    let mut unknown: Vec<String> = all
        .iter()
        .filter(|r| {
            !has(r.method, &r.path)
                && !without_format_suffix(&r.path).is_some_and(|p| has(r.method, &p))
        })
        .map(|r| format!("{} {} ({:?})", r.method, r.path, r.source))
        .collect();
    unknown.sort();
    unknown.dedup();
    assert!(
        unknown.is_empty(),
        "{} routes the emulator serves are neither generated from the catalogue nor in \
         the endpoint reference, so GitLab may not have them:\n{}",
        unknown.len(),
        unknown.join("\n")
    );
}

#[tokio::test]
async fn paths_outside_the_table_are_not_found() {
    let emu = demo().await;
    let pid = emu.project_id("demo-group/demo-project").unwrap();
    for path in [
        "/nothing/here".to_string(),
        "/markdown/extra".to_string(),
        "/keys/1/extra".to_string(),
        format!("/projects/{pid}/statuses"),
        format!("/projects/{pid}/repository/archive.rar"),
        format!("/projects/{pid}/repository/archive."),
        format!("/projects/{pid}/repository/archives.zip"),
        format!("/projects/{pid}/labels/bug/promote/now"),
    ] {
        let r = get(&emu, &path).await;
        assert_eq!(r.status, 404, "GET {path}");
        assert_eq!(
            r.json(),
            serde_json::json!({"error": "404 Not Found"}),
            "GET {path}"
        );
    }
    // A listed path with a method it does not have is refused too.
    let r = send(
        http()
            .delete(api(&emu, "/markdown"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
    )
    .await;
    assert!(
        r.status == 404 || r.status == 405,
        "DELETE /markdown: {}",
        r.status
    );
}
