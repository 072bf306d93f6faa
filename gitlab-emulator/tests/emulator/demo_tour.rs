//! `make demo` runs `examples/demo.rs`; this runs the same tour in CI, so the
//! README's main command cannot rot unnoticed.

#[path = "../../examples/demo.rs"]
#[allow(dead_code)]
mod demo;

#[tokio::test]
async fn the_demo_tour_runs_against_the_emulator() {
    let emu = super::demo().await;
    let gl = emu.client().expect("client");
    demo::full_tour(&gl)
        .await
        .expect("every step of the demo succeeds");
    // The tour created a group, two projects, 25 issues (one moved), a branch and a merged MR.
    let log = emu.requests();
    assert!(
        log.iter()
            .any(|r| r.method == "PUT" && r.path.ends_with("/merge") && r.status == 200),
        "no successful merge"
    );
    assert!(
        log.iter().any(|r| r.method == "POST"
            && r.path.ends_with("/move")
            && (200..300).contains(&r.status)),
        "no move"
    );
    assert!(
        log.iter().any(|r| r.method == "POST"
            && r.path.ends_with("/repository/files/TOUR.md")
            && r.status == 201),
        "no file committed"
    );
    assert!(
        log.iter()
            .any(|r| r.path.ends_with("/changes") && r.status == 200),
        "no merge request diff"
    );
    assert!(
        log.iter().all(|r| r.status < 500),
        "a request failed on the server side"
    );
    emu.shutdown().await;
}
