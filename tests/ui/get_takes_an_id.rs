// An id is a number or a path, never a boolean.
async fn f(gl: gitlab_client::Gitlab) {
    let _ = gl.projects().get(true).await;
}

fn main() {}
