//! Listings: one page, every page by `X-Next-Page`, keyset `Link` URLs, streams.

use super::*;
use futures_util::StreamExt;
use gitlab_client::resources::kind;
use gitlab_client::{Attrs, Manager, PageInfo};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::Mock;

#[tokio::test]
async fn one_page_sends_per_page_and_page_and_parses_pagination_headers() {
    let server = server().await;
    let uri = server.uri();
    let next = format!("{uri}/api/v4/projects?page=4&per_page=2");
    let link = format!(
        r#"<{uri}/api/v4/projects?page=2&per_page=2>; rel="prev", <{next}>; rel="next", <{uri}/api/v4/projects?page=1&per_page=2>; rel="first", <{uri}/api/v4/projects?page=4&per_page=2>; rel="last""#
    );
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(Query("per_page=2&page=3"))
        .and(header("private-token", TOKEN))
        .respond_with(
            ok_json(json!([{"id": 5, "name": "e"}, {"id": 6, "name": "f"}]))
                .insert_header("x-page", "3")
                .insert_header("x-per-page", "2")
                .insert_header("x-total", "7")
                .insert_header("x-total-pages", "4")
                .insert_header("x-next-page", "4")
                .insert_header("x-prev-page", "2")
                .insert_header("link", link.as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .projects()
        .list()
        .per_page(2)
        .page(3)
        .await
        .expect("page 3");
    assert_eq!(ids(&page.items), [json!(5), json!(6)]);
    assert_eq!(page.items[1].attr("name"), Some(&json!("f")));
    assert_eq!(
        page.info,
        PageInfo {
            page: Some(3),
            per_page: Some(2),
            total: Some(7),
            total_pages: Some(4),
            next_page: Some(4),
            prev_page: Some(2),
            next_url: Some(next),
        }
    );
    // One page means one request, even though the server announces more.
    assert_eq!(
        lines(&server).await,
        ["GET /api/v4/projects?per_page=2&page=3"]
    );
    server.verify().await;
}

#[tokio::test]
async fn last_page_has_no_next_and_missing_headers_read_as_none() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/groups"))
        .and(Query("page=2"))
        .respond_with(
            ok_json(json!([{"id": 1}]))
                .insert_header("x-page", "2")
                .insert_header("x-next-page", "")
                .insert_header("x-prev-page", "1"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .groups()
        .list()
        .page(2)
        .await
        .expect("page 2");
    assert_eq!(ids(&page.items), [json!(1)]);
    assert_eq!(
        page.info,
        PageInfo {
            page: Some(2),
            prev_page: Some(1),
            ..PageInfo::default()
        }
    );
    server.verify().await;
}

#[tokio::test]
async fn page_zero_is_page_one_and_empty_pages_are_fine() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/users"))
        .and(Query("page=1"))
        .respond_with(list_page(json!([]), None))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server).users().list().page(0).await.expect("page");
    assert!(page.items.is_empty());
    server.verify().await;
}

#[tokio::test]
async fn builder_per_page_is_the_default_and_list_per_page_overrides_it() {
    let server = server().await;
    for q in [
        "per_page=50&page=1",
        "per_page=5&page=1",
        "per_page=100&page=1",
    ] {
        Mock::given(method("GET"))
            .and(path("/api/v4/projects"))
            .and(Query(q))
            .respond_with(list_page(json!([]), None))
            .expect(1)
            .mount(&server)
            .await;
    }
    let gl = Gitlab::builder(server.uri())
        .private_token(TOKEN)
        .per_page(50)
        .build()
        .expect("client");
    gl.projects()
        .list()
        .page(1)
        .await
        .expect("default per_page");
    gl.projects()
        .list()
        .per_page(5)
        .page(1)
        .await
        .expect("per_page 5");
    // Above GitLab's maximum: clamped to 100.
    gl.projects()
        .list()
        .per_page(1000)
        .page(1)
        .await
        .expect("per_page 1000");
    assert_eq!(
        lines(&server).await,
        [
            "GET /api/v4/projects?per_page=50&page=1",
            "GET /api/v4/projects?per_page=5&page=1",
            "GET /api/v4/projects?per_page=100&page=1",
        ]
    );
    server.verify().await;
}

#[tokio::test]
async fn filters_are_encoded_per_wire_type_in_the_query() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/issues"))
        .and(Query(
            "labels=bug%2Cui&iids%5B%5D=1&iids%5B%5D=2&state=opened&search=a+b%26c&page=1",
        ))
        .respond_with(list_page(json!([{"iid": 1}]), None))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .list()
        .filter("labels", vec!["bug", "ui"])
        .filter("iids", vec![1, 2])
        .filters(Attrs::new().set("state", "opened").set("search", "a b&c"))
        .filter("milestone", Value::Null) // null filters are left out
        .page(1)
        .await
        .expect("filtered page");
    assert_eq!(ids(&page.items), [json!(1)]);
    server.verify().await;
}

#[tokio::test]
async fn all_follows_x_next_page_across_three_pages_keeping_filters() {
    let server = server().await;
    let pages = [
        (
            "state=opened&per_page=2",
            json!([{"iid": 1}, {"iid": 2}]),
            Some(2),
        ),
        (
            "state=opened&per_page=2&page=2",
            json!([{"iid": 3}, {"iid": 4}]),
            Some(3),
        ),
        ("state=opened&per_page=2&page=3", json!([{"iid": 5}]), None),
    ];
    for (q, items, next) in pages {
        Mock::given(method("GET"))
            .and(path("/api/v4/projects/1/issues"))
            .and(Query(q))
            .and(header("private-token", TOKEN))
            .respond_with(list_page(items, next))
            .expect(1)
            .mount(&server)
            .await;
    }
    let issues = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .list()
        .offset_pagination()
        .filter("state", "opened")
        .per_page(2)
        .all()
        .await
        .expect("all issues");
    assert_eq!(
        ids(&issues),
        [json!(1), json!(2), json!(3), json!(4), json!(5)]
    );
    // Objects from a listing are wired to their parent.
    assert_eq!(
        issues[4].notes().path().expect("notes path"),
        "/projects/1/issues/5/notes"
    );
    assert_eq!(
        lines(&server).await,
        [
            "GET /api/v4/projects/1/issues?state=opened&per_page=2",
            "GET /api/v4/projects/1/issues?state=opened&per_page=2&page=2",
            "GET /api/v4/projects/1/issues?state=opened&per_page=2&page=3",
        ]
    );
    server.verify().await;
}

#[tokio::test]
async fn all_stops_on_an_empty_page_even_if_a_next_page_is_announced() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/groups"))
        .and(Query(""))
        .respond_with(list_page(json!([]), Some(2)))
        .expect(1)
        .mount(&server)
        .await;
    let groups = client(&server).groups().list().all().await.expect("all");
    assert!(groups.is_empty());
    server.verify().await;
}

#[tokio::test]
async fn all_follows_a_keyset_link_header() {
    let server = server().await;
    let uri = server.uri();
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(Query("pagination=keyset&order_by=id&sort=asc&per_page=2"))
        .respond_with(
            ok_json(json!([{"id": 1}, {"id": 2}]))
                // When a Link is present it wins over X-Next-Page.
                .insert_header("x-next-page", "9")
                .insert_header(
                    "link",
                    format!(
                        r#"<{uri}/api/v4/projects?id_after=2&order_by=id&pagination=keyset&per_page=2&sort=asc>; rel="next""#
                    )
                    .as_str(),
                ),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(Query(
            "id_after=2&order_by=id&pagination=keyset&per_page=2&sort=asc",
        ))
        .and(header("private-token", TOKEN))
        .respond_with(ok_json(json!([{"id": 3}])))
        .expect(1)
        .mount(&server)
        .await;
    let projects = client(&server)
        .projects()
        .list()
        .keyset()
        .order_by("id")
        .sort(gitlab_client::resources::Sort::Asc)
        .per_page(2)
        .all()
        .await
        .expect("all by keyset");
    assert_eq!(ids(&projects), [json!(1), json!(2), json!(3)]);
    assert_eq!(lines(&server).await.len(), 2);
    server.verify().await;
}

#[tokio::test]
async fn a_link_on_another_host_is_rebased_onto_the_configured_url() {
    // GitLab behind a proxy advertises its internal address; `other` stands in for
    // it and must see nothing.
    let server = server().await;
    let other = super::server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(Query("pagination=keyset"))
        .respond_with(
            ok_json(json!([{"id": 1}])).insert_header(
                "link",
                format!(
                    r#"<{}/api/v4/projects?id_after=1&pagination=keyset>; rel="next""#,
                    other.uri()
                )
                .as_str(),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(Query("id_after=1&pagination=keyset"))
        .and(header("private-token", TOKEN))
        .respond_with(ok_json(json!([{"id": 2}])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ok_json(json!([])))
        .expect(0)
        .mount(&other)
        .await;
    let projects = client(&server)
        .projects()
        .list()
        .keyset()
        .all()
        .await
        .expect("all");
    assert_eq!(ids(&projects), [json!(1), json!(2)]);
    assert!(requests(&other).await.is_empty());
    server.verify().await;
    other.verify().await;
}

#[tokio::test]
async fn a_link_is_rebased_onto_a_base_url_with_a_path_prefix() {
    let server = server().await;
    let other = super::server().await;
    Mock::given(method("GET"))
        .and(path("/gitlab/api/v4/groups/3/projects"))
        .and(Query("page=1"))
        .respond_with(ok_json(json!([])))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/gitlab/api/v4/groups/3/projects"))
        .and(Query(""))
        .respond_with(
            ok_json(json!([{"id": 10}])).insert_header(
                "link",
                format!(
                    r#"<{}/api/v4/groups/3/projects?cursor=abc%3D%3D>; rel="next""#,
                    other.uri()
                )
                .as_str(),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/gitlab/api/v4/groups/3/projects"))
        .and(Query("cursor=abc%3D%3D"))
        .respond_with(ok_json(json!([{"id": 11}])))
        .expect(1)
        .mount(&server)
        .await;
    let gl = Gitlab::new(format!("{}/gitlab/", server.uri()), TOKEN).expect("client");
    let projects = Manager::<kind::GroupProject>::new(&gl)
        .with_parent("group_id", 3)
        .list()
        .all()
        .await
        .expect("all");
    assert_eq!(ids(&projects), [json!(10), json!(11)]);
    assert!(requests(&other).await.is_empty());
    server.verify().await;
}

#[tokio::test]
async fn manager_query_params_are_sent_on_every_page_but_not_added_to_link_urls() {
    let server = server().await;
    let uri = server.uri();
    // Offset pagination: the extra parameter goes with every page.
    for (q, items, next) in [
        ("per_page=1&custom=1", json!([{"id": 1}]), Some(2)),
        ("per_page=1&page=2&custom=1", json!([{"id": 2}]), None),
    ] {
        Mock::given(method("GET"))
            .and(path("/api/v4/projects"))
            .and(Query(q))
            .respond_with(list_page(items, next))
            .expect(1)
            .mount(&server)
            .await;
    }
    // Keyset: the server's Link already carries every parameter; sending
    // `custom` again would duplicate it.
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(Query("pagination=keyset&custom=1"))
        .respond_with(
            ok_json(json!([{"id": 1}])).insert_header(
                "link",
                format!(
                    r#"<{uri}/api/v4/projects?custom=1&id_after=1&pagination=keyset>; rel="next""#
                )
                .as_str(),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(Query("custom=1&id_after=1&pagination=keyset"))
        .respond_with(ok_json(json!([{"id": 2}])))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    let mgr = gl.projects().query_param("custom", "1");
    let offset = mgr
        .list()
        .offset_pagination()
        .per_page(1)
        .all()
        .await
        .expect("offset");
    let keyset = mgr
        .list()
        .offset_pagination()
        .keyset()
        .all()
        .await
        .expect("keyset");
    assert_eq!(ids(&offset), [json!(1), json!(2)]);
    assert_eq!(ids(&keyset), [json!(1), json!(2)]);
    assert_eq!(
        lines(&server).await,
        [
            "GET /api/v4/projects?per_page=1&custom=1",
            "GET /api/v4/projects?per_page=1&page=2&custom=1",
            "GET /api/v4/projects?pagination=keyset&custom=1",
            "GET /api/v4/projects?custom=1&id_after=1&pagination=keyset",
        ]
    );
    server.verify().await;
}

#[tokio::test]
async fn stream_yields_every_item_once_in_order_and_fetches_lazily() {
    let server = server().await;
    let pages = [
        ("per_page=2", json!([{"id": 1}, {"id": 2}]), Some(2)),
        ("per_page=2&page=2", json!([{"id": 3}, {"id": 4}]), Some(3)),
        ("per_page=2&page=3", json!([{"id": 5}]), None),
    ];
    for (q, items, next) in pages {
        Mock::given(method("GET"))
            .and(path("/api/v4/projects"))
            .and(Query(q))
            .respond_with(list_page(items, next))
            .expect(1)
            .mount(&server)
            .await;
    }
    let gl = client(&server);
    let stream = gl
        .projects()
        .list()
        .offset_pagination()
        .per_page(2)
        .stream();
    assert!(
        requests(&server).await.is_empty(),
        "stream() sent a request before being polled"
    );
    let mut stream = std::pin::pin!(stream);
    let first = stream
        .next()
        .await
        .expect("an item")
        .expect("first item ok");
    assert_eq!(first.id(), Some(gitlab_client::Id::Num(1)));
    assert_eq!(
        lines(&server).await.len(),
        1,
        "only the first page is fetched for the first item"
    );
    let mut seen = vec![first.id().expect("id")];
    while let Some(item) = stream.next().await {
        seen.push(item.expect("item ok").id().expect("id"));
    }
    assert_eq!(
        seen,
        (1..=5).map(gitlab_client::Id::Num).collect::<Vec<_>>()
    );
    assert_eq!(lines(&server).await.len(), 3);
    server.verify().await;
}

#[tokio::test]
async fn stream_reports_an_error_once_and_then_ends() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(Query(""))
        .respond_with(list_page(json!([{"id": 1}]), Some(2)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(Query("page=2"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"message": "500 Internal Server Error"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let items: Vec<_> = client(&server)
        .projects()
        .list()
        .offset_pagination()
        .stream()
        .collect()
        .await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(
        items[0].as_ref().expect("first ok").id(),
        Some(gitlab_client::Id::Num(1))
    );
    let e = items[1].as_ref().expect_err("second is the error");
    assert_eq!(e.status(), Some(500));
    assert_eq!(e.to_string(), "500 Internal Server Error (GET /projects)");
    server.verify().await;
}

#[tokio::test]
async fn stream_of_a_manager_without_parent_yields_the_error_without_sending() {
    let server = server().await;
    let gl = client(&server);
    let items: Vec<_> = Manager::<kind::ProjectIssue>::new(&gl)
        .list()
        .stream()
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    assert!(
        matches!(&items[0], Err(Error::MissingParent { placeholder, .. }) if placeholder == "project_id"),
        "{items:?}"
    );
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn list_request_sudo_applies_to_every_page() {
    let server = server().await;
    for (q, next, id) in [("", Some(2), 1), ("page=2", None, 2)] {
        Mock::given(method("GET"))
            .and(path("/api/v4/users"))
            .and(Query(q))
            .and(header("sudo", "bob"))
            .respond_with(list_page(json!([{"id": id}]), next))
            .expect(1)
            .mount(&server)
            .await;
    }
    let users = client(&server)
        .users()
        .list()
        .offset_pagination()
        .sudo("bob")
        .all()
        .await
        .expect("all as bob");
    assert_eq!(users.len(), 2);
    server.verify().await;
}
