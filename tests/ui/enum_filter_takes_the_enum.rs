// A typed list filter takes its enum, not a string.
async fn f(gl: gitlab_client::Gitlab) {
    let _ = gl.projects().get_lazy(1).issues().list().state("opened").page(1).await;
}

fn main() {}
