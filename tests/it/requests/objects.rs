//! Objects: `save()` sends only what changed (plus the update's required
//! attributes), and nothing when nothing changed; `refresh()`.

use super::*;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::Mock;

fn issue_json() -> Value {
    json!({
        "iid": 3,
        "project_id": 1,
        "title": "old",
        "labels": ["a", "b"],
        "description": "text",
        "state": "opened",
    })
}

async fn mount_issue_get(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/issues/3"))
        .and(Query(""))
        .respond_with(ok_json(issue_json()))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn save_sends_only_the_changed_attribute_and_takes_the_answer() {
    let server = server().await;
    mount_issue_get(&server).await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/1/issues/3"))
        .and(Query(""))
        .and(header("content-type", "application/json"))
        .and(header("private-token", TOKEN))
        .and(body_json(json!({"title": "new"})))
        .respond_with(ok_json(json!({
            "iid": 3,
            "project_id": 1,
            "title": "new",
            "labels": ["a", "b"],
            "description": "text",
            "state": "opened",
            "updated_at": "2024-05-01T10:00:00Z",
        })))
        .expect(1)
        .mount(&server)
        .await;
    let mut issue = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .get(3)
        .await
        .expect("get issue");
    // Reading is not changing.
    let labels: Vec<String> = issue.get("labels").expect("labels");
    assert_eq!(labels, ["a", "b"]);
    let _ = issue.attr("description");
    issue.set("title", "new");
    assert_eq!(issue.unsaved_changes(), [("title", &json!("new"))]);
    assert_eq!(
        issue.attr("title"),
        Some(&json!("new")),
        "local change is visible"
    );
    issue.save().await.expect("save");
    assert!(issue.unsaved_changes().is_empty());
    assert_eq!(
        issue.attr("updated_at"),
        Some(&json!("2024-05-01T10:00:00Z")),
        "the object reflects the server's answer"
    );
    assert_eq!(issue.attr("title"), Some(&json!("new")));
    // Saved: a second save has nothing to send.
    issue.save().await.expect("second save");
    let reqs = requests(&server).await;
    assert_eq!(
        reqs.iter().map(line).collect::<Vec<_>>(),
        [
            "GET /api/v4/projects/1/issues/3",
            "PUT /api/v4/projects/1/issues/3"
        ]
    );
    assert_eq!(
        reqs[1].body,
        br#"{"title":"new"}"#,
        "exact bytes: {:?}",
        String::from_utf8_lossy(&reqs[1].body)
    );
    server.verify().await;
}

#[tokio::test]
async fn save_without_changes_sends_nothing() {
    let server = server().await;
    mount_issue_get(&server).await;
    let mut issue = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .get(3)
        .await
        .expect("get issue");
    issue.save().await.expect("save");
    assert_eq!(lines(&server).await, ["GET /api/v4/projects/1/issues/3"]);
    server.verify().await;
}

#[tokio::test]
async fn setting_the_servers_own_values_sends_nothing() {
    let server = server().await;
    mount_issue_get(&server).await;
    let mut issue = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .get(3)
        .await
        .expect("get issue");
    issue
        .set("title", "old")
        .set("labels", vec!["a", "b"])
        .set("description", "text");
    assert!(issue.unsaved_changes().is_empty());
    issue.save().await.expect("save");
    assert_eq!(lines(&server).await, ["GET /api/v4/projects/1/issues/3"]);
    server.verify().await;
}

#[tokio::test]
async fn changing_back_to_the_server_value_sends_nothing() {
    let server = server().await;
    mount_issue_get(&server).await;
    let mut issue = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .get(3)
        .await
        .expect("get issue");
    issue.set("title", "temp");
    issue.set("title", "old");
    issue.save().await.expect("save");
    assert_eq!(lines(&server).await.len(), 1);
    server.verify().await;
}

#[tokio::test]
async fn save_encodes_changed_values_per_wire_type() {
    let server = server().await;
    mount_issue_get(&server).await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/1/issues/3"))
        .and(body_json(
            json!({"labels": ["c", "d"], "assignee_ids": [1, 2]}),
        ))
        .respond_with(ok_json(issue_json()))
        .expect(1)
        .mount(&server)
        .await;
    let mut issue = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .get(3)
        .await
        .expect("get issue");
    issue
        .set("labels", vec!["c", "d"])
        .set("assignee_ids", vec![1, 2]);
    issue.save().await.expect("save");
    server.verify().await;
}

#[tokio::test]
async fn save_of_a_note_also_sends_the_required_body() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/issues/3/notes/10"))
        .respond_with(ok_json(
            json!({"id": 10, "body": "hello", "internal": false}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/1/issues/3/notes/10"))
        .and(body_json(json!({"body": "hello", "internal": true})))
        .respond_with(ok_json(
            json!({"id": 10, "body": "hello", "internal": true, "updated_at": "now"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let mut note = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .get_lazy(3)
        .notes()
        .get(10)
        .await
        .expect("get note");
    // `internal` is not an update attribute in the schema: plain `set` is refused at save, unchecked is sent.
    note.set("internal", true);
    let refused = note.save().await.expect_err("unknown update attribute");
    assert!(
        refused
            .to_string()
            .contains("unknown update attribute 'internal'"),
        "{refused}"
    );
    note.set_unchecked("internal", true);
    note.save().await.expect("save");
    assert_eq!(note.attr("updated_at"), Some(&json!("now")));
    let reqs = requests(&server).await;
    assert_eq!(
        body_of(&reqs[1]),
        json!({"body": "hello", "internal": true})
    );
    server.verify().await;
}

#[tokio::test]
async fn save_answered_with_204_keeps_the_local_values() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/members/5"))
        .respond_with(ok_json(
            json!({"id": 5, "username": "al", "access_level": 30}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/1/members/5"))
        .and(body_json(
            json!({"access_level": 30, "expires_at": "2030-01-01"}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let mut member = client(&server)
        .projects()
        .get_lazy(1)
        .members()
        .get(5)
        .await
        .expect("get member");
    member.set("expires_at", "2030-01-01");
    member.save().await.expect("save");
    assert!(member.unsaved_changes().is_empty());
    assert_eq!(
        member.to_json(),
        json!({"id": 5, "username": "al", "access_level": 30, "expires_at": "2030-01-01"})
    );
    member.save().await.expect("nothing left to save");
    assert_eq!(lines(&server).await.len(), 2);
    server.verify().await;
}

#[tokio::test]
async fn save_of_a_lazy_object_sends_the_change_without_fetching() {
    let server = server().await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/g%2Fp/issues/3"))
        .and(body_json(json!({"state_event": "close"})))
        .respond_with(ok_json(json!({"iid": 3, "state": "closed"})))
        .expect(1)
        .mount(&server)
        .await;
    let mut issue = client(&server)
        .projects()
        .get_lazy("g/p")
        .issues()
        .get_lazy(3);
    issue.set("state_event", "close");
    issue.save().await.expect("save");
    assert!(!issue.is_lazy());
    assert_eq!(issue.to_json(), json!({"iid": 3, "state": "closed"}));
    assert_eq!(
        lines(&server).await,
        ["PUT /api/v4/projects/g%2Fp/issues/3"]
    );
    server.verify().await;
}

#[tokio::test]
async fn save_of_a_note_without_its_body_fails_without_sending() {
    let server = server().await;
    let mut note = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .get_lazy(3)
        .notes()
        .get_lazy(10);
    note.set("internal", true);
    let e = note.save().await.expect_err("body unknown");
    assert!(
        matches!(&e, Error::InvalidAttrs { message, .. } if message.contains("'body'")),
        "{e:?}"
    );
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn refresh_refetches_and_drops_unsaved_changes() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/issues/3"))
        .respond_with(ok_json(issue_json()))
        .expect(2)
        .mount(&server)
        .await;
    let mut issue = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .get(3)
        .await
        .expect("get");
    issue.set("title", "local");
    issue.refresh().await.expect("refresh");
    assert!(issue.unsaved_changes().is_empty());
    assert_eq!(issue.to_json(), issue_json());
    server.verify().await;
}
