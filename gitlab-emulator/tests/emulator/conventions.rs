//! GitLab's REST conventions, checked with raw HTTP against the documented shapes.

use super::*;
use gitlab_emulator::{DEMO_JOB_TOKEN, DEMO_USER_TOKEN};
use serde_json::json;

#[tokio::test]
async fn offset_pagination_headers_for_a_three_page_collection() {
    let emu = Emulator::start().await.unwrap();
    let pid = new_project(&emu, "paged").await;
    assert_eq!(emu.seed_issues(pid, 7).unwrap(), 1..=7);
    let base = format!("{}/api/v4/projects/{pid}/issues", emu.url());

    let r = get(&emu, &format!("/projects/{pid}/issues?per_page=3&page=2")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-page").as_deref(), Some("2"));
    assert_eq!(r.header("x-per-page").as_deref(), Some("3"));
    assert_eq!(r.header("x-total").as_deref(), Some("7"));
    assert_eq!(r.header("x-total-pages").as_deref(), Some("3"));
    assert_eq!(r.header("x-next-page").as_deref(), Some("3"));
    assert_eq!(r.header("x-prev-page").as_deref(), Some("1"));
    assert_eq!(
        r.header("link").unwrap(),
        format!(
            "<{base}?page=1&per_page=3>; rel=\"prev\", <{base}?page=3&per_page=3>; rel=\"next\", \
             <{base}?page=1&per_page=3>; rel=\"first\", <{base}?page=3&per_page=3>; rel=\"last\""
        )
    );
    // Newest first by default.
    assert_eq!(field(&r.json(), "iid"), [json!(4), json!(3), json!(2)]);

    let first = get(&emu, &format!("/projects/{pid}/issues?per_page=3")).await;
    assert_eq!(first.header("x-prev-page").as_deref(), Some(""));
    assert!(!first.header("link").unwrap().contains("rel=\"prev\""));
    let last = get(&emu, &format!("/projects/{pid}/issues?per_page=3&page=3")).await;
    assert_eq!(field(&last.json(), "iid"), [json!(1)]);
    assert_eq!(last.header("x-next-page").as_deref(), Some(""));
    assert!(!last.header("link").unwrap().contains("rel=\"next\""));
    // Other query parameters are kept in the links.
    let filtered = get(
        &emu,
        &format!("/projects/{pid}/issues?state=opened&per_page=3"),
    )
    .await;
    assert!(filtered.header("link").unwrap().contains(&format!(
        "<{base}?state=opened&page=2&per_page=3>; rel=\"next\""
    )));
    // Past the end: an empty page.
    let beyond = get(&emu, &format!("/projects/{pid}/issues?per_page=3&page=9")).await;
    assert_eq!(beyond.json(), json!([]));
}

#[tokio::test]
async fn per_page_defaults_to_20_and_is_capped_at_100() {
    let emu = Emulator::start().await.unwrap();
    let pid = new_project(&emu, "big").await;
    emu.seed_issues(pid, 150).unwrap();
    let r = get(&emu, &format!("/projects/{pid}/issues?per_page=500")).await;
    assert_eq!(r.json().as_array().unwrap().len(), 100);
    assert_eq!(r.header("x-per-page").as_deref(), Some("100"));
    assert_eq!(r.header("x-total-pages").as_deref(), Some("2"));
    let r = get(&emu, &format!("/projects/{pid}/issues")).await;
    assert_eq!(r.json().as_array().unwrap().len(), 20);
    assert_eq!(r.header("x-per-page").as_deref(), Some("20"));
    assert_eq!(r.header("x-total-pages").as_deref(), Some("8"));
    let r = get(&emu, &format!("/projects/{pid}/issues?per_page=0&page=-3")).await;
    assert_eq!(r.header("x-per-page").as_deref(), Some("20"));
    assert_eq!(r.header("x-page").as_deref(), Some("1"));
}

#[tokio::test]
async fn large_collections_leave_out_the_totals() {
    let emu = Emulator::builder().count_limit(5).start().await.unwrap();
    let pid = new_project(&emu, "many").await;
    emu.seed_issues(pid, 6).unwrap();
    let r = get(&emu, &format!("/projects/{pid}/issues?per_page=2")).await;
    assert_eq!(r.header("x-total"), None);
    assert_eq!(r.header("x-total-pages"), None);
    assert_eq!(r.header("x-next-page").as_deref(), Some("2"));
    let link = r.header("link").unwrap();
    assert!(
        link.contains("rel=\"next\"") && !link.contains("rel=\"last\""),
        "{link}"
    );
}

#[tokio::test]
async fn keyset_pagination_answers_only_a_next_link() {
    let emu = Emulator::start().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(new_project(&emu, &format!("keyset {i}")).await);
    }
    let mut url = api(
        &emu,
        "/projects?pagination=keyset&per_page=2&order_by=id&sort=asc",
    );
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = send(http().get(&url).header("PRIVATE-TOKEN", ADMIN_TOKEN)).await;
        assert_eq!(r.status, 200);
        pages += 1;
        for h in ["x-total", "x-total-pages", "x-page", "x-next-page"] {
            assert_eq!(r.header(h), None, "{h} in a keyset answer");
        }
        seen.extend(
            field(&r.json(), "id")
                .into_iter()
                .map(|v| v.as_u64().unwrap()),
        );
        match r.header("link") {
            Some(l) => {
                assert!(l.ends_with("rel=\"next\""), "{l}");
                assert!(
                    l.contains("pagination=keyset") && l.contains("id_after="),
                    "{l}"
                );
                url = l[1..l.find('>').unwrap()].to_string();
            }
            None => break,
        }
    }
    assert_eq!(seen, ids);
    assert_eq!(pages, 3);

    // Descending uses id_before; issues use an opaque cursor.
    let r = get(
        &emu,
        "/projects?pagination=keyset&per_page=2&order_by=id&sort=desc",
    )
    .await;
    assert_eq!(field(&r.json(), "id"), [json!(ids[4]), json!(ids[3])]);
    assert!(r
        .header("link")
        .unwrap()
        .contains(&format!("id_before={}", ids[3])));
    emu.seed_issues(ids[0], 3).unwrap();
    let r = get(
        &emu,
        &format!(
            "/projects/{}/issues?pagination=keyset&per_page=2&order_by=id&sort=asc",
            ids[0]
        ),
    )
    .await;
    let link = r.header("link").unwrap();
    assert!(link.contains("cursor="), "{link}");
    let next = send(
        http()
            .get(&link[1..link.find('>').unwrap()])
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
    )
    .await;
    assert_eq!(field(&next.json(), "iid"), [json!(3)]);
    assert_eq!(next.header("link"), None);

    // Keyset needs an id ordering.
    let r = get(&emu, "/projects?pagination=keyset&order_by=name").await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn error_bodies_have_gitlabs_shapes() {
    let emu = demo().await;
    let r = get(&emu, "/projects/999").await;
    assert_eq!(
        (r.status, r.json()),
        (404, json!({"message": "404 Project Not Found"}))
    );
    let r = get(&emu, "/groups/nope").await;
    assert_eq!(r.json(), json!({"message": "404 Group Not Found"}));
    let r = get(&emu, "/projects/1/issues/99").await;
    assert_eq!(
        (r.status, r.json()),
        (404, json!({"message": "404 Not found"}))
    );
    let r = get(&emu, "/projects/1/repository/branches/nope").await;
    assert_eq!(r.json(), json!({"message": "404 Branch Not Found"}));
    let r = get(&emu, "/no/such/endpoint").await;
    assert_eq!(
        (r.status, r.json()),
        (404, json!({"error": "404 Not Found"}))
    );

    // A missing required attribute (the catalogue's create.required) is grape's
    // "is missing"; one sent blank passes grape and fails the model.
    let r = post(
        &emu,
        "/projects/1/issues",
        json!({"description": "no title"}),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (400, json!({"error": "title is missing"}))
    );
    let r = post(&emu, "/projects/1/issues", json!({"title": " "})).await;
    assert_eq!(
        (r.status, r.json()),
        (400, json!({"message": {"title": ["can't be blank"]}}))
    );
    let r = post(&emu, "/projects/1/merge_requests", json!({"title": "x"})).await;
    assert_eq!(
        r.json(),
        json!({"error": "source_branch is missing, target_branch is missing"})
    );
    let r = post(
        &emu,
        "/projects/1/merge_requests",
        json!({"title": "x", "source_branch": "", "target_branch": ""}),
    )
    .await;
    assert_eq!(
        r.json(),
        json!({"message": {"source_branch": ["can't be blank"], "target_branch": ["can't be blank"]}})
    );
    // Parameter validation answers with "error".
    let r = post(&emu, "/projects", json!({"description": "no name"})).await;
    assert_eq!(
        (r.status, r.json()),
        (
            400,
            json!({"error": "name, path are missing, at least one parameter must be provided"})
        )
    );
    let r = send(
        http()
            .put(api(&emu, "/projects/1/issues/1"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .json_body(json!({"state_event": "explode"})),
    )
    .await;
    assert_eq!(
        r.json(),
        json!({"error": "state_event does not have a valid value"})
    );
    let r = send(
        http()
            .post(api(&emu, "/projects/1/issues"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .header("content-type", "application/json")
            .body("{\"title\": "),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].is_string());

    // 401 without or with a bad token where auth is needed.
    let r = send(
        http()
            .post(api(&emu, "/projects"))
            .json_body(json!({"name": "x"})),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (401, json!({"message": "401 Unauthorized"}))
    );
    let r = send(
        http()
            .get(api(&emu, "/projects"))
            .header("PRIVATE-TOKEN", "glpat-wrong"),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (401, json!({"message": "401 Unauthorized"}))
    );
    let r = send(http().get(api(&emu, "/user"))).await;
    assert_eq!(r.status, 401);
    // Anonymous reads of public data are fine.
    let r = send(http().get(api(&emu, "/projects/demo-group%2Fdemo-project"))).await;
    assert_eq!(r.status, 200);

    // 403: a normal user cannot create users.
    let r = send(
        http()
            .post(api(&emu, "/users"))
            .header("PRIVATE-TOKEN", DEMO_USER_TOKEN)
            .json_body(json!({"username": "x", "name": "x", "email": "x@example.com"})),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (403, json!({"message": "403 Forbidden"}))
    );

    // 405: a path that exists, with the wrong method.
    let r = send(
        http()
            .delete(api(&emu, "/projects/1/star"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
    )
    .await;
    assert_eq!(r.status, 405);

    // 409: an existing member, an open MR for the same branches.
    let r = post(
        &emu,
        "/groups/demo-group/members",
        json!({"user_id": 2, "access_level": 30}),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (409, json!({"message": "Member already exists"}))
    );
    let mr = json!({"source_branch": "feature/demo", "target_branch": "main", "title": "One"});
    assert_eq!(
        post(&emu, "/projects/1/merge_requests", mr.clone())
            .await
            .status,
        201
    );
    let r = post(&emu, "/projects/1/merge_requests", mr).await;
    assert_eq!(r.status, 409);
    assert_eq!(
        r.json(),
        json!({"message": ["Another open merge request already exists for this source branch: !1"]})
    );
    // 422: the same branch as source and target.
    let r = post(
        &emu,
        "/projects/1/merge_requests",
        json!({"source_branch": "main", "target_branch": "main", "title": "Loop"}),
    )
    .await;
    assert_eq!(r.status, 422);

    // Duplicates as GitLab really answers them.
    let r = post(
        &emu,
        "/projects",
        json!({"name": "Demo Project", "namespace_id": 3}),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (
            400,
            json!({"message": {"name": ["has already been taken"], "path": ["has already been taken"]}})
        )
    );
    let r = post(
        &emu,
        "/projects/1/repository/branches",
        json!({"branch": "main", "ref": "main"}),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (400, json!({"message": "Branch already exists"}))
    );
    let r = post(
        &emu,
        "/projects/1/repository/branches",
        json!({"branch": "x", "ref": "nowhere"}),
    )
    .await;
    assert_eq!(
        r.json(),
        json!({"message": "Invalid reference name: nowhere"})
    );
}

/// `RequestBuilder::json` needs reqwest's `json` feature; this sends JSON without it.
trait JsonBody {
    fn json_body(self, v: Value) -> Self;
}

impl JsonBody for reqwest::RequestBuilder {
    fn json_body(self, v: Value) -> Self {
        self.header("content-type", "application/json")
            .body(v.to_string())
    }
}

#[tokio::test]
async fn every_auth_header_works_and_sudo_needs_an_admin() {
    let emu = demo().await;
    let me = |h: &'static str, v: String| {
        let url = api(&emu, "/user");
        async move { send(http().get(url).header(h, v)).await.json()["username"].clone() }
    };
    assert_eq!(me("PRIVATE-TOKEN", ADMIN_TOKEN.into()).await, "root");
    assert_eq!(
        me("Authorization", format!("Bearer {DEMO_USER_TOKEN}")).await,
        "alice"
    );
    assert_eq!(me("JOB-TOKEN", DEMO_JOB_TOKEN.into()).await, "alice");

    // Sudo by username or id switches the current user, and authors what it creates.
    let as_alice = |rb: reqwest::RequestBuilder| {
        rb.header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .header("Sudo", "alice")
    };
    let r = send(as_alice(http().get(api(&emu, "/user")))).await;
    assert_eq!(r.json()["username"], "alice");
    let r = send(
        http()
            .get(api(&emu, "/user"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .header("Sudo", "2"),
    )
    .await;
    assert_eq!(r.json()["id"], 2);
    let r = send(
        as_alice(http().post(api(&emu, "/projects/1/issues"))).json_body(json!({"title": "sudo"})),
    )
    .await;
    assert_eq!(r.json()["author"]["username"], "alice");
    assert_eq!(
        emu.requests().last().unwrap().user.as_deref(),
        Some("alice")
    );

    let r = send(
        http()
            .get(api(&emu, "/user"))
            .header("PRIVATE-TOKEN", DEMO_USER_TOKEN)
            .header("Sudo", "root"),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (
            403,
            json!({"message": "403 Forbidden - Must be admin to use sudo"})
        )
    );
    let r = send(
        http()
            .get(api(&emu, "/user"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .header("Sudo", "ghost"),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json()["message"],
        "404 User with ID or username 'ghost' Not Found"
    );
}

#[tokio::test]
async fn encoded_path_ids_resolve_projects_groups_and_branches() {
    let emu = demo().await;
    let r = get(&emu, "/projects/demo-group%2Fdemo-project").await;
    assert_eq!((r.status, r.json()["id"].clone()), (200, json!(1)));
    assert_eq!(r.json()["path_with_namespace"], "demo-group/demo-project");
    assert_eq!(
        get(&emu, "/projects/DEMO-GROUP%2Fdemo-project")
            .await
            .status,
        200
    );
    let r = get(&emu, "/projects/demo-group%2Fdemo-project/issues/1/notes").await;
    assert_eq!(field(&r.json(), "body"), [json!("Thanks, looks good!")]);
    let r = get(&emu, "/groups/demo-group").await;
    assert_eq!(r.json()["full_path"], "demo-group");
    assert_eq!(field(&r.json()["projects"], "id"), [json!(1)]);
    let r = get(
        &emu,
        "/projects/demo-group%2Fdemo-project/repository/branches/feature%2Fdemo",
    )
    .await;
    assert_eq!(r.json()["name"], "feature/demo");

    // Subgroups get nested full paths, and projects follow a rename.
    let sub = post(
        &emu,
        "/groups",
        json!({"name": "Sub", "path": "sub", "parent_id": 3}),
    )
    .await;
    assert_eq!(sub.json()["full_path"], "demo-group/sub");
    let sub_id = sub.json()["id"].as_u64().unwrap();
    let p = post(
        &emu,
        "/projects",
        json!({"name": "Deep", "namespace_id": sub_id}),
    )
    .await;
    assert_eq!(p.json()["path_with_namespace"], "demo-group/sub/deep");
    let r = send(
        http()
            .put(api(&emu, "/groups/demo-group"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .json_body(json!({"path": "renamed"})),
    )
    .await;
    assert_eq!(r.json()["full_path"], "renamed");
    assert_eq!(
        get(&emu, "/projects/renamed%2Fsub%2Fdeep").await.status,
        200
    );
    assert_eq!(
        get(&emu, "/projects/demo-group%2Fdemo-project")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn ids_are_global_and_iids_count_per_project() {
    let emu = Emulator::start().await.unwrap();
    let a = new_project(&emu, "a").await;
    let b = new_project(&emu, "b").await;
    let mut ids = Vec::new();
    for (pid, want_iid) in [(a, 1), (a, 2), (b, 1), (a, 3), (b, 2)] {
        let r = post(
            &emu,
            &format!("/projects/{pid}/issues"),
            json!({"title": "t"}),
        )
        .await;
        assert_eq!(r.json()["iid"], want_iid);
        assert_eq!(r.json()["project_id"], pid);
        ids.push(r.json()["id"].as_u64().unwrap());
    }
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    // Merge requests have their own iids.
    post(
        &emu,
        &format!("/projects/{a}/repository/branches"),
        json!({"branch": "f", "ref": "main"}),
    )
    .await;
    let r = post(
        &emu,
        &format!("/projects/{a}/merge_requests"),
        json!({"source_branch": "f", "target_branch": "main", "title": "MR"}),
    )
    .await;
    assert_eq!(
        (r.json()["iid"].clone(), r.json()["id"].clone()),
        (json!(1), json!(1))
    );
    // A deleted issue's iid is not reused.
    let r = send(
        http()
            .delete(api(&emu, &format!("/projects/{b}/issues/2")))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
    )
    .await;
    assert_eq!(r.status, 204);
    let r = post(
        &emu,
        &format!("/projects/{b}/issues"),
        json!({"title": "t"}),
    )
    .await;
    assert_eq!(r.json()["iid"], 3);
}

#[tokio::test]
async fn create_then_list_and_filters() {
    let emu = demo().await;
    let r = post(
        &emu,
        "/projects/1/issues",
        json!({"title": "Crash on start", "labels": "bug,ui", "description": "boom"}),
    )
    .await;
    assert_eq!(r.status, 201);
    let issue = r.json();
    assert_eq!(issue["labels"], json!(["bug", "ui"]));
    assert_eq!(issue["state"], "opened");
    assert_eq!(issue["author"]["username"], "root");
    assert_eq!(issue["references"]["full"], "demo-group/demo-project#3");

    let list = get(&emu, "/projects/1/issues").await.json();
    assert_eq!(field(&list, "iid"), [json!(3), json!(2), json!(1)]);
    let bugs = get(&emu, "/projects/1/issues?labels=bug").await.json();
    assert_eq!(field(&bugs, "iid"), [json!(3), json!(2)]);
    let both = get(&emu, "/projects/1/issues?labels=bug,ui&state=opened")
        .await
        .json();
    assert_eq!(field(&both, "iid"), [json!(3)]);
    let closed = get(&emu, "/projects/1/issues?state=closed").await.json();
    assert_eq!(field(&closed, "iid"), [json!(2)]);
    let some = get(
        &emu,
        "/projects/1/issues?iids[]=1&iids[]=3&order_by=created_at&sort=asc",
    )
    .await
    .json();
    assert_eq!(field(&some, "iid"), [json!(1), json!(3)]);
    let found = get(&emu, "/projects/1/issues?search=CRASH").await.json();
    assert_eq!(field(&found, "iid"), [json!(3)]);
    let by_alice = get(&emu, "/projects/1/issues?author_id=2").await.json();
    assert_eq!(field(&by_alice, "iid"), [json!(2)]);
    let r = get(&emu, "/projects/1/issues?sort=sideways").await;
    assert_eq!(r.status, 400);

    // Projects: filters by membership, visibility, archived, stars.
    let mine = send(
        http()
            .get(api(&emu, "/projects?membership=true"))
            .header("PRIVATE-TOKEN", DEMO_USER_TOKEN),
    )
    .await
    .json();
    assert_eq!(field(&mine, "id"), [json!(1)]);
    let public = get(&emu, "/projects?visibility=public").await.json();
    assert_eq!(field(&public, "id"), [json!(1)]);
    assert_eq!(get(&emu, "/projects?archived=true").await.json(), json!([]));
}

#[tokio::test]
async fn form_query_and_multipart_bodies_are_understood() {
    let emu = demo().await;
    let r = send(
        http()
            .post(api(&emu, "/projects/1/issues"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("title=Form+issue&labels=a,b&confidential=true&assignee_ids[]=2"),
    )
    .await;
    assert_eq!(r.status, 201);
    let v = r.json();
    assert_eq!(v["title"], "Form issue");
    assert_eq!(v["labels"], json!(["a", "b"]));
    assert_eq!(v["confidential"], true);
    assert_eq!(v["assignees"][0]["username"], "alice");

    // Parameters in the query string of a POST count too.
    let r = send(
        http()
            .post(api(&emu, "/projects/1/issues?title=From%20query"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
    )
    .await;
    assert_eq!(r.json()["title"], "From query");

    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"\x89PNG...".to_vec()).file_name("shot.png"),
    );
    let r = send(
        http()
            .post(api(&emu, "/projects/1/uploads"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN)
            .multipart(form),
    )
    .await;
    assert_eq!(r.status, 201);
    let v = r.json();
    assert_eq!(v["alt"], "shot");
    assert!(v["markdown"]
        .as_str()
        .unwrap()
        .starts_with("![shot](/uploads/"));
}

#[tokio::test]
async fn state_changing_actions_follow_gitlab() {
    let emu = demo().await;
    let alice = |rb: reqwest::RequestBuilder| rb.header("PRIVATE-TOKEN", DEMO_USER_TOKEN);
    // Star twice: the second is 304 Not Modified.
    let r = send(alice(http().post(api(&emu, "/projects/1/star")))).await;
    assert_eq!((r.status, r.json()["star_count"].clone()), (201, json!(1)));
    let r = send(alice(http().post(api(&emu, "/projects/1/star")))).await;
    assert_eq!((r.status, r.body.len()), (304, 0));
    let starred = send(alice(http().get(api(&emu, "/projects?starred=true"))))
        .await
        .json();
    assert_eq!(field(&starred, "id"), [json!(1)]);
    let r = send(alice(http().post(api(&emu, "/projects/1/unstar")))).await;
    assert_eq!(r.json()["star_count"], 0);
    assert_eq!(
        send(alice(http().post(api(&emu, "/projects/1/unstar"))))
            .await
            .status,
        304
    );

    // Archive needs a maintainer; alice is a developer.
    assert_eq!(
        send(alice(http().post(api(&emu, "/projects/1/archive"))))
            .await
            .status,
        403
    );
    let r = post(&emu, "/projects/1/archive", json!({})).await;
    assert_eq!(r.json()["archived"], true);
    assert_eq!(
        field(&get(&emu, "/projects?archived=true").await.json(), "id"),
        [json!(1)]
    );
    assert_eq!(
        post(&emu, "/projects/1/unarchive", json!({})).await.json()["archived"],
        false
    );

    // Subscribe: root authored issue 1 and is subscribed already.
    assert_eq!(
        post(&emu, "/projects/1/issues/1/subscribe", json!({}))
            .await
            .status,
        304
    );
    let r = post(&emu, "/projects/1/issues/1/unsubscribe", json!({})).await;
    assert_eq!(
        (r.status, r.json()["subscribed"].clone()),
        (201, json!(false))
    );
    assert_eq!(
        get(&emu, "/projects/1/issues/1").await.json()["subscribed"],
        false
    );

    // Move issue 1 to a new project: a new iid there, the old one closed and pointing at it.
    let other = new_project(&emu, "elsewhere").await;
    let r = post(
        &emu,
        "/projects/1/issues/1/move",
        json!({"to_project_id": other}),
    )
    .await;
    assert_eq!(r.status, 201);
    let moved = r.json();
    assert_eq!(
        (moved["project_id"].clone(), moved["iid"].clone()),
        (json!(other), json!(1))
    );
    assert_eq!(moved["title"], "Welcome to the GitLab emulator");
    let old = get(&emu, "/projects/1/issues/1").await.json();
    assert_eq!(
        (old["state"].clone(), old["moved_to_id"].clone()),
        (json!("closed"), moved["id"].clone())
    );
    let notes = get(&emu, &format!("/projects/{other}/issues/1/notes"))
        .await
        .json();
    assert_eq!(field(&notes, "body"), [json!("Thanks, looks good!")]);
    let r = post(
        &emu,
        &format!("/projects/{other}/issues/1/move"),
        json!({"to_project_id": other}),
    )
    .await;
    assert_eq!(
        r.json(),
        json!({"message": "Cannot move issue to project it originates from!"})
    );
    let r = post(&emu, &format!("/projects/{other}/issues/1/move"), json!({})).await;
    assert_eq!(
        (r.status, r.json()),
        (400, json!({"error": "to_project_id is missing"}))
    );

    // Merge: merged once, then 405; a deleted source branch is 406.
    let mr = post(
        &emu,
        "/projects/1/merge_requests",
        json!({"source_branch": "feature/demo", "target_branch": "main", "title": "Feature", "remove_source_branch": true}),
    )
    .await
    .json();
    let iid = mr["iid"].as_u64().unwrap();
    let merge = |path: String| {
        send(
            http()
                .put(api(&emu, &path))
                .header("PRIVATE-TOKEN", ADMIN_TOKEN),
        )
    };
    let r = merge(format!("/projects/1/merge_requests/{iid}/merge")).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(
        (v["state"].clone(), v["merged_by"]["username"].clone()),
        (json!("merged"), json!("root"))
    );
    assert!(v["merge_commit_sha"].as_str().unwrap().len() == 40);
    assert_eq!(
        get(&emu, "/projects/1/repository/branches/feature%2Fdemo")
            .await
            .status,
        404
    );
    let r = merge(format!("/projects/1/merge_requests/{iid}/merge")).await;
    assert_eq!(
        (r.status, r.json()),
        (405, json!({"message": "405 Method Not Allowed"}))
    );
    post(
        &emu,
        "/projects/1/repository/branches",
        json!({"branch": "gone", "ref": "main"}),
    )
    .await;
    let mr2 = post(
        &emu,
        "/projects/1/merge_requests",
        json!({"source_branch": "gone", "target_branch": "main", "title": "Doomed"}),
    )
    .await
    .json();
    send(
        http()
            .delete(api(&emu, "/projects/1/repository/branches/gone"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
    )
    .await;
    let r = merge(format!("/projects/1/merge_requests/{}/merge", mr2["iid"])).await;
    assert_eq!(
        (r.status, r.json()),
        (406, json!({"message": "Branch cannot be merged"}))
    );
    let merged = get(&emu, "/projects/1/merge_requests?state=merged")
        .await
        .json();
    assert_eq!(field(&merged, "iid"), [json!(iid)]);

    // Time tracking in GitLab's units.
    let r = post(
        &emu,
        "/projects/1/issues/2/time_estimate",
        json!({"duration": "1d2h"}),
    )
    .await;
    assert_eq!(r.json()["time_estimate"], 10 * 3600);
    assert_eq!(r.json()["human_time_estimate"], "1d 2h");
}

#[tokio::test]
async fn deleting_a_project_removes_what_is_below_it() {
    let emu = demo().await;
    let r = send(
        http()
            .delete(api(&emu, "/projects/1"))
            .header("PRIVATE-TOKEN", DEMO_USER_TOKEN),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = send(
        http()
            .delete(api(&emu, "/projects/1"))
            .header("PRIVATE-TOKEN", ADMIN_TOKEN),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (202, json!({"message": "202 Accepted"}))
    );
    assert_eq!(get(&emu, "/projects/1").await.status, 404);
    assert_eq!(get(&emu, "/projects/1/issues").await.status, 404);
    // Recreating the path starts afresh.
    let p = post(
        &emu,
        "/projects",
        json!({"name": "Demo Project", "namespace_id": 3}),
    )
    .await
    .json();
    let pid = p["id"].as_u64().unwrap();
    assert_eq!(
        get(&emu, &format!("/projects/{pid}/issues")).await.json(),
        json!([])
    );
}

#[tokio::test]
async fn private_projects_are_hidden_from_outsiders() {
    let emu = demo().await;
    let pid = new_project(&emu, "secret").await;
    let outsider = emu.create_user("bob", false);
    let r = send(
        http()
            .get(api(&emu, &format!("/projects/{pid}")))
            .header("PRIVATE-TOKEN", &outsider.token),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (404, json!({"message": "404 Project Not Found"}))
    );
    let listed = send(
        http()
            .get(api(&emu, "/projects"))
            .header("PRIVATE-TOKEN", &outsider.token),
    )
    .await
    .json();
    assert_eq!(field(&listed, "id"), [json!(1)]);
    let r = post(
        &emu,
        &format!("/projects/{pid}/members"),
        json!({"username": "bob", "access_level": 20}),
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["access_level"], 20);
    let r = send(
        http()
            .get(api(&emu, &format!("/projects/{pid}")))
            .header("PRIVATE-TOKEN", &outsider.token),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["permissions"]["project_access"]["access_level"],
        20
    );
    let r = post(
        &emu,
        &format!("/projects/{pid}/members"),
        json!({"user_id": 2, "access_level": 31}),
    )
    .await;
    assert_eq!(
        r.json(),
        json!({"message": {"access_level": ["is not included in the list"]}})
    );
    let r = post(
        &emu,
        &format!("/projects/{pid}/members"),
        json!({"access_level": 30}),
    )
    .await;
    assert_eq!(
        r.json(),
        json!({"error": "username, user_id are missing, exactly one parameter must be provided"})
    );
}

#[tokio::test]
async fn forks_and_group_projects_are_views_of_projects() {
    let emu = demo().await;
    // `POST /projects/:id/fork` is GitLab's endpoint (`POST …/forks` is not one: 405).
    let r = send(
        http()
            .post(api(&emu, "/projects/1/fork"))
            .header("PRIVATE-TOKEN", DEMO_USER_TOKEN),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let fork = r.json();
    assert_eq!(fork["path_with_namespace"], "alice/demo-project");
    assert_eq!(fork["forked_from_project"]["id"], 1);
    let again = send(
        http()
            .post(api(&emu, "/projects/1/fork"))
            .header("PRIVATE-TOKEN", DEMO_USER_TOKEN),
    )
    .await;
    assert_eq!(again.status, 400);
    assert_eq!(post(&emu, "/projects/1/forks", json!({})).await.status, 405);
    let second = post(&emu, "/projects/1/fork", json!({})).await.json();
    assert_eq!(second["path_with_namespace"], "root/demo-project");
    let forks = get(&emu, "/projects/1/forks?order_by=id&sort=asc")
        .await
        .json();
    assert_eq!(
        field(&forks, "id"),
        [fork["id"].clone(), second["id"].clone()]
    );
    assert_eq!(get(&emu, "/projects/1").await.json()["forks_count"], 2);
    let branches = get(
        &emu,
        &format!("/projects/{}/repository/branches", fork["id"]),
    )
    .await
    .json();
    assert_eq!(
        field(&branches, "name"),
        [json!("feature/demo"), json!("main")]
    );
    let in_group = get(&emu, "/groups/demo-group/projects").await.json();
    assert_eq!(field(&in_group, "id"), [json!(1)]);
}

#[tokio::test]
async fn version_and_the_request_log() {
    let emu = Emulator::builder()
        .request_log_capacity(3)
        .start()
        .await
        .unwrap();
    let r = get(&emu, "/version").await;
    assert_eq!(r.json()["version"], gitlab_emulator::GITLAB_VERSION);
    get(&emu, "/projects?search=a%20b&per_page=5").await;
    send(
        http()
            .get(api(&emu, "/user"))
            .header("PRIVATE-TOKEN", "nope"),
    )
    .await;
    post(&emu, "/projects", json!({"name": "logged"})).await;
    let log = emu.requests();
    assert_eq!(log.len(), 3, "capacity bounds the log");
    assert_eq!(emu.request_count(), 4);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/api/v4/projects");
    assert_eq!(log[0].query, "search=a%20b&per_page=5");
    assert_eq!(log[0].user.as_deref(), Some("root"));
    assert_eq!((log[1].status, log[1].user.clone()), (401, None));
    assert_eq!(log[2].line(), "POST /api/v4/projects -> 201");
    emu.clear_requests();
    assert!(emu.requests().is_empty());
}

#[tokio::test]
async fn generic_catalogue_resources_get_crud_from_the_same_store() {
    use gitlab_client::meta::Operation;
    let emu = demo().await;
    // A project-scoped catalogue resource without behaviour of its own.
    let core = ["issues", "merge_requests", "members", "repository", "forks"];
    let meta = gitlab_client::resources::CATALOGUE
        .iter()
        .copied()
        .find(|m| {
            let segs: Vec<&str> = m.path.split('/').filter(|s| !s.is_empty()).collect();
            segs.len() == 3
                && segs[0] == "projects"
                && !core.contains(&segs[2])
                && m.id_attr == Some("id")
                && [
                    Operation::List,
                    Operation::Get,
                    Operation::Create,
                    Operation::Delete,
                ]
                .iter()
                .all(|o| m.supports(*o))
        })
        .expect("the catalogue has a plain project sub-resource");
    let placeholder = meta.from_parent[0].0;
    let gl = emu.client().unwrap();
    let mgr = gitlab_client::DynManager::new(&gl, meta).with_parent(placeholder, json!(1));
    // A value of each attribute's schema type (the emulator validates types).
    let value_for = |a: &str| -> Value {
        match meta.value_type(a) {
            Some("boolean") => json!(true),
            Some("integer") => json!(1),
            Some(t) if t.starts_with("enum:") => {
                let name = &t["enum:".len()..];
                let e = gitlab_client::resources::ENUMS
                    .iter()
                    .find(|e| e.name == name)
                    .expect("declared enum");
                if e.integer {
                    json!(e.values[0].parse::<i64>().expect("number"))
                } else {
                    json!(e.values[0])
                }
            }
            _ => json!(format!("value of {a}")),
        }
    };
    let mut attrs = gitlab_client::Attrs::new();
    for a in meta.create_attrs().required {
        attrs.insert(a, value_for(a));
    }
    if let Some(first) = meta.create_attrs().exclusive.first() {
        attrs.insert(first, value_for(first));
    }
    let created = mgr.create(attrs).await.unwrap();
    let id = created.id().cloned().unwrap();
    let fetched = mgr.get(id.clone()).await.unwrap();
    assert_eq!(fetched.to_json(), created.to_json());
    let page = mgr
        .list_page(&gitlab_client::Attrs::new(), None, 1)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1, "{}", meta.name);
    mgr.delete(Some(id.clone())).await.unwrap();
    assert!(mgr.get(id).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn listings_across_projects_and_inherited_members() {
    let emu = demo().await;
    let sub = post(
        &emu,
        "/groups",
        json!({"name": "Sub", "path": "sub", "parent_id": 3}),
    )
    .await
    .json();
    let sub_id = sub["id"].as_u64().unwrap();
    let deep = post(
        &emu,
        "/projects",
        json!({"name": "Deep", "namespace_id": sub_id}),
    )
    .await
    .json();
    let deep_id = deep["id"].as_u64().unwrap();
    post(
        &emu,
        &format!("/projects/{deep_id}/issues"),
        json!({"title": "Deep issue"}),
    )
    .await;

    // Group issues include subgroup projects; `/issues` defaults to the caller's own.
    let group_issues = get(&emu, "/groups/demo-group/issues?state=opened")
        .await
        .json();
    assert_eq!(
        field(&group_issues, "title"),
        [json!("Deep issue"), json!("Welcome to the GitLab emulator")]
    );
    let mine = get(&emu, "/issues").await.json();
    assert_eq!(field(&mine, "project_id"), [json!(deep_id), json!(1)]);
    let alices = send(
        http()
            .get(api(&emu, "/issues"))
            .header("PRIVATE-TOKEN", DEMO_USER_TOKEN),
    )
    .await
    .json();
    assert_eq!(field(&alices, "iid"), [json!(2)]);
    let all = send(
        http()
            .get(api(&emu, "/issues?scope=all"))
            .header("PRIVATE-TOKEN", DEMO_USER_TOKEN),
    )
    .await
    .json();
    assert_eq!(all.as_array().unwrap().len(), 3);
    assert_eq!(
        get(&emu, "/groups/demo-group/merge_requests").await.json(),
        json!([])
    );

    // Subgroups and descendants.
    let subs = get(&emu, "/groups/demo-group/subgroups").await.json();
    assert_eq!(field(&subs, "full_path"), [json!("demo-group/sub")]);
    let desc = get(&emu, "/groups/demo-group/descendant_groups")
        .await
        .json();
    assert_eq!(field(&desc, "id"), [json!(sub_id)]);

    // Inherited members: root owns demo-group, alice is a developer there.
    let direct = get(&emu, "/projects/1/members").await.json();
    assert_eq!(direct, json!([]));
    let all = get(&emu, "/projects/1/members/all").await.json();
    assert_eq!(field(&all, "username"), [json!("root"), json!("alice")]);
    assert_eq!(field(&all, "access_level"), [json!(50), json!(30)]);
}
