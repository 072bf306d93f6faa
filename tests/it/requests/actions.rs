//! Custom actions: `returns: self` / json / list / raw / none, required and
//! optional arguments, path placeholders filled from arguments.

use super::*;
use gitlab_client::{Attrs, Bytes, FilePart};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::Mock;

#[tokio::test]
async fn star_posts_and_the_project_takes_the_answer() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .respond_with(ok_json(json!({"id": 1, "star_count": 0, "name": "p"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/star"))
        .and(Query(""))
        .and(EmptyBody)
        .and(header("private-token", TOKEN))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": 1, "star_count": 1, "name": "p"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    let mut project = gl.projects().get(1).await.expect("get");
    project.star().await.expect("star");
    assert_eq!(project.get::<u32>("star_count").expect("count"), 1);
    assert_eq!(
        lines(&server).await,
        ["GET /api/v4/projects/1", "POST /api/v4/projects/1/star"]
    );
    server.verify().await;
}

#[tokio::test]
async fn move_posts_to_project_id_and_the_issue_takes_the_answer() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/issues/3/move"))
        .and(Query(""))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"to_project_id": 5})))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"iid": 7, "project_id": 5, "title": "t"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut issue = client(&server).projects().get_lazy(1).issues().get_lazy(3);
    issue.move_(5).await.expect("move");
    assert!(!issue.is_lazy());
    assert_eq!(issue.id(), Some(gitlab_client::Id::Num(7)));
    assert_eq!(issue.attr("project_id"), Some(&json!(5)));
    let reqs = requests(&server).await;
    assert_eq!(reqs[0].body, br#"{"to_project_id":5}"#);
    server.verify().await;
}

#[tokio::test]
async fn a_moved_issue_is_addressed_in_its_new_project_afterwards() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/issues/3/move"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"iid": 7, "project_id": 5, "title": "t"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/5/issues/7"))
        .and(body_json(json!({"title": "moved"})))
        .respond_with(ok_json(
            json!({"iid": 7, "project_id": 5, "title": "moved"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/5/issues/7/notes"))
        .respond_with(ok_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let mut issue = client(&server).projects().get_lazy(1).issues().get_lazy(3);
    issue.move_(5).await.expect("move");
    issue.set("title", "moved");
    issue.save().await.expect("save goes to the new project");
    issue
        .notes()
        .list()
        .all()
        .await
        .expect("notes of the moved issue");
    server.verify().await;
}

#[tokio::test]
async fn merge_with_sends_the_optional_arguments_and_merge_sends_none() {
    let server = server().await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/1/merge_requests/4/merge"))
        .and(body_json(json!({
            "should_remove_source_branch": true,
            "merge_commit_message": "Merge!",
        })))
        .respond_with(ok_json(json!({"iid": 4, "state": "merged"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/1/merge_requests/5/merge"))
        .and(EmptyBody)
        .respond_with(ok_json(json!({"iid": 5, "state": "merged"})))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    let mrs = gl.projects().get_lazy(1).merge_requests();
    let mut mr = mrs.get_lazy(4);
    mr.merge_with(
        Attrs::new()
            .set("should_remove_source_branch", true)
            .set("merge_commit_message", "Merge!"),
    )
    .await
    .expect("merge_with");
    assert_eq!(mr.attr("state"), Some(&json!("merged")));
    let mut plain = mrs.get_lazy(5);
    plain.merge().await.expect("merge");
    assert_eq!(plain.attr("state"), Some(&json!("merged")));
    assert_eq!(
        lines(&server).await,
        [
            "PUT /api/v4/projects/1/merge_requests/4/merge",
            "PUT /api/v4/projects/1/merge_requests/5/merge"
        ]
    );
    server.verify().await;
}

#[tokio::test]
async fn a_list_action_follows_pagination() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/issues/3/participants"))
        .and(Query(""))
        .respond_with(list_page(json!([{"id": 1}, {"id": 2}]), Some(2)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/issues/3/participants"))
        .and(Query("page=2"))
        .respond_with(list_page(json!([{"id": 3}]), None))
        .expect(1)
        .mount(&server)
        .await;
    let people = client(&server)
        .projects()
        .get_lazy(1)
        .issues()
        .get_lazy(3)
        .participants()
        .await
        .expect("participants");
    assert_eq!(
        people,
        [json!({"id": 1}), json!({"id": 2}), json!({"id": 3})]
    );
    server.verify().await;
}

#[tokio::test]
async fn a_list_action_with_required_arguments_keeps_them_on_every_page() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/search"))
        .and(Query("scope=issues&search=crash"))
        .respond_with(list_page(json!([{"iid": 1}]), Some(2)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/search"))
        .and(Query("scope=issues&search=crash&page=2"))
        .respond_with(list_page(json!([{"iid": 2}]), None))
        .expect(1)
        .mount(&server)
        .await;
    let hits = client(&server)
        .projects()
        .get_lazy(1)
        .search("issues", "crash")
        .await
        .expect("search");
    assert_eq!(hits, [json!({"iid": 1}), json!({"iid": 2})]);
    server.verify().await;
}

#[tokio::test]
async fn a_raw_action_returns_the_bytes() {
    let server = server().await;
    let archive: &[u8] = &[0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00, b'x'];
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/repository/archive"))
        .and(Query(""))
        .respond_with(ResponseTemplate::new(200).set_body_raw(archive, "application/gzip"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/repository/archive"))
        .and(Query("sha=v1.0&format=zip"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(&b"PK\x03\x04"[..], "application/zip"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let project = client(&server).projects().get_lazy(1);
    let bytes = project.repository_archive().await.expect("archive");
    assert_eq!(bytes, Bytes::from_static(archive));
    let zip = project
        .repository_archive_with(Attrs::new().set("sha", "v1.0").set("format", "zip"))
        .await
        .expect("zip archive");
    assert_eq!(&zip[..], b"PK\x03\x04");
    server.verify().await;
}

#[tokio::test]
async fn a_path_placeholder_argument_goes_in_the_path_only() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/repository/blobs/7d3f0a9"))
        .and(Query(""))
        .respond_with(ok_json(
            json!({"size": 3, "encoding": "base64", "content": "Zm9v", "sha": "7d3f0a9"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/repository/blobs/7d3f0a9/raw"))
        .and(Query(""))
        .respond_with(ResponseTemplate::new(200).set_body_string("foo"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/1/repository/submodules/lib%2Fmod"))
        .and(Query(""))
        .and(body_json(json!({"branch": "main", "commit_sha": "abc"})))
        .respond_with(ok_json(json!({"id": "abc"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v4/projects/1/share/2"))
        .and(Query(""))
        .and(EmptyBody)
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let project = client(&server).projects().get_lazy(1);
    let blob = project.repository_blob("7d3f0a9").await.expect("blob");
    assert_eq!(blob["content"], json!("Zm9v"));
    let raw = project.repository_raw_blob("7d3f0a9").await.expect("raw");
    assert_eq!(&raw[..], b"foo");
    let commit = project
        .update_submodule("lib/mod", "main", "abc")
        .await
        .expect("submodule");
    assert_eq!(commit, json!({"id": "abc"}));
    project.unshare(2).await.expect("unshare");
    assert_eq!(
        lines(&server).await,
        [
            "GET /api/v4/projects/1/repository/blobs/7d3f0a9",
            "GET /api/v4/projects/1/repository/blobs/7d3f0a9/raw",
            "PUT /api/v4/projects/1/repository/submodules/lib%2Fmod",
            "DELETE /api/v4/projects/1/share/2"
        ]
    );
    server.verify().await;
}

#[tokio::test]
async fn get_actions_send_required_arguments_in_the_query_and_post_actions_in_the_body() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/g%2Fp/repository/compare"))
        .and(Query("from=main&to=feature%2Fx"))
        .and(EmptyBody)
        .respond_with(ok_json(json!({"commits": []})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/g%2Fp/trigger/pipeline"))
        .and(Query(""))
        // The schema's defaults: empty variables and inputs, as python-gitlab sends.
        .and(body_json(
            json!({"ref": "main", "token": "trigger-token", "variables": {}, "inputs": {}}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 99})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/g%2Fp/share"))
        .and(body_json(
            json!({"group_id": 2, "group_access": 30, "expires_at": "2030-01-01"}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let mut project = client(&server).projects().get_lazy("g/p");
    let cmp = project
        .repository_compare("main", "feature/x")
        .await
        .expect("compare");
    assert_eq!(cmp, json!({"commits": []}));
    let pipeline = project
        .trigger_pipeline("main", "trigger-token")
        .await
        .expect("trigger");
    assert_eq!(pipeline, json!({"id": 99}));
    project
        .share_with(
            2,
            gitlab_client::resources::AccessLevel::Developer,
            Attrs::new().set("expires_at", "2030-01-01"),
        )
        .await
        .expect("share");
    server.verify().await;
}

#[tokio::test]
async fn group_action_with_a_placeholder_argument() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/groups/4/projects/9"))
        .and(Query(""))
        .and(EmptyBody)
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 9})))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .groups()
        .get_lazy(4)
        .transfer_project(9)
        .await
        .expect("transfer project");
    server.verify().await;
}

#[tokio::test]
async fn a_file_argument_is_sent_as_multipart() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/uploads"))
        .and(header("private-token", TOKEN))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"url": "/uploads/abc/notes.txt", "markdown": "[notes.txt](/uploads/abc/notes.txt)"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let out = client(&server)
        .projects()
        .get_lazy(1)
        .upload(FilePart::new("notes.txt", &b"hello upload"[..]).mime("text/plain"))
        .await
        .expect("upload");
    assert_eq!(out["url"], json!("/uploads/abc/notes.txt"));
    let reqs = requests(&server).await;
    let ct = reqs[0]
        .headers
        .get("content-type")
        .expect("content-type")
        .to_str()
        .expect("ascii");
    assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
    let body = String::from_utf8_lossy(&reqs[0].body);
    assert!(
        body.contains(r#"Content-Disposition: form-data; name="file"; filename="notes.txt""#)
            || body
                .contains(r#"content-disposition: form-data; name="file"; filename="notes.txt""#),
        "{body}"
    );
    assert!(body.contains("text/plain"), "{body}");
    assert!(body.contains("hello upload"), "{body}");
    server.verify().await;
}

#[tokio::test]
async fn a_file_with_an_unparsable_mime_type_is_refused_before_sending() {
    let server = server().await;
    let err = client(&server)
        .projects()
        .get_lazy(1)
        .upload(FilePart::new("notes.txt", &b"x"[..]).mime("not a type"))
        .await
        .expect_err("bad mime");
    assert!(
        err.to_string()
            .contains("file attribute 'file': 'not a type' is not a MIME type"),
        "{err}"
    );
    assert!(requests(&server).await.is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn a_self_action_answered_with_204_keeps_the_object() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/1/issues/3/subscribe"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let mut issue = client(&server).projects().get_lazy(1).issues().get_lazy(3);
    issue.subscribe().await.expect("subscribe");
    assert_eq!(issue.to_json(), json!({"iid": 3}));
    server.verify().await;
}
