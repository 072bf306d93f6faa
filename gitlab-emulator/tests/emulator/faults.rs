//! Fault injection: each kind, its schedules and scoping, and the request log.

use super::*;
use gitlab_emulator::{Fault, FaultRule, Faults, Malformed};
use std::time::{Duration, Instant};

fn statuses(emu: &Emulator) -> Vec<u16> {
    emu.requests().iter().map(|r| r.status).collect()
}

#[tokio::test]
async fn rate_limits_every_kth_request_with_retry_after() {
    let emu = demo().await;
    emu.set_faults(
        Faults::new().with(
            FaultRule::new(Fault::RateLimit {
                retry_after: Some(7),
            })
            .every(2)
            .method("GET"),
        ),
    );
    let mut seen = Vec::new();
    for _ in 0..4 {
        let r = get(&emu, "/projects").await;
        if r.status == 429 {
            assert_eq!(r.header("retry-after").as_deref(), Some("7"));
            assert_eq!(r.header("ratelimit-remaining").as_deref(), Some("0"));
            assert_eq!(&r.body[..], b"Retry later\n");
        }
        seen.push(r.status);
    }
    assert_eq!(seen, [200, 429, 200, 429]);
    // POSTs are not counted by a GET-only rule.
    let r = post(&emu, "/projects", serde_json::json!({"name": "unlimited"})).await;
    assert_eq!(r.status, 201);
    let log = emu.requests();
    assert_eq!(log[1].fault, Some("rate_limit"));
    assert_eq!(log[4].fault, None);
}

#[tokio::test]
async fn rate_limit_bursts_without_retry_after() {
    let emu = Emulator::builder()
        .faults(
            Faults::new().with(FaultRule::new(Fault::RateLimit { retry_after: None }).burst(2, 3)),
        )
        .start()
        .await
        .unwrap();
    let mut seen = Vec::new();
    for _ in 0..6 {
        let r = get(&emu, "/user").await;
        if r.status == 429 {
            assert_eq!(r.header("retry-after"), None);
        }
        seen.push(r.status);
    }
    assert_eq!(seen, [200, 429, 429, 429, 200, 200]);
}

#[tokio::test]
async fn server_errors_every_kth_request_with_gitlab_and_proxy_bodies() {
    let emu = demo().await;
    emu.set_faults(
        Faults::new()
            .with(FaultRule::new(Fault::ServerError(500)).nth(1))
            .with(FaultRule::new(Fault::ServerError(502)).every(3)),
    );
    let a = get(&emu, "/projects").await;
    assert_eq!(
        (a.status, a.json()),
        (
            500,
            serde_json::json!({"message": "500 Internal Server Error"})
        )
    );
    let b = get(&emu, "/projects").await;
    assert_eq!(b.status, 200);
    let c = get(&emu, "/projects").await;
    assert_eq!(c.status, 502);
    assert!(c.header("content-type").unwrap().starts_with("text/html"));
    assert!(String::from_utf8_lossy(&c.body).contains("502 Bad Gateway"));
    emu.set_faults(Faults::new().with(FaultRule::new(Fault::ServerError(503)).path("/groups")));
    assert_eq!(get(&emu, "/projects").await.status, 200);
    assert_eq!(get(&emu, "/groups").await.status, 503);
    emu.clear_faults();
    assert_eq!(get(&emu, "/groups").await.status, 200);
}

#[tokio::test]
async fn dropped_connections_get_no_response() {
    let emu = demo().await;
    emu.set_faults(Faults::new().with(FaultRule::new(Fault::Drop).times(1)));
    let err = http()
        .get(api(&emu, "/projects"))
        .header("PRIVATE-TOKEN", ADMIN_TOKEN)
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err}");
    assert_eq!(get(&emu, "/projects").await.status, 200);
    let log = emu.requests();
    assert_eq!((log[0].status, log[0].fault), (0, Some("drop")));

    // Dropped after handling: the issue exists although the client got no answer.
    emu.set_faults(Faults::new().with(FaultRule::new(Fault::DropAfterHandling).method("POST")));
    let sent = http()
        .post(api(&emu, "/projects/1/issues"))
        .header("PRIVATE-TOKEN", ADMIN_TOKEN)
        .header("content-type", "application/json")
        .body(r#"{"title": "did it arrive?"}"#)
        .send()
        .await;
    assert!(sent.is_err());
    let issues = get(&emu, "/projects/1/issues?search=arrive").await.json();
    assert_eq!(issues.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn stalls_trip_client_timeouts() {
    let emu = demo().await;
    emu.set_faults(
        Faults::new().with(FaultRule::new(Fault::Stall(Duration::from_millis(600))).times(2)),
    );
    let err = http()
        .get(api(&emu, "/projects"))
        .header("PRIVATE-TOKEN", ADMIN_TOKEN)
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    let started = Instant::now();
    let r = get(&emu, "/projects").await;
    assert_eq!(r.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(550));
    let fast = Instant::now();
    get(&emu, "/projects").await;
    assert!(fast.elapsed() < Duration::from_millis(500));
}

#[tokio::test]
async fn redirects_point_where_told() {
    let emu = demo().await;
    let target = format!("{}{{path}}", emu.url());
    emu.set_faults(
        Faults::new().with(
            FaultRule::new(Fault::Redirect {
                status: 301,
                location: target,
            })
            .times(1),
        ),
    );
    let r = get(&emu, "/projects?per_page=1").await;
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("location").unwrap(),
        format!("{}/api/v4/projects?per_page=1", emu.url())
    );
    // The client follows a redirected GET to the same host.
    let gl = emu.client().unwrap();
    emu.set_faults(
        Faults::new().with(
            FaultRule::new(Fault::Redirect {
                status: 302,
                location: format!("{}{{path}}", emu.url()),
            })
            .times(1),
        ),
    );
    let p = gl.projects().get(1).await.unwrap();
    assert_eq!(p.attr("id"), Some(&serde_json::json!(1)));
    let tail: Vec<u16> = statuses(&emu).into_iter().rev().take(2).collect();
    assert_eq!(tail, [200, 302]);
}

#[tokio::test]
async fn malformed_bodies_break_in_the_chosen_way() {
    let emu = demo().await;
    emu.set_faults(
        Faults::new().with(FaultRule::new(Fault::Malformed(Malformed::TruncatedJson)).nth(1)),
    );
    let r = get(&emu, "/projects/1").await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );

    emu.set_faults(Faults::new().with(FaultRule::new(Fault::Malformed(Malformed::NotJson)).nth(1)));
    let r = get(&emu, "/projects").await;
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.body.starts_with(b"<!DOCTYPE html>"));

    emu.set_faults(
        Faults::new().with(FaultRule::new(Fault::Malformed(Malformed::UnexpectedJson)).nth(1)),
    );
    let gl = emu.client().unwrap();
    let err = gl.projects().list().page(1).await.unwrap_err();
    assert_eq!(err.status(), Some(200), "{err}");
    assert!(matches!(err, gitlab_client::Error::Decode { .. }), "{err}");
    assert_eq!(emu.requests().last().unwrap().fault, Some("malformed"));
}

#[tokio::test]
async fn the_client_lists_everything_through_rate_limits_and_5xx() {
    let emu = demo().await;
    let pid = new_project(&emu, "flaky").await;
    emu.seed_issues(pid, 250).unwrap();
    emu.set_faults(
        Faults::new()
            .with(
                FaultRule::new(Fault::RateLimit {
                    retry_after: Some(0),
                })
                .every(2)
                .path(&format!("/projects/{pid}/issues")),
            )
            .with(FaultRule::new(Fault::ServerError(503)).nth(5)),
    );
    let gl = gitlab_client::Gitlab::builder(emu.url())
        .private_token(ADMIN_TOKEN)
        .retry_transient_errors(true)
        .build()
        .unwrap();
    let project = gl.projects().get(pid).await.unwrap();
    let all = project.issues().list().per_page(20).all().await.unwrap();
    assert_eq!(all.len(), 250);
    let limited = emu.requests().iter().filter(|r| r.status == 429).count();
    assert!(limited >= 10, "{limited} rate-limited answers");
}
