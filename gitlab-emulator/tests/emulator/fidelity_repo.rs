//! GitLab's answers for the repository family, as python-gitlab's functional
//! tests and GitLab's docs see them: commit sub-actions, token scopes and
//! expiry, SSH and deploy keys, generic package uploads, the CI linter,
//! exports and imports, and computed branch fields.

use super::*;
use gitlab_emulator::ADMIN_TOKEN;
use serde_json::json;

const SSH_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFOQ0R3DaXPgbBtsIeKGt6YmL+xpAUEr5HupXeH9h6+2 user@example";
const DEPLOY_KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEHmOrhRpBHmnlc0nX9Pr4BZSIPL+dXmcKEEyWMSRqf5 deploy@example";

async fn head(emu: &Emulator, pid: u64, branch: &str) -> String {
    let b = get(
        emu,
        &format!("/projects/{pid}/repository/branches/{branch}"),
    )
    .await;
    b.json()["commit"]["id"].as_str().unwrap().to_string()
}

async fn commit_file(emu: &Emulator, pid: u64, branch: &str, path: &str, content: &str) {
    let r = post(
        emu,
        &format!("/projects/{pid}/repository/files/{path}"),
        json!({"branch": branch, "content": content, "commit_message": format!("Add {path}")}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
}

#[tokio::test]
async fn commit_merge_requests_and_signature() {
    let emu = demo().await;
    let pid = project_with_readme(&emu, "commits").await;
    let r = post(
        &emu,
        &format!("/projects/{pid}/repository/branches"),
        json!({"branch": "feat", "ref": "main"}),
    )
    .await;
    assert_eq!(r.status, 201);
    commit_file(&emu, pid, "feat", "a.txt", "a\n").await;
    let feat = head(&emu, pid, "feat").await;
    let main = head(&emu, pid, "main").await;
    let mr = post(
        &emu,
        &format!("/projects/{pid}/merge_requests"),
        json!({"source_branch": "feat", "target_branch": "main", "title": "Feat"}),
    )
    .await
    .json();
    let base = format!("/projects/{pid}/repository/commits");
    // The MR's own commit lists it; the target's older commit does not.
    let listed = get(&emu, &format!("{base}/{feat}/merge_requests")).await;
    assert_eq!(listed.status, 200);
    assert_eq!(field(&listed.json(), "iid"), [mr["iid"].clone()]);
    let none = get(&emu, &format!("{base}/{main}/merge_requests")).await;
    assert_eq!(none.json(), json!([]));
    // After the merge the merge commit belongs to it too.
    let merged = put(
        &emu,
        &format!("/projects/{pid}/merge_requests/{}/merge", mr["iid"]),
        json!({}),
    )
    .await
    .json();
    let mc = merged["merge_commit_sha"].as_str().unwrap();
    let by_merge = get(&emu, &format!("{base}/{mc}/merge_requests")).await;
    assert_eq!(field(&by_merge.json(), "iid"), [mr["iid"].clone()]);
    let still = get(&emu, &format!("{base}/{feat}/merge_requests")).await;
    assert_eq!(still.json().as_array().unwrap().len(), 1);
    // Unsigned commits have no signature; an unknown commit stays a missing commit.
    let sig = get(&emu, &format!("{base}/{feat}/signature")).await;
    assert_eq!(sig.status, 404);
    assert_eq!(sig.json(), json!({"message": "404 Signature Not Found"}));
    let missing = get(&emu, &format!("{base}/{}/signature", "f".repeat(40))).await;
    assert_eq!(missing.json(), json!({"message": "404 Commit Not Found"}));
}

#[tokio::test]
async fn token_scopes_may_be_a_comma_separated_string() {
    let emu = demo().await;
    let pid = new_project(&emu, "scopes").await;
    let r = post(
        &emu,
        &format!("/projects/{pid}/deploy_tokens"),
        json!({"name": "t", "username": "bot", "expires_at": "2999-12-02", "scopes": "read_registry,read_repository"}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    assert_eq!(
        r.json()["scopes"],
        json!(["read_registry", "read_repository"])
    );
    let r = post(
        &emu,
        "/users/1/impersonation_tokens",
        json!({"name": "i", "scopes": "api,read_user"}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    assert_eq!(r.json()["scopes"], json!(["api", "read_user"]));
    let r = post(
        &emu,
        "/user/personal_access_tokens",
        json!({"name": "p", "scopes": "read_api"}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    assert_eq!(r.json()["scopes"], json!(["read_api"]));
}

#[tokio::test]
async fn deploy_tokens_expire_as_times_and_show_their_secret_once() {
    let emu = demo().await;
    let pid = new_project(&emu, "tokens").await;
    let base = format!("/projects/{pid}/deploy_tokens");
    let created = post(
        &emu,
        &base,
        json!({"name": "foo", "username": "bar", "expires_at": "2999-12-02", "scopes": ["read_registry"]}),
    )
    .await
    .json();
    assert_eq!(created["expires_at"], "2999-12-02T00:00:00.000Z");
    assert_eq!(created["expired"], json!(false));
    assert!(created["token"].as_str().unwrap().starts_with("gldt-"));
    let id = created["id"].as_u64().unwrap();
    let one = get(&emu, &format!("{base}/{id}")).await.json();
    assert_eq!(one["expires_at"], "2999-12-02T00:00:00.000Z");
    assert!(one.get("token").is_none(), "{one}");
    let list = get(&emu, &base).await.json();
    assert!(list[0].get("token").is_none(), "{list}");
    let all = get(&emu, "/deploy_tokens").await.json();
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t.get("token").is_none()));
    // A token whose expiry has passed is expired.
    let old = post(
        &emu,
        &base,
        json!({"name": "old", "expires_at": "2001-01-01", "scopes": ["read_repository"]}),
    )
    .await
    .json();
    let old = get(&emu, &format!("{base}/{}", old["id"])).await.json();
    assert_eq!(old["expired"], json!(true));
}

#[tokio::test]
async fn keys_lookup_finds_user_and_deploy_keys_from_one_sequence() {
    let emu = demo().await;
    let p1 = new_project(&emu, "keys-one").await;
    let p2 = new_project(&emu, "keys-two").await;
    let user_key = post(&emu, "/user/keys", json!({"title": "mine", "key": SSH_KEY}))
        .await
        .json();
    assert_eq!(user_key["usage_type"], "auth_and_signing");
    // `/user/keys` and `/users/:id/keys` are the same keys.
    let listed = get(&emu, "/users/1/keys").await.json();
    assert!(field(&listed, "id").contains(&user_key["id"]));
    let d1 = post(
        &emu,
        &format!("/projects/{p1}/deploy_keys"),
        json!({"title": "foo@bar", "key": DEPLOY_KEY, "can_push": true}),
    )
    .await
    .json();
    assert_ne!(d1["id"], user_key["id"], "one id sequence for every key");
    // The same key added to another project is the same deploy key.
    let d2 = post(
        &emu,
        &format!("/projects/{p2}/deploy_keys"),
        json!({"title": "foo@bar", "key": DEPLOY_KEY}),
    )
    .await;
    assert_eq!(d2.status, 201);
    assert_eq!(d2.json()["id"], d1["id"]);
    let fp = d1["fingerprint_sha256"]
        .as_str()
        .unwrap()
        .replace(':', "%3A");
    let found = get(
        &emu,
        &format!("/keys?fingerprint={}", fp.replace('+', "%2B")),
    )
    .await;
    assert_eq!(found.status, 200, "{:?}", found.json());
    let found = found.json();
    assert_eq!(found["id"], d1["id"]);
    assert_eq!(found["user"]["username"], "root");
    let links = found["deploy_keys_projects"].as_array().unwrap();
    assert_eq!(links.len(), 2);
    assert_eq!(links[0]["deploy_key_id"], d1["id"]);
    assert_eq!(links[0]["can_push"], json!(true));
    let by_id = get(&emu, &format!("/keys/{}", d1["id"])).await;
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.json()["title"], "foo@bar");
    let mine = get(&emu, &format!("/keys/{}", user_key["id"])).await.json();
    assert_eq!(mine["title"], "mine");
    let unknown = get(&emu, "/keys?fingerprint=SHA256%3Anothing").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json(), json!({"message": "404 Key Not Found"}));
    // The instance list shows where the key is deployed.
    let all = get(&emu, "/deploy_keys").await.json();
    let k = all
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == d1["id"])
        .unwrap();
    assert_eq!(field(&k["projects_with_write_access"], "id"), [json!(p1)]);
    assert_eq!(
        field(&k["projects_with_readonly_access"], "id"),
        [json!(p2)]
    );
    assert!(k.get("user_id").is_none());
    // Removed from every project, the key is gone.
    for p in [p1, p2] {
        let r = delete(&emu, &format!("/projects/{p}/deploy_keys/{}", d1["id"])).await;
        assert_eq!(r.status, 204);
    }
    let gone = get(&emu, &format!("/keys/{}", d1["id"])).await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn generic_uploads_select_the_file_record_and_take_any_raw_body() {
    let emu = demo().await;
    let pid = new_project(&emu, "pkgs").await;
    let url = |file: &str, q: &str| {
        api(
            &emu,
            &format!("/projects/{pid}/packages/generic/hello-world/v1.0.0/{file}{q}"),
        )
    };
    let r = send(
        http()
            .put(url("hello2.tar.gz", "?select=package_file"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .header("content-type", "application/octet-stream")
            .body("package content"),
    )
    .await;
    assert_eq!(r.status, 201);
    let f = r.json();
    assert_eq!(f["file_name"], "hello2.tar.gz");
    assert_eq!(f["size"], json!(15));
    assert_eq!(f["file_md5"], "99c1ee055662c770db124c5f284f5c92");
    assert_eq!(f["file_sha1"], "48e7717bb0ef42f6c41389d19c30ed91534accfb");
    assert_eq!(
        f["file_sha256"],
        "830df696604d16c1966d36f166b8635aa0788f09af6df4cc8ba9976d1a1c5dd9"
    );
    assert!(f["package_id"].is_u64() && f["file"]["url"].is_string());
    // `curl --upload-file` sends no Content-Type; `--data-binary` a form type.
    for (file, ct) in [
        ("a.bin", None),
        ("b.bin", Some("application/x-www-form-urlencoded")),
    ] {
        let mut rb = http()
            .put(url(file, ""))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .body("a=b&raw bytes");
        if let Some(ct) = ct {
            rb = rb.header("content-type", ct);
        }
        let r = send(rb).await;
        assert_eq!(r.status, 201, "{file}: {:?}", r.json());
        assert_eq!(r.json(), json!({"message": "201 Created"}));
        let back = send(
            http()
                .get(url(file, ""))
                .header("PRIVATE-TOKEN", ADMIN_TOKEN),
        )
        .await;
        assert_eq!(&back.body[..], b"a=b&raw bytes");
    }
    let files = get(
        &emu,
        &format!("/projects/{pid}/packages/{}/package_files", f["package_id"]),
    )
    .await
    .json();
    assert_eq!(files[0]["file_sha256"], f["file_sha256"]);
}

#[tokio::test]
async fn ci_lint_checks_the_yaml() {
    let emu = demo().await;
    let pid = project_with_readme(&emu, "lint").await;
    let lint = format!("/projects/{pid}/ci/lint");
    let ok = post(
        &emu,
        &lint,
        json!({"content": "---\n:test_job:\n  :script: echo 1\n"}),
    )
    .await;
    assert_eq!(ok.status, 200);
    let ok = ok.json();
    assert_eq!(ok["valid"], json!(true), "{ok}");
    assert_eq!(ok["errors"], json!([]));
    assert_eq!(ok["warnings"], json!([]));
    assert_eq!(ok["merged_yaml"], "---\ntest_job:\n  script: echo 1\n");
    let bad = post(&emu, &lint, json!({"content": "invalid"})).await;
    assert_eq!(bad.status, 200);
    assert_eq!(bad.json()["valid"], json!(false));
    assert_eq!(
        bad.json()["errors"],
        json!(["Invalid configuration format"])
    );
    let no_script = post(&emu, &lint, json!({"content": "build:\n  stage: build\n"}))
        .await
        .json();
    assert_eq!(
        no_script["errors"][0],
        "jobs build config should implement the script:, run:, or trigger: keyword"
    );
    // GET lints the project's own file: none yet, then the committed one.
    let missing = get(&emu, &lint).await.json();
    assert_eq!(missing["valid"], json!(false));
    assert_eq!(
        missing["errors"],
        json!(["Please provide content of .gitlab-ci.yml"])
    );
    commit_file(
        &emu,
        pid,
        "main",
        "ci%2Fbase.yml",
        ".base:\n  script: make\n",
    )
    .await;
    commit_file(
        &emu,
        pid,
        "main",
        ".gitlab-ci.yml",
        "include:\n  - local: ci/base.yml\nbuild:\n  extends: .base\n",
    )
    .await;
    let own = get(&emu, &format!("{lint}?include_jobs=true")).await.json();
    assert_eq!(own["valid"], json!(true), "{own}");
    assert_eq!(own["includes"][0]["location"], "ci/base.yml");
    let job = own["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["name"] == "build")
        .unwrap();
    assert_eq!(job["script"], json!(["make"]));
    assert_eq!(job["stage"], "test");
}

#[tokio::test]
async fn exports_and_imports() {
    let emu = demo().await;
    let pid = new_project(&emu, "exported").await;
    let status = get(&emu, &format!("/projects/{pid}/export")).await.json();
    assert_eq!(status["export_status"], "none");
    let early = get(&emu, &format!("/projects/{pid}/export/download")).await;
    assert_eq!(early.status, 404);
    let r = post(&emu, &format!("/projects/{pid}/export"), json!({})).await;
    assert_eq!(r.status, 202);
    assert_eq!(r.json(), json!({"message": "202 Accepted"}));
    let status = get(&emu, &format!("/projects/{pid}/export")).await.json();
    assert_eq!(status["export_status"], "finished");
    assert_eq!(status["path_with_namespace"], "root/exported");
    assert!(status["_links"]["api_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/api/v4/projects/{pid}/export/download")));
    let archive = get(&emu, &format!("/projects/{pid}/export/download")).await;
    assert_eq!(archive.status, 200);
    assert_eq!(&archive.body[..2], b"\x1f\x8b", "a gzip stream");
    // Groups: export accepted with 202; import creates the group it names.
    let gid = post(&emu, "/groups", json!({"name": "Exp", "path": "exp"}))
        .await
        .json()["id"]
        .clone();
    let r = post(&emu, &format!("/groups/{gid}/export"), json!({})).await;
    assert_eq!(r.status, 202);
    assert_eq!(r.json(), json!({"message": "202 Accepted"}));
    let form = |path: &str, name: &str| {
        reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(archive.body.to_vec()).file_name("export.tar.gz"),
            )
            .text("path", path.to_string())
            .text("name", name.to_string())
    };
    let r = send(
        http()
            .post(api(&emu, "/groups/import"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .multipart(form("imported_group", "Imported Group")),
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    assert_eq!(r.json(), json!({"message": "202 Accepted"}));
    let g = get(&emu, "/groups/imported_group").await;
    assert_eq!(g.status, 200);
    assert_eq!(g.json()["name"], "Imported Group");
    let r = send(
        http()
            .post(api(&emu, "/projects/import"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .multipart(form("imported_project", "Imported Project")),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let imp = r.json();
    assert_eq!(imp["path"], "imported_project");
    assert_eq!(imp["name"], "Imported Project");
    assert_eq!(imp["import_status"], "scheduled");
    let later = get(&emu, &format!("/projects/{}/import", imp["id"]))
        .await
        .json();
    assert_eq!(later["import_status"], "finished");
    let plain = get(&emu, &format!("/projects/{pid}/import")).await.json();
    assert_eq!(plain["import_status"], "none");
    // access_key_id is text, so the S3 import gets past parameter validation.
    let s3 = post(
        &emu,
        "/projects/remote-import-s3",
        json!({"access_key_id": "aws-access-key-id", "bucket_name": "b", "file_key": "k",
               "path": "p", "region": "r", "secret_access_key": "s"}),
    )
    .await;
    assert_ne!(s3.json(), json!({"error": "access_key_id is invalid"}));
}

#[tokio::test]
async fn branches_know_whether_they_are_merged_and_features_have_gates() {
    let emu = demo().await;
    let pid = project_with_readme(&emu, "merged").await;
    let branches = format!("/projects/{pid}/repository/branches");
    post(&emu, &branches, json!({"branch": "old", "ref": "main"})).await;
    // At the default branch's own head: not merged.
    let old = get(&emu, &format!("{branches}/old")).await.json();
    assert_eq!(old["merged"], json!(false));
    commit_file(&emu, pid, "main", "x.txt", "x\n").await;
    let old = get(&emu, &format!("{branches}/old")).await.json();
    assert_eq!(old["merged"], json!(true));
    let main = get(&emu, &format!("{branches}/main")).await.json();
    assert_eq!(main["merged"], json!(false));
    commit_file(&emu, pid, "old", "y.txt", "y\n").await;
    let list = get(&emu, &branches).await.json();
    let old = list
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "old")
        .unwrap();
    assert_eq!(old["merged"], json!(false), "a commit of its own");
    // A one-line file's hunk header, as git writes it.
    let sha = head(&emu, pid, "main").await;
    let diff = get(
        &emu,
        &format!("/projects/{pid}/repository/commits/{sha}/diff"),
    )
    .await
    .json();
    assert_eq!(diff[0]["diff"], "@@ -0,0 +1 @@\n+x\n");
    let r = post(&emu, "/features/my_flag", json!({"value": true})).await;
    assert_eq!(r.status, 201);
    let features = get(&emu, "/features").await.json();
    let f = features
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "my_flag")
        .unwrap();
    assert_eq!(f["gates"], json!([{"key": "boolean", "value": true}]));
    assert!(f.get("Gates").is_none(), "{f}");
}
