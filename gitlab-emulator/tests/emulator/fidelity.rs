//! GitLab's shapes and cross-resource state, through `gitlab-client`'s raw
//! calls (and raw HTTP where the status code is the point).

use super::*;
use gitlab_client::{Attrs, Gitlab};
use serde_json::json;

async fn setup() -> (Emulator, Gitlab, u64) {
    let emu = demo().await;
    let gl = emu.client().unwrap();
    let pid = emu.project_id("demo-group/demo-project").unwrap();
    (emu, gl, pid)
}

#[tokio::test]
async fn event_listings_are_lists_and_record_activity() {
    let (_emu, gl, pid) = setup().await;
    let issue = gl
        .http_post(
            &format!("/projects/{pid}/issues"),
            &Attrs::new().set("title", "Evented"),
        )
        .await
        .unwrap();
    let iid = issue["iid"].as_u64().unwrap();
    gl.http_put(
        &format!("/projects/{pid}/issues/{iid}"),
        &Attrs::new().set("state_event", "close"),
    )
    .await
    .unwrap();
    let mine = gl.http_get("/events", &Attrs::new()).await.unwrap();
    let actions: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action_name"].as_str().unwrap())
        .collect();
    assert_eq!(&actions[..2], ["closed", "opened"], "{mine}");
    assert_eq!(mine[0]["target_type"], "Issue");
    assert_eq!(mine[0]["target_iid"], json!(iid));
    let project = gl
        .http_get(&format!("/projects/{pid}/events"), &Attrs::new())
        .await
        .unwrap();
    assert!(project.as_array().unwrap().len() >= 2);
    let user = gl.http_get("/users/1/events", &Attrs::new()).await.unwrap();
    assert!(user.is_array());
    let closed = gl
        .http_get("/events", &Attrs::new().set("action", "closed"))
        .await
        .unwrap();
    assert_eq!(closed.as_array().unwrap().len(), 1);
    // Commit comments are a list too.
    let sha = gl
        .http_get(
            &format!("/projects/{pid}/repository/branches/main"),
            &Attrs::new(),
        )
        .await
        .unwrap()["commit"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/projects/{pid}/repository/commits/{sha}/comments");
    assert_eq!(gl.http_get(&path, &Attrs::new()).await.unwrap(), json!([]));
    let c = gl
        .http_post(&path, &Attrs::new().set("note", "Nice"))
        .await
        .unwrap();
    assert_eq!(c["note"], "Nice");
    assert_eq!(c["author"]["username"], "root");
    assert_eq!(
        gl.http_get(&path, &Attrs::new()).await.unwrap()[0]["note"],
        "Nice"
    );
}

#[tokio::test]
async fn discussions_hold_their_notes() {
    let (emu, gl, pid) = setup().await;
    let base = format!("/projects/{pid}/issues/1/discussions");
    let d = gl
        .http_post(&base, &Attrs::new().set("body", "First"))
        .await
        .unwrap();
    assert_eq!(d["individual_note"], json!(false));
    assert_eq!(d["notes"][0]["body"], "First");
    let did = d["id"].as_str().unwrap().to_string();
    assert_eq!(did.len(), 40);
    let n = gl
        .http_post(
            &format!("{base}/{did}/notes"),
            &Attrs::new().set("body", "Second"),
        )
        .await
        .unwrap();
    let nid = n["id"].as_u64().unwrap();
    gl.http_put(
        &format!("{base}/{did}/notes/{nid}"),
        &Attrs::new().set("body", "Edited"),
    )
    .await
    .unwrap();
    let again = gl
        .http_get(&format!("{base}/{did}"), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(
        field(&again["notes"], "body"),
        [json!("First"), json!("Edited")]
    );
    let r = send(
        http()
            .delete(api(&emu, &format!("{base}/{did}/notes/{nid}")))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
    )
    .await;
    assert_eq!(r.status, 204);
    let listed = gl.http_get(&base, &Attrs::new()).await.unwrap();
    assert_eq!(listed[0]["notes"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn milestones_have_state_and_iid_and_state_events_change_state() {
    let (emu, gl, pid) = setup().await;
    let m = gl
        .http_post(
            &format!("/projects/{pid}/milestones"),
            &Attrs::new().set("title", "v1"),
        )
        .await
        .unwrap();
    assert_eq!(m["state"], "active");
    assert_eq!(m["iid"], json!(1));
    let mid = m["id"].as_u64().unwrap();
    let closed = gl
        .http_put(
            &format!("/projects/{pid}/milestones/{mid}"),
            &Attrs::new().set("state_event", "close"),
        )
        .await
        .unwrap();
    assert_eq!(closed["state"], "closed");
    assert!(closed.get("state_event").is_none(), "{closed}");
    let r = put(
        &emu,
        &format!("/projects/{pid}/milestones/{mid}"),
        json!({"state_event": "activate"}),
    )
    .await;
    assert_eq!(r.json()["state"], "active");
    // An issue with that milestone is listed under it, and the change is recorded.
    let issue = gl
        .http_post(
            &format!("/projects/{pid}/issues"),
            &Attrs::new()
                .set("title", "Planned")
                .set("milestone_id", mid),
        )
        .await
        .unwrap();
    assert_eq!(issue["milestone"]["id"], json!(mid));
    let listed = gl
        .http_get(
            &format!("/projects/{pid}/milestones/{mid}/issues"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(field(&listed, "iid"), [issue["iid"].clone()]);
    let iid = issue["iid"].as_u64().unwrap();
    let ev = gl
        .http_get(
            &format!("/projects/{pid}/issues/{iid}/resource_milestone_events"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(ev[0]["action"], "add");
    assert_eq!(ev[0]["milestone"]["id"], json!(mid));
}

#[tokio::test]
async fn issue_changes_record_state_and_label_events() {
    let (_emu, gl, pid) = setup().await;
    let path = format!("/projects/{pid}/issues/1");
    gl.http_put(&path, &Attrs::new().set("labels", "bug,ui"))
        .await
        .unwrap();
    gl.http_put(&path, &Attrs::new().set("state_event", "close"))
        .await
        .unwrap();
    gl.http_put(&path, &Attrs::new().set("state_event", "reopen"))
        .await
        .unwrap();
    let states = gl
        .http_get(&format!("{path}/resource_state_events"), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(
        field(&states, "state"),
        [json!("closed"), json!("reopened")]
    );
    assert_eq!(states[0]["resource_type"], "Issue");
    let labels = gl
        .http_get(&format!("{path}/resource_label_events"), &Attrs::new())
        .await
        .unwrap();
    let names: Vec<Value> = labels
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["label"]["name"].clone())
        .collect();
    assert!(
        names.contains(&json!("bug")) && names.contains(&json!("ui")),
        "{labels}"
    );
    assert_eq!(labels[0]["action"], "add");
}

#[tokio::test]
async fn labels_update_rename_and_promote() {
    let (emu, gl, pid) = setup().await;
    let l = gl
        .http_post(
            &format!("/projects/{pid}/labels"),
            &Attrs::new().set("name", "bug").set("color", "#ff0000"),
        )
        .await
        .unwrap();
    let id = l["id"].as_u64().unwrap();
    let renamed = gl
        .http_put(
            &format!("/projects/{pid}/labels"),
            &Attrs::new().set("name", "bug").set("new_name", "defect"),
        )
        .await
        .unwrap();
    assert_eq!(renamed["name"], "defect");
    assert_eq!(renamed["id"], json!(id));
    let by_id = gl
        .http_put(
            &format!("/projects/{pid}/labels/{id}"),
            &Attrs::new().set("description", "Broken"),
        )
        .await
        .unwrap();
    assert_eq!(by_id["description"], "Broken");
    let r = send(
        http()
            .put(api(&emu, &format!("/projects/{pid}/labels/defect/promote")))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    let gid = gl
        .http_get("/groups/demo-group", &Attrs::new())
        .await
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let group_labels = gl
        .http_get(&format!("/groups/{gid}/labels"), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(field(&group_labels, "name"), [json!("defect")]);
    let err = gl
        .http_get(&format!("/projects/{pid}/labels/defect"), &Attrs::new())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    // Milestones promote too.
    let m = gl
        .http_post(
            &format!("/projects/{pid}/milestones"),
            &Attrs::new().set("title", "m"),
        )
        .await
        .unwrap();
    let r = post(
        &emu,
        &format!("/projects/{pid}/milestones/{}/promote", m["id"]),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200);
    let gm = gl
        .http_get(&format!("/groups/{gid}/milestones"), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(field(&gm, "title"), [json!("m")]);
}

#[tokio::test]
async fn job_token_scope_has_gitlab_fields_and_allowlists_list_projects() {
    let (emu, gl, pid) = setup().await;
    let scope = gl
        .http_get(&format!("/projects/{pid}/job_token_scope"), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(
        scope,
        json!({"inbound_enabled": true, "outbound_enabled": false})
    );
    let r = send(
        http()
            .patch(api(&emu, &format!("/projects/{pid}/job_token_scope")))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .header("content-type", "application/json")
            .body(json!({"enabled": false}).to_string()),
    )
    .await;
    assert_eq!(r.status, 204);
    let scope = gl
        .http_get(&format!("/projects/{pid}/job_token_scope"), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(scope["inbound_enabled"], json!(false));
    let other = new_project(&emu, "other").await;
    let link = gl
        .http_post(
            &format!("/projects/{pid}/job_token_scope/allowlist"),
            &Attrs::new().set("target_project_id", other),
        )
        .await
        .unwrap();
    assert_eq!(
        link,
        json!({"source_project_id": pid, "target_project_id": other})
    );
    let listed = gl
        .http_get(
            &format!("/projects/{pid}/job_token_scope/allowlist"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(listed[0]["id"], json!(other));
    assert_eq!(listed[0]["path_with_namespace"], "root/other");
}

#[tokio::test]
async fn created_tokens_carry_their_secret_once() {
    let (emu, gl, pid) = setup().await;
    let alice = emu.user("alice").unwrap().id;
    let t = gl
        .http_post(
            &format!("/users/{alice}/personal_access_tokens"),
            &Attrs::new().set("name", "ci").set("scopes", json!(["api"])),
        )
        .await
        .unwrap();
    let token = t["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("glpat-"));
    assert_eq!(t["revoked"], json!(false));
    assert_eq!(t["active"], json!(true));
    // The token works, and reads itself back without the secret.
    let as_alice = emu.client_as(&token).unwrap();
    let me = as_alice
        .http_get("/personal_access_tokens/self", &Attrs::new())
        .await
        .unwrap();
    assert_eq!(me["id"], t["id"]);
    assert!(me["token"].is_null());
    let all = gl
        .http_get(
            "/personal_access_tokens",
            &Attrs::new().set("user_id", alice),
        )
        .await
        .unwrap();
    assert_eq!(field(&all, "name"), [json!("ci")]);
    let rotated = gl
        .http_post(
            &format!("/personal_access_tokens/{}/rotate", t["id"]),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_ne!(rotated["token"], json!(token));
    assert_eq!(
        as_alice
            .http_get("/user", &Attrs::new())
            .await
            .unwrap_err()
            .status(),
        Some(401)
    );
    for path in [
        format!("/projects/{pid}/access_tokens"),
        format!("/users/{alice}/impersonation_tokens"),
    ] {
        let t = gl
            .http_post(
                &path,
                &Attrs::new().set("name", "x").set("scopes", json!(["api"])),
            )
            .await
            .unwrap();
        assert!(
            t["token"].as_str().unwrap().starts_with("glpat-"),
            "{path}: {t}"
        );
        let again = gl
            .http_get(&format!("{path}/{}", t["id"]), &Attrs::new())
            .await
            .unwrap();
        assert!(again["token"].is_null());
    }
    // Deploy tokens, also listed instance-wide.
    let d = gl
        .http_post(
            &format!("/projects/{pid}/deploy_tokens"),
            &Attrs::new()
                .set("name", "deploy")
                .set("scopes", json!(["read_repository"])),
        )
        .await
        .unwrap();
    assert!(d["token"].as_str().unwrap().starts_with("gldt-"));
    assert_eq!(d["username"], format!("gitlab+deploy-token-{}", d["id"]));
    let all = gl.http_get("/deploy_tokens", &Attrs::new()).await.unwrap();
    assert_eq!(field(&all, "id"), [d["id"].clone()]);
    assert!(all[0]["token"].is_null());
}

#[tokio::test]
async fn project_and_group_access_tokens_authenticate_as_their_bot_user() {
    let (emu, gl, pid) = setup().await;
    let gid = gl
        .http_get("/groups/demo-group", &Attrs::new())
        .await
        .unwrap()["id"]
        .clone();
    for (path, prefix, level) in [
        (
            format!("/projects/{pid}/access_tokens"),
            format!("project_{pid}_bot_"),
            Some(30),
        ),
        (
            format!("/groups/{gid}/access_tokens"),
            format!("group_{gid}_bot_"),
            None,
        ),
    ] {
        let mut attrs = Attrs::new()
            .set("name", "ci-bot")
            .set("scopes", json!(["api"]));
        if let Some(l) = level {
            attrs = attrs.set("access_level", l);
        }
        let t = gl.http_post(&path, &attrs).await.unwrap();
        let level = level.unwrap_or(40);
        assert_eq!(t["access_level"], json!(level), "{path}: {t}");
        let secret = t["token"].as_str().unwrap().to_string();
        // The token is the bot's: a user named after the token, a member at its level.
        let bot = emu.client_as(&secret).unwrap();
        let me = bot.http_get("/user", &Attrs::new()).await.unwrap();
        assert_eq!(me["id"], t["user_id"], "{path}");
        assert_eq!(me["name"], json!("ci-bot"));
        assert_eq!(me["bot"], json!(true));
        assert!(
            me["username"].as_str().unwrap().starts_with(&prefix),
            "{me}"
        );
        let members = path.replace("access_tokens", "members");
        let m = gl
            .http_get(&format!("{members}/{}", t["user_id"]), &Attrs::new())
            .await
            .unwrap();
        assert_eq!(m["access_level"], json!(level));
        bot.http_get(&format!("/projects/{pid}"), &Attrs::new())
            .await
            .unwrap();
        // Revoked, it no longer authenticates.
        gl.http_delete(&format!("{path}/{}", t["id"]))
            .await
            .unwrap();
        let err = bot.http_get("/user", &Attrs::new()).await.unwrap_err();
        assert_eq!(err.status(), Some(401), "{path}");
    }
    let err = gl
        .http_post(
            &format!("/projects/{pid}/access_tokens"),
            &Attrs::new()
                .set("name", "x")
                .set("scopes", json!(["api"]))
                .set("access_level", 12),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(
        err.to_string()
            .contains("access_level does not have a valid value"),
        "{err}"
    );
}

#[tokio::test]
async fn revoked_and_self_created_personal_tokens() {
    let (emu, gl, _pid) = setup().await;
    let alice = emu.user("alice").unwrap();
    let as_alice = emu.client_as(&alice.token).unwrap();
    // A token alice creates for herself is hers.
    let t = as_alice
        .http_post(
            "/user/personal_access_tokens",
            &Attrs::new()
                .set("name", "mine")
                .set("scopes", json!(["k8s_proxy"])),
        )
        .await
        .unwrap();
    let mine = emu.client_as(t["token"].as_str().unwrap()).unwrap();
    let me = mine.http_get("/user", &Attrs::new()).await.unwrap();
    assert_eq!(me["username"], json!("alice"));
    // Revoking a personal token ends its use.
    gl.http_delete(&format!("/personal_access_tokens/{}", t["id"]))
        .await
        .unwrap();
    let err = mine.http_get("/user", &Attrs::new()).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
}

#[tokio::test]
async fn hidden_variables_never_show_their_value() {
    let (_emu, gl, pid) = setup().await;
    let v = gl
        .http_post(
            &format!("/projects/{pid}/variables"),
            &Attrs::new()
                .set("key", "SECRET")
                .set("value", "s3cr3t-value")
                .set("masked_and_hidden", true),
        )
        .await
        .unwrap();
    assert_eq!(v["value"], Value::Null);
    assert_eq!(v["hidden"], json!(true));
    assert_eq!(v["masked"], json!(true));
    let again = gl
        .http_get(&format!("/projects/{pid}/variables/SECRET"), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(again["value"], Value::Null);
    let plain = gl
        .http_post(
            &format!("/projects/{pid}/variables"),
            &Attrs::new().set("key", "PLAIN").set("value", "shown"),
        )
        .await
        .unwrap();
    assert_eq!(plain["value"], "shown");
    assert_eq!(plain["hidden"], json!(false));
    // What was not sent takes GitLab's defaults, not null; what was sent stays.
    for (field, default) in [
        ("variable_type", json!("env_var")),
        ("protected", json!(false)),
        ("masked", json!(false)),
        ("raw", json!(false)),
        ("environment_scope", json!("*")),
    ] {
        assert_eq!(plain[field], default, "{field}");
    }
    let typed = gl
        .http_post(
            &format!("/projects/{pid}/variables"),
            &Attrs::new()
                .set("key", "FILEVAR")
                .set("value", "x")
                .set("variable_type", "file")
                .set("protected", true),
        )
        .await
        .unwrap();
    assert_eq!(typed["variable_type"], "file");
    assert_eq!(typed["protected"], json!(true));
}

#[tokio::test]
async fn blocking_twice_answers_null_and_uploads_keep_extensions() {
    let (emu, gl, pid) = setup().await;
    let alice = emu.user("alice").unwrap().id;
    let first = post(&emu, &format!("/users/{alice}/block"), json!({})).await;
    assert_eq!((first.status, first.json()), (201, json!(true)));
    let second = post(&emu, &format!("/users/{alice}/block"), json!({})).await;
    assert_eq!((second.status, second.json()), (201, Value::Null));
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"hello".to_vec()).file_name("notes.txt"),
    );
    let r = send(
        http()
            .post(api(&emu, &format!("/projects/{pid}/uploads")))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .multipart(form),
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["alt"], "notes.txt");
    let _ = gl;
}

#[tokio::test]
async fn integrations_wikis_features_markdown_search() {
    let (emu, gl, pid) = setup().await;
    let i = gl
        .http_put(
            &format!("/projects/{pid}/integrations/emails-on-push"),
            &Attrs::new().set("recipients", "a@example.com"),
        )
        .await
        .unwrap();
    assert_eq!(i["slug"], "emails-on-push");
    assert_eq!(i["active"], json!(true));
    let again = gl
        .http_get(
            &format!("/projects/{pid}/integrations/emails-on-push"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(again["id"], i["id"]);
    let w = gl
        .http_post(
            &format!("/projects/{pid}/wikis"),
            &Attrs::new()
                .set("title", "Getting Started")
                .set("content", "Hi"),
        )
        .await
        .unwrap();
    assert_eq!(w["slug"], "Getting-Started");
    let page = gl
        .http_get(
            &format!("/projects/{pid}/wikis/Getting-Started"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(page["content"], "Hi");
    let f = gl
        .http_post("/features/my_flag", &Attrs::new().set("value", true))
        .await
        .unwrap();
    assert_eq!(f["state"], "on");
    let all = gl.http_get("/features", &Attrs::new()).await.unwrap();
    assert_eq!(field(&all, "name"), [json!("my_flag")]);
    let md = gl
        .http_post(
            "/markdown",
            &Attrs::new().set("text", "# Title\n\nSome `code` <b>"),
        )
        .await
        .unwrap();
    let html = md["html"].as_str().unwrap();
    assert!(
        html.contains("<code>code</code>") && html.contains("&lt;b&gt;"),
        "{html}"
    );
    let found = gl
        .http_get(
            "/search",
            &Attrs::new().set("scope", "projects").set("search", "demo"),
        )
        .await
        .unwrap();
    assert_eq!(found[0]["id"], json!(pid));
    let r = get(&emu, "/search?search=x").await;
    assert_eq!(
        (r.status, r.json()),
        (400, json!({"error": "scope is missing"}))
    );
    let issues = gl
        .http_get(
            &format!("/projects/{pid}/search"),
            &Attrs::new().set("scope", "issues").set("search", ""),
        )
        .await
        .unwrap();
    assert!(!issues.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn namespaces_keys_projects_of_users_and_groups_of_projects() {
    let (emu, gl, pid) = setup().await;
    let ns = gl.http_get("/namespaces", &Attrs::new()).await.unwrap();
    let kinds: Vec<(Value, Value)> = ns
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["full_path"].clone(), n["kind"].clone()))
        .collect();
    assert!(kinds.contains(&(json!("root"), json!("user"))), "{ns}");
    assert!(
        kinds.contains(&(json!("demo-group"), json!("group"))),
        "{ns}"
    );
    // A key by id and by fingerprint.
    let key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDhello alice@example.com";
    let k = gl
        .http_post(
            "/users/1/keys",
            &Attrs::new().set("title", "k").set("key", key),
        )
        .await
        .unwrap();
    let by_id = gl
        .http_get(&format!("/keys/{}", k["id"]), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(by_id["user"]["username"], "root");
    let fp = by_id["fingerprint"].as_str().unwrap().to_string();
    assert_eq!(fp.len(), 47);
    let by_fp = gl
        .http_get("/keys", &Attrs::new().set("fingerprint", fp.as_str()))
        .await
        .unwrap();
    assert_eq!(by_fp["id"], k["id"]);
    // The user's projects.
    let mine = new_project(&emu, "mine").await;
    let listed = gl
        .http_get("/users/1/projects", &Attrs::new())
        .await
        .unwrap();
    assert_eq!(field(&listed, "id"), [json!(mine)]);
    // A project in a subgroup lists the whole chain.
    let parent = gl
        .http_get("/groups/demo-group", &Attrs::new())
        .await
        .unwrap();
    let sub = gl
        .http_post(
            "/groups",
            &Attrs::new()
                .set("name", "Sub")
                .set("path", "sub")
                .set("parent_id", parent["id"].clone()),
        )
        .await
        .unwrap();
    let inner = gl
        .http_post(
            "/projects",
            &Attrs::new()
                .set("name", "inner")
                .set("namespace_id", sub["id"].clone()),
        )
        .await
        .unwrap();
    let groups = gl
        .http_get(&format!("/projects/{}/groups", inner["id"]), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(
        field(&groups, "full_path"),
        [json!("demo-group/sub"), json!("demo-group")]
    );
    // Deploy keys enabled elsewhere are listed there.
    let dk = gl
        .http_post(
            &format!("/projects/{pid}/deploy_keys"),
            &Attrs::new().set("title", "dk").set("key", key),
        )
        .await
        .unwrap();
    gl.http_post(
        &format!("/projects/{mine}/deploy_keys/{}/enable", dk["id"]),
        &Attrs::new(),
    )
    .await
    .unwrap();
    let keys = gl
        .http_get(&format!("/projects/{mine}/deploy_keys"), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(field(&keys, "id"), [dk["id"].clone()]);
}

#[tokio::test]
async fn transfers_shares_releases_links_and_statuses() {
    let (emu, gl, pid) = setup().await;
    let p = new_project(&emu, "movable").await;
    let moved = gl
        .http_put(
            &format!("/projects/{p}/transfer"),
            &Attrs::new().set("namespace", "demo-group"),
        )
        .await
        .unwrap();
    assert_eq!(moved["path_with_namespace"], "demo-group/movable");
    let a = gl
        .http_post("/groups", &Attrs::new().set("name", "A").set("path", "a"))
        .await
        .unwrap();
    let b = gl
        .http_post("/groups", &Attrs::new().set("name", "B").set("path", "b"))
        .await
        .unwrap();
    let r = post(
        &emu,
        &format!("/groups/{}/transfer", b["id"]),
        json!({"group_id": a["id"]}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    assert_eq!(r.json()["full_path"], "a/b");
    gl.http_post(
        &format!("/projects/{pid}/share"),
        &Attrs::new()
            .set("group_id", a["id"].clone())
            .set("group_access", 30),
    )
    .await
    .unwrap();
    let proj = gl
        .http_get(&format!("/projects/{pid}"), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(proj["shared_with_groups"][0]["group_id"], a["id"]);
    assert_eq!(
        proj["shared_with_groups"][0]["group_access_level"],
        json!(30)
    );
    // Releases show their links in `assets`.
    gl.http_post(
        &format!("/projects/{pid}/releases"),
        &Attrs::new()
            .set("tag_name", "v1.0")
            .set("ref", "main")
            .set("name", "One"),
    )
    .await
    .unwrap();
    gl.http_post(
        &format!("/projects/{pid}/releases/v1.0/assets/links"),
        &Attrs::new()
            .set("name", "bin")
            .set("url", "https://example.com/bin"),
    )
    .await
    .unwrap();
    let rel = gl
        .http_get(&format!("/projects/{pid}/releases/v1.0"), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(rel["assets"]["links"][0]["name"], "bin");
    let tag = gl
        .http_get(
            &format!("/projects/{pid}/repository/tags/v1.0"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(tag["name"], "v1.0");
    // Commit statuses.
    let sha = tag["target"].as_str().unwrap().to_string();
    let s = gl
        .http_post(
            &format!("/projects/{pid}/statuses/{sha}"),
            &Attrs::new().set("state", "success").set("name", "ci"),
        )
        .await
        .unwrap();
    assert_eq!(s["status"], "success");
    let listed = gl
        .http_get(
            &format!("/projects/{pid}/repository/commits/{sha}/statuses"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(field(&listed, "name"), [json!("ci")]);
}

#[tokio::test]
async fn issue_links_feature_flags_and_generic_packages() {
    let (emu, gl, pid) = setup().await;
    let link = gl
        .http_post(
            &format!("/projects/{pid}/issues/1/links"),
            &Attrs::new()
                .set("target_project_id", pid)
                .set("target_issue_iid", 2),
        )
        .await
        .unwrap();
    assert_eq!(link["source_issue"]["iid"], json!(1));
    assert_eq!(link["target_issue"]["iid"], json!(2));
    let links = gl
        .http_get(&format!("/projects/{pid}/issues/2/links"), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(links[0]["iid"], json!(1));
    assert_eq!(links[0]["link_type"], "relates_to");
    let ff = gl
        .http_post(
            &format!("/projects/{pid}/feature_flags"),
            &Attrs::new().set("name", "flag").set(
                "strategies",
                json!([{"name": "default", "parameters": {}, "scopes": [{"environment_scope": "*"}]}]),
            ),
        )
        .await
        .unwrap();
    let sid = ff["strategies"][0]["id"].clone();
    let ff = gl
        .http_put(
            &format!("/projects/{pid}/feature_flags/flag"),
            &Attrs::new()
                .set("name", "renamed")
                .set("strategies", json!([{"id": sid, "_destroy": true}])),
        )
        .await
        .unwrap();
    assert_eq!(ff["name"], "renamed");
    assert_eq!(ff["strategies"], json!([]));
    let url = format!("/projects/{pid}/packages/generic/tool/1.0.0/tool.bin");
    let r = send(
        http()
            .put(api(&emu, &url))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .header("content-type", "application/octet-stream")
            .body(vec![0u8, 1, 2, 255]),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let bytes = gl.http_get_raw(&url, &Attrs::new()).await.unwrap();
    assert_eq!(&bytes[..], &[0u8, 1, 2, 255]);
    let pkgs = gl
        .http_get(&format!("/projects/{pid}/packages"), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(pkgs[0]["package_type"], "generic");
}

#[tokio::test]
async fn unknown_routes_are_gitlab_404s() {
    let emu = demo().await;
    let r = get(&emu, "/no/such/route").await;
    assert_eq!(
        (r.status, r.json()),
        (404, json!({"error": "404 Not Found"}))
    );
}

#[tokio::test]
async fn pipelines_are_listed_newest_first() {
    let (emu, gl, pid) = setup().await;
    for _ in 0..2 {
        let r = post(
            &emu,
            &format!("/projects/{pid}/pipeline"),
            json!({"ref": "main"}),
        )
        .await;
        assert_eq!(r.status, 201, "{:?}", r.json());
    }
    let listed = gl
        .http_get(&format!("/projects/{pid}/pipelines"), &Attrs::new())
        .await
        .unwrap();
    let ids = field(&listed, "id");
    assert_eq!(ids.len(), 2);
    assert!(ids[0].as_u64() > ids[1].as_u64(), "{ids:?}");
    let asc = gl
        .http_get(
            &format!("/projects/{pid}/pipelines"),
            &Attrs::new().set("sort", "asc"),
        )
        .await
        .unwrap();
    assert_eq!(field(&asc, "id")[0], ids[1]);
}

#[tokio::test]
async fn snippets_serve_their_files_raw() {
    let (emu, _gl, pid) = setup().await;
    // A project snippet with two files, as python-gitlab sends it (JSON `files`).
    let r = post(
        &emu,
        &format!("/projects/{pid}/snippets"),
        json!({"title": "two", "visibility": "private", "files": [
            {"file_path": "a.py", "content": "import gitlab"},
            {"file_path": "dir/b.txt", "content": "bee"}
        ]}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let s = r.json();
    let id = s["id"].as_u64().unwrap();
    assert_eq!(s["file_name"], "a.py");
    let paths: Vec<&str> = s["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["a.py", "dir/b.txt"]);
    assert!(s["files"][0].get("content").is_none(), "{s}");
    let raw = get(&emu, &format!("/projects/{pid}/snippets/{id}/raw")).await;
    assert_eq!((raw.status, &raw.body[..]), (200, &b"import gitlab"[..]));
    assert!(raw
        .header("content-type")
        .unwrap()
        .starts_with("text/plain"));
    let b = get(
        &emu,
        &format!("/projects/{pid}/snippets/{id}/files/main/dir%2Fb.txt/raw"),
    )
    .await;
    assert_eq!((b.status, &b.body[..]), (200, &b"bee"[..]));
    let missing = get(
        &emu,
        &format!("/projects/{pid}/snippets/{id}/files/main/nope/raw"),
    )
    .await;
    assert_eq!(missing.status, 404);

    // A personal snippet from `file_name` + `content`, then updated and renamed.
    let p = post(
        &emu,
        "/snippets",
        json!({"title": "mine", "file_name": "x.md", "content": "initial content"}),
    )
    .await
    .json();
    let sid = p["id"].as_u64().unwrap();
    assert_ne!(sid, id, "snippet ids are unique across projects and users");
    assert_eq!(
        get(&emu, &format!("/snippets/{sid}/raw")).await.body,
        "initial content"
    );
    put(
        &emu,
        &format!("/snippets/{sid}"),
        json!({"content": "changed"}),
    )
    .await;
    assert_eq!(
        get(&emu, &format!("/snippets/{sid}/raw")).await.body,
        "changed"
    );
    let moved = put(
        &emu,
        &format!("/snippets/{sid}"),
        json!({"files": [{"action": "move", "previous_path": "x.md", "file_path": "y.md"}]}),
    )
    .await
    .json();
    assert_eq!(moved["file_name"], "y.md");
    let y = get(&emu, &format!("/snippets/{sid}/files/main/y.md/raw")).await;
    assert_eq!((y.status, &y.body[..]), (200, &b"changed"[..]));
}
