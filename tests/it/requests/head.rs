//! `HEAD` actions (`returns: headers`): the arguments go in the query, no
//! body is sent or read, the headers come back as `ResponseHeaders`, and
//! errors keep their status.

use super::*;
use gitlab_client::meta::HttpMethod;
use gitlab_client::{Attrs, Op, RetryPolicy};
use wiremock::matchers::{header, method, path};
use wiremock::Mock;

/// What GitLab sends for a file's metadata (values made up).
fn file_headers(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("X-Gitlab-File-Name", "README.md")
        .insert_header("X-Gitlab-File-Path", "docs/README.md")
        .insert_header("X-Gitlab-Size", "1476")
        .insert_header("X-Gitlab-Encoding", "base64")
        .insert_header(
            "X-Gitlab-Blob-Id",
            "79f7bbd25901e8334750839545a9bd021f0e4c83",
        )
        .insert_header(
            "X-Gitlab-Commit-Id",
            "d5a3ff139356ce33e37e73add446f16869741b50",
        )
        .insert_header(
            "X-Gitlab-Last-Commit-Id",
            "570e7b2abdd848b95f2f578043fc23bd6f6fd24d",
        )
        .insert_header("X-Gitlab-Ref", "main")
        .insert_header("X-Gitlab-Execute-Filemode", "false")
        .insert_header("Set-Cookie", "_gitlab_session=0123456789abcdef; path=/")
        // What a GET would send: a HEAD answer carries its length, not the bytes.
        .set_body_string("x".repeat(4096))
}

#[tokio::test]
async fn metadata_sends_a_head_with_ref_in_the_query_and_reads_the_headers() {
    let server = server().await;
    Mock::given(method("HEAD"))
        .and(path(
            "/api/v4/projects/g%2Fp/repository/files/docs%2FREADME.md",
        ))
        .and(Query("ref=main"))
        .and(EmptyBody)
        .and(NoHeader("content-type"))
        .and(header("private-token", TOKEN))
        .respond_with(file_headers(200))
        .expect(1)
        .mount(&server)
        .await;
    // A limit below the Content-Length: a HEAD answer's length is not a body.
    let gl = Gitlab::builder(server.uri())
        .private_token(TOKEN)
        .max_response_size(100)
        .build()
        .expect("client");
    let h = gl
        .projects()
        .get_lazy("g/p")
        .files()
        .metadata("docs/README.md", "main")
        .await
        .expect("metadata");
    assert_eq!(h.get("x-gitlab-file-name"), Some("README.md"));
    assert_eq!(h.get("X-Gitlab-File-Path"), Some("docs/README.md"));
    assert_eq!(h.parse::<u64>("x-gitlab-size"), Some(1476));
    assert_eq!(h.get("x-gitlab-encoding"), Some("base64"));
    assert_eq!(
        h.get("x-gitlab-blob-id"),
        Some("79f7bbd25901e8334750839545a9bd021f0e4c83")
    );
    assert_eq!(
        h.get("x-gitlab-last-commit-id"),
        Some("570e7b2abdd848b95f2f578043fc23bd6f6fd24d")
    );
    assert_eq!(h.get("x-gitlab-ref"), Some("main"));
    assert_eq!(h.parse::<bool>("x-gitlab-execute-filemode"), Some(false));
    assert_eq!(h.get("content-length"), Some("4096"));
    assert!(!h.contains("set-cookie"), "{h:?}");
    assert!(!format!("{h:?}").contains("_gitlab_session"));
    assert_eq!(
        lines(&server).await,
        ["HEAD /api/v4/projects/g%2Fp/repository/files/docs%2FREADME.md?ref=main"]
    );
    server.verify().await;
}

#[tokio::test]
async fn raw_metadata_takes_ref_as_an_option() {
    let server = server().await;
    Mock::given(method("HEAD"))
        .and(path("/api/v4/projects/7/repository/files/a.txt/raw"))
        .and(EmptyBody)
        .respond_with(file_headers(200))
        .expect(2)
        .mount(&server)
        .await;
    let files = client(&server).projects().get_lazy(7).files();
    let h = files.raw_metadata("a.txt").await.expect("default ref");
    assert_eq!(h.get("x-gitlab-size"), Some("1476"));
    let h = files
        .raw_metadata_with("a.txt", Attrs::new().set("ref", "v1.0"))
        .await
        .expect("at a tag");
    assert_eq!(h.get("x-gitlab-ref"), Some("main"));
    assert_eq!(
        lines(&server).await,
        [
            "HEAD /api/v4/projects/7/repository/files/a.txt/raw",
            "HEAD /api/v4/projects/7/repository/files/a.txt/raw?ref=v1.0"
        ]
    );
    server.verify().await;
}

#[tokio::test]
async fn a_missing_file_is_an_api_error_with_its_status() {
    let server = server().await;
    Mock::given(method("HEAD"))
        .and(path("/api/v4/projects/7/repository/files/nope.txt"))
        .respond_with(
            ResponseTemplate::new(404).set_body_string(r#"{"message":"404 File Not Found"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server)
        .projects()
        .get_lazy(7)
        .files()
        .metadata("nope.txt", "main")
        .await
        .expect_err("404");
    assert!(
        matches!(
            &e,
            Error::Api { op: Op::Action("metadata"), method: HttpMethod::Head, status: 404, path, .. }
                if path == "/projects/7/repository/files/nope.txt"
        ),
        "{e:?}"
    );
    assert!(e.is_not_found());
    // No body reached the client, so there is no server message to show.
    assert_eq!(e.message(), Some(""));
    assert!(!e.to_string().contains(TOKEN));
    server.verify().await;
}

#[tokio::test]
async fn a_head_is_retried_like_a_get() {
    let server = server().await;
    Mock::given(method("HEAD"))
        .and(path("/api/v4/projects/7/repository/files/a.txt"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path("/api/v4/projects/7/repository/files/a.txt"))
        .respond_with(file_headers(200))
        .expect(1)
        .mount(&server)
        .await;
    let gl = Gitlab::builder(server.uri())
        .private_token(TOKEN)
        .retry_policy(RetryPolicy {
            retry_transient_errors: true,
            base_backoff: std::time::Duration::from_millis(1),
            ..Default::default()
        })
        .build()
        .expect("client");
    let h = gl
        .projects()
        .get_lazy(7)
        .files()
        .metadata("a.txt", "main")
        .await
        .expect("after one retry");
    assert_eq!(h.get("x-gitlab-file-name"), Some("README.md"));
    assert_eq!(lines(&server).await.len(), 2);
    server.verify().await;
}

#[tokio::test]
async fn a_redirected_head_is_followed() {
    let server = server().await;
    Mock::given(method("HEAD"))
        .and(path("/api/v4/projects/7/repository/files/a.txt"))
        .respond_with(ResponseTemplate::new(301).insert_header(
            "location",
            "/api/v4/projects/8/repository/files/a.txt?ref=main",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path("/api/v4/projects/8/repository/files/a.txt"))
        .and(Query("ref=main"))
        .respond_with(file_headers(200))
        .expect(1)
        .mount(&server)
        .await;
    let h = client(&server)
        .projects()
        .get_lazy(7)
        .files()
        .metadata("a.txt", "main")
        .await
        .expect("followed");
    assert_eq!(h.get("x-gitlab-ref"), Some("main"));
    server.verify().await;
}
