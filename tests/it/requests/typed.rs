//! The typed API on the wire: each value type's encoding in a JSON body, a
//! query string and a multipart form; accessors against drifted responses;
//! unknown names refused before any request, and the unchecked escape hatch.

use super::*;
use gitlab_client::resources::{
    AccessLevel, IssueState, ProjectCreate, ProjectIssue, ProjectIssueCreate, ProjectUpdate, Sort,
    StateEvent, Visibility,
};
use gitlab_client::{Attrs, Date, DateTime, FilePart, Id, Map};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::Mock;

fn dt(s: &str) -> DateTime {
    DateTime::parse(s).expect("a valid datetime")
}

/// The query pairs of a recorded request, decoded, in order.
fn query_pairs(r: &Request) -> Vec<(String, String)> {
    r.url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn typed_values_in_a_json_body() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/issues"))
        .respond_with(ok_json(json!({"iid": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let create = ProjectIssueCreate::new("Typed")
        .confidential(true)
        .assignee_ids(vec![1u64, 2])
        .labels(vec!["bug", "ui"])
        .due_date(Date::new(2026, 12, 24).expect("date"))
        .created_at(dt("2026-12-01T10:30:00+02:00"))
        .milestone_id(7);
    client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .create(create)
        .await
        .expect("create");
    let body = body_of(&requests(&server).await[0]);
    assert_eq!(
        body,
        json!({
            "title": "Typed",
            "confidential": true,
            "assignee_ids": [1, 2],
            // a comma-separated list is an array in a JSON body, `a,b` in a query
            "labels": ["bug", "ui"],
            "due_date": "2026-12-24",
            "created_at": "2026-12-01T10:30:00+02:00",
            "milestone_id": 7
        })
    );
    server.verify().await;
}

#[tokio::test]
async fn typed_filters_in_a_query_string() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/issues"))
        .respond_with(list_page(json!([]), None))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .list()
        .state(IssueState::Opened)
        .labels(["bug", "ui"])
        .iids([3u64, 4])
        .created_after(dt("2026-01-01T00:00:00Z"))
        .sort(Sort::Asc)
        .page(1)
        .await
        .expect("page");
    let q = query_pairs(&requests(&server).await[0]);
    let want: Vec<(String, String)> = [
        ("state", "opened"),
        ("labels", "bug,ui"),
        ("iids[]", "3"),
        ("iids[]", "4"),
        ("created_after", "2026-01-01T00:00:00Z"),
        ("sort", "asc"),
        ("page", "1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(q, want);
    server.verify().await;
}

#[tokio::test]
async fn hashes_and_booleans_in_a_body_and_in_a_multipart_form() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects"))
        .respond_with(ok_json(json!({"id": 5})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/5"))
        .respond_with(ok_json(json!({"id": 5})))
        .expect(1)
        .mount(&server)
        .await;
    let mut policy = Map::new();
    policy.insert("enabled".into(), json!(true));
    policy.insert("keep_n".into(), json!(5));
    let gl = client(&server);
    gl.projects()
        .create(
            ProjectCreate::new()
                .name("p")
                .visibility(Visibility::Internal)
                .container_expiration_policy_attributes(policy.clone())
                .lfs_enabled(false),
        )
        .await
        .expect("create");
    gl.projects()
        .update(
            5u64,
            ProjectUpdate::new()
                .avatar(FilePart::new("a.png", &b"PNG"[..]).mime("image/png"))
                .container_expiration_policy_attributes(policy)
                .lfs_enabled(true),
        )
        .await
        .expect("update");
    let reqs = requests(&server).await;
    assert_eq!(
        body_of(&reqs[0]),
        json!({"name": "p", "visibility": "internal", "container_expiration_policy_attributes": {"enabled": true, "keep_n": 5}, "lfs_enabled": false})
    );
    let form = String::from_utf8_lossy(&reqs[1].body);
    for part in [
        r#"name="avatar"; filename="a.png""#,
        "image/png",
        r#"name="container_expiration_policy_attributes[enabled]""#,
        r#"name="container_expiration_policy_attributes[keep_n]""#,
        r#"name="lfs_enabled""#,
    ] {
        assert!(form.contains(part), "multipart lacks {part}: {form}");
    }
    assert!(
        form.contains("\r\n\r\ntrue\r\n"),
        "booleans are sent as true/false: {form}"
    );
    server.verify().await;
}

#[tokio::test]
async fn an_unknown_enum_value_reads_as_other_and_goes_back_unchanged() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/5"))
        .respond_with(ok_json(json!({"id": 5, "visibility": "secret-ish"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/5"))
        .respond_with(ok_json(json!({"id": 5})))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    let p = gl.projects().get(5u64).await.expect("get");
    let v = p.visibility().expect("visibility");
    assert_eq!(v, Visibility::Other("secret-ish".into()));
    gl.projects()
        .update(5u64, ProjectUpdate::new().visibility(v))
        .await
        .expect("update");
    assert_eq!(
        body_of(&requests(&server).await[1]),
        json!({"visibility": "secret-ish"})
    );
    // Integer enums keep unknown numbers too.
    assert_eq!(AccessLevel::from_wire(35), AccessLevel::Other(35));
    assert_eq!(AccessLevel::from_wire(30), AccessLevel::Developer);
    assert_eq!(StateEvent::from_wire("close").as_str(), "close");
    server.verify().await;
}

#[tokio::test]
async fn accessors_read_drifted_responses_without_panicking() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/issues/2"))
        .respond_with(ok_json(json!({
            "iid": "2",                       // a string where a number is due
            "title": null,                    // null
            "confidential": true,
            "labels": ["a", 3],               // one element of another type
            "state": "triaged",               // a value the schema does not know
            "created_at": "not a date",
            "due_date": "2026-02-30",         // no such day
            "author": {"id": 9, "username": "ann", "brand_new": {"x": 1}},
            "assignees": [{"id": 1}, "oops"],
            "a_field_from_tomorrow": 1
        })))
        .expect(1)
        .mount(&server)
        .await;
    let issue: ProjectIssue = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .get(2u64)
        .await
        .expect("get");
    assert_eq!(issue.iid(), None);
    assert!(
        issue.get::<u64>("iid").is_err(),
        "the strict reader says what is wrong"
    );
    assert_eq!(issue.title(), None);
    assert_eq!(issue.confidential(), Some(true));
    assert_eq!(issue.labels(), None);
    assert_eq!(issue.state(), Some(IssueState::Other("triaged".into())));
    assert_eq!(issue.created_at(), None);
    assert_eq!(issue.due_date(), None);
    assert_eq!(issue.description(), None, "missing field");
    let author = issue.author().expect("author view");
    assert_eq!(author.id(), Some(9));
    assert_eq!(author.username(), Some("ann"));
    assert_eq!(
        author.json()["brand_new"],
        json!({"x": 1}),
        "extra fields stay reachable"
    );
    // Views are copies of a reference: reading one leaves it usable, and it prints its JSON.
    let copy = author;
    assert_eq!(copy.username(), author.username());
    assert!(format!("{author:?}").contains("\"ann\""));
    assert_eq!(author.read::<&str>("username"), Some("ann"));
    assert!(issue.assignees().is_none());
    assert_eq!(issue.attr("a_field_from_tomorrow"), Some(&json!(1)));
    // Ids may be paths: a string id is kept as one.
    assert_eq!(issue.id(), Some(Id::Path("2".into())));
    server.verify().await;
}

#[tokio::test]
async fn a_field_set_reads_the_accessors_of_the_set_it_extends() {
    // A project member's fields are a project user's plus the membership's:
    // `username` is generated once, on `Fields<fields::ProjectUser>`.
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/members/7"))
        .respond_with(ok_json(json!({
            "id": 7, "username": "ann", "name": "Ann", "state": "active",
            "access_level": 30, "expires_at": "2027-01-31"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let member = client(&server)
        .projects()
        .get_lazy(1)
        .members()
        .get(7u64)
        .await
        .expect("get");
    let inherited: Option<&str> = member.username();
    assert_eq!(inherited, Some("ann"));
    assert_eq!(member.name(), Some("Ann"));
    assert_eq!(member.state(), Some("active"));
    assert_eq!(member.avatar_url(), None, "missing field");
    assert_eq!(member.access_level(), Some(AccessLevel::Developer));
    assert_eq!(member.expires_at(), Date::new(2027, 1, 31));
    // The same accessors through the field-set types, as the docs name them.
    let own: &gitlab_client::Fields<gitlab_client::resources::fields::ProjectMember> = &member;
    let base: &gitlab_client::Fields<gitlab_client::resources::fields::ProjectUser> = own;
    assert_eq!(base.username(), Some("ann"));
}

#[tokio::test]
async fn unknown_names_are_refused_before_sending_and_unchecked_ones_are_sent() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/issues"))
        .respond_with(list_page(json!([]), None))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/issues"))
        .respond_with(ok_json(json!({"iid": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let issues = client(&server).projects().get_lazy(1).issues();
    let e = issues
        .list()
        .filter("stat", "opened")
        .page(1)
        .await
        .expect_err("unknown filter");
    assert!(
        e.to_string()
            .contains("unknown list filter attribute 'stat' (did you mean 'state'?)"),
        "{e}"
    );
    let e = issues
        .create(Attrs::new().set("title", "t").set("lables", vec!["bug"]))
        .await
        .expect_err("unknown attribute");
    assert!(
        e.to_string()
            .contains("unknown create attribute 'lables' (did you mean 'labels'?)"),
        "{e}"
    );
    assert!(requests(&server).await.is_empty(), "nothing was sent");
    issues
        .list()
        .filter_unchecked("stat_from_tomorrow", "x")
        .page(1)
        .await
        .expect("unchecked filter is sent");
    issues
        .create(ProjectIssueCreate::new("t").with("field_from_tomorrow", 1))
        .await
        .expect("unchecked attribute is sent");
    let reqs = requests(&server).await;
    assert!(query_pairs(&reqs[0]).contains(&("stat_from_tomorrow".into(), "x".into())));
    assert_eq!(
        body_of(&reqs[1]),
        json!({"title": "t", "field_from_tomorrow": 1})
    );
    server.verify().await;
}

#[test]
fn builders_compare_clone_and_print_as_their_resource() {
    let a = ProjectIssueCreate::new("t").confidential(true);
    assert_eq!(a.clone(), a);
    assert_ne!(a.clone().confidential(false), a);
    let printed = format!("{a:?}");
    assert!(printed.starts_with("ProjectIssueCreate("), "{printed}");
    assert!(printed.contains("confidential"), "{printed}");
    let u = format!("{:?}", ProjectUpdate::new());
    assert!(u.starts_with("ProjectUpdate("), "{u}");
}

/// The issue's "done when" snippet, compiled.
#[allow(dead_code)]
fn typed_api_compiles(gl: gitlab_client::Gitlab) {
    let _c = ProjectIssueCreate::new("t")
        .confidential(true)
        .assignee_ids(vec![1u64, 2])
        .labels(vec!["a", "b"]);
    fn read(issue: &ProjectIssue) {
        let _: Option<u64> = issue.iid();
        let _: Option<String> = issue.title().map(Into::into);
        let _: Option<bool> = issue.confidential();
    }
    let _ = read;
    drop(gl.projects().get(1u64));
    drop(gl.projects().get("group/project"));
    let _: Option<Id> = None;
}
