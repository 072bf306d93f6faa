//! Downloads streamed to a writer: the body goes to the writer chunk by chunk,
//! is not bound by `max_response_size`, and is never written twice.

use super::*;
use gitlab_client::Attrs;
use std::pin::Pin;
use std::task::{Context, Poll};
use wiremock::matchers::{method, path};
use wiremock::Mock;

/// 300 KiB that are not all the same byte, so a reordered or doubled chunk shows.
fn archive() -> Vec<u8> {
    (0..300 * 1024u32).map(|i| (i % 251) as u8).collect()
}

/// A client whose `max_response_size` is far below the download's size.
fn small_limit_client(server: &MockServer) -> Gitlab {
    Gitlab::builder(server.uri())
        .private_token(TOKEN)
        .max_response_size(10_000)
        .build()
        .expect("client")
}

#[tokio::test]
async fn an_object_download_streams_past_the_response_size_limit() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/7/jobs/42/artifacts"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(archive()))
        .expect(2)
        .mount(&server)
        .await;
    let gl = small_limit_client(&server);
    let job = gl.projects().get_lazy(7u64).jobs().get_lazy(42u64);
    // The buffered method still honours the limit...
    let e = job.artifacts().await.expect_err("over the limit");
    assert!(matches!(e, Error::TooLarge { .. }), "{e:?}");
    // ...while the streamed one writes everything.
    let mut out = Vec::new();
    let n = job
        .download_to("artifacts", Attrs::new(), &mut out)
        .await
        .expect("download");
    assert_eq!(n, archive().len() as u64);
    assert_eq!(out, archive());
    server.verify().await;
}

#[tokio::test]
async fn manager_downloads_take_required_arguments_by_name() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/7/jobs/artifacts/main/download"))
        .and(Query("job=build"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"zipdata".to_vec()))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    let artifacts = gl.projects().get_lazy(7u64).artifacts();
    let mut out = Vec::new();
    let args = Attrs::new().set("ref_name", "main").set("job", "build");
    let n = artifacts
        .download_to("download", args, &mut out)
        .await
        .expect("download");
    assert_eq!((n, out.as_slice()), (7, &b"zipdata"[..]));

    // A missing required argument and an unknown name fail before any request.
    let e = artifacts
        .download_to("download", Attrs::new().set("ref_name", "main"), &mut out)
        .await
        .expect_err("no job");
    assert!(e.to_string().contains("needs the argument 'job'"), "{e}");
    let e = artifacts
        .download_to("downlaod", Attrs::new(), &mut out)
        .await
        .expect_err("typo");
    assert!(
        e.to_string().contains("did you mean 'download'?")
            && e.to_string().contains("download, raw"),
        "{e}"
    );
    // An action that is not a download is refused too.
    let job = gl.projects().get_lazy(7u64).jobs().get_lazy(1u64);
    let e = job
        .download_to("cancel", Attrs::new(), &mut out)
        .await
        .expect_err("not raw");
    assert!(e.to_string().contains("is not a download"), "{e}");
    server.verify().await;
}

#[tokio::test]
async fn a_failure_before_the_body_is_retried_and_the_body_written_once() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/7/repository/archive"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/7/repository/archive"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(archive()))
        .expect(1)
        .mount(&server)
        .await;
    let gl = Gitlab::builder(server.uri())
        .private_token(TOKEN)
        .retry_policy(gitlab_client::RetryPolicy {
            retry_transient_errors: true,
            base_backoff: std::time::Duration::from_millis(1),
            ..Default::default()
        })
        .build()
        .expect("client");
    let mut out = Vec::new();
    let n = gl
        .http_get_to("/projects/7/repository/archive", &Attrs::new(), &mut out)
        .await
        .expect("download after one retry");
    assert_eq!(n as usize, out.len());
    assert_eq!(out, archive());
    server.verify().await;
}

/// A writer that accepts `room` bytes, then fails like a full disk.
struct FullDisk {
    room: usize,
}

impl tokio::io::AsyncWrite for FullDisk {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.room == 0 {
            return Poll::Ready(Err(std::io::Error::other("no space left on device")));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        Poll::Ready(Ok(n))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_failing_writer_is_an_error_and_nothing_is_sent_again() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/7/jobs/42/artifacts"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(archive()))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    let job = gl.projects().get_lazy(7u64).jobs().get_lazy(42u64);
    let mut disk = FullDisk { room: 1000 };
    let e = job
        .download_to("artifacts", Attrs::new(), &mut disk)
        .await
        .expect_err("disk full");
    match &e {
        Error::Write { written, .. } => assert!(*written <= 1000, "{e:?}"),
        other => panic!("expected Error::Write, got {other:?}"),
    }
    assert!(e.to_string().contains("no space left on device"), "{e}");
    assert!(!e.is_retryable());
    assert!(!format!("{e:?}").contains(TOKEN));
    server.verify().await;
}
