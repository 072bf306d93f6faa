//! Objects keep the call options of the manager they came from: the request
//! log records which user each request ran as, so a save that silently ran as
//! the token's owner instead of the sudo user shows up here.

use super::*;
use futures_util::StreamExt;
use gitlab_client::resources::ProjectIssueManager;
use gitlab_client::{Attrs, Gitlab};
use gitlab_emulator::{Fault, FaultRule, Faults};
use std::time::Duration;

const PROJECT: &str = "demo-group/demo-project";

fn issues_as_alice(gl: &Gitlab) -> ProjectIssueManager {
    gl.projects().get_lazy(PROJECT).issues().sudo("alice")
}

/// The users the logged requests matching `method` and `path_part` ran as.
fn users_of(emu: &Emulator, method: &str, path_part: &str) -> Vec<Option<String>> {
    emu.requests()
        .into_iter()
        .filter(|r| r.method == method && r.path.contains(path_part))
        .map(|r| r.user)
        .collect()
}

fn alice() -> Option<String> {
    Some("alice".into())
}

#[tokio::test]
async fn sudo_reaches_save_delete_actions_and_sub_managers_whichever_way_the_object_came() {
    let emu = demo().await;
    let gl = emu.client().unwrap();
    let issues = issues_as_alice(&gl);
    let mut made = Vec::new();
    for i in 0..4 {
        let issue = issues
            .create(Attrs::new().set("title", format!("sudo {i}")))
            .await
            .unwrap();
        made.push(issue.get::<u64>("iid").unwrap());
    }

    // From get, list, stream and get_lazy: save, an action and a note created through a sub-manager.
    let mut from_get = issues.get(made[0]).await.unwrap();
    let listed = issues.list().per_page(100).page(1).await.unwrap();
    let mut from_list = listed
        .items
        .into_iter()
        .find(|i| i.get::<u64>("iid").ok() == Some(made[1]))
        .unwrap();
    let mut stream = Box::pin(issues.list().stream());
    let mut from_stream = None;
    while let Some(i) = stream.next().await {
        let i = i.unwrap();
        if i.get::<u64>("iid").ok() == Some(made[2]) {
            from_stream = Some(i);
            break;
        }
    }
    let mut from_stream = from_stream.unwrap();
    let mut lazy = issues.get_lazy(made[3]);
    for (n, issue) in [&mut from_get, &mut from_list, &mut from_stream, &mut lazy]
        .into_iter()
        .enumerate()
    {
        emu.clear_requests();
        issue.set("description", format!("edited {n}"));
        issue.save().await.unwrap();
        issue.unsubscribe().await.unwrap();
        issue
            .notes()
            .create(Attrs::new().set("body", "a note"))
            .await
            .unwrap();
        issue.refresh().await.unwrap();
        assert_eq!(users_of(&emu, "PUT", "/issues/"), [alice()], "save #{n}");
        assert_eq!(
            users_of(&emu, "POST", "/unsubscribe"),
            [alice()],
            "action #{n}"
        );
        assert_eq!(
            users_of(&emu, "POST", "/notes"),
            [alice()],
            "sub-manager #{n}"
        );
        assert_eq!(users_of(&emu, "GET", "/issues/"), [alice()], "refresh #{n}");
    }

    // Delete runs as alice too: a developer may not delete issues, so GitLab says 403.
    emu.clear_requests();
    let err = from_get.delete().await.unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    assert_eq!(users_of(&emu, "DELETE", "/issues/"), [alice()]);

    // An explicit override on the object: back to the token's own user (root).
    emu.clear_requests();
    from_get.clone().without_sudo().delete().await.unwrap();
    assert_eq!(users_of(&emu, "DELETE", "/issues/"), [Some("root".into())]);
    emu.clear_requests();
    let mut as_root = from_list.sudo("root");
    as_root.set("title", "now as root");
    as_root.save().await.unwrap();
    assert_eq!(users_of(&emu, "PUT", "/issues/"), [Some("root".into())]);
}

#[tokio::test]
async fn a_managers_timeout_reaches_its_objects_saves() {
    let emu = demo().await;
    let gl = emu.client().unwrap();
    let issues = gl
        .projects()
        .get_lazy(PROJECT)
        .issues()
        .timeout(Duration::from_millis(200));
    let mut issue = issues.get(1).await.unwrap();
    emu.set_faults(
        Faults::new().with(FaultRule::new(Fault::Stall(Duration::from_millis(1500))).method("PUT")),
    );
    issue.set("title", "slow");
    let err = issue.save().await.unwrap_err();
    assert!(err.to_string().contains("timed out"), "{err}");
    // The sub-manager inherits it too.
    emu.set_faults(
        Faults::new().with(FaultRule::new(Fault::Stall(Duration::from_millis(1500))).method("GET")),
    );
    let err = issue.notes().list().page(1).await.unwrap_err();
    assert!(err.to_string().contains("timed out"), "{err}");
    emu.clear_faults();
    // And an object can lift it.
    let mut patient = issue.timeout(Duration::from_secs(30));
    emu.set_faults(
        Faults::new().with(FaultRule::new(Fault::Stall(Duration::from_millis(400))).method("PUT")),
    );
    patient.set("title", "patient");
    patient.save().await.unwrap();
}
