//! Redirects: writes are never followed; GETs are, without credentials when the
//! target is another host.

use super::*;
use gitlab_client::Attrs;
use serde_json::json;
use wiremock::matchers::{any, header, method, path};
use wiremock::Mock;

/// Mounts a catch-all on `server` that must never be hit.
async fn must_not_be_called(server: &MockServer) {
    Mock::given(any())
        .respond_with(ok_json(json!({"followed": true})))
        .expect(0)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_redirected_post_is_an_error_that_explains_itself() {
    let server = server().await;
    let other = super::server().await;
    must_not_be_called(&other).await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/issues"))
        .respond_with(ResponseTemplate::new(301).insert_header(
            "location",
            format!("{}/api/v4/projects/1/issues?secret=1", other.uri()).as_str(),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .create(Attrs::new().set("title", "t"))
        .await
        .expect_err("301 on POST");
    assert_eq!(e.status(), Some(301));
    let msg = e.to_string();
    assert!(
        msg.starts_with("301 the server redirected a POST to "),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("{}/api/v4/projects/1/issues;", other.uri())),
        "{msg}"
    );
    assert!(msg.contains("not followed"), "{msg}");
    assert!(!msg.contains("secret=1"), "the query is left out: {msg}");
    assert!(msg.ends_with("(POST /projects/1/issues)"), "{msg}");
    assert_no_token(&e);
    assert_eq!(lines(&server).await, ["POST /api/v4/projects/1/issues"]);
    assert!(requests(&other).await.is_empty());
    server.verify().await;
    other.verify().await;
}

#[tokio::test]
async fn redirected_put_and_delete_are_not_followed_either() {
    let server = server().await;
    for (verb, status) in [("PUT", 308), ("DELETE", 307)] {
        Mock::given(method(verb))
            .and(path("/api/v4/projects/1"))
            .respond_with(
                ResponseTemplate::new(status).insert_header("location", "/api/v4/projects/2"),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    let gl = client(&server);
    let e = gl
        .projects()
        .update(1, Attrs::new().set("name", "n"))
        .await
        .expect_err("308 on PUT");
    assert_eq!(e.status(), Some(308));
    assert!(e.to_string().contains("redirected a PUT"), "{e}");
    let e = gl.projects().delete(1).await.expect_err("307 on DELETE");
    assert_eq!(e.status(), Some(307));
    assert!(e.to_string().contains("redirected a DELETE"), "{e}");
    assert_eq!(
        lines(&server).await,
        ["PUT /api/v4/projects/1", "DELETE /api/v4/projects/1"]
    );
    server.verify().await;
}

#[tokio::test]
async fn a_get_redirected_to_another_host_is_followed_without_credentials() {
    let server = server().await;
    let other = super::server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .and(Query(""))
        .and(header("private-token", TOKEN))
        .and(header("sudo", "alice"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!("{}/mirror/projects/1?X-Amz-Signature=abc", other.uri()).as_str(),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/mirror/projects/1"))
        .and(Query("X-Amz-Signature=abc"))
        .and(NoHeader("private-token"))
        .and(NoHeader("authorization"))
        .and(NoHeader("job-token"))
        .and(NoHeader("sudo"))
        .respond_with(ok_json(json!({"id": 1, "from": "mirror"})))
        .expect(1)
        .mount(&other)
        .await;
    let p = client(&server)
        .projects()
        .sudo("alice")
        .get(1)
        .await
        .expect("followed redirect");
    assert_eq!(p.attr("from"), Some(&json!("mirror")));
    let seen = requests(&other).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(
        credentials(&seen[0]),
        vec![],
        "credentials leaked to another host"
    );
    assert_eq!(
        seen[0].headers.get("user-agent").map(|v| v.as_bytes()),
        Some(gitlab_client::DEFAULT_USER_AGENT.as_bytes())
    );
    assert_eq!(lines(&server).await, ["GET /api/v4/projects/1"]);
    server.verify().await;
    other.verify().await;
}

#[tokio::test]
async fn a_raw_download_redirected_to_object_storage_gets_no_token() {
    for auth in ["private", "oauth", "job"] {
        let server = server().await;
        let other = super::server().await;
        Mock::given(method("GET"))
            .and(path("/api/v4/projects/1/repository/archive"))
            .respond_with(ResponseTemplate::new(307).insert_header(
                "location",
                format!("{}/store/archive.tar.gz", other.uri()).as_str(),
            ))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/store/archive.tar.gz"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(&b"tarball"[..], "application/gzip"),
            )
            .expect(1)
            .mount(&other)
            .await;
        let b = Gitlab::builder(server.uri());
        let gl = match auth {
            "private" => b.private_token(TOKEN),
            "oauth" => b.oauth_token(TOKEN),
            _ => b.job_token(TOKEN),
        }
        .build()
        .expect("client");
        let bytes = gl
            .projects()
            .get_lazy(1)
            .repository_archive()
            .await
            .expect("archive");
        assert_eq!(&bytes[..], b"tarball");
        let first = requests(&server).await;
        assert_eq!(
            credentials(&first[0]).len(),
            1,
            "{auth}: token sent to GitLab"
        );
        let seen = requests(&other).await;
        assert_eq!(
            credentials(&seen[0]),
            vec![],
            "{auth}: token sent to another host"
        );
        server.verify().await;
        other.verify().await;
    }
}

#[tokio::test]
async fn a_same_host_redirect_keeps_the_token_and_takes_the_locations_query() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(Query("search=x&page=1"))
        .respond_with(
            ResponseTemplate::new(301)
                .insert_header("location", "/api/v4/projects?search=y&page=1"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(Query("search=y&page=1"))
        .and(header("private-token", TOKEN))
        .respond_with(list_page(json!([{"id": 5}]), None))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .projects()
        .list()
        .filter("search", "x")
        .page(1)
        .await
        .expect("followed");
    assert_eq!(ids(&page.items), [json!(5)]);
    assert_eq!(
        lines(&server).await,
        [
            "GET /api/v4/projects?search=x&page=1",
            "GET /api/v4/projects?search=y&page=1"
        ]
    );
    server.verify().await;
}

#[tokio::test]
async fn a_redirect_loop_stops_after_five_follows() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/api/v4/projects/1"))
        .expect(6)
        .mount(&server)
        .await;
    let e = client(&server).projects().get(1).await.expect_err("loop");
    assert_eq!(e.status(), Some(302));
    assert_eq!(e.to_string(), "302 more than 5 redirects (GET /projects/1)");
    server.verify().await;
}

#[tokio::test]
async fn a_redirect_without_location_is_an_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .respond_with(ResponseTemplate::new(302))
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server)
        .projects()
        .get(1)
        .await
        .expect_err("no location");
    assert_eq!(
        e.to_string(),
        "302 the redirect has no usable Location header (GET /projects/1)"
    );
    server.verify().await;
}

#[tokio::test]
async fn not_modified_is_reported_not_followed() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/star"))
        .respond_with(ResponseTemplate::new(304))
        .expect(1)
        .mount(&server)
        .await;
    let mut project = client(&server).projects().get_lazy(1);
    let e = project.star().await.expect_err("304: already starred");
    assert_eq!(e.to_string(), "304 Not Modified (POST /projects/1/star)");
    assert!(project.is_lazy(), "the object is unchanged");
    server.verify().await;
}
