//! Users, instance-level endpoints and GraphQL users, checked against what
//! GitLab answers to the requests python-gitlab's functional tests send.

use super::*;
use gitlab_emulator::DEMO_USER_TOKEN;
use reqwest::multipart::{Form, Part};
use serde_json::json;

/// `GET` as alice, who is not an administrator.
async fn get_as_alice(emu: &Emulator, path: &str) -> Resp {
    send(
        http()
            .get(api(emu, path))
            .header("PRIVATE-TOKEN", DEMO_USER_TOKEN),
    )
    .await
}

async fn demo_group(emu: &Emulator) -> u64 {
    get(emu, "/groups/demo-group").await.json()["id"]
        .as_u64()
        .unwrap()
}

async fn new_user(emu: &Emulator, username: &str) -> u64 {
    let r = post(
        emu,
        "/users",
        json!({"email": format!("{username}@example.com"), "username": username,
               "name": username, "password": "E4596f8be406Bc3a14a4ccdb1df80587$3"}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    r.json()["id"].as_u64().unwrap()
}

/// A small PNG-looking file (the emulator checks the name, not the pixels).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-emulator-avatar-bytes";

fn avatar_form(username: &str, name: &str, bytes: Vec<u8>) -> Form {
    Form::new()
        .text("email", format!("{username}@example.com"))
        .text("username", username.to_string())
        .text("name", "Pic")
        .text("password", "E4596f8be406Bc3a14a4ccdb1df80587$3")
        .part("avatar", Part::bytes(bytes).file_name(name.to_string()))
}

#[tokio::test]
async fn moderation_actions_answer_per_state_like_gitlab() {
    let emu = demo().await;
    let id = new_user(&emu, "mod-target").await;
    let act = |a: &str| format!("/users/{id}/{a}");
    // Unblocking an active user changes nothing: GitLab answers `false`.
    let r = post(&emu, &act("unblock"), json!({})).await;
    assert_eq!((r.status, r.json()), (201, json!(false)));
    assert_eq!(
        post(&emu, &act("block"), json!({})).await.json(),
        json!(true)
    );
    assert_eq!(
        post(&emu, &act("block"), json!({})).await.json(),
        json!(null)
    );
    assert_eq!(
        post(&emu, &act("unblock"), json!({})).await.json(),
        json!(true)
    );
    assert_eq!(
        post(&emu, &act("unblock"), json!({})).await.json(),
        json!(false)
    );
    // Ban only active users, unban only banned ones.
    assert_eq!(post(&emu, &act("ban"), json!({})).await.json(), json!(true));
    let again = post(&emu, &act("ban"), json!({})).await;
    assert_eq!(again.status, 403);
    assert_eq!(again.json()["message"], "You cannot ban banned users.");
    assert_eq!(
        get(&emu, &format!("/users/{id}")).await.json()["state"],
        "banned"
    );
    assert_eq!(
        post(&emu, &act("unban"), json!({})).await.json(),
        json!(true)
    );
    let again = post(&emu, &act("unban"), json!({})).await;
    assert_eq!(again.status, 403);
    assert_eq!(again.json()["message"], "You cannot unban active users.");
    // Deactivation: repeated is `null`; a deactivated user cannot be unblocked.
    assert_eq!(
        post(&emu, &act("deactivate"), json!({})).await.json(),
        json!(true)
    );
    assert_eq!(
        post(&emu, &act("deactivate"), json!({})).await.json(),
        json!(null)
    );
    let r = post(&emu, &act("unblock"), json!({})).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json()["message"],
        "403 Forbidden - Deactivated users cannot be unblocked by the API"
    );
    assert_eq!(
        post(&emu, &act("activate"), json!({})).await.json(),
        json!(true)
    );
    // A blocked user must be unblocked before activation.
    post(&emu, &act("block"), json!({})).await;
    let r = post(&emu, &act("activate"), json!({})).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json()["message"],
        "Error occurred. A blocked user must be unblocked to be activated"
    );
    // Administrators cannot block themselves.
    let r = post(&emu, "/users/1/block", json!({})).await;
    assert_eq!(r.status, 403, "{:?}", r.json());
}

#[tokio::test]
async fn provider_and_extern_uid_make_an_identity_that_can_be_deleted() {
    let emu = demo().await;
    let id = new_user(&emu, "ident").await;
    let r = put(
        &emu,
        &format!("/users/{id}"),
        json!({"provider": "test_provider", "extern_uid": "1"}),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    let u = r.json();
    assert_eq!(u["identities"][0]["provider"], "test_provider");
    assert_eq!(u["identities"][0]["extern_uid"], "1");
    // One identity per provider: a new extern_uid replaces it.
    let u = put(
        &emu,
        &format!("/users/{id}"),
        json!({"provider": "test_provider", "extern_uid": "2"}),
    )
    .await
    .json();
    assert_eq!(u["identities"].as_array().unwrap().len(), 1);
    assert_eq!(u["identities"][0]["extern_uid"], "2");
    // Admins find users by identity.
    let found = get(&emu, "/users?provider=test_provider&extern_uid=2")
        .await
        .json();
    assert_eq!(field(&found, "id"), [json!(id)]);
    // GitLab takes the two together or not at all.
    let r = put(&emu, &format!("/users/{id}"), json!({"provider": "only"})).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["error"],
        "extern_uid, provider provide all or none of parameters"
    );
    let path = format!("/users/{id}/identities/test_provider");
    assert_eq!(delete(&emu, &path).await.status, 204);
    let u = get(&emu, &format!("/users/{id}")).await.json();
    assert_eq!(u["identities"], json!([]));
    let r = delete(&emu, &path).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["message"], "404 Identity Not Found");
}

#[tokio::test]
async fn avatars_are_stored_and_served_with_the_same_bytes() {
    let emu = demo().await;
    let r = send(
        http()
            .post(api(&emu, "/users"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .multipart(avatar_form("pic", "avatar.png", PNG.to_vec())),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let url = r.json()["avatar_url"].as_str().unwrap().to_string();
    assert!(url.starts_with(emu.url()), "{url}");
    assert!(url.ends_with("/avatar.png"), "{url}");
    let img = send(http().get(&url)).await;
    assert_eq!(img.status, 200);
    assert_eq!(&img.body[..], PNG);
    assert_eq!(img.header("content-type").as_deref(), Some("image/png"));

    // Projects and groups keep theirs the same way.
    let pid = new_project(&emu, "with-avatar").await;
    let form = Form::new().part(
        "avatar",
        Part::bytes(b"GIF89a-1".to_vec()).file_name("logo.gif"),
    );
    let r = send(
        http()
            .put(api(&emu, &format!("/projects/{pid}")))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .multipart(form),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    let url = r.json()["avatar_url"].as_str().unwrap().to_string();
    assert_eq!(&send(http().get(&url)).await.body[..], b"GIF89a-1");
    let gid = demo_group(&emu).await;
    let form = Form::new().part("avatar", Part::bytes(b"g".to_vec()).file_name("g.jpg"));
    let r = send(
        http()
            .put(api(&emu, &format!("/groups/{gid}")))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .multipart(form),
    )
    .await;
    let url = r.json()["avatar_url"].as_str().unwrap().to_string();
    assert!(url.contains("/uploads/-/system/group/avatar/"), "{url}");
    assert_eq!(&send(http().get(&url)).await.body[..], b"g");

    // Too big, or not an image: GitLab's validation errors, and no user is made.
    let big = send(
        http()
            .post(api(&emu, "/users"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .multipart(avatar_form("pic2", "big.png", vec![0; 200 * 1024 + 1])),
    )
    .await;
    assert_eq!(big.status, 400);
    assert_eq!(
        big.json(),
        json!({"message": {"avatar": ["is too big (should be at most 200 KiB)"]}})
    );
    let txt = send(
        http()
            .post(api(&emu, "/users"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .multipart(avatar_form("pic3", "notes.txt", b"hi".to_vec())),
    )
    .await;
    assert_eq!(txt.status, 400);
    assert!(txt.json()["message"]["avatar"][0]
        .as_str()
        .unwrap()
        .starts_with("file format is not supported"));
    for rejected in ["pic2", "pic3"] {
        let users = get(&emu, &format!("/users?username={rejected}"))
            .await
            .json();
        assert_eq!(users, json!([]));
    }
    // `PUT /user/avatar` replaces the caller's own.
    let form = Form::new().part("avatar", Part::bytes(b"me".to_vec()).file_name("me.webp"));
    let r = send(
        http()
            .put(api(&emu, "/user/avatar"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .multipart(form),
    )
    .await;
    let url = r.json()["avatar_url"].as_str().unwrap().to_string();
    assert_eq!(get(&emu, "/user").await.json()["avatar_url"], url.as_str());
    assert_eq!(&send(http().get(&url)).await.body[..], b"me");
    // An upload nobody made is a 404.
    let none = send(http().get(format!(
        "{}/uploads/-/system/user/avatar/99/x.png",
        emu.url()
    )))
    .await;
    assert_eq!(none.status, 404);
}

#[tokio::test]
async fn sidekiq_metrics_have_gitlabs_shapes_for_administrators() {
    let emu = demo().await;
    let q = get(&emu, "/sidekiq/queue_metrics").await.json();
    assert_eq!(q["queues"]["default"], json!({"backlog": 0, "latency": 0}));
    let p = get(&emu, "/sidekiq/process_metrics").await.json();
    assert!(p["processes"][0]["hostname"].is_string(), "{p}");
    assert_eq!(p["processes"][0]["busy"], 0);
    let j = get(&emu, "/sidekiq/job_stats").await.json();
    assert!(j["jobs"]["processed"].is_u64(), "{j}");
    let c = get(&emu, "/sidekiq/compound_metrics").await.json();
    for k in ["queues", "processes", "jobs"] {
        assert!(c.get(k).is_some(), "{k} missing in {c}");
    }
    assert_eq!(get_as_alice(&emu, "/sidekiq/job_stats").await.status, 403);
}

#[tokio::test]
async fn application_statistics_count_objects_as_strings() {
    let emu = demo().await;
    new_project(&emu, "counted").await;
    let s = get(&emu, "/application/statistics").await.json();
    // The demo seed: root and alice, one group, the demo project (+1), two issues, a note.
    assert_eq!(s["users"], "2");
    assert_eq!(s["active_users"], "2");
    assert_eq!(s["groups"], "1");
    assert_eq!(s["projects"], "2");
    assert_eq!(s["issues"], "2");
    assert_eq!(s["notes"], "1");
    assert_eq!(s["forks"], "0");
    assert!(s["snippets"]
        .as_str()
        .unwrap()
        .chars()
        .all(|c| c.is_ascii_digit()));
    assert_eq!(
        get_as_alice(&emu, "/application/statistics").await.status,
        403
    );
}

#[tokio::test]
async fn templates_are_listed_and_filled_in() {
    let emu = demo().await;
    for (kind, name) in [
        ("dockerfiles", "Node"),
        ("gitignores", "Node"),
        ("gitlab_ci_ymls", "Nodejs"),
    ] {
        let list = get(&emu, &format!("/templates/{kind}?per_page=100"))
            .await
            .json();
        assert!(field(&list, "key").contains(&json!(name)), "{kind}: {list}");
        let t = get(&emu, &format!("/templates/{kind}/{name}")).await.json();
        assert_eq!(t["name"], name);
        assert!(!t["content"].as_str().unwrap().is_empty());
    }
    // More than a default page of CI templates: the page is full and there is a next one.
    let ci = get(&emu, "/templates/gitlab_ci_ymls").await;
    assert_eq!(ci.json().as_array().unwrap().len(), 20);
    assert_eq!(ci.header("x-next-page").as_deref(), Some("2"));
    let missing = get(&emu, "/templates/gitignores/NoSuchThing").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["message"], "404 gitignore Not Found");

    let lic = get(
        &emu,
        "/templates/licenses/bsd-2-clause?project=mytestproject&fullname=mytestfullname",
    )
    .await
    .json();
    let content = lic["content"].as_str().unwrap();
    assert!(content.contains("mytestfullname"), "{content}");
    assert!(content.contains("mytestproject"), "{content}");
    assert!(!content.contains("[year]"), "{content}");
    assert_eq!(lic["key"], "bsd-2-clause");
    // Without `fullname`, the caller's name is the copyright holder.
    let lic = get(&emu, "/templates/licenses/mit").await.json();
    assert!(lic["content"].as_str().unwrap().contains("Administrator"));
    let popular = get(&emu, "/templates/licenses?popular=true").await.json();
    assert!(popular
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["featured"] == true));
    assert!(!popular.as_array().unwrap().is_empty());
    assert_eq!(
        get(&emu, "/templates/licenses/nope").await.json()["message"],
        "404 License Not Found"
    );

    // The project-level listing names the same templates.
    let pid = emu.project_id("demo-group/demo-project").unwrap();
    let list = get(&emu, &format!("/projects/{pid}/templates/licenses"))
        .await
        .json();
    assert_eq!(list[0].as_object().unwrap().len(), 2, "{list}");
    let t = get(&emu, &format!("/projects/{pid}/templates/dockerfiles/Node"))
        .await
        .json();
    assert!(t["content"].as_str().unwrap().starts_with("FROM node"));
    let r = get(&emu, &format!("/projects/{pid}/templates/dockerfiles/Nope")).await;
    assert_eq!(r.json()["message"], "404 Template Not Found");
}

#[tokio::test]
async fn namespace_exists_needs_no_parent_id() {
    let emu = demo().await;
    let r = get(&emu, "/namespaces/root/exists").await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    assert_eq!(r.json()["exists"], true);
    let r = get(&emu, "/namespaces/free-name/exists").await.json();
    assert_eq!(r["exists"], false);
}

#[tokio::test]
async fn memberships_come_from_the_member_lists() {
    let emu = demo().await;
    // alice is a developer of demo-group (seed).
    let all = get(&emu, "/users/2/memberships").await.json();
    let gid = demo_group(&emu).await;
    assert_eq!(
        all,
        json!([{"source_id": gid, "source_name": "Demo Group", "source_type": "Namespace",
                "access_level": 30}])
    );
    let pid = new_project(&emu, "member-of").await;
    let r = post(
        &emu,
        &format!("/projects/{pid}/members"),
        json!({"user_id": 2, "access_level": 20}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    assert_eq!(
        get(&emu, "/users/2/memberships")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let projects = get(&emu, "/users/2/memberships?type=Project").await.json();
    assert_eq!(field(&projects, "source_id"), [json!(pid)]);
    assert_eq!(projects[0]["source_type"], "Project");
    let bad = get(&emu, "/users/2/memberships?type=Invalid").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"], "type does not have a valid value");
    assert_eq!(get_as_alice(&emu, "/users/2/memberships").await.status, 403);
}

#[tokio::test]
async fn custom_attribute_filters_and_token_states() {
    let emu = demo().await;
    let id = new_user(&emu, "tagged").await;
    put(
        &emu,
        &format!("/users/{id}/custom_attributes/key"),
        json!({"value": "value1"}),
    )
    .await;
    let hit = get(&emu, "/users?custom_attributes[key]=value1")
        .await
        .json();
    assert_eq!(field(&hit, "id"), [json!(id)]);
    let miss = get(&emu, "/users?custom_attributes[key]=other")
        .await
        .json();
    assert_eq!(miss, json!([]));
    let pid = new_project(&emu, "tagged-project").await;
    put(
        &emu,
        &format!("/projects/{pid}/custom_attributes/team"),
        json!({"value": "a"}),
    )
    .await;
    let hit = get(&emu, "/projects?custom_attributes[team]=a")
        .await
        .json();
    assert_eq!(field(&hit, "id"), [json!(pid)]);
    let gid = demo_group(&emu).await;
    put(
        &emu,
        &format!("/groups/{gid}/custom_attributes/team"),
        json!({"value": "b"}),
    )
    .await;
    assert_eq!(
        field(
            &get(&emu, "/groups?custom_attributes[team]=b").await.json(),
            "id"
        ),
        [json!(gid)]
    );
    assert_eq!(
        get(&emu, "/groups?custom_attributes[team]=a").await.json(),
        json!([])
    );

    let path = format!("/users/{id}/impersonation_tokens");
    let t = post(&emu, &path, json!({"name": "imp", "scopes": ["api"]}))
        .await
        .json();
    let tid = t["id"].as_u64().unwrap();
    let ids = |v: Value| field(&v, "id");
    assert_eq!(
        ids(get(&emu, &format!("{path}?state=active")).await.json()),
        [json!(tid)]
    );
    assert_eq!(
        get(&emu, &format!("{path}?state=inactive")).await.json(),
        json!([])
    );
    assert_eq!(delete(&emu, &format!("{path}/{tid}")).await.status, 204);
    assert_eq!(
        get(&emu, &format!("{path}?state=active")).await.json(),
        json!([])
    );
    assert_eq!(
        ids(get(&emu, &format!("{path}?state=inactive")).await.json()),
        [json!(tid)]
    );
    assert_eq!(
        ids(get(&emu, &format!("{path}?state=all")).await.json()),
        [json!(tid)]
    );
    assert_eq!(get(&emu, &format!("{path}?state=bogus")).await.status, 400);
}

#[tokio::test]
async fn graphql_users_have_usercore_fields() {
    let emu = demo().await;
    let r = send(
        http()
            .post(format!("{}/api/graphql", emu.url()))
            .header("Authorization", format!("Bearer {ADMIN_TOKEN}"))
            .header("content-type", "application/json")
            .body(
                json!({"query": "query { currentUser { active bot human webPath username publicEmail createdAt lastActivityOn } }"})
                    .to_string(),
            ),
    )
    .await;
    let v = r.json();
    assert!(v.get("errors").is_none(), "{v}");
    let u = &v["data"]["currentUser"];
    assert_eq!(u["active"], true);
    assert_eq!(u["bot"], false);
    assert_eq!(u["human"], true);
    assert_eq!(u["webPath"], "/root");
    assert!(u["createdAt"].is_string());
}

#[tokio::test]
async fn authenticated_api_throttle_settings_are_enforced() {
    let emu = demo().await;
    let r = put(
        &emu,
        "/application/settings",
        json!({"throttle_authenticated_api_enabled": true,
               "throttle_authenticated_api_requests_per_period": 2,
               "throttle_authenticated_api_period_in_seconds": 3600}),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    assert_eq!(get(&emu, "/version").await.status, 200);
    assert_eq!(get(&emu, "/version").await.status, 200);
    let limited = post(&emu, "/projects", json!({"name": "one-too-many"})).await;
    assert_eq!(limited.status, 429);
    assert_eq!(&limited.body[..], b"Retry later\n");
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    assert_eq!(limited.header("ratelimit-limit").as_deref(), Some("2"));
    // The limit is per user; anonymous requests are another throttle's business.
    assert_eq!(get_as_alice(&emu, "/version").await.status, 200);
    let anon = send(http().get(api(&emu, "/projects"))).await;
    assert_eq!(anon.status, 200);
}
