//! Resources without a handler of their own, answered by the generic rules:
//! singletons, what GitLab fills on create, ids unique per table, entities
//! rendered from declared fields, and parents named by another attribute.

use super::*;
use serde_json::json;

/// Creates a top-level group and returns its id.
async fn new_group(emu: &Emulator, path: &str) -> u64 {
    let r = post(emu, "/groups", json!({"name": path, "path": path})).await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    r.json()["id"].as_u64().unwrap()
}

#[tokio::test]
async fn singletons_keep_what_was_written_and_can_be_deleted() {
    let emu = demo().await;
    let pid = new_project(&emu, "rules").await;
    let path = format!("/projects/{pid}/push_rule");
    // Deleting a push rule nobody created: GitLab's `404 Push Rule Not Found` kind.
    assert_eq!(delete(&emu, &path).await.status, 404);
    // Reading it: 200 with a `null` body (python-gitlab then fails to parse it).
    let none = get(&emu, &path).await;
    assert_eq!((none.status, none.json()), (200, json!(null)));
    let r = post(&emu, &path, json!({"commit_message_regex": "^fix"})).await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let created = r.json();
    assert_eq!(created["project_id"], json!(pid));
    assert!(created["id"].as_u64().is_some(), "{created}");
    let got = get(&emu, &path).await.json();
    assert_eq!(got["commit_message_regex"], "^fix", "{got}");
    assert_eq!(got["id"], created["id"]);
    let r = send_json(
        &emu,
        reqwest::Method::PUT,
        &path,
        json!({"branch_name_regex": "^feat"}),
    )
    .await;
    assert_eq!(r.status, 200);
    let got = get(&emu, &path).await.json();
    assert_eq!(got["commit_message_regex"], "^fix");
    assert_eq!(got["branch_name_regex"], "^feat");
    assert_eq!(delete(&emu, &path).await.status, 204);
    assert_eq!(get(&emu, &path).await.json(), json!(null));

    // Unpublishing pages: `DELETE /projects/:id/pages` is 204, not 405.
    let r = delete(&emu, &format!("/projects/{pid}/pages")).await;
    assert_eq!(r.status, 204, "{:?}", String::from_utf8_lossy(&r.body));
}

#[tokio::test]
async fn project_storage_is_one_object_seen_through_the_project() {
    let emu = demo().await;
    let pid = new_project(&emu, "stored").await;
    let project = get(&emu, &format!("/projects/{pid}")).await.json();
    let r = get(&emu, &format!("/projects/{pid}/storage")).await;
    assert_eq!(r.status, 200);
    let storage = r.json();
    assert!(storage.is_object(), "{storage}");
    assert_eq!(storage["project_id"], json!(pid));
    assert_eq!(storage["created_at"], project["created_at"]);
}

#[tokio::test]
async fn generic_create_fills_who_acted_the_owner_and_timestamps() {
    let emu = demo().await;
    let pid = new_project(&emu, "snips").await;
    let r = post(
        &emu,
        &format!("/projects/{pid}/snippets"),
        json!({"title": "s", "visibility": "private", "file_name": "a.py", "content": "x"}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let s = r.json();
    assert_eq!(s["author"]["username"], "root", "{s}");
    assert_eq!(s["project_id"], json!(pid));
    assert!(s["created_at"].is_string());
    assert_eq!(s["updated_at"], s["created_at"]);

    let r = post(
        &emu,
        &format!("/projects/{pid}/pages/domains"),
        json!({"domain": "foo.example.com"}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    assert_eq!(r.json()["project_id"], json!(pid));

    let gid = new_group(&emu, "epic-owner").await;
    let epic = post(&emu, &format!("/groups/{gid}/epics"), json!({"title": "E"}))
        .await
        .json();
    assert_eq!(
        epic["group_id"],
        json!(gid),
        "an integer, as GitLab sends it"
    );
}

#[tokio::test]
async fn ids_are_unique_per_kind_wherever_the_object_lives() {
    let emu = demo().await;
    let pid = new_project(&emu, "ids").await;
    let gid = new_group(&emu, "ids-group").await;
    let mut pairs = Vec::new();
    let personal = post(
        &emu,
        "/snippets",
        json!({"title": "p", "file_name": "p.txt", "content": "x"}),
    )
    .await;
    let project = post(
        &emu,
        &format!("/projects/{pid}/snippets"),
        json!({"title": "q", "visibility": "private", "file_name": "q.txt", "content": "y"}),
    )
    .await;
    pairs.push(("snippets", personal.json(), project.json()));
    let pb = post(
        &emu,
        &format!("/projects/{pid}/boards"),
        json!({"name": "b"}),
    )
    .await;
    let gb = post(&emu, &format!("/groups/{gid}/boards"), json!({"name": "b"})).await;
    pairs.push(("boards", pb.json(), gb.json()));
    let mine = post(
        &emu,
        "/user/keys",
        json!({"title": "k1", "key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAA one"}),
    )
    .await;
    let theirs = post(
        &emu,
        "/users/1/keys",
        json!({"title": "k2", "key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBBB two"}),
    )
    .await;
    pairs.push(("keys", mine.json(), theirs.json()));
    for (what, a, b) in pairs {
        let (a, b) = (a["id"].as_u64(), b["id"].as_u64());
        assert!(a.is_some() && b.is_some(), "{what}: {a:?} {b:?}");
        assert_ne!(a, b, "{what} share one table in GitLab");
    }
}

#[tokio::test]
async fn clusters_render_their_entity_not_the_request() {
    let emu = demo().await;
    let pid = new_project(&emu, "k8s").await;
    let gid = new_group(&emu, "k8s-group").await;
    let body = json!({
        "name": "cluster1",
        "platform_kubernetes_attributes": {"api_url": "http://url", "token": "tokenval"},
    });
    let r = post(
        &emu,
        &format!("/projects/{pid}/clusters/user"),
        body.clone(),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let c = r.json();
    let text = String::from_utf8_lossy(&r.body).to_string();
    assert!(
        !text.contains("tokenval"),
        "the token is never shown: {text}"
    );
    assert!(c.get("platform_kubernetes_attributes").is_none(), "{c}");
    assert_eq!(c["platform_kubernetes"]["api_url"], "http://url");
    assert_eq!(c["user"]["username"], "root");
    let cid = c["id"].as_u64().unwrap();
    let r = send_json(
        &emu,
        reqwest::Method::PUT,
        &format!("/projects/{pid}/clusters/{cid}"),
        json!({"platform_kubernetes_attributes": {"api_url": "http://newurl"}}),
    )
    .await;
    assert_eq!(r.status, 200);
    let list = get(&emu, &format!("/projects/{pid}/clusters")).await;
    assert!(!String::from_utf8_lossy(&list.body).contains("tokenval"));
    assert_eq!(
        list.json()[0]["platform_kubernetes"]["api_url"],
        "http://newurl"
    );

    let g = post(&emu, &format!("/groups/{gid}/clusters/user"), body).await;
    assert_eq!(g.status, 201, "{:?}", g.json());
    assert_ne!(g.json()["id"], json!(cid), "one clusters table");

    // A bulk import never shows the source instance's access token.
    let r = post(
        &emu,
        "/bulk_imports",
        json!({
            "configuration": {"url": "https://source.example.com", "access_token": "glpat-secret"},
            "entities": [{"source_type": "group_entity", "source_full_path": "g", "destination_namespace": "d"}],
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    assert!(!String::from_utf8_lossy(&r.body).contains("glpat-secret"));
}

#[tokio::test]
async fn epic_notes_are_addressed_by_the_epics_global_id() {
    let emu = demo().await;
    let g1 = new_group(&emu, "epics-one").await;
    let g2 = new_group(&emu, "epics-two").await;
    post(
        &emu,
        &format!("/groups/{g1}/epics"),
        json!({"title": "first"}),
    )
    .await;
    let epic = post(
        &emu,
        &format!("/groups/{g2}/epics"),
        json!({"title": "second"}),
    )
    .await
    .json();
    let (id, iid) = (epic["id"].as_u64().unwrap(), epic["iid"].as_u64().unwrap());
    assert_ne!(id, iid, "the test needs an epic whose id is not its iid");
    let notes = format!("/groups/{g2}/epics/{id}/notes");
    let r = post(&emu, &notes, json!({"body": "hello"})).await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    assert_eq!(
        field(&get(&emu, &notes).await.json(), "body"),
        [json!("hello")]
    );
    // The iid is not an epic id in this group.
    let by_iid = get(&emu, &format!("/groups/{g2}/epics/{iid}/notes")).await;
    assert_eq!(by_iid.status, 404);
}

#[tokio::test]
async fn instance_wide_listings_show_every_parents_objects() {
    let emu = demo().await;
    let a = new_project(&emu, "pages-a").await;
    let b = new_project(&emu, "pages-b").await;
    for (pid, domain) in [(a, "a.example.com"), (b, "b.example.com")] {
        let r = post(
            &emu,
            &format!("/projects/{pid}/pages/domains"),
            json!({"domain": domain}),
        )
        .await;
        assert_eq!(r.status, 201, "{:?}", r.json());
    }
    let all = get(&emu, "/pages/domains").await.json();
    let mut domains = field(&all, "domain");
    domains.sort_by_key(|d| d.to_string());
    assert_eq!(domains, [json!("a.example.com"), json!("b.example.com")]);
}

#[tokio::test]
async fn a_create_gets_the_schema_defaults_for_what_it_leaves_out() {
    let emu = demo().await;
    let pid = new_project(&emu, "sched").await;
    let path = format!("/projects/{pid}/pipeline_schedules");
    let r = post(
        &emu,
        &path,
        json!({"description": "nightly", "ref": "main", "cron": "0 1 * * *"}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let s = r.json();
    // `field_defaults` of ProjectPipelineSchedule: GitLab's documented defaults.
    assert_eq!(s["active"], json!(true), "{s}");
    assert_eq!(s["cron_timezone"], json!("UTC"), "{s}");
    // A field without a default stays null; what the request gave wins over a default.
    assert_eq!(s["next_run_at"], Value::Null, "{s}");
    let r = post(
        &emu,
        &path,
        json!({"description": "off", "ref": "main", "cron": "0 2 * * *", "active": false, "cron_timezone": "Europe/Berlin"}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let s = r.json();
    assert_eq!(s["active"], json!(false), "{s}");
    assert_eq!(s["cron_timezone"], json!("Europe/Berlin"), "{s}");
    // Listed objects show the same values.
    let listed = get(&emu, &path).await.json();
    assert_eq!(listed[0]["active"], json!(true), "{listed}");

    // Defaults from GitLab's database schema: a hook listens to pushes only.
    let r = post(
        &emu,
        &format!("/projects/{pid}/hooks"),
        json!({"url": "https://hooks.example.com/x", "issues_events": true}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let h = r.json();
    assert_eq!(h["push_events"], json!(true), "{h}");
    assert_eq!(h["tag_push_events"], json!(false), "{h}");
    assert_eq!(h["issues_events"], json!(true), "{h}");
    assert_eq!(h["enable_ssl_verification"], json!(true), "{h}");
}
