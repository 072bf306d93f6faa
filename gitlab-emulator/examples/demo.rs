//! The README's main job (`make demo`): drives the client through a realistic
//! session and prints what it did.
//!
//! Without `GITLAB_URL` it starts the embedded emulator and runs every step,
//! writes included. With `GITLAB_URL` (and `GITLAB_PRIVATE_TOKEN`) it runs
//! against that server, read-only unless `--write` is given.

use futures_util::StreamExt;
use gitlab_client::resources::{GroupCreate, ProjectIssueCreate, ProjectMergeRequestCreate};
use gitlab_client::{Attrs, Gitlab};
use std::process::ExitCode;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn id_of<R: gitlab_client::Resource>(o: &gitlab_client::Object<R>) -> String {
    o.id()
        .map(|v| v.to_string().trim_matches('"').to_string())
        .unwrap_or_default()
}

async fn read_only(gl: &Gitlab) -> Result<()> {
    let v = gl.version().await?;
    println!("server version {} ({})", v.version, v.revision);
    match gl.auth().await {
        Ok(me) => println!("authenticated as {}", me.get::<String>("username")?),
        Err(e) if e.status() == Some(401) => println!("anonymous (no or bad token): {e}"),
        Err(e) => return Err(e.into()),
    }
    let page = gl.projects().list().per_page(5).page(1).await?;
    println!(
        "first page of projects: {} shown, {} in all",
        page.items.len(),
        page.info.total.map_or("?".to_string(), |t| t.to_string())
    );
    for p in &page.items {
        println!(
            "  #{} {}",
            id_of(p),
            p.get::<Option<String>>("path_with_namespace")?
                .unwrap_or_default()
        );
    }
    Ok(())
}

pub async fn full_tour(gl: &Gitlab) -> Result<()> {
    read_only(gl).await?;
    let suffix = std::process::id();

    let group = gl
        .groups()
        .create(GroupCreate::new(
            format!("Demo {suffix}"),
            format!("demo-{suffix}"),
        ))
        .await?;
    println!(
        "\ncreated group #{} {}",
        id_of(&group),
        group.get::<String>("full_path")?
    );
    let mut project = gl
        .projects()
        .create(
            Attrs::new()
                .set("name", "tour")
                .set("namespace_id", group.get::<u64>("id")?),
        )
        .await?;
    println!(
        "created project #{} {}",
        id_of(&project),
        project.get::<String>("path_with_namespace")?
    );

    let issues = project.issues();
    for n in 1..=25 {
        issues
            .create(
                ProjectIssueCreate::new(format!("Issue {n}")).labels(vec![if n % 2 == 0 {
                    "bug"
                } else {
                    "docs"
                }]),
            )
            .await?;
    }
    println!("created 25 issues");

    let page = issues
        .list()
        .per_page(10)
        .offset_pagination()
        .page(2)
        .await?;
    println!(
        "page 2 of issues (10 per page): iids {:?}; X-Total {:?}, X-Total-Pages {:?}, next page {:?}",
        page.items.iter().map(id_of).collect::<Vec<_>>(),
        page.info.total,
        page.info.total_pages,
        page.info.next_page
    );
    let bugs = issues
        .list()
        .filter("labels", "bug")
        .per_page(5)
        .all()
        .await?;
    println!("labelled 'bug', fetched 5 per page: {}", bugs.len());
    let streamed = issues
        .list()
        .per_page(7)
        .stream()
        .fold(0, |n, r| async move { n + usize::from(r.is_ok()) })
        .await;
    println!("streamed every issue page by page: {streamed}");

    let mut first = issues.get(1).await?;
    first.set("title", "Issue 1 (renamed)");
    println!("unsaved changes before save: {:?}", first.unsaved_changes());
    first.save().await?;
    println!(
        "saved issue 1: title is now {:?}",
        first.get::<String>("title")?
    );
    let mut second = issues.get(2).await?;
    second.set("state_event", "close");
    second.save().await?;
    println!("closed issue 2: state {}", second.get::<String>("state")?);
    issues.delete(3).await?;
    println!(
        "deleted issue 3; {} issues remain",
        issues.list().all().await?.len()
    );

    project.star().await?;
    println!(
        "starred the project: star_count {}",
        project.get::<u64>("star_count")?
    );
    // The author of an issue is subscribed to it; a second subscribe would be a 304.
    first.unsubscribe().await?;
    println!(
        "unsubscribed from issue 1: subscribed = {}",
        first.get::<bool>("subscribed")?
    );

    project
        .branches()
        .create(
            Attrs::new()
                .set("branch", "feature/tour")
                .set("ref", "main"),
        )
        .await?;
    // Repository content: commit a file on the branch.
    let pid = id_of(&project);
    gl.http_post(
        &format!("/projects/{pid}/repository/files/TOUR.md"),
        &Attrs::new()
            .set("branch", "feature/tour")
            .set("content", "# Tour\n\nWritten by the demo.\n")
            .set("commit_message", "Add TOUR.md"),
    )
    .await?;
    println!("committed TOUR.md on feature/tour");
    let mut mr = project
        .merge_requests()
        .create(ProjectMergeRequestCreate::new(
            "feature/tour",
            "main",
            "Tour the client",
        ))
        .await?;
    println!(
        "opened merge request !{} ({})",
        id_of(&mr),
        mr.get::<String>("state")?
    );
    let changes = gl
        .http_get(
            &format!("/projects/{pid}/merge_requests/{}/changes", id_of(&mr)),
            &Attrs::new(),
        )
        .await?;
    for change in changes["changes"].as_array().into_iter().flatten() {
        println!(
            "  diff of {}:\n{}",
            change["new_path"].as_str().unwrap_or("?"),
            change["diff"].as_str().unwrap_or("").trim_end()
        );
    }
    mr.merge().await?;
    println!("merged it: state {}", mr.get::<String>("state")?);
    let merged = gl
        .http_get_raw(
            &format!("/projects/{pid}/repository/files/TOUR.md/raw"),
            &Attrs::new().set("ref", "main"),
        )
        .await?;
    println!(
        "main now has TOUR.md ({} bytes) at {}",
        merged.len(),
        mr.get::<String>("merge_commit_sha").unwrap_or_default()
    );

    let mut moved = issues.get(4).await?;
    let other = gl
        .projects()
        .create(Attrs::new().set("name", format!("elsewhere-{suffix}")))
        .await?;
    moved.move_(other.get::<u64>("id")?).await?;
    println!(
        "moved issue 4 to project #{} where it is #{}",
        id_of(&other),
        id_of(&moved)
    );
    Ok(())
}

fn main() -> ExitCode {
    let write = std::env::args().any(|a| a == "--write");
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = rt.block_on(async {
        match std::env::var("GITLAB_URL") {
            Ok(url) => {
                let mut b = Gitlab::builder(&url);
                if let Ok(t) = std::env::var("GITLAB_PRIVATE_TOKEN") {
                    b = b.private_token(t);
                }
                let gl = b.build()?;
                println!("using {} ({})", gl.url(), if write { "read-write" } else { "read-only; pass --write to create things" });
                if write {
                    full_tour(&gl).await
                } else {
                    read_only(&gl).await
                }
            }
            Err(_) => {
                let emu = gitlab_emulator::Emulator::builder().seed(gitlab_emulator::Seed::Demo).start().await?;
                println!("started the embedded GitLab emulator at {} (set GITLAB_URL to use a real server)", emu.url());
                let result = full_tour(&emu.client()?).await;
                println!("\nthe emulator saw {} requests", emu.request_count());
                emu.shutdown().await;
                result
            }
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
