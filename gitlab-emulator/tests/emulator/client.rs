//! The client's end-to-end suite against the emulator: create → get → list →
//! update → delete for each emulated resource, pagination, sudo, auth failures.

use super::*;
use futures_util::StreamExt;
use gitlab_client::{Attrs, Gitlab};
use gitlab_emulator::DEMO_USER_TOKEN;
use std::time::Instant;

fn admin(emu: &Emulator) -> Gitlab {
    emu.client().unwrap()
}

#[tokio::test]
async fn projects_crud() {
    let emu = demo().await;
    let gl = admin(&emu);
    let mut p = gl
        .projects()
        .create(
            Attrs::new()
                .set("name", "E2E Project")
                .set("visibility", "internal"),
        )
        .await
        .unwrap();
    assert_eq!(
        p.get::<String>("path_with_namespace").unwrap(),
        "root/e2e-project"
    );
    assert_eq!(p.get::<String>("default_branch").unwrap(), "main");
    let id: u64 = p.get("id").unwrap();
    let same = gl.projects().get("root/e2e-project").await.unwrap();
    assert_eq!(same.get::<u64>("id").unwrap(), id);

    p.set("description", "Now with a description");
    p.save().await.unwrap();
    assert_eq!(
        p.get::<String>("description").unwrap(),
        "Now with a description"
    );
    let listed = gl
        .projects()
        .list()
        .filter("search", "e2e")
        .all()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].get::<String>("description").unwrap(),
        "Now with a description"
    );

    p.star().await.unwrap();
    assert_eq!(p.get::<u64>("star_count").unwrap(), 1);
    let again = p.star().await.unwrap_err();
    assert_eq!(again.status(), Some(304), "{again}");
    p.archive().await.unwrap();
    assert!(p.get::<bool>("archived").unwrap());

    p.delete().await.unwrap();
    let gone = gl.projects().get(id).await.unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
    assert_eq!(
        gone.to_string(),
        format!("404 Project Not Found (GET /projects/{id})")
    );
}

#[tokio::test]
async fn groups_crud() {
    let emu = demo().await;
    let gl = admin(&emu);
    let g = gl
        .groups()
        .create(Attrs::new().set("name", "Team").set("path", "team"))
        .await
        .unwrap();
    let gid: u64 = g.get("id").unwrap();
    let mut fetched = gl.groups().get("team").await.unwrap();
    assert_eq!(fetched.get::<String>("full_path").unwrap(), "team");
    fetched.set("description", "The team");
    fetched.save().await.unwrap();
    let all = gl.groups().list().all().await.unwrap();
    let names: Vec<String> = all.iter().map(|g| g.get("path").unwrap()).collect();
    assert_eq!(names, ["demo-group", "team"]);
    let missing = gl
        .groups()
        .create(Attrs::new().set("name", "Team").set("path", "team"))
        .await
        .unwrap_err();
    assert_eq!(missing.status(), Some(400));
    gl.groups().delete(gid).await.unwrap();
    assert!(gl.groups().get(gid).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn issues_and_notes_crud() {
    let emu = demo().await;
    let gl = admin(&emu);
    let project = gl.projects().get("demo-group/demo-project").await.unwrap();
    let mut issue = project
        .issues()
        .create(
            Attrs::new()
                .set("title", "From the client")
                .set("labels", vec!["a", "b"]),
        )
        .await
        .unwrap();
    assert_eq!(issue.get::<u64>("iid").unwrap(), 3);
    assert_eq!(issue.get::<Vec<String>>("labels").unwrap(), ["a", "b"]);

    issue.set("state_event", "close");
    issue.set("description", "Closing from the client");
    issue.save().await.unwrap();
    assert_eq!(issue.get::<String>("state").unwrap(), "closed");
    let fetched = project.issues().get(3).await.unwrap();
    assert_eq!(
        fetched.get::<String>("description").unwrap(),
        "Closing from the client"
    );
    let closed = project
        .issues()
        .list()
        .filter("state", "closed")
        .all()
        .await
        .unwrap();
    let iids: Vec<u64> = closed.iter().map(|i| i.get("iid").unwrap()).collect();
    // GitLab's default order, newest first, as page(1) gives it.
    assert_eq!(iids, [3, 2]);

    let mut note = issue
        .notes()
        .create(Attrs::new().set("body", "First!"))
        .await
        .unwrap();
    assert_eq!(note.get::<String>("noteable_type").unwrap(), "Issue");
    note.set("body", "Edited");
    note.save().await.unwrap();
    let notes = issue.notes().list().all().await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].get::<String>("body").unwrap(), "Edited");
    note.delete().await.unwrap();
    assert!(issue.notes().list().all().await.unwrap().is_empty());

    issue.subscribe().await.unwrap_err(); // already subscribed as the author: 304
    let other = gl
        .projects()
        .create(Attrs::new().set("name", "Target"))
        .await
        .unwrap();
    let to: u64 = other.get("id").unwrap();
    issue.move_(to).await.unwrap();
    assert_eq!(issue.get::<u64>("project_id").unwrap(), to);
    assert_eq!(issue.get::<u64>("iid").unwrap(), 1);

    issue.delete().await.unwrap();
    assert!(other.issues().get(1).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn merge_requests_branches_and_merging() {
    let emu = demo().await;
    let gl = admin(&emu);
    let project = gl.projects().get(1).await.unwrap();
    let branch = project
        .branches()
        .create(Attrs::new().set("branch", "topic/x").set("ref", "main"))
        .await
        .unwrap();
    assert_eq!(branch.get::<String>("name").unwrap(), "topic/x");
    let fetched = project.branches().get("topic/x").await.unwrap();
    assert!(!fetched.get::<bool>("default").unwrap());
    let names: Vec<String> = project
        .branches()
        .list()
        .all()
        .await
        .unwrap()
        .iter()
        .map(|b| b.get("name").unwrap())
        .collect();
    assert_eq!(names, ["feature/demo", "main", "topic/x"]);

    let mut mr = project
        .merge_requests()
        .create(
            Attrs::new()
                .set("source_branch", "topic/x")
                .set("target_branch", "main")
                .set("title", "Draft: topic x"),
        )
        .await
        .unwrap();
    assert!(mr.get::<bool>("draft").unwrap());
    let blocked = mr.merge().await.unwrap_err();
    assert_eq!(blocked.status(), Some(405));
    mr.set("title", "Topic x");
    mr.save().await.unwrap();
    assert!(!mr.get::<bool>("draft").unwrap());
    let open = project
        .merge_requests()
        .list()
        .filter("state", "opened")
        .all()
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    mr.merge().await.unwrap();
    assert_eq!(mr.get::<String>("state").unwrap(), "merged");
    assert_eq!(mr.attr("merged_by").unwrap()["username"], "root");
    let head = project.branches().get("main").await.unwrap();
    assert_eq!(
        head.attr("commit").unwrap()["id"],
        *mr.attr("merge_commit_sha").unwrap()
    );

    project.branches().delete("topic/x").await.unwrap();
    assert!(project
        .branches()
        .get("topic/x")
        .await
        .unwrap_err()
        .is_not_found());
    let refused = project.branches().delete("main").await.unwrap_err();
    assert_eq!(refused.status(), Some(405));
}

#[tokio::test]
async fn members_crud() {
    let emu = demo().await;
    let gl = admin(&emu);
    let bob = emu.create_user("bob", false);
    let group = gl.groups().get("demo-group").await.unwrap();
    let mut m = group
        .members()
        .create(Attrs::new().set("user_id", bob.id).set("access_level", 20))
        .await
        .unwrap();
    assert_eq!(m.get::<String>("username").unwrap(), "bob");
    m.set("access_level", 40);
    m.save().await.unwrap();
    let got = group.members().get(bob.id).await.unwrap();
    assert_eq!(got.get::<u64>("access_level").unwrap(), 40);
    let all = group.members().list().all().await.unwrap();
    let ids: Vec<u64> = all.iter().map(|m| m.get("id").unwrap()).collect();
    assert_eq!(ids, [1, 2, bob.id]);
    // Bob, a maintainer through the group, can now manage the project's members.
    let as_bob = emu.client_as(&bob.token).unwrap();
    let project = as_bob.projects().get(1).await.unwrap();
    project
        .members()
        .create(
            Attrs::new()
                .set("username", "alice")
                .set("access_level", 30),
        )
        .await
        .unwrap();
    m.delete().await.unwrap();
    let err = group.members().get(bob.id).await.unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn users_and_the_current_user() {
    let emu = demo().await;
    let gl = admin(&emu);
    let u = gl
        .users()
        .create(
            Attrs::new()
                .set("username", "carol")
                .set("name", "Carol")
                .set("email", "carol@example.com")
                .set("password", "long-enough-password"),
        )
        .await
        .unwrap();
    let id: u64 = u.get("id").unwrap();
    let again = gl
        .users()
        .create(
            Attrs::new()
                .set("username", "carol")
                .set("name", "Carol")
                .set("email", "other@example.com"),
        )
        .await
        .unwrap_err();
    assert_eq!(again.status(), Some(409));
    let found = gl
        .users()
        .list()
        .filter("username", "CAROL")
        .all()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let me = gl.user().fetch().await.unwrap();
    assert_eq!(me.get::<String>("username").unwrap(), "root");
    assert!(me.get::<bool>("is_admin").unwrap());
    let alice = emu.client_as(DEMO_USER_TOKEN).unwrap();
    let denied = alice.users().delete(id).await.unwrap_err();
    assert_eq!(denied.status(), Some(403));
    gl.users().delete(id).await.unwrap();
    assert!(gl.users().get(id).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn sudo_and_auth_failures() {
    let emu = demo().await;
    let gl = admin(&emu);
    let me = gl.user().sudo("alice").fetch().await.unwrap();
    assert_eq!(me.get::<String>("username").unwrap(), "alice");
    let issue = gl
        .projects()
        .get_lazy(1)
        .issues()
        .sudo("alice")
        .create(Attrs::new().set("title", "Filed as alice"))
        .await
        .unwrap();
    assert_eq!(issue.attr("author").unwrap()["username"], "alice");

    let bad = emu.client_as("glpat-not-a-token").unwrap();
    let err = bad.projects().list().page(1).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.message(), Some("401 Unauthorized"));
    let anonymous = Gitlab::anonymous(emu.url()).unwrap();
    let err = anonymous.user().fetch().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    let public = anonymous.projects().list().all().await.unwrap();
    assert_eq!(public.len(), 1);
    let version = gl.version().await.unwrap();
    assert_eq!(version.version, gitlab_emulator::GITLAB_VERSION);
}

#[tokio::test]
async fn pagination_across_many_pages() {
    let emu = demo().await;
    let gl = admin(&emu);
    let project = gl
        .projects()
        .create(Attrs::new().set("name", "Paged"))
        .await
        .unwrap();
    let pid: u64 = project.get("id").unwrap();
    emu.seed_issues(pid, 450).unwrap();

    // The default walk (keyset where the schema offers it).
    let all = project.issues().list().per_page(100).all().await.unwrap();
    let iids: Vec<u64> = all.iter().map(|i| i.get("iid").unwrap()).collect();
    let mut sorted = iids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, (1..=450).collect::<Vec<u64>>());

    // Offset pagination, page by page and concurrently.
    let offset = project
        .issues()
        .list()
        .per_page(100)
        .offset_pagination()
        .all()
        .await
        .unwrap();
    assert_eq!(offset.len(), 450);
    let concurrent = project
        .issues()
        .list()
        .per_page(50)
        .concurrency(4)
        .all()
        .await
        .unwrap();
    assert_eq!(concurrent.len(), 450);
    let page = project.issues().list().per_page(100).page(5).await.unwrap();
    assert_eq!(page.items.len(), 50);
    assert_eq!(page.info.total, Some(450));
    assert_eq!(page.info.next_page, None);

    // Streaming with a filter.
    let mut stream = std::pin::pin!(project
        .issues()
        .list()
        .filter("labels", "bulk")
        .per_page(40)
        .stream());
    let mut n = 0;
    while let Some(item) = stream.next().await {
        item.unwrap();
        n += 1;
    }
    assert_eq!(n, 150);
}

/// The benchmark shape: 20,000 issues, 200 pages of 100. The emulator answers
/// each page from a cached listing, so the client's own work dominates.
#[tokio::test]
async fn listing_twenty_thousand_issues() {
    let emu = Emulator::start().await.unwrap();
    let gl = admin(&emu);
    let project = gl
        .projects()
        .create(Attrs::new().set("name", "Bench"))
        .await
        .unwrap();
    let pid: u64 = project.get("id").unwrap();
    let rss = || {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_string();
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            })
            .unwrap_or(0)
    };
    let before = rss();
    let seeded = Instant::now();
    emu.seed_issues(pid, 20_000).unwrap();
    let seed_time = seeded.elapsed();
    eprintln!("seeding grew RSS by {} KiB", rss().saturating_sub(before));
    emu.clear_requests();
    let started = Instant::now();
    let all = project.issues().list().per_page(100).all().await.unwrap();
    let list_time = started.elapsed();
    assert_eq!(all.len(), 20_000);
    let requests = emu.requests();
    assert_eq!(requests.len(), 200);
    assert!(requests.iter().all(|r| r.status == 200));
    eprintln!(
        "seeded 20,000 issues in {seed_time:?}; listed them in {list_time:?} ({} requests)",
        requests.len()
    );

    // Raw pages: the server side alone.
    let http = http();
    let started = Instant::now();
    for page in 1..=200 {
        let r = send(
            http.get(api(
                &emu,
                &format!("/projects/{pid}/issues?per_page=100&page={page}"),
            ))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
        )
        .await;
        assert_eq!(r.status, 200);
        assert!(r.body.len() > 100_000);
        // Over 10,000 results: no totals, as GitLab.
        assert_eq!(r.header("x-total"), None);
    }
    eprintln!("200 raw offset pages in {:?}", started.elapsed());
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let emu = Emulator::start().await.unwrap();
    let url = api(&emu, "/version");
    assert_eq!(
        send(http().get(&url).header("PRIVATE-TOKEN", ADMIN_TOKEN))
            .await
            .status,
        200
    );
    emu.shutdown().await;
    let err = reqwest::Client::new().get(&url).send().await.unwrap_err();
    assert!(err.is_connect() || err.is_request(), "{err}");
}
