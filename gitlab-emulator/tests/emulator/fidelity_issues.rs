//! Issues, merge requests, notes, discussions, award emoji, epics and releases
//! answer as GitLab does: each test sends what a client (python-gitlab's
//! functional tests among them) sends and checks GitLab's answer.

use super::*;
use serde_json::json;

/// Commits `content` to `path` on `branch` (created from `main` when new).
async fn write(emu: &Emulator, pid: u64, branch: &str, path: &str, content: &str) {
    let exists = get(
        emu,
        &format!("/projects/{pid}/repository/branches/{branch}"),
    )
    .await
    .status
        == 200;
    if !exists {
        let r = post(
            emu,
            &format!("/projects/{pid}/repository/branches"),
            json!({"branch": branch, "ref": "main"}),
        )
        .await;
        assert_eq!(r.status, 201, "{:?}", r.json());
    }
    let file = format!(
        "/projects/{pid}/repository/files/{}",
        path.replace('/', "%2F")
    );
    let body =
        json!({"branch": branch, "content": content, "commit_message": format!("Write {path}")});
    let known = get(emu, &format!("{file}?ref={branch}")).await.status == 200;
    let r = if known {
        put(emu, &file, body).await
    } else {
        post(emu, &file, body).await
    };
    assert!(r.status == 200 || r.status == 201, "{:?}", r.json());
}

async fn issue(emu: &Emulator, pid: u64, body: Value) -> Value {
    let r = post(emu, &format!("/projects/{pid}/issues"), body).await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    r.json()
}

fn iids(v: &Value) -> Vec<u64> {
    field(v, "iid").iter().filter_map(Value::as_u64).collect()
}

#[tokio::test]
async fn milestone_filter_matches_title_none_and_any() {
    let emu = demo().await;
    let pid = project_with_readme(&emu, "milestones").await;
    let m = post(
        &emu,
        &format!("/projects/{pid}/milestones"),
        json!({"title": "v1.0"}),
    )
    .await
    .json();
    let with = issue(
        &emu,
        pid,
        json!({"title": "planned", "milestone_id": m["id"]}),
    )
    .await;
    let without = issue(&emu, pid, json!({"title": "unplanned"})).await;
    let (with, without) = (
        with["iid"].as_u64().unwrap(),
        without["iid"].as_u64().unwrap(),
    );
    let list = |q: &str| {
        let path = format!("/projects/{pid}/issues?{q}");
        let emu = &emu;
        async move { get(emu, &path).await }
    };
    assert_eq!(iids(&list("milestone=v1.0").await.json()), [with]);
    assert_eq!(iids(&list("milestone=None").await.json()), [without]);
    assert_eq!(iids(&list("milestone=Any").await.json()), [with]);
    assert_eq!(iids(&list("milestone_id=Any").await.json()), [with]);
    assert_eq!(
        iids(&list("milestone=other").await.json()),
        Vec::<u64>::new()
    );
    let both = list("milestone=v1.0&milestone_id=Any").await;
    assert_eq!(both.status, 400);
    assert_eq!(
        both.json(),
        json!({"error": "milestone, milestone_id are mutually exclusive"})
    );
    // A renamed milestone is found by its new title.
    put(
        &emu,
        &format!("/projects/{pid}/milestones/{}", m["id"]),
        json!({"title": "v1.1"}),
    )
    .await;
    assert_eq!(iids(&list("milestone=v1.1").await.json()), [with]);
    // Merge request lists take the same filter.
    write(&emu, pid, "feature", "f.txt", "x\n").await;
    let mr = post(
        &emu,
        &format!("/projects/{pid}/merge_requests"),
        json!({"source_branch": "feature", "target_branch": "main", "title": "MR", "milestone_id": m["id"]}),
    )
    .await;
    assert_eq!(mr.status, 201, "{:?}", mr.json());
    let mrs = get(
        &emu,
        &format!("/projects/{pid}/merge_requests?milestone=v1.1"),
    )
    .await;
    assert_eq!(iids(&mrs.json()), [1]);
    let none = get(
        &emu,
        &format!("/projects/{pid}/merge_requests?milestone=None"),
    )
    .await;
    assert_eq!(iids(&none.json()), Vec::<u64>::new());
}

#[tokio::test]
async fn award_emoji_name_the_user_and_the_awarded_object_and_count_votes() {
    let emu = demo().await;
    let pid = project_with_readme(&emu, "awards").await;
    let i = issue(&emu, pid, json!({"title": "vote"})).await;
    let iid = i["iid"].as_u64().unwrap();
    let base = format!("/projects/{pid}/issues/{iid}");
    let a = post(
        &emu,
        &format!("{base}/award_emoji"),
        json!({"name": "thumbsup"}),
    )
    .await;
    assert_eq!(a.status, 201, "{:?}", a.json());
    let a = a.json();
    assert_eq!(a["user"]["username"], "root");
    assert_eq!(a["awardable_id"], i["id"]);
    assert_eq!(a["awardable_type"], "Issue");
    assert!(a["updated_at"].is_string(), "{a}");
    let again = post(
        &emu,
        &format!("{base}/award_emoji"),
        json!({"name": "thumbsup"}),
    )
    .await;
    assert_eq!(again.status, 404);
    assert_eq!(
        again.json(),
        json!({"message": "404 Award Emoji Name has already been taken Not Found"})
    );
    assert_eq!(get(&emu, &base).await.json()["upvotes"], 1);
    // A note's award: its own id, the class `Note`, an id no other award has.
    let note = post(&emu, &format!("{base}/notes"), json!({"body": "hi"}))
        .await
        .json();
    let na = post(
        &emu,
        &format!("{base}/notes/{}/award_emoji", note["id"]),
        json!({"name": "tractor"}),
    )
    .await
    .json();
    assert_eq!(na["awardable_id"], note["id"]);
    assert_eq!(na["awardable_type"], "Note");
    assert_ne!(na["id"], a["id"]);
    let listed = get(&emu, &format!("{base}/notes/{}/award_emoji", note["id"]))
        .await
        .json();
    assert_eq!(listed[0]["user"]["username"], "root");
    // Taking the vote back lowers the count.
    let d = delete(&emu, &format!("{base}/award_emoji/{}", a["id"])).await;
    assert_eq!(d.status, 204);
    assert_eq!(get(&emu, &base).await.json()["upvotes"], 0);
    // Merge requests count `thumbsdown` in `downvotes`.
    write(&emu, pid, "feature", "f.txt", "x\n").await;
    let mr = post(
        &emu,
        &format!("/projects/{pid}/merge_requests"),
        json!({"source_branch": "feature", "target_branch": "main", "title": "MR"}),
    )
    .await
    .json();
    let mra = post(
        &emu,
        &format!("/projects/{pid}/merge_requests/{}/award_emoji", mr["iid"]),
        json!({"name": "thumbsdown"}),
    )
    .await
    .json();
    assert_eq!(mra["awardable_type"], "MergeRequest");
    assert_eq!(mra["awardable_id"], mr["id"]);
    let mr = get(
        &emu,
        &format!("/projects/{pid}/merge_requests/{}", mr["iid"]),
    )
    .await;
    assert_eq!(mr.json()["downvotes"], 1);
}

#[tokio::test]
async fn discussion_notes_are_notes_and_notes_are_discussions() {
    let emu = demo().await;
    let pid = project_with_readme(&emu, "threads").await;
    let i = issue(&emu, pid, json!({"title": "talk"})).await;
    let base = format!("/projects/{pid}/issues/{}", i["iid"]);
    let d = post(
        &emu,
        &format!("{base}/discussions"),
        json!({"body": "thread start"}),
    )
    .await;
    assert_eq!(d.status, 201, "{:?}", d.json());
    let d = d.json();
    let first = &d["notes"][0];
    assert_eq!(first["noteable_id"], i["id"]);
    assert_eq!(first["type"], "DiscussionNote");
    assert_eq!(first["resolvable"], false);
    let reply = post(
        &emu,
        &format!("{base}/discussions/{}/notes", d["id"].as_str().unwrap()),
        json!({"body": "a reply"}),
    )
    .await
    .json();
    let plain = post(&emu, &format!("{base}/notes"), json!({"body": "plain"}))
        .await
        .json();
    // Every note is listed and fetchable through `/notes`, and counted.
    let notes = get(&emu, &format!("{base}/notes")).await.json();
    let mut ids: Vec<u64> = field(&notes, "id")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    ids.sort();
    let mut want = vec![
        first["id"].as_u64().unwrap(),
        reply["id"].as_u64().unwrap(),
        plain["id"].as_u64().unwrap(),
    ];
    want.sort();
    assert_eq!(ids, want);
    let got = get(&emu, &format!("{base}/notes/{}", reply["id"])).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["body"], "a reply");
    assert_eq!(get(&emu, &base).await.json()["user_notes_count"], 3);
    // The plain note is a discussion of its own.
    let ds = get(&emu, &format!("{base}/discussions")).await.json();
    assert_eq!(ds.as_array().unwrap().len(), 2, "{ds}");
    assert_eq!(ds[0]["individual_note"], false);
    assert_eq!(ds[0]["notes"].as_array().unwrap().len(), 2);
    assert_eq!(ds[1]["individual_note"], true);
    assert_eq!(ds[1]["notes"][0]["id"], plain["id"]);
    // Deleting a note through `/notes` takes it out of its thread.
    let r = delete(&emu, &format!("{base}/notes/{}", reply["id"])).await;
    assert_eq!(r.status, 204);
    let one = get(
        &emu,
        &format!("{base}/discussions/{}", d["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(one.json()["notes"].as_array().unwrap().len(), 1);
    assert_eq!(get(&emu, &base).await.json()["user_notes_count"], 2);
}

#[tokio::test]
async fn merge_request_threads_are_resolvable() {
    let emu = demo().await;
    let pid = project_with_readme(&emu, "resolve").await;
    write(&emu, pid, "feature", "f.txt", "x\n").await;
    let mr = post(
        &emu,
        &format!("/projects/{pid}/merge_requests"),
        json!({"source_branch": "feature", "target_branch": "main", "title": "MR"}),
    )
    .await
    .json();
    let base = format!("/projects/{pid}/merge_requests/{}", mr["iid"]);
    let d = post(
        &emu,
        &format!("{base}/discussions"),
        json!({"body": "fix this"}),
    )
    .await
    .json();
    let note = &d["notes"][0];
    assert_eq!(note["resolvable"], true);
    assert_eq!(note["resolved"], false);
    assert_eq!(note["noteable_type"], "MergeRequest");
    assert_eq!(note["noteable_id"], mr["id"]);
    let r = put(
        &emu,
        &format!(
            "{base}/discussions/{}/notes/{}",
            d["id"].as_str().unwrap(),
            note["id"]
        ),
        json!({"resolved": true}),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    assert_eq!(r.json()["resolved"], true);
    assert_eq!(r.json()["resolved_by"]["username"], "root");
}

#[tokio::test]
async fn conflicting_merge_requests_are_not_merged() {
    let emu = demo().await;
    let pid = project_with_readme(&emu, "conflicts").await;
    write(&emu, pid, "feature", "README.feature", "from the branch\n").await;
    write(&emu, pid, "main", "README.feature", "from main\n").await;
    let mr = post(
        &emu,
        &format!("/projects/{pid}/merge_requests"),
        json!({"source_branch": "feature", "target_branch": "main", "title": "Clash"}),
    )
    .await
    .json();
    let base = format!("/projects/{pid}/merge_requests/{}", mr["iid"]);
    let got = get(&emu, &base).await.json();
    assert_eq!(got["has_conflicts"], true, "{got}");
    assert_eq!(got["detailed_merge_status"], "conflict");
    assert_eq!(got["merge_status"], "cannot_be_merged");
    let r = get(&emu, &format!("{base}/merge_ref")).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"message": "Merge request is not mergeable"})
    );
    let r = put(&emu, &format!("{base}/merge"), json!({})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json(), json!({"message": "Branch cannot be merged"}));
    assert_eq!(get(&emu, &base).await.json()["state"], "opened");
}

#[tokio::test]
async fn merge_ref_answers_a_merge_commit_and_rebase_is_accepted() {
    let emu = demo().await;
    let pid = project_with_readme(&emu, "merge-ref").await;
    write(&emu, pid, "feature", "feature.txt", "new\n").await;
    write(&emu, pid, "main", "main.txt", "moved on\n").await;
    let mr = post(
        &emu,
        &format!("/projects/{pid}/merge_requests"),
        json!({"source_branch": "feature", "target_branch": "main", "title": "Fine"}),
    )
    .await
    .json();
    let base = format!("/projects/{pid}/merge_requests/{}", mr["iid"]);
    let got = get(&emu, &base).await.json();
    assert_eq!(got["has_conflicts"], false);
    assert_eq!(got["detailed_merge_status"], "mergeable");
    let r = get(&emu, &format!("{base}/merge_ref")).await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    let sha = r.json()["commit_id"].as_str().unwrap().to_string();
    // The merge commit has both heads as parents and both sides' files.
    let c = get(&emu, &format!("/projects/{pid}/repository/commits/{sha}"))
        .await
        .json();
    assert_eq!(c["parent_ids"].as_array().unwrap().len(), 2, "{c}");
    let f = get(
        &emu,
        &format!("/projects/{pid}/repository/files/feature.txt?ref={sha}"),
    )
    .await;
    assert_eq!(f.status, 200);
    // The main branch did not move.
    let main = get(&emu, &format!("/projects/{pid}/repository/branches/main"))
        .await
        .json();
    assert_ne!(main["commit"]["id"], json!(sha));
    let r = put(&emu, &format!("{base}/rebase"), json!({})).await;
    assert_eq!(r.status, 202);
    assert_eq!(r.json(), json!({"rebase_in_progress": true}));
    // Rebased: the source branch now contains main's head.
    let commits = get(
        &emu,
        &format!("/projects/{pid}/repository/commits?ref_name=feature"),
    )
    .await;
    let ids = field(&commits.json(), "id");
    assert!(ids.contains(&main["commit"]["id"]), "{ids:?}");
}

#[tokio::test]
async fn weight_changes_are_recorded_as_weight_events() {
    let emu = demo().await;
    let pid = project_with_readme(&emu, "weights").await;
    let i = issue(&emu, pid, json!({"title": "heavy"})).await;
    let base = format!("/projects/{pid}/issues/{}", i["iid"]);
    let r = put(&emu, &base, json!({"weight": 13})).await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    assert_eq!(r.json()["weight"], 13);
    let events = get(&emu, &format!("{base}/resource_weight_events"))
        .await
        .json();
    assert_eq!(events.as_array().unwrap().len(), 1, "{events}");
    assert_eq!(events[0]["weight"], 13);
    assert_eq!(events[0]["issue_id"], i["id"]);
    assert_eq!(events[0]["user"]["username"], "root");
    let one = get(
        &emu,
        &format!("{base}/resource_weight_events/{}", events[0]["id"]),
    )
    .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["weight"], 13);
    let bad = put(&emu, &base, json!({"weight": -1})).await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.json(),
        json!({"message": {"weight": ["must be greater than or equal to 0"]}})
    );
}

#[tokio::test]
async fn labels_named_on_issues_become_project_labels() {
    let emu = demo().await;
    let pid = project_with_readme(&emu, "labels").await;
    let i = issue(&emu, pid, json!({"title": "tagged", "labels": "label9"})).await;
    let label = get(&emu, &format!("/projects/{pid}/labels/label9")).await;
    assert_eq!(label.status, 200);
    let label = label.json();
    assert!(label["id"].is_u64(), "{label}");
    assert_eq!(label["color"], "#6699cc");
    let events = get(
        &emu,
        &format!("/projects/{pid}/issues/{}/resource_label_events", i["iid"]),
    )
    .await
    .json();
    assert_eq!(events[0]["label"]["id"], label["id"]);
    assert_eq!(events[0]["label"]["name"], "label9");
}

#[tokio::test]
async fn group_epics_include_subgroup_epics() {
    let emu = demo().await;
    let parent = post(
        &emu,
        "/groups",
        json!({"name": "epic-top", "path": "epic-top"}),
    )
    .await
    .json();
    let child = post(
        &emu,
        "/groups",
        json!({"name": "epic-sub", "path": "epic-sub", "parent_id": parent["id"]}),
    )
    .await
    .json();
    let e = post(
        &emu,
        &format!("/groups/{}/epics", child["id"]),
        json!({"title": "nested epic"}),
    )
    .await;
    assert_eq!(e.status, 201, "{:?}", e.json());
    assert_eq!(e.json()["group_id"], child["id"]);
    let found = get(
        &emu,
        &format!("/groups/{}/epics?search=nested", parent["id"]),
    )
    .await
    .json();
    assert_eq!(field(&found, "title"), [json!("nested epic")]);
    let own = get(
        &emu,
        &format!(
            "/groups/{}/epics?include_descendant_groups=false",
            parent["id"]
        ),
    )
    .await
    .json();
    assert_eq!(own, json!([]));
}

#[tokio::test]
async fn deleting_a_release_answers_the_release() {
    let emu = demo().await;
    let pid = project_with_readme(&emu, "releases").await;
    let r = post(
        &emu,
        &format!("/projects/{pid}/releases"),
        json!({"tag_name": "v1", "ref": "main", "name": "First"}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let d = delete(&emu, &format!("/projects/{pid}/releases/v1")).await;
    assert_eq!(d.status, 200);
    assert_eq!(d.json()["tag_name"], "v1");
    assert_eq!(d.json()["name"], "First");
    assert_eq!(
        get(&emu, &format!("/projects/{pid}/releases/v1"))
            .await
            .status,
        404
    );
}
