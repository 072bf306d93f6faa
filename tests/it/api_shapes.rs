//! Compile-only: uses every public API shape the README and docs promise, so a
//! schema or runtime change that breaks users' code fails `cargo test`.
//! The functions are never run.

#![allow(dead_code)]

use gitlab_client::resources::{self, kind};
use gitlab_client::{Attrs, FilePart, Gitlab, Manager, Page, Value};

async fn readme_quick_start() -> gitlab_client::Result<()> {
    let gl = Gitlab::builder("https://gitlab.example.com")
        .private_token("t")
        .timeout(std::time::Duration::from_secs(5))
        .per_page(50)
        .user_agent("me")
        .build()?;
    let _ = Gitlab::new("https://h", "t")?;
    let _ = Gitlab::anonymous("https://h")?;
    let _ = Gitlab::builder("https://h").oauth_token("o").build()?;
    let _ = Gitlab::builder("https://h").job_token("j").build()?;

    let page: Page<resources::Project> = gl
        .projects()
        .list()
        .filter("owned", true)
        .per_page(50)
        .page(1)
        .await?;
    let _total: Option<u64> = page.info.total;
    let _groups: Vec<resources::Group> = gl.groups().list().all().await?;

    let mut project: resources::Project = gl.projects().get("my-group/my-project").await?;
    let _name: String = project.get("name")?;
    let _raw: Option<&Value> = project.attr("name");
    let mut issue = project
        .issues()
        .create(Attrs::new().set("title", "t").set("labels", vec!["a"]))
        .await?;
    issue.set("description", "d");
    issue.save().await?;
    issue.refresh().await?;
    project.star().await?;
    project.unstar().await?;
    project.archive().await?;
    issue.move_(42).await?;
    issue.subscribe().await?;
    let _stats: Value = issue.time_stats().await?;
    let _people: Vec<Value> = issue.participants().await?;
    let _bytes: gitlab_client::Bytes = project.repository_archive().await?;
    let _bytes = project
        .repository_archive_with(Attrs::new().set("format", "zip"))
        .await?;
    let _up: Value = project
        .upload(FilePart::new("a.png", vec![1u8, 2, 3]))
        .await?;
    let _forks = project.forks().list().all().await?;

    let mut mr = project.merge_requests().get(1).await?;
    mr.merge().await?;
    mr.merge_with(Attrs::new().set("squash", true)).await?;
    let _: Value = mr.approve().await?;

    let _notes = gl
        .projects()
        .get_lazy(7)
        .issues()
        .get_lazy(3)
        .notes()
        .list()
        .all()
        .await?;
    let _me: resources::CurrentUser = gl.user().sudo("alice").fetch().await?;
    let _me = gl.auth().await?;
    let _v = gl.version().await?;
    let _j: Value = gl.http_get("/metadata", &Attrs::new()).await?;
    let _l: Vec<Value> = gl.http_list("/projects", &Attrs::new()).await?;

    let members: resources::ProjectMemberManager = project.members();
    let _t = members.get_create_attrs();
    let _u = members.get_update_attrs();
    members.delete(5).await?;
    let _m = members
        .update(5, Attrs::new().set("access_level", 30))
        .await?;

    let by_parent = Manager::<kind::ProjectIssue>::new(&gl).with_parent("project_id", 7);
    let _p: String = by_parent.path()?;
    let dynm = by_parent.into_dyn();
    let _meta: &gitlab_client::ResourceMeta = dynm.meta();
    let _found = resources::find("ProjectIssue");
    let _all: usize = resources::CATALOGUE.len();

    issue.delete().await?;
    gl.projects().delete(1).await?;
    Ok(())
}

async fn streaming(project: resources::Project) -> gitlab_client::Result<usize> {
    use futures_util::StreamExt;
    let mut issues = std::pin::pin!(project.issues().list().per_page(100).stream());
    let mut n = 0;
    while let Some(issue) = issues.next().await {
        let _issue: resources::ProjectIssue = issue?;
        n += 1;
    }
    Ok(n)
}

/// Objects and managers must be Send so they work across tokio tasks.
fn send_and_sync() {
    fn is_send<T: Send>() {}
    is_send::<resources::Project>();
    is_send::<resources::ProjectManager>();
    is_send::<gitlab_client::Error>();
    is_send::<Gitlab>();
}

/// The futures of every call must be Send, or `tokio::spawn` rejects them.
fn futures_are_send(project: resources::Project) {
    fn is_send_future<F: std::future::Future + Send>(_: F) {}
    is_send_future(readme_quick_start());
    is_send_future(streaming(project));
}

/// The README's quick start, verbatim: it must keep compiling.
#[allow(unused_variables)]
async fn readme_typed_quick_start() -> gitlab_client::Result<()> {
    use gitlab_client::resources::{
        IssueState, ProjectIssueCreate, ProjectIssueUpdate, StateEvent,
    };
    use gitlab_client::{Attrs, Date, Gitlab};
    let gl = Gitlab::builder("https://gitlab.example.com") // with or without /api/v4
        .private_token(std::env::var("GITLAB_PRIVATE_TOKEN").unwrap_or_default())
        .build()?; // makes no request

    // Listing makes you choose how much to fetch; nothing is cut at 20 items.
    let page = gl
        .projects()
        .list()
        .owned(true)
        .per_page(50)
        .page(1)
        .await?;
    println!("{} of {:?} projects", page.items.len(), page.info.total);

    // Ids are numbers or paths (encoded as my-group%2Fmy-project); `get(true)` does not compile.
    let mut project = gl.projects().get("my-group/my-project").await?;
    println!(
        "{}: {:?}",
        project.name().unwrap_or("?"),
        project.visibility()
    );

    // Typed builders: required attributes are constructor arguments, setters take the attribute's type.
    let mut issue = project
        .issues()
        .create(
            ProjectIssueCreate::new("Broken link")
                .labels(["bug", "docs"])
                .assignee_ids([7u64])
                .confidential(false)
                .due_date(Date::new(2026, 12, 24).expect("a real day")),
        )
        .await?;
    // Typed accessors: None when a field is missing, null or not what the schema says.
    println!(
        "#{:?} {} by {:?}",
        issue.iid(),
        issue.title().unwrap_or(""),
        issue.author().and_then(|a| a.username())
    );

    // Typed list filters; a misspelt `.filter("stat", ..)` is refused before any request.
    let open = project
        .issues()
        .list()
        .state(IssueState::Opened)
        .labels(["bug"])
        .all()
        .await?;
    println!("{} open bugs", open.len());

    // save() sends only what changed; updates have builders too.
    issue.set("description", "The link in the README 404s.");
    issue.save().await?;
    project
        .issues()
        .update(
            issue.iid().unwrap_or(0),
            ProjectIssueUpdate::new().state_event(StateEvent::Close),
        )
        .await?;

    // Custom actions are methods with typed arguments.
    project.star().await?;

    // Lazy objects: no request until you need one; sub-resources have Rust names.
    let notes = gl
        .projects()
        .get_lazy(7)
        .merge_requests()
        .get_lazy(3)
        .notes()
        .list()
        .all()
        .await?;
    println!("{} notes", notes.len());

    // Sudo per manager (objects keep it), raw calls for endpoints no schema covers.
    let me = gl.user().sudo("alice").fetch().await?;
    let _v = gl.http_get("/metadata", &Attrs::new()).await?;
    println!("running as {:?}", me.username());
    Ok(())
}

#[test]
fn the_typed_quick_start_is_a_send_future() {
    fn is_send<T: Send>(_: T) {}
    is_send(readme_typed_quick_start());
}
