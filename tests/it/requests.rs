//! Request-level tests: a wiremock server on 127.0.0.1 checks the exact method,
//! path, query, headers and body the client sends, and what the client makes of
//! the answer.
//!
//! Conventions: every mock carries `.expect(n)`, every test ends with
//! `server.verify().await`, and most also compare the full list of requests the
//! server saw (`lines`), so a request sent twice, sent to the wrong place or not
//! sent at all fails the test. wiremock's `path()` compares the *raw* request
//! path (`url.path()` keeps `%2F` encoded), which `operations.rs` checks.

use gitlab_client::{Error, Gitlab};
use serde_json::Value;
use wiremock::{Match, MockServer, Request, ResponseTemplate};

mod actions;
mod auth;
mod downloads;
mod errors;
mod head;
mod hostile;
mod lists;
mod objects;
mod operations;
mod redirects;
mod typed;

/// The private token of the test clients: it must never show up in an error.
pub(crate) const TOKEN: &str = "glpat-SeCrEt-TeSt-ToKeN-0042";

/// The headers that carry credentials or identity.
pub(crate) const CREDENTIAL_HEADERS: [&str; 4] =
    ["private-token", "authorization", "job-token", "sudo"];

/// A fresh mock server on 127.0.0.1.
pub(crate) async fn server() -> MockServer {
    MockServer::start().await
}

/// A client authenticated with [`TOKEN`] against `server`.
pub(crate) fn client(server: &MockServer) -> Gitlab {
    Gitlab::new(server.uri(), TOKEN).expect("a client for the mock server builds")
}

/// Matches the raw query string exactly, order and encoding included;
/// `Query("")` matches only a request without any query.
pub(crate) struct Query(pub &'static str);

impl Match for Query {
    fn matches(&self, r: &Request) -> bool {
        r.url.query() == (!self.0.is_empty()).then_some(self.0)
    }
}

/// Matches a request that does not carry header `name`.
pub(crate) struct NoHeader(pub &'static str);

impl Match for NoHeader {
    fn matches(&self, r: &Request) -> bool {
        !r.headers.contains_key(self.0)
    }
}

/// Matches a request with an empty body.
pub(crate) struct EmptyBody;

impl Match for EmptyBody {
    fn matches(&self, r: &Request) -> bool {
        r.body.is_empty()
    }
}

/// Every request the server received, in order.
pub(crate) async fn requests(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
}

/// `"METHOD /raw/path?raw=query"` of every request the server received, in order.
pub(crate) async fn lines(server: &MockServer) -> Vec<String> {
    requests(server).await.iter().map(line).collect()
}

pub(crate) fn line(r: &Request) -> String {
    match r.url.query() {
        Some(q) => format!("{} {}?{q}", r.method, r.url.path()),
        None => format!("{} {}", r.method, r.url.path()),
    }
}

/// The credential headers of one request, as `(name, value)`.
pub(crate) fn credentials(r: &Request) -> Vec<(String, String)> {
    CREDENTIAL_HEADERS
        .iter()
        .filter_map(|h| {
            let v = r.headers.get(*h)?;
            Some((h.to_string(), v.to_str().expect("ASCII header").to_string()))
        })
        .collect()
}

/// The JSON body of one request.
pub(crate) fn body_of(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|e| {
        panic!(
            "request body is not JSON ({e}): {:?}",
            String::from_utf8_lossy(&r.body)
        )
    })
}

/// A 200 answer with a JSON body.
pub(crate) fn ok_json(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

/// A 200 list page with `X-Next-Page` set (`None`: the empty value GitLab sends on the last page).
pub(crate) fn list_page(items: Value, next: Option<u32>) -> ResponseTemplate {
    ok_json(items).insert_header(
        "x-next-page",
        next.map(|n| n.to_string()).unwrap_or_default(),
    )
}

/// The ids (`id_attr`) of objects, as JSON.
pub(crate) fn ids<R: gitlab_client::Resource>(objs: &[gitlab_client::Object<R>]) -> Vec<Value> {
    objs.iter()
        .map(|o| o.id().map_or(Value::Null, Value::from))
        .collect()
}

/// Asserts that neither the `Display` nor the `Debug` text of `e` contains the token.
pub(crate) fn assert_no_token(e: &Error) {
    let shown = e.to_string();
    let debug = format!("{e:?}");
    assert!(!shown.contains(TOKEN), "token in Display: {shown}");
    assert!(!debug.contains(TOKEN), "token in Debug: {debug}");
    assert!(!shown.contains("SeCrEt"), "token part in Display: {shown}");
    assert!(!debug.contains("SeCrEt"), "token part in Debug: {debug}");
}
