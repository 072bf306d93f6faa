// A boolean attribute does not take a string.
use gitlab_client::resources::ProjectIssueCreate;

fn main() {
    let _ = ProjectIssueCreate::new("t").confidential("banana");
}
