//! Error decoding: GitLab's message shapes, non-JSON bodies, 2xx bodies of the
//! wrong shape, transport failures; the token never appears in any of them.

use super::*;
use gitlab_client::meta::HttpMethod;
use gitlab_client::{Attrs, Op};
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::Mock;

async fn mount(server: &MockServer, verb: &str, p: &str, resp: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(p))
        .respond_with(resp)
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn not_found_uses_gitlabs_message_once() {
    let server = server().await;
    mount(
        &server,
        "GET",
        "/api/v4/projects/99",
        ResponseTemplate::new(404).set_body_json(json!({"message": "404 Project Not Found"})),
    )
    .await;
    let e = client(&server).projects().get(99).await.expect_err("404");
    assert_eq!(e.to_string(), "404 Project Not Found (GET /projects/99)");
    assert!(e.is_not_found());
    assert!(!e.is_retryable());
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.message(), Some("404 Project Not Found"));
    assert!(
        matches!(&e, Error::Api { op: Op::Resource(gitlab_client::meta::Operation::Get), method: HttpMethod::Get, path, .. } if path == "/projects/99"),
        "{e:?}"
    );
    assert_no_token(&e);
    server.verify().await;
}

#[tokio::test]
async fn validation_errors_are_flattened() {
    let server = server().await;
    mount(
        &server,
        "POST",
        "/api/v4/projects/1/issues",
        ResponseTemplate::new(400).set_body_json(json!({"message": {"title": ["can't be blank"]}})),
    )
    .await;
    let e = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .create(Attrs::new().set("title", ""))
        .await
        .expect_err("400");
    assert!(e.to_string().contains("title can't be blank"), "{e}");
    assert_eq!(
        e.to_string(),
        "400 title can't be blank (POST /projects/1/issues)"
    );
    assert_eq!(e.status(), Some(400));
    assert!(
        matches!(
            e,
            Error::Api {
                op: Op::Resource(gitlab_client::meta::Operation::Create),
                ..
            }
        ),
        "{e:?}"
    );
    assert_no_token(&e);
    server.verify().await;
}

#[tokio::test]
async fn several_validation_messages_are_all_kept() {
    let server = server().await;
    mount(
        &server,
        "PUT",
        "/api/v4/projects/1",
        ResponseTemplate::new(400).set_body_json(
            json!({"message": {"name": ["is too long", "has invalid chars"], "path": ["is taken"]}}),
        ),
    )
    .await;
    let e = client(&server)
        .projects()
        .update(1, Attrs::new().set("name", "x"))
        .await
        .expect_err("400");
    assert_eq!(
        e.message(),
        Some("name is too long; name has invalid chars; path is taken")
    );
    server.verify().await;
}

#[tokio::test]
async fn oauth_style_errors_show_error_and_description_but_never_the_token() {
    let server = server().await;
    mount(
        &server,
        "GET",
        "/api/v4/user",
        ResponseTemplate::new(401).set_body_json(
            json!({"error": "invalid_token", "error_description": "Token was revoked"}),
        ),
    )
    .await;
    let gl = Gitlab::builder(server.uri())
        .oauth_token(TOKEN)
        .build()
        .expect("client");
    let e = gl.user().fetch().await.expect_err("401");
    assert_eq!(e.status(), Some(401));
    assert_eq!(
        e.to_string(),
        "401 invalid_token; Token was revoked (GET /user)"
    );
    assert_no_token(&e);
    server.verify().await;
}

#[tokio::test]
async fn html_error_pages_give_the_status_without_the_page() {
    let server = server().await;
    let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
    mount(
        &server,
        "GET",
        "/api/v4/projects/1",
        ResponseTemplate::new(502).set_body_raw(html, "text/html"),
    )
    .await;
    let e = client(&server).projects().get(1).await.expect_err("502");
    assert_eq!(e.status(), Some(502));
    assert_eq!(e.to_string(), "502 Bad Gateway (GET /projects/1)");
    assert_eq!(e.message(), Some(""));
    assert!(e.is_retryable());
    match &e {
        Error::Api { body, .. } => assert_eq!(body, html, "the raw body is kept for programs"),
        other => panic!("expected Api, got {other:?}"),
    }
    assert_no_token(&e);
    server.verify().await;
}

#[tokio::test]
async fn plain_text_and_empty_error_bodies() {
    let server = server().await;
    mount(
        &server,
        "GET",
        "/api/v4/projects/1",
        ResponseTemplate::new(503).set_body_string("Service temporarily down\nretry later"),
    )
    .await;
    mount(
        &server,
        "DELETE",
        "/api/v4/projects/2",
        ResponseTemplate::new(403),
    )
    .await;
    mount(
        &server,
        "GET",
        "/api/v4/projects/3",
        ResponseTemplate::new(429).set_body_json(json!({"message": "Retry later"})),
    )
    .await;
    let gl = client(&server);
    let e = gl.projects().get(1).await.expect_err("503");
    assert_eq!(
        e.to_string(),
        "503 Service temporarily down (GET /projects/1)"
    );
    let e = gl.projects().delete(2).await.expect_err("403");
    assert_eq!(e.to_string(), "403 Forbidden (DELETE /projects/2)");
    assert!(
        matches!(
            e,
            Error::Api {
                op: Op::Resource(gitlab_client::meta::Operation::Delete),
                ..
            }
        ),
        "{e:?}"
    );
    // With rate-limit handling off, a 429 is reported at once (retries are tested in `faults`).
    let no_wait = gitlab_client::Gitlab::builder(server.uri())
        .private_token(TOKEN)
        .obey_rate_limit(false)
        .build()
        .expect("client");
    let e = no_wait.projects().get(3).await.expect_err("429");
    assert_eq!(e.to_string(), "429 Retry later (GET /projects/3)");
    assert!(e.is_retryable());
    server.verify().await;
}

#[tokio::test]
async fn a_list_item_nested_too_deep_is_an_error_not_an_empty_object() {
    let server = server().await;
    let deep = format!(
        r#"[{{"id": 1}}, {{"id": 2, "x": {}1{}}}]"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(deep, "application/json"))
        .mount(&server)
        .await;
    let e = client(&server)
        .projects()
        .list()
        .all()
        .await
        .expect_err("too deep");
    assert!(
        e.to_string()
            .contains("list item 1 is nested 201 levels deep"),
        "{e}"
    );
    let page = client(&server).projects().list().page(1).await;
    assert!(page.is_err(), "page(1) must not hand out an empty object");
    let raw = client(&server)
        .http_list("/projects", &gitlab_client::Attrs::new())
        .await
        .expect_err("raw list too");
    assert!(
        raw.to_string()
            .contains("item 1 of the page cannot be decoded"),
        "{raw}"
    );
}

/// Asserts a `Decode` error naming status, method and path, whose detail contains `detail`.
fn assert_decode(e: &Error, op: Op, verb: HttpMethod, p: &str, detail: &str) {
    match e {
        Error::Decode {
            op: o,
            method: m,
            path: got,
            status,
            detail: d,
            ..
        } => {
            assert_eq!((*o, *m, got.as_str(), *status), (op, verb, p, 200), "{e:?}");
            assert!(d.contains(detail), "detail {d:?} lacks {detail:?}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    let shown = e.to_string();
    assert!(
        shown.starts_with(&format!(
            "{op}: unexpected response to {verb} {p} (status 200): "
        )),
        "{shown}"
    );
    assert_eq!(e.status(), Some(200));
    assert_no_token(e);
}

#[tokio::test]
async fn a_200_with_a_body_that_is_not_json_is_a_decode_error() {
    let server = server().await;
    mount(
        &server,
        "GET",
        "/api/v4/projects/1",
        ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html"),
    )
    .await;
    mount(
        &server,
        "GET",
        "/api/v4/projects/2",
        ResponseTemplate::new(200).set_body_raw(r#"{"id": 2, "name": "pro"#, "application/json"),
    )
    .await;
    mount(
        &server,
        "GET",
        "/api/v4/projects/3",
        ok_json(json!([{"id": 3}])),
    )
    .await;
    mount(
        &server,
        "GET",
        "/api/v4/projects/4",
        ResponseTemplate::new(204),
    )
    .await;
    let gl = client(&server);
    let e = gl.projects().get(1).await.expect_err("html");
    assert_decode(
        &e,
        Op::Resource(gitlab_client::meta::Operation::Get),
        HttpMethod::Get,
        "/projects/1",
        "the body is not valid JSON",
    );
    match &e {
        Error::Decode { body, .. } => assert_eq!(body, "<html>login</html>"),
        other => panic!("{other:?}"),
    }
    let e = gl.projects().get(2).await.expect_err("truncated");
    assert_decode(
        &e,
        Op::Resource(gitlab_client::meta::Operation::Get),
        HttpMethod::Get,
        "/projects/2",
        "cut short",
    );
    let e = gl.projects().get(3).await.expect_err("array");
    assert_decode(
        &e,
        Op::Resource(gitlab_client::meta::Operation::Get),
        HttpMethod::Get,
        "/projects/3",
        "expected a JSON object, got an array",
    );
    let e = gl.projects().get(4).await.expect_err("empty");
    assert_eq!(e.status(), Some(204));
    assert!(
        e.to_string().contains("expected a JSON object, got null"),
        "{e}"
    );
    server.verify().await;
}

#[tokio::test]
async fn a_list_answered_with_an_object_is_a_decode_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .respond_with(ok_json(json!({"message": "not a list"})))
        .expect(2)
        .mount(&server)
        .await;
    let gl = client(&server);
    let e = gl.projects().list().page(1).await.expect_err("page");
    assert_decode(
        &e,
        Op::Resource(gitlab_client::meta::Operation::List),
        HttpMethod::Get,
        "/projects",
        "expected a JSON array, got an object",
    );
    let e = gl.projects().list().all().await.expect_err("all");
    assert_decode(
        &e,
        Op::Resource(gitlab_client::meta::Operation::List),
        HttpMethod::Get,
        "/projects",
        "expected a JSON array",
    );
    server.verify().await;
}

#[tokio::test]
async fn a_list_item_that_is_not_an_object_is_a_decode_error() {
    let server = server().await;
    mount(
        &server,
        "GET",
        "/api/v4/projects",
        ok_json(json!([{"id": 1}, 2])),
    )
    .await;
    let e = client(&server)
        .projects()
        .list()
        .all()
        .await
        .expect_err("number in list");
    assert_decode(
        &e,
        Op::Resource(gitlab_client::meta::Operation::List),
        HttpMethod::Get,
        "/projects",
        "expected a JSON object as list item 1, got a number",
    );
    server.verify().await;
}

#[tokio::test]
async fn a_bad_page_reached_by_a_link_names_the_api_path() {
    let server = server().await;
    let uri = server.uri();
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(Query("pagination=keyset"))
        .respond_with(ok_json(json!([{"id": 1}])).insert_header(
            "link",
            format!(r#"<{uri}/api/v4/projects?id_after=1&pagination=keyset>; rel="next""#).as_str(),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(Query("id_after=1&pagination=keyset"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("[{\"id\":", "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server)
        .projects()
        .list()
        .keyset()
        .all()
        .await
        .expect_err("truncated second page");
    assert_decode(
        &e,
        Op::Resource(gitlab_client::meta::Operation::List),
        HttpMethod::Get,
        "/projects",
        "cut short",
    );
    server.verify().await;
}

#[tokio::test]
async fn version_without_a_version_field_is_a_decode_error() {
    let server = server().await;
    mount(
        &server,
        "GET",
        "/api/v4/version",
        ok_json(json!({"revision": "abc"})),
    )
    .await;
    let e = client(&server).version().await.expect_err("no version");
    assert_decode(
        &e,
        Op::Version,
        HttpMethod::Get,
        "/version",
        "no 'version' string",
    );
    server.verify().await;
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_not_sent() {
    // A port that was free a moment ago: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let gl = Gitlab::new(format!("http://127.0.0.1:{port}"), TOKEN).expect("client");
    let e = gl.projects().get(1).await.expect_err("refused");
    assert!(
        matches!(&e, Error::Transport { op: Op::Resource(gitlab_client::meta::Operation::Get), method: HttpMethod::Get, maybe_sent: false, path, .. } if path == "/projects/1"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "get: GET /projects/1 failed: could not connect"
    );
    assert_eq!(e.status(), None);
    assert!(e.is_retryable());
    assert_no_token(&e);
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .respond_with(ok_json(json!({"id": 1})).set_delay(Duration::from_millis(100)))
        .expect(1)
        .mount(&server)
        .await;
    let gl = Gitlab::builder(server.uri())
        .private_token(TOKEN)
        .timeout(Duration::from_millis(20))
        .build()
        .expect("client");
    let e = gl.projects().get(1).await.expect_err("timeout");
    assert_eq!(e.to_string(), "get: GET /projects/1 failed: timed out");
    assert!(
        matches!(
            e,
            Error::Transport {
                maybe_sent: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_retryable());
    assert_no_token(&e);
    server.verify().await;
}

#[tokio::test]
async fn a_manager_timeout_overrides_the_client_timeout() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .respond_with(ok_json(json!({"id": 1})).set_delay(Duration::from_millis(100)))
        .expect(1)
        .mount(&server)
        .await;
    // The client would wait 60 s; the manager gives up after 20 ms.
    let e = client(&server)
        .projects()
        .timeout(Duration::from_millis(20))
        .get(1)
        .await
        .expect_err("timeout");
    assert!(e.to_string().ends_with("failed: timed out"), "{e}");
    server.verify().await;
}

#[tokio::test]
async fn raw_requests_decode_errors_too() {
    let server = server().await;
    mount(
        &server,
        "GET",
        "/api/v4/projects/1/custom",
        ResponseTemplate::new(404).set_body_json(json!({"message": "404 Not found"})),
    )
    .await;
    let e = client(&server)
        .http_get("/projects/1/custom", &Attrs::new())
        .await
        .expect_err("404");
    assert_eq!(e.to_string(), "404 Not found (GET /projects/1/custom)");
    assert!(matches!(e, Error::Api { op: Op::Raw, .. }), "{e:?}");
    server.verify().await;
}

#[tokio::test]
async fn a_list_action_answered_with_an_object_is_a_decode_error() {
    let server = server().await;
    mount(
        &server,
        "GET",
        "/api/v4/projects/1/issues/3/participants",
        ok_json(json!({"id": 1})),
    )
    .await;
    let e = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .get_lazy(3)
        .participants()
        .await
        .expect_err("object instead of list");
    assert_decode(
        &e,
        Op::Action("participants"),
        HttpMethod::Get,
        "/projects/1/issues/3/participants",
        "expected a JSON array, got an object",
    );
    server.verify().await;
}

#[tokio::test]
async fn debug_output_of_clients_and_builders_hides_every_kind_of_token() {
    let b = || Gitlab::builder("http://127.0.0.1:9");
    for builder in [
        b().private_token(TOKEN),
        b().oauth_token(TOKEN),
        b().job_token(TOKEN),
    ] {
        let dbg = format!("{builder:?}");
        assert!(!dbg.contains("SeCrEt"), "{dbg}");
        let gl = builder.build().expect("client");
        let dbg = format!("{gl:?}");
        assert!(!dbg.contains("SeCrEt"), "{dbg}");
        assert!(dbg.contains("Secret(***)"), "{dbg}");
    }
}
