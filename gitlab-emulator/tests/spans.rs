//! One `gitlab_api` tracing span per API call, with operation, resource,
//! method, path and status, and never a token or a query value.
//!
//! Its own test binary: tracing caches each callsite's interest globally, so a
//! scoped subscriber races with tests on other threads that run without one.

use gitlab_client::resources::ProjectIssueCreate;
use gitlab_emulator::{Emulator, Seed};
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

/// A span's name and its fields as text.
type SpanRecord = (String, Vec<(String, String)>);

/// Spans in creation order, and every event's fields as text.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<SpanRecord>>>, Arc<Mutex<String>>);

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .push((field.name().to_string(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_string(), value.to_string()));
    }
}

impl<S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>> Layer<S>
    for Recorder
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut f = Vec::new();
        attrs.record(&mut Fields(&mut f));
        f.push(("#id".into(), id.into_u64().to_string()));
        self.0
            .lock()
            .unwrap()
            .push((attrs.metadata().name().to_string(), f));
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut all = self.0.lock().unwrap();
        if let Some((_, f)) = all.iter_mut().rev().find(|(_, f)| {
            f.iter()
                .any(|(k, v)| k == "#id" && *v == id.into_u64().to_string())
        }) {
            values.record(&mut Fields(f));
        }
    }
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut f = Vec::new();
        event.record(&mut Fields(&mut f));
        self.1.lock().unwrap().push_str(&format!("{f:?}\n"));
    }
}

fn field<'a>(f: &'a [(String, String)], k: &str) -> Option<&'a str> {
    f.iter()
        .rev()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
}

#[test]
fn every_call_gets_one_span_without_secrets() {
    let rec = Recorder::default();
    let subscriber = tracing_subscriber::registry().with(rec.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    // Other tests of this binary run on other threads without a subscriber and
    // may have cached "no interest" in the client's callsites meanwhile.
    tracing::callsite::rebuild_interest_cache();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let emu = Emulator::builder().seed(Seed::Demo).start().await.unwrap();
        let gl = emu.client().unwrap();
        let project = gl.projects().get("demo-group/demo-project").await.unwrap();
        project
            .issues()
            .create(ProjectIssueCreate::new("traced"))
            .await
            .unwrap();
        let secret_filter = "s3cr3t-search";
        let _ = project
            .issues()
            .list()
            .filter("search", secret_filter)
            .per_page(1)
            .all()
            .await
            .unwrap();
        let _ = gl.projects().get(424242u64).await.unwrap_err();
        gl.graphql(
            "{ currentUser { username } }",
            serde_json::json!({"token": "var-s3cr3t"}),
        )
        .await
        .unwrap();
        emu.shutdown().await;
    });
    let spans: Vec<_> = rec
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(n, _)| n == "gitlab_api")
        .cloned()
        .collect();
    assert_eq!(spans.len(), 5, "one span per call: {spans:?}");
    let get = &spans[0].1;
    assert_eq!(field(get, "op"), Some("get"));
    assert_eq!(field(get, "resource"), Some("Project"));
    assert_eq!(field(get, "method"), Some("GET"));
    assert_eq!(
        field(get, "path"),
        Some("/projects/demo-group%2Fdemo-project")
    );
    assert_eq!(field(get, "status"), Some("200"));
    assert_eq!(field(get, "attempts"), Some("1"));
    let create = &spans[1].1;
    assert_eq!(
        (
            field(create, "op"),
            field(create, "resource"),
            field(create, "method")
        ),
        (Some("create"), Some("ProjectIssue"), Some("POST"))
    );
    assert_eq!(field(create, "status"), Some("201"));
    let list = &spans[2].1;
    assert_eq!(
        (field(list, "op"), field(list, "resource")),
        (Some("list"), Some("ProjectIssue"))
    );
    assert!(
        field(list, "path").is_some_and(|p| p.ends_with("/issues")),
        "{list:?}"
    );
    assert_eq!(field(&spans[3].1, "status"), Some("404"));
    let gql = &spans[4].1;
    assert_eq!(
        (field(gql, "op"), field(gql, "method"), field(gql, "path")),
        (Some("graphql"), Some("POST"), Some("/api/graphql"))
    );
    let everything = format!("{spans:?}{}", rec.1.lock().unwrap());
    for secret in [
        gitlab_emulator::ADMIN_TOKEN,
        "s3cr3t-search",
        "var-s3cr3t",
        "currentUser",
    ] {
        assert!(!everything.contains(secret), "{secret} in {everything}");
    }
}
