//! The server-talking examples of `gitlab_client::guide`, run against the
//! emulator: one test per section, the same calls as the `no_run` doctests
//! (with the emulator's URL, token and demo project).

use futures_util::StreamExt;
use gitlab_client::resources::ProjectIssueCreate;
use gitlab_client::{Error, Gitlab};
use gitlab_emulator::{Emulator, Fault, FaultRule, Faults, Seed};
use serde_json::json;
use std::time::Duration;

const P: &str = "demo-group/demo-project";

async fn demo() -> (Emulator, Gitlab) {
    let emu = Emulator::builder().seed(Seed::Demo).start().await.unwrap();
    let gl = Gitlab::new(emu.url(), emu.admin_token()).unwrap();
    (emu, gl)
}

#[tokio::test]
async fn objects() {
    let (_emu, gl) = demo().await;
    let project = gl.projects().get(P).await.unwrap();
    assert_eq!(project.name(), Some("Demo Project"));
    let topics: Vec<String> = project.get("topics").unwrap();
    assert!(topics.is_empty() || !topics[0].is_empty());
    assert!(project.attr("star_count").is_some());
}

#[tokio::test]
async fn save_and_delete() {
    let (emu, gl) = demo().await;
    let issues = gl.projects().get_lazy(P).issues();
    let mut issue = issues
        .create(ProjectIssueCreate::new("Broken link"))
        .await
        .unwrap();
    issue.set("description", "The README link 404s.");
    emu.clear_requests();
    issue.save().await.unwrap();
    issue.save().await.unwrap(); // nothing changed: no request
    assert_eq!(emu.requests().len(), 1);
    assert_eq!(
        issues
            .get(issue.iid().unwrap())
            .await
            .unwrap()
            .description(),
        Some("The README link 404s.")
    );
    issue.delete().await.unwrap();
    assert!(issues
        .get(issue.iid().unwrap())
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn lazy_objects() {
    let (emu, gl) = demo().await;
    let pid = emu.project_id(P).unwrap();
    let project = gl.projects().get_lazy(pid);
    project
        .merge_requests()
        .create(
            gitlab_client::Attrs::new()
                .set("title", "mr")
                .set("source_branch", "feature")
                .set("target_branch", "main"),
        )
        .await
        .ok();
    emu.clear_requests();
    let mr = gl.projects().get_lazy(P).merge_requests().get_lazy(1u64);
    assert!(mr.is_lazy());
    let notes = mr.notes().list().all().await;
    assert_eq!(emu.requests().len(), 1, "one request: the notes");
    let _ = notes;
}

#[tokio::test]
async fn sudo() {
    let (emu, gl) = demo().await;
    let me = gl.user().sudo("alice").fetch().await.unwrap();
    assert_eq!(me.username(), Some("alice"));
    let mut issue = gl
        .projects()
        .sudo("alice")
        .get_lazy(P)
        .issues()
        .get(1u64)
        .await
        .unwrap();
    issue.set("title", "Renamed by alice");
    issue.save().await.unwrap();
    issue.without_sudo().delete().await.unwrap();
    let users: Vec<Option<String>> = emu.requests().iter().map(|r| r.user.clone()).collect();
    assert_eq!(
        users[1..],
        [
            Some("alice".into()),
            Some("alice".into()),
            Some("root".into())
        ]
    );
}

#[tokio::test]
async fn parameters_that_clash_with_rust_names() {
    let (emu, gl) = demo().await;
    let project = gl.projects().get_lazy(P);
    let on_main = project.pipelines().list().ref_("main").all().await.unwrap();
    let same = project
        .pipelines()
        .list()
        .filter("ref", "main")
        .all()
        .await
        .unwrap();
    assert_eq!(on_main.len(), same.len());
    assert!(emu.requests().iter().any(|r| r.query.contains("ref=main")));
    let other = gl
        .projects()
        .create(gitlab_client::Attrs::new().set("name", "other"))
        .await
        .unwrap();
    let mut issue = project.issues().get(1u64).await.unwrap();
    issue.move_(other.get::<u64>("id").unwrap()).await.unwrap();
    assert_eq!(issue.project_id(), other.get::<Option<u64>>("id").unwrap());
}

#[tokio::test]
async fn errors() {
    let (_emu, gl) = demo().await;
    let e = gl.projects().get(99u64).await.unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(e.to_string(), "404 Project Not Found (GET /projects/99)");
    let e = gl
        .projects()
        .get_lazy(P)
        .issues()
        .create(gitlab_client::Attrs::new().set("titel", "x"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidAttrs { .. }), "{e:?}");
}

#[tokio::test]
async fn a_custom_client_with_a_cookie() {
    let (emu, _) = demo().await;
    use reqwest::header::{HeaderMap, HeaderValue, COOKIE};
    let mut headers = HeaderMap::new();
    headers.insert(
        COOKIE,
        HeaderValue::from_static("_gitlab_session=from-your-login"),
    );
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let gl = Gitlab::builder(emu.url())
        .private_token(emu.admin_token())
        .http_client(http)
        .build()
        .unwrap();
    assert_eq!(gl.auth().await.unwrap().username(), Some("root"));
}

#[tokio::test]
async fn transient_errors_and_rate_limits() {
    let (emu, _) = demo().await;
    emu.set_faults(
        Faults::new()
            .with(
                FaultRule::new(Fault::ServerError(502))
                    .method("GET")
                    .times(1),
            )
            .with(
                FaultRule::new(Fault::ServerError(502))
                    .method("POST")
                    .times(1),
            ),
    );
    let gl = Gitlab::builder(emu.url())
        .private_token(emu.admin_token())
        .retry_transient_errors(true)
        .max_retries(5)
        .build()
        .unwrap();
    let project = gl.projects().get(P).await.unwrap(); // retried on a 502
    let issue = project
        .issues()
        .create(ProjectIssueCreate::new("once"))
        .await; // not repeated after a 502
    let e = issue.unwrap_err();
    assert_eq!(e.status(), Some(502));
    assert!(e.is_retryable());
    let posts = emu.requests().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 1);
    let created = project
        .issues()
        .retry_writes(true)
        .create(ProjectIssueCreate::new("once"))
        .await
        .unwrap();
    assert_eq!(created.title(), Some("once"));
}

#[tokio::test]
async fn timeouts() {
    let (emu, _) = demo().await;
    let gl = Gitlab::builder(emu.url())
        .private_token(emu.admin_token())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let slow = gl.projects().timeout(Duration::from_secs(120));
    let project = slow.get(P).await.unwrap();
    assert_eq!(
        project.call_options().timeout,
        Some(Duration::from_secs(120))
    );
    emu.set_faults(
        Faults::new().with(FaultRule::new(Fault::Stall(Duration::from_millis(500))).times(1)),
    );
    let e = gl
        .projects()
        .timeout(Duration::from_millis(50))
        .get(1u64)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert!(e.to_string().contains("timed out"), "{e}");
}

#[tokio::test]
async fn pagination_and_streaming() {
    let (emu, gl) = demo().await;
    emu.seed_issues(emu.project_id(P).unwrap(), 30).unwrap();
    let issues = gl.projects().get_lazy(P).issues();
    let page = issues.list().per_page(20).page(1).await.unwrap();
    assert_eq!((page.items.len(), page.info.total), (20, Some(32)));
    let all = issues.list().all().await.unwrap();
    let mut stream = std::pin::pin!(issues.list().per_page(100).stream());
    let mut n = 0;
    while let Some(issue) = stream.next().await {
        issue.unwrap();
        n += 1;
    }
    assert_eq!(n, all.len());
    assert_eq!(n, 32);
}

#[tokio::test]
async fn graphql() {
    let (_emu, gl) = demo().await;
    let data = gl
        .graphql("query { currentUser { username } }", json!({}))
        .await
        .unwrap();
    assert_eq!(data["currentUser"]["username"], "root");
    let issues = gl
        .graphql_pages(
            "query($path: ID!, $after: String) { project(fullPath: $path) {
               issues(first: 100, after: $after) { nodes { iid title } pageInfo { endCursor hasNextPage } } } }",
            json!({"path": P}),
            "project.issues",
        )
        .await
        .unwrap();
    assert_eq!(issues.len(), 2);
    match gl
        .graphql("{ currentUser { nosuchfield } }", json!({}))
        .await
    {
        Err(Error::GraphQL { errors, data }) => {
            assert!(errors[0].to_string().contains("nosuchfield"));
            assert!(data.is_none());
        }
        other => panic!("{other:?}"),
    }
}

/// The guide's last example, as written there.
#[tokio::test]
async fn testing_with_the_emulator() {
    let emu = Emulator::builder().seed(Seed::Demo).start().await.unwrap();
    emu.set_faults(
        Faults::new().with(
            FaultRule::new(Fault::RateLimit {
                retry_after: Some(0),
            })
            .times(1),
        ),
    );
    let gl = emu.client().unwrap(); // a gitlab_client::Gitlab logged in as root
    let project = gl.projects().get("demo-group/demo-project").await.unwrap();
    assert_eq!(project.issues().list().all().await.unwrap().len(), 2);
    assert_eq!(emu.requests()[0].status, 429);
    emu.shutdown().await;
}
