//! get / get_lazy / create / update / delete / singletons, sudo, parents, and
//! validation that happens before any request.

use super::*;
use gitlab_client::resources::kind;
use gitlab_client::{Attrs, Manager, Op};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::Mock;

#[tokio::test]
async fn get_by_numeric_id() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .and(Query(""))
        .and(header("private-token", TOKEN))
        .and(EmptyBody)
        .respond_with(ok_json(
            json!({"id": 1, "name": "Project", "path_with_namespace": "group/project", "topics": ["a"]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let p = client(&server).projects().get(1).await.expect("get 1");
    assert_eq!(p.id(), Some(gitlab_client::Id::Num(1)));
    assert!(!p.is_lazy());
    assert_eq!(
        p.get::<String>("path_with_namespace").expect("string"),
        "group/project"
    );
    assert_eq!(p.get::<Vec<String>>("topics").expect("list"), ["a"]);
    assert_eq!(
        p.get::<Option<String>>("missing").expect("absent is null"),
        None
    );
    assert!(p.unsaved_changes().is_empty());
    assert_eq!(lines(&server).await, ["GET /api/v4/projects/1"]);
    server.verify().await;
}

#[tokio::test]
async fn get_by_path_encodes_the_slash_in_the_raw_request_path() {
    let server = server().await;
    // wiremock's path() compares the raw path: the decoded form must not match.
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/group/project"))
        .respond_with(ok_json(json!({"id": 0})))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/group%2Fproject"))
        .and(Query(""))
        .respond_with(ok_json(
            json!({"id": 42, "path_with_namespace": "group/project"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/my%20group%2Fsub%2Fa.b-c_d~e"))
        .respond_with(ok_json(json!({"id": 43})))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    let p = gl
        .projects()
        .get("group/project")
        .await
        .expect("get by path");
    assert_eq!(
        p.id(),
        Some(gitlab_client::Id::Num(42)),
        "the server's numeric id replaces the path"
    );
    gl.projects()
        .get("my group/sub/a.b-c_d~e")
        .await
        .expect("get by nested path");
    let reqs = requests(&server).await;
    let raw: Vec<&str> = reqs.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        raw,
        [
            "/api/v4/projects/group%2Fproject",
            "/api/v4/projects/my%20group%2Fsub%2Fa.b-c_d~e"
        ]
    );
    server.verify().await;
}

#[tokio::test]
async fn get_by_a_name_id_attribute_encodes_it() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(
            "/api/v4/projects/1/repository/branches/feature%2Flogin",
        ))
        .respond_with(ok_json(json!({"name": "feature/login", "merged": false})))
        .expect(1)
        .mount(&server)
        .await;
    let branch = client(&server)
        .projects()
        .get_lazy(1)
        .branches()
        .get("feature/login")
        .await
        .expect("branch");
    assert_eq!(branch.id(), Some(gitlab_client::Id::from("feature/login")));
    server.verify().await;
}

#[tokio::test]
async fn get_lazy_sends_nothing_and_its_sub_resources_use_the_encoded_id() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/g%2Fp/issues"))
        .and(Query("page=1"))
        .and(header("private-token", TOKEN))
        .respond_with(list_page(json!([{"iid": 1, "project_id": 9}]), None))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    let project = gl.projects().get_lazy("g/p");
    assert!(project.is_lazy());
    assert_eq!(project.id(), Some(gitlab_client::Id::from("g/p")));
    assert_eq!(project.to_json(), json!({"id": "g/p"}));
    assert!(
        requests(&server).await.is_empty(),
        "get_lazy sent a request"
    );
    let page = project.issues().list().page(1).await.expect("issues");
    assert_eq!(ids(&page.items), [json!(1)]);
    // The issue keeps the path it was reached by, not the server's project_id.
    assert_eq!(
        page.items[0].notes().path().expect("path"),
        "/projects/g%2Fp/issues/1/notes"
    );
    assert_eq!(
        lines(&server).await,
        ["GET /api/v4/projects/g%2Fp/issues?page=1"]
    );
    server.verify().await;
}

#[tokio::test]
async fn create_sends_the_exact_json_body() {
    let server = server().await;
    let expected = json!({
        "title": "Broken link",
        "labels": ["a", "b"],     // comma_separated: an array in JSON bodies
        "assignee_ids": [4, 5],   // no special type: stays an array
        "confidential": true,
        "description": null,
    });
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/issues"))
        .and(Query(""))
        .and(header("content-type", "application/json"))
        .and(header("private-token", TOKEN))
        .and(body_json(&expected))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"iid": 12, "project_id": 1, "title": "Broken link", "labels": ["a", "b"]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let issue = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .create(
            Attrs::new()
                .set("title", "Broken link")
                .set("labels", vec!["a", "b"])
                .set("assignee_ids", vec![4, 5])
                .set("confidential", true)
                .set("description", Value::Null),
        )
        .await
        .expect("create");
    assert_eq!(issue.id(), Some(gitlab_client::Id::Num(12)));
    assert_eq!(
        issue.get::<Vec<String>>("labels").expect("labels"),
        ["a", "b"]
    );
    assert_eq!(
        issue.notes().path().expect("path"),
        "/projects/1/issues/12/notes"
    );
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 1);
    assert_eq!(body_of(&reqs[0]), expected);
    server.verify().await;
}

#[tokio::test]
async fn create_keeps_array_typed_attributes_as_arrays() {
    let server = server().await;
    let expected = json!({"access_level": 30, "user_id": 3, "tasks_to_be_done": ["code", "ci"]});
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/members"))
        .and(body_json(&expected))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"id": 3, "access_level": 30})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let member = client(&server)
        .projects()
        .get_lazy(1)
        .members()
        .create(
            Attrs::new()
                .set("access_level", 30)
                .set("user_id", 3)
                .set("tasks_to_be_done", vec!["code", "ci"]),
        )
        .await
        .expect("create member");
    assert_eq!(member.id(), Some(gitlab_client::Id::Num(3)));
    server.verify().await;
}

#[tokio::test]
async fn update_by_id_puts_the_attributes() {
    let server = server().await;
    let expected = json!({"description": "New", "topics": ["rust", "api"]});
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/1"))
        .and(Query(""))
        .and(header("content-type", "application/json"))
        .and(body_json(&expected))
        .respond_with(ok_json(
            json!({"id": 1, "description": "New", "topics": ["api", "rust"]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/g%2Fp"))
        .and(body_json(json!({"name": "P"})))
        .respond_with(ok_json(json!({"id": 2, "name": "P"})))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    let p = gl
        .projects()
        .update(
            1,
            Attrs::new()
                .set("description", "New")
                .set("topics", vec!["rust", "api"]),
        )
        .await
        .expect("update");
    // The object is what the server answered.
    assert_eq!(
        p.get::<Vec<String>>("topics").expect("topics"),
        ["api", "rust"]
    );
    let p = gl
        .projects()
        .update("g/p", Attrs::new().set("name", "P"))
        .await
        .expect("update by path");
    assert_eq!(p.id(), Some(gitlab_client::Id::Num(2)));
    assert_eq!(
        lines(&server).await,
        ["PUT /api/v4/projects/1", "PUT /api/v4/projects/g%2Fp"]
    );
    server.verify().await;
}

#[tokio::test]
async fn update_answered_with_204_keeps_what_was_sent() {
    let server = server().await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/1/issues/3"))
        .and(body_json(json!({"title": "x"})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let issue = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .update(3, Attrs::new().set("title", "x"))
        .await
        .expect("update");
    assert_eq!(issue.to_json(), json!({"iid": 3, "title": "x"}));
    server.verify().await;
}

#[tokio::test]
async fn delete_sends_delete_and_accepts_204_and_202() {
    let server = server().await;
    Mock::given(method("DELETE"))
        .and(path("/api/v4/projects/1"))
        .and(Query(""))
        .and(EmptyBody)
        .and(header("private-token", TOKEN))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v4/projects/g%2Fp"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"message": "202 Accepted"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v4/projects/1/issues/3"))
        .and(EmptyBody)
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    gl.projects().delete(1).await.expect("delete 1");
    gl.projects().delete("g/p").await.expect("delete by path");
    gl.projects()
        .get_lazy(1)
        .issues()
        .get_lazy(3)
        .delete()
        .await
        .expect("object delete");
    assert_eq!(
        lines(&server).await,
        [
            "DELETE /api/v4/projects/1",
            "DELETE /api/v4/projects/g%2Fp",
            "DELETE /api/v4/projects/1/issues/3"
        ]
    );
    server.verify().await;
}

#[tokio::test]
async fn deleting_an_object_without_its_id_is_refused_without_sending() {
    // A server answer without the id attribute must not turn `delete()` into a
    // DELETE of the whole collection (`/projects`).
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .respond_with(ok_json(json!({"name": "no id here"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/2"))
        .respond_with(ok_json(json!({"id": null})))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    for n in [1, 2] {
        let p = gl.projects().get(n).await.expect("get");
        let e = p.delete().await.expect_err("delete without id");
        assert!(
            matches!(
                &e,
                Error::InvalidAttrs {
                    op: Op::Resource(gitlab_client::meta::Operation::Delete),
                    resource: "Project",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("'id'"), "{e}");
    }
    assert_eq!(
        lines(&server).await,
        ["GET /api/v4/projects/1", "GET /api/v4/projects/2"]
    );
    server.verify().await;
}

#[tokio::test]
async fn singleton_user_fetch_and_auth_get_slash_user() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/user"))
        .and(Query(""))
        .and(header("private-token", TOKEN))
        .respond_with(ok_json(json!({"id": 7, "username": "root"})))
        .expect(2)
        .mount(&server)
        .await;
    let gl = client(&server);
    let me = gl.user().fetch().await.expect("fetch");
    assert_eq!(me.get::<String>("username").expect("username"), "root");
    assert_eq!(me.id(), None, "CurrentUser has no id attribute");
    let me = gl.auth().await.expect("auth");
    assert_eq!(me.attr("id"), Some(&json!(7)));
    assert_eq!(
        lines(&server).await,
        ["GET /api/v4/user", "GET /api/v4/user"]
    );
    server.verify().await;
}

#[tokio::test]
async fn auth_with_a_bad_token_is_a_401_of_op_auth() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/user"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "401 Unauthorized"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server).auth().await.expect_err("401");
    assert!(
        matches!(
            e,
            Error::Api {
                op: Op::Auth,
                status: 401,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "401 Unauthorized (GET /user)");
    assert_no_token(&e);
    server.verify().await;
}

#[tokio::test]
async fn version_reads_version_and_revision() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/version"))
        .and(Query(""))
        .respond_with(ok_json(json!({"version": "16.0.0"})))
        .expect(1)
        .mount(&server)
        .await;
    let v = client(&server).version().await.expect("version");
    assert_eq!(v.version, "16.0.0");
    assert_eq!(v.revision, "", "missing revision reads as empty");
    server.verify().await;
}

#[tokio::test]
async fn sudo_header_is_sent_only_when_asked() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .and(header("sudo", "alice"))
        .and(header("private-token", TOKEN))
        .respond_with(ok_json(json!({"id": 1})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/2"))
        .and(NoHeader("sudo"))
        .respond_with(ok_json(json!({"id": 2})))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    gl.projects().sudo("alice").get(1).await.expect("as alice");
    gl.projects().get(2).await.expect("as myself");
    let reqs = requests(&server).await;
    assert_eq!(
        credentials(&reqs[0]),
        [
            ("private-token".to_string(), TOKEN.to_string()),
            ("sudo".to_string(), "alice".to_string())
        ]
    );
    assert_eq!(
        credentials(&reqs[1]),
        [("private-token".to_string(), TOKEN.to_string())]
    );
    server.verify().await;
}

#[tokio::test]
async fn with_parent_fills_the_placeholder() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/7/issues"))
        .and(Query("page=1"))
        .respond_with(list_page(json!([{"iid": 1}]), None))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/g%2Fp/issues/2"))
        .respond_with(ok_json(json!({"iid": 2})))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    let mgr = Manager::<kind::ProjectIssue>::new(&gl).with_parent("project_id", 7);
    assert_eq!(mgr.path().expect("path"), "/projects/7/issues");
    let page = mgr.list().page(1).await.expect("list");
    assert_eq!(ids(&page.items), [json!(1)]);
    // The last value given for a placeholder wins.
    let issue = mgr
        .with_parent("project_id", "g/p")
        .get(2)
        .await
        .expect("get");
    assert_eq!(issue.id(), Some(gitlab_client::Id::Num(2)));
    server.verify().await;
}

#[tokio::test]
async fn a_manager_without_its_parent_fails_without_sending() {
    let server = server().await;
    let gl = client(&server);
    let mgr = Manager::<kind::ProjectIssue>::new(&gl);
    let is_missing = |e: &Error| matches!(e, Error::MissingParent { resource: "ProjectIssue", placeholder, path: "/projects/{project_id}/issues" } if placeholder == "project_id");
    let e = mgr.path().expect_err("path");
    assert!(is_missing(&e), "{e:?}");
    assert_eq!(
        e.to_string(),
        "ProjectIssue: no value for '{project_id}' in /projects/{project_id}/issues; reach it from its parent object or pass it with with_parent()"
    );
    let e = mgr.list().page(1).await.expect_err("list");
    assert!(is_missing(&e), "{e:?}");
    let e = mgr.list().all().await.expect_err("all");
    assert!(is_missing(&e), "{e:?}");
    let e = mgr.get(1).await.expect_err("get");
    assert!(is_missing(&e), "{e:?}");
    let e = mgr
        .create(Attrs::new().set("title", "t"))
        .await
        .expect_err("create");
    assert!(is_missing(&e), "{e:?}");
    let e = mgr
        .update(1, Attrs::new().set("title", "t"))
        .await
        .expect_err("update");
    assert!(is_missing(&e), "{e:?}");
    let e = mgr.delete(1).await.expect_err("delete");
    assert!(is_missing(&e), "{e:?}");
    let e = mgr.get_lazy(1).participants().await.expect_err("action");
    assert!(
        matches!(&e, Error::MissingParent { placeholder, path: "/projects/{project_id}/issues/{id}/participants", .. } if placeholder == "project_id"),
        "{e:?}"
    );
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn create_without_a_required_attribute_fails_without_sending() {
    let server = server().await;
    let gl = client(&server);
    let e = gl
        .projects()
        .get_lazy(1)
        .issues()
        .create(Attrs::new().set("description", "no title"))
        .await
        .expect_err("title is required");
    assert!(
        matches!(&e, Error::InvalidAttrs { op: Op::Resource(gitlab_client::meta::Operation::Create), resource: "ProjectIssue", message } if message.contains("'title'")),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "create ProjectIssue: missing required attribute 'title'"
    );
    let e = gl
        .projects()
        .get_lazy(1)
        .merge_requests()
        .create(Attrs::new().set("title", "t"))
        .await
        .expect_err("branches are required");
    assert_eq!(
        e.to_string(),
        "create ProjectMergeRequest: missing required attributes 'source_branch', 'target_branch'"
    );
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn exclusive_attributes_need_exactly_one_before_any_request() {
    let server = server().await;
    let gl = client(&server);
    let members = gl.projects().get_lazy(1).members();
    let both = members
        .create(
            Attrs::new()
                .set("access_level", 30)
                .set("username", "alice")
                .set("user_id", 3),
        )
        .await
        .expect_err("both");
    assert!(
        matches!(
            both,
            Error::InvalidAttrs {
                op: Op::Resource(gitlab_client::meta::Operation::Create),
                ..
            }
        ),
        "{both:?}"
    );
    assert_eq!(
        both.to_string(),
        "create ProjectMember: give only one of: username, user_id (got username, user_id)"
    );
    let neither = members
        .create(Attrs::new().set("access_level", 30))
        .await
        .expect_err("neither");
    assert_eq!(
        neither.to_string(),
        "create ProjectMember: give exactly one of: username, user_id"
    );
    // Required attributes are reported first.
    let missing = members
        .create(Attrs::new().set("username", "alice"))
        .await
        .expect_err("no access_level");
    assert!(missing.to_string().contains("'access_level'"), "{missing}");
    // Update checks its required attributes as well.
    let e = members
        .update(3, Attrs::new().set("expires_at", "2030-01-01"))
        .await
        .expect_err("update without access_level");
    assert_eq!(
        e.to_string(),
        "update ProjectMember: missing required attribute 'access_level'"
    );
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn raw_http_calls_use_the_same_base_auth_and_pagination() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/custom"))
        .and(Query("ids%5B%5D=1&ids%5B%5D=2"))
        .and(header("private-token", TOKEN))
        .respond_with(list_page(json!([{"n": 1}]), Some(2)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/custom"))
        .and(Query("ids%5B%5D=1&ids%5B%5D=2&page=2"))
        .respond_with(list_page(json!([{"n": 2}]), None))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/custom"))
        .and(Query(""))
        .and(body_json(json!({"a": [1, 2], "b": "x"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    let all = gl
        .http_list("/projects/1/custom", &Attrs::new().set("ids", vec![1, 2]))
        .await
        .expect("http_list");
    assert_eq!(all, [json!({"n": 1}), json!({"n": 2})]);
    let out = gl
        .http_post(
            "/projects/1/custom",
            &Attrs::new().set("a", vec![1, 2]).set("b", "x"),
        )
        .await
        .expect("http_post");
    assert_eq!(out, json!({"ok": true}));
    server.verify().await;
}
