// The title is required: the constructor takes it.
use gitlab_client::resources::ProjectIssueCreate;

fn main() {
    let _ = ProjectIssueCreate::new();
}
