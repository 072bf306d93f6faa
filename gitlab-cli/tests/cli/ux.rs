//! The warning on a truncated listing, the hint for misplaced global
//! options, usage lines, action output, the no-configuration notice and the
//! progress line (terminal only).

use super::{gitlab, gl, ok_json, requests, temp_dir, BIN};
use serde_json::json;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn page(items: serde_json::Value, per_page: u32, total: u32) -> ResponseTemplate {
    ok_json(items)
        .insert_header("x-per-page", per_page.to_string().as_str())
        .insert_header("x-total", total.to_string().as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_listing_warns_on_stderr() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/2/issues"))
        .respond_with(page(
            json!([{"iid": 1, "title": "a"}, {"iid": 2, "title": "b"}]),
            2,
            126,
        ))
        .mount(&s)
        .await;
    let r = gl(&s, &["project-issue", "list", "--project-id", "2"]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "iid: 1\ntitle: a\n\niid: 2\ntitle: b\n\n");
    assert!(r.stderr.contains("2 of 126 items"), "{r:?}");
    assert!(r.stderr.contains("--get-all"), "{r:?}");
    // Asked for one page, or told to be quiet: no warning.
    for extra in [["--no-get-all"].as_slice(), ["--page", "1"].as_slice()] {
        let mut args = vec!["project-issue", "list", "--project-id", "2"];
        args.extend_from_slice(extra);
        let r = gl(&s, &args).await;
        assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{extra:?}: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complete_listing_does_not_warn() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .respond_with(page(json!([{"id": 1}, {"id": 2}]), 20, 2))
        .mount(&s)
        .await;
    let r = gl(&s, &["project", "list"]).await;
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_global_option_after_the_action_gets_a_hint() {
    let s = MockServer::start().await;
    let r = gl(&s, &["project", "get", "--id", "1", "-f", "id"]).await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains(
            "'-f' is a global option and goes before the resource: gitlab -f id project get --id 1"
        ),
        "{r:?}"
    );
    let r = gl(&s, &["project", "list", "--output", "json"]).await;
    assert!(
        r.stderr.contains("gitlab --output json project list"),
        "{r:?}"
    );
    assert_eq!(requests(&s).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_lines_show_what_is_required() {
    let s = MockServer::start().await;
    let r = gl(
        &s,
        &["project-issue", "list", "--project-id", "1", "--stte", "x"],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains(
            "Usage: gitlab [GLOBAL OPTIONS] project-issue list --project-id <ID> [OPTIONS]"
        ),
        "{r:?}"
    );
    assert!(!r.stderr.contains("--state <VALUE>"), "{r:?}");
    let r = gl(&s, &["project-issue", "move", "--help"]).await;
    assert!(
        r.stdout.contains(
            "project-issue move --project-id <ID> --iid <ID> --to-project-id <VALUE> [OPTIONS]"
        ),
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_that_return_the_object_print_the_answer_whole() {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/star"))
        .respond_with(ok_json(
            json!({"id": 1, "path_with_namespace": "g/p", "star_count": 1}),
        ))
        .mount(&s)
        .await;
    let r = gl(&s, &["project", "star", "--id", "1"]).await;
    assert_eq!(r.code, 0, "{r:?}");
    // As python-gitlab's CLI prints the dict such a method returns (merge, rotate…).
    assert_eq!(r.stdout, "id: 1\npath-with-namespace: g/p\nstar-count: 1\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_configuration_file_a_note_names_the_server() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .respond_with(ok_json(json!({"id": 1})))
        .mount(&s)
        .await;
    let url = s.uri();
    // An empty PYTHON_GITLAB_CFG means: search the usual places (none exist).
    let r = gitlab(
        &["--server-url", &url, "project", "get", "--id", "1"],
        &[("PYTHON_GITLAB_CFG", "")],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stderr,
        format!("note: no configuration file found; using {url}\n")
    );
}

/// Runs the binary under a pseudo-terminal with `script`; `None` where
/// util-linux's `script` is not installed.
fn under_a_terminal(args: &[&str]) -> Option<String> {
    let probe = std::process::Command::new("script")
        .arg("--version")
        .output()
        .ok()?;
    if !probe.status.success() {
        return None;
    }
    let home = temp_dir();
    let cfg = home.join("empty.cfg");
    std::fs::write(&cfg, "").ok()?;
    let mut line = BIN.to_string();
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    let out = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("TERM", "xterm")
        .env("PYTHON_GITLAB_CFG", &cfg)
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

async fn two_pages_with_a_rate_limit(s: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(query_param_is_missing("page"))
        .respond_with(page(json!([{"id": 1}, {"id": 2}]), 2, 3).insert_header("x-next-page", "2"))
        .mount(s)
        .await;
    // Page 2 is refused once (rate limit), then comes slowly.
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(query_param("page", "2"))
        .respond_with(
            page(json!([{"id": 3}]), 2, 3).set_delay(std::time::Duration::from_millis(400)),
        )
        .with_priority(2)
        .mount(s)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_all_shows_progress_and_waits_only_on_a_terminal() {
    let s = MockServer::start().await;
    two_pages_with_a_rate_limit(&s).await;
    let url = s.uri();
    let args = [
        "--server-url",
        url.as_str(),
        "-o",
        "json",
        "project",
        "list",
        "--get-all",
    ];

    // Not a terminal: stdout has the listing, stderr nothing at all.
    let r = gitlab(&args, &[]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "[{\"id\":1},{\"id\":2},{\"id\":3}]\n");
    assert_eq!(r.stderr, "", "{r:?}");

    // A terminal: the progress line and the rate-limit wait show up.
    two_pages_with_a_rate_limit(&s).await;
    let owned: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let Some(screen) = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
        under_a_terminal(&refs)
    })
    .await
    .unwrap_or(None) else {
        eprintln!("skipped: no `script` to run under a terminal");
        return;
    };
    assert!(
        screen.contains("fetched 2 of 3 items in 1 page"),
        "{screen:?}"
    );
    assert!(
        screen.contains("waiting 1.0s before retrying: rate limited (429 Too Many Requests)"),
        "{screen:?}"
    );
    // Stdout shares the terminal here; its text is unchanged around the line.
    assert!(screen.contains("[{\"id\":1},{\"id\":2}"), "{screen:?}");
    assert!(screen.contains(",{\"id\":3}]"), "{screen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_types_show_in_help_and_bad_values_are_refused_before_sending() {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/issues"))
        .respond_with(ok_json(json!({"iid": 1, "title": "t"})))
        .expect(1)
        .mount(&s)
        .await;
    let help = gitlab(&["project-issue", "create", "--help"], &[]).await;
    assert!(
        help.stdout.contains("--confidential <true|false>"),
        "{help:?}"
    );
    assert!(help.stdout.contains("--due-date <YYYY-MM-DD>"), "{help:?}");
    let help = gitlab(&["project-issue", "update", "--help"], &[]).await;
    assert!(
        help.stdout.contains("--state-event <close|reopen>"),
        "{help:?}"
    );
    for (flag, bad) in [
        ("--confidential", "banana"),
        ("--milestone-id", "five"),
        ("--due-date", "2026-02-30"),
    ] {
        let r = gl(
            &s,
            &[
                "project-issue",
                "create",
                "--project-id",
                "1",
                "--title",
                "t",
                flag,
                bad,
            ],
        )
        .await;
        assert_eq!(r.code, 2, "{flag} {bad}: {r:?}");
        assert!(
            r.stderr.contains(&format!("invalid value '{bad}'")),
            "{r:?}"
        );
    }
    assert_eq!(requests(&s).await, 0, "nothing is sent for a bad value");
    // A good value goes out as typed on the command line, as python-gitlab sends it.
    let r = gl(
        &s,
        &[
            "project-issue",
            "create",
            "--project-id",
            "1",
            "--title",
            "t",
            "--confidential",
            "true",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    s.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_text_cannot_drive_the_terminal_and_url_passwords_stay_hidden() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .respond_with(ResponseTemplate::new(403).set_body_json(
            json!({"message": "403 Forbidden\u{1b}]0;owned\u{7}\u{1b}[2J\rgitlab$ "}),
        ))
        .mount(&s)
        .await;
    let r = gl(&s, &["project", "get", "--id", "1"]).await;
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        !r.stderr.contains('\u{1b}') && !r.stderr.contains('\u{7}') && !r.stderr.contains('\r'),
        "{r:?}"
    );
    assert!(r.stderr.contains("\\u{1b}"), "escaped, not dropped: {r:?}");
    let with_password = s.uri().replacen("http://", "http://alice:hunter2@", 1);
    let r = gitlab(
        &[
            "-d",
            "--server-url",
            &with_password,
            "project",
            "get",
            "--id",
            "1",
        ],
        &[],
    )
    .await;
    assert!(!r.stderr.contains("hunter2"), "{r:?}");
    assert!(r.stderr.contains("alice:***@"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_file_values_read_regular_files_only() {
    let s = MockServer::start().await;
    for (flag, value) in [("--description", "@/dev/zero"), ("--description", "@/tmp")] {
        let r = gl(
            &s,
            &[
                "project-issue",
                "create",
                "--project-id",
                "1",
                "--title",
                "t",
                flag,
                value,
            ],
        )
        .await;
        assert_eq!(r.code, 2, "{r:?}");
        assert!(r.stderr.contains("not a regular file"), "{r:?}");
    }
    assert_eq!(requests(&s).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_actions_print_the_answers_headers() {
    let s = MockServer::start().await;
    Mock::given(method("HEAD"))
        .and(path("/api/v4/projects/7/repository/files/docs%2Fa.txt"))
        .and(query_param("ref", "main"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-gitlab-size", "8")
                .insert_header("x-gitlab-file-name", "a.txt")
                .insert_header("set-cookie", "_gitlab_session=s3cr3t"),
        )
        .mount(&s)
        .await;
    let args = [
        "project-file",
        "metadata",
        "--project-id",
        "7",
        "--file-path",
        "docs/a.txt",
        "--ref",
        "main",
    ];
    let r = gl(&s, &args).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("x-gitlab-file-name: a.txt\n"), "{r:?}");
    assert!(r.stdout.contains("x-gitlab-size: 8\n"), "{r:?}");
    assert!(!r.stdout.contains("s3cr3t"), "{r:?}");
    let mut json_args = vec!["-o", "json", "-f", "x-gitlab-size,X-Gitlab-File-Name"];
    json_args.extend_from_slice(&args);
    let r = gl(&s, &json_args).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&r.stdout).unwrap(),
        json!({"x-gitlab-file-name": "a.txt", "x-gitlab-size": "8"})
    );
}
