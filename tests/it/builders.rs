//! Typed create/update builders generated from the attribute tables.

use gitlab_client::resources::{
    GroupCreate, ProjectIssueCreate, ProjectIssueNoteUpdate, ProjectIssueUpdate,
    ProjectMemberCreate,
};
use gitlab_client::{Attrs, Param};
use serde_json::json;

fn value(a: &Attrs, k: &str) -> Option<serde_json::Value> {
    match a.get(k) {
        Some(Param::Value(v)) => Some(v.clone()),
        _ => None,
    }
}

#[test]
fn required_attributes_are_constructor_arguments_and_optional_ones_setters() {
    let a: Attrs = ProjectIssueCreate::new("Broken link")
        .labels(vec!["bug", "docs"])
        .due_date(gitlab_client::Date::new(2026, 12, 1).expect("date"))
        .into();
    assert_eq!(value(&a, "title"), Some(json!("Broken link")));
    assert_eq!(value(&a, "labels"), Some(json!(["bug", "docs"])));
    assert_eq!(value(&a, "due_date"), Some(json!("2026-12-01")));
    assert_eq!(a.len(), 3);

    let g: Attrs = GroupCreate::new("Platform", "platform")
        .visibility(gitlab_client::resources::Visibility::Private)
        .into();
    assert_eq!(value(&g, "name"), Some(json!("Platform")));
    assert_eq!(value(&g, "path"), Some(json!("platform")));
}

#[test]
fn exclusive_groups_become_one_constructor_per_member() {
    let by_name: Attrs = ProjectMemberCreate::new_with_username(
        gitlab_client::resources::AccessLevel::Developer,
        "alice",
    )
    .expires_at("2027-01-01")
    .into();
    assert_eq!(value(&by_name, "access_level"), Some(json!(30)));
    assert_eq!(value(&by_name, "username"), Some(json!("alice")));
    assert!(!by_name.contains("user_id"));

    let by_id: Attrs =
        ProjectMemberCreate::new_with_user_id(gitlab_client::resources::AccessLevel::Maintainer, 7)
            .into();
    assert_eq!(value(&by_id, "user_id"), Some(json!(7)));
    assert!(!by_id.contains("username"));
}

#[test]
fn update_builders_take_required_update_attributes() {
    let empty: Attrs = ProjectIssueUpdate::new().into();
    assert!(empty.is_empty());
    let closed: Attrs = ProjectIssueUpdate::new()
        .state_event(gitlab_client::resources::StateEvent::Close)
        .with("weight", 3)
        .into();
    assert_eq!(value(&closed, "state_event"), Some(json!("close")));
    assert_eq!(value(&closed, "weight"), Some(json!(3)));
    let note: Attrs = ProjectIssueNoteUpdate::new("edited").into();
    assert_eq!(value(&note, "body"), Some(json!("edited")));
}

#[tokio::test]
async fn a_builder_is_accepted_by_create() {
    use wiremock::matchers::{body_json, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/5/issues"))
        .and(body_json(
            json!({"title": "t", "labels": ["a", "b"], "assignee_ids": [1, 2]}),
        ))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"id": 1, "iid": 1, "title": "t"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let gl = gitlab_client::Gitlab::new(server.uri(), "t").expect("client");
    let issue = gl
        .projects()
        .get_lazy(5)
        .issues()
        .create(
            ProjectIssueCreate::new("t")
                .labels(vec!["a", "b"])
                .assignee_ids(vec![1, 2]),
        )
        .await
        .expect("created");
    assert_eq!(issue.id(), Some(gitlab_client::Id::Num(1)));
}

#[tokio::test]
async fn typed_views_name_the_field_that_does_not_fit() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Author {
        id: u64,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Issue {
        title: String,
        author: Author,
    }
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"iid": 1, "title": "t", "author": {"id": "x"}})),
        )
        .mount(&server)
        .await;
    let gl = gitlab_client::Gitlab::new(server.uri(), "t").expect("client");
    let issue = gl
        .projects()
        .get_lazy(1)
        .issues()
        .get(1)
        .await
        .expect("get");
    let e = issue
        .deserialize::<Issue>()
        .expect_err("author.id is a string");
    assert!(
        e.to_string()
            .starts_with("attribute 'author.id' of ProjectIssue: invalid type"),
        "{e}"
    );
    let title: String = issue.get("title").expect("title");
    assert_eq!(title, "t");
    let missing: Option<String> = issue.get("due_date").expect("absent reads as null");
    assert_eq!(missing, None);
}
