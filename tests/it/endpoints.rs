//! The endpoints the schema generates, against the endpoints four GitLab
//! clients call (`tests/fixtures/gitlab-endpoints.json`, a copy of
//! `../shared/reference/gitlab-endpoints.json`).
//!
//! The expansion is `Catalogue::endpoints()` (codegen), the same rules the
//! runtime uses to build request paths; `runtime_sends_what_the_expansion_says`
//! checks that claim by sending every operation and action of every resource
//! to a mock server.

use codegen::endpoints::normalize;
use gitlab_client::meta::{ActionTarget, Operation};
use gitlab_client::resources::CATALOGUE;
use gitlab_client::{Attrs, DynManager, Gitlab, Op, Param, Value};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use wiremock::{MockServer, ResponseTemplate};

/// Generated endpoints that were wrong: no client calls them, and other
/// clients agree on GitLab's real path (issue 12).
const WRONG: &[(&str, &str)] = &[
    ("POST", "projects/{}/pipelines"),
    ("POST", "projects/{}/repository/commits/{}/statuses"),
    ("GET", "projects/user/{}"),
    ("POST", "groups/{}/epics/{}/issues"),
    ("POST", "projects/{}/clusters"),
    ("POST", "groups/{}/clusters"),
];

/// Targets: share of the non-suspect, non-deprecated endpoints, and of the
/// non-suspect endpoints two or more clients call, that the schema generates.
const TARGET_ALL: f64 = 95.0;
const TARGET_TWO: f64 = 100.0;

struct Reference {
    /// (method, path) → the entry.
    entries: BTreeMap<(String, String), Json>,
}

impl Reference {
    fn load() -> Reference {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(root.join("fixtures/gitlab-endpoints.json"))
            .expect("tests/fixtures/gitlab-endpoints.json");
        let v: Json = serde_json::from_str(&text).expect("the endpoint list parses");
        let entries = v["endpoints"]
            .as_array()
            .expect("an 'endpoints' array")
            .iter()
            .map(|e| {
                let m = e["method"].as_str().expect("method").to_string();
                let p = e["path"].as_str().expect("path").to_string();
                ((m, p), e.clone())
            })
            .collect();
        Reference { entries }
    }

    /// Called by some client, and not only as what we believe is a bug.
    fn called(&self, method: &str, path: &str) -> bool {
        self.entries
            .get(&(method.to_string(), path.to_string()))
            .is_some_and(|e| e.get("suspect").is_none())
    }
}

fn catalogue() -> codegen::Catalogue {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    codegen::load_dir(&root.join("../schema"))
        .unwrap_or_else(|d| panic!("schema/ is invalid:\n{d}"))
}

fn generated(cat: &codegen::Catalogue) -> BTreeSet<(String, String)> {
    cat.endpoints()
        .iter()
        .map(|e| (e.method.to_string(), e.path.clone()))
        .collect()
}

#[test]
fn none_of_the_known_wrong_paths_is_generated() {
    let cat = catalogue();
    let wrong: Vec<String> = cat
        .endpoints()
        .iter()
        .filter(|e| {
            WRONG
                .iter()
                .any(|(m, p)| e.method.as_str() == *m && e.path == *p)
        })
        .map(|e| format!("{e} (from {})", e.origin()))
        .collect();
    assert!(
        wrong.is_empty(),
        "wrong paths generated:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn endpoints_no_client_calls_carry_a_docs_url() {
    let cat = catalogue();
    let reference = Reference::load();
    let mut undocumented: Vec<String> = cat
        .endpoints()
        .iter()
        .filter(|e| !reference.called(e.method.as_str(), &e.path))
        .filter(|e| {
            !e.docs_url()
                .is_some_and(|u| u.starts_with("https://docs.gitlab.com/"))
        })
        .map(|e| format!("{e} (from {})", e.origin()))
        .collect();
    undocumented.sort();
    undocumented.dedup();
    assert!(
        undocumented.is_empty(),
        "{} generated endpoints no client calls have no docs_url at docs.gitlab.com \
         (on the action, or on the resource for standard operations), so nothing shows \
         GitLab has them:\n{}",
        undocumented.len(),
        undocumented.join("\n")
    );
}

#[test]
fn schema_covers_the_endpoints_clients_call() {
    let cat = catalogue();
    let reference = Reference::load();
    let ours = generated(&cat);
    let mut all = (0usize, 0usize);
    let mut two = (0usize, 0usize);
    let mut missing = Vec::new();
    for ((method, path), e) in &reference.entries {
        if e.get("suspect").is_some() {
            continue;
        }
        let clients = e["clients"].as_array().map_or(0, Vec::len);
        let have = ours.contains(&(method.clone(), path.clone()));
        if e.get("deprecated").is_none() {
            all.1 += 1;
            all.0 += usize::from(have);
        }
        if clients >= 2 {
            two.1 += 1;
            two.0 += usize::from(have);
        }
        if !have && (e.get("deprecated").is_none() || clients >= 2) {
            missing.push(format!("{clients} {method} {path}"));
        }
    }
    let pct = |(n, d): (usize, usize)| 100.0 * n as f64 / d.max(1) as f64;
    let line = format!(
        "endpoint coverage: all non-suspect non-deprecated {}/{} ({:.1}%, target {TARGET_ALL}%), \
         called by two or more {}/{} ({:.1}%, target {TARGET_TWO}%)",
        all.0,
        all.1,
        pct(all),
        two.0,
        two.1,
        pct(two)
    );
    println!("{line}");
    assert!(all.1 > 1300 && two.1 > 900, "the reference shrank: {line}");
    assert!(
        pct(all) >= TARGET_ALL && pct(two) >= TARGET_TWO,
        "{line}\n{} endpoints missing (number of clients, method, path):\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// A value no literal path segment contains: every placeholder gets it.
const MARK: &str = "Zq9Mark";

/// Sends every operation and action of every resource the client was built
/// with to a mock server that answers `{}`, and compares what arrived with
/// the expansion, resource by resource.
#[tokio::test]
async fn runtime_sends_what_the_expansion_says() {
    let cat = catalogue();
    let server = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let gl = Gitlab::new(server.uri(), "glpat-endpoints-test").expect("client");
    let mut differ = Vec::new();
    let mut seen = 0usize;
    for meta in CATALOGUE {
        let schema = cat
            .get(meta.name)
            .expect("the build and the test read one schema");
        let want: BTreeSet<String> = schema.endpoints().iter().map(|e| e.to_string()).collect();
        let before = received(&server).await.len();
        drive(&gl, meta).await;
        let got: BTreeSet<String> = received(&server).await[before..]
            .iter()
            .map(|r| {
                let path = r.url.path().replacen("/api/v4", "", 1).replace(MARK, "{}");
                format!("{} {}", r.method, normalize(&path))
            })
            .collect();
        seen += got.len();
        if got != want {
            differ.push(format!(
                "{}: runtime {:?}, expansion {:?}",
                meta.name,
                got.difference(&want).collect::<Vec<_>>(),
                want.difference(&got).collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "{} resources where the runtime and Catalogue::endpoints() disagree:\n{}",
        differ.len(),
        differ.join("\n")
    );
    assert!(seen > 800, "only {seen} distinct requests were sent");
}

async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.expect("recording is on")
}

/// One call per operation and action; errors after sending are expected
/// (the mock's `{}` is not every answer's shape) and ignored.
async fn drive(gl: &Gitlab, meta: &'static gitlab_client::ResourceMeta) {
    let mut mgr = DynManager::new(gl, meta);
    for (placeholder, _) in meta.from_parent {
        mgr = mgr.with_parent(placeholder, MARK);
    }
    let mark = || Value::from(MARK);
    let id = meta.id_attr.map(|_| mark());
    let filled = |names: &[&str]| {
        let mut a = Attrs::new();
        for n in names {
            a.insert(*n, mark());
        }
        a
    };
    for op in meta.operations {
        let _ = match op {
            Operation::List => mgr.list_page(&Attrs::new(), None, 1).await.map(drop),
            Operation::Get => mgr.get(mark()).await.map(drop),
            Operation::GetWithoutId => mgr.fetch(Op::Resource(*op)).await.map(drop),
            Operation::Create => {
                let mut names: Vec<&str> = meta.create_attrs().required.to_vec();
                if let Some(t) = meta.create_path {
                    // Attributes that fill the create path.
                    names.extend(
                        meta.create_attrs()
                            .optional
                            .iter()
                            .filter(|a| t.contains(&format!("{{{a}}}"))),
                    );
                }
                names.extend(meta.create_attrs().exclusive.first());
                mgr.create(filled(&names)).await.map(drop)
            }
            Operation::Update => {
                let mut names: Vec<&str> = meta.update_attrs().required.to_vec();
                names.extend(meta.update_attrs().exclusive.first());
                mgr.update(id.clone(), filled(&names)).await.map(drop)
            }
            Operation::Delete => mgr.delete(id.clone()).await,
            Operation::Set => mgr.set(mark(), mark(), Attrs::new()).await.map(drop),
        };
    }
    for a in meta.actions {
        let required: Vec<Param> = a.required.iter().map(|_| Param::from(MARK)).collect();
        let target = match a.on {
            ActionTarget::Object => id.clone().or_else(|| Some(mark())),
            ActionTarget::Manager => None,
        };
        let _ = mgr.call_action(target, a, required, Attrs::new()).await;
    }
}
