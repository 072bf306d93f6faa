//! Starting data: always an administrator, and for [`Seed::Demo`] a small world.

use crate::handlers::seeding::{
    add_branch, add_member, insert_group, insert_issue, insert_note, insert_project, insert_user,
    NewItem, NewProject,
};
use crate::state::{access, Caller, NamespaceRef, State};
use serde_json::Map;

pub(crate) mod templates;

/// The administrator's personal access token (a test token: never use it outside tests).
pub const ADMIN_TOKEN: &str = "glpat-emulator-admin";
/// The demo user `alice`'s personal access token.
pub const DEMO_USER_TOKEN: &str = "glpat-emulator-alice";
/// A CI job token that authenticates as `alice` (sent as `JOB-TOKEN`).
pub const DEMO_JOB_TOKEN: &str = "glcbt-emulator-job";

/// What the emulator holds when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Seed {
    /// Only the administrator `root` (id 1, token [`ADMIN_TOKEN`]).
    #[default]
    Empty,
    /// `root`, the user `alice` (id 2, token [`DEMO_USER_TOKEN`], developer in the
    /// group), the public group `demo-group`, the public project
    /// `demo-group/demo-project` with branches `main` and `feature/demo`, two
    /// issues (one closed) and a comment.
    Demo,
}

impl std::str::FromStr for Seed {
    type Err = String;
    fn from_str(s: &str) -> Result<Seed, String> {
        match s {
            "empty" | "none" => Ok(Seed::Empty),
            "demo" => Ok(Seed::Demo),
            other => Err(format!(
                "unknown seed '{other}' (expected 'empty' or 'demo')"
            )),
        }
    }
}

pub(crate) fn apply(st: &mut State, seed: Seed) {
    let root = insert_user(st, "root", "Administrator", "admin@example.com", true);
    st.tokens.insert(ADMIN_TOKEN.to_string(), root);
    if seed == Seed::Empty {
        return;
    }
    let alice = insert_user(st, "alice", "Alice Example", "alice@example.com", false);
    st.tokens.insert(DEMO_USER_TOKEN.to_string(), alice);
    st.tokens.insert(DEMO_JOB_TOKEN.to_string(), alice);
    let root_caller = Caller {
        id: root,
        username: "root".into(),
        admin: true,
    };
    let group = insert_group(st, "Demo Group", "demo-group", None, "public", &root_caller);
    add_member(
        st,
        st.reg.group_member,
        group,
        alice,
        access::DEVELOPER,
        root,
    );
    let project = insert_project(
        st,
        NewProject {
            name: "Demo Project".into(),
            path: "demo-project".into(),
            ns: NamespaceRef::Group(group),
            visibility: "public".into(),
            description: Some("A project seeded by the GitLab emulator.".into()),
            default_branch: "main".into(),
            creator: root,
            forked_from: None,
        },
    );
    add_branch(st, project, "main", None, "Initial commit", root);
    add_branch(
        st,
        project,
        "feature/demo",
        None,
        "Add a demo feature",
        alice,
    );
    let welcome = insert_issue(
        st,
        project,
        NewItem {
            title: "Welcome to the GitLab emulator".into(),
            description: Some("This issue was seeded at start-up.".into()),
            labels: vec!["docs".into()],
            author: root,
            assignees: vec![alice],
            created_at: None,
        },
        Map::new(),
    );
    insert_note(st, project, welcome, "Thanks, looks good!", alice);
    let closed = insert_issue(
        st,
        project,
        NewItem {
            title: "An issue that is already closed".into(),
            description: None,
            labels: vec!["bug".into()],
            author: alice,
            assignees: Vec::new(),
            created_at: None,
        },
        Map::new(),
    );
    crate::handlers::seeding::close_issue(st, project, closed, root);
}
