//! End-to-end tests: the built `gitlab` binary against a wiremock server on
//! 127.0.0.1, checking the exact requests sent and the output printed.
//! Every run gets an empty environment (plus PATH, a fresh HOME and an empty
//! PYTHON_GITLAB_CFG), so no real configuration or token leaks in.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "cli/parity.rs"]
mod parity;
#[path = "cli/python_output.rs"]
mod python_output;
#[path = "cli/ux.rs"]
mod ux;

const BIN: &str = env!("CARGO_BIN_EXE_gitlab");

struct Run {
    code: i32,
    stdout: String,
    /// Stdout as written, for binary output.
    stdout_bytes: Vec<u8>,
    stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

fn temp_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "gitlab-cli-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs the binary with `args` and only the given environment variables.
async fn gitlab(args: &[&str], env: &[(&str, &str)]) -> Run {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let home = temp_dir();
        let empty_cfg = write(&home, "empty.cfg", "");
        let mut cmd = std::process::Command::new(BIN);
        cmd.args(&args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("PYTHON_GITLAB_CFG", &empty_cfg)
            .stdin(std::process::Stdio::null());
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stdout_bytes: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

/// Runs against `server` with a private token given as flags.
async fn gl(server: &MockServer, args: &[&str]) -> Run {
    let url = server.uri();
    let mut all = vec!["--server-url", url.as_str(), "--private-token", "tok"];
    all.extend_from_slice(args);
    gitlab(&all, &[]).await
}

fn ok_json(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_list_one_page_with_per_page() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(query_param("per_page", "2"))
        // No `page` unless asked for, as python-gitlab sends it.
        .and(query_param_is_missing("page"))
        .and(header("PRIVATE-TOKEN", "tok"))
        .respond_with(ok_json(json!([
            {"id": 1, "path_with_namespace": "g/a", "star_count": 3},
            {"id": 2, "path_with_namespace": "g/b", "star_count": 0}
        ])))
        .expect(2)
        .mount(&s)
        .await;
    let r = gl(&s, &["-o", "json", "project", "list", "--per-page", "2"]).await;
    assert_eq!(r.code, 0, "{r:?}");
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v[1]["path_with_namespace"], "g/b");
    // Default output: python-gitlab's legacy blocks.
    let r = gl(&s, &["project", "list", "--per-page", "2"]).await;
    assert_eq!(
        r.stdout, "id: 1\npath_with_namespace: g/a\n\nid: 2\npath_with_namespace: g/b\n\n",
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_get_encodes_a_path_id() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/group%2Fproject"))
        .respond_with(ok_json(
            json!({"id": 7, "path_with_namespace": "group/project"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &["-o", "json", "project", "get", "--id", "group/project"],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "{\"id\":7,\"path_with_namespace\":\"group/project\"}\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_create_sends_exactly_the_given_attributes() {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/issues"))
        .and(body_json(json!({"title": "hi"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"iid": 4, "title": "hi"})))
        .expect(1)
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &[
            "project-issue",
            "create",
            "--project-id",
            "1",
            "--title",
            "hi",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "iid: 4\ntitle: hi\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_from_files_lists_and_literal_at_signs() {
    let s = MockServer::start().await;
    let dir = temp_dir();
    let desc = write(&dir, "desc.md", "line one\nline two\n");
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/issues"))
        .and(body_json(json!({
            "title": "@home",
            "description": "line one\nline two\n",
            "labels": ["bug", "ui"]
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"iid": 1})))
        .expect(1)
        .mount(&s)
        .await;
    let at_desc = format!("@{}", desc.display());
    let r = gl(
        &s,
        &[
            "project-issue",
            "create",
            "--project-id",
            "1",
            "--title",
            "@@home",
            "--description",
            &at_desc,
            "--labels",
            "bug,ui",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    // A missing @file is a usage error before any request.
    let r = gl(
        &s,
        &[
            "project-issue",
            "create",
            "--project-id",
            "1",
            "--title",
            "@/nonexistent/x",
        ],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains("--title @/nonexistent/x: cannot read the file"),
        "{r:?}"
    );
    assert_eq!(requests(&s).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn array_filters_become_repeated_query_parameters() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/issues"))
        .and(query_param("iids[]", "3"))
        .and(query_param("iids[]", "4"))
        .and(query_param("state", "opened"))
        .respond_with(ok_json(json!([{"iid": 3, "title": "a"}])))
        .expect(1)
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &[
            "project-issue",
            "list",
            "--project-id",
            "1",
            "--iids",
            "3,4",
            "--state",
            "opened",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "iid: 3\ntitle: a\n\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_move_is_a_custom_action() {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/issues/2/move"))
        .and(body_json(json!({"to_project_id": "3"})))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"iid": 9, "project_id": 3, "title": "moved"})),
        )
        .expect(1)
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &[
            "-o",
            "json",
            "project-issue",
            "move",
            "--project-id",
            "1",
            "--iid",
            "2",
            "--to-project-id",
            "3",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v, json!({"iid": 9, "project_id": 3, "title": "moved"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_all_follows_the_pages_and_prints_one_document() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/groups"))
        .and(query_param_is_missing("page"))
        .and(query_param("per_page", "2"))
        .respond_with(
            ok_json(json!([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]))
                .insert_header("x-next-page", "2")
                .insert_header("x-total", "3"),
        )
        .expect(2)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/groups"))
        .and(query_param("page", "2"))
        .respond_with(ok_json(json!([{"id": 3, "name": "c"}])).insert_header("x-total", "3"))
        .expect(2)
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &[
            "-o",
            "json",
            "group",
            "list",
            "--get-all",
            "--per-page",
            "2",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "[{\"id\":1,\"name\":\"a\"},{\"id\":2,\"name\":\"b\"},{\"id\":3,\"name\":\"c\"}]\n"
    );
    // `--all` is python-gitlab's older spelling; yaml streams one sequence.
    let r = gl(
        &s,
        &["-o", "yaml", "group", "list", "--all", "--per-page", "2"],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "- id: 1\n  name: a\n- id: 2\n  name: b\n- id: 3\n  name: c\n"
    );
    // No progress line when stderr is not a terminal.
    assert_eq!(r.stderr, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_formats_and_fields() {
    let s = MockServer::start().await;
    let project = json!({
        "id": 5, "name": "p", "path_with_namespace": "g/p", "archived": false,
        "description": null, "tag_list": ["x", "y"], "namespace": {"id": 2, "full_path": "g"}
    });
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/5"))
        .respond_with(ok_json(project))
        .mount(&s)
        .await;
    let get = ["project", "get", "--id", "5"];
    let with = |pre: &[&'static str]| -> Vec<&'static str> {
        pre.iter().copied().chain(get.iter().copied()).collect()
    };
    let r = gl(&s, &with(&["-o", "yaml", "-f", "id,name"])).await;
    assert_eq!(r.stdout, "id: 5\nname: p\n", "{r:?}");
    let r = gl(&s, &with(&["-o", "json", "-f", "name,missing"])).await;
    assert_eq!(r.stdout, "{\"name\":\"p\"}\n", "{r:?}");
    let r = gl(&s, &with(&[])).await;
    assert_eq!(r.stdout, "id: 5\npath_with_namespace: g/p\n", "{r:?}");
    let r = gl(&s, &with(&["-v"])).await;
    assert_eq!(
        r.stdout,
        "id: 5\narchived: False\ndescription: None\nname: p\nnamespace:\n  full-path: g\n  id: 2\n\
         path-with-namespace: g/p\ntag-list: ['x', 'y']\n",
        "{r:?}"
    );
    let r = gl(&s, &with(&["-o", "legacy", "-f", "name,archived"])).await;
    assert_eq!(r.stdout, "archived: False\nname: p\n", "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn singleton_get_delete_and_sudo() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/user"))
        .and(header("Sudo", "alice"))
        .respond_with(ok_json(json!({"id": 3, "username": "alice"})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v4/projects/5"))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&s)
        .await;
    let r = gl(&s, &["current-user", "get", "--sudo", "alice"]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "username: alice\n");
    let r = gl(&s, &["project", "delete", "--id", "5"]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "");
}

fn config(dir: &Path, url: &str, extra: &str) -> PathBuf {
    write(
        dir,
        "gl.cfg",
        &format!(
            "[global]\ndefault = broken\ntimeout = 5\n\n[broken]\nurl = http://127.0.0.1:9\n\n\
             [test]\nurl = {url}\n{extra}\n"
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_file_section_chosen_with_g() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .and(header("PRIVATE-TOKEN", "from-file"))
        .respond_with(ok_json(json!({"id": 1})))
        .expect(2)
        .mount(&s)
        .await;
    let dir = temp_dir();
    let cfg = config(&dir, &s.uri(), "private_token = from-file");
    let cfg = cfg.to_str().unwrap();
    let r = gitlab(
        &["-c", cfg, "-g", "test", "project", "get", "--id", "1"],
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    // python-gitlab names a project by `path_with_namespace`, `None` when missing.
    assert_eq!(r.stdout, "id: 1\npath_with_namespace: None\n");
    // An unknown section lists the known ones; nothing is sent.
    let r = gitlab(
        &["-c", cfg, "-g", "nope", "project", "get", "--id", "1"],
        &[],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("no server section [nope]"), "{r:?}");
    assert!(r.stderr.contains("known sections: broken, test"), "{r:?}");
    // PYTHON_GITLAB_CFG is read when no -c is given.
    let r = gitlab(
        &["-g", "test", "project", "get", "--id", "1"],
        &[("PYTHON_GITLAB_CFG", cfg)],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "id: 1\npath_with_namespace: None\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_errors_name_file_section_and_key() {
    let dir = temp_dir();
    let cfg = config(&dir, "http://127.0.0.1:9", "per_page = 500");
    let cfg_s = cfg.to_str().unwrap();
    let r = gitlab(&["-c", cfg_s, "-g", "test", "project", "list"], &[]).await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains(&format!("{cfg_s}: [test] per_page: 500 is out of range")),
        "{r:?}"
    );
    let missing = dir.join("missing.cfg");
    let r = gitlab(
        &["project", "list"],
        &[("PYTHON_GITLAB_CFG", missing.to_str().unwrap())],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("PYTHON_GITLAB_CFG: names"), "{r:?}");
    let bad = write(&dir, "bad.cfg", "[global]\ndefault = s\n[s]\nurl = http://x\nssl_verify = true\nretry_transient_errors = perhaps\n");
    let r = gitlab(&["-c", bad.to_str().unwrap(), "project", "list"], &[]).await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains("[s] retry_transient_errors: 'perhaps' is not a boolean"),
        "{r:?}"
    );
}

#[cfg(unix)]
fn helper_script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = write(dir, name, &format!("#!/bin/sh\n{body}\n"));
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_helper_success_and_failure() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .and(header("PRIVATE-TOKEN", "vault-secret-for-alice"))
        .respond_with(ok_json(json!({"id": 1})))
        .expect(1)
        .mount(&s)
        .await;
    let dir = temp_dir();
    helper_script(&dir, "ok.sh", "echo \"vault-secret-for-$1\"\necho ignored");
    let cfg = config(
        &dir,
        &s.uri(),
        &format!("private_token = helper: {}/ok.sh $WHO", dir.display()),
    );
    let cfg = cfg.to_str().unwrap();
    let r = gitlab(
        &["-c", cfg, "-g", "test", "project", "get", "--id", "1"],
        &[("WHO", "alice")],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");

    helper_script(&dir, "fail.sh", "echo 'keyring is locked' >&2\nexit 3");
    let cfg2 = write(
        &dir,
        "fail.cfg",
        &format!(
            "[global]\ndefault = test\n[test]\nurl = {}\nprivate_token = helper: {}/fail.sh\n",
            s.uri(),
            dir.display()
        ),
    );
    let r = gitlab(
        &["-c", cfg2.to_str().unwrap(), "project", "get", "--id", "1"],
        &[],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains("fail.cfg: [test] private_token: credential helper"),
        "{r:?}"
    );
    assert!(r.stderr.contains("exit status 3"), "{r:?}");
    // The helper's stderr may hold secrets: it is counted, not shown.
    assert!(!r.stderr.contains("keyring is locked"), "{r:?}");
    assert_eq!(requests(&s).await, 1, "no request after a failing helper");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn precedence_flags_then_environment_then_files_then_ci() {
    let s = MockServer::start().await;
    for token in ["from-file", "from-env", "from-flag"] {
        Mock::given(method("GET"))
            .and(path("/api/v4/projects/1"))
            .and(header("PRIVATE-TOKEN", token))
            .respond_with(ok_json(json!({"id": 1, "name": token})))
            .expect(1)
            .mount(&s)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/2"))
        .and(header("JOB-TOKEN", "ci-job"))
        .respond_with(ok_json(json!({"id": 2, "name": "ci"})))
        .expect(1)
        .mount(&s)
        .await;
    let dir = temp_dir();
    let cfg = config(&dir, &s.uri(), "private_token = from-file");
    let cfg = cfg.to_str().unwrap();
    let base = ["-c", cfg, "-g", "test", "-o", "json", "-f", "name"];
    let get1 = ["project", "get", "--id", "1"];
    let args: Vec<&str> = base.iter().chain(get1.iter()).copied().collect();
    let ci = [
        ("CI_SERVER_URL", "http://127.0.0.1:9"),
        ("CI_JOB_TOKEN", "ci-job"),
    ];
    let r = gitlab(&args, &ci).await;
    assert_eq!(r.stdout, "{\"name\":\"from-file\"}\n", "{r:?}");
    let env = [("GITLAB_PRIVATE_TOKEN", "from-env"), ci[0], ci[1]];
    let r = gitlab(&args, &env).await;
    assert_eq!(r.stdout, "{\"name\":\"from-env\"}\n", "{r:?}");
    let mut with_flag = vec!["--private-token", "from-flag"];
    with_flag.extend_from_slice(&args);
    let r = gitlab(&with_flag, &env).await;
    assert_eq!(r.stdout, "{\"name\":\"from-flag\"}\n", "{r:?}");
    // Nothing configured but CI variables: the job's server and token.
    let uri = s.uri();
    let r = gitlab(
        &["-o", "json", "project", "get", "--id", "2"],
        &[("CI_SERVER_URL", &uri), ("CI_JOB_TOKEN", "ci-job")],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    // GITLAB_URL from the environment with GITLAB_OAUTH_TOKEN.
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/3"))
        .and(header("Authorization", "Bearer oauth-env"))
        .respond_with(ok_json(json!({"id": 3})))
        .expect(1)
        .mount(&s)
        .await;
    let r = gitlab(
        &["project", "get", "--id", "3"],
        &[("GITLAB_URL", &uri), ("GITLAB_OAUTH_TOKEN", "oauth-env")],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_required_arguments_fail_before_any_request() {
    let s = MockServer::start().await;
    let r = gl(&s, &["project-issue", "create", "--project-id", "1"]).await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("--title <VALUE>"), "{r:?}");
    let r = gl(
        &s,
        &["project-issue", "move", "--project-id", "1", "--iid", "2"],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("--to-project-id"), "{r:?}");
    let r = gl(&s, &["project", "get", "--id", "1", "--bogus", "x"]).await;
    assert_eq!(r.code, 2, "{r:?}");
    let r = gl(&s, &["projet", "list"]).await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("did you mean 'project'"), "{r:?}");
    let r = gl(&s, &["--api-version", "3", "project", "list"]).await;
    assert_eq!(r.code, 2, "{r:?}");
    let r = gl(&s, &["project", "list", "--per-page", "500"]).await;
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(requests(&s).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_exit_1_with_the_server_message() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/99"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"message": "404 Project Not Found"})),
        )
        .mount(&s)
        .await;
    let r = gl(&s, &["project", "get", "--id", "99"]).await;
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .contains("404 Project Not Found (GET /projects/99)"),
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_lists_resources_actions_and_arguments() {
    let r = gitlab(&["--help"], &[]).await;
    assert_eq!(r.code, 0, "{r:?}");
    for s in [
        "--config-file",
        "--gitlab",
        "--output",
        "project-issue",
        "group-member",
    ] {
        assert!(r.stdout.contains(s), "{s}: {r:?}");
    }
    let r = gitlab(&["project-issue", "--help"], &[]).await;
    assert_eq!(r.code, 0, "{r:?}");
    for s in [
        "list",
        "create",
        "move",
        "POST /projects/{project_id}/issues/{iid}/move",
    ] {
        assert!(r.stdout.contains(s), "{s}: {r:?}");
    }
    let r = gitlab(&["project-issue", "create", "--help"], &[]).await;
    assert_eq!(r.code, 0, "{r:?}");
    let required = r.stdout.split("Required arguments:").nth(1).unwrap_or("");
    let (required, optional) = required
        .split_once("Optional arguments:")
        .unwrap_or(("", ""));
    assert!(r.stdout.contains("--project-id <ID>"), "{r:?}");
    assert!(required.contains("--title <VALUE>"), "{r:?}");
    assert!(optional.contains("--description <VALUE>"), "{r:?}");
    assert!(optional.contains("--labels <LIST>"), "{r:?}");
    assert!(r.stdout.contains("--sudo <USER>"), "{r:?}");
    let r = gitlab(&["project", "list", "--help"], &[]).await;
    for s in [
        "--get-all",
        "--page <N>",
        "--per-page <N>",
        "List filters",
        "--owned",
    ] {
        assert!(r.stdout.contains(s), "{s}: {r:?}");
    }
    let r = gitlab(&["--version"], &[]).await;
    assert_eq!(r.stdout.trim(), env!("CARGO_PKG_VERSION"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_shows_requests_but_never_the_token() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .respond_with(ok_json(json!({"id": 1})))
        .mount(&s)
        .await;
    let url = s.uri();
    let r = gitlab(
        &[
            "-d",
            "--server-url",
            &url,
            "--private-token",
            "SUPERSECRET123",
            "project",
            "get",
            "--id",
            "1",
        ],
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "id: 1\npath_with_namespace: None\n");
    assert!(r.stderr.contains("PRIVATE-TOKEN: [MASKED]"), "{r:?}");
    assert!(r.stderr.contains("method=GET"), "{r:?}");
    assert!(r.stderr.contains("path=/projects/1"), "{r:?}");
    assert!(!r.stderr.contains("SUPERSECRET123"), "{r:?}");
    assert!(!r.stdout.contains("SUPERSECRET123"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_scripts_and_candidates() {
    let r = gitlab(&["completion", "bash"], &[]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r
        .stdout
        .contains("complete -o default -F _gitlab_complete gitlab"));
    for shell in ["zsh", "fish"] {
        let r = gitlab(&["completion", shell], &[]).await;
        assert!(r.stdout.contains("gitlab __complete"), "{shell}: {r:?}");
    }
    let r = gitlab(&["completion", "tcsh"], &[]).await;
    assert_eq!(r.code, 2, "{r:?}");
    let r = gitlab(&["__complete", "-o", "json", "project-iss"], &[]).await;
    assert!(r.stdout.lines().any(|l| l == "project-issue"), "{r:?}");
    assert!(
        r.stdout.lines().all(|l| l.starts_with("project-iss")),
        "{r:?}"
    );
    let r = gitlab(&["__complete", "project-issue", "mo"], &[]).await;
    assert_eq!(r.stdout, "move\n", "{r:?}");
    let r = gitlab(&["__complete", "project-issue", "move", "--to"], &[]).await;
    assert_eq!(r.stdout, "--to-project-id\n", "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manager_actions_raw_output_and_file_uploads() {
    let s = MockServer::start().await;
    // Repository files: `get` is the schema's get_file, a manager action whose
    // path takes the file path (encoded) and whose query takes the ref.
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/repository/files/docs%2FREADME.md"))
        .and(query_param("ref", "main"))
        .respond_with(ok_json(json!({"file_path": "docs/README.md", "size": 3})))
        .expect(1)
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &[
            "-o",
            "json",
            "project-file",
            "get",
            "--project-id",
            "1",
            "--file-path",
            "docs/README.md",
            "--ref",
            "main",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "{\"file_path\":\"docs/README.md\",\"size\":3}\n");

    // Raw answers are written as the server sent them.
    Mock::given(method("GET"))
        .and(path("/api/v4/snippets/3/raw"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("echo hi\n", "text/plain"))
        .expect(1)
        .mount(&s)
        .await;
    let r = gl(&s, &["snippet", "content", "--id", "3"]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "echo hi\n");

    // File arguments are read from disk and sent as multipart parts.
    let dir = temp_dir();
    let file = write(&dir, "notes.txt", "file body 42");
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/uploads"))
        .and(|req: &wiremock::Request| {
            let body = String::from_utf8_lossy(&req.body);
            body.contains("filename=\"notes.txt\"") && body.contains("file body 42")
        })
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"url": "/uploads/x/notes.txt"})),
        )
        .expect(1)
        .mount(&s)
        .await;
    let f = file.to_str().unwrap();
    let r = gl(&s, &["project", "upload", "--id", "1", "--file", f]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "url: /uploads/x/notes.txt\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_stream_to_stdout_past_the_response_size_limit() {
    let s = MockServer::start().await;
    // Not valid UTF-8 and larger than the limit: written byte for byte.
    let body: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    Mock::given(method("GET"))
        .and(path("/api/v4/snippets/3/raw"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(body.clone(), "application/octet-stream"),
        )
        .expect(1)
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &[
            "--max-response-size",
            "1K",
            "snippet",
            "content",
            "--id",
            "3",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout_bytes, body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_response_size_is_a_global_option_and_env() {
    let s = MockServer::start().await;
    let big = format!("{{\"id\": 7, \"description\": \"{}\"}}", "x".repeat(4000));
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/7"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big, "application/json"))
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &["--max-response-size", "1K", "project", "get", "--id", "7"],
    )
    .await;
    assert_ne!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("larger than the limit of 1024 bytes"),
        "{r:?}"
    );
    let r = gl(
        &s,
        &[
            "--max-response-size",
            "1M",
            "-o",
            "json",
            "project",
            "get",
            "--id",
            "7",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    let url = s.uri();
    let base = [
        "--server-url",
        url.as_str(),
        "--private-token",
        "tok",
        "project",
        "get",
        "--id",
        "7",
    ];
    let r = gitlab(&base, &[("GITLAB_MAX_RESPONSE_SIZE", "2000")]).await;
    assert!(r.stderr.contains("limit of 2000 bytes"), "{r:?}");
    // Bad sizes are usage errors that say what a size looks like; nothing is sent.
    let before = requests(&s).await;
    let r = gl(
        &s,
        &["--max-response-size", "12X", "project", "get", "--id", "7"],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("e.g. 512M"), "{r:?}");
    let r = gitlab(&base, &[("GITLAB_MAX_RESPONSE_SIZE", "lots")]).await;
    assert!(
        r.stderr.contains("GITLAB_MAX_RESPONSE_SIZE") && r.stderr.contains("e.g. 512M"),
        "{r:?}"
    );
    assert_eq!(requests(&s).await, before);
}
