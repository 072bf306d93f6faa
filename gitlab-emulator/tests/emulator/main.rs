//! End-to-end tests of the emulator: GitLab's documented conventions checked
//! with raw HTTP (`conventions`), fault injection (`faults`), and the client's
//! own end-to-end suite against the emulator (`client`).

mod archives;
mod blocking;
mod call_options;
mod client;
mod conventions;
mod demo_tour;
mod faults;
mod fidelity;
mod fidelity_generic;
mod fidelity_issues;
mod fidelity_repo;
mod fidelity_users;
mod graphql;
mod guide;
mod order;
mod repository;
mod routes;
mod typed;

use gitlab_emulator::{Emulator, Seed, ADMIN_TOKEN};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// A raw HTTP client that does not follow redirects.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn api(emu: &Emulator, path: &str) -> String {
    format!("{}/api/v4{path}", emu.url())
}

pub async fn demo() -> Emulator {
    Emulator::builder().seed(Seed::Demo).start().await.unwrap()
}

/// A response with its body read.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
}

pub async fn send(rb: reqwest::RequestBuilder) -> Resp {
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.bytes().await.unwrap();
    Resp {
        status,
        headers,
        body,
    }
}

/// `GET` as root.
pub async fn get(emu: &Emulator, path: &str) -> Resp {
    send(
        http()
            .get(api(emu, path))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
    )
    .await
}

/// `POST` a JSON body as root.
pub async fn post(emu: &Emulator, path: &str, body: Value) -> Resp {
    send(
        http()
            .post(api(emu, path))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .header("content-type", "application/json")
            .body(body.to_string()),
    )
    .await
}

/// `method` on `path` as root with a JSON body.
pub async fn send_json(emu: &Emulator, method: reqwest::Method, path: &str, body: Value) -> Resp {
    send(
        http()
            .request(method, api(emu, path))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .header("content-type", "application/json")
            .body(body.to_string()),
    )
    .await
}

/// `PUT` a JSON body as root.
pub async fn put(emu: &Emulator, path: &str, body: Value) -> Resp {
    send_json(emu, reqwest::Method::PUT, path, body).await
}

/// `DELETE` as root.
pub async fn delete(emu: &Emulator, path: &str) -> Resp {
    send(
        http()
            .delete(api(emu, path))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
    )
    .await
}

/// Creates a project with a README on `main` as root and returns its id.
pub async fn project_with_readme(emu: &Emulator, name: &str) -> u64 {
    let body = serde_json::json!({"name": name, "initialize_with_readme": true});
    let r = post(emu, "/projects", body).await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    r.json()["id"].as_u64().unwrap()
}

/// Creates a project as root and returns its id.
pub async fn new_project(emu: &Emulator, name: &str) -> u64 {
    let r = post(emu, "/projects", serde_json::json!({"name": name})).await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    r.json()["id"].as_u64().unwrap()
}

/// The `field` of each object of a JSON array.
pub fn field(v: &Value, name: &str) -> Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|o| o[name].clone())
        .collect()
}
