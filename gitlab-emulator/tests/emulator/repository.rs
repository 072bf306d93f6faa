//! Repository content: files, commits, tree, compare, archives and merge
//! requests computed from the in-memory commit graph.

use super::*;
use gitlab_client::{Attrs, Gitlab};
use serde_json::json;

async fn setup() -> (Emulator, Gitlab, u64) {
    let emu = demo().await;
    let gl = emu.client().unwrap();
    let pid = new_project(&emu, "repo").await;
    (emu, gl, pid)
}

/// A file path as one path segment.
fn enc(path: &str) -> String {
    path.replace('/', "%2F")
}

async fn write(gl: &Gitlab, pid: u64, path: &str, content: &str, branch: &str) {
    gl.http_post(
        &format!("/projects/{pid}/repository/files/{}", enc(path)),
        &Attrs::new()
            .set("branch", branch)
            .set("content", content)
            .set("commit_message", format!("Add {path}")),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn files_are_created_read_updated_blamed_and_deleted() {
    let (emu, gl, pid) = setup().await;
    write(&gl, pid, "docs/a.txt", "one\ntwo\n", "main").await;
    let enc = enc("docs/a.txt");
    let f = gl
        .http_get(
            &format!("/projects/{pid}/repository/files/{enc}"),
            &Attrs::new().set("ref", "main"),
        )
        .await
        .unwrap();
    assert_eq!(f["file_name"], "a.txt");
    assert_eq!(f["encoding"], "base64");
    assert_eq!(f["content"], "b25lCnR3bwo=");
    let raw = gl
        .http_get_raw(
            &format!("/projects/{pid}/repository/files/{enc}/raw"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(&raw[..], b"one\ntwo\n");
    gl.http_put(
        &format!("/projects/{pid}/repository/files/{enc}"),
        &Attrs::new()
            .set("branch", "main")
            .set("content", "one\nTWO\n")
            .set("commit_message", "Shout"),
    )
    .await
    .unwrap();
    let blame = gl
        .http_get(
            &format!("/projects/{pid}/repository/files/{enc}/blame"),
            &Attrs::new().set("ref", "main"),
        )
        .await
        .unwrap();
    assert_eq!(blame[0]["lines"], json!(["one"]));
    assert_eq!(blame[0]["commit"]["title"], "Add docs/a.txt");
    assert_eq!(blame[1]["lines"], json!(["TWO"]));
    assert_eq!(blame[1]["commit"]["title"], "Shout");
    // Creating it again is refused; a missing ref needs `ref`.
    let err = gl
        .http_post(
            &format!("/projects/{pid}/repository/files/{enc}"),
            &Attrs::new()
                .set("branch", "main")
                .set("content", "x")
                .set("commit_message", "m"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    let r = get(&emu, &format!("/projects/{pid}/repository/files/{enc}")).await;
    assert_eq!(
        (r.status, r.json()),
        (400, json!({"error": "ref is missing"}))
    );
    // A new branch from start_branch.
    gl.http_post(
        &format!("/projects/{pid}/repository/files/b.txt"),
        &Attrs::new()
            .set("branch", "feature")
            .set("start_branch", "main")
            .set("content", "b")
            .set("commit_message", "On a branch"),
    )
    .await
    .unwrap();
    let br = gl
        .http_get(
            &format!("/projects/{pid}/repository/branches/feature"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(br["commit"]["title"], "On a branch");
    let r = send(
        http()
            .delete(api(
                &emu,
                &format!("/projects/{pid}/repository/files/{enc}?branch=main&commit_message=rm"),
            ))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
    )
    .await;
    assert_eq!(r.status, 204);
    let r = get(
        &emu,
        &format!("/projects/{pid}/repository/files/{enc}?ref=main"),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (404, json!({"message": "404 File Not Found"}))
    );
}

#[tokio::test]
async fn commits_with_actions_list_diff_refs_cherry_pick_and_revert() {
    let (_emu, gl, pid) = setup().await;
    let c = gl
        .http_post(
            &format!("/projects/{pid}/repository/commits"),
            &Attrs::new()
                .set("branch", "main")
                .set("commit_message", "Two files")
                .set(
                    "actions",
                    json!([
                        {"action": "create", "file_path": "x.txt", "content": "x\n"},
                        {"action": "create", "file_path": "src/y.rs", "content": "fn y() {}\n"}
                    ]),
                ),
        )
        .await
        .unwrap();
    let sha = c["id"].as_str().unwrap().to_string();
    assert_eq!(
        c["stats"],
        json!({"additions": 2, "deletions": 0, "total": 2})
    );
    let list = gl
        .http_get(
            &format!("/projects/{pid}/repository/commits"),
            &Attrs::new().set("ref_name", "main"),
        )
        .await
        .unwrap();
    assert_eq!(list[0]["id"], json!(sha));
    assert_eq!(list.as_array().unwrap().len(), 2);
    let by_path = gl
        .http_get(
            &format!("/projects/{pid}/repository/commits"),
            &Attrs::new().set("path", "src"),
        )
        .await
        .unwrap();
    assert_eq!(field(&by_path, "id"), [json!(sha)]);
    let diff = gl
        .http_get(
            &format!("/projects/{pid}/repository/commits/{sha}/diff"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        field(&diff, "new_path"),
        [json!("src/y.rs"), json!("x.txt")]
    );
    assert_eq!(diff[1]["diff"], "@@ -0,0 +1 @@\n+x\n");
    assert_eq!(diff[1]["new_file"], json!(true));
    let refs = gl
        .http_get(
            &format!("/projects/{pid}/repository/commits/{sha}/refs"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(refs, json!([{"type": "branch", "name": "main"}]));
    // Cherry-pick a commit from another branch, then revert it.
    gl.http_post(
        &format!("/projects/{pid}/repository/branches"),
        &Attrs::new().set("branch", "side").set("ref", "main"),
    )
    .await
    .unwrap();
    let side = gl
        .http_post(
            &format!("/projects/{pid}/repository/commits"),
            &Attrs::new()
                .set("branch", "side")
                .set("commit_message", "Side")
                .set(
                    "actions",
                    json!([{"action": "update", "file_path": "x.txt", "content": "x2\n"}]),
                ),
        )
        .await
        .unwrap();
    let picked = gl
        .http_post(
            &format!(
                "/projects/{pid}/repository/commits/{}/cherry_pick",
                side["id"].as_str().unwrap()
            ),
            &Attrs::new().set("branch", "main"),
        )
        .await
        .unwrap();
    let raw = gl
        .http_get_raw(
            &format!("/projects/{pid}/repository/files/x.txt/raw"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(&raw[..], b"x2\n");
    gl.http_post(
        &format!(
            "/projects/{pid}/repository/commits/{}/revert",
            picked["id"].as_str().unwrap()
        ),
        &Attrs::new().set("branch", "main"),
    )
    .await
    .unwrap();
    let raw = gl
        .http_get_raw(
            &format!("/projects/{pid}/repository/files/x.txt/raw"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(&raw[..], b"x\n");
    let base = gl
        .http_get(
            &format!("/projects/{pid}/repository/merge_base"),
            &Attrs::new().set("refs", json!(["main", "side"])),
        )
        .await
        .unwrap();
    assert_eq!(base["id"], json!(sha));
}

#[tokio::test]
async fn tree_compare_tags_and_archives() {
    let (emu, gl, pid) = setup().await;
    write(&gl, pid, "a/b/c.txt", "c\n", "main").await;
    write(&gl, pid, "top.txt", "t\n", "main").await;
    let tree = gl
        .http_get(&format!("/projects/{pid}/repository/tree"), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(field(&tree, "path"), [json!("a"), json!("top.txt")]);
    assert_eq!(field(&tree, "type"), [json!("tree"), json!("blob")]);
    let all = gl
        .http_get(
            &format!("/projects/{pid}/repository/tree"),
            &Attrs::new().set("recursive", true),
        )
        .await
        .unwrap();
    assert_eq!(
        field(&all, "path"),
        [
            json!("a"),
            json!("a/b"),
            json!("a/b/c.txt"),
            json!("top.txt")
        ]
    );
    let t = gl
        .http_post(
            &format!("/projects/{pid}/repository/tags"),
            &Attrs::new()
                .set("tag_name", "v1")
                .set("ref", "main")
                .set("message", "First"),
        )
        .await
        .unwrap();
    assert_eq!(t["name"], "v1");
    assert_eq!(t["message"], "First");
    write(&gl, pid, "later.txt", "l\n", "main").await;
    let cmp = gl
        .http_get(
            &format!("/projects/{pid}/repository/compare"),
            &Attrs::new().set("from", "v1").set("to", "main"),
        )
        .await
        .unwrap();
    assert_eq!(cmp["commits"].as_array().unwrap().len(), 1);
    assert_eq!(field(&cmp["diffs"], "new_path"), [json!("later.txt")]);
    // Archives are real archives of the tree.
    let tgz = send(
        http()
            .get(api(
                &emu,
                &format!("/projects/{pid}/repository/archive.tar.gz"),
            ))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
    )
    .await;
    assert_eq!(tgz.status, 200);
    assert_eq!(&tgz.body[..2], &[0x1f, 0x8b]);
    assert!(tgz
        .header("content-disposition")
        .unwrap()
        .contains(".tar.gz"));
    let zip = gl
        .http_get_raw(
            &format!("/projects/{pid}/repository/archive.zip"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(&zip[..4], b"PK\x03\x04");
    let text = String::from_utf8_lossy(&zip);
    assert!(text.contains("/a/b/c.txt") && text.contains("/later.txt"));
}

#[tokio::test]
async fn merge_requests_show_changes_and_merging_moves_the_target() {
    let (emu, gl, pid) = setup().await;
    write(&gl, pid, "app.txt", "v1\n", "main").await;
    gl.http_post(
        &format!("/projects/{pid}/repository/branches"),
        &Attrs::new().set("branch", "feat").set("ref", "main"),
    )
    .await
    .unwrap();
    gl.http_put(
        &format!("/projects/{pid}/repository/files/app.txt"),
        &Attrs::new()
            .set("branch", "feat")
            .set("content", "v2\n")
            .set("commit_message", "Bump"),
    )
    .await
    .unwrap();
    let mr = gl
        .http_post(
            &format!("/projects/{pid}/merge_requests"),
            &Attrs::new()
                .set("source_branch", "feat")
                .set("target_branch", "main")
                .set("title", "Bump"),
        )
        .await
        .unwrap();
    let iid = mr["iid"].as_u64().unwrap();
    let changes = gl
        .http_get(
            &format!("/projects/{pid}/merge_requests/{iid}/changes"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(changes["changes"][0]["diff"], "@@ -1 +1 @@\n-v1\n+v2\n");
    let commits = gl
        .http_get(
            &format!("/projects/{pid}/merge_requests/{iid}/commits"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(field(&commits, "title"), [json!("Bump")]);
    let merged = gl
        .http_put(
            &format!("/projects/{pid}/merge_requests/{iid}/merge"),
            &Attrs::new().set("squash", true),
        )
        .await
        .unwrap();
    assert_eq!(merged["state"], "merged");
    let sha = merged["merge_commit_sha"].as_str().unwrap().to_string();
    assert!(merged["squash_commit_sha"].is_string());
    let main = gl
        .http_get(
            &format!("/projects/{pid}/repository/branches/main"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(main["commit"]["id"], json!(sha));
    assert_eq!(main["commit"]["parent_ids"].as_array().unwrap().len(), 2);
    let raw = gl
        .http_get_raw(
            &format!("/projects/{pid}/repository/files/app.txt/raw"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(&raw[..], b"v2\n");
    let _ = emu;
}

#[tokio::test]
async fn protected_branches_refuse_developers() {
    let (emu, gl, _) = setup().await;
    let pid = emu.project_id("demo-group/demo-project").unwrap();
    let alice = emu.client_as(gitlab_emulator::DEMO_USER_TOKEN).unwrap();
    let err = alice
        .http_post(
            &format!("/projects/{pid}/repository/files/x.txt"),
            &Attrs::new()
                .set("branch", "main")
                .set("content", "x")
                .set("commit_message", "m"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    // An unprotected branch takes the push.
    alice
        .http_post(
            &format!("/projects/{pid}/repository/files/x.txt"),
            &Attrs::new()
                .set("branch", "alice-branch")
                .set("start_branch", "main")
                .set("content", "x")
                .set("commit_message", "m"),
        )
        .await
        .unwrap();
    let _ = gl;
}

#[tokio::test]
async fn head_answers_a_files_metadata_in_headers() {
    let (emu, gl, pid) = setup().await;
    write(&gl, pid, "docs/a.txt", "one\ntwo\n", "main").await;
    write(&gl, pid, "b.txt", "b", "main").await;
    let files = gl.projects().get_lazy(pid).files();
    let json = files.get_file("docs/a.txt", "main").await.unwrap();
    let h = files.metadata("docs/a.txt", "main").await.unwrap();
    assert_eq!(h.get("x-gitlab-file-name"), Some("a.txt"));
    assert_eq!(h.get("x-gitlab-file-path"), Some("docs/a.txt"));
    assert_eq!(h.parse::<u64>("x-gitlab-size"), Some(8));
    assert_eq!(h.get("x-gitlab-encoding"), Some("base64"));
    assert_eq!(h.get("x-gitlab-ref"), Some("main"));
    assert_eq!(h.get("x-gitlab-execute-filemode"), Some("false"));
    // The same facts as the JSON answer, field by field.
    for (header, field) in [
        ("x-gitlab-blob-id", "blob_id"),
        ("x-gitlab-commit-id", "commit_id"),
        ("x-gitlab-last-commit-id", "last_commit_id"),
        ("x-gitlab-content-sha256", "content_sha256"),
    ] {
        let want = json[field].as_str().unwrap();
        assert_eq!(h.get(header), Some(want), "{header}");
    }
    // The second commit touched another file: the last change is the first one.
    assert_ne!(
        h.get("x-gitlab-commit-id"),
        h.get("x-gitlab-last-commit-id")
    );
    // The raw route's HEAD, at the default branch when no ref is given.
    let raw = files.raw_metadata("docs/a.txt").await.unwrap();
    assert_eq!(raw.get("x-gitlab-ref"), Some("main"));
    assert_eq!(raw.get("x-gitlab-blob-id"), h.get("x-gitlab-blob-id"));
    // A missing file is a 404 with its status, as for GET.
    let e = files.metadata("nope.txt", "main").await.unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert!(matches!(
        e,
        gitlab_client::Error::Api {
            method: gitlab_client::meta::HttpMethod::Head,
            ..
        }
    ));
    let heads: Vec<String> = emu
        .requests()
        .iter()
        .filter(|r| r.method == "HEAD")
        .map(|r| format!("{} {}?{} -> {}", r.method, r.path, r.query, r.status))
        .collect();
    assert_eq!(
        heads,
        [
            format!("HEAD /api/v4/projects/{pid}/repository/files/docs%2Fa.txt?ref=main -> 200"),
            format!("HEAD /api/v4/projects/{pid}/repository/files/docs%2Fa.txt/raw? -> 200"),
            format!("HEAD /api/v4/projects/{pid}/repository/files/nope.txt?ref=main -> 404"),
        ]
    );
}

#[tokio::test]
async fn a_head_answer_carries_no_body_and_unknown_methods_stay_refused() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (emu, gl, pid) = setup().await;
    write(&gl, pid, "a.txt", "0123456789", "main").await;
    // Read the bytes on the wire: headers, then nothing (a client library
    // would drop a body after a HEAD without saying so).
    let addr = emu.url().trim_start_matches("http://").to_string();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let req = format!(
        "HEAD /api/v4/projects/{pid}/repository/files/a.txt?ref=main HTTP/1.1\r\nHost: {addr}\r\nPRIVATE-TOKEN: {ADMIN_TOKEN}\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut wire = Vec::new();
    tcp.read_to_end(&mut wire).await.unwrap();
    let text = String::from_utf8(wire).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("x-gitlab-size: 10"),
        "{head}"
    );
    assert_eq!(body, "", "a HEAD answer has no body");
    // Methods the API does not use are refused as before.
    let purge = reqwest::Method::from_bytes(b"PURGE").unwrap();
    let r = send(
        http()
            .request(
                purge,
                api(&emu, &format!("/projects/{pid}/repository/files/a.txt")),
            )
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
    )
    .await;
    assert_eq!(r.status, 405);
}
