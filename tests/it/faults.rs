//! Fault injection: rate limits, server errors, dropped connections, stalls,
//! cut bodies, and listings that meet them half-way. Each test counts the
//! attempts the server saw and checks that no write was repeated where it must
//! not be. Waits are read from the client's own trace events (`retry_in_ms`), so
//! the suite does not sleep for real beyond a few milliseconds.

use gitlab_client::{Attrs, Error, Gitlab, RetryPolicy};
use serde_json::json;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "glpat-fault-SECRET-0123456789";

thread_local! {
    /// Trace output of the test running on this thread (each `#[tokio::test]`
    /// runs on its own thread with a current-thread runtime).
    static CAPTURED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

struct ThreadWriter;

impl Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURED.with(|c| c.borrow_mut().extend_from_slice(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every trace event the client emits, at every level, for the current test.
///
/// One global subscriber writes into a per-thread buffer: per-test
/// `set_default` subscribers lose events when tests run in parallel, because
/// tracing caches each call site's interest process-wide.
struct Logs;

impl Logs {
    fn capture() -> (Logs, ()) {
        static INIT: std::sync::Once = std::sync::Once::new();
        INIT.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(|| ThreadWriter)
                .finish();
            // Only this module installs a global subscriber.
            let _ = tracing::subscriber::set_global_default(subscriber);
        });
        CAPTURED.with(|c| c.borrow_mut().clear());
        (Logs, ())
    }

    fn text(&self) -> String {
        CAPTURED.with(|c| String::from_utf8_lossy(&c.borrow()).into_owned())
    }

    /// The `retry_in_ms` values of failed attempts, in order (`None` = gave up).
    fn retry_delays(&self) -> Vec<Option<u64>> {
        self.text()
            .lines()
            .filter(|l| l.contains("request failed"))
            .map(|l| {
                let v = l.split("retry_in_ms=").nth(1)?;
                let v = v.split_whitespace().next()?;
                v.trim_start_matches("Some(")
                    .trim_end_matches(')')
                    .parse()
                    .ok()
            })
            .collect()
    }
}

/// Small waits so retries are fast; the decision logic is unchanged.
fn quick() -> RetryPolicy {
    RetryPolicy {
        retry_transient_errors: true,
        base_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn client(uri: &str, policy: RetryPolicy) -> Gitlab {
    Gitlab::builder(uri)
        .private_token(TOKEN)
        .retry_policy(policy)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

fn project(id: u64) -> serde_json::Value {
    json!({"id": id, "name": format!("p{id}")})
}

async fn hits(server: &MockServer, verb: &str, p: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == p)
        .count()
}

#[tokio::test]
async fn rate_limit_with_retry_after_seconds_waits_that_long() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(project(1)))
        .expect(1)
        .mount(&server)
        .await;
    let (logs, _g) = Logs::capture();
    let p = client(&server.uri(), RetryPolicy::default())
        .projects()
        .get(1)
        .await
        .expect("third attempt succeeds");
    assert_eq!(p.id(), Some(gitlab_client::Id::Num(1)));
    assert_eq!(logs.retry_delays(), vec![Some(0), Some(0)]);
    server.verify().await;
}

#[tokio::test]
async fn retry_after_is_honoured_and_capped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(project(1)))
        .mount(&server)
        .await;
    let (logs, _g) = Logs::capture();
    let started = Instant::now();
    client(&server.uri(), quick())
        .projects()
        .get(1)
        .await
        .expect("succeeds after the wait");
    // An hour-long Retry-After is cut to max_backoff (20 ms here), and really waited.
    assert_eq!(logs.retry_delays(), vec![Some(20)]);
    assert!(started.elapsed() >= Duration::from_millis(20));
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_understood() {
    let server = MockServer::start().await;
    let soon = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(30));
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", soon.as_str()))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(project(1)))
        .mount(&server)
        .await;
    let (logs, _g) = Logs::capture();
    let policy = RetryPolicy {
        max_backoff: Duration::from_millis(30),
        ..quick()
    };
    client(&server.uri(), policy)
        .projects()
        .get(1)
        .await
        .expect("succeeds");
    // ~30 s away, capped at 30 ms: proves the date was parsed (an unparsable
    // header would fall back to jittered backoff, which can be anything up to 2 ms first).
    assert_eq!(logs.retry_delays(), vec![Some(30)]);
}

#[tokio::test]
async fn rate_limit_without_retry_after_backs_off_and_gives_up_after_max_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429).set_body_json(json!({"message": "429 Too Many Requests"})),
        )
        .expect(4)
        .mount(&server)
        .await;
    let (logs, _g) = Logs::capture();
    let policy = RetryPolicy {
        max_retries: 3,
        ..quick()
    };
    let e = client(&server.uri(), policy)
        .projects()
        .get(1)
        .await
        .expect_err("gives up");
    assert_eq!(e.status(), Some(429));
    let delays = logs.retry_delays();
    assert_eq!(delays.len(), 4, "{delays:?}");
    assert_eq!(delays[3], None, "the last failure is not retried");
    // Full jitter under a doubling ceiling: 2, 4, 8 ms.
    for (n, d) in delays[..3].iter().enumerate() {
        let d = d.expect("a retry");
        assert!(d <= 2 << n, "retry {n} waited {d} ms");
    }
    server.verify().await;
}

#[tokio::test]
async fn rate_limits_are_not_retried_when_disabled() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429))
        .expect(1)
        .mount(&server)
        .await;
    let policy = RetryPolicy {
        obey_rate_limit: false,
        ..quick()
    };
    let e = client(&server.uri(), policy)
        .projects()
        .get(1)
        .await
        .expect_err("429");
    assert_eq!(e.status(), Some(429));
    server.verify().await;
}

#[tokio::test]
async fn transient_server_errors_are_retried_for_reads_only_when_enabled() {
    for status in [500, 502, 503, 504, 520, 522] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status))
            .up_to_n_times(2)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(project(1)))
            .mount(&server)
            .await;
        client(&server.uri(), quick())
            .projects()
            .get(1)
            .await
            .expect("retried to success");
        assert_eq!(
            hits(&server, "GET", "/api/v4/projects/1").await,
            3,
            "status {status}"
        );

        // Off (the default), the first 5xx is final.
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status))
            .expect(1)
            .mount(&server)
            .await;
        let e = client(&server.uri(), RetryPolicy::default())
            .projects()
            .get(1)
            .await
            .expect_err("no retry");
        assert_eq!(e.status(), Some(status));
        server.verify().await;
    }
}

#[tokio::test]
async fn a_create_that_met_a_5xx_is_never_sent_twice() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server.uri(), quick());
    let e = gl
        .projects()
        .create(Attrs::new().set("name", "x"))
        .await
        .expect_err("502");
    assert_eq!(e.status(), Some(502));
    server.verify().await;
}

#[tokio::test]
async fn a_create_may_be_retried_on_5xx_when_the_caller_opts_in() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(project(9)))
        .mount(&server)
        .await;
    let gl = client(&server.uri(), quick());
    let p = gl
        .projects()
        .retry_writes(true)
        .create(Attrs::new().set("name", "x"))
        .await
        .expect("second attempt");
    assert_eq!(p.id(), Some(gitlab_client::Id::Num(9)));
    assert_eq!(hits(&server, "POST", "/api/v4/projects").await, 2);
}

#[tokio::test]
async fn a_create_is_retried_after_429_because_nothing_was_done() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(project(3)))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server.uri(), quick());
    gl.projects()
        .create(Attrs::new().set("name", "x"))
        .await
        .expect("created once");
    assert_eq!(hits(&server, "POST", "/api/v4/projects").await, 2);
    server.verify().await;
}

/// A server that reads each request and closes the connection without answering.
async fn dropping_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            c.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            drop(sock);
        }
    });
    (format!("http://{addr}"), count)
}

#[tokio::test]
async fn dropped_connections_are_retried_for_reads_not_for_writes() {
    let (uri, count) = dropping_server().await;
    let policy = RetryPolicy {
        max_retries: 2,
        ..quick()
    };
    let gl = client(&uri, policy);
    let e = gl.projects().get(1).await.expect_err("never answers");
    assert!(
        matches!(
            e,
            Error::Transport {
                maybe_sent: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 3, "first attempt + 2 retries");

    count.store(0, Ordering::SeqCst);
    let e = gl
        .projects()
        .create(Attrs::new().set("name", "x"))
        .await
        .expect_err("dropped");
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "a write that may have arrived is not repeated"
    );
}

#[tokio::test]
async fn refused_connections_are_retried_even_for_writes() {
    // Bind and drop a listener to get a port nothing listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let (logs, _g) = Logs::capture();
    let policy = RetryPolicy {
        max_retries: 2,
        ..quick()
    };
    let gl = client(&format!("http://127.0.0.1:{port}"), policy);
    let e = gl
        .projects()
        .create(Attrs::new().set("name", "x"))
        .await
        .expect_err("refused");
    assert!(
        matches!(
            e,
            Error::Transport {
                maybe_sent: false,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(logs.retry_delays().len(), 3, "{}", logs.text());
}

#[tokio::test]
async fn a_stalled_server_cannot_hang_a_call_past_its_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(project(1))
                .set_delay(Duration::from_secs(10)),
        )
        .mount(&server)
        .await;
    let gl = Gitlab::builder(server.uri())
        .private_token(TOKEN)
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let started = Instant::now();
    let e = gl.projects().get(1).await.expect_err("times out");
    assert!(e.to_string().contains("timed out"), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // A per-manager timeout overrides the client's.
    let started = Instant::now();
    let e = client(&server.uri(), RetryPolicy::default())
        .projects()
        .timeout(Duration::from_millis(100))
        .get(1)
        .await
        .expect_err("times out");
    assert!(matches!(e, Error::Transport { .. }));
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_body_cut_short_is_a_clear_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"id\": 1, \"na")
                .await;
            drop(sock);
        }
    });
    let gl = client(&format!("http://{addr}"), RetryPolicy::default());
    let e = gl.projects().get(1).await.expect_err("cut body");
    assert!(
        matches!(
            e,
            Error::Transport {
                maybe_sent: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("GET /projects/1"), "{e}");
}

#[tokio::test]
async fn huge_error_bodies_are_kept_short() {
    let server = MockServer::start().await;
    let huge = "x".repeat(5 * 1024 * 1024);
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_string(huge))
        .mount(&server)
        .await;
    let e = client(&server.uri(), RetryPolicy::default())
        .projects()
        .get(1)
        .await
        .expect_err("500");
    match &e {
        Error::Api { body, message, .. } => {
            assert!(body.len() <= 16 * 1024, "{}", body.len());
            assert!(message.len() <= 200);
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().len() < 400);
}

/// Pages 1..=5 of 3 projects each; page 3 answers 429 once and page 4 502 twice first.
#[tokio::test]
async fn a_listing_that_meets_faults_returns_every_item_once_in_order() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("page", "3"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(query_param("page", "4"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    for page in 1..=5u64 {
        let items: Vec<_> = (0..3).map(|i| project((page - 1) * 3 + i + 1)).collect();
        let mut resp = ResponseTemplate::new(200)
            .set_body_json(items)
            .insert_header("X-Page", page.to_string().as_str())
            .insert_header("X-Total-Pages", "5");
        if page < 5 {
            resp = resp.insert_header("X-Next-Page", (page + 1).to_string().as_str());
        }
        Mock::given(method("GET"))
            .and(path("/api/v4/projects"))
            .and(query_param("page", page.to_string().as_str()))
            .respond_with(resp)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/api/v4/projects"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(vec![project(1), project(2), project(3)])
                .insert_header("X-Next-Page", "2"),
        )
        .mount(&server)
        .await;

    let gl = client(&server.uri(), quick());
    let all = gl
        .projects()
        .list()
        .per_page(3)
        .all()
        .await
        .expect("listing survives");
    let ids: Vec<u64> = all
        .iter()
        .filter_map(|p| p.id().and_then(|v| v.as_num()))
        .collect();
    assert_eq!(ids, (1..=15).collect::<Vec<_>>());

    use futures_util::StreamExt;
    let streamed: Vec<u64> = gl
        .projects()
        .list()
        .per_page(3)
        .stream()
        .map(|r| r.expect("item").id().and_then(|v| v.as_num()).unwrap_or(0))
        .collect()
        .await;
    assert_eq!(streamed, ids);
}

#[tokio::test]
async fn client_side_throttling_waits_for_the_reset_before_the_next_request() {
    let server = MockServer::start().await;
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 30;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(project(1))
                .insert_header("RateLimit-Remaining", "0")
                .insert_header("RateLimit-Reset", reset.to_string().as_str()),
        )
        .mount(&server)
        .await;
    let policy = RetryPolicy {
        throttle_below: Some(0),
        max_backoff: Duration::from_millis(150),
        ..quick()
    };
    let gl = client(&server.uri(), policy);
    gl.projects().get(1).await.expect("first");
    let started = Instant::now();
    gl.projects().get(1).await.expect("second");
    // The reset is 30 s away; the pause is capped at max_backoff (150 ms) and really taken.
    assert!(
        started.elapsed() >= Duration::from_millis(140),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_token_never_reaches_logs_or_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"message": "down"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(project(1)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/2"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "401 Unauthorized"})),
        )
        .mount(&server)
        .await;
    let (logs, _g) = Logs::capture();
    let gl = client(&server.uri(), quick());
    let mut texts = vec![format!("{gl:?}")];
    gl.projects().get(1).await.expect("retried");
    let e = gl.projects().get(2).await.expect_err("401");
    texts.push(e.to_string());
    texts.push(format!("{e:?}"));
    let (uri, _) = dropping_server().await;
    let e = client(&uri, RetryPolicy::default())
        .projects()
        .get(1)
        .await
        .expect_err("dropped");
    texts.push(e.to_string());
    texts.push(format!("{e:?}"));
    let log = logs.text();
    assert!(log.contains("request"), "tracing captured nothing:\n{log}");
    texts.push(log);
    for t in texts {
        assert!(
            !t.contains(TOKEN) && !t.contains("SECRET"),
            "token leaked in:\n{t}"
        );
    }
}
