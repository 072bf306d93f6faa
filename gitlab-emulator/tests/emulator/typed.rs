//! The schema's types on the emulator: parameters of the wrong type get
//! GitLab's 400 before anything happens, whichever way they travel, and every
//! response field a resource declares is in its answers, so the client's typed
//! accessors read real values.

use super::{api, demo, get, post, send, Resp};
use gitlab_client::resources::{
    IssueState, ProjectCreate, ProjectIssueCreate, ProjectMergeRequestCreate, Visibility,
};
use gitlab_client::{Attrs, DynManager, Error};
use gitlab_emulator::{Emulator, ADMIN_TOKEN};
use serde_json::{json, Value};

async fn demo_project(emu: &Emulator) -> u64 {
    emu.project_id("demo-group/demo-project").unwrap()
}

async fn get_query(emu: &Emulator, path: &str, query: &[(&str, &str)]) -> Resp {
    send(
        super::http()
            .get(api(emu, path))
            .query(query)
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
    )
    .await
}

async fn send_form(emu: &Emulator, method: reqwest::Method, path: &str, form: &str) -> Resp {
    send(
        super::http()
            .request(method, api(emu, path))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_string()),
    )
    .await
}

async fn put_json(emu: &Emulator, path: &str, body: Value) -> Resp {
    send(
        super::http()
            .put(api(emu, path))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .header("content-type", "application/json")
            .body(body.to_string()),
    )
    .await
}

fn error(r: &Resp) -> (u16, Value) {
    (r.status, r.json())
}

fn says(msg: &str) -> (u16, Value) {
    (400, json!({ "error": msg }))
}

#[tokio::test]
async fn wrong_types_in_json_bodies_get_gitlabs_400() {
    let emu = demo().await;
    let pid = demo_project(&emu).await;
    let issues = format!("/projects/{pid}/issues");
    let before = get(&emu, &issues).await.json().as_array().unwrap().len();
    for (body, msg) in [
        (
            json!({"title": "t", "confidential": "maybe"}),
            "confidential is invalid",
        ),
        (
            json!({"title": "t", "confidential": 2}),
            "confidential is invalid",
        ),
        (
            json!({"title": "t", "milestone_id": "abc"}),
            "milestone_id is invalid",
        ),
        (
            json!({"title": "t", "milestone_id": true}),
            "milestone_id is invalid",
        ),
        (
            json!({"title": "t", "due_date": "2024-13-45"}),
            "due_date is invalid",
        ),
        (
            json!({"title": "t", "due_date": "next week"}),
            "due_date is invalid",
        ),
        (
            json!({"title": "t", "created_at": "yesterday"}),
            "created_at is invalid",
        ),
        (
            json!({"title": "t", "assignee_ids": ["x"]}),
            "assignee_ids is invalid",
        ),
        (
            json!({"title": "t", "assignee_ids": 1}),
            "assignee_ids is invalid",
        ),
        (
            json!({"title": "t", "assignee_ids": [1, null]}),
            "assignee_ids is invalid",
        ),
        (
            json!({"title": "t", "description": ["a"]}),
            "description is invalid",
        ),
        (json!({"title": {"a": 1}}), "title is invalid"),
        // Several problems are joined in the table's order; a missing one comes first.
        (
            json!({"title": "t", "due_date": "x", "confidential": "maybe"}),
            "confidential is invalid, due_date is invalid",
        ),
        (
            json!({"confidential": "maybe"}),
            "title is missing, confidential is invalid",
        ),
    ] {
        let r = post(&emu, &issues, body.clone()).await;
        assert_eq!(error(&r), says(msg), "{body}");
    }
    // Nothing was created, and grape answers before the project is looked up.
    let after = get(&emu, &issues).await.json().as_array().unwrap().len();
    assert_eq!(before, after);
    let r = post(
        &emu,
        "/projects/999999/issues",
        json!({"title": "t", "confidential": "x"}),
    )
    .await;
    assert_eq!(error(&r), says("confidential is invalid"));

    // Updates and enums: a value outside the set has its own message.
    let issue = format!("{issues}/1");
    for (body, msg) in [
        (
            json!({"state_event": "explode"}),
            "state_event does not have a valid value",
        ),
        (json!({"state_event": ["close"]}), "state_event is invalid"),
        (
            json!({"discussion_locked": "perhaps"}),
            "discussion_locked is invalid",
        ),
        (
            json!({"updated_at": "2024-05-01T25:00:00Z"}),
            "updated_at is invalid",
        ),
    ] {
        let r = put_json(&emu, &issue, body.clone()).await;
        assert_eq!(error(&r), says(msg), "{body}");
    }
    // A resource without handlers of its own is checked the same way.
    let r = post(
        &emu,
        &format!("/projects/{pid}/labels"),
        json!({"name": "x", "color": "#fff", "priority": "high"}),
    )
    .await;
    assert_eq!(error(&r), says("priority is invalid"));
    // And so are action arguments.
    let r = post(
        &emu,
        &format!("{issue}/move"),
        json!({"to_project_id": "elsewhere"}),
    )
    .await;
    assert_eq!(error(&r), says("to_project_id is invalid"));
}

#[tokio::test]
async fn wrong_types_in_query_strings_and_forms_get_gitlabs_400() {
    let emu = demo().await;
    let pid = demo_project(&emu).await;
    let issues = format!("/projects/{pid}/issues");
    for (query, msg) in [
        (
            vec![("state", "bogus")],
            "state does not have a valid value",
        ),
        (vec![("sort", "up")], "sort does not have a valid value"),
        (vec![("iids[]", "1"), ("iids[]", "x")], "iids is invalid"),
        (vec![("iids", "1")], "iids is invalid"),
        (vec![("author_id", "abc")], "author_id is invalid"),
        (
            vec![("created_after", "2024-02-30")],
            "created_after is invalid",
        ),
        (
            vec![("state", "bogus"), ("author_id", "x")],
            "state does not have a valid value, author_id is invalid",
        ),
    ] {
        let r = get_query(&emu, &issues, &query).await;
        assert_eq!(error(&r), says(msg), "{query:?}");
    }
    let r = get_query(&emu, "/projects", &[("archived", "maybe")]).await;
    assert_eq!(error(&r), says("archived is invalid"));
    let r = get_query(&emu, "/projects", &[("visibility", "secret")]).await;
    assert_eq!(error(&r), says("visibility does not have a valid value"));

    // Form bodies are text like query strings.
    for (form, msg) in [
        ("title=t&confidential=maybe", "confidential is invalid"),
        ("title=t&due_date=01%2F05%2F2024", "due_date is invalid"),
        (
            "title=t&assignee_ids[]=1&assignee_ids[]=two",
            "assignee_ids is invalid",
        ),
        ("title=t&milestone_id=1.5", "milestone_id is invalid"),
    ] {
        let r = send_form(&emu, reqwest::Method::POST, &issues, form).await;
        assert_eq!(error(&r), says(msg), "{form}");
    }
    let r = send_form(
        &emu,
        reqwest::Method::PUT,
        &format!("{issues}/1"),
        "state_event=shut",
    )
    .await;
    assert_eq!(error(&r), says("state_event does not have a valid value"));
    // Action arguments in a form.
    let r = send_form(
        &emu,
        reqwest::Method::POST,
        &format!("{issues}/1/move"),
        "to_project_id=abc",
    )
    .await;
    assert_eq!(error(&r), says("to_project_id is invalid"));
}

#[tokio::test]
async fn values_gitlab_accepts_pass_in_every_spelling() {
    let emu = demo().await;
    let pid = demo_project(&emu).await;
    let issues = format!("/projects/{pid}/issues");
    let r = get_query(
        &emu,
        &issues,
        &[
            ("state", "opened"),
            ("iids[]", "1"),
            ("iids[]", "2"),
            ("labels", "a,b"),
            ("author_id", "1"),
            ("created_after", "2020-01-01T00:00:00Z"),
            ("updated_before", "2999-01-01"),
            ("sort", "asc"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    for archived in ["true", "false", "1", "0", "yes", "no"] {
        let r = get_query(&emu, "/projects", &[("archived", archived)]).await;
        assert_eq!(r.status, 200, "archived={archived}");
    }

    // A form: booleans as 1/yes, integers as digits, lists as a[] and commas.
    let r = send_form(
        &emu,
        reqwest::Method::POST,
        &issues,
        "title=Form&confidential=1&due_date=2024-05-01&labels=a,b&assignee_ids[]=1&created_at=2024-05-01T10:00:00%2B02:00",
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let v = r.json();
    assert_eq!(v["confidential"], json!(true));
    assert_eq!(v["due_date"], json!("2024-05-01"));
    assert_eq!(v["labels"], json!(["a", "b"]));
    assert_eq!(v["assignees"][0]["id"], json!(1));

    // JSON with text for typed values, as grape coerces them too.
    let r = post(
        &emu,
        &issues,
        json!({"title": "Json", "confidential": "yes", "milestone_id": "", "assignee_ids": ["1"]}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    assert_eq!(r.json()["confidential"], json!(true));
    let iid = r.json()["iid"].as_u64().unwrap();
    let r = put_json(
        &emu,
        &format!("{issues}/{iid}"),
        json!({"state_event": "close", "discussion_locked": "false"}),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    assert_eq!(r.json()["state"], json!("closed"));

    // A generic resource keeps the coerced value.
    let r = send_form(
        &emu,
        reqwest::Method::POST,
        &format!("/projects/{pid}/labels"),
        "name=prio&color=%23fff&priority=3",
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    assert_eq!(r.json()["priority"], json!(3));
}

#[tokio::test]
async fn the_dynamic_client_gets_the_same_answers() {
    let emu = demo().await;
    let gl = emu.client().unwrap();
    let pid = demo_project(&emu).await;
    let meta = gitlab_client::resources::find("ProjectIssue").unwrap();
    let issues = DynManager::new(&gl, meta).with_parent("project_id", pid);
    let bad = issues
        .create(Attrs::new().set("title", "t").set("confidential", "maybe"))
        .await
        .unwrap_err();
    assert_eq!(bad.status(), Some(400), "{bad}");
    assert_eq!(bad.message(), Some("confidential is invalid"));
    let ok = issues
        .create(Attrs::new().set("title", "t").set("confidential", true))
        .await
        .unwrap();
    assert_eq!(ok.attr("confidential"), Some(&json!(true)));

    let project = gl.projects().get(pid).await.unwrap();
    let listed: Result<Vec<_>, Error> = project
        .issues()
        .list()
        .filter_unchecked("state", "bogus")
        .all()
        .await;
    let e = listed.unwrap_err();
    assert_eq!(e.message(), Some("state does not have a valid value"));
}

#[tokio::test]
async fn created_objects_read_back_through_typed_accessors() {
    let emu = demo().await;
    let gl = emu.client().unwrap();
    let pid = demo_project(&emu).await;
    let project = gl.projects().get(pid).await.unwrap();
    assert_eq!(project.name(), Some("Demo Project"));
    assert_eq!(
        project.path_with_namespace(),
        Some("demo-group/demo-project")
    );
    assert_eq!(project.visibility(), Some(Visibility::Public));
    assert_eq!(project.archived(), Some(false));
    assert!(project.created_at().is_some());
    assert_eq!(project.topics(), Some(Vec::new()));

    let due = gitlab_client::Date::new(2024, 5, 1).unwrap();
    let issue = project
        .issues()
        .create(
            ProjectIssueCreate::new("Typed")
                .confidential(true)
                .labels(["bug", "docs"])
                .due_date(due),
        )
        .await
        .unwrap();
    let fetched = project.issues().get(issue.iid().unwrap()).await.unwrap();
    for i in [&issue, &fetched] {
        assert_eq!(i.title(), Some("Typed"));
        assert_eq!(i.confidential(), Some(true));
        assert_eq!(i.labels(), Some(vec!["bug", "docs"]));
        assert_eq!(i.due_date(), Some(due));
        assert_eq!(i.state(), Some(IssueState::Opened));
        assert_eq!(i.author().and_then(|a| a.username()), Some("root"));
        assert!(i.created_at().is_some(), "{:?}", i.attr("created_at"));
        assert_eq!(i.assignees().map(|a| a.len()), Some(0));
        // Declared, with no value here: present as null, read as None.
        assert_eq!(i.attr("health_status"), Some(&Value::Null));
        assert_eq!(i.health_status(), None);
        assert_eq!(i.weight(), None);
    }

    let mr = project
        .merge_requests()
        .create(ProjectMergeRequestCreate::new(
            "feature/demo",
            "main",
            "Typed MR",
        ))
        .await
        .unwrap();
    assert_eq!(mr.title(), Some("Typed MR"));
    assert_eq!(mr.source_branch(), Some("feature/demo"));
    assert_eq!(mr.author().and_then(|a| a.username()), Some("root"));
    assert_eq!(mr.draft(), Some(false));
    assert!(mr.created_at().is_some());
    assert_eq!(mr.merged_at(), None);
    assert_eq!(mr.attr("merged_at"), Some(&Value::Null));

    let created = gl
        .projects()
        .create(ProjectCreate::new().name("typed-project"))
        .await
        .unwrap();
    assert_eq!(created.name(), Some("typed-project"));
    assert!(created.id().is_some());
}

/// The resource's schema table.
fn meta(name: &str) -> &'static gitlab_client::ResourceMeta {
    gitlab_client::resources::find(name).unwrap()
}

fn missing_fields(obj: &Value, name: &str) -> Vec<&'static str> {
    meta(name)
        .fields
        .iter()
        .filter(|f| obj.get(f.name).is_none())
        .map(|f| f.name)
        .collect()
}

#[tokio::test]
async fn every_declared_field_is_rendered_null_or_empty_when_it_has_no_value() {
    let emu = demo().await;
    let pid = demo_project(&emu).await;

    // Core resources, in single answers and in listings.
    for (path, name) in [
        (format!("/projects/{pid}"), "Project"),
        (format!("/projects/{pid}/issues/1"), "ProjectIssue"),
        ("/users/1".to_string(), "User"),
    ] {
        let v = get(&emu, &path).await.json();
        assert_eq!(missing_fields(&v, name), Vec::<&str>::new(), "{path}");
    }
    let list = get(&emu, &format!("/projects/{pid}/issues")).await.json();
    for issue in list.as_array().unwrap() {
        assert_eq!(missing_fields(issue, "ProjectIssue"), Vec::<&str>::new());
    }
    let issue = get(&emu, &format!("/projects/{pid}/issues/1")).await.json();
    assert_eq!(issue["health_status"], Value::Null);
    assert_eq!(issue["epic"], Value::Null);
    assert_eq!(issue["weight"], Value::Null);
    let r = post(
        &emu,
        &format!("/projects/{pid}/merge_requests"),
        json!({"source_branch": "feature/demo", "target_branch": "main", "title": "m"}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    assert_eq!(
        missing_fields(&r.json(), "ProjectMergeRequest"),
        Vec::<&str>::new()
    );

    // A generic resource: the attributes sent, plus every other declared field
    // blank (lists empty), in the create answer, a get and a listing.
    let r = post(
        &emu,
        &format!("/projects/{pid}/hooks"),
        json!({"url": "http://127.0.0.1/h"}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let hook = r.json();
    assert_eq!(missing_fields(&hook, "ProjectHook"), Vec::<&str>::new());
    assert_eq!(hook["url"], json!("http://127.0.0.1/h"));
    assert_eq!(hook["url_variables"], json!([]));
    assert_eq!(hook["custom_headers"], json!([]));
    let id = hook["id"].as_u64().unwrap();
    let again = get(&emu, &format!("/projects/{pid}/hooks/{id}"))
        .await
        .json();
    assert_eq!(again, hook);
    let listed = get(&emu, &format!("/projects/{pid}/hooks")).await.json();
    assert_eq!(listed, json!([hook]));

    let r = post(
        &emu,
        &format!("/projects/{pid}/labels"),
        json!({"name": "bug", "color": "#f00"}),
    )
    .await;
    let label = r.json();
    assert_eq!(label["text_color"], json!("#FFFFFF"));
    assert_eq!(label["priority"], Value::Null);
    assert_eq!(missing_fields(&label, "ProjectLabel"), Vec::<&str>::new());
    // An update keeps them.
    let r = put_json(
        &emu,
        &format!("/projects/{pid}/labels/bug"),
        json!({"name": "bug", "description": "Broken"}),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    assert_eq!(
        missing_fields(&r.json(), "ProjectLabel"),
        Vec::<&str>::new()
    );
    assert_eq!(r.json()["description"], json!("Broken"));
}
