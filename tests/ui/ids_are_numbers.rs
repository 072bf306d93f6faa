// A list of user ids does not take names.
use gitlab_client::resources::ProjectIssueCreate;

fn main() {
    let _ = ProjectIssueCreate::new("t").assignee_ids(vec!["alice"]);
}
