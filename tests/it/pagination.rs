//! Automatic keyset pagination and concurrent offset pages.

use futures_util::StreamExt;
use gitlab_client::Gitlab;
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn gl(server: &MockServer) -> Gitlab {
    Gitlab::new(server.uri(), "t").expect("client")
}

#[tokio::test]
async fn listing_all_projects_uses_keyset_pagination_automatically() {
    let server = MockServer::start().await;
    let next = format!(
        "{}/api/v4/projects?pagination=keyset&order_by=id&sort=asc&id_after=2",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(query_param("pagination", "keyset"))
        .and(query_param("order_by", "id"))
        .and(query_param("sort", "desc"))
        .and(query_param_is_missing("id_after"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([{"id": 1}, {"id": 2}]))
                .insert_header("Link", format!("<{next}>; rel=\"next\"").as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(query_param("id_after", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": 3}])))
        .expect(1)
        .mount(&server)
        .await;
    let all = gl(&server).projects().list().all().await.expect("all");
    assert_eq!(all.len(), 3);
    server.verify().await;
}

#[tokio::test]
async fn an_explicit_order_or_offset_choice_keeps_offset_pagination() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .and(query_param_is_missing("pagination"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": 1}])))
        .expect(2)
        .mount(&server)
        .await;
    let g = gl(&server);
    g.projects()
        .list()
        .order_by("name")
        .all()
        .await
        .expect("ordered by name");
    g.projects()
        .list()
        .offset_pagination()
        .all()
        .await
        .expect("offset");
    server.verify().await;
}

/// Six pages of two issues; early pages answer slowest, so completion order is reversed.
async fn six_pages(server: &MockServer, with_total: bool) {
    for page in 1..=6u64 {
        let items = json!([{"iid": page * 2 - 1}, {"iid": page * 2}]);
        let mut resp = ResponseTemplate::new(200)
            .set_body_json(items)
            .insert_header("X-Page", page.to_string().as_str())
            .set_delay(Duration::from_millis(60 - page * 10));
        if with_total {
            resp = resp
                .insert_header("X-Total-Pages", "6")
                .insert_header("X-Total", "12");
        }
        if page < 6 {
            resp = resp.insert_header("X-Next-Page", (page + 1).to_string().as_str());
        }
        let mut m = Mock::given(method("GET")).and(path("/api/v4/projects/1/issues"));
        m = if page == 1 {
            m.and(query_param_is_missing("page"))
        } else {
            m.and(query_param("page", page.to_string().as_str()))
        };
        m.respond_with(resp).expect(1).mount(server).await;
    }
}

#[tokio::test]
async fn concurrent_pages_keep_their_order_and_are_each_fetched_once() {
    let server = MockServer::start().await;
    six_pages(&server, true).await;
    let issues = gl(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .list()
        .per_page(2)
        .concurrency(4)
        .all()
        .await
        .expect("all");
    let iids: Vec<u64> = issues
        .iter()
        .filter_map(|i| i.attr("iid").and_then(|v| v.as_u64()))
        .collect();
    assert_eq!(iids, (1..=12).collect::<Vec<_>>());
    // Concurrency means offset pagination: no keyset parameters.
    let reqs = server.received_requests().await.unwrap_or_default();
    assert!(reqs
        .iter()
        .all(|r| !r.url.query().unwrap_or("").contains("keyset")));
    server.verify().await;
}

#[tokio::test]
async fn concurrent_streaming_also_keeps_order() {
    let server = MockServer::start().await;
    six_pages(&server, true).await;
    let iids: Vec<u64> = gl(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .list()
        .per_page(2)
        .concurrency(3)
        .stream()
        .map(|r| {
            r.expect("item")
                .attr("iid")
                .and_then(|v| v.as_u64())
                .unwrap_or(0)
        })
        .collect()
        .await;
    assert_eq!(iids, (1..=12).collect::<Vec<_>>());
    server.verify().await;
}

#[tokio::test]
async fn without_a_total_concurrent_listing_walks_sequentially() {
    let server = MockServer::start().await;
    six_pages(&server, false).await;
    let issues = gl(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .list()
        .per_page(2)
        .concurrency(4)
        .all()
        .await
        .expect("all");
    let iids: Vec<u64> = issues
        .iter()
        .filter_map(|i| i.id().and_then(|v| v.as_num()))
        .collect();
    assert_eq!(iids, (1..=12).collect::<Vec<_>>());
    server.verify().await;
}
