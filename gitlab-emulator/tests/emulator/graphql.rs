//! `gl.graphql(..)` and `gl.graphql_pages(..)` against the emulator's GraphQL endpoint.

use futures_util::StreamExt;
use gitlab_client::{Error, Gitlab};
use gitlab_emulator::{Emulator, Fault, FaultRule, Faults, Seed, DEMO_USER_TOKEN};
use serde_json::json;

const ISSUES: &str = "query($p: ID!, $after: String) { project(fullPath: $p) {
    issues(first: 2, after: $after) { count nodes { iid title author { username } } pageInfo { endCursor hasNextPage } } } }";

async fn demo() -> Emulator {
    Emulator::builder().seed(Seed::Demo).start().await.unwrap()
}

#[tokio::test]
async fn current_user_is_the_tokens_user() {
    let emu = demo().await;
    let gl = emu.client().unwrap();
    let data = gl
        .graphql("query { currentUser { username } }", json!({}))
        .await
        .unwrap();
    assert_eq!(data["currentUser"]["username"], "root");
    let alice = emu.client_as(DEMO_USER_TOKEN).unwrap();
    let data = alice
        .graphql(
            "{ currentUser { username } user(username: \"root\") { username } }",
            serde_json::Value::Null,
        )
        .await
        .unwrap();
    assert_eq!(
        data,
        json!({"currentUser": {"username": "alice"}, "user": {"username": "root"}})
    );
    let anon = Gitlab::anonymous(emu.url()).unwrap();
    let data = anon
        .graphql("{ currentUser { username } }", json!({}))
        .await
        .unwrap();
    assert_eq!(data["currentUser"], serde_json::Value::Null);
    // The request went to /api/graphql with the token, like REST calls.
    assert!(emu
        .requests()
        .iter()
        .any(|r| r.path == "/api/graphql" && r.user.as_deref() == Some("alice")));
}

#[tokio::test]
async fn connections_are_walked_to_the_end_in_order() {
    let emu = demo().await;
    let pid = emu.project_id("demo-group/demo-project").unwrap();
    emu.seed_issues(pid, 5).unwrap();
    let gl = emu.client().unwrap();
    let vars = json!({"p": "demo-group/demo-project"});
    let first = gl.graphql(ISSUES, vars.clone()).await.unwrap();
    let total = first["project"]["issues"]["count"].as_u64().unwrap();
    assert_eq!(total, 7, "{first}");
    assert_eq!(first["project"]["issues"]["pageInfo"]["hasNextPage"], true);
    let before = emu.request_count();
    let nodes = gl
        .graphql_pages(ISSUES, vars.clone(), "project.issues")
        .await
        .unwrap();
    assert_eq!(emu.request_count() - before, 4, "7 issues, 2 a page");
    let iids: Vec<u64> = nodes
        .iter()
        .map(|n| n["iid"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(iids, vec![7, 6, 5, 4, 3, 2, 1], "newest first, each once");
    // The same through the REST API.
    let rest = gl
        .projects()
        .get_lazy(pid)
        .issues()
        .list()
        .all()
        .await
        .unwrap();
    assert_eq!(rest.len(), nodes.len());
    // The stream gives the same nodes.
    let streamed: Vec<_> = gl
        .graphql_stream(ISSUES, vars, "project.issues")
        .collect()
        .await;
    let streamed: Vec<_> = streamed.into_iter().map(Result::unwrap).collect();
    assert_eq!(streamed, nodes);
}

#[tokio::test]
async fn errors_carry_messages_locations_and_partial_data() {
    let emu = demo().await;
    let gl = emu.client().unwrap();
    let e = gl
        .graphql("query {\n  currentUser { nosuchfield } }", json!({}))
        .await
        .unwrap_err();
    let Error::GraphQL { errors, data } = &e else {
        panic!("{e:?}")
    };
    assert!(errors[0].message.contains("nosuchfield"), "{e}");
    assert_eq!(errors[0].locations.first().map(|l| l.0), Some(2));
    assert!(data.is_none());
    assert!(e.to_string().starts_with("graphql: "), "{e}");
    assert_eq!(e.message(), Some(errors[0].message.as_str()));
    // A resolver error next to a field that resolved: both are there.
    let e = gl
        .graphql(
            "query { currentUser { username } project(fullPath: \"demo-group/demo-project\") { issues(after: \"bogus\") { count } } }",
            json!({}),
        )
        .await
        .unwrap_err();
    let Error::GraphQL { errors, data } = &e else {
        panic!("{e:?}")
    };
    assert!(errors[0].message.contains("Invalid cursor"), "{e}");
    assert_eq!(errors[0].path, vec![json!("project"), json!("issues")]);
    assert_eq!(data.as_ref().unwrap()["currentUser"]["username"], "root");
    // Variables that are not an object are refused before sending.
    let before = emu.request_count();
    assert!(matches!(
        gl.graphql("{ x }", json!([1])).await,
        Err(Error::InvalidAttrs { .. })
    ));
    assert_eq!(emu.request_count(), before);
}

#[tokio::test]
async fn visibility_and_authentication_follow_rest() {
    let emu = demo().await;
    let gl = emu.client().unwrap();
    gl.projects()
        .create(
            gitlab_client::Attrs::new()
                .set("name", "secret")
                .set("visibility", "private"),
        )
        .await
        .unwrap();
    let q = "query { project(fullPath: \"root/secret\") { name } }";
    assert_eq!(
        gl.graphql(q, json!({})).await.unwrap()["project"]["name"],
        "secret"
    );
    let anon = Gitlab::anonymous(emu.url()).unwrap();
    assert_eq!(
        anon.graphql(q, json!({})).await.unwrap()["project"],
        serde_json::Value::Null
    );
    let group = gl
        .graphql(
            "{ group(fullPath: \"demo-group\") { fullPath projects { nodes { fullPath } } } }",
            json!({}),
        )
        .await
        .unwrap();
    assert_eq!(
        group["group"]["projects"]["nodes"][0]["fullPath"],
        "demo-group/demo-project"
    );
    let bad = Gitlab::new(emu.url(), "not-a-token").unwrap();
    let e = bad
        .graphql("{ currentUser { username } }", json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401), "{e}");
    assert!(e.to_string().contains("POST /api/graphql"), "{e}");
    assert!(!e.to_string().contains("not-a-token"), "{e}");
}

#[tokio::test]
async fn rate_limits_and_transient_errors_are_retried() {
    let emu = demo().await;
    emu.set_faults(
        Faults::new()
            .with(
                FaultRule::new(Fault::RateLimit {
                    retry_after: Some(0),
                })
                .path("/api/graphql")
                .times(1),
            )
            .with(
                FaultRule::new(Fault::ServerError(502))
                    .path("/api/graphql")
                    .nth(2)
                    .times(1),
            ),
    );
    let gl = Gitlab::builder(emu.url())
        .private_token(emu.admin_token())
        .retry_transient_errors(true)
        .build()
        .unwrap();
    let data = gl
        .graphql("{ currentUser { username } }", json!({}))
        .await
        .unwrap();
    assert_eq!(data["currentUser"]["username"], "root");
    let statuses: Vec<u16> = emu
        .requests()
        .iter()
        .filter(|r| r.path == "/api/graphql")
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses,
        vec![429, 502, 200],
        "a query is retried like a GET"
    );
    // A mutation is a write: a 502 is not retried without retry_writes.
    emu.set_faults(
        Faults::new().with(
            FaultRule::new(Fault::ServerError(502))
                .path("/api/graphql")
                .times(1),
        ),
    );
    let e = gl.graphql("mutation { x }", json!({})).await.unwrap_err();
    assert_eq!(e.status(), Some(502), "{e}");
}
