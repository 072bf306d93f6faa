//! One listing order: `all()` and `stream()` give exactly what `page(1)`,
//! `page(2)`, … give, whether they page by keyset or by offset underneath.

use super::*;
use futures_util::StreamExt;
use gitlab_client::{Attrs, Gitlab, ListRequest, Resource};

/// The ids (`field`) of every page, fetched one page at a time.
async fn by_pages<R: Resource>(make: impl Fn() -> ListRequest<R>, field: &str) -> Vec<u64> {
    let mut out = Vec::new();
    for n in 1.. {
        let page = make().per_page(7).page(n).await.unwrap();
        let done = page.info.next_page.is_none();
        out.extend(page.items.iter().map(|o| o.get::<u64>(field).unwrap()));
        if done || page.items.is_empty() {
            break;
        }
    }
    out
}

async fn assert_one_order<R: Resource>(what: &str, make: impl Fn() -> ListRequest<R>, field: &str) {
    let pages = by_pages(&make, field).await;
    let all: Vec<u64> = make()
        .per_page(7)
        .all()
        .await
        .unwrap()
        .iter()
        .map(|o| o.get::<u64>(field).unwrap())
        .collect();
    let streamed: Vec<u64> = make()
        .per_page(7)
        .stream()
        .map(|o| o.unwrap().get::<u64>(field).unwrap())
        .collect()
        .await;
    assert!(pages.len() > 7, "{what}: want several pages, got {pages:?}");
    assert_eq!(all, pages, "{what}: all() differs from page(1..)");
    assert_eq!(streamed, pages, "{what}: stream() differs from page(1..)");
}

async fn setup() -> (Emulator, Gitlab, u64) {
    let emu = demo().await;
    let gl = emu.client().unwrap();
    let pid = emu.project_id("demo-group/demo-project").unwrap();
    emu.seed_issues(pid, 30).unwrap();
    let project = gl.projects().get_lazy(pid);
    for i in 0..20 {
        let branch = format!("topic-{i}");
        project
            .branches()
            .create(
                Attrs::new()
                    .set("branch", branch.as_str())
                    .set("ref", "main"),
            )
            .await
            .unwrap();
        project
            .mergerequests()
            .create(
                Attrs::new()
                    .set("source_branch", branch.as_str())
                    .set("target_branch", "main")
                    .set("title", format!("MR {i}")),
            )
            .await
            .unwrap();
    }
    (emu, gl, pid)
}

#[tokio::test]
async fn issues_and_merge_requests_list_in_one_order_however_fetched() {
    let (_emu, gl, pid) = setup().await;
    let p = gl.projects().get_lazy(pid);
    // Project issues offer keyset pagination; all()/stream() use it only where it keeps this order.
    assert_one_order("issues, default order", || p.issues().list(), "iid").await;
    assert_one_order(
        "issues, title asc",
        || {
            p.issues()
                .list()
                .order_by("title")
                .sort(gitlab_client::resources::Sort::Asc)
        },
        "iid",
    )
    .await;
    assert_one_order(
        "issues, id asc",
        || {
            p.issues()
                .list()
                .order_by("id")
                .sort(gitlab_client::resources::Sort::Asc)
        },
        "iid",
    )
    .await;
    assert_one_order(
        "issues, id desc",
        || {
            p.issues()
                .list()
                .order_by("id")
                .sort(gitlab_client::resources::Sort::Desc)
        },
        "iid",
    )
    .await;
    assert_one_order(
        "issues, sort asc",
        || p.issues().list().sort(gitlab_client::resources::Sort::Asc),
        "iid",
    )
    .await;
    // Merge requests have no keyset pagination in the schema: offset pages all the way.
    assert!(
        <gitlab_client::resources::kind::ProjectMergeRequest as Resource>::META
            .keyset
            .is_none()
    );
    assert_one_order(
        "merge requests, default order",
        || p.mergerequests().list(),
        "iid",
    )
    .await;
    assert_one_order(
        "merge requests, updated asc",
        || {
            p.mergerequests()
                .list()
                .order_by("updated_at")
                .sort(gitlab_client::resources::Sort::Asc)
        },
        "iid",
    )
    .await;
    // Newest first is GitLab's default for both.
    let first = p.issues().list().per_page(3).page(1).await.unwrap();
    let iids: Vec<u64> = first.items.iter().map(|i| i.get("iid").unwrap()).collect();
    assert!(iids.windows(2).all(|w| w[0] > w[1]), "{iids:?}");
}
