//! Output and exit statuses that python-gitlab's functional CLI tests assert
//! (tests/functional/cli): what `update` and object actions print, the short
//! form of an object, option values that start with `-`, the CI lint
//! verdict, the `all` filter of commit listings, JSON and configuration errors.

use super::{gitlab, gl, ok_json, requests, temp_dir, write};
use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_and_object_actions_print_the_returned_dict() {
    let s = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/2"))
        .and(body_json(json!({"description": "My New Description"})))
        .respond_with(ok_json(json!({
            "id": 2, "path_with_namespace": "g/p", "description": "My New Description",
            "namespace": {"id": 3, "full_path": "g"}
        })))
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &[
            "project",
            "update",
            "--id",
            "2",
            "--description",
            "My New Description",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    // Every key, sorted, `_` as `-`, nested dicts indented; no id line first.
    assert_eq!(
        r.stdout,
        "description: My New Description\nid: 2\nnamespace:\n  full-path: g\n  id: 3\npath-with-namespace: g/p\n"
    );

    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/2/merge_requests/1/merge"))
        .respond_with(ok_json(
            json!({"iid": 1, "state": "merged", "merge_commit_sha": "abc"}),
        ))
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &[
            "project-merge-request",
            "merge",
            "--project-id",
            "2",
            "--iid",
            "1",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "iid: 1\nmerge-commit-sha: abc\nstate: merged\n");

    // An update the schema maps to a custom action (a rename) prints the same way.
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/2/feature_flags/f"))
        .respond_with(ok_json(json!({"name": "g", "active": false})))
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &[
            "project-feature-flag",
            "update",
            "--project-id",
            "2",
            "--name",
            "f",
            "--new-name",
            "g",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "active: False\nname: g\n");

    // A singleton's update too.
    Mock::given(method("PUT"))
        .and(path("/api/v4/application/settings"))
        .respond_with(ok_json(json!({"id": 1, "signup_enabled": false})))
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &[
            "application-settings",
            "update",
            "--signup-enabled",
            "false",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "id: 1\nsignup-enabled: False\n");

    // JSON output is the dict itself.
    let r = gl(
        &s,
        &[
            "-o",
            "json",
            "application-settings",
            "update",
            "--signup-enabled",
            "false",
        ],
    )
    .await;
    assert_eq!(r.stdout, "{\"id\":1,\"signup_enabled\":false}\n", "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_short_form_names_objects_by_their_class_attribute() {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/groups"))
        .respond_with(ok_json(
            json!({"id": 2, "name": "test-group1", "path": "group1", "full_path": "group1"}),
        ))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/2/merge_requests/1"))
        .respond_with(ok_json(json!({"id": 9, "iid": 1, "title": "t"})))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/users"))
        .respond_with(ok_json(json!([{"id": 3, "username": "u", "name": "U"}])))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/2/ci/lint"))
        .respond_with(ok_json(
            json!({"valid": false, "merged_yaml": "x", "errors": []}),
        ))
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &[
            "group",
            "create",
            "--name",
            "test-group1",
            "--path",
            "group1",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "id: 2\nname: test-group1\n");
    // python-gitlab's merge requests declare no naming attribute: the iid alone.
    let r = gl(
        &s,
        &[
            "project-merge-request",
            "get",
            "--project-id",
            "2",
            "--iid",
            "1",
        ],
    )
    .await;
    assert_eq!(r.stdout, "iid: 1\n", "{r:?}");
    let r = gl(&s, &["user", "list"]).await;
    assert_eq!(r.stdout, "id: 3\nusername: u\n\n", "{r:?}");
    // No id and no naming attribute.
    let r = gl(&s, &["project-ci-lint", "get", "--project-id", "2"]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.starts_with("No default fields to show"), "{r:?}");
    assert!(!r.stdout.contains("merged_yaml"), "{r:?}");
}

const VALID_CI: &str = "---\n:test_job:\n  :script: echo 1\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn option_values_starting_with_a_dash_are_taken_as_argparse_takes_them() {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/2/ci/lint"))
        .and(body_json(json!({"content": VALID_CI})))
        .respond_with(ok_json(
            json!({"valid": true, "errors": [], "warnings": []}),
        ))
        .expect(2)
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &[
            "project-ci-lint",
            "validate",
            "--project-id",
            "2",
            "--content",
            VALID_CI,
        ],
    )
    .await;
    // A valid answer: success, and python-gitlab prints nothing.
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{r:?}");
    // Abbreviated flags still take such a value.
    let r = gl(
        &s,
        &[
            "project-ci-lint",
            "validate",
            "--project-id",
            "2",
            "--cont",
            VALID_CI,
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");

    // Without a space the word is an option, as argparse reads it: a clear error.
    let r = gl(
        &s,
        &[
            "project-ci-lint",
            "validate",
            "--project-id",
            "2",
            "--content",
            "-x",
        ],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("-x"), "{r:?}");
    // A mistyped option after a value flag is not swallowed as its value.
    let r = gl(
        &s,
        &[
            "project-issue",
            "create",
            "--project-id",
            "2",
            "--title",
            "--descriptoin",
            "a b",
        ],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    // A known option (even one with a space in its value) stays an option.
    let r = gl(
        &s,
        &[
            "project-issue",
            "create",
            "--project-id",
            "2",
            "--title",
            "--description=a b",
        ],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(requests(&s).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_ci_lint_verdict_fails_with_python_gitlabs_message() {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/2/ci/lint"))
        .respond_with(ok_json(json!({
            "valid": false, "errors": ["Invalid configuration format"], "warnings": []
        })))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/3/ci/lint"))
        .respond_with(ok_json(json!({"valid": false, "errors": ["a", "b"]})))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/4/ci/lint"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"message": "404 Project Not Found"})),
        )
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &[
            "project-ci-lint",
            "validate",
            "--project-id",
            "2",
            "--content",
            "invalid",
        ],
    )
    .await;
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .contains("CI YAML Lint failed (Invalid configuration format)"),
        "{r:?}"
    );
    let r = gl(
        &s,
        &[
            "project-ci-lint",
            "validate",
            "--project-id",
            "3",
            "--content",
            "x",
        ],
    )
    .await;
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("CI YAML Lint failed (a,\nb)"), "{r:?}");
    let r = gl(
        &s,
        &[
            "project-ci-lint",
            "validate",
            "--project-id",
            "4",
            "--content",
            "x",
        ],
    )
    .await;
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.starts_with("Cannot validate CI YAML ("), "{r:?}");
    assert!(r.stderr.contains("404"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_is_the_commit_filter_beside_get_all_and_get_all_alone() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/2/repository/commits"))
        .and(query_param("all", "True"))
        .respond_with(ok_json(json!([{"id": "aaa", "title": "on a branch"}])))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/2/repository/commits"))
        .and(query_param_is_missing("all"))
        .respond_with(ok_json(json!([{"id": "bbb", "title": "on main"}])))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/2/repository/commits"))
        .and(query_param("all", "true"))
        .respond_with(ok_json(json!([{"id": "ccc", "title": "typed"}])))
        .mount(&s)
        .await;
    let r = gl(
        &s,
        &[
            "project-commit",
            "list",
            "--project-id",
            "2",
            "--get-all",
            "--all",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "id: aaa\ntitle: on a branch\n\n");
    let r = gl(
        &s,
        &[
            "project-commit",
            "list",
            "--project-id",
            "2",
            "--all",
            "--no-get-all",
        ],
    )
    .await;
    assert!(r.stdout.contains("aaa"), "{r:?}");
    // A value given is sent as typed.
    let r = gl(
        &s,
        &[
            "project-commit",
            "list",
            "--project-id",
            "2",
            "--get-all",
            "--all",
            "true",
        ],
    )
    .await;
    assert!(r.stdout.contains("ccc"), "{r:?}");
    // Alone, `--all` still means every page, and is not sent.
    let r = gl(
        &s,
        &["project-commit", "list", "--project-id", "2", "--all"],
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("bbb"), "{r:?}");
    // Where no listing filter has that name, `--all` is only `--get-all`.
    let r = gl(&s, &["project", "list", "--get-all", "--all"]).await;
    assert_eq!(r.code, 2, "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_options_say_could_not_parse_json_data() {
    let s = MockServer::start().await;
    let r = gl(
        &s,
        &[
            "project-feature-flag",
            "create",
            "--project-id",
            "2",
            "--name",
            "f",
            "--strategies",
            "[{\"name\": \"default\"",
        ],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("Could not parse JSON data"), "{r:?}");
    assert!(r.stderr.contains("--strategies"), "{r:?}");
    assert_eq!(requests(&s).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_errors_start_with_python_gitlabs_words() {
    let r = gitlab(&["--config-file", "non-existent", "project", "list"], &[]).await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.starts_with("Cannot read config from file"),
        "{r:?}"
    );
    assert!(r.stderr.contains("non-existent"), "{r:?}");
    let r = gitlab(
        &["project", "list"],
        &[("PYTHON_GITLAB_CFG", "non-existent")],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .starts_with("Cannot read config from PYTHON_GITLAB_CFG"),
        "{r:?}"
    );
    let dir = temp_dir();
    let cfg = write(
        &dir,
        "invalid_version.cfg",
        "[global]\ndefault = test\n\n[test]\nurl = https://gitlab.example.com\nprivate_token = SECRET-abc123\napi_version = 3\n",
    );
    let cfg = cfg.to_str().unwrap();
    let r = gitlab(
        &["--gitlab", "test", "project", "list"],
        &[("PYTHON_GITLAB_CFG", cfg)],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.starts_with("Unsupported API version:"), "{r:?}");
    assert!(!r.stderr.contains("SECRET-abc123"), "{r:?}");
    let r = gitlab(&["--api-version", "3", "project", "list"], &[]).await;
    assert!(r.stderr.starts_with("Unsupported API version:"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_lists_resources_and_actions_one_a_line() {
    let r = gitlab(&["--help"], &[]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.starts_with("usage:"), "{r:?}");
    // Our catalogue also has `allowlist-group` and `allowlist-project`, which
    // python-gitlab does not offer on its command line, so they come first.
    assert!(
        r.stdout.contains("\nresource:\n  allowlist-group\n"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("\n  application\n  application-appearance\n"),
        "{r:?}"
    );
    // Help is given even when the configuration file named cannot be read.
    let r = gitlab(&["-c", "invalid-file", "--help"], &[]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.starts_with("usage:"), "{r:?}");
    let r = gitlab(&["project", "--help"], &[]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("action:\n  list\n  get"), "{r:?}");
    // What each action requests is still told.
    assert!(r.stdout.contains("GET /projects"), "{r:?}");
    let r = gitlab(&["event", "--help"], &[]).await;
    assert!(r.stdout.contains("action:\n  list\n"), "{r:?}");
}
