//! Authentication headers, User-Agent, base URL forms, and building without requests.

use super::*;
use gitlab_client::{Auth, Secret, ServerVersion, DEFAULT_USER_AGENT};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::Mock;

fn version_body() -> Value {
    json!({"version": "17.0.1-ee", "revision": "2a0e6e5a", "kas": {"enabled": true}})
}

/// Mounts `GET /api/v4/version`, expected `n` times.
async fn mount_version(server: &MockServer, n: u64) {
    Mock::given(method("GET"))
        .and(path("/api/v4/version"))
        .and(Query(""))
        .and(header("user-agent", DEFAULT_USER_AGENT))
        .respond_with(ok_json(version_body()))
        .expect(n)
        .mount(server)
        .await;
}

/// Builds nothing on the network, calls `gl.version()`, returns the one request's credentials.
async fn credentials_sent_by(server: &MockServer, gl: Gitlab) -> Vec<(String, String)> {
    assert!(
        requests(server).await.is_empty(),
        "building the client sent a request"
    );
    let v = gl.version().await.expect("GET /version succeeds");
    assert_eq!(
        v,
        ServerVersion {
            version: "17.0.1-ee".into(),
            revision: "2a0e6e5a".into()
        }
    );
    let reqs = requests(server).await;
    assert_eq!(
        reqs.iter().map(line).collect::<Vec<_>>(),
        ["GET /api/v4/version"]
    );
    credentials(&reqs[0])
}

fn pair(k: &str, v: &str) -> Vec<(String, String)> {
    vec![(k.to_string(), v.to_string())]
}

#[tokio::test]
async fn new_sends_the_private_token_header() {
    let server = server().await;
    mount_version(&server, 1).await;
    let gl = Gitlab::new(server.uri(), TOKEN).expect("client");
    assert_eq!(
        credentials_sent_by(&server, gl).await,
        pair("private-token", TOKEN)
    );
    server.verify().await;
}

#[tokio::test]
async fn builder_private_token_and_auth_enum_send_the_private_token_header() {
    let server = server().await;
    mount_version(&server, 1).await;
    let gl = Gitlab::builder(server.uri())
        .private_token("glpat-builder")
        .build()
        .expect("client");
    assert_eq!(
        credentials_sent_by(&server, gl).await,
        pair("private-token", "glpat-builder")
    );
    server.verify().await;

    let server = super::server().await;
    mount_version(&server, 1).await;
    let gl = Gitlab::builder(server.uri())
        .auth(Auth::PrivateToken(Secret::new("glpat-enum")))
        .build()
        .expect("client");
    assert_eq!(
        credentials_sent_by(&server, gl).await,
        pair("private-token", "glpat-enum")
    );
    server.verify().await;
}

#[tokio::test]
async fn oauth_token_is_sent_as_bearer_authorization() {
    let server = server().await;
    mount_version(&server, 1).await;
    let gl = Gitlab::builder(server.uri())
        .oauth_token("oauth-abc")
        .build()
        .expect("client");
    assert_eq!(
        credentials_sent_by(&server, gl).await,
        pair("authorization", "Bearer oauth-abc")
    );
    server.verify().await;
}

#[tokio::test]
async fn job_token_is_sent_as_job_token_header() {
    let server = server().await;
    mount_version(&server, 1).await;
    let gl = Gitlab::builder(server.uri())
        .job_token("ci-job-xyz")
        .build()
        .expect("client");
    assert_eq!(
        credentials_sent_by(&server, gl).await,
        pair("job-token", "ci-job-xyz")
    );
    server.verify().await;
}

#[tokio::test]
async fn the_last_auth_setting_of_the_builder_wins() {
    let server = server().await;
    mount_version(&server, 1).await;
    let gl = Gitlab::builder(server.uri())
        .private_token("first")
        .job_token("second")
        .build()
        .expect("client");
    assert_eq!(
        credentials_sent_by(&server, gl).await,
        pair("job-token", "second")
    );
    server.verify().await;
}

#[tokio::test]
async fn anonymous_clients_send_no_credentials() {
    let server = server().await;
    mount_version(&server, 2).await;
    let gl = Gitlab::anonymous(server.uri()).expect("client");
    assert_eq!(credentials_sent_by(&server, gl).await, vec![]);

    // The builder's default is anonymous too.
    let gl = Gitlab::builder(server.uri()).build().expect("client");
    gl.version().await.expect("version");
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 2);
    assert_eq!(credentials(&reqs[1]), vec![]);
    server.verify().await;
}

#[tokio::test]
async fn default_user_agent_is_crate_name_and_version() {
    assert_eq!(
        DEFAULT_USER_AGENT,
        format!("gitlab-client/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(DEFAULT_USER_AGENT, "gitlab-client/0.1.0");
    let server = server().await;
    // mount_version matches on the default User-Agent.
    mount_version(&server, 1).await;
    client(&server).version().await.expect("version");
    let reqs = requests(&server).await;
    let ua: Vec<_> = reqs[0].headers.get_all("user-agent").iter().collect();
    assert_eq!(ua, [DEFAULT_USER_AGENT], "exactly one User-Agent header");
    server.verify().await;
}

#[tokio::test]
async fn custom_user_agent_replaces_the_default() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/version"))
        .and(header("user-agent", "release-bot/2.1"))
        .respond_with(ok_json(version_body()))
        .expect(1)
        .mount(&server)
        .await;
    let gl = Gitlab::builder(server.uri())
        .private_token(TOKEN)
        .user_agent("release-bot/2.1")
        .build()
        .expect("client");
    gl.version().await.expect("version");
    server.verify().await;
}

#[tokio::test]
async fn url_with_or_without_api_v4_hits_the_same_paths() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .and(Query(""))
        .and(header("private-token", TOKEN))
        .respond_with(ok_json(json!({"id": 1})))
        .expect(5)
        .mount(&server)
        .await;
    let uri = server.uri();
    let forms = [
        uri.clone(),
        format!("{uri}/"),
        format!("{uri}/api/v4"),
        format!("{uri}/api/v4/"),
        format!("  {uri}/api/v4  "),
    ];
    for base in &forms {
        let gl = Gitlab::new(base.as_str(), TOKEN).expect("client");
        assert_eq!(gl.url(), format!("{uri}/api/v4"), "base {base:?}");
        let p = gl.projects().get(1).await.expect("get project 1");
        assert_eq!(p.id(), Some(gitlab_client::Id::Num(1)), "base {base:?}");
    }
    assert_eq!(lines(&server).await, vec!["GET /api/v4/projects/1"; 5]);
    server.verify().await;
}

#[tokio::test]
async fn url_with_a_path_prefix_keeps_it() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/gitlab/api/v4/projects/1"))
        .respond_with(ok_json(json!({"id": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let gl = Gitlab::new(format!("{}/gitlab", server.uri()), TOKEN).expect("client");
    gl.projects().get(1).await.expect("get");
    assert_eq!(lines(&server).await, ["GET /gitlab/api/v4/projects/1"]);
    server.verify().await;
}

#[tokio::test]
async fn building_clients_managers_and_lazy_objects_sends_nothing() {
    let server = server().await;
    let uri = server.uri();
    let gl = Gitlab::new(&uri, TOKEN).expect("new");
    let _ = Gitlab::anonymous(&uri).expect("anonymous");
    let _ = Gitlab::builder(&uri)
        .oauth_token("o")
        .per_page(10)
        .timeout(std::time::Duration::from_secs(1))
        .build()
        .expect("builder");
    let projects = gl.projects().sudo("alice");
    let project = projects.get_lazy("group/project");
    let issues = project.issues();
    assert_eq!(
        issues.path().expect("path"),
        "/projects/group%2Fproject/issues"
    );
    let _list = issues.list().filter("state", "opened").per_page(5);
    let _stream = gl.projects().list().stream();
    let _ = gl.clone();
    assert_eq!(lines(&server).await, Vec::<String>::new());
}

#[tokio::test]
async fn invalid_urls_and_tokens_fail_at_build_time_without_leaking() {
    for bad in ["gitlab.example.com", "ftp://h", "http://h/?x=1"] {
        let e = Gitlab::new(bad, TOKEN).expect_err(bad);
        assert!(matches!(e, Error::Config(_)), "{bad}: {e:?}");
        assert_no_token(&e);
    }
    let e = Gitlab::new("http://127.0.0.1:9", "glpat-SeCrEt\nwith-newline").expect_err("bad token");
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    assert_no_token(&e);
    assert!(
        e.to_string().contains("cannot be sent in an HTTP header"),
        "{e}"
    );
}
