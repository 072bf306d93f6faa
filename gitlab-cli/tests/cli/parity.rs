//! Request parity with python-gitlab's CLI: each command line of issue 14's
//! differential run, against a recording server (a wiremock server that
//! answers everything and keeps every request), with the request
//! python-gitlab 8.6.0 was observed to send (`--skip-login`).

use super::{gitlab, ok_json, temp_dir, write};
use serde_json::{json, Value};
use wiremock::matchers::{any, method};
use wiremock::{Mock, MockServer, Request};

/// One recorded request, reduced to what the differential test compares.
#[derive(Debug, PartialEq)]
struct Seen {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    /// The JSON body; `None` for an empty body or `{}` (python-gitlab sends
    /// `{}` where we send nothing, and the comparison treats them alike).
    json: Option<Value>,
    body: Vec<u8>,
}

/// A recording server: an empty list for every GET, one object otherwise.
async fn recorder() -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok_json(json!([])))
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(any())
        .respond_with(ok_json(
            json!({"id": 1, "iid": 1, "name": "x", "path_with_namespace": "g/p"}),
        ))
        .with_priority(2)
        .mount(&s)
        .await;
    s
}

fn seen(r: &Request) -> Seen {
    let mut query: Vec<(String, String)> = r
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    query.sort();
    let json = serde_json::from_slice::<Value>(&r.body)
        .ok()
        .filter(|v| v != &json!({}));
    Seen {
        method: r.method.to_string(),
        path: r.url.path().to_string(),
        query,
        json,
        body: r.body.to_vec(),
    }
}

/// Runs `args` against a fresh recorder; returns its requests.
async fn record(args: &[&str]) -> Vec<Seen> {
    let s = recorder().await;
    let url = s.uri();
    let mut all = vec!["--server-url", url.as_str(), "--private-token", "tok"];
    all.extend_from_slice(args);
    let r = gitlab(&all, &[]).await;
    assert_eq!(r.code, 0, "{args:?}: {r:?}");
    s.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(seen)
        .collect()
}

fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    v.sort();
    v
}

/// Command line, then the one request python-gitlab sends for it.
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    Option<Value>,
);

fn cases() -> Vec<Case> {
    vec![
        // No `page` unless asked for.
        ("project-issue list --project-id 2", "GET", "/api/v4/projects/2/issues", &[], None),
        ("project-issue list --project-id 2 --no-get-all", "GET", "/api/v4/projects/2/issues", &[], None),
        ("project list --page 2 --per-page 5", "GET", "/api/v4/projects", &[("page", "2"), ("per_page", "5")], None),
        // python-gitlab reads `all` as get_all, also where a filter has that name.
        ("project-commit list --project-id 2 --all true", "GET", "/api/v4/projects/2/repository/commits", &[], None),
        ("project-commit list --project-id 2 --all x", "GET", "/api/v4/projects/2/repository/commits", &[], None),
        // Abbreviated flags, as argparse takes them.
        ("project-issue list --project-id 2 --stat opened", "GET", "/api/v4/projects/2/issues", &[("state", "opened")], None),
        // The id python-gitlab registers on custom actions.
        ("runner all --id 5 --scope x", "GET", "/api/v4/runners/all", &[("id", "5"), ("scope", "x")], None),
        ("runner verify --id 5 --token x", "POST", "/api/v4/runners/verify", &[("id", "5")], Some(json!({"token": "x"}))),
        ("snippet list-all --id 5", "GET", "/api/v4/snippets/all", &[("id", "5")], None),
        ("snippet list-public", "GET", "/api/v4/snippets/public", &[], None),
        ("todo mark-all-as-done --id 5", "POST", "/api/v4/todos/mark_as_done", &[("id", "5")], None),
        ("topic merge --id 5 --source-topic-id 1 --target-topic-id 2", "POST", "/api/v4/topics/merge", &[("id", "5")], Some(json!({"source_topic_id": "1", "target_topic_id": "2"}))),
        ("geo-node current-failures --id 5", "GET", "/api/v4/geo_nodes/current/failures", &[("id", "5")], None),
        ("namespace exists --id 5 --namespace x --parent-id 1", "GET", "/api/v4/namespaces/x/exists", &[("id", "5"), ("parent_id", "1")], None),
        ("group-badge render --group-id 2 --id 5 --link-url l --image-url i", "GET", "/api/v4/groups/2/badges/render", &[("id", "5"), ("image_url", "i"), ("link_url", "l")], None),
        ("project-badge render --project-id 2 --id 5 --link-url l --image-url i", "GET", "/api/v4/projects/2/badges/render", &[("id", "5"), ("image_url", "i"), ("link_url", "l")], None),
        ("project-registry-tag delete-in-bulk --project-id 5 --repository-id 3 --name x --name-regex-delete y", "DELETE", "/api/v4/projects/5/registry/repositories/3/tags", &[("name", "x"), ("name_regex_delete", "y")], None),
        ("project repository-compare --id 5 --from- a --to b", "GET", "/api/v4/projects/5/repository/compare", &[("from", "a"), ("to", "b")], None),
        ("group-billable-member-membership list --group-id 2 --user-id 3", "GET", "/api/v4/groups/2/billable_members/3/memberships", &[], None),
        ("project-pull-mirror create --project-id 5", "PUT", "/api/v4/projects/5/mirror/pull", &[], None),
        // Bodies.
        ("group-epic create --group-id 2 --title t --labels a,b", "POST", "/api/v4/groups/2/epics", &[], Some(json!({"title": "t", "labels": ["a", "b"]}))),
        ("project-invitation create --project-id 5 --email a@example.com --access-level 30", "POST", "/api/v4/projects/5/invitations", &[], Some(json!({"email": ["a@example.com"], "access_level": "30"}))),
        ("project-variable update --project-id 5 --key K --value v", "PUT", "/api/v4/projects/5/variables/K", &[], Some(json!({"value": "v"}))),
        ("project-pipeline-schedule-variable update --project-id 5 --pipeline-schedule-id 3 --key K --value v", "PUT", "/api/v4/projects/5/pipeline_schedules/3/variables/K", &[], Some(json!({"value": "v"}))),
        ("project transfer --id 5 --to-namespace g", "PUT", "/api/v4/projects/5/transfer", &[], Some(json!({"namespace": "g"}))),
        ("project-feature-flag update --project-id 5 --name f --new-name g", "PUT", "/api/v4/projects/5/feature_flags/f", &[], Some(json!({"name": "g"}))),
        ("project trigger-pipeline --id 5 --ref main --token t", "POST", "/api/v4/projects/5/trigger/pipeline", &[], Some(json!({"ref": "main", "token": "t", "variables": {}, "inputs": {}}))),
        ("project share --id 5 --group-id 2 --group-access 30", "POST", "/api/v4/projects/5/share", &[], Some(json!({"group_id": "2", "group_access": "30", "expires_at": null}))),
        ("group-access-request approve --group-id 2 --id 5", "PUT", "/api/v4/groups/2/access_requests/5/approve", &[], Some(json!({"access_level": 30}))),
        // Paths.
        ("project-pipeline create --project-id 5 --ref main", "POST", "/api/v4/projects/5/pipeline", &[], Some(json!({"ref": "main"}))),
        ("project-commit-status create --project-id 5 --commit-id abc --state success", "POST", "/api/v4/projects/5/statuses/abc", &[], Some(json!({"state": "success"}))),
        ("user-project list --user-id 3", "GET", "/api/v4/users/3/projects", &[], None),
        ("user-project create --user-id 3 --name p", "POST", "/api/v4/projects/user/3", &[], Some(json!({"name": "p"}))),
        ("group-epic-issue create --group-id 2 --epic-iid 1 --issue-id 9", "POST", "/api/v4/groups/2/epics/1/issues/9", &[], None),
        ("project-cluster create --project-id 5 --name c --platform-kubernetes-attributes x", "POST", "/api/v4/projects/5/clusters/user", &[], Some(json!({"name": "c", "platform_kubernetes_attributes": "x"}))),
        ("group-cluster create --group-id 2 --name c --platform-kubernetes-attributes x", "POST", "/api/v4/groups/2/clusters/user", &[], Some(json!({"name": "c", "platform_kubernetes_attributes": "x"}))),
        ("project-label update --project-id 5 --name bug --new-name b2", "PUT", "/api/v4/projects/5/labels", &[], Some(json!({"name": "bug", "new_name": "b2"}))),
        ("group-label update --group-id 2 --name bug --color red", "PUT", "/api/v4/groups/2/labels", &[], Some(json!({"name": "bug", "color": "red"}))),
        ("project repository-merge-base --id 5 --refs a,b", "GET", "/api/v4/projects/5/repository/merge_base", &[("refs[]", "a"), ("refs[]", "b")], None),
        // Query defaults.
        ("project repository-tree --id 5", "GET", "/api/v4/projects/5/repository/tree", &[("recursive", "False")], None),
        ("project snapshot --id 5", "GET", "/api/v4/projects/5/snapshot", &[("wiki", "False")], None),
        ("project-commit refs --project-id 5 --id abc", "GET", "/api/v4/projects/5/repository/commits/abc/refs", &[("type", "all")], None),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_command_line_sends_python_gitlabs_request() {
    let mut failures = Vec::new();
    for (line, m, p, query, body) in cases() {
        let args: Vec<&str> = line.split(' ').collect();
        let got = record(&args).await;
        let want = (m.to_string(), p.to_string(), q(query), body.clone());
        let first = got.first().map(|s| {
            (
                s.method.clone(),
                s.path.clone(),
                s.query.clone(),
                s.json.clone(),
            )
        });
        if got.len() != 1 || first.as_ref() != Some(&want) {
            failures.push(format!("{line}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The multipart parts of a body: (name, filename, content).
fn parts(body: &[u8]) -> Vec<(String, Option<String>, String)> {
    let text = String::from_utf8_lossy(body);
    let Some(boundary) = text.lines().next().map(str::trim) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for chunk in text.split(boundary).skip(1) {
        let Some((head, content)) = chunk.split_once("\r\n\r\n") else {
            continue;
        };
        let attr = |k: &str| {
            head.split(&format!("{k}=\""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map(str::to_string)
        };
        let Some(name) = attr("name") else { continue };
        out.push((
            name,
            attr("filename"),
            content.trim_end_matches("\r\n").to_string(),
        ));
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_shaped_like_python_gitlabs() {
    let dir = temp_dir();
    let f = write(&dir, "notes.txt", "file body");
    let f = f.to_str().unwrap_or_default();
    let part = |n: &str, file: Option<&str>, c: &str| {
        (n.to_string(), file.map(str::to_string), c.to_string())
    };

    let got = record(&[
        "project",
        "upload",
        "--id",
        "5",
        "--filename",
        "x.txt",
        "--filepath",
        f,
    ])
    .await;
    assert_eq!(
        (got[0].method.as_str(), got[0].path.as_str()),
        ("POST", "/api/v4/projects/5/uploads")
    );
    assert_eq!(
        parts(&got[0].body),
        [
            part("avatar", None, ""),
            part("file", Some("x.txt"), "file body")
        ]
    );

    let got = record(&[
        "project-wiki",
        "upload",
        "--project-id",
        "5",
        "--slug",
        "s",
        "--filename",
        "x.txt",
        "--filepath",
        f,
    ])
    .await;
    assert_eq!(got[0].path, "/api/v4/projects/5/wikis/attachments");
    assert_eq!(
        parts(&got[0].body),
        [
            part("avatar", None, ""),
            part("file", Some("x.txt"), "file body")
        ]
    );

    let at = format!("@{f}");
    let got = record(&[
        "project-secure-file",
        "create",
        "--project-id",
        "5",
        "--name",
        "n",
        "--file",
        &at,
    ])
    .await;
    assert_eq!(got[0].path, "/api/v4/projects/5/secure_files");
    assert_eq!(
        parts(&got[0].body),
        [
            part("avatar", None, ""),
            part("file", Some("file"), "file body"),
            part("name", None, "n")
        ]
    );

    let got = record(&["topic", "create", "--name", "t", "--avatar", &at]).await;
    assert_eq!(
        parts(&got[0].body),
        [
            part("avatar", Some("avatar.png"), "file body"),
            part("file", None, ""),
            part("name", None, "t")
        ]
    );

    // A raw upload reads the file named by --path.
    let got = record(&[
        "generic-package",
        "upload",
        "--project-id",
        "5",
        "--package-name",
        "p",
        "--package-version",
        "1.0",
        "--file-name",
        "f.bin",
        "--path",
        f,
    ])
    .await;
    assert_eq!(
        (got[0].method.as_str(), got[0].path.as_str()),
        ("PUT", "/api/v4/projects/5/packages/generic/p/1.0/f.bin")
    );
    assert_eq!(got[0].body, b"file body");
}
