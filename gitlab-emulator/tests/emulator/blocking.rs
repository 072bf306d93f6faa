//! The blocking client (`gitlab_client::blocking`, feature `blocking`) against
//! the emulator. The emulator runs on a runtime of its own; the blocking calls
//! are made from the test thread, which has none, as in a plain program.

use gitlab_client::blocking::Gitlab;
use gitlab_client::resources::{IssueState, ProjectIssueCreate};
use gitlab_client::Error;
use gitlab_emulator::{Emulator, Seed};
use serde_json::json;

/// A runtime serving the emulator, and the emulator.
fn serve() -> (tokio::runtime::Runtime, Emulator) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emu = rt
        .block_on(Emulator::builder().seed(Seed::Demo).start())
        .unwrap();
    (rt, emu)
}

#[test]
fn the_issue_example_works_synchronously() {
    let (_rt, emu) = serve();
    let gl = Gitlab::builder(emu.url())
        .private_token(emu.admin_token())
        .build()
        .unwrap();
    let projects = gl.projects().list().all().unwrap();
    assert!(!projects.is_empty());
    let name: String = gl.projects().get(1u64).unwrap().get("name").unwrap();
    assert_eq!(
        Some(name.as_str()),
        projects
            .iter()
            .find(|p| p.id() == Some(1u64.into()))
            .and_then(|p| p.name())
    );
    assert_eq!(gl.auth().unwrap().username(), Some("root"));
    assert!(!gl.version().unwrap().version.is_empty());
}

#[test]
fn managers_objects_actions_and_listings() {
    let (_rt, emu) = serve();
    let gl = Gitlab::new(emu.url(), emu.admin_token()).unwrap();
    let mut project = gl.projects().get("demo-group/demo-project").unwrap();
    // Sub-managers, typed builders and typed accessors (through Deref).
    let issues = project.issues();
    let mut issue = issues
        .create(ProjectIssueCreate::new("From a blocking program").labels(["bug"]))
        .unwrap();
    assert_eq!(issue.title(), Some("From a blocking program"));
    issue.set("description", "changed");
    issue.save().unwrap();
    assert_eq!(issue.description(), Some("changed"));
    let again = issues.get(issue.iid().unwrap()).unwrap();
    assert_eq!(again.description(), Some("changed"));
    // A custom action that replaces the object's state, and one returning JSON.
    // (The author is subscribed already.)
    issue.unsubscribe().unwrap();
    assert_eq!(issue.subscribed(), Some(false));
    issue.subscribe().unwrap();
    assert_eq!(issue.subscribed(), Some(true));
    let stats = issue.time_stats().unwrap();
    assert!(stats.get("time_estimate").is_some(), "{stats}");
    // Typed filters through apply, untyped ones directly; iter() pages lazily.
    for i in 0..4 {
        issues
            .create(ProjectIssueCreate::new(format!("more {i}")))
            .unwrap();
    }
    let open: Vec<_> = issues
        .list()
        .apply(|l| l.state(IssueState::Opened))
        .per_page(2)
        .iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let all_open = issues.list().filter("state", "opened").all().unwrap();
    assert_eq!(open.len(), all_open.len());
    assert!(open.len() >= 6);
    let page = issues.list().per_page(2).page(2).unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.info.page, Some(2));
    // A misspelt filter fails before any request.
    let before = emu.request_count();
    let e = issues.list().filter("stat", "opened").all().unwrap_err();
    assert!(e.to_string().contains("state"), "{e}");
    assert_eq!(emu.request_count(), before);
    // Lazy objects and delete.
    let lazy = gl
        .projects()
        .get_lazy("demo-group/demo-project")
        .issues()
        .get_lazy(issue.iid().unwrap());
    assert!(lazy.is_lazy());
    lazy.delete().unwrap();
    assert!(issues.get(issue.iid().unwrap()).unwrap_err().is_not_found());
    // Project actions and sudo.
    project.star().unwrap();
    let me = gl.user().sudo("alice").fetch().unwrap();
    assert_eq!(me.username(), Some("alice"));
    // GraphQL, paginated.
    let nodes = gl
        .graphql_pages(
            "query($after: String) { project(fullPath: \"demo-group/demo-project\") { issues(first: 3, after: $after) { nodes { iid } pageInfo { endCursor hasNextPage } } } }",
            json!({}),
            "project.issues",
        )
        .unwrap();
    let streamed: Vec<_> = gl
        .graphql_stream(
            "query($after: String) { project(fullPath: \"demo-group/demo-project\") { issues(first: 2, after: $after) { nodes { iid } pageInfo { endCursor hasNextPage } } } }",
            json!({}),
            "project.issues",
        )
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(nodes, streamed);
    assert_eq!(nodes.len(), issues.list().all().unwrap().len());
    assert_eq!(
        gl.graphql("{ currentUser { username } }", json!({}))
            .unwrap()["currentUser"]["username"],
        "root"
    );
}

#[test]
fn errors_are_the_async_errors() {
    let (_rt, emu) = serve();
    let gl = Gitlab::new(emu.url(), emu.admin_token()).unwrap();
    let e = gl.projects().get(999_999u64).unwrap_err();
    assert!(e.is_not_found(), "{e}");
    let e = gl.graphql("{ nosuch }", json!({})).unwrap_err();
    assert!(matches!(e, Error::GraphQL { .. }), "{e:?}");
}

#[tokio::test]
async fn inside_an_async_runtime_calls_fail_clearly_and_drop_is_safe() {
    let emu = Emulator::builder().seed(Seed::Demo).start().await.unwrap();
    // Built outside the runtime's context or inside: both fine, building makes no request.
    let gl = Gitlab::new(emu.url(), emu.admin_token()).unwrap();
    let before = emu.request_count();
    let e = gl.projects().get(1u64).unwrap_err();
    assert!(matches!(e, Error::BlockingInAsync), "{e:?}");
    assert!(e.to_string().contains("inside an async runtime"), "{e}");
    let mut it = gl.projects().list().iter();
    assert!(matches!(it.next(), Some(Err(Error::BlockingInAsync))));
    assert!(it.next().is_none(), "the iterator ends after its error");
    // spawn_blocking threads have a runtime context too: refused, never a deadlock.
    let gl2 = gl.clone();
    let r = tokio::task::spawn_blocking(move || gl2.projects().get(1u64).map(|_| ()))
        .await
        .unwrap();
    assert!(matches!(r, Err(Error::BlockingInAsync)), "{r:?}");
    assert_eq!(emu.request_count(), before, "nothing was sent");
    // The async client underneath works here.
    let p = gl.as_async().projects().get(1u64).await.unwrap();
    assert_eq!(p.id(), Some(1u64.into()));
    // Dropping the last clone (and its runtime) inside the runtime does not panic.
    drop(gl);
    // A plain thread is the way out of async code (awaited, not joined: joining
    // would block this runtime, which serves the emulator).
    let url = emu.url().to_string();
    let token = emu.admin_token().to_string();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let name =
            Gitlab::new(url, token).and_then(|gl| gl.projects().get(1u64)?.get::<String>("name"));
        let _ = tx.send(name);
    });
    let name = rx.await.unwrap().unwrap();
    assert!(!name.is_empty());
}
