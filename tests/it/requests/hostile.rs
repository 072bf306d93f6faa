//! A server that misbehaves: ids that would climb out of their path, listings
//! that loop or lie about their length, bodies past the size limit.

use super::*;
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::Mock;

/// Page `n` of a listing; the first page is also the one asked without `page`.
fn page_is(n: u32) -> impl Fn(&Request) -> bool + Send + Sync {
    move |r: &Request| {
        let page = r
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .map(|(_, v)| v.into_owned());
        match page {
            Some(p) => p == n.to_string(),
            None => n == 1,
        }
    }
}

#[tokio::test]
async fn dot_segments_and_empty_ids_cannot_address_another_resource() {
    let server = server().await;
    let gl = client(&server);
    for dots in ["..", "."] {
        let e = gl
            .projects()
            .get_lazy(1)
            .issues()
            .delete(dots)
            .await
            .expect_err("dots");
        assert!(e.to_string().contains("is a dot segment"), "{e}");
        let e = gl
            .projects()
            .get_lazy(dots)
            .issues()
            .list()
            .page(1)
            .await
            .expect_err("dots");
        assert!(e.to_string().contains("is a dot segment"), "{e}");
    }
    // Dots inside a name are fine: only whole `.`/`..` segments climb.
    assert_eq!(gitlab_client::encode_id(&json!("v1..2")), "v1..2");
    let e = gl.projects().get("").await.expect_err("empty id");
    assert!(e.to_string().contains("is empty"), "{e}");
    let e = gl
        .projects()
        .get_lazy("")
        .issues()
        .list()
        .page(1)
        .await
        .expect_err("empty parent");
    assert!(e.to_string().contains("is empty"), "{e}");
    assert!(lines(&server).await.is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn a_next_page_pointing_back_ends_the_listing_with_an_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/issues"))
        .and(query_param("page", "2"))
        .respond_with(list_page(json!([{"iid": 2}]), Some(1)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/issues"))
        .respond_with(list_page(json!([{"iid": 1}]), Some(2)))
        .mount(&server)
        .await;
    let e = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .list()
        .offset_pagination()
        .all()
        .await
        .expect_err("loop");
    assert!(e.to_string().contains("already served"), "{e}");
    assert!(
        lines(&server).await.len() <= 3,
        "{:?}",
        lines(&server).await
    );
}

#[tokio::test]
async fn a_page_that_repeats_the_previous_one_is_an_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([{"id": 1}]))
                .insert_header(
                    "Link",
                    format!("<{}/elsewhere?cursor=x>; rel=\"next\"", server.uri()).as_str(),
                ),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/elsewhere"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([{"id": 1}]))
                .insert_header(
                    "Link",
                    format!("<{}/elsewhere?cursor=y>; rel=\"next\"", server.uri()).as_str(),
                ),
        )
        .mount(&server)
        .await;
    let e = client(&server)
        .projects()
        .list()
        .all()
        .await
        .expect_err("repeat");
    assert!(e.to_string().contains("repeats the previous one"), "{e}");
}

#[tokio::test]
async fn a_next_link_to_another_host_is_refused_naming_both_hosts() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([{"id": 1}]))
                .insert_header("Link", "<http://other.invalid:9/list?page=2>; rel=\"next\""),
        )
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server)
        .projects()
        .list()
        .all()
        .await
        .expect_err("other host");
    let m = e.to_string();
    assert!(
        m.contains("http://other.invalid:9")
            && m.contains(&server.uri().replace("localhost", "127.0.0.1"))
            || m.contains("instead of"),
        "{m}"
    );
    server.verify().await;
}

#[tokio::test]
async fn concurrent_pages_do_not_trust_a_lying_total() {
    let server = server().await;
    for p in 1..=3u32 {
        Mock::given(method("GET"))
            .and(path("/api/v4/projects/1/issues"))
            .and(page_is(p))
            .respond_with(
                list_page(json!([{"iid": p}]), (p < 3).then_some(p + 1))
                    .insert_header("X-Total-Pages", "4000000000"),
            )
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/issues"))
        .respond_with(list_page(json!([]), None))
        .mount(&server)
        .await;
    let issues = client(&server).projects().get_lazy(1).issues();
    let e = issues
        .list()
        .concurrency(4)
        .all()
        .await
        .expect_err("the total is a lie");
    assert!(
        e.to_string()
            .contains("X-Total-Pages said 4000000000, but page 4 is empty"),
        "{e}"
    );
    assert!(
        lines(&server).await.len() < 20,
        "bounded: {}",
        lines(&server).await.len()
    );
}

#[tokio::test]
async fn concurrent_pages_refuse_a_total_that_is_too_small() {
    let server = server().await;
    for p in 1..=3u32 {
        Mock::given(method("GET"))
            .and(path("/api/v4/projects/1/issues"))
            .and(page_is(p))
            .respond_with(
                list_page(json!([{"iid": p}]), (p < 3).then_some(p + 1))
                    .insert_header("X-Total-Pages", "2"),
            )
            .mount(&server)
            .await;
    }
    let e = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .list()
        .concurrency(4)
        .all()
        .await
        .expect_err("too small");
    assert!(e.to_string().contains("page 2 links to a next page"), "{e}");
}

#[tokio::test]
async fn a_body_past_the_size_limit_is_an_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(vec![b' '; 300_000], "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let gl = gitlab_client::Gitlab::builder(server.uri())
        .private_token(TOKEN)
        .max_response_size(100_000)
        .build()
        .expect("client");
    let e = gl.projects().get(1u64).await.expect_err("too large");
    assert!(matches!(e, Error::TooLarge { limit: 100_000, .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("raise it with GitlabBuilder::max_response_size"),
        "{e}"
    );
    server.verify().await;
}

#[tokio::test]
async fn a_line_break_in_sudo_is_refused_before_sending() {
    let server = server().await;
    let e = client(&server)
        .projects()
        .sudo("bob\r\nX-Evil: 1")
        .get(1u64)
        .await
        .expect_err("crlf");
    assert!(
        e.to_string().contains("cannot be sent in an HTTP header"),
        "{e}"
    );
    assert!(requests(&server).await.is_empty());
}
